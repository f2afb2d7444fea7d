import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Credentials, TestHttp } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Layer, Ref, Stream } from "effect"

const clientLayer = (options: Partial<ApiGatewayManagementApi.Options> = {}) =>
  ApiGatewayManagementApi.layer({ endpoint: "https://abc.execute-api.eu-west-1.amazonaws.com/prod", ...options }).pipe(
    Layer.provideMerge(Layer.mergeAll(TestHttp.layer(), Credentials.layerTest()))
  )

const idOf = (request: TestHttp.RecordedRequest) =>
  decodeURIComponent(request.url.pathname.slice("/prod/@connections/".length))

const ids = (n: number, prefix = "c") => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

describe("broadcast", () => {
  it.live("reports delivered, gone and failed ids exactly and runs onGone for each gone id", () =>
    Effect.gen(function*() {
      const http = yield* TestHttp.TestHttp
      const goneIds = new Set(ids(100).filter((_, i) => i % 7 === 0))
      yield* http.setResponder((request) =>
        goneIds.has(idOf(request)) ? { status: 410, headers: { "x-amzn-errortype": "GoneException" } } : { status: 200 }
      )
      const pruned = yield* Ref.make<Array<string>>([])
      const result = yield* ApiGatewayManagementApi.broadcast({
        ConnectionIds: [...ids(100), "", ".."],
        Data: "hello room",
        concurrency: 8,
        onGone: (id) => Ref.update(pruned, (all) => [...all, id])
      })
      assert.deepStrictEqual(new Set(result.gone), goneIds)
      assert.deepStrictEqual(new Set(yield* Ref.get(pruned)), goneIds)
      assert.strictEqual(result.delivered.length, 100 - goneIds.size)
      assert.deepStrictEqual(
        result.failed.map((f) => [f.ConnectionId, f.error._tag]),
        [
          ["", "InvalidInputError"],
          ["..", "InvalidInputError"]
        ].sort() as any
      )
      const requests = yield* http.requests
      assert.strictEqual(requests.length, 100)
      for (const request of requests) assert.strictEqual(new TextDecoder().decode(request.body), "hello room")
    }).pipe(Effect.provide(clientLayer())))

  it.live("never has more than `concurrency` posts in flight", () =>
    Effect.gen(function*() {
      const http = yield* TestHttp.TestHttp
      let inFlight = 0
      let peak = 0
      yield* http.setResponder(() =>
        Effect.sync(() => {
          inFlight++
          peak = Math.max(peak, inFlight)
        }).pipe(
          Effect.zipRight(Effect.sleep("2 millis")),
          Effect.ensuring(Effect.sync(() => inFlight--)),
          Effect.as({ status: 200 })
        )
      )
      const result = yield* ApiGatewayManagementApi.broadcast({ ConnectionIds: ids(300), Data: "x", concurrency: 10 })
      assert.strictEqual(result.delivered.length, 300)
      assert.strictEqual(peak, 10)
    }).pipe(Effect.provide(clientLayer())))

  it.live("throttling pauses the whole broadcast and fails no id", () =>
    Effect.gen(function*() {
      const http = yield* TestHttp.TestHttp
      let served = 0
      yield* http.setResponder(
        () => (++served <= 4 ? { status: 429, body: { json: { message: "Too Many Requests" } } } : { status: 200 })
      )
      const started = Date.now()
      const result = yield* ApiGatewayManagementApi.broadcast({ ConnectionIds: ids(40), Data: "x", concurrency: 4 })
      assert.strictEqual(result.delivered.length, 40)
      assert.strictEqual(result.failed.length, 0)
      assert.strictEqual((yield* http.requests).length, 44)
      assert.isAtLeast(Date.now() - started, 500)
    }).pipe(Effect.provide(clientLayer({ maxAttempts: 1 }))))

  it.live("an endpoint that refuses every connection ends the broadcast early", () =>
    Effect.gen(function*() {
      const http = yield* TestHttp.TestHttp
      yield* http.setResponder(() => ({ fail: "ECONNREFUSED" }))
      const error = yield* Effect.flip(
        ApiGatewayManagementApi.broadcast({ ConnectionIds: ids(100_000), Data: "x", concurrency: 4 })
      )
      assert.strictEqual(error._tag, "BroadcastAbortedError")
      if (error._tag === "BroadcastAbortedError") {
        assert.strictEqual(error.delivered, 0)
        assert.include(error.message, "ConnectionRefused")
        assert.strictEqual((error.error as any)._tag, "TransportError")
      }
      assert.isBelow((yield* http.requests).length, 100)
    }).pipe(Effect.provide(clientLayer({ maxAttempts: 1 }))))

  it.live("bad Data and bad options fail the broadcast before any request", () =>
    Effect.gen(function*() {
      const http = yield* TestHttp.TestHttp
      const tooLarge = yield* Effect.flip(
        ApiGatewayManagementApi.broadcast({ ConnectionIds: ids(3), Data: new Uint8Array(131073) })
      )
      assert.strictEqual(tooLarge._tag, "PayloadTooLargeException")
      const badData = yield* Effect.flip(ApiGatewayManagementApi.broadcast({ ConnectionIds: ids(3), Data: 5 as any }))
      assert.strictEqual(badData._tag, "InvalidInputError")
      const badConcurrency = yield* Effect.flip(
        ApiGatewayManagementApi.broadcast({ ConnectionIds: ids(3), Data: "x", concurrency: 0 })
      )
      assert.strictEqual(badConcurrency._tag, "InvalidInputError")
      const badIds = yield* Effect.flip(ApiGatewayManagementApi.broadcast({ ConnectionIds: 42 as any, Data: "x" }))
      assert.strictEqual(badIds._tag, "InvalidInputError")
      assert.strictEqual((yield* http.requests).length, 0)
    }).pipe(Effect.provide(clientLayer())))

  it.live("reads ids lazily from a Stream and emits outcomes as they complete", () =>
    Effect.gen(function*() {
      let pulled = 0
      const source = Stream.iterate(0, (n) => n + 1).pipe(
        Stream.map((n) => {
          pulled++
          return `lazy-${n}`
        })
      )
      const first = yield* ApiGatewayManagementApi.broadcastStream({ ConnectionIds: source, Data: "x", concurrency: 4 })
        .pipe(Stream.take(50), Stream.runCollect)
      assert.strictEqual(Chunk.size(first), 50)
      assert.isTrue(Chunk.every(first, (outcome) => outcome._tag === "Delivered"))
      assert.isBelow(pulled, 10_000)
    }).pipe(Effect.provide(clientLayer())))

  it.live("interrupting a broadcast stops the posts in flight", () =>
    Effect.gen(function*() {
      const http = yield* TestHttp.TestHttp
      let completed = 0
      yield* http.setResponder(() =>
        Effect.sleep("20 millis").pipe(Effect.zipRight(Effect.sync(() => completed++)), Effect.as({ status: 200 }))
      )
      const fiber = yield* Effect.fork(
        ApiGatewayManagementApi.broadcast({ ConnectionIds: ids(1000), Data: "x", concurrency: 5 })
      )
      yield* Effect.sleep("100 millis")
      yield* Fiber.interrupt(fiber)
      const atInterrupt = completed
      const started = (yield* http.requests).length
      yield* Effect.sleep("100 millis")
      assert.strictEqual(completed, atInterrupt)
      assert.strictEqual((yield* http.requests).length, started)
      assert.isBelow(started, 100)
    }).pipe(Effect.provide(clientLayer())))
})
