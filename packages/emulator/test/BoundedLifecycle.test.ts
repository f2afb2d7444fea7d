/**
 * Every wait has an end: shutdown gives handlers that never settle (a Promise that never resolves, `Effect.never`,
 * an uninterruptible `Effect.never`) at most 5 seconds however long `handlerTimeout` is, a message to a handler that
 * never settles, even uninterruptibly, is answered at `handlerTimeout`, and durations longer than a Node timer can
 * wait (2^31-1 ms) are refused with an `EmulatorError` instead of firing at once.
 */
import { Emulator } from "@effect-apigw/emulator"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Scope } from "effect"
import WebSocket from "ws"
import { connectWithId, quietEmulator, raw } from "./utils.js"

const NEVER = {
  promise: () => new Promise<never>(() => {}),
  effect: () => Effect.never,
  uninterruptible: () => Effect.uninterruptible(Effect.never)
} as const

describe("bounded lifecycles", () => {
  it.live(
    "shutdown waits at most 5 s for $disconnect and $connect handlers that never settle",
    () =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const kinds = new Map<string, keyof typeof NEVER>()
        const emulator = yield* quietEmulator({
          handlerTimeout: Duration.minutes(10),
          routes: {
            $connect: (event) => {
              const kind = event.queryStringParameters?.kind as keyof typeof NEVER
              if (event.queryStringParameters?.pending === "yes") return NEVER[kind]()
              kinds.set(event.requestContext.connectionId, kind)
            },
            $disconnect: (event) => NEVER[kinds.get(event.requestContext.connectionId)!]()
          }
        }).pipe(Scope.extend(scope))
        const clientScope = yield* Scope.make()
        const sockets = []
        for (const kind of Object.keys(NEVER)) {
          const { socket } = yield* connectWithId({ ...emulator, url: `${emulator.url}?kind=${kind}` }).pipe(
            Scope.extend(clientScope)
          )
          sockets.push(socket)
        }
        // Handshakes whose $connect never answers, pending when the emulator stops.
        const pending = Object.keys(NEVER).map((kind) =>
          new Promise<string>((resolve) => {
            const ws = new WebSocket(`${emulator.url}?kind=${kind}&pending=yes`)
            ws.once("open", () => resolve("accepted"))
            ws.once("unexpected-response", (_req, res) => resolve(`refused ${res.statusCode}`))
            ws.once("error", (e) => resolve(`error ${e.message}`))
          })
        )
        yield* Effect.sleep(100)
        const started = Date.now()
        const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
        const closed = yield* Effect.either(
          closing.await.pipe(
            Effect.timeoutFail({ duration: 9000, onTimeout: () => "shutdown still running after 9 s" })
          )
        )
        const took = Date.now() - started
        assert.strictEqual(closed._tag, "Right", `shutdown took ${took} ms and more`)
        assert.isBelow(took, 7000, `shutdown took ${took} ms`)
        for (const socket of sockets) assert.strictEqual((yield* socket.closed).code, 1001)
        assert.deepStrictEqual(yield* Effect.promise(() => Promise.all(pending)), [
          "refused 503",
          "refused 503",
          "refused 503"
        ])
        assert.strictEqual((yield* Effect.either(raw(emulator.port, "GET", "/local")))._tag, "Left", "the port is free")
        yield* Scope.close(clientScope, Exit.void)
      }),
    { timeout: 30_000 }
  )

  it.scopedLive("a message to a handler that never settles, even uninterruptibly, is answered at handlerTimeout", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({
        handlerTimeout: 300,
        routes: {
          ...Object.fromEntries(Object.entries(NEVER).map(([kind, handler]) => [kind, handler])),
          echo: (event) => ({ body: event.body })
        }
      })
      const { socket } = yield* connectWithId(emulator)
      const answers: Array<string> = []
      for (const action of Object.keys(NEVER)) {
        const started = Date.now()
        socket.ws.send(JSON.stringify({ action }))
        const answer = yield* Effect.either(socket.nextJson)
        answers.push(
          `${action}: ${answer._tag === "Right" ? answer.right.message : "nothing"}${
            Date.now() - started < 1500 ? "" : " (late)"
          }`
        )
      }
      assert.deepStrictEqual(answers, Object.keys(NEVER).map((action) => `${action}: Endpoint request timed out`))
      yield* socket.send("{\"action\":\"echo\"}")
      assert.strictEqual((yield* socket.next).text, "{\"action\":\"echo\"}")
    }))

  it.scopedLive("durations a timer cannot wait are refused with EmulatorError; the longest one works", () =>
    Effect.gen(function*() {
      const outcomes: Array<string> = []
      for (
        const [name, options] of [
          ["idleTimeout 2^31 ms", { idleTimeout: 2 ** 31 }],
          ["idleTimeout 30 days", { idleTimeout: Duration.days(30) }],
          ["maxConnectionDuration 25 days", { maxConnectionDuration: Duration.days(25) }],
          ["maxConnectionDuration 1e12 ms", { maxConnectionDuration: 1e12 }],
          ["handlerTimeout 2^31 ms", { handlerTimeout: 2 ** 31 }],
          ["handlerTimeout 365 days", { handlerTimeout: Duration.days(365) }]
        ] as const
      ) {
        const exit = yield* Effect.exit(quietEmulator(options))
        outcomes.push(
          `${name}: ${
            Exit.isFailure(exit) && exit.cause._tag === "Fail"
              ? `${exit.cause.error._tag} ${exit.cause.error.reason}`
              : "started"
          }`
        )
      }
      assert.deepStrictEqual(outcomes, [
        "idleTimeout 2^31 ms: EmulatorError Options",
        "idleTimeout 30 days: EmulatorError Options",
        "maxConnectionDuration 25 days: EmulatorError Options",
        "maxConnectionDuration 1e12 ms: EmulatorError Options",
        "handlerTimeout 2^31 ms: EmulatorError Options",
        "handlerTimeout 365 days: EmulatorError Options"
      ])
      const error = yield* Effect.flip(quietEmulator({ idleTimeout: Duration.days(30) }))
      assert.include(error.message, "2147483647")

      // 2^31-1 ms is the longest wait: connections stay open, handlers answer.
      const longest: Emulator.Options = {
        idleTimeout: 2 ** 31 - 1,
        maxConnectionDuration: 2 ** 31 - 1,
        handlerTimeout: 2 ** 31 - 1,
        routes: { $default: (event) => ({ body: event.body }) }
      }
      const emulator = yield* quietEmulator(longest)
      const { id, socket } = yield* connectWithId(emulator)
      yield* Effect.sleep(200)
      yield* socket.send("still here")
      assert.strictEqual((yield* socket.next).text, "still here")
      assert.strictEqual((yield* emulator.getConnection(id))._tag, "Some")
    }))
})
