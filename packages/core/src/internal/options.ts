import { ConfigurationError } from "@effect-apigw/schema/Errors"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type { Options, RetryableError } from "../ApiGatewayManagementApi.js"
import * as Endpoint from "../Endpoint.js"
import * as Input from "../Input.js"

/** The model's maximum message size, in bytes. */
export const MAX_PAYLOAD_BYTES = 131072

/** The default time limit of one attempt. */
export const DEFAULT_REQUEST_TIMEOUT: Duration.Duration = /* @__PURE__ */ Duration.seconds(10)

/**
 * The longest `requestTimeout`: timers of longer delays (about 24.8 days) fire at once, which would time every
 * request out.
 */
const MAX_TIMEOUT_MILLIS = 2 ** 31 - 1

/** The options, checked, with their defaults filled in. */
export interface Checked {
  readonly endpoint: Endpoint.Endpoint
  readonly maxAttempts: number
  readonly requestTimeout: Duration.Duration
  readonly maxPayloadBytes: number | false
  readonly retrySchedule: Schedule.Schedule<unknown, RetryableError> | undefined
}

export const configError = (option: string, description: string) => new ConfigurationError({ option, description })

/**
 * Checks every option, whatever its runtime type (options come from JavaScript and from the environment too): a
 * wrong one is a `ConfigurationError` naming it, never a crash.
 */
export const check = (options: Options): Either.Either<Checked, ConfigurationError> => {
  if (typeof options !== "object" || options === null) {
    return Either.left(
      configError("options", `expected an object with an endpoint, got ${Input.describeType(options)}`)
    )
  }
  const endpoint = Endpoint.parse(options.endpoint, options.region)
  if (Either.isLeft(endpoint)) return Either.left(endpoint.left)
  const maxAttempts = options.maxAttempts ?? 3
  if (typeof maxAttempts !== "number" || !Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    return Either.left(
      configError("maxAttempts", `${Input.describeValue(maxAttempts)} is not a whole number of at least 1`)
    )
  }
  // `decodeUnknown` answers None for anything it cannot read, whatever its type.
  const timeout = Duration.decodeUnknown(options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT)
  if (
    Option.isNone(timeout) || !Duration.greaterThan(timeout.value, Duration.zero) ||
    !Duration.isFinite(timeout.value) || Duration.toMillis(timeout.value) > MAX_TIMEOUT_MILLIS
  ) {
    return Either.left(
      configError(
        "requestTimeout",
        `${Input.describeValue(options.requestTimeout)} is not a positive duration of at most ${MAX_TIMEOUT_MILLIS} ms`
      )
    )
  }
  const maxPayloadBytes = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES
  if (
    maxPayloadBytes !== false &&
    (typeof maxPayloadBytes !== "number" || !Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes < 0)
  ) {
    return Either.left(
      configError("maxPayloadBytes", `${Input.describeValue(maxPayloadBytes)} is not a whole number of bytes or false`)
    )
  }
  const retrySchedule = options.retrySchedule
  if (retrySchedule !== undefined && !Schedule.isSchedule(retrySchedule)) {
    return Either.left(configError("retrySchedule", `expected a Schedule, got ${Input.describeType(retrySchedule)}`))
  }
  return Either.right({
    endpoint: endpoint.right,
    maxAttempts,
    requestTimeout: timeout.value,
    maxPayloadBytes,
    retrySchedule
  })
}
