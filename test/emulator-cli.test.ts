/**
 * The `apigw-emulator` command, run from its source as a real process (through tsx), with the AWS SDK v3 client, our client
 * and real WebSocket clients; and the `examples/chat.ts` handler loaded with `--handler`.
 */
import { GetConnectionCommand, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi"
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { connect, CREDENTIALS, ourClient, sdkClient, TestError } from "../packages/emulator/test/utils.js"

const ROOT = join(import.meta.dirname, "..")
/**
 * The command's source, with tsx as this process's loader (its CLI would run a second process that a kill orphans);
 * the built bin is tested on the packed package.
 */
const COMMAND = ["--import", "tsx", join(ROOT, "packages/emulator/src/bin/apigw-emulator.ts")]

interface Running {
  readonly child: ChildProcess
  readonly output: () => string
  readonly url: string
  readonly endpoint: string
  readonly exited: Promise<number | null>
}

/** Starts the CLI; resolves once it has printed its URLs. Killed with the scope. */
const start = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.acquireRelease(
    Effect.async<Running, TestError>((resume) => {
      const child = spawn(process.execPath, [...COMMAND, ...args], {
        cwd: ROOT,
        env: { ...process.env, ...env, NODE_NO_WARNINGS: "1" },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let out = ""
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
      const onData = (chunk: Buffer) => {
        out += chunk.toString()
        const url = /WebSocket URL:\s+(\S+)/.exec(out)?.[1]
        const endpoint = /management endpoint:\s+(\S+)/.exec(out)?.[1]
        if (url !== undefined && endpoint !== undefined && out.includes("Ctrl-C")) {
          resume(Effect.succeed({ child, output: () => out, url, endpoint, exited }))
        }
      }
      child.stdout!.on("data", onData)
      child.stderr!.on("data", (c) => out += c.toString())
      void exited.then((code) => resume(Effect.fail(new TestError({ message: `exited ${code}: ${out}` }))))
    }).pipe(Effect.timeoutFail({ duration: 15_000, onTimeout: () => new TestError({ message: "CLI did not start" }) })),
    (running) => Effect.sync(() => running.child.kill("SIGKILL"))
  )

const run = (args: ReadonlyArray<string>) =>
  Effect.async<{ code: number | null; output: string }>((resume) => {
    const child = spawn(process.execPath, [...COMMAND, ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_NO_WARNINGS: "1" }
    })
    let output = ""
    child.stdout.on("data", (c) => output += c)
    child.stderr.on("data", (c) => output += c)
    child.once("exit", (code) => resume(Effect.succeed({ code, output })))
  })

describe("apigw-emulator command", () => {
  it.scopedLive(
    "prints its URLs, serves both clients, and on SIGINT closes every socket and exits 0",
    () =>
      Effect.gen(function*() {
        const cli = yield* start(["--port", "0", "--stage", "dev"])
        assert.match(cli.url, /^ws:\/\/127\.0\.0\.1:\d+\/dev$/)
        assert.strictEqual(cli.endpoint, cli.url.replace("ws:", "http:"))
        const socket = yield* connect(cli.url, { headers: { "User-Agent": "cli-test" } })
        socket.ws.send("{\"action\":\"hello\"}")
        assert.strictEqual((yield* socket.nextJson).message, "Forbidden", "no handler: AWS's answer")
        const sdk = sdkClient(cli.endpoint)
        const gone = yield* Effect.promise(() =>
          sdk.send(new GetConnectionCommand({ ConnectionId: "Unknown0000000=" })).then(() => "ok", (e) => e.name)
        )
        assert.strictEqual(gone, "GoneException")
        sdk.destroy()
        cli.child.kill("SIGINT")
        assert.strictEqual((yield* socket.closed).code, 1001)
        assert.strictEqual(yield* Effect.promise(() => cli.exited), 0)
        assert.include(cli.output(), "stopped")
      }),
    30_000
  )

  it.scopedLive(
    "--handler runs examples/chat.ts for every route; --access-key-id/--secret-access-key check signatures",
    () =>
      Effect.gen(function*() {
        const cli = yield* start([
          "--port",
          "0",
          "--handler",
          "examples/chat.ts#handler",
          "--access-key-id",
          CREDENTIALS.accessKeyId,
          "--secret-access-key",
          CREDENTIALS.secretAccessKey,
          "--region",
          "eu-central-1"
        ], {
          AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
          AWS_REGION: "eu-central-1"
        })
        assert.include(cli.output(), "checked against access key")
        const alice = yield* connect(`${cli.url}?name=alice`)
        const bob = yield* connect(`${cli.url}?name=bob`)
        alice.ws.send("{\"action\":\"whoami\"}")
        const me = yield* alice.nextJson
        assert.strictEqual(me.name, "alice")
        bob.ws.send("{\"action\":\"sendmessage\",\"text\":\"hi all\"}")
        assert.deepStrictEqual(yield* alice.nextJson, { type: "message", from: "bob", text: "hi all" })
        assert.deepStrictEqual(yield* bob.nextJson, { type: "message", from: "bob", text: "hi all" })
        const report = yield* bob.nextJson
        assert.strictEqual(report.delivered, 2)
        // The AWS SDK with the right and wrong secret, our client with the right one.
        const good = sdkClient(cli.endpoint, CREDENTIALS, "eu-central-1")
        yield* Effect.promise(() =>
          good.send(new PostToConnectionCommand({ ConnectionId: me.connectionId, Data: "direct" }))
        )
        assert.strictEqual((yield* alice.next).text, "direct")
        const bad = sdkClient(cli.endpoint, { ...CREDENTIALS, secretAccessKey: "nope" }, "eu-central-1")
        const refused = yield* Effect.promise(() =>
          bad.send(new GetConnectionCommand({ ConnectionId: me.connectionId })).then(() => "ok", (e) => e.name)
        )
        assert.strictEqual(refused, "ForbiddenException")
        good.destroy()
        bad.destroy()
        const info = yield* ApiGatewayManagementApi.getConnection({ ConnectionId: me.connectionId }).pipe(
          Effect.provide(ourClient(cli.endpoint, { region: "eu-central-1" }))
        )
        assert.strictEqual(info.Identity?.SourceIp, "127.0.0.1")
        cli.child.kill("SIGTERM")
        assert.strictEqual(yield* Effect.promise(() => cli.exited), 0)
      }),
    30_000
  )

  it.live(
    "bad arguments exit 2 with the usage; --help exits 0; a handler module without the export exits 2",
    () =>
      Effect.gen(function*() {
        const file = join(tmpdir(), `apigw-handler-${process.pid}.mjs`)
        writeFileSync(file, "export const other = async () => ({ statusCode: 200 })\n")
        const [unknown, badPort, half, help, missing] = yield* Effect.all([
          run(["--prot", "3001"]),
          run(["--port", "abc"]),
          run(["--access-key-id", "AKID"]),
          run(["--help"]),
          run(["--port", "0", "--handler", `${file}#handler`])
        ], { concurrency: "unbounded" })
        assert.strictEqual(unknown.code, 2)
        assert.include(unknown.output, "Usage: apigw-emulator")
        assert.strictEqual(badPort.code, 2)
        assert.strictEqual(half.code, 2)
        assert.strictEqual(help.code, 0)
        assert.include(help.output, "--handler <module>[#export]")
        assert.strictEqual(missing.code, 2)
        assert.include(missing.output, "no function export")
      }),
    30_000
  )
})
