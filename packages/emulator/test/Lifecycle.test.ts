/**
 * Starting and stopping: the scoped layer, idle timeout, maximum connection duration, shutdown, bad options.
 */
import { Emulator } from "@effect-apigw/emulator"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Logger, LogLevel, Scope } from "effect"
import { connect, connectWithId, eventually, quietEmulator, raw } from "./utils.js"

describe("lifecycle", () => {
  it.scopedLive("the layer listens on a free port and exposes its WebSocket URL and management endpoint", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      assert.isAbove(emulator.port, 0)
      assert.strictEqual(emulator.url, `ws://127.0.0.1:${emulator.port}/chat`)
      assert.strictEqual(emulator.endpoint, `http://127.0.0.1:${emulator.port}/chat`)
      assert.strictEqual(emulator.region, "eu-west-1")
      yield* connect(emulator.url)
      assert.strictEqual((yield* Emulator.connections).length, 1)
    }).pipe(
      Effect.provide(Emulator.layer({ stage: "chat", region: "eu-west-1" })),
      Logger.withMinimumLogLevel(LogLevel.None)
    ))

  it.scopedLive("a connection idle for idleTimeout is closed with 1001 and $disconnect runs", () =>
    Effect.gen(function*() {
      const codes: Array<number | undefined> = []
      const emulator = yield* quietEmulator({
        idleTimeout: 300,
        routes: { $disconnect: (e) => void codes.push(e.requestContext.disconnectStatusCode) }
      })
      const idle = yield* connectWithId(emulator)
      const busy = yield* connectWithId(emulator)
      const started = Date.now()
      // The busy client talks every 100 ms and stays; the idle one is closed after 300 ms.
      for (let i = 0; i < 6; i++) {
        yield* busy.socket.send("{}")
        yield* Effect.sleep(100)
      }
      const closed = yield* idle.socket.closed
      assert.strictEqual(closed.code, 1001)
      assert.isAtLeast(Date.now() - started, 250)
      assert.strictEqual(busy.socket.ws.readyState, busy.socket.ws.OPEN)
      assert.strictEqual((yield* emulator.getConnection(busy.id))._tag, "Some")
      assert.strictEqual((yield* emulator.getConnection(idle.id))._tag, "None")
      yield* eventually(Effect.sync(() => codes.length === 1), "$disconnect")
      assert.deepStrictEqual(codes, [1001])
    }))

  it.scopedLive("a connection is closed after maxConnectionDuration even when active", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({ maxConnectionDuration: 400, idleTimeout: 10_000 })
      const { id, socket } = yield* connectWithId(emulator)
      const started = Date.now()
      const talk = Effect.forever(Effect.zipRight(socket.send("{}"), Effect.sleep(50)))
      yield* Effect.forkScoped(talk)
      const closed = yield* socket.closed
      assert.strictEqual(closed.code, 1001)
      assert.isAtLeast(Date.now() - started, 350)
      assert.strictEqual((yield* emulator.getConnection(id))._tag, "None")
    }))

  it.live("closing the scope closes every socket with 1001, runs $disconnect and frees the port", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const disconnected: Array<string> = []
      const emulator = yield* quietEmulator({
        routes: { $disconnect: (e) => Effect.sync(() => void disconnected.push(e.requestContext.connectionId)) }
      }).pipe(Scope.extend(scope))
      const clientScope = yield* Scope.make()
      const a = yield* connectWithId(emulator).pipe(Scope.extend(clientScope))
      const b = yield* connectWithId(emulator).pipe(Scope.extend(clientScope))
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual((yield* a.socket.closed).code, 1001)
      assert.strictEqual((yield* b.socket.closed).code, 1001)
      assert.sameMembers(disconnected, [a.id, b.id])
      const after = yield* Effect.either(raw(emulator.port, "GET", "/local"))
      assert.strictEqual(after._tag, "Left", "nothing listens any more")
      yield* Scope.close(clientScope, Exit.void)
    }))

  it.scopedLive("a port in use and bad options fail with EmulatorError", () =>
    Effect.gen(function*() {
      const first = yield* quietEmulator()
      const busy = yield* Effect.flip(quietEmulator({ port: first.port }))
      assert.strictEqual(busy._tag, "EmulatorError")
      assert.strictEqual(busy.reason, "Listen")
      assert.include(busy.message, String(first.port))
      for (
        const options of [
          { stage: "bad/stage" },
          { port: -1 },
          { port: 70000 },
          { idleTimeout: -5 },
          { maxConnectionDuration: "forever" as any },
          { maxPayloadBytes: 1.5 }
        ]
      ) {
        const error = yield* Effect.flip(quietEmulator(options))
        assert.strictEqual(error.reason, "Options", JSON.stringify(options))
      }
    }))
})
