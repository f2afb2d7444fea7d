/**
 * Authentication of management requests: the SigV4 signature in the `Authorization` header or in a presigned URL's
 * query, checked against the configured credentials; without credentials, any well-formed, current one passes.
 */
import type { AwsCredentialIdentity } from "@effect-apigw/core/AwsCredentials"
import type * as Http from "node:http"
import * as SigV4 from "./sigv4.js"
import * as Util from "./util.js"

/** A management request as received. */
export interface Request {
  readonly req: Http.IncomingMessage
  /** The path as sent, still percent-encoded. */
  readonly path: string
  readonly query: URLSearchParams
  readonly body: Buffer
}

/** The message of a refused request, as API Gateway words it; `undefined` when the request may proceed. */
export type Authenticate = (request: Request) => Promise<string | undefined>

/** What API Gateway answers for each refusal. */
const MESSAGES: Record<SigV4.VerifyFailure, string> = {
  MissingAuthentication: "Missing Authentication Token",
  MalformedAuthorization: "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters",
  UnknownAccessKey: "The security token included in the request is invalid.",
  WrongScope: "Credential should be scoped to a valid region and to the execute-api service.",
  StaleDate: "Signature expired: the request time is too far from the server time.",
  Expired: "Signature expired: the presigned URL is no longer valid.",
  SignatureMismatch:
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."
}

/**
 * The received headers for signature checks: names lower case, a repeated header's values joined with `,` (SigV4's
 * canonical form), any name (`__proto__`, `constructor`) an own property.
 */
const receivedHeaders = (raw: ReadonlyArray<string>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase()
    if (Object.hasOwn(out, name)) out[name] += `,${raw[i + 1]}`
    else Util.put(out, name, raw[i + 1])
  }
  return out
}

/** A query as SigV4 takes it: a repeated key's values in an array, any key an own property. */
const queryRecord = (query: URLSearchParams): Record<string, string | Array<string>> => {
  const out: Record<string, string | Array<string>> = {}
  for (const [key, value] of query) {
    if (!Object.hasOwn(out, key)) Util.put(out, key, value)
    else {
      const previous = out[key]
      if (typeof previous === "string") out[key] = [previous, value]
      else previous.push(value)
    }
  }
  return out
}

/** Without credentials: a presigned URL must be well-formed and current, a header signature well-formed. */
const wellFormed = (
  headers: Record<string, string>,
  query: URLSearchParams,
  options: { readonly now: number; readonly maxSkewMillis: number }
): string | undefined => {
  if (query.has("X-Amz-Signature")) {
    const parsed = SigV4.parsePresigned(queryRecord(query))
    if (parsed === undefined || headers.host === undefined) return MESSAGES.MalformedAuthorization
    return options.now > parsed.time + parsed.expiresIn * 1000 ?
      MESSAGES.Expired :
      parsed.time > options.now + options.maxSkewMillis ?
      MESSAGES.StaleDate :
      undefined
  }
  const auth = headers.authorization
  if (auth === undefined) return MESSAGES.MissingAuthentication
  const date = headers["x-amz-date"]
  return SigV4.parseAuthorization(auth) === undefined || date === undefined || SigV4.parseAmzDate(date) === undefined ?
    MESSAGES.MalformedAuthorization :
    undefined
}

/** @internal */
export const make = (options: {
  readonly credentials: AwsCredentialIdentity | undefined
  readonly region: string
  readonly maxSkewMillis: number
  readonly now: () => number
}): Authenticate => {
  const { credentials, maxSkewMillis, now, region } = options
  return async ({ body, path, query, req }) => {
    const headers = receivedHeaders(req.rawHeaders)
    if (credentials === undefined) return wellFormed(headers, query, { now: now(), maxSkewMillis })
    // The host the request was signed for is the one it was sent to: the received `Host`.
    const hostname = (headers.host ?? "").replace(/:\d+$/, "")
    const request = { method: req.method ?? "GET", hostname, path, query: queryRecord(query), headers, body }
    const verifyOptions = { credentials, region, now: now(), maxSkewMillis }
    const failure = query.has("X-Amz-Signature") ?
      SigV4.verifyPresigned(request, verifyOptions) :
      await SigV4.verify(request, verifyOptions)
    return failure === undefined ? undefined : MESSAGES[failure]
  }
}
