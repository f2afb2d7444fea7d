/**
 * The chat routes of `examples/chat.ts` on the emulator, driven by real WebSocket clients and the AWS SDK v3 client.
 * The examples as real processes (`npm start`, the inspector, ...) are tested in `examples-everywhere.test.ts`.
 */
import { PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi"
import { Credentials } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { layer as chatLayer, routes } from "../examples/chat.js"
import { connect, CREDENTIALS, eventually, quietEmulator, sdkClient } from "../packages/emulator/test/utils.js"

describe("examples", () => {
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
