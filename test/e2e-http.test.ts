import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Credentials } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Layer } from "effect"
import * as NodeHttp from "node:http"
import type { AddressInfo } from "node:net"
import { expectedSignature, type Received } from "./sigv4-reference.js"
import { type Wiring, wirings } from "./wirings.js"

const SECRET = "e2e/secret+key=value"

interface Server {
  readonly url: string
  readonly received: Array<Received & { signatureValid: boolean }>
  readonly closedSockets: () => number
  respond: (request: Received, res: NodeHttp.ServerResponse) => void
}

/** A real HTTP server that checks every signature with the reference verifier. */
const server = Effect.acquireRelease(
  Effect.async<Server & { close: () => void }>((resume) => {
    let closed = 0
    const state: Server & { close: () => void } = {
      url: "",
      received: [],
      closedSockets: () => closed,
      respond: (_request, res) => {
        res.writeHead(200, { "x-amzn-requestid": "e2e-request" }).end()
      },
      close: () => {
        http.closeAllConnections()
        http.close()
      }
    }
    const http = NodeHttp.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        const received: Received = {
          method: req.method ?? "",
          target: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks)
        }
        const check = expectedSignature(received, SECRET)
        const signatureValid = check !== undefined && check.expected === check.actual
        state.received.push({ ...received, signatureValid })
        if (!signatureValid) {
          res.writeHead(403, { "x-amzn-errortype": "InvalidSignatureException", "content-type": "application/json" })
          res.end(
            JSON.stringify({
              message: "The request signature we calculated does not match the signature you provided."
            })
          )
          return
        }
        state.respond(received, res)
      })
    })
    http.on("connection", (socket) => socket.on("close", () => closed++))
    http.listen(0, "127.0.0.1", () => {
      const { port } = http.address() as AddressInfo
      resume(Effect.succeed(Object.assign(state, { url: `http://127.0.0.1:${port}` })))
    })
  }),
  (s) => Effect.sync(() => s.close())
)

const clientForWith = (url: string, options: Partial<ApiGatewayManagementApi.Options>, wire: Wiring) =>
  wire({ endpoint: `${url}/prod`, region: "eu-west-1", ...options }).pipe(
    Layer.provide(Credentials.layerStatic({ accessKeyId: "AKIDE2E", secretAccessKey: SECRET }))
  )

describe.each(wirings)("end to end over node:http, %s", (_name, wire) => {
  const clientFor = (url: string, options: Partial<ApiGatewayManagementApi.Options> = {}) =>
    clientForWith(url, options, wire)

  it.scopedLive("all three operations are signed correctly for awkward ids and bodies", () =>
    Effect.gen(function*() {
      const s = yield* server
      s.respond = (request, res) => {
        if (request.method === "GET") {
          res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": "get-1" })
          res.end(JSON.stringify({
            connectedAt: "2024-05-01T11:00:00.000Z",
            lastActiveAt: "2024-05-01T11:30:00.000Z",
            identity: { sourceIp: "127.0.0.1", userAgent: "e2e" }
          }))
        } else {
          res.writeHead(request.method === "DELETE" ? 204 : 200, { "x-amzn-requestid": "e2e-request" }).end()
        }
      }
      const ids = ["L0SM9cOFvHcCIhw=", "abc/def", "a b", "ü", "!'()*", "%41", "?#&", "x".repeat(128), "😀"]
      yield* Effect.gen(function*() {
        for (const ConnectionId of ids) {
          const posted = yield* ApiGatewayManagementApi.postToConnection({
            ConnectionId,
            Data: new Uint8Array([0xff, 0x00, 0x41])
          })
          assert.strictEqual(posted.$metadata.requestId, "e2e-request")
          const info = yield* ApiGatewayManagementApi.getConnection({ ConnectionId })
          assert.strictEqual(info.Identity?.SourceIp, "127.0.0.1")
          assert.strictEqual(info.$metadata.requestId, "get-1")
          yield* ApiGatewayManagementApi.deleteConnection({ ConnectionId })
        }
      }).pipe(Effect.provide(clientFor(s.url)))
      assert.strictEqual(s.received.length, ids.length * 3)
      for (const request of s.received) {
        assert.isTrue(request.signatureValid, `${request.method} ${request.target}`)
        assert.strictEqual(decodeURIComponent(request.target.split("/@connections/")[1]).length > 0, true)
      }
      const targets = s.received.filter((r) => r.method === "POST").map((r) => r.target)
      assert.deepStrictEqual(
        targets.map((target) => decodeURIComponent(target.slice("/prod/@connections/".length))),
        ids
      )
      assert.deepStrictEqual([...s.received[0].body], [0xff, 0x00, 0x41])
    }))

  it.scopedLive("a server that never answers ends in a Timeout and the socket is closed", () =>
    Effect.gen(function*() {
      const s = yield* server
      s.respond = () => {}
      const started = Date.now()
      const error = yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: "slow", Data: "x" }).pipe(
        Effect.provide(clientFor(s.url, { requestTimeout: Duration.millis(300), maxAttempts: 2 })),
        Effect.flip
      )
      const elapsed = Date.now() - started
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") {
        assert.strictEqual(error.reason, "Timeout")
        assert.strictEqual(error.$metadata.attempts, 2)
      }
      assert.isAtLeast(elapsed, 600)
      assert.isBelow(elapsed, 3000)
      assert.strictEqual(s.received.length, 2)
      yield* Effect.sleep("100 millis")
      assert.isAtLeast(s.closedSockets(), 2)
    }))

  it.scopedLive("interrupting a call aborts its request", () =>
    Effect.gen(function*() {
      const s = yield* server
      s.respond = () => {}
      const fiber = yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: "slow", Data: "x" }).pipe(
        Effect.provide(clientFor(s.url)),
        Effect.fork
      )
      while (s.received.length === 0) yield* Effect.sleep("10 millis")
      const exit = yield* Fiber.interrupt(fiber)
      assert.isTrue(Exit.isInterrupted(exit))
      yield* Effect.sleep("100 millis")
      assert.strictEqual(s.closedSockets(), 1)
    }))

  it.scopedLive("a refused connection is a typed, retried transport error", () =>
    Effect.gen(function*() {
      const s = yield* server
      const url = s.url
      s.close()
      yield* Effect.sleep("50 millis")
      const error = yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: "x", Data: "x" }).pipe(
        Effect.provide(clientFor(url)),
        Effect.flip
      )
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") {
        assert.strictEqual(error.reason, "ConnectionRefused")
        assert.strictEqual(error.$metadata.attempts, 3)
      }
    }))

  it.scopedLive("the wrong secret is refused by the server as InvalidSignatureException", () =>
    Effect.gen(function*() {
      const s = yield* server
      const error = yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: "x", Data: "x" }).pipe(
        Effect.provide(
          wire({ endpoint: `${s.url}/prod`, region: "eu-west-1" }).pipe(
            Layer.provide(Credentials.layerStatic({ accessKeyId: "AKIDE2E", secretAccessKey: "wrong" }))
          )
        ),
        Effect.flip
      )
      assert.strictEqual(error._tag, "AwsServiceError")
      if (error._tag === "AwsServiceError") assert.strictEqual(error.code, "InvalidSignatureException")
      assert.isFalse(s.received[0].signatureValid)
    }))
})
