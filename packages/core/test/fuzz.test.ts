/**
 * No response and no input of any shape produces a defect or an untyped error: seeded random responses (status,
 * headers, body) and random inputs through all operations, every outcome a success or one of the typed errors.
 */
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Credentials, TestHttp } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Schedule } from "effect"

const TAGS = new Set([
  "ForbiddenException",
  "GoneException",
  "PayloadTooLargeException",
  "LimitExceededException",
  "AwsServiceError",
  "TransportError",
  "UnexpectedResponseError",
  "CredentialsError",
  "InvalidInputError"
])

/** mulberry32: a small seeded generator, so a failure can be replayed. */
const random = (seed: number) => () => {
  seed = (seed + 0x6D2B79F5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const pick = <A>(next: () => number, items: ReadonlyArray<A>): A => items[Math.floor(next() * items.length)]

const randomText = (next: () => number, max: number) =>
  Array.from({ length: Math.floor(next() * max) }, () => String.fromCharCode(Math.floor(next() * 0x3000))).join("")

const randomBody = (next: () => number): string | Uint8Array | { json: unknown } | undefined =>
  pick(next, [
    () => undefined,
    () => randomText(next, 200),
    () => Uint8Array.from({ length: Math.floor(next() * 300) }, () => Math.floor(next() * 256)),
    () => ({ json: { message: randomText(next, 50), code: pick(next, ["GoneException", "", 5, null, "a#b:c,d"]) } }),
    () => ({ json: { __type: randomText(next, 30), Message: next() } }),
    () => ({
      json: {
        connectedAt: pick(next, ["2024-05-01T12:00:00Z", "nope", 1714564800, -1e300, null, {}]),
        lastActiveAt: pick(next, ["2024-13-01T00:00:00Z", 1714564800.5, "", true]),
        identity: pick(next, [{ sourceIp: "192.0.2.1" }, { sourceIp: 5 }, null, "x", { userAgent: "u" }])
      }
    }),
    () => "{\"connectedAt\": \"2024-05-01T12:00:00Z\", \"identity\": {\"sourceIp\": \"1.2.3.4\"",
    () => "x".repeat(70_000)
  ])()

const randomResponse = (next: () => number): TestHttp.Scripted => {
  if (next() < 0.1) return { fail: pick(next, ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "WEIRD"]) }
  const headers: Record<string, string> = {}
  // Header values are what HTTP can carry: visible ASCII.
  const ascii = (text: string) => text.replace(/[^\x20-\x7e]/g, "")
  if (next() < 0.5) {
    headers["x-amzn-errortype"] = pick(next, ["GoneException", "Throttling", "", "::", ascii(randomText(next, 200))])
  }
  if (next() < 0.3) headers["retry-after"] = pick(next, ["1", "-5", "soon", "Wed, 21 Oct 2015 07:28:00 GMT"])
  if (next() < 0.3) headers["date"] = pick(next, ["garbage", new Date(0).toUTCString()])
  if (next() < 0.3) headers["x-amzn-requestid"] = ascii(randomText(next, 200))
  const status = pick(next, [200, 201, 204, 299, 301, 400, 403, 404, 410, 413, 429, 500, 502, 503, 504, 599])
  const body = status === 204 ? undefined : randomBody(next)
  return { status, headers, body }
}

const randomInput = (next: () => number): unknown =>
  pick(next, [
    () => ({ ConnectionId: "L0SM9cOFvHcCIhw=", Data: "hello" }),
    () => ({ ConnectionId: randomText(next, 40), Data: randomText(next, 40) }),
    () => ({ ConnectionId: pick(next, [null, undefined, 0, {}, [], "", ".", "..", "\ud800"]), Data: "x" }),
    () => ({ ConnectionId: "id", Data: pick(next, [null, undefined, 0, {}, [], Symbol("x"), new Uint16Array(3)]) }),
    () => pick(next, [null, undefined, 42, "string", []])
  ])()

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
        const next = random(20261125)
        const seen = new Map<string, number>()
        for (let i = 0; i < 1500; i++) {
          yield* http.enqueue(randomResponse(next), randomResponse(next))
          const input = randomInput(next) as any
          const operation = pick(next, [
            () => api.postToConnection(input),
            () => api.getConnection(input),
            () => api.deleteConnection(input)
          ])
          const exit = yield* Effect.exit(operation().pipe(Effect.timeout("5 seconds")))
          yield* http.reset
          if (Exit.isSuccess(exit)) {
            seen.set("success", (seen.get("success") ?? 0) + 1)
            continue
          }
          assert.isFalse(Cause.isDie(exit.cause), `case ${i}: ${Cause.pretty(exit.cause)}`)
          const failure = Cause.failureOption(exit.cause)
          assert.isTrue(failure._tag === "Some", `case ${i}: ${Cause.pretty(exit.cause)}`)
          const tag = (failure as any).value._tag
          assert.isTrue(TAGS.has(tag), `case ${i}: unexpected ${tag}`)
          assert.isString((failure as any).value.message)
          seen.set(tag, (seen.get(tag) ?? 0) + 1)
        }
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
