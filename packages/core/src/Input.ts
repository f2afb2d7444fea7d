/**
 * The checks every input gets before any request: a `ConnectionId` that addresses exactly one connection, and `Data`
 * of a sendable type and size. Shared by the client and by other implementations of the service (the test fake).
 *
 * @since 0.1.0
 */
import { InvalidInputError, PayloadTooLargeException } from "@effect-apigw/schema/Errors"
import { type Data as DataType, isData } from "@effect-apigw/schema/Models"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Endpoint from "./Endpoint.js"

/**
 * The longest `ConnectionId` accepted (API Gateway's are 16 characters).
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_CONNECTION_ID_LENGTH = 1024

const invalid = (field: string, description: string) => new InvalidInputError({ field, description })

/**
 * Checks a `ConnectionId` and returns it encoded as one path segment: a non-empty string of at most
 * {@link MAX_CONNECTION_ID_LENGTH} characters, well-formed Unicode, and not `.` or `..` (which would address
 * another path).
 *
 * @since 0.1.0
 * @category validation
 */
export const connectionIdSegment = (connectionId: unknown): Either.Either<string, InvalidInputError> => {
  if (typeof connectionId !== "string") {
    return Either.left(
      invalid("ConnectionId", `expected a string, got ${connectionId === null ? "null" : typeof connectionId}`)
    )
  }
  if (connectionId === "") return Either.left(invalid("ConnectionId", "must not be empty"))
  if (connectionId.length > MAX_CONNECTION_ID_LENGTH) {
    return Either.left(
      invalid("ConnectionId", `is ${connectionId.length} characters; at most ${MAX_CONNECTION_ID_LENGTH} are accepted`)
    )
  }
  if (connectionId === "." || connectionId === "..") {
    return Either.left(invalid("ConnectionId", `"${connectionId}" would address another path`))
  }
  const segment = Endpoint.encodeSegment(connectionId)
  return segment === undefined ?
    Either.left(invalid("ConnectionId", "is not well-formed Unicode (it holds a lone surrogate)")) :
    Either.right(segment)
}

const describeType = (u: unknown): string =>
  u === null
    ? "null"
    : Array.isArray(u)
    ? "an array"
    : typeof u === "object"
    ? `a ${u.constructor?.name ?? "object"}`
    : `a ${typeof u}`

const encoder = new TextEncoder()

/** The bytes of `Data`, without a copy where it already is bytes. */
const encode = (data: DataType): Effect.Effect<Uint8Array, InvalidInputError> => {
  if (typeof data === "string") return Effect.succeed(encoder.encode(data))
  if (data instanceof Uint8Array) return Effect.succeed(data)
  if (ArrayBuffer.isView(data)) return Effect.succeed(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
  if (data instanceof ArrayBuffer) return Effect.succeed(new Uint8Array(data))
  return Effect.tryPromise({
    try: () => data.arrayBuffer(),
    catch: () => invalid("Data", "the Blob could not be read")
  }).pipe(Effect.map((buffer) => new Uint8Array(buffer)))
}

/**
 * Checks `Data` and returns its bytes (strings as UTF-8; binary data as is, not copied): anything but a string,
 * `ArrayBuffer`, `ArrayBufferView` or `Blob` is an `InvalidInputError`; more than `maxPayloadBytes` bytes a
 * `PayloadTooLargeException` with `$metadata.attempts` 0.
 *
 * @since 0.1.0
 * @category validation
 */
export const data = (
  value: unknown,
  maxPayloadBytes: number | false
): Effect.Effect<Uint8Array, InvalidInputError | PayloadTooLargeException> => {
  if (!isData(value)) {
    return Effect.fail(
      invalid("Data", `expected a string, Uint8Array, ArrayBuffer, ArrayBufferView or Blob, got ${describeType(value)}`)
    )
  }
  return Effect.flatMap(encode(value), (bytes) =>
    maxPayloadBytes !== false && bytes.byteLength > maxPayloadBytes ?
      Effect.fail(
        new PayloadTooLargeException({
          Message: `Data is ${bytes.byteLength} bytes; the limit is ${maxPayloadBytes} bytes (not sent)`,
          $metadata: { attempts: 0, totalRetryDelay: 0 }
        })
      ) :
      Effect.succeed(bytes))
}
