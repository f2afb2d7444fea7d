/**
 * Server-side SigV4: parses the `Authorization` header and presigned-URL parameters of received requests and checks
 * their signatures against known credentials, as API Gateway does. A verifier on `node:crypto`, written from the
 * specification apart from the client's signer (`@smithy/signature-v4`): the canonical request is rebuilt from the
 * request as received (the wire path encoded once more and normalised, the query, the signed headers, the body's
 * hash) and the signature compared in constant time.
 */
import type { AwsCredentialIdentity } from "@effect-apigw/core/AwsCredentials"
import { MAX_PRESIGN_EXPIRY } from "@effect-apigw/core/Input"
import { formatAmzDate, payloadHash, SERVICE, type SignableRequest } from "@effect-apigw/core/SigV4"
import * as Redacted from "effect/Redacted"
import { createHash, createHmac, timingSafeEqual } from "node:crypto"

/** Sets `record[key]` as an own property whatever the key: assigning `__proto__` would set the prototype instead. */
const put = <A>(record: Record<string, A>, key: string, value: A): void => {
  if (key === "__proto__") {
    Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true })
  } else record[key] = value
}

/** `record[key]` when it is the record's own property: never something inherited, such as `constructor`. */
const own = <A>(record: Readonly<Record<string, A>>, key: string): A | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined

/** RFC 3986 encoding: everything but unreserved characters. */
const escapeUri = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())

/** The canonical URI: segments normalised (no empty, `.` or `..` ones) and encoded once more. */
const canonicalPath = (path: string): string => {
  const segments: Array<string> = []
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue
    if (segment === "..") segments.pop()
    else segments.push(escapeUri(segment))
  }
  const trailing = segments.length > 0 && path.endsWith("/") ? "/" : ""
  return `${path.startsWith("/") ? "/" : ""}${segments.join("/")}${trailing}`
}

/** The canonical query: pairs encoded, sorted by key and then value, `X-Amz-Signature` left out. */
const canonicalQuery = (query: SignableRequest["query"]): string => {
  if (query === undefined) return ""
  const pairs: Array<readonly [string, string]> = []
  for (const key of Object.keys(query)) {
    if (key.toLowerCase() === "x-amz-signature") continue
    const encodedKey = escapeUri(key)
    for (const value of [query[key]].flat()) pairs.push([encodedKey, escapeUri(value)])
  }
  return pairs.sort(([a, x], [b, y]) => a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0)
    .map(([key, value]) => `${key}=${value}`).join("&")
}

const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest()

/** The signature these credentials give the canonical request made of these parts. */
const signatureOf = (
  request: SignableRequest,
  headers: Readonly<Record<string, string>>,
  names: ReadonlyArray<string>,
  bodyHash: string,
  amzDate: string,
  scope: { readonly region: string; readonly service: string },
  credentials: AwsCredentialIdentity
): string => {
  let canonicalHeaders = ""
  for (const name of names) {
    canonicalHeaders += `${name}:${
      headers[name].replace(/[\r\n]/g, " ").replace(/[ \t]+/g, " ").replace(/^ | $/g, "")
    }\n`
  }
  const canonicalRequest = `${request.method}\n${canonicalPath(request.path)}\n${
    canonicalQuery(request.query)
  }\n${canonicalHeaders}\n${names.join(";")}\n${bodyHash}`
  const date = amzDate.slice(0, 8)
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${date}/${scope.region}/${scope.service}/aws4_request\n${
    createHash("sha256").update(canonicalRequest, "utf8").digest("hex")
  }`
  const key = hmac(
    hmac(hmac(hmac(`AWS4${Redacted.value(credentials.secretAccessKey)}`, date), scope.region), scope.service),
    "aws4_request"
  )
  return hmac(key, stringToSign).toString("hex")
}

const sameSignature = (expected: string, received: string): boolean =>
  timingSafeEqual(Buffer.from(expected), Buffer.from(received))

/**
 * Parses a SigV4 timestamp (`20150830T123600Z`) to epoch milliseconds, or `undefined` when malformed.
 *
 * @since 0.1.0
 * @category verification
 */
export const parseAmzDate = (value: string): number | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  if (m === null) return undefined
  const time = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])
  return formatAmzDate(time) === value ? time : undefined
}

/**
 * The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header.
 *
 * @since 0.1.0
 * @category models
 */
export interface Authorization {
  readonly accessKeyId: string
  readonly date: string
  readonly region: string
  readonly service: string
  readonly signedHeaders: ReadonlyArray<string>
  readonly signature: string
}

/**
 * Parses an `Authorization` header, or returns `undefined` when it is not a well-formed SigV4 one.
 *
 * @since 0.1.0
 * @category verification
 */
export const parseAuthorization = (header: string): Authorization | undefined => {
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request, ?SignedHeaders=([a-z0-9!#$%&'*+.^_`|~;-]+), ?Signature=([0-9a-f]{64})$/
      .exec(header.trim())
  if (m === null) return undefined
  return {
    accessKeyId: m[1],
    date: m[2],
    region: m[3],
    service: m[4],
    signedHeaders: m[5].split(";"),
    signature: m[6]
  }
}

/**
 * Why a signature was refused by {@link verify} or {@link verifyPresigned}.
 *
 * @since 0.1.0
 * @category models
 */
export type VerifyFailure =
  | "MissingAuthentication"
  | "MalformedAuthorization"
  | "UnknownAccessKey"
  | "WrongScope"
  | "StaleDate"
  | "Expired"
  | "SignatureMismatch"

/**
 * What a signature is checked against: the credentials, the scope (region, service) and the time.
 *
 * @since 0.1.0
 * @category verification
 */
export interface VerifyOptions {
  readonly credentials: AwsCredentialIdentity
  readonly region?: string | undefined
  /** The signing name requests must be scoped to. Defaults to `execute-api`. */
  readonly service?: string | undefined
  readonly now: number
  readonly maxSkewMillis?: number | undefined
}

const DEFAULT_SKEW = 5 * 60_000

const tokenOf = (credentials: AwsCredentialIdentity): string | undefined =>
  credentials.sessionToken === undefined ? undefined : Redacted.value(credentials.sessionToken)

/**
 * Checks the SigV4 signature of a received request against known credentials: the key id must match, the
 * `x-amz-date` be within `maxSkewMillis` (default 5 minutes) of `now`, and the signature over the signed headers,
 * path and body be the one these credentials produce. A session token must be signed when the credentials carry
 * one, and be theirs. `request.headers` are the received headers, lower case.
 *
 * @since 0.1.0
 * @category verification
 */
export const verify = async (
  request: SignableRequest,
  options: VerifyOptions
): Promise<VerifyFailure | undefined> => {
  const header = own(request.headers, "authorization")
  if (header === undefined) return "MissingAuthentication"
  const auth = parseAuthorization(header)
  const amzDate = own(request.headers, "x-amz-date")
  const time = amzDate === undefined ? undefined : parseAmzDate(amzDate)
  if (auth === undefined || amzDate === undefined || time === undefined || !auth.signedHeaders.includes("host")) {
    return "MalformedAuthorization"
  }
  if (auth.accessKeyId !== options.credentials.accessKeyId) return "UnknownAccessKey"
  if (
    auth.service !== (options.service ?? SERVICE) || auth.date !== amzDate.slice(0, 8) ||
    (options.region !== undefined && auth.region !== options.region)
  ) return "WrongScope"
  if (Math.abs(options.now - time) > (options.maxSkewMillis ?? DEFAULT_SKEW)) return "StaleDate"
  // The date must be signed (or it could be moved), and a signature cannot cover the header that carries it.
  if (!auth.signedHeaders.includes("x-amz-date") || auth.signedHeaders.includes("authorization")) {
    return "SignatureMismatch"
  }
  const headers: Record<string, string> = {}
  for (const name of auth.signedHeaders) {
    // Names come from the request: `constructor` or `__proto__` must not find Object.prototype's.
    const value = own(request.headers, name)
    if (value === undefined) return "SignatureMismatch"
    put(headers, name, value)
  }
  // The session token: signed, and the credentials', whenever they carry one; else not signed at all.
  if (own(headers, "x-amz-security-token") !== tokenOf(options.credentials)) return "SignatureMismatch"
  // A signed payload hash stands in for the body in the canonical request: it must be the body's.
  const bodyHash = payloadHash(request.body)
  const claimed = own(headers, "x-amz-content-sha256")
  if (claimed !== undefined && claimed !== bodyHash) return "SignatureMismatch"
  const names = [...new Set(auth.signedHeaders)].sort()
  const expected = signatureOf(request, headers, names, bodyHash, amzDate, auth, options.credentials)
  return sameSignature(expected, auth.signature) ? undefined : "SignatureMismatch"
}

/**
 * The `X-Amz-*` parameters of a presigned URL.
 *
 * @since 0.1.0
 * @category models
 */
export interface Presigned extends Authorization {
  /** `X-Amz-Date`, as `20150830T123600Z`. */
  readonly amzDate: string
  /** `X-Amz-Date` in epoch milliseconds. */
  readonly time: number
  /** `X-Amz-Expires`, in seconds (1 to 604800). */
  readonly expiresIn: number
  readonly securityToken: string | undefined
}

const CREDENTIAL = /^([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request$/
const SIGNED_HEADERS = /^[a-z0-9!#$%&'*+.^_`|~-]+(?:;[a-z0-9!#$%&'*+.^_`|~-]+)*$/

/** A query parameter given once; `undefined` when absent or repeated. */
const single = (query: SignableRequest["query"], name: string): string | undefined => {
  const value = query === undefined ? undefined : own(query, name)
  return typeof value === "string" ? value : undefined
}

/**
 * Parses the `X-Amz-*` parameters of a presigned request's query, or returns `undefined` when they are missing,
 * repeated or malformed.
 *
 * @since 0.1.0
 * @category verification
 */
export const parsePresigned = (query: SignableRequest["query"]): Presigned | undefined => {
  const credential = CREDENTIAL.exec(single(query, "X-Amz-Credential") ?? "")
  const amzDate = single(query, "X-Amz-Date") ?? ""
  const time = parseAmzDate(amzDate)
  const expires = single(query, "X-Amz-Expires") ?? ""
  const expiresIn = /^\d{1,6}$/.test(expires) ? Number(expires) : 0
  const signedHeaders = single(query, "X-Amz-SignedHeaders") ?? ""
  const signature = single(query, "X-Amz-Signature") ?? ""
  const token = query === undefined ? undefined : own(query, "X-Amz-Security-Token")
  if (
    single(query, "X-Amz-Algorithm") !== "AWS4-HMAC-SHA256" || credential === null || time === undefined ||
    expiresIn < 1 || expiresIn > MAX_PRESIGN_EXPIRY || !SIGNED_HEADERS.test(signedHeaders) ||
    !/^[0-9a-f]{64}$/.test(signature) || Array.isArray(token)
  ) return undefined
  return {
    accessKeyId: credential[1],
    date: credential[2],
    region: credential[3],
    service: credential[4],
    signedHeaders: signedHeaders.split(";"),
    signature,
    amzDate,
    time,
    expiresIn,
    securityToken: token
  }
}

/**
 * Checks a presigned request (its signature in the query) against known credentials, as AWS does for every service
 * but S3: the signature must be the one these credentials produce over the method, path, every query parameter,
 * the headers named in `X-Amz-SignedHeaders` (with `host` among them) as received, and the hash of the body as
 * received; a signed `X-Amz-Content-Sha256` must be that hash. The URL must be within its `X-Amz-Expires` of its
 * `X-Amz-Date` (`"Expired"`), and not dated more than `maxSkewMillis` ahead of `now` (`"StaleDate"`).
 * `request.query` is the received query (`X-Amz-*` included), `request.headers` the received headers, lower case.
 *
 * @since 0.1.0
 * @category verification
 */
export const verifyPresigned = (
  request: SignableRequest,
  options: VerifyOptions
): VerifyFailure | undefined => {
  const query = request.query
  if (query === undefined || !Object.hasOwn(query, "X-Amz-Signature")) return "MissingAuthentication"
  const presigned = parsePresigned(query)
  if (presigned === undefined || !presigned.signedHeaders.includes("host")) return "MalformedAuthorization"
  if (options.now > presigned.time + presigned.expiresIn * 1000) return "Expired"
  if (presigned.time > options.now + (options.maxSkewMillis ?? DEFAULT_SKEW)) return "StaleDate"
  if (presigned.accessKeyId !== options.credentials.accessKeyId) return "UnknownAccessKey"
  if (
    presigned.service !== (options.service ?? SERVICE) || presigned.date !== presigned.amzDate.slice(0, 8) ||
    (options.region !== undefined && presigned.region !== options.region)
  ) return "WrongScope"
  if (presigned.securityToken !== tokenOf(options.credentials)) return "UnknownAccessKey"
  const headers: Record<string, string> = {}
  for (const name of presigned.signedHeaders) {
    const value = own(request.headers, name)
    if (value === undefined) return "SignatureMismatch"
    put(headers, name, value)
  }
  // The canonical request carries the hash of the body received; a signed claim of another hash is refused.
  const bodyHash = payloadHash(request.body)
  for (const name of ["X-Amz-Content-Sha256", "x-amz-content-sha256"]) {
    const claimed = own(query, name)
    if (claimed !== undefined && claimed !== bodyHash) return "SignatureMismatch"
  }
  const expected = signatureOf(
    request,
    headers,
    presigned.signedHeaders,
    bodyHash,
    presigned.amzDate,
    presigned,
    options.credentials
  )
  return sameSignature(expected, presigned.signature) ? undefined : "SignatureMismatch"
}
