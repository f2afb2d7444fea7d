/**
 * Property tests: inputs of any runtime type (as JavaScript callers, the environment or a sparse array give them) to
 * every operation and every option never crash, never die and never throw: each is a success or a typed error.
 */
import { ApiGatewayManagementApi, Lambda } from "@effect-apigw/core"
import * as Endpoint from "@effect-apigw/core/Endpoint"
import { Credentials, TestApi, TestHttp } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Either, Exit, FastCheck as fc, Layer, Runtime, Schedule, Stream } from "effect"
import { SERVICE_ERROR_TAGS } from "./errorTags.js"

/** Values of every runtime type, objects without a prototype, boxed values, big ints, sparse arrays included. */
const anything = fc.anything({
  maxDepth: 2,
  maxKeys: 4,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true
})

const strange = fc.constantFrom<Array<unknown>>(
  undefined,
  null,
  0,
  -1,
  1.5,
  NaN,
  Infinity,
  -Infinity,
  2 ** 40,
  2 ** 53,
  "",
  "4",
  4n,
  Symbol("s"),
  true,
  [],
  {},
  Object.create(null),
  () => 1,
  new Date(NaN),
  new Uint16Array(2),
  new Blob(["b"])
)

const value = fc.oneof(strange, anything)
const connectionId = fc.oneof(fc.constantFrom("L0SM9cOFvHcCIhw=", "a", "b"), value)
const data = fc.oneof(fc.constantFrom("hello", new Uint8Array([1, 2])), value)

const postInput = fc.oneof(value, fc.record({ ConnectionId: connectionId, Data: data }, { requiredKeys: [] }))
const idInput = fc.oneof(value, fc.record({ ConnectionId: connectionId }, { requiredKeys: [] }))
const broadcastInput = fc.oneof(
  value,
  fc.record({
    ConnectionIds: fc.oneof(fc.array(connectionId, { maxLength: 6 }), value),
    Data: data,
    concurrency: fc.oneof(fc.integer({ min: -3, max: 8 }), value),
    onGone: fc.oneof(fc.constant(undefined), value, fc.func(value))
  }, { requiredKeys: [] })
)
const presignInput = fc.oneof(
  value,
  fc.record({
    ClientMethod: fc.oneof(fc.constantFrom("postToConnection", "getConnection", "deleteConnection"), value),
    Params: fc.oneof(value, fc.record({ ConnectionId: connectionId, Data: data }, { requiredKeys: [] })),
    ExpiresIn: fc.oneof(fc.integer({ min: -5, max: 700_000 }), value),
    HttpMethod: fc.oneof(fc.constantFrom("GET", "post"), value)
  }, { requiredKeys: [] })
)

type Call = readonly [string, unknown]

const call = fc.oneof(
  postInput.map((input): Call => ["postToConnection", input]),
  idInput.map((input): Call => ["getConnection", input]),
  idInput.map((input): Call => ["deleteConnection", input]),
  broadcastInput.map((input): Call => ["broadcast", input]),
  broadcastInput.map((input): Call => ["broadcastStream", input]),
  presignInput.map((input): Call => ["generatePresignedUrl", input]),
  value.map((input): Call => ["getPaginator", input]),
  value.map((input): Call => ["getWaiter", input]),
  value.map((input): Call => ["canPaginate", input])
)

const show = (u: unknown) => {
  try {
    return fc.stringify(u)
  } catch {
    return typeof u
  }
}

/** Runs one call of any input on the service: it must not throw, and its exit must be a success or a typed error. */
const checkCall = (
  runtime: Runtime.Runtime<never>,
  api: ApiGatewayManagementApi.ApiGatewayManagementApiService,
  [name, input]: Call
): Promise<void> => {
  let effect: Effect.Effect<unknown, unknown>
  try {
    const method = (api as any)[name]
    const result = method(input)
    if (name === "canPaginate") {
      assert.strictEqual(result, false)
      return Promise.resolve()
    }
    effect = name === "broadcastStream" ? Stream.runDrain(result) : result
  } catch (error) {
    return Promise.reject(new Error(`${name}(${show(input)}) threw ${String(error)}`))
  }
  return Runtime.runPromiseExit(runtime)(effect.pipe(Effect.timeout("5 seconds"))).then((exit) => {
    if (Exit.isSuccess(exit)) return
    assert.isFalse(Cause.isDie(exit.cause), `${name}(${show(input)}): ${Cause.pretty(exit.cause)}`)
    const failure = Cause.failureOption(exit.cause)
    assert.isTrue(failure._tag === "Some", `${name}(${show(input)}): ${Cause.pretty(exit.cause)}`)
    const error = (failure as any).value
    assert.isTrue(SERVICE_ERROR_TAGS.has(error?._tag), `${name}(${show(input)}): ${String(error?._tag)}`)
    assert.isString(error.message)
  })
}

const Client = ApiGatewayManagementApi.layer({
  endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
  maxAttempts: 1
}).pipe(Layer.provideMerge(Layer.mergeAll(TestHttp.layer(), Credentials.layerTest())))

describe("any input to any operation is a success or a typed error", () => {
  it.live("the client", () =>
    Effect.gen(function*() {
      const http = yield* TestHttp.TestHttp
      let n = 0
      // Some posts answer Gone, so that onGone runs.
      yield* http.setResponder(() => (++n % 3 === 0 ? { status: 410 } : { status: 200 }))
      const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
      const runtime = yield* Effect.runtime<never>()
      yield* Effect.promise(() =>
        fc.assert(fc.asyncProperty(call, (c) => checkCall(runtime, api, c)), { numRuns: 1500, seed: 20261125 })
      )
    }).pipe(Effect.provide(Client)), 120_000)

  it.live("the fake", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      yield* fake.markGone(yield* fake.addConnection({ ConnectionId: "b" }))
      const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
      const runtime = yield* Effect.runtime<never>()
      yield* Effect.promise(() =>
        fc.assert(fc.asyncProperty(call, (c) => checkCall(runtime, api, c)), { numRuns: 1500, seed: 20261126 })
      )
    }).pipe(Effect.provide(TestApi.layer({ connections: ["L0SM9cOFvHcCIhw=", "a"] }))), 120_000)
})

const endpoint = fc.oneof(
  fc.constantFrom(
    "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
    "http://127.0.0.1:3001/local",
    new URL("https://ws.example.com/chat")
  ),
  value
)
const options = fc.oneof(
  value,
  fc.record({
    endpoint,
    region: fc.oneof(fc.constantFrom("eu-west-1", "us-east-1"), value),
    maxAttempts: fc.oneof(fc.integer({ min: -1, max: 5 }), value),
    requestTimeout: fc.oneof(fc.constantFrom("1 second", 500, [1, 0], 10n ** 9n, "forever"), value),
    maxPayloadBytes: fc.oneof(fc.constantFrom(false, 0, 131072), value),
    retrySchedule: fc.oneof(fc.constant(Schedule.recurs(1)), value)
  }, { requiredKeys: [] })
)

/** Builds a layer from any options: a client, or a `ConfigurationError`; a client that works for one call. */
const checkLayer = async (
  label: string,
  build: () => Layer.Layer<ApiGatewayManagementApi.ApiGatewayManagementApi, unknown, any>
): Promise<void> => {
  let layer: Layer.Layer<ApiGatewayManagementApi.ApiGatewayManagementApi, unknown, any>
  try {
    layer = build()
  } catch (error) {
    throw new Error(`${label} threw ${String(error)}`)
  }
  const program = ApiGatewayManagementApi.postToConnection({ ConnectionId: "a", Data: "x" }).pipe(
    Effect.catchAll(() => Effect.void),
    Effect.provide(layer),
    Effect.provide(Layer.mergeAll(TestHttp.layer(), Credentials.layerTest())),
    Effect.timeout("5 seconds")
  )
  const exit = await Effect.runPromiseExit(program as Effect.Effect<void, unknown>)
  if (Exit.isSuccess(exit)) return
  assert.isFalse(Cause.isDie(exit.cause), `${label}: ${Cause.pretty(exit.cause)}`)
  const failure = Cause.failureOption(exit.cause)
  assert.strictEqual((failure as any).value?._tag, "ConfigurationError", `${label}: ${Cause.pretty(exit.cause)}`)
}

const event = fc.oneof(
  value,
  fc.record({
    requestContext: fc.oneof(
      value,
      fc.record({
        domainName: fc.oneof(fc.constantFrom("abc123.execute-api.eu-west-1.amazonaws.com", "ws.example.com"), value),
        stage: fc.oneof(fc.constantFrom("prod"), value),
        apiId: fc.oneof(fc.constantFrom("abc123"), value)
      }, { requiredKeys: [] })
    )
  }, { requiredKeys: [] })
)
const lambdaOptions = fc.oneof(
  value,
  fc.record({ region: fc.oneof(fc.constantFrom("eu-west-1"), value), basePath: fc.oneof(fc.constantFrom(""), value) }, {
    requiredKeys: []
  })
)

describe("any option is a client or a ConfigurationError", () => {
  it.live("the options of layer, make and layerConfig", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(options, async (o) => {
          await checkLayer(`layer(${show(o)})`, () => ApiGatewayManagementApi.layer(o as any))
          await checkLayer(
            `make(${show(o)})`,
            () => Layer.effect(ApiGatewayManagementApi.ApiGatewayManagementApi, ApiGatewayManagementApi.make(o as any))
          )
          await checkLayer(`layerConfig(${show(o)})`, () => ApiGatewayManagementApi.layerConfig(o as any))
        }),
        { numRuns: 400, seed: 7 }
      )
    ), 120_000)

  it.live("the options of the fake", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(
          fc.oneof(
            value,
            fc.record({
              endpoint,
              region: fc.oneof(fc.constantFrom("eu-west-1"), value),
              maxPayloadBytes: fc.oneof(fc.constantFrom(false, 10), value),
              connections: fc.oneof(
                fc.array(
                  fc.oneof(
                    connectionId,
                    fc.record({ ConnectionId: value, SourceIp: value, ConnectedAt: value }, { requiredKeys: [] })
                  ),
                  { maxLength: 3 }
                ),
                value
              )
            }, { requiredKeys: [] })
          ),
          (o) => checkLayer(`TestApi.layer(${show(o)})`, () => TestApi.layer(o as any))
        ),
        { numRuns: 400, seed: 8 }
      )
    ), 120_000)

  it.live(
    "Lambda: the event and the options of layerFromEvent and endpointFromEvent",
    () =>
      Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(event, fc.oneof(lambdaOptions, fc.constant(undefined)), async (e, o) => {
            const label = `(${show(e)}, ${show(o)})`
            try {
              const endpoint = Lambda.endpointFromEvent(e as any, o as any)
              assert.isTrue(Either.isRight(endpoint) || endpoint.left._tag === "ConfigurationError", label)
            } catch (error) {
              throw new Error(`endpointFromEvent${label} threw ${String(error)}`)
            }
            await checkLayer(`layerFromEvent${label}`, () => Lambda.layerFromEvent(e as any, o as any))
          }),
          { numRuns: 400, seed: 9 }
        )
      ),
    120_000
  )

  it("Endpoint.parse of anything is an endpoint or a ConfigurationError", () =>
    fc.assert(
      fc.property(endpoint, fc.oneof(fc.constant(undefined), value), (input, region) => {
        const parsed = Endpoint.parse(input as any, region as any)
        assert.isTrue(Either.isRight(parsed) || parsed.left._tag === "ConfigurationError")
      }),
      { numRuns: 2000, seed: 10 }
    ))

  it.effect("the reported cases: a sparse id list, an extreme concurrency, an unset endpoint", () =>
    Effect.gen(function*() {
      const unset: string | undefined = undefined
      for (
        const o of [
          { endpoint: unset },
          undefined,
          null,
          { endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod", region: 5 },
          { endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod", maxAttempts: Symbol("m") },
          { endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod", requestTimeout: Object.create(null) },
          { endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod", requestTimeout: "30 days" },
          { endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod", maxPayloadBytes: "big" },
          { endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod", retrySchedule: "exponential" }
        ]
      ) {
        const exit = yield* Effect.exit(
          Layer.build(ApiGatewayManagementApi.layer(o as any)).pipe(
            Effect.provide(Layer.mergeAll(TestHttp.layer(), Credentials.layerTest())),
            Effect.scoped
          )
        )
        assert.isTrue(Exit.isFailure(exit) && !Cause.isDie(exit.cause), show(o))
        if (Exit.isFailure(exit)) {
          assert.strictEqual((Cause.failureOption(exit.cause) as any).value?._tag, "ConfigurationError", show(o))
        }
      }
    }))
})
