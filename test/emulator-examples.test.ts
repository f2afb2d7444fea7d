/**
 * The examples: `npm start` (examples/demo.ts) as a real process, the inspector, and the chat routes on the
 * emulator driven by the AWS SDK v3 client.
 */
import { PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi"
import { Credentials } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { join } from "node:path"
import { layer as chatLayer, routes } from "../examples/chat.js"
import { connect, CREDENTIALS, eventually, quietEmulator, sdkClient } from "../packages/emulator/test/utils.js"

const ROOT = join(import.meta.dirname, "..")

const runExample = (file: string) =>
  Effect.async<{ code: number | null; output: string; millis: number }>((resume) => {
    const started = Date.now()
    const env: Record<string, string | undefined> = { ...process.env, NODE_NO_WARNINGS: "1" }
    delete env.APIGW_ENDPOINT
    const child = spawn(process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), file], {
      cwd: ROOT,
      env
    })
    let output = ""
    child.stdout.on("data", (c) => output += c)
    child.stderr.on("data", (c) => output += c)
    child.once("exit", (code) => resume(Effect.succeed({ code, output, millis: Date.now() - started })))
  })

describe("examples", () => {
  it.live(
    "npm start plays the chat: deliveries, a gone client pruned, DeleteConnection, GetConnection; exits 0",
    () =>
      Effect.gen(function*() {
        const [demo, inspect] = yield* Effect.all([runExample("examples/demo.ts"), runExample("examples/inspect.ts")], {
          concurrency: 2
        })
        assert.strictEqual(demo.code, 0, demo.output)
        assert.isBelow(demo.millis, 20_000)
        assert.include(demo.output, "report to alice: delivered 4, gone 0")
        assert.match(demo.output, /report to bob: delivered 3, gone 1 -> pruned carol/)
        assert.match(demo.output, /dave's socket closed with code 1000/)
        assert.match(demo.output, /alice: connected at \d{4}-/)
        assert.match(demo.output, /user agent example-alice\/1\.0/)
        assert.include(demo.output, "carol: GoneException (HTTP 410)")
        assert.include(demo.output, "report to alice: delivered 2, gone 0")
        assert.include(demo.output, "pruned as gone: carol")
        assert.strictEqual(inspect.code, 0, inspect.output)
        assert.match(inspect.output, /open\n\s+connected at/)
        assert.include(inspect.output, "user agent    MyChatApp/2.3 (iPhone; iOS 18.0)")
        assert.include(inspect.output, "NotAConnId0=  gone (410)")
      }),
    40_000
  )

  it.scopedLive("the chat routes broadcast and prune; the AWS SDK v3 client posts to the same connections", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({ routes, credentials: CREDENTIALS }).pipe(
        Effect.provide(chatLayer(Credentials.layerStatic(CREDENTIALS)))
      )
      const ann = yield* connect(`${emulator.url}?name=ann`)
      const ben = yield* connect(`${emulator.url}?name=ben`)
      ann.ws.send("{\"action\":\"whoami\"}")
      const { connectionId } = yield* ann.nextJson
      ben.ws.send("{\"action\":\"sendmessage\",\"text\":\"hello\"}")
      assert.deepStrictEqual(yield* ann.nextJson, { type: "message", from: "ben", text: "hello" })
      yield* ben.nextJson
      assert.strictEqual((yield* ben.nextJson).delivered, 2)
      const sdk = sdkClient(emulator.endpoint)
      yield* Effect.promise(() => sdk.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: "sdk" })))
      assert.strictEqual((yield* ann.next).text, "sdk")
      sdk.destroy()
      ann.ws.terminate()
      yield* ann.closed
      yield* eventually(Effect.map(emulator.connections, (cs) => cs.length === 1), "ann gone")
      yield* Effect.sleep(50) // her $disconnect handler runs
      ben.ws.send("{\"action\":\"sendmessage\",\"text\":\"anyone?\"}")
      yield* ben.nextJson
      const report = yield* ben.nextJson
      assert.strictEqual(report.delivered, 1, "ann's $disconnect removed her from the room")
      assert.deepStrictEqual(report.gone, [])
    }))
})
