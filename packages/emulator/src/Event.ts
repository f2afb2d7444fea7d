/**
 * The events an API Gateway WebSocket API hands to a Lambda proxy integration, the results handlers return, and the
 * handler type the emulator runs for each route. The events are `Lambda.WebSocketEvent`s of `@effect-apigw/core`, so a
 * handler builds its management client from its event as on Lambda, with `Lambda.layerFromEvent(event)` (or the
 * endpoint alone, `Lambda.endpointFromEvent(event)`).
 *
 * @since 0.1.0
 */
import type * as Lambda from "@effect-apigw/core/Lambda"
import type * as Effect from "effect/Effect"

/**
 * `CONNECT` for `$connect`, `DISCONNECT` for `$disconnect`, `MESSAGE` for every other route.
 *
 * @since 0.1.0
 * @category models
 */
export type EventType = Lambda.EventType

/**
 * The `requestContext` of a WebSocket event, as API Gateway sends it to a Lambda proxy integration: core's
 * `Lambda.RequestContext`, with the fields the emulator always sets made required.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestContext extends Lambda.RequestContext {
  readonly extendedRequestId: string
  readonly requestTime: string
  readonly messageDirection: "IN"
  readonly requestTimeEpoch: number
  /** The client's address, and its `User-Agent` when it sent one. */
  readonly identity: Pick<Lambda.RequestContext["identity"], "sourceIp" | "userAgent">
  /**
   * The API's host, e.g. `127.0.0.1:3001` (on AWS `abc123.execute-api.us-east-1.amazonaws.com`): the emulator's own
   * address, never the `Host` header a client sent, so that a handler's management calls cannot be sent elsewhere.
   */
  readonly domainName: string
}

/**
 * The event a route handler receives: core's `Lambda.WebSocketEvent`, with `headers` and `queryStringParameters` on
 * `$connect` (no `undefined` or `null` values), `body` on messages.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebSocketEvent extends Lambda.WebSocketEvent {
  readonly requestContext: RequestContext
  readonly headers?: Record<string, string> | undefined
  readonly multiValueHeaders?: Record<string, ReadonlyArray<string>> | undefined
  readonly queryStringParameters?: Record<string, string> | undefined
  readonly multiValueQueryStringParameters?: Record<string, ReadonlyArray<string>> | undefined
  readonly body?: string | undefined
}

/**
 * What a handler returns. On `$connect` a `statusCode` outside 2xx rejects the handshake; on messages a `body` is
 * sent back to the calling connection as the route response.
 *
 * @since 0.1.0
 * @category models
 */
export interface HandlerResult {
  readonly statusCode?: number | undefined
  readonly body?: string | undefined
  readonly isBase64Encoded?: boolean | undefined
  readonly headers?: Record<string, string> | undefined
}

/**
 * The subset of the Lambda `context` object the emulator passes to handlers.
 *
 * @since 0.1.0
 * @category models
 */
export interface LambdaContext {
  readonly awsRequestId: string
  readonly functionName: string
  readonly functionVersion: string
  readonly invokedFunctionArn: string
  readonly memoryLimitInMB: string
  readonly logGroupName: string
  readonly logStreamName: string
  callbackWaitsForEmptyEventLoop: boolean
  readonly getRemainingTimeInMillis: () => number
}

/**
 * A route handler: an Effect-returning function (its requirements `R` come from the emulator's layer), or a plain
 * Lambda handler `async (event, context) => ({ statusCode, body })`. Returning nothing means 200 with no body.
 *
 * @since 0.1.0
 * @category models
 */
export type Handler<R = never> = (
  event: WebSocketEvent,
  context: LambdaContext
) =>
  | Effect.Effect<HandlerResult | void | undefined, unknown, R>
  | PromiseLike<HandlerResult | void | undefined>
  | HandlerResult
  | void
  | undefined

/**
 * Route handlers by route key: `$connect`, `$disconnect`, `$default` and custom keys chosen by the route
 * selection expression.
 *
 * @since 0.1.0
 * @category models
 */
export type Routes<R = never> = { readonly [routeKey: string]: Handler<R> }

/**
 * The message of an event as bytes (decoding base64 for binary frames).
 *
 * @since 0.1.0
 * @category accessors
 */
export const bodyBytes = (event: WebSocketEvent): Uint8Array =>
  event.body === undefined
    ? new Uint8Array(0)
    : event.isBase64Encoded
    ? new Uint8Array(Buffer.from(event.body, "base64"))
    : new TextEncoder().encode(event.body)
