/**
 * AWS Signature Version 4 for the management API, on `node:crypto`: header signing for requests, query signing for
 * presigned URLs, and verification for servers (the emulator) that check signatures. It follows the official test
 * suite, and the tests hold it to `@smithy/signature-v4` (the AWS SDK's signer) on thousands of requests.
 *
 * @since 0.1.0
 */
import * as Redacted from "effect/Redacted"
import * as crypto from "node:crypto"
import { createHash, createHmac, timingSafeEqual } from "node:crypto"
import type { AwsCredentialIdentity } from "./AwsCredentials.js"

/**
 * The signing name of the API Gateway Management API (and of every `execute-api` endpoint).
 *
 * @since 0.1.0
 * @category constants
 */
export const SERVICE = "execute-api"

/**
 * A request as the signer sees it. `path` is the wire path, already percent-encoded; the signer encodes it once more
 * for the canonical request, as every AWS service except S3 expects. Header names are lower case.
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

const UNSIGNABLE = new Set([
  "authorization",
  "cache-control",
  "connection",
  "expect",
  "from",
  "keep-alive",
  "max-forwards",
  "pragma",
  "referer",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "user-agent",
  "x-amzn-trace-id"
])
const EMPTY_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/**
 * Sets `record[key]` as an own property whatever the key: a plain assignment of `__proto__` would change the
 * record's prototype instead (and lose the value). Names and query keys come from requests.
 */
const put = <A>(record: Record<string, A>, key: string, value: A): void => {
  if (key === "__proto__") {
    Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true })
  } else record[key] = value
}

/** `record[key]` when it is the record's own property: never something inherited, such as `constructor`. */
const own = <A>(record: Readonly<Record<string, A>>, key: string): A | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined
const RESERVED = /[!'()*]/g
const escapeReserved = (c: string) => "%" + c.charCodeAt(0).toString(16).toUpperCase()
/** RFC 3986 encoding: everything but unreserved characters. */
const escapeUri = (value: string) => encodeURIComponent(value).replace(RESERVED, escapeReserved)

/** The canonical URI: segments normalised (no empty, `.` or `..` ones) and encoded once more. */
const canonicalPathOf = (path: string): string => {
  const segments: Array<string> = []
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue
    if (segment === "..") segments.pop()
    else segments.push(escapeUri(segment))
  }
  return `${path.startsWith("/") ? "/" : ""}${segments.join("/")}${
    segments.length > 0 && path.endsWith("/") ? "/" : ""
  }`
}

// The client's paths share their prefix (`/{stage}/@connections/`): its canonical form is kept, and only the last
// segment (the connection id) is encoded per request.
let lastPrefix = ""
let lastCanonicalPrefix = ""

const canonicalPath = (path: string): string => {
  const slash = path.lastIndexOf("/")
  const last = path.slice(slash + 1)
  if (slash <= 0 || last === "" || last === "." || last === "..") return canonicalPathOf(path)
  const prefix = path.slice(0, slash)
  if (prefix !== lastPrefix) {
    lastCanonicalPrefix = canonicalPathOf(prefix + "/x").slice(0, -1)
    lastPrefix = prefix
  }
  return lastCanonicalPrefix + escapeUri(last)
}

const canonicalQuery = (query: SignableRequest["query"]): string => {
  if (query === undefined) return ""
  const pairs: Array<string> = []
  for (const key of Object.keys(query)) {
    if (key.toLowerCase() === "x-amz-signature") continue
    const encodedKey = escapeUri(key)
    const value = query[key]
    if (typeof value === "string") pairs.push(`${encodedKey}=${escapeUri(value)}`)
    else for (const item of [...value].map((v) => `${encodedKey}=${escapeUri(v)}`).sort()) pairs.push(item)
  }
  return pairs.sort((a, b) => {
    const ka = a.slice(0, a.indexOf("="))
    const kb = b.slice(0, b.indexOf("="))
    return ka < kb ? -1 : ka > kb ? 1 : 0
  }).join("&")
}

// One-shot hashing (Node 20.12+) costs less than a Hash object.
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: "hex") => string }).hash
const sha256Hex: (data: string | Uint8Array) => string = oneShot !== undefined ?
  (data) => oneShot("sha256", data, "hex") :
  (data) => createHash("sha256").update(data).digest("hex")

const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest()

// The signing key of the last scope used with each credentials object: derived once a day, not once a request.
const signingKeys = new WeakMap<AwsCredentialIdentity, { readonly scope: string; readonly key: Buffer }>()

const signingKey = (credentials: AwsCredentialIdentity, date: string, region: string, service: string): Buffer => {
  const scope = `${date}/${region}/${service}`
  const cached = signingKeys.get(credentials)
  if (cached !== undefined && cached.scope === scope) return cached.key
  const key = hmac(
    hmac(hmac(hmac(`AWS4${Redacted.value(credentials.secretAccessKey)}`, date), region), service),
    "aws4_request"
  )
  signingKeys.set(credentials, { scope, key })
  return key
}

/** The headers to sign, sorted: all of `headers` (lower case) but those the AWS SDKs never sign. */
const signedNames = (headers: Record<string, string>, signableHeaders: ReadonlySet<string> | undefined) =>
  Object.keys(headers).filter((name) =>
    signableHeaders?.has(name) === true ||
    !(UNSIGNABLE.has(name) || name.startsWith("proxy-") || name.startsWith("sec-"))
  ).sort()

/**
 * The hex SHA-256 of a body, as the canonical request carries it.
 *
 * @since 0.1.0
 * @category signing
 */
export const payloadHash = (body: Uint8Array | string | undefined): string =>
  body === undefined || body.length === 0 ? EMPTY_HASH : sha256Hex(body)

const payloadHashOf = (
  headers: Record<string, string>,
  body: SignableRequest["body"],
  options: SigningOptions
): string => headers["x-amz-content-sha256"] ?? options.payloadHash ?? payloadHash(body)

const scopeOf = (amzDate: string, options: SigningOptions): string =>
  `${amzDate.slice(0, 8)}/${options.region}/${options.service ?? SERVICE}/aws4_request`

/** The signature of the canonical request made of these parts. */
const signatureOf = (
  request: SignableRequest,
  query: SignableRequest["query"],
  headers: Record<string, string>,
  names: ReadonlyArray<string>,
  bodyHash: string,
  amzDate: string,
  scope: string,
  options: SigningOptions
): string => {
  let canonicalHeaders = ""
  for (const name of names) {
    canonicalHeaders += `${name}:${
      headers[name].replace(/[\r\n]/g, " ").replace(/[ \t]+/g, " ").replace(/^ | $/g, "")
    }\n`
  }
  const canonicalRequest = `${request.method}\n${canonicalPath(request.path)}\n${
    canonicalQuery(query)
  }\n${canonicalHeaders}\n${names.join(";")}\n${bodyHash}`
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`
  const date = amzDate.slice(0, 8)
  return createHmac("sha256", signingKey(options.credentials, date, options.region, options.service ?? SERVICE))
    .update(stringToSign, "utf8").digest("hex")
}

const lowerCased = (headers: Record<string, string>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name of Object.keys(headers)) put(out, name.toLowerCase(), headers[name])
  return out
}

/**
 * Signs a request with SigV4 and returns its headers with `authorization`, `x-amz-date` and, for temporary
 * credentials, `x-amz-security-token` added. Every header passed in is signed but those the AWS SDKs never sign
 * (`user-agent`, `connection`, ...), so pass `host` and the content headers.
 *
 * @since 0.1.0
 * @category signing
 */
export const sign = (
  request: SignableRequest,
  options: SigningOptions & {
    /** Sign these headers even if the signer would skip them (such as `user-agent`). */
    readonly signableHeaders?: ReadonlySet<string> | undefined
  }
): Record<string, string> => {
  const amzDate = formatAmzDate(options.time)
  const headers = lowerCased(request.headers)
  headers["x-amz-date"] = amzDate
  const { credentials } = options
  if (credentials.sessionToken !== undefined) headers["x-amz-security-token"] = Redacted.value(credentials.sessionToken)
  const bodyHash = payloadHashOf(headers, request.body, options)
  if (options.contentSha256 === true) headers["x-amz-content-sha256"] = bodyHash
  const names = signedNames(headers, options.signableHeaders)
  const scope = scopeOf(amzDate, options)
  const signature = signatureOf(request, request.query, headers, names, bodyHash, amzDate, scope, options)
  headers["authorization"] = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${
    names.join(";")
  }, Signature=${signature}`
  return headers
}

/**
 * Presigns a request: returns its query parameters with `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
 * `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Security-Token` and `X-Amz-Signature` added, to append to its URL.
 * Headers named `x-amz-*` move into the query, as the AWS SDKs do; `expiresIn` is in seconds.
 *
 * @since 0.1.0
 * @category signing
 */
export const presign = (
  request: SignableRequest,
  options: SigningOptions & { readonly expiresIn: number }
): Record<string, string | Array<string>> => {
  const amzDate = formatAmzDate(options.time)
  const { credentials } = options
  const query: Record<string, string | Array<string>> = { ...request.query }
  const headers: Record<string, string> = {}
  for (const name of Object.keys(request.headers)) {
    const lower = name.toLowerCase()
    if (lower === "authorization" || lower === "x-amz-date" || lower === "date") continue
    if (lower.startsWith("x-amz-")) put(query, name, request.headers[name])
    else put(headers, lower, request.headers[name])
  }
  if (credentials.sessionToken !== undefined) query["X-Amz-Security-Token"] = Redacted.value(credentials.sessionToken)
  const names = signedNames(headers, undefined)
  const scope = scopeOf(amzDate, options)
  query["X-Amz-Algorithm"] = "AWS4-HMAC-SHA256"
  query["X-Amz-Credential"] = `${credentials.accessKeyId}/${scope}`
  query["X-Amz-Date"] = amzDate
  query["X-Amz-Expires"] = String(options.expiresIn)
  query["X-Amz-SignedHeaders"] = names.join(";")
  const bodyHash = payloadHashOf(lowerCased(request.headers), request.body, options)
  query["X-Amz-Signature"] = signatureOf(request, query, headers, names, bodyHash, amzDate, scope, options)
  return query
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

/**
 * Parses a SigV4 timestamp (`20150830T123600Z`) to epoch milliseconds, or `undefined` when malformed.
 *
 * @since 0.1.0
 * @category signing
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
 * Why a signature was refused by {@link verify}.
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

/**
 * Checks the SigV4 signature of a received request against known credentials: the key id must match, the
 * `x-amz-date` be within `maxSkewMillis` (default 5 minutes) of `now`, and the signature over the signed headers,
 * path and body be the one these credentials produce. `request.headers` are the received headers, lower case.
 *
 * @since 0.1.0
 * @category verification
 */
export const verify = async (
  request: SignableRequest,
  options: VerifyOptions
): Promise<VerifyFailure | undefined> => {
  const header = request.headers["authorization"]
  if (header === undefined) return "MissingAuthentication"
  const auth = parseAuthorization(header)
  const amzDate = request.headers["x-amz-date"]
  const time = amzDate === undefined ? undefined : parseAmzDate(amzDate)
  if (auth === undefined || time === undefined || !auth.signedHeaders.includes("host")) {
    return "MalformedAuthorization"
  }
  if (auth.accessKeyId !== options.credentials.accessKeyId) return "UnknownAccessKey"
  if (
    auth.service !== (options.service ?? SERVICE) || auth.date !== amzDate!.slice(0, 8) ||
    (options.region !== undefined && auth.region !== options.region)
  ) return "WrongScope"
  if (Math.abs(options.now - time) > (options.maxSkewMillis ?? 5 * 60_000)) return "StaleDate"
  const headers: Record<string, string> = {}
  for (const name of auth.signedHeaders) {
    if (name === "x-amz-date" || name === "authorization") continue
    // Names come from the request: `constructor` or `__proto__` must not find Object.prototype's.
    const value = own(request.headers, name)
    if (value === undefined) return "SignatureMismatch"
    put(headers, name, value)
  }
  const { "x-amz-security-token": token, ...unsigned } = headers
  const expectedToken = options.credentials.sessionToken
  if (expectedToken !== undefined && token !== Redacted.value(expectedToken)) return "SignatureMismatch"
  // A signed payload hash stands in for the body in the canonical request: it must be the body's.
  const claimedHash = unsigned["x-amz-content-sha256"]
  if (claimedHash !== undefined && claimedHash !== createHash("sha256").update(request.body ?? "").digest("hex")) {
    return "SignatureMismatch"
  }
  const signed = sign({ ...request, headers: unsigned }, {
    credentials: token === undefined ? { ...options.credentials, sessionToken: undefined } : options.credentials,
    region: auth.region,
    service: auth.service,
    time,
    signableHeaders: new Set(auth.signedHeaders)
  })
  const expected = parseAuthorization(signed["authorization"])!.signature
  return timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature)) ? undefined : "SignatureMismatch"
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
    expiresIn < 1 || expiresIn > 604800 || !SIGNED_HEADERS.test(signedHeaders) ||
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
  if (presigned.time > options.now + (options.maxSkewMillis ?? 5 * 60_000)) return "StaleDate"
  if (presigned.accessKeyId !== options.credentials.accessKeyId) return "UnknownAccessKey"
  if (
    presigned.service !== (options.service ?? SERVICE) || presigned.date !== presigned.amzDate.slice(0, 8) ||
    (options.region !== undefined && presigned.region !== options.region)
  ) return "WrongScope"
  const expectedToken = options.credentials.sessionToken === undefined ?
    undefined :
    Redacted.value(options.credentials.sessionToken)
  if (presigned.securityToken !== expectedToken) return "UnknownAccessKey"
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
  const scope = `${presigned.date}/${presigned.region}/${presigned.service}/aws4_request`
  const expected = signatureOf(request, query, headers, presigned.signedHeaders, bodyHash, presigned.amzDate, scope, {
    credentials: options.credentials,
    region: presigned.region,
    service: presigned.service,
    time: presigned.time
  })
  return timingSafeEqual(Buffer.from(expected), Buffer.from(presigned.signature)) ? undefined : "SignatureMismatch"
}
