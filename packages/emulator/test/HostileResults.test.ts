/**
 * Handler results that throw when read (a throwing getter, a getter that throws on its second read, a Proxy whose
 * traps throw, a rejected thenable, a thrown Proxy) never leave a handshake or a message unanswered: `$connect`
 * answers 500 (or 502 for a result that is no Lambda proxy response), a message gets `Internal server error`, and
 * the emulator keeps serving. Run with a logger that prints every cause at every level, as a real one does (and so
 * may throw on a hostile one).
 */
import { Emulator, type Event } from "@effect-apigw/emulator"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Logger, LogLevel } from "effect"
import WebSocket from "ws"
import { connect, connectWithId } from "./utils.js"

const boom = () => {
  throw new Error("hostile")
}
/** A Proxy every trap of which throws. */
const hostileProxy = () =>
  new Proxy({}, {
    get: boom,
    has: boom,
    ownKeys: boom,
    getOwnPropertyDescriptor: boom,
    getPrototypeOf: boom
  })

const RESULTS: Record<string, () => unknown> = {
  getterStatusCode: () => ({
    get statusCode() {
      return boom()
    }
  }),
  getterThrowsProxy: () => ({
    get statusCode() {
      throw hostileProxy()
    }
  }),
  getterBody: () => ({
    statusCode: 200,
    get body() {
      return boom()
    }
  }),
  getterIsBase64Encoded: () => ({
    body: "x",
    get isBase64Encoded() {
      return boom()
    }
  }),
  // Each property can be read once: the emulator must read each once, and use what it read.
  secondReadThrows: () => {
    let statusCodeReads = 0
    let bodyReads = 0
    return {
      get statusCode() {
        if (statusCodeReads++ > 0) boom()
        return 200
      },
      get body() {
        if (bodyReads++ > 0) boom()
        return "ok"
      }
    }
  },
  proxy: hostileProxy,
  proxyInPromise: () => Promise.resolve().then(hostileProxy),
  proxyInEffect: () => Effect.sync(hostileProxy),
  thenGetterThrows: () => ({
    get then() {
      return boom()
    }
  }),
  throwsProxy: () => {
    throw hostileProxy()
  },
  // A Proxy that claims every property, so it looks like an Effect.
  claimsEverything: () =>
    new Proxy({}, {
      has: () => true,
      get: boom
    }),
  // An error that no logger can print: every way to make it a string throws.
  throwsUnprintable: () => {
    throw {
      get message() {
        return boom()
      },
      get stack() {
        return boom()
      },
      toString: boom,
      toJSON: boom
    }
  },
  failsWithProxy: () => Effect.fail(hostileProxy()),
  diesWithProxy: () => Effect.die(hostileProxy())
}

/** How a handshake ends: accepted, refused with a status, or unanswered after 2 seconds. */
const handshake = (url: string) =>
  Effect.async<string>((resume) => {
    const ws = new WebSocket(url)
    const timer = setTimeout(() => {
      ws.terminate()
      resume(Effect.succeed("unanswered"))
    }, 2000)
    const done = (outcome: string) => {
      clearTimeout(timer)
      ws.terminate()
      resume(Effect.succeed(outcome))
    }
    ws.once("open", () => done("accepted"))
    ws.once("unexpected-response", (_req, res) => {
      let body = ""
      res.on("data", (c) => body += c)
      res.on("end", () => done(`handshake ${res.statusCode} ${body}`))
    })
    ws.once("error", (e) => done(`error ${e.message}`))
  })

const handler = (key: string | undefined) => (RESULTS[key ?? ""] ?? (() => undefined))() as any

describe("hostile handler results", () => {
  it.scopedLive(
    "every $connect handshake and every message is answered, and the emulator keeps serving",
    () =>
      Effect.gen(function*() {
        const printed: Array<string> = []
        // Prints what real loggers print: the message, the pretty cause, the error as a string (which throws for a Proxy).
        const logger = Logger.make(({ cause, message }) => {
          printed.push(
            `${String(message)} ${Cause.pretty(cause)} ${Cause.isEmpty(cause) ? "" : String(Cause.squash(cause))}`
          )
        })
        const emulator = yield* Emulator.make({
          routes: {
            $connect: (event: Event.WebSocketEvent) => handler(event.queryStringParameters?.result),
            $default: (event: Event.WebSocketEvent) => handler(JSON.parse(event.body ?? "{}").result)
          }
        }).pipe(
          Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
          Logger.withMinimumLogLevel(LogLevel.Debug)
        )
        const handshakes: Array<string> = []
        for (const key of Object.keys(RESULTS)) {
          handshakes.push(`${key}: ${yield* handshake(`${emulator.url}?result=${key}`)}`)
        }
        const expected = (key: string) =>
          key === "secondReadThrows" ? "accepted" : "handshake 500 Internal server error"
        assert.deepStrictEqual(handshakes, Object.keys(RESULTS).map((key) => `${key}: ${expected(key)}`))

        const { socket } = yield* connectWithId(emulator)
        const replies: Array<string> = []
        for (const key of Object.keys(RESULTS)) {
          socket.ws.send(JSON.stringify({ result: key }))
          const reply = yield* Effect.either(socket.next)
          replies.push(
            `${key}: ${reply._tag === "Right" ? reply.right.text.replace(/","connectionId.*$/, "") : "nothing"}`
          )
        }
        assert.deepStrictEqual(
          replies,
          Object.keys(RESULTS).map((key) =>
            `${key}: ${key === "secondReadThrows" ? "ok" : "{\"message\":\"Internal server error"}`
          )
        )
        // Still serving: a new client connects.
        yield* connect(emulator.url)
        assert.isAbove(printed.length, 0)
      }),
    { timeout: 120_000 }
  )
})
