#!/usr/bin/env node
// `npm run docs`: the API reference as a static site in docs/.
//  1. @effect/docgen in each workspace package: it reads the doc comments, type-checks every `@example` (a broken
//     example fails the build) and writes one markdown page per module into packages/<name>/docs/modules/.
//  2. That markdown rendered to HTML with marked (highlight.js for the code): docs/index.html (every package and
//     module), docs/<package>/index.html, docs/<package>/<Module>.html (exports grouped by `@category`, with
//     descriptions, signatures, examples and `@since`), docs/exports.html (every export A-Z).
// Relative links only and no script, no remote asset: the site opens from the file system as well as over HTTP.
// `--skip-docgen` renders the markdown of the last docgen run again (for work on this script).
import hljs from "highlight.js/lib/core"
import typescript from "highlight.js/lib/languages/typescript"
import { Marked } from "marked"
import { spawnSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const out = join(root, "docs")
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"))
const rootPackage = readJson(join(root, "package.json"))
const siteTitle = `${rootPackage.name} API reference`

hljs.registerLanguage("typescript", typescript)

// --- 1. docgen ---------------------------------------------------------------------------------------------------

const packageDirs = rootPackage.workspaces.map((dir) => join(root, dir))

if (!process.argv.includes("--skip-docgen")) {
  rmSync(out, { recursive: true, force: true }) // a failed build leaves no site behind rather than the last one
  const docgen = join(root, "node_modules", "@effect", "docgen", "bin.cjs")
  for (const dir of packageDirs) {
    console.log(`docgen: ${dir.slice(root.length + 1)}`)
    const run = spawnSync(process.execPath, [docgen], { cwd: dir, stdio: "inherit" })
    if (run.status !== 0) {
      console.error(`docgen failed in ${dir} (exit ${run.status ?? run.signal})`)
      process.exit(1)
    }
  }
}

// --- 2. markdown to HTML, with docgen's {@link} tags resolved -------------------------------------------------

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[c])

/** The page being rendered, for `{@link}` targets and relative links. */
let here = { pkg: undefined, module: undefined, depth: 0 }

const href = (pkg, page, anchor) => {
  const path = pkg === undefined ? page : here.depth === 0 ? `${pkg.short}/${page}` : `../${pkg.short}/${page}`
  return anchor === undefined ? path : `${path}#${anchor}`
}

/** `{@link name}`, `{@link Module.name}`, `{@link Module}`: a link to that export or module where it is found. */
const resolveLink = (target) => {
  const [first, ...rest] = target.split(".")
  const findExport = (module, name) => module?.exports.find((e) => e.name === name)
  const own = findExport(here.module, target)
  if (own !== undefined) return href(here.pkg, here.module.page, own.slug)
  for (const pkg of [here.pkg, ...packages.filter((p) => p !== here.pkg)].filter((p) => p !== undefined)) {
    const module = pkg.modules.find((m) => m.name === first)
    if (module === undefined) continue
    if (rest.length === 0) return href(pkg, module.page)
    const found = findExport(module, rest.join("."))
    if (found !== undefined) return href(pkg, module.page, found.slug)
  }
  return undefined
}

const jsdocLink = {
  name: "jsdocLink",
  level: "inline",
  start: (src) => src.indexOf("{@link"),
  tokenizer(src) {
    const match = /^\{@link(?:code|plain)?\s+([^\s|}]+)\s*(?:\|\s*)?([^}]*)\}/.exec(src)
    if (match !== null) return { type: "jsdocLink", raw: match[0], target: match[1], label: match[2].trim() }
  },
  renderer({ label, target }) {
    const text = label === "" ? `<code>${escape(target)}</code>` : escape(label)
    const url = resolveLink(target)
    return url === undefined ? text : `<a href="${escape(url)}">${text}</a>`
  }
}

const markdown = new Marked({
  extensions: [jsdocLink],
  renderer: {
    code({ lang, text }) {
      const language = lang === "ts" || lang === "typescript" ? "typescript" : undefined
      const html = language === undefined ? escape(text) : hljs.highlight(text, { language }).value
      return `<pre><code class="hljs language-${escape(lang ?? "text")}">${html}</code></pre>\n`
    },
    paragraph({ text, tokens }) {
      if (text === "**Signature**" || text === "**Example**") {
        return `<p class="label">${text.slice(2, -2)}</p>\n`
      }
      const since = /^Added in (v\S+)$/.exec(text)
      if (since !== null) return `<p class="since">Added in <span>${escape(since[1])}</span></p>\n`
      return `<p>${this.parser.parseInline(tokens)}</p>\n`
    }
  }
})

// --- 3. docgen's markdown, read ------------------------------------------------------------------------------

/** docgen's front matter opens with `***` (prettier's doing) where `---` belongs: both are accepted here. */
const splitFrontMatter = (text, file) => {
  const match = /^(?:\*\*\*|---)\s*\n([\s\S]*?)\n---\s*\n/.exec(text)
  if (match === null) throw new Error(`${file}: no front matter`)
  const fields = {}
  for (const line of match[1].split("\n")) {
    const colon = line.indexOf(":")
    if (colon > 0) fields[line.slice(0, colon).trim()] = line.slice(colon + 1).trim()
  }
  return { fields, body: text.slice(match[0].length) }
}

/** The anchors of docgen's tables of contents (@effect/markdown-toc's slugs). */
const slugify = (text) => text.toLowerCase().split(" ").join("-").replace(/[|$&`~=\\/@+*!?({[\]})<>.,;:'"^]/g, "")

const headingName = (text) => {
  const match = /^(.*?) \(([a-z ]+)\)$/.exec(text)
  return match === null ? { name: text, kind: undefined } : { name: match[1], kind: match[2] }
}

const packages = packageDirs.map((dir) => {
  const manifest = readJson(join(dir, "package.json"))
  const short = dir.split("/").pop()
  const modulesDir = join(dir, "docs", "modules")
  if (!existsSync(modulesDir)) throw new Error(`${modulesDir} is missing: run without --skip-docgen`)
  const modules = readdirSync(modulesDir)
    .filter((file) => file.endsWith(".ts.md"))
    .map((file) => {
      const { body, fields } = splitFrontMatter(readFileSync(join(modulesDir, file), "utf8"), file)
      const name = file.slice(0, -".ts.md".length)
      const tokens = markdown.lexer(body)
      // docgen's layout: "## <Module> overview", the description, "Added in", ---, the table of contents, ---,
      // then "# <category>" and "## <export>" sections.
      const breaks = tokens.flatMap((token, i) => (token.type === "hr" ? [i] : []))
      const tocAt = tokens.findIndex((token) => token.type === "html" && token.text.includes("Table of contents"))
      const overview = tokens.slice(0, breaks[0] ?? tokens.length)
        .filter((token) => !(token.type === "heading" && token.text.endsWith(" overview")))
      const content = tocAt === -1 ? [] : tokens.slice(breaks.find((i) => i > tocAt) + 1)
      const exports = []
      let category
      for (const token of content) {
        if (token.type === "heading" && token.depth === 1) category = token.text
        else if (token.type === "heading" && token.depth === 2) {
          exports.push({ ...headingName(token.text), category, slug: slugify(token.text), tokens: [] })
        } else exports.at(-1)?.tokens.push(token)
      }
      for (const e of exports) {
        e.signature = e.tokens.find((token) => token.type === "code")?.text ?? ""
        e.description = e.tokens.find((token) => token.type === "paragraph" && !/^(\*\*|Added in )/.test(token.text))
          ?.text
        // docgen names classes, interfaces and type aliases; the rest is told by the signature.
        e.kind ??= /^export declare (function |const [\w$]+: [(<])/.test(e.signature)
          ? "function"
          : /^export declare const /.test(e.signature)
          ? "const"
          : undefined
      }
      return { name, fields, overview, content, exports, page: `${name}.html` }
    })
    .sort((a, b) => Number(a.fields.nav_order) - Number(b.fields.nav_order) || a.name.localeCompare(b.name))
  const entry = modules.find((m) => m.name === "index")
  return { dir, short, manifest, entry, modules: modules.filter((m) => m !== entry) }
})

// --- 4. the pages ----------------------------------------------------------------------------------------------

const render = (tokens) => markdown.parser(tokens)
const inline = (text) => markdown.parseInline(text)

/** The first paragraph of a module's overview, as inline HTML, for lists. */
const summary = (module) => {
  const paragraph = module.overview.find((token) => token.type === "paragraph" && !token.text.startsWith("Added in"))
  return paragraph === undefined ? "" : inline(paragraph.text.replace(/\n/g, " "))
}

/** A module's categories and exports, each in a <section> whose id is docgen's anchor. */
const renderContent = (tokens, exports) => {
  let html = ""
  let pending = []
  let open = 0
  const flush = () => {
    html += render(pending)
    pending = []
  }
  const close = (level) => {
    flush()
    while (open > level) {
      html += "</section>\n"
      open--
    }
  }
  const seen = new Map()
  const idFor = (text) => {
    const slug = slugify(text)
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    return count === 0 ? slug : `${slug}-${count}`
  }
  for (const token of tokens) {
    if (token.type === "heading" && token.depth <= 2) {
      close(token.depth - 1)
      const id = idFor(token.text)
      const { name } = headingName(token.text)
      const kind = token.depth === 2 ? exports.find((e) => e.slug === id)?.kind : undefined
      const badge = kind === undefined ? "" : ` <span class="kind">${escape(kind)}</span>`
      const heading = token.depth === 1 ? "h2" : "h3"
      const cls = token.depth === 1 ? "category" : "export"
      html += `<section class="${cls}" id="${escape(id)}">\n`
      html += `<${heading}><a class="anchor" href="#${escape(id)}">${inline(name)}</a>${badge}</${heading}>\n`
      open = token.depth
    } else if (token.type === "heading") {
      pending.push({ ...token, depth: Math.min(token.depth + 1, 6) })
    } else if (token.type !== "hr") {
      pending.push(token)
    }
  }
  close(0)
  return html
}

const importLines = (pkg, module) => {
  const lines = []
  if (pkg.entry?.exports.some((e) => e.name.includes(`"./${module.name}.js"`))) {
    lines.push(`import { ${module.name} } from "${pkg.manifest.name}"`)
  }
  if (pkg.manifest.exports?.[`./${module.name}`] !== undefined) {
    lines.push(`import * as ${module.name} from "${pkg.manifest.name}/${module.name}"`)
  }
  return lines.length === 0 ? "" : render([{ type: "code", lang: "ts", text: lines.join("\n") }])
}

const toc = (module) =>
  `<nav class="toc" aria-label="On this page"><h2>On this page</h2><ul>${
    [...new Set(module.exports.map((e) => e.category))].map((category) =>
      `<li><a href="#${escape(slugify(category ?? ""))}">${escape(category ?? "")}</a><ul>${
        module.exports.filter((e) => e.category === category).map((e) =>
          `<li><a href="#${escape(e.slug)}">${escape(e.name)}</a></li>`
        ).join("")
      }</ul></li>`
    ).join("")
  }</ul></nav>`

const sidebar = () =>
  `<nav class="sidebar" aria-label="Packages"><ul>${
    packages.map((pkg) => {
      const current = pkg === here.pkg && here.module === pkg.entry ? " aria-current=\"page\"" : ""
      return `<li><a class="package" href="${escape(href(pkg, "index.html"))}"${current}>${
        escape(pkg.manifest.name)
      }</a><ul>${
        pkg.modules.map((module) =>
          `<li><a href="${escape(href(pkg, module.page))}"${module === here.module ? " aria-current=\"page\"" : ""}>${
            escape(module.name)
          }</a></li>`
        ).join("")
      }</ul></li>`
    }).join("")
  }<li><a class="package" href="${here.depth === 0 ? "" : "../"}exports.html">All exports</a></li></ul></nav>`

const page = ({ aside = "", body, crumbs, title }) => {
  const up = here.depth === 0 ? "" : "../"
  const trail = [`<a href="${up}index.html">Reference</a>`, ...crumbs].join(" <span>/</span> ")
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · ${escape(siteTitle)}</title>
<link rel="stylesheet" href="${up}assets/style.css">
<link rel="stylesheet" href="${up}assets/hljs-light.css" media="(prefers-color-scheme: light)">
<link rel="stylesheet" href="${up}assets/hljs-dark.css" media="(prefers-color-scheme: dark)">
</head>
<body>
<header class="top"><a href="${up}index.html">${escape(siteTitle)}</a></header>
<div class="layout">
${sidebar()}
<main>
<p class="crumbs">${trail}</p>
${body}
</main>
${aside}
</div>
</body>
</html>
`
}

const write = (file, html) => {
  mkdirSync(dirname(join(out, file)), { recursive: true })
  writeFileSync(join(out, file), html)
}

rmSync(out, { recursive: true, force: true })
mkdirSync(join(out, "assets"), { recursive: true })
copyFileSync(join(root, "scripts", "docs.css"), join(out, "assets", "style.css"))
const hljsStyles = join(root, "node_modules", "highlight.js", "styles")
copyFileSync(join(hljsStyles, "github.css"), join(out, "assets", "hljs-light.css"))
copyFileSync(join(hljsStyles, "github-dark.css"), join(out, "assets", "hljs-dark.css"))

const moduleList = (pkg) =>
  `<ul class="modules">${
    pkg.modules.map((module) =>
      `<li><a href="${escape(href(pkg, module.page))}">${escape(module.name)}</a><span>${summary(module)}</span></li>`
    ).join("")
  }</ul>`

/** The entry point's exports (`export * as Module from "..."`), each linked to its module's page. */
const entryExports = (entry) =>
  `<ul class="entry">${
    entry.exports.map((e) => {
      const as = /^export \* as ([\w$]+) from /.exec(e.signature)
      const owner = as === null ? undefined : packages.find((pkg) => pkg.modules.some((m) => m.name === as[1]))
      const module = owner?.modules.find((m) => m.name === as[1])
      const code = `<code>${escape(e.signature)}</code>`
      const text = module !== undefined ? summary(module) : e.description === undefined ? "" : inline(e.description)
      return `<li>${
        module === undefined ? code : `<a href="${escape(href(owner, module.page))}">${code}</a>`
      }<span>${text}</span></li>`
    }).join("")
  }</ul>`

let pages = 0
for (const pkg of packages) {
  for (const module of pkg.modules) {
    here = { pkg, module, depth: 1 }
    write(
      `${pkg.short}/${module.page}`,
      page({
        title: `${module.name} (${pkg.manifest.name})`,
        crumbs: [`<a href="index.html">${escape(pkg.manifest.name)}</a>`, escape(module.name)],
        body: `<h1>${escape(module.name)}</h1>\n<div class="overview">${render(module.overview)}</div>\n${
          importLines(pkg, module)
        }\n${renderContent(module.content, module.exports)}`,
        aside: toc(module)
      })
    )
    pages++
  }
  here = { pkg, module: pkg.entry, depth: 1 }
  const entry = pkg.entry === undefined ?
    "" :
    `<h2>Entry point</h2>\n<div class="overview">${render(pkg.entry.overview)}</div>\n${entryExports(pkg.entry)}`
  write(
    `${pkg.short}/index.html`,
    page({
      title: pkg.manifest.name,
      crumbs: [escape(pkg.manifest.name)],
      body: `<h1>${escape(pkg.manifest.name)} <span class="version">v${escape(pkg.manifest.version)}</span></h1>\n<p>${
        escape(pkg.manifest.description ?? "")
      }</p>\n${render([{ type: "code", lang: "sh", text: `npm install ${pkg.manifest.name}` }])}\n<h2>Modules</h2>\n${
        moduleList(pkg)
      }\n${entry}`
    })
  )
  pages++
}

here = { pkg: undefined, module: undefined, depth: 0 }
const intro = "Every package of the monorepo and its modules. Each module page lists its exports by category, with "
  + "their descriptions, signatures and examples. <a href=\"exports.html\">All exports</a> lists them A-Z."
write(
  "index.html",
  page({
    title: "Packages",
    crumbs: [],
    body: `<h1>${escape(siteTitle)}</h1>\n<p>${intro}</p>\n${
      packages.map((pkg) =>
        `<section class="package"><h2><a href="${escape(href(pkg, "index.html"))}">${
          escape(pkg.manifest.name)
        }</a></h2>\n<p>${escape(pkg.manifest.description ?? "")}</p>\n${moduleList(pkg)}</section>`
      ).join("\n")
    }`
  })
)
pages++

const all = packages.flatMap((pkg) =>
  pkg.modules.flatMap((module) => module.exports.map((e) => ({ ...e, pkg, module })))
).sort((a, b) =>
  a.name.localeCompare(b.name, "en", { sensitivity: "base" }) || a.module.name.localeCompare(b.module.name)
)
write(
  "exports.html",
  page({
    title: "All exports",
    crumbs: ["All exports"],
    body:
      `<h1>All exports</h1>\n<p>${all.length} exports of ${packages.length} packages, A-Z.</p>\n<table class="exports">
<thead><tr><th>Export</th><th>Kind</th><th>Module</th><th>Category</th></tr></thead>
<tbody>${
        all.map((e) =>
          `<tr><td><a href="${escape(href(e.pkg, e.module.page, e.slug))}"><code>${escape(e.name)}</code></a></td><td>${
            escape(e.kind ?? "")
          }</td><td><a href="${escape(href(e.pkg, e.module.page))}">${escape(e.pkg.short)}/${
            escape(e.module.name)
          }</a></td><td>${escape(e.category ?? "")}</td></tr>`
        ).join("\n")
      }</tbody></table>`
  })
)
pages++

console.log(`docs: ${pages} pages in ${out.slice(root.length + 1)}/ (open docs/index.html)`)
