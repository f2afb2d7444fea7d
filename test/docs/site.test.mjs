// The API reference that `npm run docs` builds into docs/, opened in a real headless browser (Debian's chromium
// through playwright-core): served over HTTP on 127.0.0.1 and opened from the file system. Run `npm run docs`
// first, then `npm run test:docs`. DOCS_SCREENSHOT=/path.png also saves a screenshot of a module page.
import assert from "node:assert/strict"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { dirname, extname, join, resolve, sep } from "node:path"
import { after, before, describe, test } from "node:test"
import { fileURLToPath, pathToFileURL } from "node:url"
import { chromium } from "playwright-core"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..")
const site = join(root, "docs")
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

/** Every module of every workspace package: packages/<name>/src/<Module>.ts, index.ts aside. */
const modules = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces.flatMap((dir) => {
  const pkg = dir.split("/").pop()
  return readdirSync(join(root, dir, "src"))
    .filter((file) => file.endsWith(".ts") && file !== "index.ts" && statSync(join(root, dir, "src", file)).isFile())
    .map((file) => ({ pkg, name: file.slice(0, -".ts".length) }))
})

const types = { ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8" }

/** A static file server for docs/ on 127.0.0.1, on a free port. */
const serve = () =>
  new Promise((ok) => {
    const server = createServer((request, response) => {
      const path = decodeURIComponent(new URL(request.url, "http://localhost").pathname)
      let file = resolve(site, `.${path}`)
      if (file !== site && !file.startsWith(site + sep)) file = site
      if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html")
      if (!existsSync(file)) {
        response.writeHead(404, { "content-type": "text/plain" }).end("not found")
        return
      }
      response.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" })
      response.end(readFileSync(file))
    })
    server.listen(0, "127.0.0.1", () => ok(server))
  })

describe("the API reference site", { timeout: 120_000 }, () => {
  let server
  let base
  let profile
  let context
  const outside = []

  before(async () => {
    assert.ok(existsSync(join(site, "index.html")), "docs/index.html is missing: run `npm run docs` first")
    assert.ok(existsSync(executablePath), `${executablePath} is missing: apt-get install -y chromium`)
    server = await serve()
    base = `http://127.0.0.1:${server.address().port}`
    profile = mkdtempSync(join(tmpdir(), "docs-chromium-"))
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync"
      ],
      viewport: { width: 1400, height: 1000 }
    })
    // Nothing but the site itself may be fetched: no CDN, no font service.
    context.on("request", (request) => {
      const url = request.url()
      if (!url.startsWith(base) && !url.startsWith("file:") && !url.startsWith("data:")) outside.push(url)
    })
  })

  after(async () => {
    await context?.close()
    await new Promise((ok) => server ? server.close(ok) : ok())
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true })
  })

  test("index -> core -> ApiGatewayManagementApi: postToConnection's signature, layer's example", async () => {
    const page = await context.newPage()
    await page.goto(`${base}/index.html`)
    await page.locator("main a", { hasText: /^@effect-apigw\/core$/ }).first().click()
    await page.waitForURL(`${base}/core/index.html`)
    assert.equal((await page.locator("h1").textContent()).replace(/\s+v\S+$/, ""), "@effect-apigw/core")

    await page.locator("main ul.modules a", { hasText: /^ApiGatewayManagementApi$/ }).click()
    await page.waitForURL(`${base}/core/ApiGatewayManagementApi.html`)
    assert.equal(await page.locator("h1").textContent(), "ApiGatewayManagementApi")

    const post = page.locator("section.export#posttoconnection")
    assert.equal(await post.locator("h3 a.anchor").textContent(), "postToConnection")
    assert.equal(await post.locator("h3 .kind").textContent(), "function")
    assert.ok(await post.isVisible())
    const signature = await post.locator("pre code").first().textContent()
    assert.match(signature, /export declare const postToConnection: \(/)
    assert.match(signature, /Effect\.Effect<PostToConnectionOutput, PostToConnectionError, ApiGatewayManagementApi>/)
    assert.match(await post.locator("p.since").textContent(), /^Added in v\d+\.\d+\.\d+$/)
    // Grouped by @category: postToConnection under accessors, layer under layers.
    assert.equal(await page.locator("section.category#accessors section.export#posttoconnection").count(), 1)

    const transport = page.locator("section.category#layers section.export#layer")
    assert.equal(await transport.count(), 1)
    const labels = await transport.locator("p.label").allTextContents()
    assert.deepEqual(labels, ["Signature", "Example"])
    const example = await transport.locator("p.label:text-is('Example') + pre code").textContent()
    assert.match(example, /import \{ ApiGatewayManagementApi \} from "@effect-apigw\/core"/)
    assert.match(example, /ApiGatewayManagementApi\.layer\(/)
    await transport.locator("p.label:text-is('Example') + pre").scrollIntoViewIfNeeded()
    assert.ok(await transport.locator("p.label:text-is('Example') + pre").isVisible())

    if (process.env.DOCS_SCREENSHOT) {
      await page.goto(`${base}/core/ApiGatewayManagementApi.html#layer`)
      await page.screenshot({ path: process.env.DOCS_SCREENSHOT })
    }
    await page.close()
  })

  test("every link on the index resolves", async () => {
    const page = await context.newPage()
    await page.goto(`${base}/index.html`)
    const links = await page.locator("a[href]").evaluateAll((as) => as.map((a) => a.href))
    assert.ok(links.length > modules.length, `${links.length} links`)
    for (const link of new Set(links)) {
      const response = await page.request.get(link)
      assert.equal(response.status(), 200, link)
    }
    await page.close()
  })

  test("every module of every package: a page linked from the index, its categories and examples", async () => {
    const page = await context.newPage()
    await page.goto(`${base}/index.html`)
    const linked = new Set(await page.locator("main a[href]").evaluateAll((as) => as.map((a) => a.href)))
    assert.ok(modules.length > 0)
    for (const { name, pkg } of modules) {
      const url = `${base}/${pkg}/${name}.html`
      assert.ok(linked.has(url), `the index links to ${pkg}/${name}`)
      const response = await page.goto(url)
      assert.equal(response.status(), 200, url)
      assert.equal(await page.locator("h1").textContent(), name)
      assert.ok(await page.locator("section.export").count() > 0, `${pkg}/${name} lists its exports`)
      assert.ok(await page.locator("p.since").count() > 0, `${pkg}/${name} shows @since`)
      const source = readFileSync(join(root, "packages", pkg, "src", `${name}.ts`), "utf8")
      const categories = new Set([...source.matchAll(/^\s*\*\s*@category\s+(.+?)\s*$/gm)].map((m) => m[1]))
      const shown = await page.locator("section.category > h2 a.anchor").allTextContents()
      assert.deepEqual(new Set(shown), categories, `${pkg}/${name}: one section per @category`)
      const examples = [...source.matchAll(/^\s*\*\s*@example\b/gm)].length
      const blocks = await page.locator("main p.label:text-is('Example') + pre code").count()
      assert.equal(blocks, examples, `${pkg}/${name}: one code block per @example`)
    }
    await page.close()
  })

  test("every link and anchor of every page resolves", async () => {
    const page = await context.newPage()
    const ids = new Map()
    const idsOf = async (url) => {
      if (!ids.has(url)) {
        const response = await page.goto(url)
        assert.equal(response.status(), 200, url)
        ids.set(url, {
          ids: new Set(await page.locator("[id]").evaluateAll((es) => es.map((e) => e.id))),
          links: await page.locator("a[href]").evaluateAll((as) => as.map((a) => a.href))
        })
      }
      return ids.get(url)
    }
    const queue = [`${base}/index.html`]
    const seen = new Set(queue)
    while (queue.length > 0) {
      const from = queue.shift()
      for (const link of (await idsOf(from)).links) {
        const url = new URL(link)
        assert.equal(url.origin, base, `${from} links outside the site: ${link}`)
        const target = `${url.origin}${url.pathname}`
        const { ids: targetIds } = await idsOf(target)
        if (url.hash !== "") assert.ok(targetIds.has(decodeURIComponent(url.hash.slice(1))), `${from} -> ${link}`)
        if (!seen.has(target)) {
          seen.add(target)
          queue.push(target)
        }
      }
    }
    assert.ok(seen.size >= modules.length + 2, `${seen.size} pages crawled`)
    await page.close()
  })

  test("opened from the file system, the relative links work", async () => {
    const page = await context.newPage()
    await page.goto(pathToFileURL(join(site, "index.html")).href)
    await page.locator("main a", { hasText: /^@effect-apigw\/core$/ }).first().click()
    await page.locator("main ul.modules a", { hasText: /^ApiGatewayManagementApi$/ }).click()
    assert.equal(page.url(), pathToFileURL(join(site, "core", "ApiGatewayManagementApi.html")).href)
    assert.equal(await page.locator("section.export#posttoconnection h3 a.anchor").textContent(), "postToConnection")
    // The stylesheet loaded: the export cards have a border.
    const border = await page.locator("section.export").first().evaluate((e) => getComputedStyle(e).borderTopStyle)
    assert.equal(border, "solid")
    await page.close()
  })

  test("no request left the site", () => {
    assert.deepEqual(outside, [])
  })
})
