import { BroadcastAbortedError, type LimitExceededException } from "@effect-apigw/schema/Errors"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Stream from "effect/Stream"
import { classify, MAX_DELAY, THROTTLING_BASE_DELAY } from "./retry.js"

/** How one id fared. */
export type Outcome<E> =
  | { readonly _tag: "Delivered"; readonly ConnectionId: string }
  | { readonly _tag: "Gone"; readonly ConnectionId: string }
  | { readonly _tag: "Failed"; readonly ConnectionId: string; readonly error: E }

/** Consecutive endpoint-level failures (no delivery and no Gone in between) that stop a broadcast. */
export const ABORT_AFTER = 5
/** How often one id is tried again after throttling before it is reported failed. */
export const MAX_THROTTLED_TRIES = 10

type PostError = { readonly _tag: string }

/**
 * Posts to every id with bounded concurrency. Throttling pauses every worker (a shared, growing backoff that shrinks
 * again with each delivery) and the id is tried again; Gone ids are reported (and `onGone` run); other per-id failures
 * are reported; failures that say the endpoint itself is unusable stop the whole broadcast after `ABORT_AFTER` in a
 * row.
 */
export const broadcast = <E extends PostError, IE, IR, GE, GR>(
  ids: Iterable<string> | Stream.Stream<string, IE, IR>,
  concurrency: number,
  post: (connectionId: string) => Effect.Effect<unknown, E>,
  onGone: ((connectionId: string) => Effect.Effect<unknown, GE, GR>) | undefined
): Stream.Stream<Outcome<E>, IE | GE | BroadcastAbortedError, IR | GR> =>
  Stream.unwrap(Effect.sync(() => {
    let delivered = 0
    let gone = 0
    let failed = 0
    let failingInARow = 0
    let throttleLevel = 0
    let pausedUntil = 0

    const waitIfPaused = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      pausedUntil > now ? Effect.sleep(Duration.millis(pausedUntil - now)) : Effect.void)

    // Escalates only when no pause is on: the posts that were already in flight when one was throttled are
    // throttled too, and count as the same signal.
    const throttled = Effect.flatMap(Effect.zip(Clock.currentTimeMillis, Random.next), ([now, random]) => {
      if (pausedUntil <= now) {
        throttleLevel = Math.min(throttleLevel + 1, 16)
        const ceiling = Math.min(MAX_DELAY, THROTTLING_BASE_DELAY * 2 ** (throttleLevel - 1))
        // Equal jitter: every worker waits at least half the ceiling, so the pause is real.
        pausedUntil = now + Math.round(ceiling / 2 + random * ceiling / 2)
      }
      return waitIfPaused
    })

    const deliver = (connectionId: string, tries: number): Effect.Effect<Outcome<E>, GE | BroadcastAbortedError, GR> =>
      waitIfPaused.pipe(
        Effect.zipRight(Effect.either(post(connectionId))),
        Effect.flatMap((result): Effect.Effect<Outcome<E>, GE | BroadcastAbortedError, GR> => {
          if (result._tag === "Right") {
            delivered++
            failingInARow = 0
            throttleLevel = Math.max(0, throttleLevel - 1)
            return Effect.succeed({ _tag: "Delivered", ConnectionId: connectionId })
          }
          const error = result.left
          if (error._tag === "GoneException") {
            gone++
            failingInARow = 0
            const outcome = { _tag: "Gone", ConnectionId: connectionId } as const
            return onGone === undefined ? Effect.succeed(outcome) : Effect.as(onGone(connectionId), outcome)
          }
          if (classify(error as unknown as LimitExceededException) === "throttling" && tries < MAX_THROTTLED_TRIES) {
            return Effect.zipRight(throttled, deliver(connectionId, tries + 1))
          }
          failed++
          const perConnection = error._tag === "InvalidInputError" || error._tag === "PayloadTooLargeException" ||
            error._tag === "LimitExceededException"
          if (!perConnection && ++failingInARow >= ABORT_AFTER) {
            return Effect.fail(
              new BroadcastAbortedError({
                description: `${ABORT_AFTER} posts in a row failed with errors of the endpoint, the last: ${
                  (error as unknown as Error).message ?? error._tag
                }`,
                error,
                delivered,
                gone,
                failed
              })
            )
          }
          return Effect.succeed({ _tag: "Failed", ConnectionId: connectionId, error })
        })
      )

    const source = Stream.StreamTypeId in ids ?
      ids as Stream.Stream<string, IE, IR> :
      Stream.fromIterable(ids as Iterable<string>)
    return source.pipe(Stream.mapEffect((id) =>
      deliver(id, 1), { concurrency, unordered: true }))
  }))
