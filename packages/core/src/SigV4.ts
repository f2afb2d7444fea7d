/**
 * AWS Signature Version 4 for the management API, through `@smithy/signature-v4` (the AWS SDK's signer) with a
 * `node:crypto` SHA-256: header signing for requests and query signing for presigned URLs. What is particular
 * to `execute-api` is here: the signing name, the canonical path encoded once more than the wire path, the headers
 * signed, a payload hash computed once for many requests, the presign query. Servers that check signatures (the
 * emulator) have their own verifier.
 *
 * Both signers return a `Promise`, as smithy's do: it rejects when the credentials cannot sign (an empty or ill-typed
 * key, a secret that is not `Redacted`), when the time is not a date, or when the request cannot be canonicalised.
 *
 * @since 0.1.0
 */
import { SignatureV4 } from "@smithy/signature-v4"
import * as Redacted from "effect/Redacted"
import * as crypto from "node:crypto"
import type { AwsCredentialIdentity } from "./AwsCredentials.js"
import { MAX_PRESIGN_EXPIRY } from "./Input.js"

/**
 * The signing name of the API Gateway Management API (and of every `execute-api` endpoint).
 *
 * @since 0.1.0
 * @category constants
 */
export const SERVICE = "execute-api"

/**
 * A request as the signer sees it. `path` is the wire path, already percent-encoded; the signer encodes it once more
 * for the canonical request, as every AWS service except S3 expects.
 *
 * @since 0.1.0
 * @category models
 */
export interface SignableRequest {
  readonly method: string
  readonly protocol?: string | undefined
  readonly hostname: string
  readonly path: string
  readonly query?: Record<string, string | Array<string>> | undefined
  readonly headers: Record<string, string>
  readonly body?: Uint8Array | string | undefined
}

/**
 * What a signature is made with: the credentials, the signing region and the signing time.
 *
 * @since 0.1.0
 * @category models
 */
export interface SigningOptions {
  readonly credentials: AwsCredentialIdentity
  readonly region: string
  /** Signing time in epoch milliseconds. */
  readonly time: number
  /** Defaults to `execute-api`. */
  readonly service?: string | undefined
  /** Add and sign `x-amz-content-sha256` (the AWS SDK for JavaScript v3 does). Default `false`. */
  readonly contentSha256?: boolean | undefined
  /** The body's {@link payloadHash}, when already known: a broadcast signs one body for many connections. */
  readonly payloadHash?: string | undefined
}

/** The header smithy takes the payload hash from, when a request carries it. */
const CONTENT_SHA256 = "x-amz-content-sha256"
const NOT_SENT = new Set([CONTENT_SHA256])
const EMPTY_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// One-shot hashing (Node 20.12+) costs less than a Hash object.
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: "hex") => string }).hash
const sha256Hex: (data: string | Uint8Array) => string = oneShot !== undefined ?
  (data) => oneShot("sha256", data, "hex") :
  (data) => crypto.createHash("sha256").update(data).digest("hex")

/**
 * The hex SHA-256 of a body, as the canonical request carries it.
 *
 * @since 0.1.0
 * @category signing
 */
export const payloadHash = (body: Uint8Array | string | undefined): string =>
  body === undefined || body.length === 0 ? EMPTY_HASH : sha256Hex(body)

/** Sets `record[key]` as an own property whatever the key: assigning `__proto__` would set the prototype instead. */
const put = <A>(record: Record<string, A>, key: string, value: A): void => {
  if (key === "__proto__") {
    Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true })
  } else record[key] = value
}

const lowerCased = (headers: Record<string, string>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name of Object.keys(headers)) put(out, name.toLowerCase(), headers[name])
  return out
}

const hasHeader = (headers: Record<string, string>, name: string): boolean =>
  Object.keys(headers).some((key) => key.toLowerCase() === name)

/**
 * SHA-256 and HMAC-SHA-256 on `node:crypto`, in the shape smithy's signer takes (`Checksum`): what it hashes
 * (canonical requests, strings to sign, signing keys) is small and given whole, so it is kept and hashed at once.
 */
class Sha256 {
  private hash: crypto.Hash | crypto.Hmac
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.make()
  }
  private make(): crypto.Hash | crypto.Hmac {
    const secret = this.secret
    return secret === undefined ?
      crypto.createHash("sha256") :
      crypto.createHmac("sha256", typeof secret === "string" ? secret : toBytes(secret))
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data)
  }
  digest(): Promise<Uint8Array> {
    const digest = this.hash.digest()
    return Promise.resolve(new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength))
  }
  reset(): void {
    this.hash = this.make()
  }
}

const toBytes = (data: ArrayBuffer | ArrayBufferView): Uint8Array =>
  ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data)

/** The secrets unwrapped for smithy, at the line that signs; throws (without them) when they cannot sign. */
const identity = ({ accessKeyId, secretAccessKey, sessionToken }: AwsCredentialIdentity) => {
  const secret: unknown = Redacted.value(secretAccessKey)
  const token: unknown = sessionToken === undefined ? undefined : Redacted.value(sessionToken)
  if (
    typeof accessKeyId !== "string" || accessKeyId === "" || typeof secret !== "string" || secret === "" ||
    (token !== undefined && typeof token !== "string")
  ) throw new TypeError("these credentials cannot sign: an empty or ill-typed key")
  return { accessKeyId, secretAccessKey: secret, ...(token === undefined ? {} : { sessionToken: token }) }
}

const signer = (options: SigningOptions) =>
  new SignatureV4({
    credentials: identity(options.credentials),
    region: options.region,
    service: options.service ?? SERVICE,
    sha256: Sha256,
    // The default, stated: the canonical path is the wire path encoded again (`%3D` -> `%253D`), normalised.
    uriEscapePath: true,
    applyChecksum: options.contentSha256 === true
  })

/** A query key smithy's canonical query cannot hold: it comes out as `[object Object]` (@smithy/signature-v4 5.7). */
const checkQuery = (query: SignableRequest["query"]): void => {
  if (query !== undefined && Object.hasOwn(query, "__proto__")) {
    throw new TypeError("a query key named __proto__ cannot be signed")
  }
}

/** The request as smithy's signer takes it, with these headers (`https:` unless another protocol is given). */
const smithyRequest = (request: SignableRequest, headers: Record<string, string>) => ({
  method: request.method,
  protocol: request.protocol ?? "https:",
  hostname: request.hostname,
  path: request.path,
  query: request.query ?? {},
  headers,
  body: request.body
})

/**
 * Signs a request with SigV4 and resolves to its headers (lower case) with `authorization`, `x-amz-date` and, for
 * temporary credentials, `x-amz-security-token` added. Every header passed in is signed but those the AWS SDKs never
 * sign (`user-agent`, `connection`, ...), so pass `host` and the content headers; an `authorization`, `x-amz-date`
 * or `date` passed in is dropped. With `payloadHash` the body is not hashed again, and no `x-amz-content-sha256` is
 * added unless `contentSha256` asks for it.
 *
 * @since 0.1.0
 * @category signing
 */
export const sign = async (request: SignableRequest, options: SigningOptions): Promise<Record<string, string>> => {
  checkQuery(request.query)
  const headers = lowerCased(request.headers)
  // A known hash goes to smithy in the header it reads the hash from; unsigned and removed unless asked for.
  const given = options.payloadHash !== undefined && !Object.hasOwn(headers, CONTENT_SHA256)
  if (given) headers[CONTENT_SHA256] = options.payloadHash!
  const hashOnly = given && options.contentSha256 !== true
  const signed = await signer(options).sign(smithyRequest(request, headers), {
    signingDate: new Date(options.time),
    ...(hashOnly ? { unsignableHeaders: NOT_SENT } : {})
  })
  if (hashOnly) delete signed.headers[CONTENT_SHA256]
  return signed.headers
}

/**
 * Presigns a request: resolves to its query parameters with `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
 * `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Security-Token` (signed) and `X-Amz-Signature` added, to append to
 * its URL. Headers named `x-amz-*` move into the query, as the AWS SDKs do; the other headers are signed (pass only
 * `host` for `X-Amz-SignedHeaders=host`). `expiresIn` is in seconds, a whole number from 1 to 604800 (7 days);
 * default 3600.
 *
 * @since 0.1.0
 * @category signing
 */
export const presign = async (
  request: SignableRequest,
  options: SigningOptions & { readonly expiresIn?: number | undefined }
): Promise<Record<string, string | Array<string>>> => {
  const expiresIn = options.expiresIn ?? 3600
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGN_EXPIRY) {
    throw new RangeError(`expiresIn must be a whole number of seconds from 1 to ${MAX_PRESIGN_EXPIRY}`)
  }
  checkQuery(request.query)
  const hashOnly = options.payloadHash !== undefined && !hasHeader(request.headers, CONTENT_SHA256)
  const headers = hashOnly ? { ...request.headers, [CONTENT_SHA256]: options.payloadHash! } : request.headers
  const presigned = await signer(options).presign(smithyRequest(request, headers), {
    signingDate: new Date(options.time),
    expiresIn,
    ...(hashOnly ? { unsignableHeaders: NOT_SENT, unhoistableHeaders: NOT_SENT } : {})
  })
  return presigned.query as Record<string, string | Array<string>>
}

/**
 * Formats epoch milliseconds as a SigV4 timestamp (`20150830T123600Z`).
 *
 * @since 0.1.0
 * @category signing
 */
export const formatAmzDate = (time: number): string => {
  const second = Math.floor(time / 1000)
  if (second !== lastSecond) {
    lastSecond = second
    lastAmzDate = new Date(second * 1000).toISOString().replace(/[-:]|\.\d{3}/g, "")
  }
  return lastAmzDate
}
// Requests come many a second: the formatted date of the last one is kept.
let lastSecond = Number.NaN
let lastAmzDate = ""
