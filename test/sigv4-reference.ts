/**
 * A SigV4 verifier written from the AWS specification with node:crypto only, independent of the client's signer
 * (which is `@smithy/signature-v4`): end-to-end tests use it as the server-side oracle.
 */
import { createHash, createHmac } from "node:crypto"

const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest()
const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex")

/** RFC 3986 encoding of everything except unreserved characters. */
const uriEncode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())

export interface Received {
  readonly method: string
  /** The raw request target as received (path and query, percent-encoded). */
  readonly target: string
  readonly headers: Readonly<Record<string, string | Array<string> | undefined>>
  readonly body: Buffer
}

/** Returns the signature the request should carry, and the one it carries. */
export const expectedSignature = (
  request: Received,
  secretAccessKey: string
): { readonly expected: string; readonly actual: string; readonly signedHeaders: Array<string> } | undefined => {
  const authorization = request.headers["authorization"]
  if (typeof authorization !== "string") return undefined
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/
      .exec(authorization)
  if (m === null) return undefined
  const [, , date, region, service, signedHeaderList, actual] = m
  const signedHeaders = signedHeaderList.split(";")
  const [rawPath, rawQuery = ""] = request.target.split("?", 2)
  // Canonical URI: each segment of the (already encoded) path is encoded once more.
  const canonicalPath = rawPath.split("/").map(uriEncode).join("/")
  const canonicalQuery = rawQuery === "" ? "" : rawQuery.split("&").map((pair) => {
    const [k, v = ""] = pair.split("=")
    return [uriEncode(decodeURIComponent(k)), uriEncode(decodeURIComponent(v))] as const
  }).sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join("&")
  const canonicalHeaders = signedHeaders.map((name) => {
    const value = request.headers[name]
    const text = Array.isArray(value) ? value.join(",") : value ?? ""
    return `${name}:${text.trim().replace(/\s+/g, " ")}\n`
  }).join("")
  const amzDate = String(request.headers["x-amz-date"])
  const canonicalRequest = [
    request.method,
    canonicalPath,
    canonicalQuery,
    canonicalHeaders,
    signedHeaderList,
    sha256(request.body)
  ].join("\n")
  const scope = `${date}/${region}/${service}/aws4_request`
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n")
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), "aws4_request")
  return { expected: hmac(key, stringToSign).toString("hex"), actual, signedHeaders }
}

/** The parts of a canonical request, before encoding: what the spec builds a signature from. */
export interface Parts {
  readonly method: string
  /** The path as sent (percent-encoded on the wire); the canonical URI encodes each segment once more. */
  readonly path: string
  /** Decoded keys and values; a repeated key's values in an array. */
  readonly query: Readonly<Record<string, string | ReadonlyArray<string>>>
  /** The signed headers only: lower-case names, values as sent. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | Uint8Array | undefined
  readonly amzDate: string
  readonly region: string
  readonly service: string
  readonly secretAccessKey: string
}

/**
 * The canonical URI of the spec for every service but S3: `.`, `..` and empty segments removed, then each segment
 * URI-encoded (so an already encoded path is encoded twice).
 */
export const canonicalUri = (path: string): string => {
  const segments: Array<string> = []
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue
    if (segment === "..") segments.pop()
    else segments.push(segment)
  }
  if (segments.length === 0) return "/"
  return `/${segments.map(uriEncode).join("/")}${path.endsWith("/") ? "/" : ""}`
}

/** The canonical request of the spec, from its parts (node:crypto and string operations only). */
export const canonicalRequest = (parts: Parts, canonicalPath = canonicalUri(parts.path)): string => {
  const query = Object.entries(parts.query)
    .filter(([key]) => key !== "X-Amz-Signature")
    .flatMap(([key, value]) => (typeof value === "string" ? [value] : value).map((v) => [uriEncode(key), uriEncode(v)]))
    .sort(([a, x], [b, y]) => (a === b ? (x === y ? 0 : x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&")
  const names = Object.keys(parts.headers).sort()
  const headers = names.map((name) => `${name}:${parts.headers[name].trim().replace(/\s+/g, " ")}\n`).join("")
  const body = parts.body === undefined ? "" : parts.body
  return [parts.method, canonicalPath, query, headers, names.join(";"), sha256(Buffer.from(body))].join("\n")
}

/** The signature the spec gives these parts. */
export const signatureFor = (parts: Parts, canonicalPath?: string): string => {
  const date = parts.amzDate.slice(0, 8)
  const scope = `${date}/${parts.region}/${parts.service}/aws4_request`
  const stringToSign = ["AWS4-HMAC-SHA256", parts.amzDate, scope, sha256(canonicalRequest(parts, canonicalPath))]
    .join("\n")
  const key = hmac(hmac(hmac(hmac(`AWS4${parts.secretAccessKey}`, date), parts.region), parts.service), "aws4_request")
  return hmac(key, stringToSign).toString("hex")
}

/** What a reference signature is made with. */
export interface Signing {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly region: string
  readonly service: string
  readonly amzDate: string
}

/** A request to sign by the reference: headers as given (any case), the query decoded. */
export interface Unsigned {
  readonly method: string
  readonly path: string
  readonly query?: Readonly<Record<string, string | ReadonlyArray<string>>> | undefined
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string | Uint8Array | undefined
}

const lowerCase = (headers: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))

/**
 * Signs every header given, plus `x-amz-date`, as the spec says: the headers to send, with `authorization`. For
 * requests the client's signer cannot take (smithy mis-canonicalises a `__proto__` query key).
 */
export const signRequest = (request: Unsigned, signing: Signing): Record<string, string> => {
  const headers = Object.fromEntries([...Object.entries(lowerCase(request.headers)), ["x-amz-date", signing.amzDate]])
  const signature = signatureFor({ ...request, query: request.query ?? {}, headers, body: request.body, ...signing })
  return Object.fromEntries([
    ...Object.entries(headers),
    [
      "authorization",
      `AWS4-HMAC-SHA256 Credential=${signing.accessKeyId}/${signing.amzDate.slice(0, 8)}/${signing.region}/` +
      `${signing.service}/aws4_request, SignedHeaders=${Object.keys(headers).sort().join(";")}, Signature=${signature}`
    ]
  ])
}

/** Presigns as the spec says, signing every header given (none may be `x-amz-*`): the query to send. */
export const presignRequest = (
  request: Unsigned,
  signing: Signing & { readonly expiresIn: number }
): Record<string, string | Array<string>> => {
  const headers = lowerCase(request.headers)
  const query: Record<string, string | Array<string>> = Object.fromEntries([
    ...Object.entries(request.query ?? {}).map(([key, value]) => [key, typeof value === "string" ? value : [...value]]),
    ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
    [
      "X-Amz-Credential",
      `${signing.accessKeyId}/${signing.amzDate.slice(0, 8)}/${signing.region}/${signing.service}/aws4_request`
    ],
    ["X-Amz-Date", signing.amzDate],
    ["X-Amz-Expires", String(signing.expiresIn)],
    ["X-Amz-SignedHeaders", Object.keys(headers).sort().join(";")]
  ])
  query["X-Amz-Signature"] = signatureFor({ ...request, query, headers, body: request.body, ...signing })
  return query
}
