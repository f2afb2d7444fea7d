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
