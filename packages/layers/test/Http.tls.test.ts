/**
 * `Http.make` over real TLS: a `node:https` server on 127.0.0.1 with the throwaway certificate of `fixtures/tls/`,
 * and a client whose `https.Agent` trusts it (`ca`), as API Gateway's traffic always is.
 */
import { ApiGatewayManagementApi, HttpDeadline } from "@effect-apigw/core"
import { Credentials, Http } from "@effect-apigw/layers"
import type { HttpClientError } from "@effect/platform"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Option, Stream } from "effect"
import { readFileSync } from "node:fs"
import * as NodeHttp from "node:http"
import * as NodeHttps from "node:https"
import * as Net from "node:net"
import type { AddressInfo } from "node:net"
import { bytes, type Handler, indexed, type Received, recording, writeBackpressured } from "./httpTest.js"

/** A file of the test certificate, read from the repository (the tests never make one). */
const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/tls/${name}`, import.meta.url))

const key = fixture("key.pem")
const cert = fixture("cert.pem")

/** The TLS error codes of a self-signed certificate nobody trusts. */
const SELF_SIGNED = ["DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN"]

/** A request as the server received it, body and all. */

interface TlsServer {
  readonly url: string
  readonly port: number
  readonly received: ReadonlyArray<Received>
  /** How many TLS handshakes completed. */
  readonly secureConnections: () => number
  /** How many of those connections have closed. */
  readonly closedConnections: () => number
  /** Failed handshakes, as the server saw them. */
  readonly tlsClientErrors: () => number
}

/**
 * A real `node:https` server on 127.0.0.1 and an ephemeral port, with the test certificate: it reads each request
 * whole, records it, then hands it to `handler`. Closed, with all its sockets, when the scope closes.
 */
const serveTls = (handler: Handler = (_, response) => response.end()) =>
  Effect.acquireRelease(
    Effect.async<TlsServer & { readonly server: NodeHttps.Server }>((resume) => {
      const received: Array<Received> = []
      let secure = 0
      let closed = 0
      let tlsClientErrors = 0
      const server = NodeHttps.createServer({ key, cert }, recording(received, handler))
      server.on("secureConnection", (socket) => {
        secure++
        socket.on("close", () => {
          closed++
        })
      })
      server.on("tlsClientError", () => {
        tlsClientErrors++
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({
          server,
          url: `https://127.0.0.1:${port}`,
          port,
          received,
          secureConnections: () => secure,
          closedConnections: () => closed,
          tlsClientErrors: () => tlsClientErrors
        }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

/**
 * A TCP server that accepts connections and never says a word: a TLS handshake with it never completes. `closed()`
 * is how many of its connections the client has closed. Closed, with its sockets, when the scope closes.
 */
const serveSilent = Effect.acquireRelease(
  Effect.async<{
    readonly server: Net.Server
    readonly sockets: Set<Net.Socket>
    readonly port: number
    readonly opened: () => number
    readonly closed: () => number
  }>((resume) => {
    let opened = 0
    let closed = 0
    const sockets = new Set<Net.Socket>()
    const server = Net.createServer((socket) => {
      opened++
      sockets.add(socket)
      // Read (and drop) the client's hello: a paused socket would not see the client close it.
      socket.resume()
      socket.on("error", () => {})
      socket.on("close", () => {
        closed++
        sockets.delete(socket)
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({ server, sockets, port, opened: () => opened, closed: () => closed }))
    })
  }),
  ({ server, sockets }) =>
    Effect.async<void>((resume) => {
      sockets.forEach((socket) => socket.destroy())
      server.close(() => resume(Effect.void))
    })
)

/**
 * A client on agents of the test's own, its `https.Agent` trusting the test certificate unless told otherwise;
 * the agents are destroyed with the scope.
 */
const tlsClient = (https: NodeHttps.AgentOptions = { keepAlive: true, ca: cert }) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const agents = { http: new NodeHttp.Agent({ keepAlive: true }), https: new NodeHttps.Agent(https) }
      return { agents, client: Http.make(agents) }
    }),
    ({ agents }) =>
      Effect.sync(() => {
        agents.http.destroy()
        agents.https.destroy()
      })
  )

/** How many sockets an agent holds, in use or idle. */
const socketsOf = (agent: NodeHttp.Agent): number =>
  [...Object.values(agent.sockets), ...Object.values(agent.freeSockets)].reduce(
    (sum, sockets) => sum + (sockets?.length ?? 0),
    0
  )

const sleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

/** Waits until `check()` holds, at most 2 seconds; whether it did. */
const eventually = (check: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 200 && !check(); i++) yield* sleep(10)
    return check()
  })

/** Waits until `progress()` stops moving (for 100 ms), at most 3 seconds. */
const stalled = (progress: () => number) =>
  Effect.gen(function*() {
    let last = -1
    for (let i = 0; i < 30 && progress() !== last; i++) {
      last = progress()
      yield* sleep(100)
    }
  })

/** The errors the process reports as uncaught or unhandled while the scope is open. */
const watchUnhandled = Effect.acquireRelease(
  Effect.sync(() => {
    const seen: Array<unknown> = []
    const record = (error: unknown) => void seen.push(error)
    process.on("uncaughtException", record)
    process.on("unhandledRejection", record)
    return { seen, record }
  }),
  ({ record }) =>
    Effect.sync(() => {
      process.off("uncaughtException", record)
      process.off("unhandledRejection", record)
    })
)

/** The error an effect failed with, asserting that it failed (not died, not succeeded). */
const failureOf = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    assert.isTrue(Exit.isFailure(exit), "the effect failed")
    const cause = (exit as Exit.Failure<A, E>).cause
    assert.isFalse(Cause.isDie(cause), `a failure, not a defect: ${Cause.pretty(cause)}`)
    const failure = Cause.failureOption(cause)
    assert.isTrue(Option.isSome(failure), `a failure: ${Cause.pretty(cause)}`)
    return (failure as Option.Some<E>).value
  })

const codeOf = (error: HttpClientError.HttpClientError): unknown =>
  (error.cause as { code?: unknown } | undefined)?.code

/**
 * GETs a `size`-byte body from a server that writes it `piece(offset)` after piece while its socket takes them,
 * waiting for `drain` when it does not; `written()` is how many bytes the server has written so far.
 */
const getBackpressured = (
  client: HttpClient.HttpClient,
  size: number,
  piece: (offset: number) => Uint8Array,
  headers: NodeHttp.OutgoingHttpHeaders = { "content-length": size }
) =>
  Effect.gen(function*() {
    let written = 0
    const server = yield* serveTls((_, response) => {
      response.writeHead(200, { "content-type": "application/octet-stream", ...headers })
      writeBackpressured(response, size, piece, (bytes) => {
        written = bytes
      })
    })
    const response = yield* client.get(server.url)
    return { response, server, written: () => written }
  })

/** The real client on `client`, declared as honouring deadlines as `Http.layerWith` does. */
const api = (
  client: HttpClient.HttpClient,
  port: number,
  options: Omit<ApiGatewayManagementApi.Options, "endpoint"> = {}
) =>
  Effect.provide(
    ApiGatewayManagementApi.ApiGatewayManagementApi,
    ApiGatewayManagementApi.layer({ endpoint: `https://127.0.0.1:${port}/prod`, region: "us-east-1", ...options }).pipe(
      Layer.provide([
        Layer.succeed(HttpClient.HttpClient, client),
        Layer.succeed(HttpDeadline.HonouringClient, client),
        Credentials.layerStatic({
          accessKeyId: "AKIDEXAMPLE",
          secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        })
      ])
    )
  )

const connectionId = "L0SM9cOFvHcCIhw="

/**
 * A post through the API client with a 200 ms `requestTimeout` and one attempt, to `port`: it must fail with
 * `TransportError` "Timeout" after about 200 ms. Gives the client's agents, to check what they hold after.
 */
const timesOut = (port: number) =>
  Effect.gen(function*() {
    const { agents, client } = yield* tlsClient()
    const apigw = yield* api(client, port, { requestTimeout: "200 millis", maxAttempts: 1 })
    const started = Date.now()
    const error = yield* failureOf(apigw.postToConnection({ ConnectionId: connectionId, Data: "hello?" }))
    const elapsed = Date.now() - started
    assert.strictEqual(error._tag, "TransportError")
    assert.strictEqual(error._tag === "TransportError" && error.reason, "Timeout")
    assert.isAtLeast(elapsed, 190)
    assert.isBelow(elapsed, 2000)
    return { agents }
  })

describe("Http.make over TLS, Uint8Array bodies and keep-alive", () => {
  it.scopedLive("GET and POST: what the server received and what the client read, status and headers", () =>
    Effect.gen(function*() {
      const server = yield* serveTls((request, response) => {
        if (request.method === "GET") {
          const body = JSON.stringify({ hello: "tls", url: request.url, test: request.headers["x-test"] })
          response.writeHead(200, {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "x-answer": "42"
          })
          return response.end(body)
        }
        // The body backwards: what comes back is the server's, not an echo of the client's buffer.
        response.writeHead(201, { "content-type": "application/octet-stream", "x-received": request.body.length })
        response.end(Buffer.from(request.body).reverse())
      })
      const { client } = yield* tlsClient()

      const got = yield* client.execute(
        HttpClientRequest.get(server.url + "/hello", { urlParams: { q: "a b" }, headers: { "x-test": "yes" } })
      )
      assert.strictEqual(got.status, 200)
      assert.strictEqual(got.headers["content-type"], "application/json")
      assert.strictEqual(got.headers["x-answer"], "42")
      const expected = { hello: "tls", url: "/hello?q=a+b", test: "yes" }
      assert.deepStrictEqual(yield* got.json, expected)
      assert.strictEqual(yield* got.text, JSON.stringify(expected))
      assert.strictEqual(new TextDecoder().decode(yield* got.arrayBuffer), JSON.stringify(expected))
      assert.deepStrictEqual(got.remoteAddress, Option.some("127.0.0.1"))

      const payload = bytes(100_000, 5)
      const posted = yield* client.execute(
        HttpClientRequest.post(server.url + "/upload").pipe(
          HttpClientRequest.bodyUint8Array(payload, "application/x-test")
        )
      )
      assert.strictEqual(posted.status, 201)
      assert.strictEqual(posted.headers["content-type"], "application/octet-stream")
      assert.strictEqual(posted.headers["x-received"], "100000")
      assert.deepStrictEqual(new Uint8Array(yield* posted.arrayBuffer), payload.slice().reverse())

      assert.deepStrictEqual(server.received.map((request) => [request.method, request.url]), [
        ["GET", "/hello?q=a+b"],
        ["POST", "/upload"]
      ])
      const [get, post] = server.received
      assert.strictEqual(get.headers["x-test"], "yes")
      assert.strictEqual(get.body.length, 0)
      assert.strictEqual(post.headers["content-type"], "application/x-test")
      assert.strictEqual(post.headers["content-length"], "100000")
      assert.deepStrictEqual(new Uint8Array(post.body), payload)
    }))

  it.scopedLive("sequential requests reuse one TLS connection", () =>
    Effect.gen(function*() {
      const server = yield* serveTls((request, response) => {
        const body = `answer ${request.url}`
        // Every other answer chunked (no content-length): the socket is reused after either kind.
        if (request.url.endsWith("/chunked")) {
          response.writeHead(200, { "content-type": "text/plain" })
          response.write(body.slice(0, 3))
          return response.end(body.slice(3))
        }
        response.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(body) })
        response.end(body)
      })
      const { agents, client } = yield* tlsClient()
      const paths = ["/0", "/1/chunked", "/2", "/3/chunked", "/4", "/5"]
      for (const path of paths) {
        const response = yield* client.get(server.url + path)
        assert.strictEqual(response.status, 200)
        assert.strictEqual(yield* response.text, `answer ${path}`)
      }
      assert.deepStrictEqual(server.received.map((request) => request.url), paths)
      assert.strictEqual(server.secureConnections(), 1, "one TLS handshake for all")
      assert.strictEqual(new Set(server.received.map((request) => request.remotePort)).size, 1, "one client port")
      assert.isTrue(yield* eventually(() => socketsOf(agents.https) === 1), "one socket in the agent")
      assert.strictEqual(socketsOf(agents.http), 0, "the http agent was not used")
    }))
})

describe("Http.make over TLS, stream request bodies", () => {
  it.scopedLive("a body of several chunks arrives whole and in order", () =>
    Effect.gen(function*() {
      const server = yield* serveTls((request, response) => response.end(String(request.body.length)))
      const { client } = yield* tlsClient()
      // One contiguous run of indexed bytes, cut unevenly: a lost, repeated or swapped chunk shows.
      const whole = indexed(400_000)
      const cuts = [0, 1, 70_000, 70_004, 200_000, 333_333, 400_000]
      const chunks = cuts.slice(1).map((end, i) => new Uint8Array(whole.subarray(cuts[i], end)))
      const body = Stream.fromIterable(chunks).pipe(
        Stream.rechunk(1),
        // Each chunk on a turn of its own, so they are written separately.
        Stream.tap(() => sleep(5))
      )
      const response = yield* client.execute(
        HttpClientRequest.post(server.url + "/stream").pipe(
          HttpClientRequest.bodyStream(body, { contentType: "application/x-stream" })
        )
      )
      assert.strictEqual(response.status, 200)
      assert.strictEqual(yield* response.text, String(whole.length))
      assert.strictEqual(server.received.length, 1)
      const [received] = server.received
      assert.strictEqual(received.headers["content-type"], "application/x-stream")
      assert.strictEqual(received.headers["transfer-encoding"], "chunked")
      assert.strictEqual(received.body.length, whole.length)
      assert.isTrue(received.body.equals(whole), "every byte in its place")
    }))

  it.scopedLive("a body that fails fails the request with RequestError Encode, nothing unhandled", () =>
    Effect.gen(function*() {
      const unhandled = yield* watchUnhandled
      const server = yield* serveTls((request, response) => response.end(`ok ${request.url}`))
      const { agents, client } = yield* tlsClient()
      const boom = new Error("the body source failed")
      for (
        const [path, body] of [
          // Fails at once; after a first chunk; after a first chunk and a pause, once the connection is up.
          ["/fails-at-once", Stream.fail(boom)],
          ["/fails-after-a-chunk", Stream.concat(Stream.make(bytes(50_000)), Stream.fail(boom))],
          [
            "/fails-later",
            Stream.concat(Stream.make(bytes(50_000)), Stream.fromEffect(Effect.zipRight(sleep(100), Effect.fail(boom))))
          ]
        ] as const
      ) {
        const error = yield* failureOf(
          client.execute(HttpClientRequest.post(server.url + path).pipe(HttpClientRequest.bodyStream(body)))
        )
        assert.strictEqual(error._tag, "RequestError", path)
        assert.strictEqual(error._tag === "RequestError" && error.reason, "Encode", path)
        assert.strictEqual(error.cause, boom, path)
      }
      // The aborted requests hold no socket, and the client still works.
      assert.isTrue(yield* eventually(() => socketsOf(agents.https) === 0), "no socket left behind")
      const after = yield* client.get(server.url + "/after")
      assert.strictEqual(yield* after.text, "ok /after")
      // Give a late error time to surface.
      yield* sleep(100)
      assert.deepStrictEqual(server.received.map((request) => request.url), ["/after"])
      assert.deepStrictEqual(unhandled.seen, [])
    }))
})

describe("Http.make over TLS, large response bodies", () => {
  it.scopedLive("a 32 MiB body streams whole and in order, holding the server back while unread or read slowly", () =>
    Effect.gen(function*() {
      const { client } = yield* tlsClient()
      const size = 32 * 1024 * 1024
      const body = indexed(size)
      const { response, written } = yield* getBackpressured(
        client,
        size,
        (offset) => body.subarray(offset, offset + 64 * 1024)
      )
      // Nobody reads: about 1 MiB is read ahead, the rest stays in TLS and TCP, until the server stalls.
      yield* stalled(written)
      assert.isBelow(written(), size / 2, "the server is held back while nobody reads")
      let received = 0
      let writtenWhileSlow = 0
      const chunks: Array<Uint8Array> = []
      yield* Stream.runForEach(response.stream, (chunk) =>
        Effect.suspend(() => {
          chunks.push(chunk)
          const before = received
          received += chunk.length
          // A slow reader once it has 4 MiB: the stream holds the server back too.
          const slow = before < 4 * 1024 * 1024 && received >= 4 * 1024 * 1024
          return slow ? Effect.map(sleep(300), () => void (writtenWhileSlow = written())) : Effect.void
        }))
      assert.isAbove(chunks.length, 1)
      assert.isAtLeast(chunks[0].length, 1024 * 1024, "what was read ahead comes first")
      assert.isBelow(chunks[0].length, 2 * 1024 * 1024, "only about 1 MiB is read ahead")
      const whole = Buffer.concat(chunks)
      assert.strictEqual(whole.length, size)
      assert.isTrue(whole.equals(body), "every byte in its place")
      assert.isAbove(writtenWhileSlow, 4 * 1024 * 1024)
      assert.isBelow(writtenWhileSlow, size / 2, "the server is held back while the reader is slow")
      assert.strictEqual(written(), size)
    }))

  it.scopedLive("an 8 MiB body read with arrayBuffer, declared or chunked, arrives whole", () =>
    Effect.gen(function*() {
      const { client } = yield* tlsClient()
      const size = 8 * 1024 * 1024
      const body = indexed(size)
      const piece = (offset: number) => body.subarray(offset, offset + 100_000)
      for (const headers of [{ "content-length": size }, {}]) {
        const { response, written } = yield* getBackpressured(client, size, piece, headers)
        assert.strictEqual(response.headers["content-length"], "content-length" in headers ? String(size) : undefined)
        const read = Buffer.from(yield* response.arrayBuffer)
        assert.strictEqual(read.length, size)
        assert.isTrue(read.equals(body), "every byte in its place")
        assert.strictEqual(written(), size)
        // Read again: the same bytes.
        assert.isTrue(Buffer.from(yield* response.arrayBuffer).equals(body))
      }
    }))
})

describe("ApiGatewayManagementApi over Http.make and TLS", () => {
  it.scopedLive("postToConnection reaches the https server, signed, at its encoded path", () =>
    Effect.gen(function*() {
      const server = yield* serveTls((_, response) => {
        response.writeHead(200, { "x-amzn-RequestId": "req-tls-1", "content-length": 0 })
        response.end()
      })
      const { client } = yield* tlsClient()
      const apigw = yield* api(client, server.port)
      const output = yield* apigw.postToConnection({ ConnectionId: connectionId, Data: "hello over tls" })
      assert.strictEqual(output.$metadata.httpStatusCode, 200)
      assert.strictEqual(output.$metadata.requestId, "req-tls-1")
      assert.strictEqual(server.received.length, 1)
      const [received] = server.received
      assert.strictEqual(received.method, "POST")
      assert.strictEqual(received.url, "/prod/@connections/L0SM9cOFvHcCIhw%3D")
      assert.strictEqual(received.body.toString("utf8"), "hello over tls")
      assert.strictEqual(received.headers.host, `127.0.0.1:${server.port}`)
      const authorization = received.headers.authorization ?? ""
      assert.isTrue(authorization.startsWith("AWS4-HMAC-SHA256 "), authorization)
      assert.match(authorization, /Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/execute-api\/aws4_request/)
      assert.match(authorization, /SignedHeaders=[^,]*\bhost\b/)
      assert.isString(received.headers["x-amz-date"])
      assert.strictEqual(server.secureConnections(), 1)
    }))

  it.scopedLive("a 410 answer is a GoneException, not retried", () =>
    Effect.gen(function*() {
      const server = yield* serveTls((_, response) => {
        const body = JSON.stringify({ message: "Gone" })
        response.writeHead(410, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "x-amzn-RequestId": "req-gone",
          "x-amzn-ErrorType": "GoneException"
        })
        response.end(body)
      })
      const { client } = yield* tlsClient()
      const apigw = yield* api(client, server.port)
      const error = yield* failureOf(apigw.postToConnection({ ConnectionId: connectionId, Data: "anyone there?" }))
      assert.strictEqual(error._tag, "GoneException")
      assert.strictEqual(error._tag === "GoneException" && error.$metadata.httpStatusCode, 410)
      assert.strictEqual(error._tag === "GoneException" && error.$metadata.requestId, "req-gone")
      assert.deepStrictEqual(server.received.map((request) => request.url), ["/prod/@connections/L0SM9cOFvHcCIhw%3D"])
    }))

  it.scopedLive("requestTimeout against a server that never answers: TransportError Timeout, the socket destroyed", () =>
    Effect.gen(function*() {
      const server = yield* serveTls(() => {})
      const { agents } = yield* timesOut(server.port)
      // The request did reach the server, over TLS, and then its connection was closed by the client.
      assert.strictEqual(server.received.length, 1)
      assert.strictEqual(server.secureConnections(), 1)
      assert.isTrue(yield* eventually(() => server.closedConnections() === 1), "the server saw the connection close")
      assert.isTrue(yield* eventually(() => socketsOf(agents.https) === 0), "the agent holds no socket")
    }))

  it.scopedLive("requestTimeout against a response body that stops arriving: TransportError Timeout", () =>
    Effect.gen(function*() {
      const server = yield* serveTls((_, response) => {
        response.writeHead(200, { "content-length": 100 })
        response.write("{")
      })
      const { agents } = yield* timesOut(server.port)
      assert.strictEqual(server.received.length, 1)
      assert.isTrue(yield* eventually(() => server.closedConnections() === 1), "the server saw the connection close")
      assert.isTrue(yield* eventually(() => socketsOf(agents.https) === 0), "the agent holds no socket")
    }))

  it.scopedLive("requestTimeout against a TLS handshake that never completes: TransportError Timeout", () =>
    Effect.gen(function*() {
      const silent = yield* serveSilent
      const { agents } = yield* timesOut(silent.port)
      assert.strictEqual(silent.opened(), 1, "the client did connect")
      assert.isTrue(yield* eventually(() => silent.closed() === 1), "the server saw the connection close")
      assert.isTrue(yield* eventually(() => socketsOf(agents.https) === 0), "the agent holds no socket")
    }))
})

describe("Http.make over TLS, an untrusted certificate", () => {
  it.scopedLive("an agent without the ca fails with a RequestError carrying the TLS error code", () =>
    Effect.gen(function*() {
      const server = yield* serveTls()
      const { agents, client } = yield* tlsClient({ keepAlive: true })
      const error = yield* failureOf(client.get(server.url + "/untrusted"))
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(error._tag === "RequestError" && error.reason, "Transport")
      assert.include(SELF_SIGNED, codeOf(error))
      assert.strictEqual(server.received.length, 0)
      assert.strictEqual(server.secureConnections(), 0)
      assert.isTrue(yield* eventually(() => server.tlsClientErrors() === 1), "the server saw the handshake fail")
      assert.isTrue(yield* eventually(() => socketsOf(agents.https) === 0), "the agent holds no socket")
    }))

  it.scopedLive("through the API client it is a TransportError naming the TLS error code", () =>
    Effect.gen(function*() {
      const server = yield* serveTls()
      const { client } = yield* tlsClient({ keepAlive: true })
      const apigw = yield* api(client, server.port, { maxAttempts: 1 })
      const error = yield* failureOf(apigw.postToConnection({ ConnectionId: "abc", Data: "x" }))
      assert.strictEqual(error._tag, "TransportError")
      assert.strictEqual(error._tag === "TransportError" && error.reason, "Other")
      const description = error._tag === "TransportError" ? error.description : ""
      assert.isTrue(SELF_SIGNED.some((code) => description.includes(code)), description)
      assert.strictEqual(server.received.length, 0)
    }))
})
