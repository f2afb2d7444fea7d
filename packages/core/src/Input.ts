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

/**
 * What a value is, for an error message: never calls the value's own code (a `toString`, a getter) and never throws,
 * whatever the value.
 *
 * @since 0.1.0
 * @category validation
 */
export const describeType = (u: unknown): string => {
  if (u === null) return "null"
  if (Array.isArray(u)) return "an array"
  if (typeof u !== "object") return `a ${typeof u}`
  let tag: string
  try {
    // Reads `Symbol.toStringTag`, which a getter or a proxy could make throw.
    tag = Object.prototype.toString.call(u).slice(8, -1)
  } catch {
    tag = "Object"
  }
  return tag === "Object" ? "an object" : `a ${tag}`
}

/**
 * A value shown in an error message: strings and numbers as such (strings cut at 64 characters), anything else by
 * its type. Never throws, whatever the value (a `Symbol`, an object without a prototype, a throwing `toString`).
 *
 * @since 0.1.0
 * @category validation
 */
export const describeValue = (u: unknown): string => {
  if (typeof u === "string") return JSON.stringify(u.length > 64 ? u.slice(0, 61) + "..." : u)
  if (typeof u === "number" || typeof u === "boolean" || typeof u === "bigint" || u === undefined) return String(u)
  return describeType(u)
}

const encoder = new TextEncoder()
// Node's Buffer.from takes small strings from a shared pool: a third of TextEncoder's cost, the same bytes (lone
// surrogates become U+FFFD in both).
const utf8: (text: string) => Uint8Array = typeof Buffer === "function" ?
  (text) => Buffer.from(text, "utf8") :
  (text) => encoder.encode(text)

/** The bytes of `Data` that is bytes already, without a copy. */
const bytesOf = (data: Exclude<DataType, Blob | string>): Uint8Array =>
  data instanceof Uint8Array ?
    data :
    ArrayBuffer.isView(data) ?
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength) :
    new Uint8Array(data)

const tooLarge = (size: string, maxPayloadBytes: number) =>
  Either.left(
    new PayloadTooLargeException({
      Message: `Data is ${size} bytes; the limit is ${maxPayloadBytes} bytes (not sent)`,
      $metadata: { attempts: 0, totalRetryDelay: 0 }
    })
  )

const checkSize = (
  bytes: Uint8Array,
  maxPayloadBytes: number | false
): Either.Either<Uint8Array, PayloadTooLargeException> =>
  maxPayloadBytes !== false && bytes.byteLength > maxPayloadBytes ?
    tooLarge(String(bytes.byteLength), maxPayloadBytes) :
    Either.right(bytes)

/** The UTF-8 size of a string, without encoding it. */
const utf8Length: (text: string) => number = typeof Buffer === "function" ?
  (text) => Buffer.byteLength(text, "utf8") :
  (text) => {
    let size = 0
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c < 0x80) size += 1
      else if (c < 0x800) size += 2
      else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
        const next = text.charCodeAt(i + 1)
        if (next >= 0xdc00 && next < 0xe000) {
          size += 4
          i++
        } else size += 3
      } else size += 3
    }
    return size
  }

/**
 * A string as UTF-8, its size checked first when that needs no encoding: each UTF-16 unit is 1 to 3 bytes, so a string
 * longer than the limit is too large whatever it holds, and one of at most a third of it fits.
 */
const checkString = (
  text: string,
  maxPayloadBytes: number | false
): Either.Either<Uint8Array, PayloadTooLargeException> => {
  if (maxPayloadBytes === false || text.length * 3 <= maxPayloadBytes) return Either.right(utf8(text))
  if (text.length > maxPayloadBytes) return tooLarge(String(utf8Length(text)), maxPayloadBytes)
  return checkSize(utf8(text), maxPayloadBytes)
}

/** A Blob's declared size, or `undefined` when it cannot be read (an object made to pass as a Blob). */
const blobSize = (blob: Blob): number | undefined => {
  try {
    const size = blob.size
    return typeof size === "number" && size >= 0 ? size : undefined
  } catch {
    return undefined
  }
}

/**
 * Checks `Data` and returns its bytes (strings as UTF-8; binary data as is, not copied): anything but a string,
 * `ArrayBuffer`, `ArrayBufferView` or `Blob` is an `InvalidInputError`; more than `maxPayloadBytes` bytes a
 * `PayloadTooLargeException` with `$metadata.attempts` 0. Every size that is known without reading is checked before
 * anything is read or encoded (a `Blob`'s `size`, a string's length); the bytes read are checked again. Only a `Blob`
 * is read asynchronously: everything else answers with an `Either` (itself an `Effect`), on the hot path of every
 * post.
 *
 * @since 0.1.0
 * @category validation
 */
export const data = (
  value: unknown,
  maxPayloadBytes: number | false
): Effect.Effect<Uint8Array, InvalidInputError | PayloadTooLargeException> => {
  if (typeof value === "string") return checkString(value, maxPayloadBytes)
  if (!isData(value)) {
    return Either.left(
      invalid("Data", `expected a string, Uint8Array, ArrayBuffer, ArrayBufferView or Blob, got ${describeType(value)}`)
    )
  }
  if (typeof Blob === "undefined" || !(value instanceof Blob)) {
    return checkSize(bytesOf(value as Exclude<DataType, Blob | string>), maxPayloadBytes)
  }
  const size = blobSize(value)
  if (size === undefined) return Either.left(invalid("Data", "the Blob has no readable size"))
  if (maxPayloadBytes !== false && size > maxPayloadBytes) return tooLarge(String(size), maxPayloadBytes)
  return Effect.tryPromise({
    try: () => value.arrayBuffer(),
    catch: () => invalid("Data", "the Blob could not be read")
  }).pipe(
    Effect.flatMap((buffer): Effect.Effect<Uint8Array, InvalidInputError | PayloadTooLargeException> =>
      buffer instanceof ArrayBuffer ?
        checkSize(new Uint8Array(buffer), maxPayloadBytes) :
        Either.left(invalid("Data", "the Blob could not be read"))
    )
  )
}

/**
 * The client's method names that `generatePresignedUrl` can presign, with their HTTP methods.
 *
 * @since 0.1.0
 * @category constants
 */
export const PRESIGN_METHODS = {
  postToConnection: "POST",
  getConnection: "GET",
  deleteConnection: "DELETE"
} as const

/**
 * The longest validity of a presigned URL, in seconds (seven days).
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_PRESIGN_EXPIRY = 604800

/**
 * A checked `generatePresignedUrl` request.
 *
 * @since 0.1.0
 * @category models
 */
export interface PresignTarget {
  readonly clientMethod: keyof typeof PRESIGN_METHODS
  /** Upper case. */
  readonly method: string
  readonly expiresIn: number
  /** The connection id, encoded as one path segment. */
  readonly segment: string
}

/**
 * Checks a `generatePresignedUrl` request (`ClientMethod`, `HttpMethod`, `ExpiresIn` from 1 to 604800 seconds, default
 * 3600, and `Params.ConnectionId`; `Params.Data` is left to {@link data}).
 *
 * @since 0.1.0
 * @category validation
 */
export const presignTarget = (input: unknown): Either.Either<PresignTarget, InvalidInputError> => {
  const request = (typeof input === "object" && input !== null ? input : {}) as {
    readonly ClientMethod?: unknown
    readonly HttpMethod?: unknown
    readonly ExpiresIn?: unknown
    readonly Params?: { readonly ConnectionId?: unknown } | undefined
  }
  const clientMethod = request.ClientMethod
  if (typeof clientMethod !== "string" || !Object.hasOwn(PRESIGN_METHODS, clientMethod)) {
    return Either.left(invalid("ClientMethod", `expected one of ${Object.keys(PRESIGN_METHODS).join(", ")}`))
  }
  const method = request.HttpMethod ?? PRESIGN_METHODS[clientMethod as keyof typeof PRESIGN_METHODS]
  if (typeof method !== "string" || method.length > 32 || !/^[A-Za-z]+$/.test(method)) {
    return Either.left(invalid("HttpMethod", "expected an HTTP method name such as GET"))
  }
  const expiresIn = request.ExpiresIn ?? 3600
  if (
    typeof expiresIn !== "number" || !Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGN_EXPIRY
  ) {
    return Either.left(
      invalid(
        "ExpiresIn",
        `${describeValue(expiresIn)} is not a whole number of seconds from 1 to ${MAX_PRESIGN_EXPIRY}`
      )
    )
  }
  return Either.map(connectionIdSegment(request.Params?.ConnectionId), (segment) => ({
    clientMethod: clientMethod as keyof typeof PRESIGN_METHODS,
    method: method.toUpperCase(),
    expiresIn,
    segment
  }))
}
