/**
 * `examples/lambda-chat.ts`, a plain Lambda handler, runs unchanged behind the emulator with real WebSocket clients,
 * and speaks the chat protocol of `examples/chat.ts` and the README (`{"action":"sendmessage","text":"..."}`).
 */
import { Emulator } from "@effect-apigw/emulator"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, LogLevel } from "effect"
import { connections, handler } from "../examples/lambda-chat.js"
import { connect } from "../packages/emulator/test/utils.js"

describe("examples/lambda-chat", () => {
  it.scopedLive("connect, sendmessage to everyone with a report, forget gone connections, answer 400 to the rest", () =>
    Effect.gen(function*() {
      connections.clear()
      const emulator = yield* Emulator.make({ handler })
      const alice = yield* connect(`${emulator.url}?name=alice`)
      const bob = yield* connect(`${emulator.url}?name=bob`)
      assert.strictEqual(connections.size, 2)

      yield* alice.send(JSON.stringify({ action: "sendmessage", text: "hi" }))
      assert.deepStrictEqual(yield* alice.nextJson, { type: "message", from: "alice", text: "hi" })
      assert.deepStrictEqual(yield* bob.nextJson, { type: "message", from: "alice", text: "hi" })
      assert.deepStrictEqual(yield* alice.nextJson, { type: "report", delivered: 2, gone: [], failed: [] })

      // A connection goes away without the handler hearing of it: the next broadcast finds it gone and forgets it.
      connections.set("GoneConnId0000=", { name: "ghost" })
      yield* alice.send(JSON.stringify({ action: "sendmessage", text: "anyone?" }))
      assert.deepStrictEqual(yield* alice.nextJson, { type: "message", from: "alice", text: "anyone?" })
      assert.deepStrictEqual(yield* bob.nextJson, { type: "message", from: "alice", text: "anyone?" })
      assert.deepStrictEqual(yield* alice.nextJson, {
        type: "report",
        delivered: 2,
        gone: [{ connectionId: "GoneConnId0000=", name: "ghost" }],
        failed: []
      })
      assert.isFalse(connections.has("GoneConnId0000="))

      yield* alice.send(JSON.stringify({ action: "dance" }))
      const unknown = yield* alice.nextJson
      assert.strictEqual(unknown.type, "error")
      assert.include(unknown.message, "unknown action")
      // The other protocol (`message` for `text`) is refused, with the protocol.
      yield* alice.send(JSON.stringify({ action: "sendmessage", message: "hi" }))
      const refused = yield* alice.nextJson
      assert.strictEqual(refused.type, "error")
      assert.include(refused.message, "{\"action\":\"sendmessage\",\"text\":\"...\"}")

      bob.ws.close()
      yield* bob.closed
      yield* Effect.sleep("100 millis")
      assert.deepStrictEqual([...connections.values()].map((c) => c.name), ["alice"])
    }).pipe(Effect.provide(Logger.minimumLogLevel(LogLevel.None))))
})
