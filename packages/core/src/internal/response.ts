import {
  AwsServiceError,
  ForbiddenException,
  GoneException,
  LimitExceededException,
  PayloadTooLargeException,
  TransportError,
  UnexpectedResponseError
} from "@effect-apigw/schema/Errors"
import type { ResponseMetadata } from "@effect-apigw/schema/ResponseMetadata"
import { scrub, scrubExact, type Sent } from "./scrub.js"

/** The modelled AWS errors, by code. */
const modelled = {
  ForbiddenException,
  GoneException,
  PayloadTooLargeException,
  LimitExceededException
} as const

export type ModelledCode = keyof typeof modelled

const byStatus: Record<number, ModelledCode> = {
  403: "ForbiddenException",
  410: "GoneException",
  413: "PayloadTooLargeException",
  429: "LimitExceededException"
}

/** What the client keeps of an HTTP response: status, the headers it reads, and the body bytes. */
export interface RawResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: Uint8Array
}

const requestIdOf = (headers: RawResponse["headers"]): string | undefined =>
  headers["x-amzn-requestid"] ?? headers["x-amzn-request-id"] ?? headers["x-amz-request-id"]

export const metadataOf = (response: RawResponse, attempts: number, totalRetryDelay: number): ResponseMetadata => {
  const requestId = requestIdOf(response.headers)
  const extendedRequestId = response.headers["x-amz-id-2"]
  const cfId = response.headers["x-amz-cf-id"]
  return {
    httpStatusCode: response.status,
    ...(requestId === undefined ? {} : { requestId }),
    ...(extendedRequestId === undefined ? {} : { extendedRequestId }),
    ...(cfId === undefined ? {} : { cfId }),
    attempts,
    totalRetryDelay
  }
}

/** `aws.protocoljson#Foo:http://...` -> `Foo`. */
const sanitizeCode = (raw: string): string => {
  let code = raw.trim()
  const cut = code.search(/[:,]/)
  if (cut >= 0) code = code.slice(0, cut)
  const hash = code.lastIndexOf("#")
  if (hash >= 0) code = code.slice(hash + 1)
  return code.trim()
}

const decoder = new TextDecoder("utf-8", { fatal: false })

const parseJsonObject = (body: Uint8Array): Record<string, unknown> | undefined => {
  if (body.length === 0) return undefined
  try {
    const value: unknown = JSON.parse(decoder.decode(body))
    return typeof value === "object" && value !== null && !Array.isArray(value) ?
      value as Record<string, unknown> :
      undefined
  } catch {
    return undefined
  }
}

const stringField = (body: Record<string, unknown> | undefined, ...names: Array<string>): string | undefined => {
  if (body === undefined) return undefined
  for (const name of names) {
    const value = body[name]
    if (typeof value === "string" && value !== "") return value
  }
  return undefined
}

// Messages are shown to users and logged: keep them to one bounded line.
const clip = (text: string): string => {
  const line = text.replace(/\s+/g, " ").trim()
  return line.length > 512 ? line.slice(0, 509) + "..." : line
}

/** The modelled error of a code. */
export type ModelledError<C extends ModelledCode> = InstanceType<(typeof modelled)[C]>

/** What an error response maps to, for an operation that models the codes `C`. */
export type ErrorFromResponse<C extends ModelledCode = ModelledCode> =
  | ModelledError<C>
  | AwsServiceError
  | UnexpectedResponseError

/** Text quoted from a response: scrubbed of the request's secrets, cut to one bounded line, scrubbed again. */
const quote = (text: string, sent: Sent): string =>
  sent === undefined ? clip(text) : scrub(clip(scrubExact(text, sent)), sent)

/**
 * The response's ids, scrubbed of whole secrets: a server that echoes request headers could put anything in them
 * (short header values: pieces are looked for in free text only). The same object when nothing changed.
 */
const scrubMetadata = (metadata: ResponseMetadata, sent: Sent): ResponseMetadata => {
  if (sent === undefined) return metadata
  const { cfId, extendedRequestId, requestId } = metadata
  const ids = {
    requestId: requestId === undefined ? undefined : scrubExact(requestId, sent),
    extendedRequestId: extendedRequestId === undefined ? undefined : scrubExact(extendedRequestId, sent),
    cfId: cfId === undefined ? undefined : scrubExact(cfId, sent)
  }
  if (ids.requestId === requestId && ids.extendedRequestId === extendedRequestId && ids.cfId === cfId) return metadata
  const out: { -readonly [K in keyof ResponseMetadata]: ResponseMetadata[K] } = { ...metadata }
  if (ids.requestId !== undefined) out.requestId = ids.requestId
  if (ids.extendedRequestId !== undefined) out.extendedRequestId = ids.extendedRequestId
  if (ids.cfId !== undefined) out.cfId = ids.cfId
  return out
}

const isAllowed = <C extends ModelledCode>(allowed: ReadonlySet<C>, code: string): code is C =>
  (allowed as ReadonlySet<string>).has(code)

const modelledError = <C extends ModelledCode>(
  code: C,
  fields: ConstructorParameters<(typeof modelled)[C]>[0]
): ModelledError<C> => new modelled[code](fields) as ModelledError<C>

/**
 * Maps an error response: the code comes from `x-amzn-errortype`, else the body's `code`, else `__type`; with no code
 * the statuses 403/410/413/429 still name their modelled error. Codes the operation does not model become
 * `AwsServiceError`; anything else is an `UnexpectedResponseError`. What is quoted from the response (message, code,
 * body, ids) is scrubbed of the secrets of the request that got it (`sent`: the headers it was sent with).
 */
export const errorFromResponse = <C extends ModelledCode>(
  response: RawResponse,
  allowed: ReadonlySet<C>,
  responseMetadata: ResponseMetadata,
  sent?: Sent
): ErrorFromResponse<C> => {
  const metadata = scrubMetadata(responseMetadata, sent)
  const body = parseJsonObject(response.body)
  const rawCode = response.headers["x-amzn-errortype"] ?? stringField(body, "code", "__type")
  const code = rawCode === undefined ? undefined : scrubExact(sanitizeCode(rawCode), sent)
  const rawMessage = stringField(body, "message", "Message", "errorMessage")
  const message = rawMessage === undefined ? undefined : quote(rawMessage, sent)
  const fields = { $metadata: metadata, ...(message === undefined ? {} : { Message: message }) }
  if (code !== undefined && code !== "") {
    return isAllowed(allowed, code) ? modelledError(code, fields) : new AwsServiceError({ code, ...fields })
  }
  const fromStatus = byStatus[response.status]
  if (fromStatus !== undefined && isAllowed(allowed, fromStatus)) return modelledError(fromStatus, fields)
  const text = message !== undefined ?
    message :
    response.body.length === 0 ?
    "no body" :
    // With secrets to find, the whole body is read (at most the response limit): a secret cut in two by the clip
    // could not be found whole.
    quote(decoder.decode(sent === undefined ? response.body.subarray(0, 512) : response.body), sent)
  return new UnexpectedResponseError({
    reason: "Status",
    description: `HTTP ${response.status}: ${text}`,
    $metadata: metadata
  })
}

/**
 * An error built without a response body (a transport failure, a body that does not fit the model), scrubbed of the
 * secrets of the request: its description may quote a library's message or the body's values.
 */
export const scrubError = <E extends TransportError | UnexpectedResponseError>(error: E, sent: Sent): E => {
  if (sent === undefined) return error
  const description = quote(error.description, sent)
  const $metadata = scrubMetadata(error.$metadata, sent)
  if (description === error.description && $metadata === error.$metadata) return error
  return (error._tag === "TransportError" ?
    new TransportError({ reason: error.reason, description, $metadata }) :
    new UnexpectedResponseError({ reason: error.reason, description, $metadata })) as E
}

/** A transport failure from the error code and message of the socket or HTTP library. */
export const transportFailure = (
  code: string | undefined,
  message: string,
  metadata: ResponseMetadata
): TransportError => {
  const reason = code === "ECONNREFUSED"
    ? "ConnectionRefused"
    : code === "ECONNRESET" || code === "EPIPE" || code === "UND_ERR_SOCKET" || code === "ERR_STREAM_PREMATURE_CLOSE"
    ? "ConnectionReset"
    : code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT" || code === "UND_ERR_HEADERS_TIMEOUT"
    ? "Timeout"
    : "Other"
  const description = code !== undefined && !message.includes(code) ? `${message} (${code})` : message
  return new TransportError({ reason, description: clip(description), $metadata: metadata })
}
