/**
 * The credentials cache: one fetch for all concurrent callers, refreshed ahead of expiry.
 *
 * @internal
 */
import type { AwsCredentialIdentity } from "@effect-apigw/core/AwsCredentials"
import { CredentialsError } from "@effect-apigw/schema/Errors"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Scope from "effect/Scope"

/** @internal */
export interface CacheOptions {
  /** How long before expiry credentials are refreshed (default 5 minutes). */
  readonly refreshBefore?: Duration.DurationInput | undefined
  /** How long to keep using still-valid credentials after a failed refresh before trying again (default 10 s). */
  readonly retryAfterFailure?: Duration.DurationInput | undefined
}

interface Entry {
  readonly identity: AwsCredentialIdentity
  /** From this instant (epoch ms) the next resolve fetches again. */
  readonly refreshAt: number
  /** Until this instant (epoch ms) the identity may be used (Infinity for long-term keys). */
  readonly expiresAt: number
}

type Waiter = Deferred.Deferred<AwsCredentialIdentity, CredentialsError>

/**
 * When to refresh credentials fetched at `now`: `refreshBefore` ahead of expiry, but never sooner than half-way
 * through a short lifetime (so credentials that live less than `refreshBefore` are not fetched on every call).
 *
 * @internal
 */
export const entryFor = (identity: AwsCredentialIdentity, now: number, refreshBefore: number): Entry => {
  if (identity.expiration === undefined) return { identity, refreshAt: Infinity, expiresAt: Infinity }
  const expiresAt = identity.expiration.getTime()
  const refreshAt = Math.max(expiresAt - refreshBefore, now + Math.floor((expiresAt - now) / 2))
  return { identity, refreshAt: Math.min(refreshAt, expiresAt), expiresAt }
}

/**
 * Wraps an effect that fetches credentials into one that serves them from a cache. Long-term credentials are
 * fetched once; expiring ones again `refreshBefore` ahead of expiry. Concurrent callers share a single in-flight
 * fetch, which runs in the given scope so that interrupting one caller does not cancel it for the others. When a
 * refresh fails while the cached credentials are still valid, those are served (and the refresh retried after
 * `retryAfterFailure`). Failures are not cached. Time comes from `Clock`.
 *
 * The cache lives as long as the scope: once it is closed, callers waiting for a fetch and every later call that
 * would need one fail at once with a `CredentialsError` (a fiber forked into a closed scope is interrupted before
 * it runs, so waiting for it would never end); credentials still valid in the cache are served until they are due.
 *
 * @internal
 */
export const make = (
  fetch: Effect.Effect<AwsCredentialIdentity, CredentialsError>,
  options?: CacheOptions
): Effect.Effect<Effect.Effect<AwsCredentialIdentity, CredentialsError>, never, Scope.Scope> =>
  Effect.flatMap(Effect.scope, (scope) => {
    const refreshBefore = Duration.toMillis(options?.refreshBefore ?? Duration.minutes(5))
    const retryAfterFailure = Duration.toMillis(options?.retryAfterFailure ?? Duration.seconds(10))
    let entry: Entry | undefined
    let inflight: Waiter | undefined
    let closed = false

    const settle =
      (waiter: Waiter, previous: Entry | undefined) => (exit: Exit.Exit<AwsCredentialIdentity, CredentialsError>) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          if (inflight === waiter) inflight = undefined
          if (Exit.isSuccess(exit)) {
            entry = entryFor(exit.value, now, refreshBefore)
            return Deferred.succeed(waiter, exit.value)
          }
          const error = Cause.isInterruptedOnly(exit.cause) ?
            new CredentialsError({ message: "the credentials fetch was interrupted" }) :
            Cause.squash(exit.cause)
          if (previous !== undefined && now < previous.expiresAt) {
            entry = { ...previous, refreshAt: Math.min(now + retryAfterFailure, previous.expiresAt) }
            return Effect.zipRight(
              Effect.logWarning("credentials refresh failed; using the cached credentials until they expire").pipe(
                Effect.annotateLogs("error", error instanceof CredentialsError ? error.message : "unknown error")
              ),
              Deferred.succeed(waiter, previous.identity)
            )
          }
          return error instanceof CredentialsError ?
            Deferred.fail(waiter, error) :
            Deferred.failCause(waiter, exit.cause)
        })

    // Runs when the scope closes, after the in-flight fetch (if any) was interrupted; if that fetch had not started
    // yet, its `onExit` never runs, so the waiters are released here.
    const close = Effect.suspend(() => {
      closed = true
      const waiter = inflight
      inflight = undefined
      return waiter === undefined ? Effect.void : Deferred.fail(waiter, closedError())
    })

    const resolve = Effect.suspend(() => {
      if (entry !== undefined && entry.refreshAt === Infinity) return Effect.succeed(entry.identity)
      if (inflight !== undefined) return Deferred.await(inflight)
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (entry !== undefined && now < entry.refreshAt) return Effect.succeed(entry.identity)
        if (inflight !== undefined) return Deferred.await(inflight)
        if (closed) return Effect.fail(closedError())
        const waiter: Waiter = Deferred.unsafeMake(FiberId.none)
        inflight = waiter
        return fetch.pipe(
          Effect.onExit(settle(waiter, entry)),
          Effect.forkIn(scope),
          Effect.zipRight(Deferred.await(waiter))
        )
      })
    })

    return Effect.as(Scope.addFinalizer(scope, close), resolve)
  })

const closedError = (): CredentialsError =>
  new CredentialsError({
    message: "the credentials cache was used after the scope of its layer closed; build the layer again"
  })
