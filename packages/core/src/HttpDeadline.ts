/**
 * Time limits that an `HttpClient` enforces itself. The client bounds each attempt by its `requestTimeout`: with any
 * `HttpClient`, by running the attempt in a fiber of its own under a timer. An `HttpClient` that can bound its
 * requests directly (a timer on the socket) declares it with `HonouringClient`, provided beside it, and the
 * client then only gives each request its limit (`set`): no fiber, no timer of its own, no span (such a client
 * makes none). `Http.layer` of `@effect-apigw/layers` does so.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import { globalValue } from "effect/GlobalValue"

const deadlines = /* @__PURE__ */ globalValue(
  Symbol.for("@effect-apigw/core/HttpDeadline/deadlines"),
  () => new WeakMap<HttpClientRequest.HttpClientRequest, number>()
)

/**
 * Gives a request a time limit, in milliseconds, from when it is sent until its response body has arrived.
 *
 * @since 0.1.0
 * @category combinators
 */
export const set = (
  request: HttpClientRequest.HttpClientRequest,
  millis: number
): HttpClientRequest.HttpClientRequest => {
  deadlines.set(request, millis)
  return request
}

/**
 * The time limit {@link set} gave a request, if any.
 *
 * @since 0.1.0
 * @category getters
 */
export const get = (request: HttpClientRequest.HttpClientRequest): number | undefined => deadlines.get(request)

/**
 * The cause of the `RequestError` or `ResponseError` of a request that went past its time limit.
 *
 * @since 0.1.0
 * @category errors
 */
export class DeadlineExceeded extends Error {
  /**
   * The error code a socket timeout has.
   *
   * @since 0.1.0
   */
  readonly code = "ETIMEDOUT"
  /**
   * The time limit that was exceeded, in milliseconds.
   *
   * @since 0.1.0
   */
  readonly millis: number
  constructor(millis: number) {
    super(`no complete response within ${millis} ms`)
    this.millis = millis
  }
}

/**
 * The `HttpClient` that enforces the time limits {@link set} gives, provided beside it by its layer. The API Gateway client
 * relies on it only when it is the very `HttpClient` of its context (another layer providing an `HttpClient` over it
 * does not inherit it).
 *
 * @since 0.1.0
 * @category tags
 */
export class HonouringClient extends Context.Tag("@effect-apigw/core/HttpDeadline/HonouringClient")<
  HonouringClient,
  HttpClient.HttpClient
>() {}
