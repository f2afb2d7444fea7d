/**
 * The README's quick start is `examples/quickstart.ts`, word for word, and it runs as written.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"

const ROOT = join(import.meta.dirname, "..")

describe("README", () => {
  it("starts with the install-and-demo command and the test command", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8")
    const firstBlock = readme.slice(readme.indexOf("```sh") + 5, readme.indexOf("```", readme.indexOf("```sh") + 5))
    assert.match(firstBlock, /^npm ci && npm start\b/m)
    assert.match(firstBlock, /^npm test\b/m)
  })

  it.live("the quick start is examples/quickstart.ts and runs as written", () =>
    Effect.gen(function*() {
      const readme = readFileSync(join(ROOT, "README.md"), "utf8")
      const section = readme.slice(readme.indexOf("## Quick start"))
      const code = section.slice(section.indexOf("```ts\n") + 6, section.indexOf("```\n", section.indexOf("```ts\n")))
      assert.strictEqual(code, readFileSync(join(ROOT, "examples/quickstart.ts"), "utf8"))
      const output = yield* Effect.async<string>((resume) => {
        execFile(
          process.execPath,
          [join(ROOT, "node_modules/tsx/dist/cli.mjs"), "examples/quickstart.ts"],
          { cwd: ROOT, timeout: 30_000 },
          (error, stdout, stderr) => resume(Effect.succeed(`${error ? `exit ${error.code}\n` : ""}${stdout}${stderr}`))
        )
      })
      assert.include(output, "client received: hello")
      assert.match(output, /connected at \d{4}-\d{2}-\d{2}T[\d:.]+Z from 127\.0\.0\.1/)
      assert.include(output, "the connection went away")
      assert.notInclude(output, "still there?")
      assert.notInclude(output, "exit ")
    }), 40_000)
})
