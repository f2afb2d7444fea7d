/**
 * No response and no input of any shape produces a defect or an untyped error: random responses (status, headers,
 * body) and random inputs through all operations, every outcome a success or one of the typed errors. A failure
 * prints FastCheck's seed and path: pass them back as `{ seed, path }` to replay it.
 */
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Credentials, TestHttp } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, FastCheck as fc, Layer, Runtime, Schedule } from "effect"
import { OPERATION_ERROR_TAGS } from "./errorTags.js"

/** Text of 0 to `max - 1` UTF-16 units below U+3000: controls, Latin, Greek, ... (no surrogates). */
const text = (max: number) =>
  fc.array(fc.integer({ min: 0, max: 0x2fff }), { maxLength: max - 1, size: "max" }).map((codes) =>
    String.fromCharCode(...codes)
  )

/** Header values are what HTTP can carry: visible ASCII. */
const ascii = (max: number) => text(max).map((t) => t.replace(/[^\x20-\x7e]/g, ""))

/** A value present in `tenths` of ten cases, else `undefined`. */
const sometimes = <A>(tenths: number, arbitrary: fc.Arbitrary<A>): fc.Arbitrary<A | undefined> =>
  fc.oneof({ weight: tenths, arbitrary }, { weight: 10 - tenths, arbitrary: fc.constant(undefined) })

const body: fc.Arbitrary<string | Uint8Array | { json: unknown } | undefined> = fc.oneof(
  fc.constant(undefined),
  text(200),
  fc.uint8Array({ maxLength: 299, size: "max" }),
  fc.record({
    message: text(50),
    code: fc.constantFrom<Array<unknown>>("GoneException", "", 5, null, "a#b:c,d")
  }).map((json) => ({ json })),
  fc.record({ __type: text(30), Message: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) })
    .map((json) => ({ json })),
  fc.record({
    connectedAt: fc.constantFrom<Array<unknown>>("2024-05-01T12:00:00Z", "nope", 1714564800, -1e300, null, {}),
    lastActiveAt: fc.constantFrom<Array<unknown>>("2024-13-01T00:00:00Z", 1714564800.5, "", true),
    identity: fc.constantFrom<Array<unknown>>({ sourceIp: "192.0.2.1" }, { sourceIp: 5 }, null, "x", { userAgent: "u" })
  }).map((json) => ({ json })),
  fc.constant("{\"connectedAt\": \"2024-05-01T12:00:00Z\", \"identity\": {\"sourceIp\": \"1.2.3.4\""),
  fc.constant("x".repeat(70_000)),
  // Any JSON value at all.
  fc.jsonValue().map((json) => ({ json }))
)

const headers = fc.record({
  "x-amzn-errortype": sometimes(
    5,
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom("GoneException", "Throttling", "", "::") },
      { weight: 1, arbitrary: ascii(200) }
    )
  ),
  "retry-after": sometimes(3, fc.constantFrom("1", "-5", "soon", "Wed, 21 Oct 2015 07:28:00 GMT")),
  date: sometimes(3, fc.constantFrom("garbage", new Date(0).toUTCString())),
  "x-amzn-requestid": sometimes(3, ascii(200))
}).map((all) => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(all)) if (value !== undefined) out[name] = value
  return out
})

const response: fc.Arbitrary<TestHttp.Scripted> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.constantFrom("ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "WEIRD").map((fail) => ({ fail }))
  },
  {
    weight: 9,
    arbitrary: fc.record({
      status: fc.constantFrom(200, 201, 204, 299, 301, 400, 403, 404, 410, 413, 429, 500, 502, 503, 504, 599),
      headers,
      body
    }).map(({ body, headers, status }) => ({ status, headers, body: status === 204 ? undefined : body }))
  }
)

const input: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant({ ConnectionId: "L0SM9cOFvHcCIhw=", Data: "hello" }),
  fc.record({ ConnectionId: text(40), Data: text(40) }),
  fc.record({
    ConnectionId: fc.constantFrom<Array<unknown>>(null, undefined, 0, {}, [], "", ".", "..", "\ud800"),
    Data: fc.constant("x")
  }),
  fc.record({
    ConnectionId: fc.constant("id"),
    Data: fc.constantFrom<Array<unknown>>(null, undefined, 0, {}, [], Symbol("x"), new Uint16Array(3))
  }),
  fc.constantFrom<Array<unknown>>(null, undefined, 42, "string", [])
)

/** One call: the two answers it may get (a first attempt and a retry), its input and its operation. */
const call = fc.record({
  responses: fc.tuple(response, response),
  input,
  operation: fc.constantFrom(...(["postToConnection", "getConnection", "deleteConnection"] as const))
})

const Client = ApiGatewayManagementApi.layer({
  endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
  maxAttempts: 2,
  // Retries without waiting: the built-in backoff would make this test sleep for Retry-After and throttling.
  retrySchedule: Schedule.forever
}).pipe(Layer.provideMerge(Layer.mergeAll(TestHttp.layer(), Credentials.layerTest())))

describe("no defects", () => {
  it.live(
    "1,500 random responses and inputs: every outcome is a success or a typed error",
    () =>
      Effect.gen(function*() {
        const http = yield* TestHttp.TestHttp
        const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
        const runtime = yield* Effect.runtime<never>()
        const seen = new Map<string, number>()
        const count = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1)
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(call, async ({ input, operation, responses }) => {
              const exit = await Runtime.runPromise(runtime)(
                Effect.gen(function*() {
                  yield* http.reset
                  yield* http.enqueue(...responses)
                  return yield* Effect.exit(api[operation](input as any).pipe(Effect.timeout("5 seconds")))
                })
              )
              if (Exit.isSuccess(exit)) return void count("success")
              assert.isFalse(Cause.isDie(exit.cause), Cause.pretty(exit.cause))
              const failure = Cause.failureOption(exit.cause)
              assert.isTrue(failure._tag === "Some", Cause.pretty(exit.cause))
              const error = (failure as any).value
              assert.isTrue(OPERATION_ERROR_TAGS.has(error?._tag), `unexpected ${String(error?._tag)}`)
              assert.isString(error.message)
              count(error._tag)
            }),
            { numRuns: 1500 }
          )
        )
        // The generator reaches successes and most error kinds, so the check above is not vacuous.
        for (
          const tag of ["success", "GoneException", "UnexpectedResponseError", "TransportError", "InvalidInputError"]
        ) {
          assert.isAbove(seen.get(tag) ?? 0, 0, tag)
        }
      }).pipe(Effect.provide(Client)),
    120_000
  )
})
