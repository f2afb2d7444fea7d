/**
 * `examples/lambda-chat.ts`, a plain Lambda handler, runs unchanged behind the emulator with real WebSocket clients.
 */
import { Emulator } from "@effect-apigw/emulator"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, LogLevel } from "effect"
import { connections, handler } from "../examples/lambda-chat.js"
import { connect } from "../packages/emulator/test/utils.js"

describe("examples/lambda-chat", () => {
  it.scopedLive("connect, sendmessage to everyone, forget gone connections, answer 400 to the rest", () =>
    Effect.gen(function*() {
      connections.clear()
      const emulator = yield* Emulator.make({ handler })
      const alice = yield* connect(`${emulator.url}?name=alice`)
      const bob = yield* connect(`${emulator.url}?name=bob`)
      assert.strictEqual(connections.size, 2)

      yield* alice.send(JSON.stringify({ action: "sendmessage", message: "hi" }))
      assert.deepStrictEqual(yield* alice.nextJson, { from: "alice", message: "hi" })
      assert.deepStrictEqual(yield* bob.nextJson, { from: "alice", message: "hi" })

      // bob's connection goes away without the handler hearing of it: the next broadcast finds it gone.
      const [bobId] = [...connections.entries()].find(([, c]) => c.name === "bob")!
      const bobInfo = yield* emulator.getConnection(bobId)
      assert.isTrue(bobInfo._tag === "Some")
      connections.set("GoneConnId0000=", { name: "ghost" })
      yield* alice.send(JSON.stringify({ action: "sendmessage", message: "anyone?" }))
      assert.deepStrictEqual(yield* alice.nextJson, { from: "alice", message: "anyone?" })
      assert.deepStrictEqual(yield* bob.nextJson, { from: "alice", message: "anyone?" })
      // The handler finishes the broadcast (and its pruning) after the live clients got the message.
      for (let i = 0; i < 100 && connections.has("GoneConnId0000="); i++) yield* Effect.sleep("10 millis")
      assert.isFalse(connections.has("GoneConnId0000="))

      yield* alice.send(JSON.stringify({ action: "dance" }))
      assert.include((yield* alice.next).text, "unknown action")
      yield* alice.send(JSON.stringify({ action: "sendmessage" }))
      assert.include((yield* alice.next).text, "expected")

      bob.ws.close()
      yield* bob.closed
      yield* Effect.sleep("100 millis")
      assert.deepStrictEqual([...connections.values()].map((c) => c.name), ["alice"])
    }).pipe(Effect.provide(Logger.minimumLogLevel(LogLevel.None))))
})
