/**
 * A recording, scriptable `HttpClient` for tests: every request is kept, and each is answered by the next scripted
 * response or by a default responder.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"

/**
 * A request as the test client received it.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordedRequest {
  readonly method: string
  readonly url: URL
  /** Lower-case header names, in an object without a prototype (`headers.constructor` is only a header). */
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
}

/**
 * A scripted answer: an HTTP response (a `string`, bytes or a JSON value as body), or a transport failure with the
 * Node error code it should carry (`ECONNRESET`, `ECONNREFUSED`, `ETIMEDOUT`, ...).
 *
 * @since 0.1.0
 * @category models
 */
export type Scripted =
  | {
    readonly status: number
    readonly headers?: Readonly<Record<string, string>> | undefined
    readonly body?: string | Uint8Array | { readonly json: unknown } | undefined
  }
  | { readonly fail: string }

/**
 * Answers a request, when no scripted response is queued.
 *
 * @since 0.1.0
 * @category models
 */
export type Responder = (request: RecordedRequest) => Scripted | Effect.Effect<Scripted>

/**
 * The handle of the test client.
 *
 * @since 0.1.0
 * @category models
 */
export interface TestHttpService {
  /** The requests received so far, oldest first. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** Queues answers for the next requests. */
  readonly enqueue: (...responses: ReadonlyArray<Scripted>) => Effect.Effect<void>
  /** Replaces the responder used when the queue is empty. */
  readonly setResponder: (responder: Responder) => Effect.Effect<void>
  /** Forgets the recorded requests and the queued answers. */
  readonly reset: Effect.Effect<void>
}

/**
 * The tag of the test client's handle.
 *
 * @since 0.1.0
 * @category tags
 */
export class TestHttp extends Context.Tag("@effect-apigw/layers/TestHttp")<TestHttp, TestHttpService>() {}

const bodyBytes = (request: HttpClientRequest.HttpClientRequest): Uint8Array => {
  const body = request.body
  switch (body._tag) {
    case "Uint8Array":
      return body.body
    case "Raw":
      return typeof body.body === "string" ? new TextEncoder().encode(body.body) : new Uint8Array(0)
    default:
      return new Uint8Array(0)
  }
}

const toResponse = (request: HttpClientRequest.HttpClientRequest, scripted: Scripted) => {
  if ("fail" in scripted) {
    const cause = Object.assign(new Error(`scripted failure ${scripted.fail}`), { code: scripted.fail })
    return Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause }))
  }
  const body = scripted.body
  const headers = new Headers(scripted.headers)
  let payload: BodyInit | null = null
  if (typeof body === "string" || body instanceof Uint8Array) {
    payload = body as BodyInit
  } else if (body !== undefined) {
    payload = JSON.stringify(body.json)
    if (!headers.has("content-type")) headers.set("content-type", "application/json")
  }
  return Effect.succeed(
    HttpClientResponse.fromWeb(request, new Response(payload, { status: scripted.status, headers }))
  )
}

/**
 * A test `HttpClient` and its handle. Without a responder every request gets `200` with an empty body.
 *
 * @example
 * import { TestHttp } from "@effect-apigw/layers"
 * import { Effect } from "effect"
 *
 * const check = Effect.gen(function* () {
 *   const http = yield* TestHttp.TestHttp
 *   yield* http.enqueue({ status: 410, headers: { "x-amzn-errortype": "GoneException" } })
 *   // ... run the code under test, then:
 *   const requests = yield* http.requests
 *   return requests.length
 * }).pipe(Effect.provide(TestHttp.layer()))
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  responder: Responder = () => ({ status: 200 })
): Layer.Layer<HttpClient.HttpClient | TestHttp> =>
  Layer.effectContext(Effect.gen(function*() {
    const recorded = yield* Ref.make<ReadonlyArray<RecordedRequest>>([])
    const queue = yield* Ref.make<ReadonlyArray<Scripted>>([])
    const current = yield* Ref.make(responder)
    const client = HttpClient.make((request, url) =>
      Effect.gen(function*() {
        // keyed by the names the code under test sent: a null-prototype object, so that any name is only data
        const headers: Record<string, string> = Object.create(null)
        for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value
        const recordedRequest: RecordedRequest = { method: request.method, url, headers, body: bodyBytes(request) }
        yield* Ref.update(recorded, (all) => [...all, recordedRequest])
        const next = yield* Ref.modify(queue, (items) => [items[0], items.slice(1)] as const)
        const scripted = next ?? (yield* Effect.flatMap(Ref.get(current), (f) => {
          const answer = f(recordedRequest)
          return Effect.isEffect(answer) ? answer : Effect.succeed(answer)
        }))
        return yield* toResponse(request, scripted)
      })
    )
    const handle: TestHttpService = {
      requests: Ref.get(recorded),
      enqueue: (...responses) => Ref.update(queue, (items) => [...items, ...responses]),
      setResponder: (f) => Ref.set(current, f),
      reset: Effect.zipRight(Ref.set(recorded, []), Ref.set(queue, []))
    }
    return Context.make(HttpClient.HttpClient, client).pipe(Context.add(TestHttp, handle))
  }))
