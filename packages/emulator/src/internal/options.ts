/**
 * The emulator's options: their defaults, and the checks that turn them into settings (durations in milliseconds,
 * secrets `Redacted`), or say which one is wrong.
 */
import * as ApiGatewayManagementApi from "@effect-apigw/core/ApiGatewayManagementApi"
import type { AwsCredentialIdentity } from "@effect-apigw/core/AwsCredentials"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { Credentials, Options } from "../Emulator.js"

/** @internal */
export const defaults = {
  host: "127.0.0.1",
  stage: "local",
  apiId: "local",
  region: "us-east-1",
  routeSelectionExpression: "$request.body.action",
  idleTimeout: Duration.minutes(10),
  maxConnectionDuration: Duration.hours(2),
  handlerTimeout: Duration.seconds(29),
  maxPayloadBytes: ApiGatewayManagementApi.MAX_PAYLOAD_BYTES,
  maxMessageBytes: ApiGatewayManagementApi.MAX_PAYLOAD_BYTES,
  sendBufferLimit: 1024 * 1024,
  maxClockSkew: Duration.minutes(5)
} as const

/** The checked options, every one given. */
export interface Settings {
  readonly stage: string
  readonly host: string
  readonly port: number
  readonly apiId: string
  readonly region: string
  readonly routeSelectionExpression: string
  readonly idleMillis: number
  readonly maxDurationMillis: number
  readonly handlerMillis: number
  readonly maxSkewMillis: number
  readonly maxPayloadBytes: number
  readonly maxMessageBytes: number
  readonly sendBufferLimit: number
  /** Whose signatures management requests need; `undefined`: any well-formed signature. */
  readonly credentials: AwsCredentialIdentity | undefined
}

/** The longest delay `setTimeout` takes: longer ones fire at once. */
const MAX_TIMER_MILLIS = 2 ** 31 - 1

const notADuration = (name: string, input: Duration.DurationInput | undefined) =>
  Either.left(`${name}: ${String(input)} is not a duration`)

/** A positive, finite duration in milliseconds. */
const finite = (name: string, input: Duration.DurationInput | undefined, fallback: Duration.Duration) => {
  const decoded = Duration.decodeUnknown(input ?? fallback)
  return Option.isSome(decoded) && Duration.greaterThan(decoded.value, Duration.zero) &&
      Duration.isFinite(decoded.value) ?
    Either.right(Duration.toMillis(decoded.value)) :
    notADuration(name, input)
}

/** A duration a timer can wait: more than zero, at most {@link MAX_TIMER_MILLIS}. */
const timer = (name: string, input: Duration.DurationInput | undefined, fallback: Duration.Duration) =>
  Either.flatMap(finite(name, input, fallback), (millis) =>
    millis <= MAX_TIMER_MILLIS ?
      Either.right(millis) :
      Either.left(`${name}: ${millis} ms is too long; the limit is ${MAX_TIMER_MILLIS} ms (about 24.8 days)`))

const whole = (name: string, input: number | undefined, fallback: number, min = 0) => {
  const value = input ?? fallback
  return Number.isInteger(value) && value >= min ?
    Either.right(value) :
    Either.left(`${name}: ${value} is not a whole number`)
}

const redacted = (secret: string | Redacted.Redacted<string>) =>
  Redacted.isRedacted(secret) ? secret : Redacted.make(secret)

const identity = (credentials: Credentials): AwsCredentialIdentity => ({
  accessKeyId: credentials.accessKeyId,
  secretAccessKey: redacted(credentials.secretAccessKey),
  ...(credentials.sessionToken === undefined ? {} : { sessionToken: redacted(credentials.sessionToken) })
})

/**
 * The settings of the options, defaults filled in; else the description of the first wrong option.
 *
 * @internal
 */
export const settings = <R>(options: Options<R>): Either.Either<Settings, string> =>
  Either.gen(function*() {
    const stage = options.stage ?? defaults.stage
    if (!/^[A-Za-z0-9_-]+$/.test(stage)) return yield* Either.left(`stage: "${stage}" is not a stage name`)
    const port = yield* whole("port", options.port, 0)
    if (port > 65535) return yield* Either.left(`port: ${port} is too big`)
    return {
      stage,
      host: options.host ?? defaults.host,
      port,
      apiId: options.apiId ?? defaults.apiId,
      region: options.region ?? defaults.region,
      routeSelectionExpression: options.routeSelectionExpression ?? defaults.routeSelectionExpression,
      idleMillis: yield* timer("idleTimeout", options.idleTimeout, defaults.idleTimeout),
      maxDurationMillis: yield* timer(
        "maxConnectionDuration",
        options.maxConnectionDuration,
        defaults.maxConnectionDuration
      ),
      handlerMillis: yield* timer("handlerTimeout", options.handlerTimeout, defaults.handlerTimeout),
      maxSkewMillis: yield* finite("maxClockSkew", options.maxClockSkew, defaults.maxClockSkew),
      maxPayloadBytes: yield* whole("maxPayloadBytes", options.maxPayloadBytes, defaults.maxPayloadBytes),
      maxMessageBytes: yield* whole("maxMessageBytes", options.maxMessageBytes, defaults.maxMessageBytes, 1),
      sendBufferLimit: yield* whole("sendBufferLimit", options.sendBufferLimit, defaults.sendBufferLimit),
      credentials: options.credentials === undefined ? undefined : identity(options.credentials)
    }
  })
