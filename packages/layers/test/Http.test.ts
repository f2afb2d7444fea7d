import { HttpDeadline } from "@effect-apigw/core"
import { Http } from "@effect-apigw/layers"
import { Headers, HttpBody, HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Context, Deferred, Effect, Exit, Fiber, Layer, Option, Schema, Scope, Stream } from "effect"
import * as NodeHttp from "node:http"
import * as NodeHttps from "node:https"
import * as Net from "node:net"
import type { AddressInfo } from "node:net"
import { bytes, type Handler, indexed, type Received, recording, writeBackpressured } from "./httpTest.js"

/** A request as the server received it, body and all. */
interface TestServer {
  readonly url: string
  readonly port: number
  readonly received: ReadonlyArray<Received>
  /** How many TCP connections the server accepted. */
  readonly connections: () => number
}

/**
 * A real `node:http` server on 127.0.0.1 and an ephemeral port: it reads each request whole, records it, then hands
 * it to `handler`. Closed, with all its sockets, when the scope closes.
 */
const serve = (handler: Handler = (_, response) => response.end()) =>
  Effect.acquireRelease(
    Effect.async<TestServer & { readonly server: NodeHttp.Server }>((resume) => {
      const received: Array<Received> = []
      let connections = 0
      const server = NodeHttp.createServer(recording(received, handler))
      server.on("connection", () => {
        connections++
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(
          Effect.succeed({ server, url: `http://127.0.0.1:${port}`, port, received, connections: () => connections })
        )
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

/**
 * `serve` (by default never answering), with `closed`: whether the server sees a response's connection close within
 * 2 seconds.
 */
const serveWatchingClose = (handler: Handler = () => {}) =>
  Effect.gen(function*() {
    const closed = yield* Deferred.make<void>()
    const server = yield* serve((request, response) => {
      response.on("close", () => Deferred.unsafeDone(closed, Exit.void))
      handler(request, response)
    })
    return {
      ...server,
      closed: Deferred.await(closed).pipe(Effect.timeoutOption("2 seconds"), Effect.map(Option.isSome))
    }
  })

/** A raw TCP server that answers every request with `response`, so that header names are exactly as written. */
const serveRaw = (response: string) =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: Net.Server; readonly url: string }>((resume) => {
      const server = Net.createServer((socket) => {
        socket.on("data", () => socket.write(response))
        socket.on("error", () => {})
      })
      server.listen(0, "127.0.0.1", () => {
        resume(Effect.succeed({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
      })
  )

/** A header looked up by a name only known at run time, as a program does. */
const lookup = (headers: Headers.Headers, name: string): string | undefined => headers[name]

/**
 * GETs a `size`-byte body from a server that writes it `piece(offset)` after piece while its socket takes them,
 * waiting for `drain` when it does not; `written()` is how many bytes the server has written so far.
 */
const getBackpressured = (size: number, piece: (offset: number) => Uint8Array) =>
  Effect.gen(function*() {
    let written = 0
    const server = yield* serve((_, response) => {
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": size })
      writeBackpressured(response, size, piece, (bytes) => {
        written = bytes
      })
    })
    const client = yield* HttpClient.HttpClient
    const response = yield* client.get(server.url)
    return { response, written: () => written }
  })

const sleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

/** Waits until `progress()` stops moving (for 100 ms), at most 3 seconds. */
const stalled = (progress: () => number) =>
  Effect.gen(function*() {
    let last = -1
    for (let i = 0; i < 60 && progress() !== last; i++) {
      last = progress()
      yield* sleep(100)
    }
  })

/** Resumes on the check phase after the one now queued: any batch already scheduled has been written by then. */
const nextCheckPhase = Effect.async<void>((resume) => {
  setImmediate(() => resume(Effect.void))
})

/** An `http.Agent` counting the connections it opens. */
class CountingAgent extends NodeHttp.Agent {
  opened = 0
  override createConnection(
    options: NodeHttp.ClientRequestArgs,
    callback?: (err: Error | null, stream: import("node:stream").Duplex) => void
  ) {
    this.opened++
    return super.createConnection(options, callback)
  }
}

/**
 * An `https.Agent` that opens plain TCP connections: it lets a test see which agent an `https:` URL goes through
 * against a plain `node:http` server, with no certificate and no network.
 */
class PlainTextHttpsAgent extends NodeHttps.Agent {
  opened = 0
  override createConnection(options: NodeHttp.ClientRequestArgs) {
    this.opened++
    return Net.connect({ host: options.host ?? "127.0.0.1", port: Number(options.port) })
  }
}

/** A client on agents of the test's own, destroyed with the scope. */
const clientOn = <A extends { readonly http: NodeHttp.Agent; readonly https: NodeHttps.Agent }>(make: () => A) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const agents = make()
      return { agents, client: Http.make(agents) }
    }),
    ({ agents }) =>
      Effect.sync(() => {
        agents.http.destroy()
        agents.https.destroy()
      })
  )

const echo: Handler = (request, response) => {
  const body = JSON.stringify({ method: request.method, url: request.url, body: request.body.toString("utf8") })
  response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
  response.end(body)
}

describe("Http.make, batching", () => {
  it.scopedLive("writes the requests of one turn together, and one interrupted before then is never sent", () =>
    Effect.gen(function*() {
      const server = yield* serve()
      const { agents, client } = yield* clientOn(() => ({
        http: new CountingAgent({ keepAlive: true }),
        https: new NodeHttps.Agent({ keepAlive: true })
      }))
      const post = (path: string) => client.execute(HttpClientRequest.post(server.url + path))
      const fibers = yield* Effect.forEach(["/a", "/b", "/c"], (path) => Effect.fork(post(path)))
      const aborted = yield* Effect.fork(post("/aborted"))
      yield* Effect.yieldNow()
      // All four are waiting for the batch: none is written from inside the fiber that made it.
      assert.strictEqual(agents.http.opened, 0)
      yield* Fiber.interrupt(aborted)
      yield* nextCheckPhase
      // One batch wrote the three others, each on a connection of its own.
      assert.strictEqual(agents.http.opened, 3)
      const responses = yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(responses.map((response) => response.status), [200, 200, 200])
      assert.isTrue(Exit.isInterrupted(yield* Fiber.await(aborted)))
      // Give a stray request time to arrive.
      yield* sleep(50)
      assert.deepStrictEqual(server.received.map((request) => request.url).sort(), ["/a", "/b", "/c"])
      assert.strictEqual(agents.http.opened, 3)
    }))
})

describe("Http.make, refused headers", () => {
  it.scopedLive("a header node:http refuses fails that request alone, with a RequestError, and the others go", () =>
    Effect.gen(function*() {
      const server = yield* serve()
      const client = yield* HttpClient.HttpClient
      const bad = HttpClientRequest.post(server.url + "/bad").pipe(HttpClientRequest.setHeader("x-token", "a\nb"))
      // Alone in its batch.
      const alone = yield* Effect.flip(client.execute(bad))
      assert.strictEqual(alone._tag, "RequestError")
      assert.strictEqual(alone._tag === "RequestError" && alone.reason, "Transport")
      assert.strictEqual((alone.cause as { code?: string }).code, "ERR_INVALID_CHAR")
      // In a batch between two other requests.
      const [before, batched, after] = yield* Effect.all([
        client.execute(HttpClientRequest.post(server.url + "/before")),
        Effect.flip(client.execute(bad)),
        client.execute(HttpClientRequest.post(server.url + "/after"))
      ], { concurrency: "unbounded" })
      assert.strictEqual(before.status, 200)
      assert.strictEqual(after.status, 200)
      assert.strictEqual(batched._tag, "RequestError")
      assert.strictEqual((batched.cause as { code?: string }).code, "ERR_INVALID_CHAR")
      assert.deepStrictEqual(server.received.map((request) => request.url).sort(), ["/after", "/before"])
    }).pipe(Effect.provide(Http.layer)))
})

describe("Http.make, failures", () => {
  it.scopedLive("a refused connection is a RequestError with reason Transport and the Node error as cause", () =>
    Effect.gen(function*() {
      const port = yield* Effect.async<number>((resume) => {
        const server = Net.createServer()
        server.listen(0, "127.0.0.1", () => {
          const { port } = server.address() as AddressInfo
          server.close(() => resume(Effect.succeed(port)))
        })
      })
      const client = yield* HttpClient.HttpClient
      const error = yield* Effect.flip(client.get(`http://127.0.0.1:${port}/`))
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(error._tag === "RequestError" && error.reason, "Transport")
      assert.strictEqual((error.cause as { code?: string }).code, "ECONNREFUSED")
    }).pipe(Effect.provide(Http.layer)))

  it.scopedLive("a URL that does not parse is a RequestError with reason InvalidUrl", () =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const error = yield* Effect.flip(client.get("http://exa mple.com/"))
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(error._tag === "RequestError" && error.reason, "InvalidUrl")
    }).pipe(Effect.provide(Http.layer)))
})

describe("Http.make, response headers", () => {
  it.scopedLive("a name the server sent is data; a name it did not send finds nothing", () =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const sent = yield* serveRaw(
        "HTTP/1.1 200 OK\r\n__proto__: p\r\nconstructor: c\r\ntoString: t\r\nx-amzn-requestid: r\r\n" +
          "Content-Length: 0\r\n\r\n"
      )
      const withThem = (yield* client.get(sent.url)).headers
      assert.strictEqual(lookup(withThem, "constructor"), "c")
      assert.strictEqual(lookup(withThem, "tostring"), "t")
      assert.strictEqual(lookup(withThem, "x-amzn-requestid"), "r")
      assert.deepStrictEqual(Headers.get(withThem, "constructor"), Option.some("c"))
      // node:http drops a `__proto__` header; it must not show up as Object.prototype either.
      assert.isUndefined(lookup(withThem, "__proto__"))

      const none = yield* serveRaw("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
      const without = (yield* client.get(none.url)).headers
      for (const missing of ["constructor", "__proto__", "x-amzn-requestid", "hasOwnProperty", "toString", "valueOf"]) {
        assert.isUndefined(lookup(without, missing), missing)
        assert.isTrue(Option.isNone(Headers.get(without, missing)), missing)
      }
    }).pipe(Effect.provide(Http.layer)))
})

describe("Http.layer after its scope closed", () => {
  it.scopedLive("a request still ends, with an error or a response, never hangs", () =>
    Effect.gen(function*() {
      const server = yield* serve()
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(Http.layer, scope)
      const client = Context.get(context, HttpClient.HttpClient)
      yield* Scope.close(scope, Exit.void)
      const result = yield* client.get(server.url + "/late").pipe(
        Effect.flatMap((response) => response.text),
        Effect.exit,
        Effect.timeoutOption("2 seconds")
      )
      assert.isTrue(Option.isSome(result), "the request ended")
    }))
})

describe("Http.make, agents", () => {
  it.scopedLive("an https URL goes through agents.https, an http URL through agents.http", () =>
    Effect.gen(function*() {
      const server = yield* serve()
      const { agents, client } = yield* clientOn(() => ({
        http: new CountingAgent({ keepAlive: true }),
        https: new PlainTextHttpsAgent({ keepAlive: true })
      }))
      const secure = yield* client.get(`https://127.0.0.1:${server.port}/secure`)
      assert.strictEqual(secure.status, 200)
      assert.deepStrictEqual([agents.http.opened, agents.https.opened], [0, 1])
      const plain = yield* client.get(`http://127.0.0.1:${server.port}/plain`)
      assert.strictEqual(plain.status, 200)
      assert.deepStrictEqual([agents.http.opened, agents.https.opened], [1, 1])
      assert.deepStrictEqual(server.received.map((request) => request.url), ["/secure", "/plain"])
    }))
})

describe("Http.make, request bodies", () => {
  it.scopedLive("each body kind arrives byte-exact, with its content-type and content-length", () =>
    Effect.gen(function*() {
      const server = yield* serve()
      const client = yield* HttpClient.HttpClient
      const post = (
        path: string,
        f: (request: HttpClientRequest.HttpClientRequest) => HttpClientRequest.HttpClientRequest
      ) =>
        Effect.flatMap(client.execute(f(HttpClientRequest.post(server.url + path))), (response) => {
          assert.strictEqual(response.status, 200, path)
          return Effect.succeed(server.received.find((request) => request.url.startsWith(path))!)
        })

      const empty = yield* post("/empty", (request) => request)
      assert.strictEqual(empty.body.length, 0)
      assert.isUndefined(empty.headers["content-type"])
      assert.isUndefined(empty.headers["transfer-encoding"])
      assert.include(["0", undefined], empty.headers["content-length"])

      const binary = bytes(70_000, 3)
      const uint8Array = yield* post("/uint8array", HttpClientRequest.bodyUint8Array(binary, "application/x-test"))
      assert.deepStrictEqual(new Uint8Array(uint8Array.body), binary)
      assert.strictEqual(uint8Array.headers["content-type"], "application/x-test")
      assert.strictEqual(uint8Array.headers["content-length"], "70000")

      const text = "héllo, wörld ✓ 🙂"
      const rawString = yield* post(
        "/raw-string",
        HttpClientRequest.setBody(HttpBody.raw(text, { contentType: "text/plain; charset=utf-8" }))
      )
      assert.strictEqual(rawString.body.toString("utf8"), text)
      assert.strictEqual(rawString.headers["content-type"], "text/plain; charset=utf-8")
      assert.strictEqual(rawString.headers["content-length"], String(Buffer.byteLength(text)))

      const rawBytes = yield* post(
        "/raw-bytes",
        HttpClientRequest.setBody(HttpBody.raw(bytes(1000), { contentType: "application/x-raw", contentLength: 1000 }))
      )
      assert.deepStrictEqual(new Uint8Array(rawBytes.body), bytes(1000))
      assert.strictEqual(rawBytes.headers["content-type"], "application/x-raw")
      assert.strictEqual(rawBytes.headers["content-length"], "1000")

      const form = new FormData()
      form.append("name", "välue")
      form.append("file", new Blob([bytes(50_000, 7)], { type: "application/x-file" }), "data.bin")
      const formData = yield* post("/form-data", HttpClientRequest.bodyFormData(form))
      const contentType = formData.headers["content-type"] ?? ""
      assert.match(contentType, /^multipart\/form-data; boundary=/)
      const parsed = yield* Effect.promise(() =>
        new Response(new Uint8Array(formData.body), { headers: { "content-type": contentType } }).formData()
      )
      assert.strictEqual(parsed.get("name"), "välue")
      const file = parsed.get("file") as File
      assert.strictEqual(file.name, "data.bin")
      assert.strictEqual(file.type, "application/x-file")
      assert.deepStrictEqual(new Uint8Array(yield* Effect.promise(() => file.arrayBuffer())), bytes(50_000, 7))

      const chunks = Array.from({ length: 300 }, (_, i) => bytes(100 + i, i))
      const expected = Buffer.concat(chunks)
      const streamed = yield* post(
        "/stream",
        HttpClientRequest.bodyStream(Stream.fromIterable(chunks).pipe(Stream.rechunk(1)), {
          contentType: "application/x-stream"
        })
      )
      assert.isTrue(streamed.body.equals(expected), "the streamed body arrived whole and in order")
      assert.strictEqual(streamed.headers["content-type"], "application/x-stream")
      assert.strictEqual(streamed.headers["transfer-encoding"], "chunked")

      const declared = yield* post(
        "/stream-declared",
        HttpClientRequest.bodyStream(Stream.fromIterable(chunks).pipe(Stream.rechunk(1)), {
          contentType: "application/x-stream",
          contentLength: expected.length
        })
      )
      assert.isTrue(declared.body.equals(expected))
      assert.strictEqual(declared.headers["content-length"], String(expected.length))
      assert.isUndefined(declared.headers["transfer-encoding"])
    }).pipe(Effect.provide(Http.layer)))

  it.scopedLive("URL parameters are sent, the hash is not", () =>
    Effect.gen(function*() {
      const server = yield* serve()
      const client = yield* HttpClient.HttpClient
      yield* client.execute(
        HttpClientRequest.get(server.url + "/search?a=1#top").pipe(HttpClientRequest.setUrlParam("q", "x y&z"))
      )
      assert.deepStrictEqual(server.received.map((request) => request.url), ["/search?a=1&q=x+y%26z"])
    }).pipe(Effect.provide(Http.layer)))

  it.scopedLive("a body Stream that fails fails the request, and does not hang it", () =>
    Effect.gen(function*() {
      const server = yield* serve()
      const client = yield* HttpClient.HttpClient
      const failing = Stream.concat(Stream.make(bytes(10)), Stream.fail(new Error("the body broke")))
      const result = yield* client.execute(
        HttpClientRequest.post(server.url + "/").pipe(
          HttpClientRequest.bodyStream(failing)
        )
      ).pipe(Effect.flip, Effect.timeoutOption("2 seconds"))
      assert.isTrue(Option.isSome(result), "the request ended")
      const error = Option.getOrThrow(result)
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(error._tag === "RequestError" && error.reason, "Encode")
      assert.strictEqual((error.cause as Error).message, "the body broke")
    }).pipe(Effect.provide(Http.layer)))
})

describe("Http.make, interrupting an upload", () => {
  it.scopedLive("interrupting execute during a streamed upload closes the connection and ends the body stream", () =>
    Effect.gen(function*() {
      const connected = yield* Deferred.make<void>()
      const closed = yield* Deferred.make<void>()
      const ended = yield* Deferred.make<void>()
      const server = yield* serve()
      server.server.on("request", (request: NodeHttp.IncomingMessage) => {
        Deferred.unsafeDone(connected, Exit.void)
        request.socket.on("close", () => Deferred.unsafeDone(closed, Exit.void))
      })
      const client = yield* HttpClient.HttpClient
      const endless = Stream.concat(Stream.make(bytes(10)), Stream.never).pipe(
        Stream.ensuring(Deferred.succeed(ended, undefined))
      )
      const fiber = yield* Effect.fork(
        client.execute(HttpClientRequest.post(server.url + "/upload").pipe(HttpClientRequest.bodyStream(endless)))
      )
      yield* Deferred.await(connected)
      yield* Fiber.interrupt(fiber)
      const seen = yield* Effect.all([Deferred.await(closed), Deferred.await(ended)]).pipe(
        Effect.timeoutOption("2 seconds")
      )
      assert.isTrue(Option.isSome(seen), "the server saw the connection close, and the body stream ended")
    }).pipe(Effect.provide(Http.layer)))
})

describe("Http.make, reading responses", () => {
  it.scopedLive("text, json and arrayBuffer each give the same result twice", () =>
    Effect.gen(function*() {
      const payload = { message: "grüße ✓", list: [1, 2, 3] }
      const server = yield* serve((_, response) => {
        const body = JSON.stringify(payload)
        response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
        response.end(body)
      })
      const client = yield* HttpClient.HttpClient
      const response = yield* client.get(server.url)
      const expected = JSON.stringify(payload)
      assert.strictEqual(yield* response.text, expected)
      assert.strictEqual(yield* response.text, expected)
      assert.deepStrictEqual(yield* response.json, payload)
      assert.deepStrictEqual(yield* response.json, payload)
      const first = new Uint8Array(yield* response.arrayBuffer)
      const second = new Uint8Array(yield* response.arrayBuffer)
      assert.deepStrictEqual(first, new TextEncoder().encode(expected))
      assert.deepStrictEqual(second, first)
      // Each arrayBuffer is a copy of its own: changing one leaves the next alone.
      first[0] = 0
      assert.strictEqual(new Uint8Array(yield* response.arrayBuffer)[0], "{".charCodeAt(0))
    }).pipe(Effect.provide(Http.layer)))

  it.scopedLive("urlParamsBody and formData read the body too", () =>
    Effect.gen(function*() {
      const server = yield* serve((request, response) => {
        const body = request.url === "/params" ? "a=1&b=x+y" : "c=3"
        response.writeHead(200, { "content-type": "application/x-www-form-urlencoded" })
        response.end(body)
      })
      const client = yield* HttpClient.HttpClient
      const params = yield* client.get(server.url + "/params")
      assert.deepStrictEqual(yield* params.urlParamsBody, [["a", "1"], ["b", "x y"]])
      assert.deepStrictEqual(yield* params.urlParamsBody, [["a", "1"], ["b", "x y"]])
      const form = yield* client.get(server.url + "/form")
      assert.strictEqual((yield* form.formData).get("c"), "3")
      assert.strictEqual((yield* form.formData).get("c"), "3")
    }).pipe(Effect.provide(Http.layer)))

  it.scopedLive("stream gives a small body that already arrived whole", () =>
    Effect.gen(function*() {
      // Chunked, no content-length: the API Gateway client streams such a body.
      const server = yield* serve((_, response) => {
        response.writeHead(200, { "content-type": "text/plain" })
        response.write("hello, ")
        response.end("world")
      })
      const client = yield* HttpClient.HttpClient
      const response = yield* client.get(server.url)
      assert.isUndefined(response.headers["content-length"])
      // Let the whole body arrive before anyone reads it.
      yield* sleep(50)
      const chunks = yield* Stream.runCollect(response.stream)
      assert.strictEqual(Buffer.concat(Chunk.toArray(chunks)).toString("utf8"), "hello, world")
    }).pipe(Effect.provide(Http.layer)))

  it.scopedLive("a 5 MiB body streams whole and in order, only 1 MiB of it read ahead", () =>
    Effect.gen(function*() {
      const size = 5 * 1024 * 1024
      const body = indexed(size)
      const { response, written } = yield* getBackpressured(size, (offset) => body.subarray(offset, offset + 64 * 1024))
      // Nobody reads: the client reads about 1 MiB ahead, then leaves the rest in TCP, until the server stalls.
      yield* stalled(written)
      const chunks = Chunk.toArray(yield* Stream.runCollect(response.stream))
      assert.isAbove(chunks.length, 1)
      // What was read ahead comes first, in one chunk: about 1 MiB, not the whole body.
      assert.isAtLeast(chunks[0].length, 1024 * 1024)
      assert.isBelow(chunks[0].length, 2 * 1024 * 1024)
      const whole = Buffer.concat(chunks)
      assert.strictEqual(whole.length, size)
      assert.isTrue(whole.equals(body), "every byte in its place")
      assert.strictEqual(written(), size)
    }).pipe(Effect.provide(Http.layer)))

  it.scopedLive("an unread large body holds the server back, and so does a slow stream reader", () =>
    Effect.gen(function*() {
      // More than the client reads ahead plus what the kernel's socket buffers hold.
      const size = 32 * 1024 * 1024
      const chunk = indexed(64 * 1024)
      const { response, written } = yield* getBackpressured(size, () => chunk)
      yield* sleep(300)
      assert.isBelow(written(), size / 2, "the server is held back")
      let received = 0
      let intact = true
      let writtenWhileSlow = 0
      yield* Stream.runForEach(response.stream, (bytes) =>
        Effect.suspend(() => {
          // The body is `chunk` over and over: compare each piece with where it falls in `chunk`.
          for (let i = 0; i < bytes.length;) {
            const offset = (received + i) % chunk.length
            const piece = bytes.subarray(i, i + chunk.length - offset)
            if (!chunk.subarray(offset, offset + piece.length).equals(piece)) intact = false
            i += piece.length
          }
          const before = received
          received += bytes.length
          // A slow reader, once it has a few MiB: the stream holds the server back too.
          const slow = before < 4 * 1024 * 1024 && received >= 4 * 1024 * 1024
          return slow ? Effect.map(sleep(300), () => void (writtenWhileSlow = written())) : Effect.void
        }))
      assert.strictEqual(received, size)
      assert.isTrue(intact, "every byte in its place")
      assert.isAbove(writtenWhileSlow, 0)
      assert.isBelow(writtenWhileSlow, size / 2, "the server is held back while the reader is slow")
    }).pipe(Effect.provide(Http.layer)))

  it.scopedLive("a body cut off half-way fails with a ResponseError, read whole or streamed", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, response) => {
        response.writeHead(200, { "content-type": "application/octet-stream", "content-length": 1000 })
        response.write(bytes(500), () => response.socket?.destroy())
      })
      const client = yield* HttpClient.HttpClient
      const whole = yield* Effect.flip(Effect.flatMap(client.get(server.url + "/whole"), (r) => r.arrayBuffer))
      assert.strictEqual(whole._tag, "ResponseError")
      assert.strictEqual(whole._tag === "ResponseError" && whole.reason, "Decode")
      const streamed = yield* Effect.flip(
        Effect.flatMap(client.get(server.url + "/streamed"), (r) => Stream.runDrain(r.stream))
      )
      assert.strictEqual(streamed._tag, "ResponseError")
      assert.strictEqual(streamed._tag === "ResponseError" && streamed.reason, "Decode")
    }).pipe(Effect.provide(Http.layer)))

  it.scopedLive("interrupting execute while the server holds the response aborts the request", () =>
    Effect.gen(function*() {
      const arrived = yield* Deferred.make<void>()
      const server = yield* serveWatchingClose(() => Deferred.unsafeDone(arrived, Exit.void))
      const client = yield* HttpClient.HttpClient
      const fiber = yield* Effect.fork(client.get(server.url + "/held"))
      yield* Deferred.await(arrived)
      yield* Fiber.interrupt(fiber)
      assert.isTrue(yield* server.closed, "the server saw the connection close")
    }).pipe(Effect.provide(Http.layer)))

  it.scopedLive("interrupting a body read closes the connection", () =>
    Effect.gen(function*() {
      // Past the read-ahead, so that the response is handed over at its headers (a smaller declared body is waited for).
      const server = yield* serveWatchingClose((_, response) => {
        response.writeHead(200, { "content-length": 2_000_000 })
        response.write(bytes(10))
      })
      const client = yield* HttpClient.HttpClient
      const response = yield* client.get(server.url)
      const reading = yield* Effect.fork(response.arrayBuffer)
      yield* sleep(20)
      yield* Fiber.interrupt(reading)
      assert.isTrue(yield* server.closed, "the server saw the connection close")
    }).pipe(Effect.provide(Http.layer)))

  it.scopedLive("a body of a declared length within the read-ahead comes with its response; a larger one does not", () =>
    Effect.gen(function*() {
      const server = yield* serve((request, response) => {
        const length = request.url === "/small" ? 10 : 2_000_000
        response.writeHead(200, { "content-length": length })
        response.write(bytes(5))
        setTimeout(() => response.end(bytes(length - 5, 5)), 300)
      })
      const client = yield* HttpClient.HttpClient
      for (const [path, waited] of [["/small", true], ["/large", false]] as const) {
        const started = Date.now()
        const response = yield* client.get(server.url + path)
        const handedOver = Date.now() - started
        assert.strictEqual(handedOver >= 250, waited, `${path} handed over after ${handedOver} ms`)
        const body = new Uint8Array(yield* response.arrayBuffer)
        assert.deepStrictEqual(body, bytes(path === "/small" ? 10 : 2_000_000))
      }
    }).pipe(Effect.provide(Http.layer)))

  it.scopedLive("a small body never read does not hold its socket", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, response) => response.end("unread"))
      const client = yield* HttpClient.HttpClient
      for (let i = 0; i < 5; i++) {
        const response = yield* client.get(`${server.url}/${i}`).pipe(Effect.timeoutOption("2 seconds"))
        assert.isTrue(Option.isSome(response), `request ${i} was answered`)
      }
      assert.strictEqual(server.received.length, 5)
      // One socket served them all, back in the pool as soon as each body had arrived.
      assert.strictEqual(server.connections(), 1)
    }).pipe(Effect.provide(Http.layerWith({ maxSockets: 1 }))))

  it.scopedLive("filterStatusOk and schemaBodyJson work on it", () =>
    Effect.gen(function*() {
      const server = yield* serve((request, response) => {
        const [status, body] = request.url === "/user" ?
          [200, { id: 1, name: "ada" }] :
          request.url === "/bad" ?
          [200, { id: "one" }] :
          [404, { message: "not found" }]
        response.writeHead(status, { "content-type": "application/json" })
        response.end(JSON.stringify(body))
      })
      const User = Schema.Struct({ id: Schema.Number, name: Schema.String })
      const client = (yield* HttpClient.HttpClient).pipe(HttpClient.filterStatusOk)
      const user = (path: string) =>
        client.get(server.url + path).pipe(Effect.flatMap(HttpClientResponse.schemaBodyJson(User)))
      assert.deepStrictEqual(yield* user("/user"), { id: 1, name: "ada" })
      const missing = yield* Effect.flip(user("/missing"))
      assert.strictEqual(missing._tag, "ResponseError")
      assert.strictEqual(missing._tag === "ResponseError" && missing.reason, "StatusCode")
      assert.strictEqual(missing._tag === "ResponseError" && missing.response.status, 404)
      const bad = yield* Effect.flip(user("/bad"))
      assert.strictEqual(bad._tag, "ParseError")
    }).pipe(Effect.provide(Http.layer)))

  it.scopedLive("500 concurrent requests, 64 at a time, each answered with its own response", () =>
    Effect.gen(function*() {
      const server = yield* serve(echo)
      const client = yield* HttpClient.HttpClient
      const answers = yield* Effect.forEach(
        Array.from({ length: 500 }, (_, i) => i),
        (i) =>
          client.post(`${server.url}/r/${i}`, { body: HttpBody.text(`body ${i}`) }).pipe(
            Effect.flatMap((response) => response.json)
          ),
        { concurrency: 64 }
      )
      answers.forEach((answer, i) =>
        assert.deepStrictEqual(answer, { method: "POST", url: `/r/${i}`, body: `body ${i}` })
      )
      assert.strictEqual(server.received.length, 500)
      // The keep-alive pool: no more connections than requests in flight.
      assert.isAtMost(server.connections(), 64)
    }).pipe(Effect.provide(Http.layer)))
})

describe("Http.make, time limits (HttpDeadline)", () => {
  const limited = (url: string, millis: number) => HttpDeadline.set(HttpClientRequest.get(url), millis)

  it.scopedLive("a request not answered within its limit fails with DeadlineExceeded, and the socket is closed", () =>
    Effect.gen(function*() {
      const server = yield* serveWatchingClose()
      const client = yield* HttpClient.HttpClient
      const started = Date.now()
      const error = yield* Effect.flip(client.execute(limited(server.url, 150)))
      assert.strictEqual(error._tag, "RequestError")
      assert.instanceOf(error.cause, HttpDeadline.DeadlineExceeded)
      assert.isAtLeast(Date.now() - started, 140)
      assert.isTrue(yield* server.closed, "the socket is closed")
    }).pipe(Effect.provide(Http.layer)))

  it.scopedLive("a body that stops arriving fails its read with DeadlineExceeded; a whole one outlives the limit", () =>
    Effect.gen(function*() {
      const server = yield* serve((request, response) => {
        if (request.url === "/whole") return response.end("whole")
        response.writeHead(200, { "content-length": 2_000_000 })
        response.write(bytes(10))
      })
      const client = yield* HttpClient.HttpClient
      const stalled = yield* client.execute(limited(`${server.url}/stalled`, 150))
      const error = yield* Effect.flip(stalled.arrayBuffer)
      assert.strictEqual(error._tag, "ResponseError")
      assert.instanceOf(error.cause, HttpDeadline.DeadlineExceeded)
      const whole = yield* client.execute(limited(`${server.url}/whole`, 100))
      yield* sleep(200)
      assert.strictEqual(yield* whole.text, "whole")
    }).pipe(Effect.provide(Http.layer)))

  it.scopedLive("a request without a limit is not bounded", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, response) => setTimeout(() => response.end("late"), 300))
      const client = yield* HttpClient.HttpClient
      const response = yield* client.get(server.url)
      assert.strictEqual(yield* response.text, "late")
    }).pipe(Effect.provide(Http.layer)))

  it.effect("Http.layer declares its HttpClient as the one honouring the limits", () =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      assert.strictEqual(yield* HttpDeadline.HonouringClient, client)
    }).pipe(Effect.provide(Http.layer)))
})
