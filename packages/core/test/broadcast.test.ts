import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Credentials, TestHttp } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Exit, Fiber, Layer, Ref, Stream } from "effect"

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

/** One id answers 429 to every post (its client's buffer is full); `others` ids are fine. */
const slowPeerCase = (slowAt: number, others: number, concurrency: number, slowIds: ReadonlyArray<string> = ["slow"]) =>
  Effect.gen(function*() {
    const http = yield* TestHttp.TestHttp
    const slow = new Set(slowIds)
    yield* http.setResponder((request) =>
      slow.has(idOf(request)) ?
        {
          status: 429,
          headers: { "x-amzn-errortype": "LimitExceededException" },
          body: { json: { message: "Too Many Requests" } }
        } :
        { status: 200 }
    )
    const room = ids(others)
    room.splice(Math.min(slowAt, room.length), 0, ...slowIds)
    const started = Date.now()
    const result = yield* ApiGatewayManagementApi.broadcast({ ConnectionIds: room, Data: "x", concurrency }).pipe(
      // Without telling a full client from a throttling endpoint, this takes 36 to 44 seconds.
      Effect.timeoutFail({ duration: "4 seconds", onTimeout: () => new Error(`slow at ${slowAt}, c=${concurrency}`) })
    )
    const elapsed = Date.now() - started
    const label = `${slowIds.length} slow at ${slowAt} of ${others}, concurrency ${concurrency}`
    assert.isBelow(elapsed, 1500, label)
    assert.strictEqual(result.delivered.length, others, label)
    assert.deepStrictEqual(
      result.failed.map((f) => [f.ConnectionId, f.error._tag]).sort(),
      slowIds.map((id) => [id, "LimitExceededException"]).sort(),
      label
    )
    const requests = yield* http.requests
    for (const id of slowIds) assert.isAtMost(requests.filter((r) => idOf(r) === id).length, 4, label)
    yield* http.reset
  })

describe("broadcast: one connection that cannot take more", () => {
  it.live(
    "fails alone with its LimitExceededException, quickly, wherever it is and whatever the concurrency",
    () =>
      Effect.gen(function*() {
        for (const concurrency of [1, 4, 32]) {
          for (const slowAt of [0, 50, 100]) yield* slowPeerCase(slowAt, 100, concurrency)
        }
      }).pipe(Effect.provide(clientLayer({ maxAttempts: 1 }))),
    60_000
  )

  it.live("two such connections fail alone too, without pausing the room", () =>
    Effect.gen(function*() {
      for (const concurrency of [1, 32]) {
        yield* slowPeerCase(0, 100, concurrency, ["slow-a", "slow-b"])
        yield* slowPeerCase(100, 100, concurrency, ["slow-a", "slow-b"])
      }
    }).pipe(Effect.provide(clientLayer({ maxAttempts: 1 }))), 60_000)

  it.live("with the client's default retries, the broadcast still does not retry throttling per post", () =>
    slowPeerCase(10, 100, 8).pipe(Effect.provide(clientLayer())))

  it.live("the endpoint throttling every id for a while still pauses everyone and fails no id", () =>
    Effect.gen(function*() {
      const http = yield* TestHttp.TestHttp
      const until = Date.now() + 300
      yield* http.setResponder(() =>
        Date.now() < until ? { status: 429, body: { json: { message: "Too Many Requests" } } } : { status: 200 }
      )
      const started = Date.now()
      const result = yield* ApiGatewayManagementApi.broadcast({ ConnectionIds: ids(60), Data: "x", concurrency: 8 })
      assert.strictEqual(result.delivered.length, 60)
      assert.deepStrictEqual(result.failed, [])
      assert.isAtLeast(Date.now() - started, 300)
    }).pipe(Effect.provide(clientLayer({ maxAttempts: 1 }))))

  it.live("the endpoint throttling every other request fails no id", () =>
    Effect.gen(function*() {
      const http = yield* TestHttp.TestHttp
      let served = 0
      yield* http.setResponder(() =>
        ++served % 2 === 0 ? { status: 429, body: { json: { message: "Too Many Requests" } } } : { status: 200 }
      )
      const result = yield* ApiGatewayManagementApi.broadcast({ ConnectionIds: ids(16), Data: "x", concurrency: 4 })
      assert.strictEqual(result.delivered.length, 16)
      assert.deepStrictEqual(result.failed, [])
    }).pipe(Effect.provide(clientLayer({ maxAttempts: 1 }))), 60_000)
})

describe("broadcast: every id accounted for, every option checked", () => {
  it.live("ids that are not connection ids fail alone with InvalidInputError; the others are posted", () =>
    Effect.gen(function*() {
      const http = yield* TestHttp.TestHttp
      const bad: Array<unknown> = [undefined, null, 42, "", {}, "x".repeat(2000)]
      for (const concurrency of [1, 3]) {
        for (const source of ["array", "sparse array", "generator", "stream"] as const) {
          yield* http.reset
          const given: Array<unknown> = ["a", ...bad, "b", "c"]
          const sparse = ["a", , "b", "c"]
          const expectedBad = source === "sparse array" ? [undefined] : bad
          const connectionIds: any = source === "array" ?
            given :
            source === "sparse array" ?
            sparse :
            source === "generator" ?
            (function*() {
              yield* given
            })() :
            Stream.fromIterable(given)
          const result = yield* ApiGatewayManagementApi.broadcast({
            ConnectionIds: connectionIds,
            Data: "x",
            concurrency
          })
          const label = `${source}, concurrency ${concurrency}`
          assert.deepStrictEqual([...result.delivered].sort(), ["a", "b", "c"], label)
          assert.strictEqual(result.failed.length, expectedBad.length, label)
          for (const failure of result.failed) {
            assert.strictEqual(failure.error._tag, "InvalidInputError", label)
            assert.isTrue(expectedBad.some((value) => Object.is(value, failure.ConnectionId)), label)
          }
          assert.strictEqual((yield* http.requests).length, 3, label)
        }
      }
    }).pipe(Effect.provide(clientLayer())))

  it.live("every bad concurrency, ConnectionIds, onGone or input is an InvalidInputError, before any request", () =>
    Effect.gen(function*() {
      const http = yield* TestHttp.TestHttp
      const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
      const bad: Array<unknown> = [
        { ConnectionIds: ["a"], Data: "x", concurrency: 0 },
        { ConnectionIds: ["a"], Data: "x", concurrency: -1 },
        { ConnectionIds: ["a"], Data: "x", concurrency: NaN },
        { ConnectionIds: ["a"], Data: "x", concurrency: Infinity },
        { ConnectionIds: ["a"], Data: "x", concurrency: 2 ** 40 },
        { ConnectionIds: ["a"], Data: "x", concurrency: 1.5 },
        { ConnectionIds: ["a"], Data: "x", concurrency: "4" },
        { ConnectionIds: ["a"], Data: "x", concurrency: 4n },
        { ConnectionIds: ["a"], Data: "x", concurrency: Symbol("c") },
        { ConnectionIds: ["a"], Data: "x", onGone: "prune" },
        { ConnectionIds: "abc", Data: "x" },
        { ConnectionIds: undefined, Data: "x" },
        { ConnectionIds: ["a"] },
        null,
        undefined,
        42,
        "a"
      ]
      for (const input of bad) {
        for (const call of [api.broadcast(input as any), Stream.runDrain(api.broadcastStream(input as any))]) {
          const exit = yield* Effect.exit(call)
          assert.isTrue(Exit.isFailure(exit) && !Cause.isDie(exit.cause), String(Cause.pretty((exit as any).cause)))
          const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined
          assert.strictEqual((error as any)?.value?._tag, "InvalidInputError", JSON.stringify(String(input)))
        }
      }
      assert.strictEqual((yield* http.requests).length, 0)
    }).pipe(Effect.provide(clientLayer())))

  it.live("an onGone that returns no Effect fails the broadcast with InvalidInputError, not a defect", () =>
    Effect.gen(function*() {
      const http = yield* TestHttp.TestHttp
      yield* http.setResponder(() => ({ status: 410, headers: { "x-amzn-errortype": "GoneException" } }))
      const exit = yield* Effect.exit(
        ApiGatewayManagementApi.broadcast({ ConnectionIds: ["a"], Data: "x", onGone: (() => Promise.resolve()) as any })
      )
      assert.isTrue(Exit.isFailure(exit) && !Cause.isDie(exit.cause))
      const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined
      assert.strictEqual((error as any)?.value?._tag, "InvalidInputError")
    }).pipe(Effect.provide(clientLayer())))

  it.live("an iterable whose iterator misbehaves is an InvalidInputError, not a defect", () =>
    Effect.gen(function*() {
      const iterables: Array<unknown> = [
        {
          [Symbol.iterator]: () => {
            throw new Error("no")
          }
        },
        { [Symbol.iterator]: () => 5 },
        { [Symbol.iterator]: () => ({ next: () => 5 }) },
        {
          [Symbol.iterator]: () => ({
            next: () => {
              throw new Error("no")
            }
          })
        }
      ]
      for (const ConnectionIds of iterables) {
        const exit = yield* Effect.exit(
          ApiGatewayManagementApi.broadcast({ ConnectionIds: ConnectionIds as any, Data: "x" })
        )
        assert.isTrue(Exit.isFailure(exit) && !Cause.isDie(exit.cause))
        const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined
        assert.strictEqual((error as any)?.value?._tag, "InvalidInputError")
      }
    }).pipe(Effect.provide(clientLayer())))
})
