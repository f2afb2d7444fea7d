import { BroadcastAbortedError, InvalidInputError, type LimitExceededException } from "@effect-apigw/schema/Errors"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Take from "effect/Take"
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

/** The ids, one at a time, for any number of workers: `undefined` once they are exhausted. */
const source = <IE, IR>(
  ids: Iterable<string> | Stream.Stream<string, IE, IR>
): Effect.Effect<Effect.Effect<string | undefined, IE | InvalidInputError, IR>, never, Scope.Scope | IR> => {
  if (!(Stream.StreamTypeId in ids)) {
    const iterator = (ids as Iterable<string>)[Symbol.iterator]()
    return Effect.succeed(Effect.try({
      try: () => {
        const next = iterator.next()
        return next.done ? undefined : next.value
      },
      catch: () => new InvalidInputError({ field: "ConnectionIds", description: "the iterable threw" })
    }))
  }
  // A Stream is pulled a chunk at a time, by one worker at a time.
  return Effect.gen(function*() {
    const pull = yield* Stream.toPull(ids as Stream.Stream<string, IE, IR>)
    const lock = yield* Effect.makeSemaphore(1)
    let buffer: Array<string> = []
    let index = 0
    let done = false
    const refill: Effect.Effect<string | undefined, IE, IR> = Effect.suspend(() => {
      if (index < buffer.length) return Effect.succeed(buffer[index++])
      if (done) return Effect.succeed(undefined)
      return Effect.matchEffect(pull, {
        onFailure: Option.match({
          onNone: () => {
            done = true
            return Effect.succeed(undefined)
          },
          onSome: Effect.fail
        }),
        onSuccess: (chunk) => {
          buffer = Chunk.toArray(chunk) as Array<string>
          index = 0
          return refill
        }
      })
    })
    return lock.withPermits(1)(refill)
  })
}

/**
 * Posts to every id with `concurrency` workers, handing each outcome to `emit`. Throttling pauses every worker (a
 * shared, growing backoff that shrinks again with each delivery) and the id is tried again; Gone ids are reported
 * (and `onGone` run); other per-id failures are reported; failures that say the endpoint itself is unusable stop the
 * whole broadcast after `ABORT_AFTER` in a row. (`Stream.mapEffect` with concurrency costs about 100-300 µs an
 * element; these workers a few.)
 */
export const run = <E extends PostError, IE, IR, GE, GR, EE, ER>(
  ids: Iterable<string> | Stream.Stream<string, IE, IR>,
  concurrency: number,
  post: (connectionId: string) => Effect.Effect<unknown, E>,
  onGone: ((connectionId: string) => Effect.Effect<unknown, GE, GR>) | undefined,
  emit: (outcome: Outcome<E>) => Effect.Effect<void, EE, ER>
): Effect.Effect<void, IE | GE | EE | InvalidInputError | BroadcastAbortedError, IR | GR | ER> =>
  Effect.scoped(Effect.gen(function*() {
    const next = yield* source(ids)
    let delivered = 0
    let gone = 0
    let failed = 0
    let failingInARow = 0
    let throttleLevel = 0
    let pausedUntil = 0

    const waitIfPaused = Effect.flatMap(
      Clock.currentTimeMillis,
      (now) => pausedUntil > now ? Effect.sleep(Duration.millis(pausedUntil - now)) : Effect.void
    )

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
      (pausedUntil === 0 ? post(connectionId) : Effect.zipRight(waitIfPaused, post(connectionId))).pipe(
        Effect.matchEffect({
          onSuccess: (): Effect.Effect<Outcome<E>> => {
            delivered++
            failingInARow = 0
            if (throttleLevel > 0) throttleLevel--
            return Effect.succeed({ _tag: "Delivered", ConnectionId: connectionId })
          },
          onFailure: (error): Effect.Effect<Outcome<E>, GE | BroadcastAbortedError, GR> => {
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
          }
        })
      )

    const worker: Effect.Effect<void, IE | GE | EE | InvalidInputError | BroadcastAbortedError, IR | GR | ER> = Effect
      .flatMap(
        next,
        (id) => id === undefined ? Effect.void : Effect.zipRight(Effect.flatMap(deliver(id, 1), emit), worker)
      )
    yield* Effect.all(Array.from({ length: concurrency }, () => worker), { concurrency: "unbounded", discard: true })
  }))

/** The outcomes of {@link run} as a stream, with back-pressure: workers wait while the consumer is behind. */
export const stream = <E extends PostError, IE, IR, GE, GR>(
  ids: Iterable<string> | Stream.Stream<string, IE, IR>,
  concurrency: number,
  post: (connectionId: string) => Effect.Effect<unknown, E>,
  onGone: ((connectionId: string) => Effect.Effect<unknown, GE, GR>) | undefined
): Stream.Stream<Outcome<E>, IE | GE | InvalidInputError | BroadcastAbortedError, IR | GR> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const queue = yield* Effect.acquireRelease(
      Queue.bounded<Take.Take<Outcome<E>, IE | GE | InvalidInputError | BroadcastAbortedError>>(concurrency * 2),
      Queue.shutdown
    )
    yield* run(ids, concurrency, post, onGone, (outcome) => Queue.offer(queue, Take.of(outcome))).pipe(
      Effect.matchCauseEffect({
        onFailure: (cause) => Queue.offer(queue, Take.failCause(cause)),
        onSuccess: () => Queue.offer(queue, Take.end)
      }),
      Effect.forkScoped
    )
    return Stream.flattenTake(Stream.fromQueue(queue))
  }))
