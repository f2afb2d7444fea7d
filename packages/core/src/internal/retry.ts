import type { RetryableError } from "../ApiGatewayManagementApi.js"
import type { ErrorFromResponse, RawResponse } from "./response.js"

const THROTTLING_CODES = new Set([
  "LimitExceededException",
  "ThrottlingException",
  "TooManyRequestsException",
  "Throttling",
  "ThrottledException",
  "RequestThrottledException",
  "RequestThrottled",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "SlowDown",
  "ProvisionedThroughputExceededException",
  "PriorRequestNotComplete",
  "EC2ThrottledException"
])

const TRANSIENT_CODES = new Set([
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalError",
  "InternalFailure",
  "InternalServerError",
  "ServiceUnavailable",
  "ServiceUnavailableException"
])

const TRANSIENT_STATUS = new Set([500, 502, 503, 504])

const SKEW_CODES = new Set([
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "RequestTimeTooSkewed",
  "RequestExpired",
  "RequestInTheFuture",
  "AuthFailure"
])

export type RetryKind = "throttling" | "transient" | "timeout"

/** Whether a failure is of a kind that may be retried (Forbidden, Gone and PayloadTooLarge never are). */
export const isRetryable = (error: { readonly _tag: string }): error is RetryableError =>
  error._tag === "LimitExceededException" || error._tag === "AwsServiceError" ||
  error._tag === "UnexpectedResponseError" || error._tag === "TransportError"

/** How a failure may be retried, or `undefined` when it must not be. */
export const classify = (error: RetryableError): RetryKind | undefined => {
  switch (error._tag) {
    case "LimitExceededException":
      return "throttling"
    case "AwsServiceError":
      if (THROTTLING_CODES.has(error.code)) return "throttling"
      if (TRANSIENT_CODES.has(error.code)) return "transient"
      return TRANSIENT_STATUS.has(error.$metadata.httpStatusCode ?? 0) ? "transient" : undefined
    case "UnexpectedResponseError":
      if (error.$metadata.httpStatusCode === 429) return "throttling"
      return TRANSIENT_STATUS.has(error.$metadata.httpStatusCode ?? 0) ? "transient" : undefined
    case "TransportError":
      return error.reason === "InvalidUrl" ? undefined : error.reason === "Timeout" ? "timeout" : "transient"
  }
}

/** Whether a refused request may have failed because the local clock is off. */
export const mayBeSkew = (error: ErrorFromResponse): boolean =>
  error._tag === "ForbiddenException" ||
  (error._tag === "AwsServiceError" && SKEW_CODES.has(error.code))

/** Reads `x-amz-retry-after` (milliseconds) or `Retry-After` (seconds or an HTTP date), in milliseconds. */
export const retryAfterMillis = (response: RawResponse, now: number): number | undefined => {
  const amz = response.headers["x-amz-retry-after"]
  if (amz !== undefined && /^\d+$/.test(amz.trim())) return Number(amz)
  const header = response.headers["retry-after"]?.trim()
  if (header === undefined || header === "") return undefined
  if (/^\d+(\.\d+)?$/.test(header)) return Math.round(Number(header) * 1000)
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** The server's clock, from the `Date` header, in epoch milliseconds. */
export const serverTime = (response: RawResponse): number | undefined => {
  const header = response.headers["date"]
  if (header === undefined) return undefined
  const time = Date.parse(header)
  return Number.isNaN(time) ? undefined : time
}

export const BASE_DELAY = 50
export const THROTTLING_BASE_DELAY = 1000
export const MAX_DELAY = 20_000

/** Full-jitter exponential backoff: `random * min(cap, base * 2^(retry - 1))`, at least the server's hint. */
export const backoff = (kind: RetryKind, retry: number, random: number, retryAfter: number | undefined): number => {
  const base = kind === "throttling" ? THROTTLING_BASE_DELAY : BASE_DELAY
  const jittered = Math.floor(random * Math.min(MAX_DELAY, base * 2 ** (retry - 1)))
  return Math.min(MAX_DELAY, Math.max(jittered, retryAfter ?? 0))
}

/**
 * The retry budget (a token bucket, as in the AWS SDKs' standard mode): each retry takes tokens, each success gives
 * some back, so an endpoint that keeps failing is not hammered by every caller's retries.
 */
export class RetryBudget {
  static readonly CAPACITY = 500
  static readonly COST = 5
  static readonly TIMEOUT_COST = 10
  private tokens = RetryBudget.CAPACITY
  take(kind: RetryKind): number | undefined {
    const cost = kind === "timeout" ? RetryBudget.TIMEOUT_COST : RetryBudget.COST
    if (this.tokens < cost) return undefined
    this.tokens -= cost
    return cost
  }
  release(amount: number): void {
    this.tokens = Math.min(RetryBudget.CAPACITY, this.tokens + amount)
  }
}
