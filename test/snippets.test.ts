/**
 * The TypeScript snippets of the README, the deployment guide and the package READMEs are code: each one is written
 * out as a module and type-checked with the repository's settings; the Lambda handlers are run behind the emulator.
 */
import { Emulator } from "@effect-apigw/emulator"
import type { Handler } from "@effect-apigw/emulator/Event"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { pathToFileURL } from "node:url"
import WebSocket from "ws"

const ROOT = join(import.meta.dirname, "..")
/** One level below the root, so that a snippet's `../examples/...` import means what it says in the README. */
const OUT = join(ROOT, ".snippets")
const DOCUMENTS = [
  "README.md",
  "DEPLOYMENT.md",
  "packages/schema/README.md",
  "packages/core/README.md",
  "packages/layers/README.md",
  "packages/emulator/README.md"
]

interface Snippet {
  readonly file: string
  readonly document: string
  readonly line: number
  readonly code: string
}

const snippets: ReadonlyArray<Snippet> = DOCUMENTS.flatMap((document) => {
  const text = readFileSync(join(ROOT, document), "utf8")
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => {
    const line = text.slice(0, match.index).split("\n").length + 1
    const name = `${document.replace(/\W+/g, "-")}-${line}.ts`
    return { file: join(OUT, name), document, line, code: match[1]! }
  })
})

const tsc = (project: string) =>
  Effect.async<string>((resume) => {
    execFile(
      process.execPath,
      [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", project],
      { cwd: ROOT, timeout: 120_000 },
      (error, stdout, stderr) => resume(Effect.succeed(error === null ? "" : `${stdout}${stderr}`))
    )
  })

/** The handlers read credentials from the environment, as on Lambda (the emulator checks no signature here). */
const withLambdaEnvironment = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY }
      process.env.AWS_ACCESS_KEY_ID = "AKIDLAMBDA"
      process.env.AWS_SECRET_ACCESS_KEY = "lambda-secret"
      return saved
    }),
    () => effect,
    (saved) =>
      Effect.sync(() => {
        for (const [name, value] of [["AWS_ACCESS_KEY_ID", saved.id], ["AWS_SECRET_ACCESS_KEY", saved.secret]]) {
          if (value === undefined) delete process.env[name!]
          else process.env[name!] = value
        }
      })
  )

/** GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces as `-`. */
const slug = (heading: string) =>
  heading.trim().toLowerCase().replace(/[`*]/g, "").replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-")

describe("documentation links", () => {
  it("every relative link and #anchor of the READMEs and the deployment guide resolves", () => {
    const broken: Array<string> = []
    for (const document of DOCUMENTS) {
      const text = readFileSync(join(ROOT, document), "utf8").replace(/^```[\s\S]*?^```$/gm, "")
      const anchors = new Set([...text.matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]!)))
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue
        const [file, anchor] = target!.split("#")
        if (file !== "" && !existsSync(join(ROOT, dirname(document), file!))) broken.push(`${document}: ${target}`)
        if (file === "" && anchor !== undefined && !anchors.has(anchor)) broken.push(`${document}: ${target}`)
      }
    }
    assert.deepStrictEqual(broken, [])
  })
})

describe("documentation snippets", () => {
  it("there are snippets in every document, with imports (no snippet leans on names defined elsewhere)", () => {
    for (const document of DOCUMENTS) assert.isAbove(snippets.filter((s) => s.document === document).length, 0)
    for (const snippet of snippets) {
      assert.match(snippet.code, /^import /m, `${snippet.document}:${snippet.line} has no imports`)
    }
  })

  it.live("every snippet type-checks with the repository's settings", () =>
    Effect.gen(function*() {
      rmSync(OUT, { recursive: true, force: true })
      mkdirSync(OUT)
      for (const snippet of snippets) writeFileSync(snippet.file, `${snippet.code}\nexport {}\n`)
      const config = {
        extends: "../tsconfig.json",
        // A snippet may define what it shows without using it.
        compilerOptions: { noUnusedLocals: false, noUnusedParameters: false },
        include: ["*.ts"]
      }
      writeFileSync(join(OUT, "tsconfig.json"), JSON.stringify(config))
      const errors = yield* tsc(join(OUT, "tsconfig.json"))
      const located = errors.replace(/\.snippets\/([\w-]+)-(\d+)\.ts\((\d+)/g, (_, name: string, line, at) => {
        const snippet = snippets.find((s) => s.file.endsWith(`${name}-${line}.ts`))
        return `${snippet?.document}:${Number(line) + Number(at) - 1} (snippet line ${at}`
      })
      assert.strictEqual(located, "", located)
    }), 180_000)

  it.live("the testing snippets pass as tests (vitest on the snippets alone)", () =>
    Effect.gen(function*() {
      const tests = snippets.filter((s) => /^it(\.\w+)?\(/m.test(s.code))
      assert.isAtLeast(tests.length, 2)
      mkdirSync(OUT, { recursive: true })
      for (const snippet of tests) writeFileSync(snippet.file.replace(/\.ts$/, ".test.ts"), snippet.code)
      // The repository's aliases (sources, no build), only the snippets' files.
      const config = "import base from \"../vitest.config.ts\"\n" +
        "export default { resolve: base.resolve, test: { include: [\"*.test.ts\"], testTimeout: 30000 } }\n"
      writeFileSync(join(OUT, "vitest.config.mts"), config)
      const result = yield* Effect.async<{ code: number; output: string }>((resume) => {
        execFile(
          process.execPath,
          [
            join(ROOT, "node_modules/vitest/vitest.mjs"),
            "run",
            "--root",
            OUT,
            "--config",
            join(OUT, "vitest.config.mts")
          ],
          { cwd: ROOT, timeout: 120_000, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } },
          (error, stdout, stderr) => resume(Effect.succeed({ code: error === null ? 0 : 1, output: stdout + stderr }))
        )
      })
      assert.strictEqual(result.code, 0, result.output)
      assert.match(result.output, new RegExp(`Tests\\s+${tests.length} passed`), result.output)
    }), 180_000)

  it.live(
    "the Lambda handlers of the README and the deployment guide answer $connect and echo behind the emulator",
    () =>
      Effect.gen(function*() {
        const lambdas = snippets.filter((s) =>
          /export const handler = async \(event: Lambda\.WebSocketEvent/.test(s.code)
        )
        assert.isAtLeast(lambdas.length, 2)
        for (const snippet of lambdas) {
          mkdirSync(OUT, { recursive: true })
          writeFileSync(snippet.file, snippet.code)
          const module = yield* Effect.promise(() => import(pathToFileURL(snippet.file).href))
          const echoed = yield* Effect.scoped(Effect.gen(function*() {
            const emulator = yield* Emulator.make({ port: 0, handler: module.handler as Handler })
            return yield* Effect.async<string, Error>((resume) => {
              const socket = new WebSocket(emulator.url)
              socket.once("open", () => socket.send("ping from a test"))
              socket.once("message", (data) => {
                socket.close()
                resume(Effect.succeed(String(data)))
              })
              socket.once(
                "unexpected-response",
                (_, response) => resume(Effect.fail(new Error(`$connect answered ${response.statusCode}`)))
              )
              socket.once("error", (error) => resume(Effect.fail(error)))
            }).pipe(Effect.timeout("10 seconds"))
          }))
          assert.strictEqual(echoed, "ping from a test", `${snippet.document}:${snippet.line}`)
        }
      }).pipe(withLambdaEnvironment),
    60_000
  )
})
