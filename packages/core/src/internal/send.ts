import { TransportError, UnexpectedResponseError } from "@effect-apigw/schema/Errors"
import type { ResponseMetadata } from "@effect-apigw/schema/ResponseMetadata"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { constTrue } from "effect/Function"
import * as HttpDeadline from "../HttpDeadline.js"
import * as ResponseBody from "../ResponseBody.js"
import { type RawResponse, transportFailure } from "./response.js"
import { timeout } from "./timeout.js"

/** One signed request. The path is sent as it is (already percent-encoded). */
export interface Request {
  readonly method: "POST" | "GET" | "DELETE"
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: Uint8Array | undefined
  readonly metadata: ResponseMetadata
}

/** Sends one signed request and reads its response; the client's only way out. */
export type Send = (request: Request) => Effect.Effect<RawResponse, TransportError | UnexpectedResponseError>

/**
 * Sends through an `HttpClient`, whichever it is. Its own span is turned off: the operation's span replaces it (the
 * HTTP client's would record every header, the session token too), and no trace headers are added to the signed
 * request. Each attempt is bounded by `requestTimeout` (interrupting it aborts the request), and so is the size of
 * the response body.
 */
export const make = (
  { client, honoursDeadline, maxResponseBytes, origin, requestTimeout }: {
    readonly client: HttpClient.HttpClient
    /** The client enforces the time limits of `HttpDeadline.set` itself. */
    readonly honoursDeadline: boolean
    readonly origin: string
    readonly requestTimeout: Duration.Duration
    readonly maxResponseBytes: number
  }
): Send => {
  // With the tracer off, the HttpClient adds no trace headers either (which would not be signed). One that honours
  // deadlines makes no span.
  const quiet = honoursDeadline ? client : HttpClient.withTracerDisabledWhen(client, constTrue)
  const timeoutMillis = Duration.toMillis(requestTimeout)
  const timedOut = ($metadata: ResponseMetadata) =>
    new TransportError({
      reason: "Timeout",
      description: `no complete response within ${Duration.format(requestTimeout)}`,
      $metadata
    })
  const failure = (error: HttpClientError.HttpClientError, metadata: ResponseMetadata) =>
    error.cause instanceof HttpDeadline.DeadlineExceeded ? timedOut(metadata) : transportError(error, metadata)
  return ({ body, headers, metadata, method, path }) => {
    const request = HttpClientRequest.make(method)(origin + path, {
      headers,
      ...(body === undefined ? {} : { body: HttpBody.uint8Array(body, "application/octet-stream") })
    })
    return quiet.execute(honoursDeadline ? HttpDeadline.set(request, timeoutMillis) : request).pipe(
      Effect.flatMap((response) =>
        ResponseBody.read(response, { maxBytes: maxResponseBytes }).pipe(
          Effect.map((bytes): RawResponse => ({ status: response.status, headers: response.headers, body: bytes })),
          Effect.catchTag("BodyTooLarge", () =>
            Effect.fail(
              new UnexpectedResponseError({
                reason: "Body",
                description: `the response body exceeds ${maxResponseBytes} bytes`,
                $metadata: { ...metadata, httpStatusCode: response.status }
              })
            ))
        )
      ),
      Effect.catchTags({
        RequestError: (error) => Effect.fail(failure(error, metadata)),
        ResponseError: (error) => Effect.fail(failure(error, metadata))
      }),
      (effect) => honoursDeadline ? effect : timeout(effect, timeoutMillis, () => timedOut(metadata))
    )
  }
}

const codeOf = (cause: unknown): string | undefined => {
  for (let current = cause, depth = 0; current !== null && typeof current === "object" && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string") return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** Maps a failure to send a request or read its response. Only the cause's message and code are kept. */
const transportError = (error: HttpClientError.HttpClientError, metadata: ResponseMetadata): TransportError => {
  if (error._tag === "RequestError" && error.reason === "InvalidUrl") {
    return new TransportError({ reason: "InvalidUrl", description: "the request URL is invalid", $metadata: metadata })
  }
  const cause = error.cause
  const message = cause instanceof Error ? cause.message : typeof cause === "string" ? cause : "transport failure"
  return transportFailure(codeOf(cause), message, metadata)
}
