/**
 * Fault injection against real local servers (node:http) that misbehave on purpose: each scenario asserts the
 * outcome, the number of requests the server saw and a time bound.
 */
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Credentials } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Duration, Effect, Exit, Layer, Logger, Schedule } from "effect"
import * as NodeHttp from "node:http"
import type { AddressInfo } from "node:net"
import { type Wiring, wirings } from "./wirings.js"

const SECRET = "fault/secret-access-key-0123456789"
const TOKEN = "fault-session-token-abcdefghijklmnop"

type Handler = (req: NodeHttp.IncomingMessage, res: NodeHttp.ServerResponse, n: number) => void

const serve = (handler: Handler) =>
  Effect.acquireRelease(
    Effect.async<{ url: string; count: () => number; server: NodeHttp.Server }>((resume) => {
      let n = 0
      const server = NodeHttp.createServer((req, res) => {
        const index = ++n
        req.resume()
        req.on("end", () => handler(req, res, index))
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}/prod`, count: () => n, server }))
      })
    }),
    ({ server }) =>
      Effect.sync(() => {
        server.closeAllConnections()
        server.close()
      })
  )

const clientWith = (wire: Wiring, url: string, options: Partial<ApiGatewayManagementApi.Options> = {}) =>
  wire({ endpoint: url, region: "eu-west-1", ...options }).pipe(
    Layer.provide(Credentials.layerStatic({ accessKeyId: "AKIDFAULT", secretAccessKey: SECRET, sessionToken: TOKEN }))
  )

const post = ApiGatewayManagementApi.postToConnection({ ConnectionId: "conn-1", Data: "payload" })
const get = ApiGatewayManagementApi.getConnection({ ConnectionId: "conn-1" })

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const started = Date.now()
    const exit = yield* Effect.exit(effect)
    return { exit, elapsed: Date.now() - started }
  })

const json = (res: NodeHttp.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", "x-amzn-requestid": `req-${status}`, ...headers })
  res.end(JSON.stringify(body))
}

const CONNECTION = {
  connectedAt: "2024-05-01T11:00:00Z",
  lastActiveAt: "2024-05-01T11:01:00Z",
  identity: { sourceIp: "127.0.0.1" }
}

const leaks: Array<string> = []
/** Everything a user could print of a failure must be free of secrets. */
const assertNoSecrets = (exit: Exit.Exit<unknown, unknown>) => {
  const texts = [String(exit), JSON.stringify(exit)]
  if (Exit.isFailure(exit)) {
    texts.push(Cause.pretty(exit.cause))
    const error = Cause.squash(exit.cause)
    texts.push(String(error), JSON.stringify(error), (error as Error).message ?? "", (error as Error).stack ?? "")
  }
  texts.push(...leaks)
  for (const text of texts) {
    assert.notInclude(text, SECRET)
    assert.notInclude(text, TOKEN)
  }
}

const capturingLogger = Logger.replace(
  Logger.defaultLogger,
  Logger.make(({ message }) => leaks.push(JSON.stringify(message)))
)

const scenario = (name: string, body: () => Effect.Effect<Exit.Exit<unknown, unknown>, unknown, any>) =>
  it.scopedLive(name, () =>
    body().pipe(
      Effect.tap((exit) => assertNoSecrets(exit)),
      Effect.provide(capturingLogger),
      Effect.asVoid
    ))

describe.each(wirings)("fault injection, %s", (_name, wire) => {
  const client = (url: string, options: Partial<ApiGatewayManagementApi.Options> = {}) => clientWith(wire, url, options)

  scenario("503, 503, then 200 succeeds on the third attempt", () =>
    Effect.gen(function*() {
      const s = yield* serve((_req, res, n) => (n < 3 ? json(res, 503, { message: "Service Unavailable" }) : res.end()))
      const { elapsed, exit } = yield* timed(post.pipe(Effect.provide(client(s.url))))
      assert.isTrue(Exit.isSuccess(exit))
      if (Exit.isSuccess(exit)) {
        assert.strictEqual(exit.value.$metadata.attempts, 3)
        assert.isAtMost(exit.value.$metadata.totalRetryDelay, 150)
      }
      assert.strictEqual(s.count(), 3)
      assert.isBelow(elapsed, 1500)
      return exit
    }))

  scenario("a 500 that persists fails after maxAttempts with the server's status", () =>
    Effect.gen(function*() {
      const s = yield* serve((_req, res) => json(res, 500, { message: "Internal server error" }))
      const { elapsed, exit } = yield* timed(post.pipe(Effect.provide(client(s.url, { maxAttempts: 4 }))))
      const error: any = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      assert.strictEqual(error?._tag, "UnexpectedResponseError")
      assert.strictEqual(error.$metadata.httpStatusCode, 500)
      assert.strictEqual(error.$metadata.attempts, 4)
      assert.strictEqual(s.count(), 4)
      assert.isBelow(elapsed, 2000)
      return exit
    }))

  scenario("429 with Retry-After waits as told, then succeeds", () =>
    Effect.gen(function*() {
      const s = yield* serve((_req, res, n) =>
        n === 1 ?
          json(res, 429, { message: "Too Many Requests" }, {
            "retry-after": "1",
            "x-amzn-errortype": "LimitExceededException"
          }) :
          res.end()
      )
      const { elapsed, exit } = yield* timed(post.pipe(Effect.provide(client(s.url))))
      assert.isTrue(Exit.isSuccess(exit))
      if (Exit.isSuccess(exit)) assert.isAtLeast(exit.value.$metadata.totalRetryDelay, 1000)
      assert.strictEqual(s.count(), 2)
      assert.isAtLeast(elapsed, 1000)
      assert.isBelow(elapsed, 3000)
      return exit
    }))

  scenario("a connection reset mid-request is retried", () =>
    Effect.gen(function*() {
      const s = yield* serve((req, res, n) => (n === 1 ? req.socket.destroy() : res.end()))
      const { exit } = yield* timed(post.pipe(Effect.provide(client(s.url))))
      assert.isTrue(Exit.isSuccess(exit))
      if (Exit.isSuccess(exit)) assert.strictEqual(exit.value.$metadata.attempts, 2)
      assert.strictEqual(s.count(), 2)
      return exit
    }))

  scenario("resets on every attempt end in a typed ConnectionReset error", () =>
    Effect.gen(function*() {
      const s = yield* serve((req) => req.socket.destroy())
      const { exit } = yield* timed(post.pipe(Effect.provide(client(s.url))))
      const error: any = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      assert.strictEqual(error?._tag, "TransportError")
      assert.strictEqual(error.reason, "ConnectionReset")
      assert.strictEqual(error.$metadata.attempts, 3)
      assert.strictEqual(s.count(), 3)
      return exit
    }))

  scenario("a truncated body (connection closed before content-length) is retried", () =>
    Effect.gen(function*() {
      const s = yield* serve((_req, res, n) => {
        if (n === 1) {
          res.writeHead(200, { "content-type": "application/json", "content-length": "500" })
          res.write(JSON.stringify(CONNECTION).slice(0, 20))
          setTimeout(() => res.socket?.destroy(), 20)
        } else {
          json(res, 200, CONNECTION)
        }
      })
      const { exit } = yield* timed(get.pipe(Effect.provide(client(s.url))))
      assert.isTrue(Exit.isSuccess(exit))
      if (Exit.isSuccess(exit)) {
        assert.strictEqual(exit.value.$metadata.attempts, 2)
        assert.deepStrictEqual(exit.value.ConnectedAt, new Date("2024-05-01T11:00:00Z"))
      }
      assert.strictEqual(s.count(), 2)
      return exit
    }))

  scenario("a body that dribbles slower than the timeout ends in Timeout", () =>
    Effect.gen(function*() {
      const s = yield* serve((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        const timer = setInterval(() => res.write(" "), 50)
        res.on("close", () => clearInterval(timer))
      })
      const { elapsed, exit } = yield* timed(
        get.pipe(Effect.provide(client(s.url, { requestTimeout: Duration.millis(300), maxAttempts: 2 })))
      )
      const error: any = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      assert.strictEqual(error?._tag, "TransportError")
      assert.strictEqual(error.reason, "Timeout")
      assert.strictEqual(s.count(), 2)
      assert.isAtLeast(elapsed, 600)
      assert.isBelow(elapsed, 2500)
      return exit
    }))

  scenario(
    "a server whose clock is 10 minutes ahead: the offset is learnt and the call re-signed",
    () =>
      Effect.gen(function*() {
        const skew = 10 * 60_000
        const seen: Array<string> = []
        const s = yield* serve((req, res) => {
          const amzDate = String(req.headers["x-amz-date"])
          seen.push(amzDate)
          const iso = amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z")
          const serverNow = Date.now() + skew
          const headers = { date: new Date(serverNow).toUTCString() }
          if (Math.abs(Date.parse(iso) - serverNow) > 5 * 60_000) {
            json(res, 403, { message: "Signature expired" }, {
              ...headers,
              "x-amzn-errortype": "InvalidSignatureException"
            })
          } else {
            res.writeHead(200, headers).end()
          }
        })
        const { exit } = yield* timed(
          Effect.gen(function*() {
            const first = yield* post
            const second = yield* post
            return [first.$metadata.attempts, second.$metadata.attempts]
          }).pipe(Effect.provide(client(s.url)))
        )
        assert.deepStrictEqual(exit, Exit.succeed([2, 1]))
        assert.strictEqual(s.count(), 3)
        return exit
      })
  )

  scenario("an oversized body, declared or chunked, is refused without being read whole", () =>
    Effect.gen(function*() {
      const s = yield* serve((_req, res, n) => {
        if (n === 1) {
          res.writeHead(500, { "content-type": "text/html", "content-length": String(10_000_000) })
          res.write("<html>")
        } else {
          res.writeHead(200, { "content-type": "application/json" })
          const chunk = "x".repeat(16384)
          for (let i = 0; i < 8; i++) res.write(chunk)
          res.end()
        }
      })
      const first = yield* Effect.flip(post.pipe(Effect.provide(client(s.url, { maxAttempts: 1 }))))
      const second = yield* Effect.flip(get.pipe(Effect.provide(client(s.url, { maxAttempts: 1 }))))
      for (const error of [first, second] as Array<any>) {
        assert.strictEqual(error._tag, "UnexpectedResponseError")
        assert.strictEqual(error.reason, "Body")
        assert.include(error.message, "65536")
      }
      assert.strictEqual((first as any).$metadata.httpStatusCode, 500)
      assert.strictEqual((second as any).$metadata.httpStatusCode, 200)
      return Exit.fail(first)
    }))

  scenario("the retry budget stops retries against an endpoint that keeps failing", () =>
    Effect.gen(function*() {
      const s = yield* serve((_req, res) => json(res, 503, { message: "down" }))
      const attempts = yield* Effect.gen(function*() {
        const all: Array<number> = []
        for (let i = 0; i < 70; i++) {
          const error: any = yield* Effect.flip(post)
          all.push(error.$metadata.attempts)
        }
        return all
      }).pipe(Effect.provide(client(s.url, { retrySchedule: Schedule.forever })))
      // 500 tokens at 5 a retry: 100 retries, i.e. 50 calls of 3 attempts, then no more retries.
      assert.deepStrictEqual(attempts.slice(0, 50), Array(50).fill(3))
      assert.deepStrictEqual(attempts.slice(50), Array(20).fill(1))
      assert.strictEqual(s.count(), 170)
      return Exit.void
    }))

  scenario(
    "a server that echoes the request in its errors: neither the token nor the signature is quoted",
    () =>
      Effect.gen(function*() {
        const signatures: Array<string> = []
        const s = yield* serve((req, res, n) => {
          signatures.push(/Signature=([0-9a-f]+)/.exec(String(req.headers["authorization"]))?.[1] ?? "none")
          const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`]
          for (let i = 0; i < req.rawHeaders.length; i += 2) {
            lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
          }
          const echo = lines.join("\r\n")
          if (n === 1) res.writeHead(502, { "content-type": "text/plain" }).end(echo)
          else if (n === 2) json(res, 500, { message: echo })
          else if (n === 3) {
            json(res, 403, { message: echo }, { "x-amzn-requestid": String(req.headers["x-amz-security-token"]) })
          } else json(res, 200, { connectedAt: echo, identity: req.headers })
        })
        const errors: Array<unknown> = []
        for (const call of [post, post, post, get]) {
          errors.push(yield* Effect.flip(call.pipe(Effect.provide(client(s.url, { maxAttempts: 1 })))))
        }
        assert.deepStrictEqual(errors.map((e: any) => e._tag), [
          "UnexpectedResponseError",
          "UnexpectedResponseError",
          "ForbiddenException",
          "UnexpectedResponseError"
        ])
        assert.strictEqual(signatures.length, 4)
        const printed = errors.flatMap((e: any) => [String(e), JSON.stringify(e), e.message, e.stack ?? ""]).join("\n")
        for (const secret of [TOKEN, ...signatures]) {
          for (let i = 0; i + 16 <= secret.length; i++) assert.notInclude(printed, secret.slice(i, i + 16))
        }
        assert.include(printed, "[redacted]")
        return Exit.fail(errors)
      })
  )
})
