/**
 * Reading an HTTP response body with a size limit, so that a broken or hostile server cannot make the process buffer
 * an arbitrarily large body. The declared `content-length` is checked before anything is read; a body of no declared
 * length is counted as it arrives, and reading stops (the stream is cancelled) as soon as it goes past the limit.
 *
 * @since 0.1.0
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Stream from "effect/Stream"

/**
 * A response body over the limit given to {@link read}: by its declared `content-length`, or by the bytes that
 * arrived. Only the limit is kept, none of the body.
 *
 * @since 0.1.0
 * @category errors
 */
export class BodyTooLarge extends Data.TaggedError("BodyTooLarge")<{
  /** The limit that was exceeded, in bytes. */
  readonly maxBytes: number
}> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `the response body exceeds ${this.maxBytes} bytes`
  }
}

/**
 * The options of {@link read}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReadOptions {
  /** The largest body accepted, in bytes: a non-negative integer. A body of exactly this size is read. */
  readonly maxBytes: number
}

const EMPTY = new Uint8Array(0)

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  if (chunks.length === 1) return chunks[0]
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

/**
 * Reads a response body whole, refusing more than `maxBytes` bytes with a {@link BodyTooLarge}: a declared
 * `content-length` over the limit is refused before anything is read; otherwise the bytes are counted as they arrive
 * and reading stops at the first chunk past the limit. A response without a body reads as empty. A failure to read
 * (the connection closed mid-body) is the response's `ResponseError`.
 *
 * @example
 * ```ts
 * import * as ResponseBody from "@effect-apigw/core/ResponseBody"
 * import * as HttpClient from "@effect/platform/HttpClient"
 * import * as Effect from "effect/Effect"
 *
 * const fetchSmall = (url: string) =>
 *   HttpClient.get(url).pipe(
 *     Effect.flatMap(ResponseBody.read({ maxBytes: 64 * 1024 })),
 *     Effect.map((bytes) => new TextDecoder().decode(bytes))
 *   )
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const read: {
  /**
   * @since 0.1.0
   */
  (
    options: ReadOptions
  ): (
    response: HttpClientResponse.HttpClientResponse
  ) => Effect.Effect<Uint8Array, BodyTooLarge | HttpClientError.ResponseError>
  /**
   * @since 0.1.0
   */
  (
    response: HttpClientResponse.HttpClientResponse,
    options: ReadOptions
  ): Effect.Effect<Uint8Array, BodyTooLarge | HttpClientError.ResponseError>
} = dual(2, (
  response: HttpClientResponse.HttpClientResponse,
  { maxBytes }: ReadOptions
): Effect.Effect<Uint8Array, BodyTooLarge | HttpClientError.ResponseError> => {
  // The comparisons are written `!(size <= maxBytes)` so that a limit that is not a number refuses any body.
  const declared = response.headers["content-length"]
  if (declared !== undefined && /^\d+$/.test(declared)) {
    if (!(Number(declared) <= maxBytes)) return Effect.fail(new BodyTooLarge({ maxBytes }))
    return Effect.map(response.arrayBuffer, (buffer) => new Uint8Array(buffer))
  }
  // A fresh record per run, so that the effect can be run again.
  return Effect.suspend(() =>
    Stream.runFoldWhile(
      response.stream,
      { size: 0, chunks: [] as Array<Uint8Array> },
      (read) => read.size <= maxBytes,
      (read, chunk) => {
        read.chunks.push(chunk)
        read.size += chunk.length
        return read
      }
    )
  ).pipe(
    Effect.flatMap(({ chunks, size }) =>
      size <= maxBytes ? Effect.succeed(concat(chunks, size)) : Effect.fail(new BodyTooLarge({ maxBytes }))
    ),
    // A response without a body (`Response(null)`) has no stream at all.
    Effect.catchIf(
      (error) => error._tag === "ResponseError" && error.reason === "EmptyBody",
      () => Effect.succeed(EMPTY)
    )
  )
})
