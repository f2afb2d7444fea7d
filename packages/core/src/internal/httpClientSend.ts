import { TransportError } from "@effect-apigw/schema/Errors"
import type { ResponseMetadata } from "@effect-apigw/schema/ResponseMetadata"
import * as HttpBody from "@effect/platform/HttpBody"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { constFalse, constTrue } from "effect/Function"
import { globalValue } from "effect/GlobalValue"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { RawResponse } from "./response.js"
import { transportFailure } from "./response.js"
import type { Send, SendContext } from "./send.js"
import { timeout } from "./timeout.js"

/*
 * The generic path: any `HttpClient` of `@effect/platform`. Only this module imports the platform's HTTP modules
 * (which bring `effect/Schema`): a bundle of a client on `layerTransport` leaves it out. The two tracing settings
 * below are the platform's own `FiberRef`s, found by their global keys (a test fails if a platform upgrade renames
 * them: it counts the spans).
 */

const tracerDisabledWhen = /* @__PURE__ */ globalValue(
  Symbol.for("@effect/platform/HttpClient/tracerDisabledWhen"),
  () => FiberRef.unsafeMake<(request: HttpClientRequest.HttpClientRequest) => boolean>(constFalse)
)

const tracerPropagation = /* @__PURE__ */ globalValue(
  Symbol.for("@effect/platform/HttpClient/currentTracerPropagation"),
  () => FiberRef.unsafeMake(true)
)

/**
 * Sends through the `HttpClient` interface. The operation's own span replaces the HTTP client's, which would record
 * every header, the session token too; no trace headers are added to the signed request either.
 */
export const fromHttpClient = (client: HttpClient.HttpClient) => (context: SendContext): Send => {
  const origin = `${context.endpoint.protocol}//${context.endpoint.host}`
  return (method, path, headers, body, metadata) => {
    const request = HttpClientRequest.make(method)(origin + path, {
      headers,
      ...(body === undefined ? {} : { body: HttpBody.uint8Array(body, "application/octet-stream") })
    })
    return client.execute(request).pipe(
      Effect.flatMap((response) =>
        Effect.flatMap(readBody(response, context.maxResponseBytes), (bytes) =>
          bytes === "TooLarge" ?
            Effect.fail(context.tooLarge({ ...metadata, httpStatusCode: response.status })) :
            Effect.succeed<RawResponse>({ status: response.status, headers: response.headers, body: bytes }))
      ),
      Effect.catchTags({
        RequestError: (error) => Effect.fail(transportError(error, metadata)),
        ResponseError: (error) => Effect.fail(transportError(error, metadata))
      }),
      Effect.locally(tracerDisabledWhen, constTrue),
      Effect.locally(tracerPropagation, false),
      (effect) => timeout(effect, context.timeoutMillis, () => context.timedOut(metadata))
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
const transportError = (
  error: HttpClientError.HttpClientError,
  metadata: ResponseMetadata
): TransportError => {
  if (error._tag === "RequestError" && error.reason === "InvalidUrl") {
    return new TransportError({ reason: "InvalidUrl", description: "the request URL is invalid", $metadata: metadata })
  }
  const cause = error.cause
  const message = cause instanceof Error ? cause.message : typeof cause === "string" ? cause : "transport failure"
  return transportFailure(codeOf(cause), message, metadata)
}

/**
 * Reads a response body, refusing more than `limit` bytes: the declared `content-length` is checked first, then the
 * bytes that actually arrive.
 */
const readBody = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number
): Effect.Effect<Uint8Array | "TooLarge", HttpClientError.ResponseError> => {
  const declared = response.headers["content-length"]
  if (declared !== undefined && /^\d+$/.test(declared)) {
    if (Number(declared) > limit) return Effect.succeed("TooLarge")
    return Effect.map(response.arrayBuffer, (buffer) => new Uint8Array(buffer))
  }
  return response.stream.pipe(
    Stream.scan({ size: 0, chunks: Chunk.empty<Uint8Array>() }, (acc, chunk) => ({
      size: acc.size + chunk.length,
      chunks: Chunk.append(acc.chunks, chunk)
    })),
    Stream.takeUntil((acc) => acc.size > limit),
    Stream.runLast,
    Effect.map(Option.match({
      onNone: () => new Uint8Array(0),
      onSome: ({ chunks, size }) => {
        if (size > limit) return "TooLarge" as const
        const out = new Uint8Array(size)
        let offset = 0
        for (const chunk of chunks) {
          out.set(chunk, offset)
          offset += chunk.length
        }
        return out
      }
    })),
    // A response without a body (`Response(null)`) has no stream at all.
    Effect.catchIf((error) => error.reason === "EmptyBody", () => Effect.succeed(new Uint8Array(0)))
  )
}
