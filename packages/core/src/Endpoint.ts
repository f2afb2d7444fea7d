/**
 * Parsing and validation of the management API endpoint.
 *
 * @since 0.1.0
 */
import { ConfigurationError } from "@effect-apigw/schema/Errors"
import * as Either from "effect/Either"

/**
 * A validated endpoint: where requests go and which region signs them.
 *
 * @since 0.1.0
 * @category models
 */
export interface Endpoint {
  /** `https:` or `http:`. */
  readonly protocol: "https:" | "http:"
  /** Host name and, when not the default, port: the value of the `Host` header. */
  readonly host: string
  /** Host name alone, without port or IPv6 brackets: what the signer takes. */
  readonly hostname: string
  /** Percent-encoded path prefix without a trailing slash, e.g. `/prod` or `""`. */
  readonly basePath: string
  /** The SigV4 signing region. */
  readonly region: string
  /** `protocol//host/basePath`, without a trailing slash. */
  readonly url: string
}

const EXECUTE_API_HOST = /^[a-z0-9-]+\.execute-api(?:-fips)?\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$/
const REGION = /^[a-z]{2}(?:-[a-z0-9]+)+-\d+$/
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i

const MAX_LENGTH = 2048

const fail = (option: string, description: string) => Either.left(new ConfigurationError({ option, description }))

/** The type of a value of the wrong type, for a message: never calls the value's own code. */
const kind = (u: unknown): string =>
  u === null || u === undefined ?
    String(u) :
    Array.isArray(u) ?
    "an array" :
    typeof u === "object" ?
    "an object" :
    `a ${typeof u}`

/**
 * Reads the region from an `execute-api` host name, if it is one.
 *
 * @since 0.1.0
 * @category parsing
 */
export const regionFromHost = (hostname: string): string | undefined =>
  EXECUTE_API_HOST.exec(hostname.toLowerCase())?.[1]

/**
 * Validates an endpoint such as `https://abc123.execute-api.eu-west-1.amazonaws.com/prod` or
 * `https://ws.example.com/chat`. `wss://` and `ws://` (the WebSocket URL, a common mix-up) are read as `https://`
 * and `http://`; a trailing slash or a trailing `/@connections` is dropped. The region is the one given, else the one
 * in an `execute-api` host name.
 *
 * @since 0.1.0
 * @category constructors
 */
export const parse = (input: string | URL, region?: string): Either.Either<Endpoint, ConfigurationError> => {
  // Options come from JavaScript and the environment too (`process.env.APIGW_ENDPOINT!` is `undefined` when unset).
  if (typeof input !== "string" && !(input instanceof URL)) {
    return fail("endpoint", `expected a string or a URL, got ${kind(input)}`)
  }
  if (region !== undefined && typeof region !== "string") {
    return fail("region", `expected a string, got ${kind(region)}`)
  }
  const href = typeof input === "string" ? input : input.href
  if (href.length > MAX_LENGTH) {
    return fail("endpoint", `is ${href.length} characters; at most ${MAX_LENGTH} are accepted`)
  }
  const raw = href.trim()
  if (raw === "") return fail("endpoint", "the endpoint is empty")
  const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase()
  if (scheme === undefined) {
    return fail("endpoint", `"${raw}" has no scheme; write it as https://${raw}`)
  }
  const protocol = scheme === "https" || scheme === "wss"
    ? "https:"
    : scheme === "http" || scheme === "ws"
    ? "http:"
    : undefined
  if (protocol === undefined) {
    return fail("endpoint", `"${raw}" uses the scheme ${scheme}:, expected https: (or http: for a local emulator)`)
  }
  let url: URL
  try {
    url = new URL(protocol + raw.slice(scheme.length + 1))
  } catch {
    return fail("endpoint", `"${raw}" is not a valid URL`)
  }
  if (url.username !== "" || url.password !== "") return fail("endpoint", "the endpoint must not contain credentials")
  if (url.search !== "" || url.hash !== "") {
    return fail("endpoint", `"${raw}" has a query or fragment; give only the scheme, host and stage path`)
  }
  if (url.hostname === "") return fail("endpoint", `"${raw}" has no host`)
  const basePath = url.pathname.replace(/\/+$/, "").replace(/\/@connections$/i, "").replace(/\/+$/, "")
  const hostRegion = regionFromHost(url.hostname)
  if (hostRegion !== undefined && basePath === "") {
    return fail("endpoint", `"${raw}" has no stage; an execute-api endpoint ends with the stage, e.g. /prod`)
  }
  const signingRegion = region ?? hostRegion
  if (signingRegion === undefined || signingRegion === "") {
    return fail(
      "region",
      `no region given and none can be read from the host ${url.hostname}; set the region option or AWS_REGION`
    )
  }
  if (!REGION.test(signingRegion)) return fail("region", `"${signingRegion}" is not an AWS region name`)
  return Either.right({
    protocol,
    host: url.host,
    hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    basePath,
    region: signingRegion,
    url: `${protocol}//${url.host}${basePath}`
  })
}

const RESERVED = /[!'()*]/g
const escapeReserved = (c: string) => "%" + c.charCodeAt(0).toString(16).toUpperCase()

/**
 * Percent-encodes a value as one path segment, as the AWS SDKs do (RFC 3986: `!'()*` encoded too). Returns
 * `undefined` for a string that is not well-formed UTF-16 (a lone surrogate).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeSegment = (segment: string): string | undefined => {
  try {
    return encodeURIComponent(segment).replace(RESERVED, escapeReserved)
  } catch {
    return undefined
  }
}
