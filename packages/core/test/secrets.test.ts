/**
 * A server that echoes the request it got (a reflecting proxy, a debugging endpoint) must not put the session token
 * or the signature into our errors: nothing quoted from a response (message, description, code, ids) keeps them, in
 * any form they are echoed (as is, percent-encoded, JSON-escaped, cut short).
 */
import { ApiGatewayManagementApi, AwsCredentials } from "@effect-apigw/core"
import { TestHttp } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Redacted, Schedule, Stream } from "effect"

// An STS-like session token: long (cut in two by any 512-character quote), base64 with `/`, `+` and `=`.
const TOKEN = "IQoJb3JpZ2luX2VjEFAaCWV1LXdlc3QtMSJHMEUCIQD/secret+session/token=" +
  Array.from({ length: 24 }, (_, i) => `Zm9v${i.toString(36)}YmFy/cXV4+ZW5k`).join("") + "=="
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

const credentials = AwsCredentials.layer(
  Effect.succeed({
    accessKeyId: "ASIAECHOTEST",
    secretAccessKey: Redacted.make(SECRET),
    sessionToken: Redacted.make(TOKEN)
  })
)

const signatureOf = (request: TestHttp.RecordedRequest) =>
  /Signature=([0-9a-f]+)/.exec(request.headers["authorization"])![1]

/** The request as a reflecting server would print it: request line, every header, the body. */
const dump = (request: TestHttp.RecordedRequest) =>
  [
    `${request.method} ${request.url.pathname}`,
    ...Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`),
    "",
    new TextDecoder().decode(request.body)
  ].join("\r\n")

type Echo = (request: TestHttp.RecordedRequest) => TestHttp.Scripted

/** The ways a server can echo the request into an error response. */
const echoes: ReadonlyArray<readonly [string, Echo]> = [
  ["a 502 text page with the whole request", (r) => ({ status: 502, body: dump(r) })],
  ["a 500 page with the token cut short by the server", (r) => ({ status: 500, body: dump(r).slice(0, 900) })],
  ["a 500 JSON message with the request", (r) => ({ status: 500, body: { json: { message: dump(r) } } })],
  ["a 400 JSON with the headers as an object", (r) => ({ status: 400, body: { json: { headers: r.headers } } })],
  [
    "a 400 with the headers percent-encoded",
    (r) => ({
      status: 400,
      body: Object.entries(r.headers).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")
    })
  ],
  [
    "a 400 with `/` JSON-escaped",
    (r) => ({ status: 400, body: JSON.stringify({ request: dump(r) }).replaceAll("/", "\\/") })
  ],
  ["a 403 with the request as its message", (r) => ({ status: 403, body: { json: { message: dump(r) } } })],
  ["a 410 with the request as its message", (r) => ({ status: 410, body: { json: { message: dump(r) } } })],
  [
    "a 429 with the token in the error type and request id",
    (r) => ({
      status: 429,
      headers: {
        "x-amzn-errortype": `Throttling${r.headers["x-amz-security-token"]}`,
        "x-amzn-requestid": r.headers["x-amz-security-token"],
        "x-amz-id-2": signatureOf(r)
      },
      body: { json: { message: dump(r) } }
    })
  ],
  [
    "an unmodelled error code quoting the authorization header",
    (r) => ({
      status: 400,
      body: { json: { code: "AccessDeniedException", Message: `denied: ${r.headers["authorization"]}` } }
    })
  ],
  [
    "a 200 GetConnection body that is the request",
    (r) => ({ status: 200, body: { json: { connectedAt: dump(r), identity: r.headers } } })
  ],
  ["a 200 GetConnection body that is not JSON", (r) => ({ status: 200, body: dump(r) })]
]

/** Every run of 16 characters of `secret`: none may appear in what a user could print. */
const pieces = (secret: string) =>
  Array.from({ length: Math.max(0, secret.length - 15) }, (_, i) => secret.slice(i, i + 16))

const printed = (exit: Exit.Exit<unknown, unknown>): Array<string> => {
  const texts = [String(exit), JSON.stringify(exit)]
  if (Exit.isFailure(exit)) {
    texts.push(Cause.pretty(exit.cause))
    for (const error of [Cause.squash(exit.cause), ...Cause.failures(exit.cause)]) {
      const e = error as any
      texts.push(String(e), JSON.stringify(e), e?.message ?? "", e?.stack ?? "", JSON.stringify(e?.cause ?? null))
      if (e?.error !== undefined) texts.push(String(e.error), JSON.stringify(e.error), e.error.message ?? "")
    }
  }
  return texts
}

const assertClean = (label: string, exit: Exit.Exit<unknown, unknown>, signatures: ReadonlyArray<string>) => {
  const all = printed(exit).join("\n")
  const forms = [TOKEN, encodeURIComponent(TOKEN), TOKEN.replaceAll("/", "\\/")]
  for (const form of forms) {
    for (const piece of pieces(form)) assert.notInclude(all, piece, `${label}: a piece of the session token`)
  }
  for (const signature of signatures) {
    for (const piece of pieces(signature)) assert.notInclude(all, piece, `${label}: a piece of the signature`)
  }
  assert.notInclude(all, SECRET, label)
}

const clientLayer = ApiGatewayManagementApi.layer({
  endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
  maxAttempts: 2,
  retrySchedule: Schedule.forever
}).pipe(Layer.provideMerge(Layer.mergeAll(TestHttp.layer(), credentials)))

describe("what a response quotes is scrubbed of what we sent", () => {
  for (const [name, echo] of echoes) {
    it.effect(name, () =>
      Effect.gen(function*() {
        const http = yield* TestHttp.TestHttp
        yield* http.setResponder(echo)
        const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
        const calls: Array<Effect.Effect<unknown, unknown>> = [
          api.postToConnection({ ConnectionId: "conn-1", Data: "payload" }),
          api.getConnection({ ConnectionId: "conn-1" }),
          api.deleteConnection({ ConnectionId: "conn-1" }),
          api.broadcast({ ConnectionIds: ["a", "b", "c", "d", "e", "f"], Data: "room", concurrency: 1 }),
          Stream.runDrain(api.broadcastStream({ ConnectionIds: ["a", "b", "c", "d", "e", "f"], Data: "room" }))
        ]
        for (const [i, call] of calls.entries()) {
          yield* http.reset
          yield* http.setResponder(echo)
          const exit = yield* Effect.exit(call)
          const signatures = (yield* http.requests).map(signatureOf)
          assert.isAbove(signatures.length, 0)
          assertClean(`${name}, call ${i}`, exit, signatures)
        }
      }).pipe(Effect.provide(clientLayer)))
  }

  it.effect("the errors still say what happened", () =>
    Effect.gen(function*() {
      const http = yield* TestHttp.TestHttp
      yield* http.setResponder((r) => ({ status: 502, body: dump(r) }))
      const error = yield* Effect.flip(ApiGatewayManagementApi.postToConnection({ ConnectionId: "c", Data: "p" }))
      assert.strictEqual(error._tag, "UnexpectedResponseError")
      assert.include(error.message, "HTTP 502: POST /prod/@connections/c")
      assert.include(error.message, "x-amz-security-token: [redacted]")
      assert.include(error.message, "authorization: [redacted]")
      yield* http.setResponder((r) => ({
        status: 400,
        body: { json: { code: "AccessDeniedException", Message: `denied: ${r.headers["authorization"]}` } }
      }))
      const denied = yield* Effect.flip(ApiGatewayManagementApi.postToConnection({ ConnectionId: "c", Data: "p" }))
      assert.strictEqual(denied._tag, "AwsServiceError")
      assert.include(denied.message, "AccessDeniedException: denied: [redacted]")
    }).pipe(Effect.provide(clientLayer)))
})
