import { CredentialsError, type TransportError, UnexpectedResponseError } from "@effect-apigw/schema/Errors"
import type { ResponseMetadata } from "@effect-apigw/schema/ResponseMetadata"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import type { RetryableError } from "../ApiGatewayManagementApi.js"
import type { AwsCredentials } from "../AwsCredentials.js"
import type * as Endpoint from "../Endpoint.js"
import * as SigV4 from "../SigV4.js"
import type { Plan } from "./plan.js"
import {
  type ErrorFromResponse,
  errorFromResponse,
  metadataOf,
  type ModelledCode,
  type RawResponse,
  scrubError
} from "./response.js"
import { backoff, classify, isRetryable, mayBeSkew, retryAfterMillis, RetryBudget, serverTime } from "./retry.js"
import type { Send } from "./send.js"

const SKEW_THRESHOLD = 4 * 60_000

/** What a call can fail with, for an operation that models the codes `C`. */
export type CallError<C extends ModelledCode> = ErrorFromResponse<C> | TransportError | CredentialsError

/** One call of an operation. */
export interface Call<C extends ModelledCode, A> {
  readonly plan: Plan<C, A>
  /** The wire path, `{basePath}/@connections/{id}`. */
  readonly path: string
  readonly body: Uint8Array | undefined
  /** The body's `SigV4.payloadHash`, when already known (a broadcast hashes its body once). */
  readonly bodyHash?: string | undefined
  /** `false`: throttling fails at once instead of being retried (a broadcast slows down as a whole instead). */
  readonly retryThrottling: boolean
}

/**
 * How far the server's clock is ahead of ours, learnt from a response refused for its signature time; signing and
 * presigning both use the corrected time.
 */
export class ClockSkew {
  offset = 0
  readonly now: Effect.Effect<number> = Effect.clockWith((clock) =>
    Effect.succeed(clock.unsafeCurrentTimeMillis() + this.offset)
  )
}

const cannotSign = () => new CredentialsError({ message: "the resolved credentials cannot sign a request" })

/**
 * Makes the function that runs one call: attempts until one succeeds, fails for good, or the attempts or the retry
 * budget run out; every attempt resolves credentials and is signed afresh.
 */
export const make = (
  { credentials, endpoint, maxAttempts, retrySchedule, send, skew }: {
    readonly endpoint: Endpoint.Endpoint
    readonly credentials: AwsCredentials["Type"]
    readonly send: Send
    readonly maxAttempts: number
    readonly retrySchedule: Schedule.Schedule<unknown, RetryableError> | undefined
    readonly skew: ClockSkew
  }
) => {
  const budget = new RetryBudget()

  /** Signs at the skew-corrected time and sends; the signed headers are kept in `attempt.sent`, for scrubbing. */
  const attempt = (
    call: Call<ModelledCode, unknown>,
    metadata: ResponseMetadata,
    state: Attempts
  ): Effect.Effect<RawResponse, TransportError | CredentialsError | UnexpectedResponseError> =>
    Effect.flatMap(credentials.resolve, (identity) =>
      Effect.flatMap(skew.now, (time) => {
        const { body, path } = call
        const method = call.plan.method
        const headers: Record<string, string> = body === undefined ?
          { host: endpoint.host } :
          { host: endpoint.host, "content-type": "application/octet-stream", "content-length": String(body.length) }
        return Effect.flatMap(
          Effect.tryPromise({
            try: () =>
              SigV4.sign({ method, hostname: endpoint.hostname, path, headers, body }, {
                credentials: identity,
                region: endpoint.region,
                time,
                payloadHash: call.bodyHash ?? SigV4.payloadHash(body)
              }),
            catch: cannotSign
          }),
          (signed) => {
            // The HTTP client sets Host itself, from the URL: the same value.
            delete signed.host
            state.sent = signed
            return send({ method, path, headers: signed, body, metadata })
          }
        )
      }))

  /** The delay and budget cost of a retry, or `undefined` when the failure must not be retried. */
  const retryAfter = (
    { attempts, driver, error, localTime, response, retryThrottling }: {
      readonly error: ErrorFromResponse | TransportError
      readonly response: RawResponse | undefined
      readonly attempts: number
      readonly localTime: number
      readonly driver: Schedule.ScheduleDriver<unknown, RetryableError> | undefined
      readonly retryThrottling: boolean
    }
  ): Effect.Effect<{ readonly delay: number; readonly cost: number } | undefined> => {
    if (!isRetryable(error)) return Effect.succeed(undefined)
    const kind = classify(error)
    if (kind === undefined || (kind === "throttling" && !retryThrottling) || attempts >= maxAttempts) {
      return Effect.succeed(undefined)
    }
    const cost = budget.take(kind)
    if (cost === undefined) return Effect.succeed(undefined)
    if (driver !== undefined) {
      // A custom schedule decides the delay (it sleeps itself) and may stop early.
      return driver.next(error).pipe(
        Effect.zipRight(Clock.currentTimeMillis),
        Effect.map((after) => ({ delay: Math.max(0, after - localTime), cost })),
        Effect.orElseSucceed(() => {
          budget.release(cost)
          return undefined
        })
      )
    }
    return Effect.flatMap(Random.next, (random) => {
      const delay = backoff(
        kind,
        attempts,
        random,
        response === undefined ? undefined : retryAfterMillis(response, localTime)
      )
      return Effect.as(Effect.sleep(Duration.millis(delay)), { delay, cost })
    })
  }

  const run = <C extends ModelledCode, A>(
    call: Call<C, A>,
    driver: Schedule.ScheduleDriver<unknown, RetryableError> | undefined
  ): Effect.Effect<A, CallError<C>> => {
    const state: Attempts = { sent: undefined }
    const loop = (
      { attempts, skewCorrected, spent, totalRetryDelay }: {
        readonly attempts: number
        readonly totalRetryDelay: number
        readonly spent: number
        readonly skewCorrected: boolean
      }
    ): Effect.Effect<A, CallError<C>> => {
      /** After a failed attempt: correct the clock and re-sign, retry after a delay, or fail. */
      const retryOrFail = (error: ErrorFromResponse<C> | TransportError, response: RawResponse | undefined) =>
        Effect.flatMap(Clock.currentTimeMillis, (localTime): Effect.Effect<A, CallError<C>> => {
          const server = response === undefined ? undefined : serverTime(response)
          if (
            !skewCorrected && server !== undefined && error._tag !== "TransportError" && mayBeSkew(error) &&
            Math.abs(server - (localTime + skew.offset)) >= SKEW_THRESHOLD
          ) {
            skew.offset = server - localTime
            return loop({ attempts: attempts + 1, totalRetryDelay, spent, skewCorrected: true })
          }
          return Effect.flatMap(
            retryAfter({ error, response, attempts, localTime, driver, retryThrottling: call.retryThrottling }),
            (retry) =>
              retry === undefined ? Effect.fail(error) : loop({
                attempts: attempts + 1,
                totalRetryDelay: totalRetryDelay + retry.delay,
                spent: spent + retry.cost,
                skewCorrected
              })
          )
        })
      return Effect.matchEffect(attempt(call, { attempts, totalRetryDelay }, state), {
        onSuccess: (response) => {
          const metadata = metadataOf(response, attempts, totalRetryDelay)
          if (response.status >= 200 && response.status < 300) {
            budget.release(spent === 0 ? 1 : spent)
            return Either.mapLeft(call.plan.output(response, metadata), (error) => scrubError(error, state.sent))
          }
          return retryOrFail(errorFromResponse(response, call.plan.errors, metadata, state.sent), response)
        },
        onFailure: (error) =>
          error._tag === "CredentialsError" ? Effect.fail(error) : retryOrFail(scrubError(error, state.sent), undefined)
      })
    }
    return loop({ attempts: 1, totalRetryDelay: 0, spent: 0, skewCorrected: false })
  }

  /** Runs a call, with a fresh driver of the custom retry schedule, if any. */
  return <C extends ModelledCode, A>(call: Call<C, A>): Effect.Effect<A, CallError<C>> =>
    retrySchedule === undefined ?
      run(call, undefined) :
      Effect.flatMap(Schedule.driver(retrySchedule), (driver) => run(call, driver))
}

/** The headers of a call's latest attempt, as signed. */
interface Attempts {
  sent: Record<string, string> | undefined
}
