/**
 * `ResponseBody.read`: responses built from web `Response`s (whose body streams count what is pulled from them) and
 * real `node:http` servers on 127.0.0.1, through `FetchHttpClient`; and the client's own use of it.
 */
import { ApiGatewayManagementApi, ResponseBody } from "@effect-apigw/core"
import { Credentials, Http } from "@effect-apigw/layers"
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"

const KIB = 1024

const request = HttpClientRequest.get("http://127.0.0.1/body")

/** A body stream of `chunks` chunks of `size` bytes (endless without `chunks`) that counts what was pulled. */
const counted = (size: number, chunks = Infinity) => {
  const state = { pulled: 0, bytes: 0, cancelled: false }
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled === chunks) return controller.close()
      state.pulled++
      state.bytes += size
      controller.enqueue(new Uint8Array(size).fill(state.pulled % 256))
    },
    cancel() {
      state.cancelled = true
    }
  }, { highWaterMark: 0 })
  return { state, stream }
}

/** Asserts that `error` is a `BodyTooLarge` for `maxBytes`. */
const assertTooLarge = (error: unknown, maxBytes: number) => {
  assert.instanceOf(error, ResponseBody.BodyTooLarge)
  assert.strictEqual((error as ResponseBody.BodyTooLarge)._tag, "BodyTooLarge")
  assert.strictEqual((error as ResponseBody.BodyTooLarge).maxBytes, maxBytes)
}

const fromWeb = (body: BodyInit | null, headers: Record<string, string> = {}, status = 200) =>
  HttpClientResponse.fromWeb(request, new Response(body, { status, headers }))

describe("ResponseBody.read, responses from web Responses", () => {
  it.effect("a declared content-length over the limit is refused before anything is read", () =>
    Effect.gen(function*() {
      const { state, stream } = counted(KIB)
      const error = yield* Effect.flip(
        ResponseBody.read(fromWeb(stream, { "content-length": String(10 * KIB + 1) }), { maxBytes: 10 * KIB })
      )
      assertTooLarge(error, 10 * KIB)
      assert.strictEqual(error.message, "the response body exceeds 10240 bytes")
      assert.strictEqual(state.pulled, 0)
    }))

  it.effect("a declared content-length within the limit is read whole", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array(10 * KIB).map((_, i) => i % 251)
      const body = yield* ResponseBody.read(fromWeb(bytes, { "content-length": String(10 * KIB) }), {
        maxBytes: 10 * KIB
      })
      assert.deepStrictEqual(body, bytes)
    }))

  it.effect("an endless body of no declared length: reading stops past the limit and the stream is cancelled", () =>
    Effect.gen(function*() {
      const { state, stream } = counted(KIB)
      const error = yield* Effect.flip(ResponseBody.read(fromWeb(stream), { maxBytes: 10 * KIB }))
      assertTooLarge(error, 10 * KIB)
      // 11 chunks go past 10 KiB; the stream may have pulled one more ahead
      assert.isAtMost(state.pulled, 12)
      assert.isTrue(state.cancelled)
    }))

  it.effect("the bytes that arrive are counted: exactly the limit is read, one more byte is refused", () =>
    Effect.gen(function*() {
      const exact = counted(KIB, 10)
      const body = yield* ResponseBody.read(fromWeb(exact.stream), { maxBytes: 10 * KIB })
      assert.strictEqual(body.length, 10 * KIB)
      assert.strictEqual(body[0], 1)
      assert.strictEqual(body[10 * KIB - 1], 10)
      const over = counted(KIB, 10)
      const error = yield* Effect.flip(ResponseBody.read(fromWeb(over.stream), { maxBytes: 10 * KIB - 1 }))
      assertTooLarge(error, 10 * KIB - 1)
    }))

  it.effect("a content-length that is not a number is ignored: the bytes are counted", () =>
    Effect.gen(function*() {
      const { state, stream } = counted(KIB)
      const error = yield* Effect.flip(ResponseBody.read(fromWeb(stream, { "content-length": "1, 2" }), {
        maxBytes: 4 * KIB
      }))
      assertTooLarge(error, 4 * KIB)
      assert.isAbove(state.pulled, 0)
    }))

  it.effect("a response without a body, or with an empty one, reads as empty", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* ResponseBody.read(fromWeb(null, {}, 204), { maxBytes: 0 }), new Uint8Array(0))
      assert.deepStrictEqual(yield* ResponseBody.read(fromWeb(null), { maxBytes: 10 }), new Uint8Array(0))
      assert.deepStrictEqual(
        yield* ResponseBody.read(fromWeb(counted(KIB, 0).stream), { maxBytes: 0 }),
        new Uint8Array(0)
      )
      assertTooLarge(yield* Effect.flip(ResponseBody.read(fromWeb("x"), { maxBytes: 0 })), 0)
    }))

  it.effect("data-last, in a pipe", () =>
    Effect.gen(function*() {
      const read = ResponseBody.read({ maxBytes: 5 })
      const body = yield* Effect.flatMap(Effect.succeed(fromWeb("hello")), read)
      assert.strictEqual(new TextDecoder().decode(body), "hello")
      assertTooLarge(yield* Effect.flip(Effect.flatMap(Effect.succeed(fromWeb("hello!")), read)), 5)
    }))

  it.effect("a body stream that fails is the response's ResponseError", () =>
    Effect.gen(function*() {
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.error(new Error("boom"))
        }
      })
      const error = yield* Effect.flip(ResponseBody.read(fromWeb(stream), { maxBytes: KIB }))
      assert.strictEqual(error._tag, "ResponseError")
      if (error._tag === "ResponseError") assert.strictEqual(error.reason, "Decode")
    }))
})

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void

/**
 * A real `node:http` server on an ephemeral port; `written` counts the body bytes it has written, `closed` the
 * responses whose connection went away. Closed (with all its sockets) when the scope closes.
 */
const server = (handler: (response: http.ServerResponse, written: { bytes: number }) => void) =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: http.Server; readonly url: string; readonly written: { bytes: number } }>(
      (resume) => {
        const written = { bytes: 0 }
        const instance = http.createServer(
          ((_, response) => {
            response.on("error", () => {})
            handler(response, written)
          }) satisfies Handler
        )
        instance.listen(0, "127.0.0.1", () => {
          const { port } = instance.address() as AddressInfo
          resume(Effect.succeed({ server: instance, url: `http://127.0.0.1:${port}`, written }))
        })
      }
    ),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

/** Writes 16 KiB chunks as fast as the client takes them, until the connection goes away. */
const endless = (response: http.ServerResponse, written: { bytes: number }) => {
  const chunk = Buffer.alloc(16 * KIB, 120)
  let open = true
  response.on("close", () => {
    open = false
  })
  const pump = () => {
    while (open && !response.destroyed) {
      written.bytes += chunk.length
      if (!response.write(chunk)) return void response.once("drain", pump)
    }
  }
  pump()
}

const fetchBody = (url: string, maxBytes: number) =>
  HttpClient.get(url).pipe(Effect.flatMap(ResponseBody.read({ maxBytes })))

const elapsed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const started = performance.now()
    const result = yield* effect
    return { result, millis: performance.now() - started }
  })

const clients = [["FetchHttpClient", FetchHttpClient.layer], ["Http.layer", Http.layer]] as const

describe.each(clients)("ResponseBody.read, real HTTP through %s", (_, clientLayer) => {
  it.scopedLive("a declared content-length of 1 GiB is refused at once, without waiting for the body", () =>
    Effect.gen(function*() {
      const { url, written } = yield* server((response, written) => {
        response.writeHead(200, { "content-length": String(2 ** 30) })
        written.bytes += KIB
        response.write(Buffer.alloc(KIB))
      })
      const { millis, result: error } = yield* elapsed(Effect.flip(fetchBody(url, 64 * KIB)))
      assertTooLarge(error, 64 * KIB)
      assert.strictEqual(written.bytes, KIB)
      assert.isBelow(millis, 1000)
    }).pipe(Effect.provide(clientLayer)))

  it.scopedLive("an endless chunked body fails once past the limit, and the connection is dropped", () =>
    Effect.gen(function*() {
      let closed = false
      const { url, written } = yield* server((response, written) => {
        response.on("close", () => {
          closed = true
        })
        response.writeHead(200, { "content-type": "application/octet-stream" })
        endless(response, written)
      })
      const { millis, result: error } = yield* elapsed(Effect.flip(fetchBody(url, 64 * KIB)))
      assertTooLarge(error, 64 * KIB)
      assert.isBelow(millis, 2000)
      // the server stops writing: the client cancelled the body and the connection went away
      yield* Effect.promise(async () => {
        for (let i = 0; i < 200 && !closed; i++) await new Promise((resolve) => setTimeout(resolve, 10))
      })
      assert.isTrue(closed, "the server saw the connection close")
      const after = written.bytes
      yield* Effect.sleep("100 millis")
      assert.strictEqual(written.bytes, after)
      // back-pressure aside, nowhere near an unbounded body was sent
      assert.isBelow(written.bytes, 16 * 1024 * KIB)
    }).pipe(Effect.provide(clientLayer)))

  it.scopedLive("a chunked body within the limit is read whole", () =>
    Effect.gen(function*() {
      const { url } = yield* server((response) => {
        response.writeHead(200)
        response.write("hello, ")
        setTimeout(() => response.end("world"), 10)
      })
      assert.strictEqual(new TextDecoder().decode(yield* fetchBody(url, 12)), "hello, world")
      assertTooLarge(yield* Effect.flip(fetchBody(url, 11)), 11)
    }).pipe(Effect.provide(clientLayer)))

  it.scopedLive("a connection dropped mid-body is a ResponseError, not a defect", () =>
    Effect.gen(function*() {
      const { url } = yield* server((response) => {
        response.writeHead(200)
        response.write("partial")
        setTimeout(() => response.destroy(), 10)
      })
      const error = yield* Effect.flip(fetchBody(url, 64 * KIB))
      assert.strictEqual(error._tag, "ResponseError")
    }).pipe(Effect.provide(clientLayer)))
})

describe("the client reads responses with ResponseBody", () => {
  const ENDPOINT = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
  const clientWith = (respond: (request: HttpClientRequest.HttpClientRequest) => Response) =>
    ApiGatewayManagementApi.layer({ endpoint: ENDPOINT, maxAttempts: 1 }).pipe(
      Layer.provide(Layer.mergeAll(
        Layer.succeed(
          HttpClient.HttpClient,
          HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, respond(request))))
        ),
        Credentials.layerStatic({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" })
      ))
    )
  const get = ApiGatewayManagementApi.getConnection({ ConnectionId: "L0SM9cOFvHcCIhw=" })

  it.live("a body over 64 KiB, declared or streamed, is an UnexpectedResponseError naming the limit", () =>
    Effect.gen(function*() {
      const declared = counted(KIB)
      const streamed = counted(KIB)
      const answers = [
        () => new Response(declared.stream, { status: 200, headers: { "content-length": String(2 ** 30) } }),
        () => new Response(streamed.stream, { status: 200 })
      ]
      for (const answer of answers) {
        const error = yield* Effect.flip(get.pipe(Effect.provide(clientWith(answer))))
        assert.strictEqual(error._tag, "UnexpectedResponseError")
        if (error._tag === "UnexpectedResponseError") {
          assert.strictEqual(error.reason, "Body")
          assert.strictEqual(error.description, "the response body exceeds 65536 bytes")
          assert.strictEqual(error.$metadata.httpStatusCode, 200)
        }
      }
      assert.strictEqual(declared.state.pulled, 0)
      assert.isAtMost(streamed.state.bytes, 66 * KIB)
      assert.isTrue(streamed.state.cancelled)
    }))
})
