import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Credentials, TestApi, TestHttp } from "@effect-apigw/layers"
import { Errors } from "@effect-apigw/schema"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Either, Exit, Fiber, Layer, Option, Ref, Stream, TestClock } from "effect"

const Api = ApiGatewayManagementApi.ApiGatewayManagementApi

const withFake = (options?: TestApi.Options) => Effect.provide(TestApi.layer(options))

const describeError = (error: { readonly _tag: string; readonly message: string }) => ({
  _tag: error._tag,
  message: error.message,
  fields: JSON.parse(JSON.stringify(error))
})

const start = Date.UTC(2024, 4, 1, 12, 0, 0)

describe("TestApi", () => {
  it.effect("delivers messages to open connections, as bytes and as text, with realistic $metadata", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const api = yield* Api
      const alice = yield* fake.addConnection()
      const bob = yield* fake.addConnection({ ConnectionId: "bob=" })
      assert.notStrictEqual(alice, bob)
      assert.match(alice, /^[A-Za-z0-9]{15}=$/)

      const first = yield* api.postToConnection({ ConnectionId: alice, Data: "héllo" })
      yield* api.postToConnection({ ConnectionId: alice, Data: new Uint8Array([0, 255]) })
      yield* api.postToConnection({ ConnectionId: bob, Data: new Uint16Array([1]).buffer })
      assert.strictEqual(first.$metadata.httpStatusCode, 200)
      assert.strictEqual(first.$metadata.attempts, 1)
      assert.strictEqual(first.$metadata.totalRetryDelay, 0)
      assert.match(first.$metadata.requestId!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/)

      assert.deepStrictEqual(yield* fake.receivedText(alice), ["héllo", "\u0000\ufffd"])
      assert.deepStrictEqual(
        (yield* fake.received(alice)).map((bytes) => [...bytes]),
        [[...new TextEncoder().encode("héllo")], [0, 255]]
      )
      assert.deepStrictEqual((yield* fake.received(bob)).map((bytes) => [...bytes]), [[1, 0]])
      assert.deepStrictEqual(yield* fake.openConnectionIds, [alice, bob])
      assert.deepStrictEqual(yield* fake.receivedText("unknown"), [])
    }).pipe(withFake()))

  it.effect("keeps the bytes as sent, even when the caller reuses its buffer", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const id = yield* fake.addConnection()
      const buffer = new Uint8Array([1, 2, 3])
      yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: buffer.subarray(1) })
      buffer[1] = 99
      assert.deepStrictEqual((yield* fake.received(id)).map((bytes) => [...bytes]), [[2, 3]])
    }).pipe(withFake()))

  it.effect("reads a Blob", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const id = yield* fake.addConnection()
      yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: new Blob(["from a blob"]) })
      assert.deepStrictEqual(yield* fake.receivedText(id), ["from a blob"])
    }).pipe(withFake()))

  it.effect("validates input like the client: bad ids and Data are typed errors, recorded, never delivered", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const id = yield* fake.addConnection()
      const post = (input: unknown) =>
        Effect.flip(ApiGatewayManagementApi.postToConnection(input as ApiGatewayManagementApi.BroadcastRequest as any))
      const empty = yield* post({ ConnectionId: "", Data: "x" })
      assert.strictEqual(empty._tag, "InvalidInputError")
      assert.strictEqual(empty._tag === "InvalidInputError" && empty.field, "ConnectionId")
      const wrongData = yield* post({ ConnectionId: id, Data: 42 })
      assert.strictEqual(wrongData._tag === "InvalidInputError" && wrongData.field, "Data")
      const noInput = yield* post(undefined)
      assert.strictEqual(noInput._tag, "InvalidInputError")
      const tooLarge = yield* post({ ConnectionId: id, Data: new Uint8Array(131073) })
      assert.strictEqual(tooLarge._tag, "PayloadTooLargeException")
      assert.deepStrictEqual(tooLarge._tag === "PayloadTooLargeException" && tooLarge.$metadata, {
        attempts: 0,
        totalRetryDelay: 0
      })
      const get = yield* Effect.flip(ApiGatewayManagementApi.getConnection({ ConnectionId: ".." }))
      assert.strictEqual(get._tag, "InvalidInputError")
      const del = yield* Effect.flip(ApiGatewayManagementApi.deleteConnection({ ConnectionId: "x".repeat(1025) }))
      assert.strictEqual(del._tag, "InvalidInputError")

      yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: new Uint8Array(131072) })
      assert.strictEqual((yield* fake.received(id)).length, 1)

      const calls = yield* fake.calls
      assert.deepStrictEqual(
        calls.map((call) => [call.operation, Either.isLeft(call.outcome) ? call.outcome.left._tag : "ok"]),
        [
          ["PostToConnection", "InvalidInputError"],
          ["PostToConnection", "InvalidInputError"],
          ["PostToConnection", "InvalidInputError"],
          ["PostToConnection", "PayloadTooLargeException"],
          ["GetConnection", "InvalidInputError"],
          ["DeleteConnection", "InvalidInputError"],
          ["PostToConnection", "ok"]
        ]
      )
    }).pipe(withFake()))

  it.effect("fails exactly as the real client does on the same bad input", () =>
    Effect.gen(function*() {
      const real = yield* Effect.provide(
        Api,
        ApiGatewayManagementApi.layer({ endpoint: TestApi.DEFAULT_ENDPOINT }).pipe(
          Layer.provide([TestHttp.layer(), Credentials.layerTest()])
        )
      )
      const fake = yield* Effect.provide(Api, TestApi.layer())
      const inputs: Array<unknown> = [
        { ConnectionId: "", Data: "x" },
        { ConnectionId: 7, Data: "x" },
        { ConnectionId: null, Data: "x" },
        { ConnectionId: ".", Data: "x" },
        { ConnectionId: "\ud800", Data: "x" },
        { ConnectionId: "a".repeat(1025), Data: "x" },
        { ConnectionId: "ok", Data: 1 },
        { ConnectionId: "ok", Data: [1, 2] },
        { ConnectionId: "ok", Data: null },
        { ConnectionId: "ok", Data: {} },
        { ConnectionId: "ok", Data: "x".repeat(131073) }
      ]
      for (const input of inputs) {
        const a = yield* Effect.flip(real.postToConnection(input as any))
        const b = yield* Effect.flip(fake.postToConnection(input as any))
        assert.deepStrictEqual(describeError(b), describeError(a), JSON.stringify(input).slice(0, 80))
      }
      const presign = [
        { ClientMethod: "nope", Params: { ConnectionId: "a" } },
        { ClientMethod: "getConnection", Params: { ConnectionId: "" } },
        { ClientMethod: "getConnection", Params: { ConnectionId: "a" }, ExpiresIn: 0 },
        { ClientMethod: "getConnection", Params: { ConnectionId: "a" }, HttpMethod: "G T" },
        { ClientMethod: "postToConnection", Params: { ConnectionId: "a", Data: 3 } }
      ]
      for (const input of presign) {
        const a = yield* Effect.flip(real.generatePresignedUrl(input as any))
        const b = yield* Effect.flip(fake.generatePresignedUrl(input as any))
        assert.deepStrictEqual(describeError(b), describeError(a), JSON.stringify(input))
      }
    }))

  it.effect("honours maxPayloadBytes like the client", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const id = yield* fake.addConnection()
      const error = yield* Effect.flip(ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: "12345" }))
      assert.strictEqual(error._tag, "PayloadTooLargeException")
      yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: "1234" })
      assert.deepStrictEqual(yield* fake.receivedText(id), ["1234"])
    }).pipe(withFake({ maxPayloadBytes: 4 })))

  it.effect("answers GetConnection with Dates from the Clock, the identity, and LastActiveAt moved by touch", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const fake = yield* TestApi.TestApi
      const plain = yield* fake.addConnection({ SourceIp: "203.0.113.7" })
      const browser = yield* fake.addConnection({ UserAgent: "Mozilla/5.0", ConnectedAt: new Date(start - 60_000) })
      yield* TestClock.adjust("90 seconds")
      yield* fake.touch(plain)

      const info = yield* ApiGatewayManagementApi.getConnection({ ConnectionId: plain })
      assert.instanceOf(info.ConnectedAt, Date)
      assert.strictEqual(info.ConnectedAt!.getTime(), start)
      assert.strictEqual(info.LastActiveAt!.getTime(), start + 90_000)
      assert.deepStrictEqual(info.Identity, { SourceIp: "203.0.113.7" })
      assert.isFalse("UserAgent" in info.Identity!)
      assert.strictEqual(info.$metadata.httpStatusCode, 200)
      assert.strictEqual(info.$metadata.attempts, 1)

      const other = yield* ApiGatewayManagementApi.getConnection({ ConnectionId: browser })
      assert.strictEqual(other.ConnectedAt!.getTime(), start - 60_000)
      assert.strictEqual(other.LastActiveAt!.getTime(), start - 60_000)
      assert.deepStrictEqual(other.Identity, { SourceIp: "192.0.2.1", UserAgent: "Mozilla/5.0" })
    }).pipe(withFake()))

  it.effect("DeleteConnection answers 204 and closes the connection: later calls answer Gone (410)", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const id = yield* fake.addConnection()
      yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: "before" })
      const deleted = yield* ApiGatewayManagementApi.deleteConnection({ ConnectionId: id })
      assert.strictEqual(deleted.$metadata.httpStatusCode, 204)
      const post = yield* Effect.flip(ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: "after" }))
      assert.strictEqual(post._tag, "GoneException")
      assert.strictEqual(post._tag === "GoneException" && post.$metadata.httpStatusCode, 410)
      const get = yield* Effect.flip(ApiGatewayManagementApi.getConnection({ ConnectionId: id }))
      assert.strictEqual(get._tag, "GoneException")
      const again = yield* Effect.flip(ApiGatewayManagementApi.deleteConnection({ ConnectionId: id }))
      assert.strictEqual(again._tag, "GoneException")
      const state = Option.getOrThrow(yield* fake.connection(id))
      assert.strictEqual(state.status, "deleted")
      assert.deepStrictEqual(state.messages.map((m) => m.text), ["before"])
      assert.deepStrictEqual(yield* fake.openConnectionIds, [])
    }).pipe(withFake()))

  it.effect("markGone keeps what was received; removeConnection forgets the connection; unknown ids are Gone", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const [a, b, c] = [yield* fake.addConnection(), yield* fake.addConnection(), yield* fake.addConnection()]
      for (const id of [a, b, c]) yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: "1" })
      yield* fake.markGone(a, b)
      yield* fake.removeConnection(c)
      for (const id of [a, b, c, "never-existed"]) {
        const error = yield* Effect.flip(ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: "2" }))
        assert.strictEqual(error._tag, "GoneException", id)
      }
      assert.deepStrictEqual(yield* fake.receivedText(a), ["1"])
      assert.deepStrictEqual(yield* fake.receivedText(c), [])
      assert.deepStrictEqual((yield* fake.connections).map((s) => [s.ConnectionId, s.status]), [[a, "gone"], [
        b,
        "gone"
      ]])
      assert.isTrue(Option.isNone(yield* fake.connection(c)))
    }).pipe(withFake()))

  it.effect("starts with the connections given in the options; a re-added id is a fresh open connection", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      assert.deepStrictEqual(yield* fake.openConnectionIds, ["one", "two"])
      yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: "one", Data: "x" })
      yield* fake.markGone("one")
      yield* fake.addConnection({ ConnectionId: "one" })
      assert.deepStrictEqual(yield* fake.receivedText("one"), [])
      assert.deepStrictEqual(yield* fake.openConnectionIds, ["two", "one"])
      const two = yield* ApiGatewayManagementApi.getConnection({ ConnectionId: "two" })
      assert.strictEqual(two.Identity?.SourceIp, "198.51.100.2")
    }).pipe(withFake({ connections: ["one", { ConnectionId: "two", SourceIp: "198.51.100.2" }] })))

  it.effect("scripts failures for the next N calls, with realistic errors", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const id = yield* fake.addConnection()
      yield* fake.failNext("throttling", { times: 2 })
      yield* fake.failNext("forbidden")
      const post = ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: "x" })
      const first = yield* Effect.flip(post)
      assert.strictEqual(first._tag, "LimitExceededException")
      assert.strictEqual(first._tag === "LimitExceededException" && first.$metadata.httpStatusCode, 429)
      assert.strictEqual(first._tag === "LimitExceededException" && first.$metadata.attempts, 1)
      assert.strictEqual(
        (yield* Effect.flip(ApiGatewayManagementApi.getConnection({ ConnectionId: id })))._tag,
        "LimitExceededException"
      )
      const third = yield* Effect.flip(post)
      assert.strictEqual(third._tag, "ForbiddenException")
      assert.strictEqual(third._tag === "ForbiddenException" && third.$metadata.httpStatusCode, 403)
      yield* post
      assert.deepStrictEqual(yield* fake.receivedText(id), ["x"])
    }).pipe(withFake()))

  it.effect("scripts failures for one connection and for chosen operations only", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const [a, b] = [yield* fake.addConnection(), yield* fake.addConnection()]
      yield* fake.failConnection(a, "forbidden")
      yield* fake.failNext("internalError", { operations: ["DeleteConnection"] })
      for (let i = 0; i < 3; i++) {
        const error = yield* Effect.flip(ApiGatewayManagementApi.postToConnection({ ConnectionId: a, Data: "x" }))
        assert.strictEqual(error._tag, "ForbiddenException")
      }
      yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: b, Data: "x" })
      yield* ApiGatewayManagementApi.getConnection({ ConnectionId: b })
      const del = yield* Effect.flip(ApiGatewayManagementApi.deleteConnection({ ConnectionId: b }))
      assert.strictEqual(del._tag, "AwsServiceError")
      assert.strictEqual(del._tag === "AwsServiceError" && del.code, "InternalServerErrorException")
      assert.strictEqual(del._tag === "AwsServiceError" && del.$metadata.httpStatusCode, 500)
      yield* ApiGatewayManagementApi.deleteConnection({ ConnectionId: b })

      yield* fake.clearFailures
      yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: a, Data: "now" })
      assert.deepStrictEqual(yield* fake.receivedText(a), ["now"])
    }).pipe(withFake()))

  it.effect("scripts any error as given; PayloadTooLarge only hits PostToConnection", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const id = yield* fake.addConnection()
      const denied = new Errors.AwsServiceError({
        code: "AccessDeniedException",
        Message: "not allowed",
        $metadata: { httpStatusCode: 403, requestId: "r-1", attempts: 1, totalRetryDelay: 0 }
      })
      yield* fake.failNext(denied)
      assert.strictEqual(yield* Effect.flip(ApiGatewayManagementApi.getConnection({ ConnectionId: id })), denied)

      yield* fake.failNext("payloadTooLarge")
      yield* ApiGatewayManagementApi.getConnection({ ConnectionId: id })
      yield* ApiGatewayManagementApi.deleteConnection({ ConnectionId: id })
      yield* fake.addConnection({ ConnectionId: id })
      const error = yield* Effect.flip(ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: "x" }))
      assert.strictEqual(error._tag, "PayloadTooLargeException")
      assert.strictEqual(error._tag === "PayloadTooLargeException" && error.$metadata.httpStatusCode, 413)

      yield* fake.failNext("timeout")
      const timeout = yield* Effect.flip(ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: "x" }))
      assert.strictEqual(timeout._tag === "TransportError" && timeout.reason, "Timeout")
      yield* fake.failNext("gone")
      const gone = yield* Effect.flip(ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: "x" }))
      assert.strictEqual(gone._tag, "GoneException")
      assert.deepStrictEqual(yield* fake.receivedText(id), [])
    }).pipe(withFake()))

  it.effect("records every call with its input and outcome", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const id = yield* fake.addConnection()
      yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: "hi" })
      yield* fake.failNext("throttling")
      yield* Effect.either(ApiGatewayManagementApi.getConnection({ ConnectionId: id }))
      yield* ApiGatewayManagementApi.deleteConnection({ ConnectionId: id })
      const calls = yield* fake.calls
      assert.deepStrictEqual(calls.map((c) => [c.operation, c.ConnectionId, c.fromBroadcast]), [
        ["PostToConnection", id, false],
        ["GetConnection", id, false],
        ["DeleteConnection", id, false]
      ])
      assert.deepStrictEqual(calls[0].input, { ConnectionId: id, Data: "hi" })
      assert.isTrue(Either.isRight(calls[0].outcome))
      assert.strictEqual(Either.isLeft(calls[1].outcome) && calls[1].outcome.left._tag, "LimitExceededException")
      const deleted = calls[2].outcome
      assert.strictEqual(Either.isRight(deleted) && (deleted.right as any).$metadata.httpStatusCode, 204)
      const ids = calls.map((c) => Either.isRight(c.outcome) ? (c.outcome.right as any).$metadata.requestId : "")
      assert.strictEqual(new Set(ids).size, 3)
    }).pipe(withFake()))

  it.effect("reset forgets connections, calls and scripted failures", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const id = yield* fake.addConnection()
      yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: "x" })
      yield* fake.failNext("forbidden", { times: 5 })
      yield* fake.reset
      assert.deepStrictEqual(yield* fake.calls, [])
      assert.deepStrictEqual(yield* fake.connections, [])
      const again = yield* fake.addConnection()
      assert.strictEqual(again, id, "ids start over")
      yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: again, Data: "y" })
      assert.deepStrictEqual(yield* fake.receivedText(again), ["y"])
    }).pipe(withFake()))

  it.effect("each layer build has its own state", () =>
    Effect.gen(function*() {
      const run = (message: string) =>
        Effect.gen(function*() {
          const fake = yield* TestApi.TestApi
          const id = yield* fake.addConnection({ ConnectionId: "shared" })
          yield* Effect.yieldNow()
          yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: message })
          yield* Effect.yieldNow()
          return yield* fake.receivedText(id)
        }).pipe(withFake())
      const results = yield* Effect.all([run("a"), run("b"), run("c")], { concurrency: "unbounded" })
      assert.deepStrictEqual(results, [["a"], ["b"], ["c"]])
    }))

  it.effect("broadcast reports delivered, gone and failed ids and runs onGone, as the client does", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const ids: Array<string> = []
      for (let i = 0; i < 50; i++) ids.push(yield* fake.addConnection())
      const goneIds = ids.filter((_, i) => i % 5 === 0)
      yield* fake.markGone(...goneIds)
      yield* fake.failConnection(ids[1], "forbidden")
      const pruned = yield* Ref.make<Array<string>>([])
      const result = yield* ApiGatewayManagementApi.broadcast({
        ConnectionIds: [...ids, ""],
        Data: "to everyone",
        concurrency: 4,
        onGone: (id) => Ref.update(pruned, (all) => [...all, id])
      })
      assert.deepStrictEqual([...result.gone].sort(), [...goneIds].sort())
      assert.deepStrictEqual([...(yield* Ref.get(pruned))].sort(), [...goneIds].sort())
      assert.deepStrictEqual(result.failed.map((f) => [f.ConnectionId, f.error._tag]).sort(), [
        ["", "InvalidInputError"],
        [ids[1], "ForbiddenException"]
      ])
      assert.strictEqual(result.delivered.length, 50 - goneIds.length - 1)
      for (const id of result.delivered) assert.deepStrictEqual(yield* fake.receivedText(id), ["to everyone"])
      const calls = yield* fake.calls
      assert.strictEqual(calls.length, 51)
      assert.isTrue(calls.every((c) => c.fromBroadcast && c.operation === "PostToConnection"))
    }).pipe(withFake()))

  it.effect("broadcast refuses oversize Data before posting anything", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const id = yield* fake.addConnection()
      const error = yield* Effect.flip(
        ApiGatewayManagementApi.broadcast({ ConnectionIds: [id], Data: new Uint8Array(131073) })
      )
      assert.strictEqual(error._tag, "PayloadTooLargeException")
      assert.deepStrictEqual(yield* fake.calls, [])
    }).pipe(withFake()))

  it.effect("broadcastStream emits one outcome per id", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const [a, b] = [yield* fake.addConnection(), yield* fake.addConnection()]
      yield* fake.removeConnection(b)
      const outcomes = yield* Stream.runCollect(
        ApiGatewayManagementApi.broadcastStream({ ConnectionIds: Stream.make(a, b), Data: "s" })
      )
      assert.deepStrictEqual(
        Chunk.toReadonlyArray(outcomes).map((o) => [o._tag, o.ConnectionId]).sort(),
        [["Delivered", a], ["Gone", b]]
      )
    }).pipe(withFake()))

  it.effect("throttling slows a broadcast down instead of failing ids", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const ids: Array<string> = []
      for (let i = 0; i < 10; i++) ids.push(yield* fake.addConnection())
      yield* fake.failNext("throttling", { times: 3 })
      const fiber = yield* Effect.fork(ApiGatewayManagementApi.broadcast({ ConnectionIds: ids, Data: "x" }))
      // The broadcast sleeps on the Clock while throttled: move the TestClock until it is done.
      let exit = yield* Fiber.poll(fiber)
      for (let i = 0; i < 100 && Option.isNone(exit); i++) {
        yield* TestClock.adjust("1 second")
        exit = yield* Fiber.poll(fiber)
      }
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.delivered.length, 10)
      assert.deepStrictEqual(result.failed, [])
      const throttled = (yield* fake.calls).filter((c) =>
        Either.isLeft(c.outcome) && c.outcome.left._tag === "LimitExceededException"
      )
      assert.strictEqual(throttled.length, 3)
      for (const id of ids) assert.deepStrictEqual(yield* fake.receivedText(id), ["x"])
    }).pipe(withFake()))

  it.effect("an endpoint that keeps failing aborts a broadcast", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const ids: Array<string> = []
      for (let i = 0; i < 100; i++) ids.push(yield* fake.addConnection())
      yield* fake.failNext("connectionRefused", { times: 1000 })
      const error = yield* Effect.flip(ApiGatewayManagementApi.broadcast({ ConnectionIds: ids, Data: "x" }))
      assert.strictEqual(error._tag, "BroadcastAbortedError")
      assert.isBelow((yield* fake.calls).length, 100)
    }).pipe(withFake()))

  it.effect("generatePresignedUrl makes a deterministic URL for the endpoint, from the Clock", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const url = yield* ApiGatewayManagementApi.generatePresignedUrl({
        ClientMethod: "getConnection",
        Params: { ConnectionId: "abc=" },
        ExpiresIn: 60
      })
      const parsed = new URL(url)
      assert.strictEqual(
        parsed.origin + parsed.pathname,
        "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/@connections/abc%3D"
      )
      assert.strictEqual(parsed.searchParams.get("X-Amz-Date"), "20240501T120000Z")
      assert.strictEqual(parsed.searchParams.get("X-Amz-Expires"), "60")
      assert.strictEqual(
        parsed.searchParams.get("X-Amz-Credential"),
        "AKIDTESTAPI/20240501/eu-west-1/execute-api/aws4_request"
      )
      assert.strictEqual(parsed.searchParams.get("X-Amz-SignedHeaders"), "host")
      const again = yield* ApiGatewayManagementApi.generatePresignedUrl({
        ClientMethod: "getConnection",
        Params: { ConnectionId: "abc=" },
        ExpiresIn: 60
      })
      assert.strictEqual(again, url)
      const fake = yield* TestApi.TestApi
      assert.deepStrictEqual((yield* fake.calls).map((c) => c.operation), [
        "GeneratePresignedUrl",
        "GeneratePresignedUrl"
      ])
      const api = yield* Api
      assert.strictEqual(api.endpoint.url, "https://abc123.execute-api.eu-west-1.amazonaws.com/prod")
    }).pipe(withFake({ endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod" })))

  it.effect("has no paginators and no waiters, as the client", () =>
    Effect.gen(function*() {
      assert.isFalse(yield* ApiGatewayManagementApi.canPaginate("postToConnection"))
      const paginator = yield* Effect.flip(ApiGatewayManagementApi.getPaginator("getConnection"))
      assert.strictEqual(paginator._tag, "OperationNotPageableError")
      const waiter = yield* Effect.flip(ApiGatewayManagementApi.getWaiter("connectionGone"))
      assert.strictEqual(waiter._tag, "WaiterDoesNotExistError")
    }).pipe(withFake()))

  it.effect("a bad endpoint fails the layer with ConfigurationError", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.provide(Api, TestApi.layer({ endpoint: "not a url" })))
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(Effect.provide(Api, TestApi.layer({ endpoint: "wss://ws.example.com/x" })))
      assert.strictEqual(error._tag, "ConfigurationError")
    }))

  it.effect("a connection that cannot take more fails alone in a broadcast and pauses nobody (TestClock)", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      for (const concurrency of [1, 32]) {
        for (const at of [0, 50, 100]) {
          yield* fake.reset
          const ids: Array<string> = []
          for (let i = 0; i < 100; i++) ids.push(yield* fake.addConnection())
          const slow = yield* fake.addConnection({ ConnectionId: "slow" })
          yield* fake.failConnection(slow, "throttling")
          ids.splice(at, 0, slow)
          const fiber = yield* Effect.fork(
            ApiGatewayManagementApi.broadcast({ ConnectionIds: ids, Data: "x", concurrency })
          )
          // Time moves 10 ms at a time: the broadcast must be done within 1.5 s of Clock time.
          let exit = yield* Fiber.poll(fiber)
          let elapsed = 0
          for (; elapsed < 60_000 && Option.isNone(exit); elapsed += 10) {
            yield* TestClock.adjust("10 millis")
            exit = yield* Fiber.poll(fiber)
          }
          const label = `slow at ${at}, concurrency ${concurrency}: ${elapsed} ms`
          assert.isBelow(elapsed, 1500, label)
          const result = yield* Fiber.join(fiber)
          assert.strictEqual(result.delivered.length, 100, label)
          assert.deepStrictEqual(result.failed.map((f) => [f.ConnectionId, f.error._tag]), [[
            slow,
            "LimitExceededException"
          ]], label)
        }
      }
    }).pipe(withFake()))

  it.effect("broadcast accounts for every id: ids that are not connection ids fail alone, as given", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const [a, b, c] = [yield* fake.addConnection(), yield* fake.addConnection(), yield* fake.addConnection()]
      const result = yield* ApiGatewayManagementApi.broadcast({
        ConnectionIds: [a, undefined, b, c] as any,
        Data: "x",
        concurrency: 1
      })
      assert.deepStrictEqual(result.delivered, [a, b, c])
      assert.deepStrictEqual(result.failed.map((f) => [f.ConnectionId, f.error._tag]), [[
        undefined,
        "InvalidInputError"
      ]])
      for (const id of [a, b, c]) assert.deepStrictEqual(yield* fake.receivedText(id), ["x"])
    }).pipe(withFake()))

  it.effect("options of the wrong type fail the layer with ConfigurationError, never a defect", () =>
    Effect.gen(function*() {
      const bad: Array<unknown> = [
        null,
        42,
        { endpoint: 42 },
        { endpoint: null },
        { region: 5 },
        { region: Symbol("r") },
        { maxPayloadBytes: "big" },
        { maxPayloadBytes: -1 },
        { maxPayloadBytes: 1.5 },
        { maxPayloadBytes: Object.create(null) },
        { connections: 5 },
        { connections: [null] },
        { connections: [5] },
        { connections: [{ ConnectionId: 5 }] },
        { connections: [{ ConnectedAt: "yesterday" }] },
        { connections: [{ ConnectedAt: new Date(NaN) }] },
        {
          connections: {
            [Symbol.iterator]: () => {
              throw new Error("no")
            }
          }
        }
      ]
      for (const options of bad) {
        const exit = yield* Effect.exit(Effect.provide(Api, TestApi.layer(options as any)))
        assert.isTrue(Exit.isFailure(exit), String(bad.indexOf(options)))
        if (Exit.isFailure(exit)) {
          const error = yield* Effect.flip(Effect.failCause(exit.cause)).pipe(Effect.catchAllDefect(Effect.succeed))
          assert.strictEqual((error as any)._tag, "ConfigurationError", Exit.isFailure(exit) ? String(exit.cause) : "")
        }
      }
    }))
})
