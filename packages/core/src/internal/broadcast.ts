import { BroadcastAbortedError, InvalidInputError } from "@effect-apigw/schema/Errors"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Take from "effect/Take"
import type { BroadcastRequest } from "../ApiGatewayManagementApi.js"
import * as Input from "../Input.js"
import { classify, isRetryable, MAX_DELAY, THROTTLING_BASE_DELAY } from "./retry.js"

/** How one id fared. */
export type Outcome<E> =
  | { readonly _tag: "Delivered"; readonly ConnectionId: string }
  | { readonly _tag: "Gone"; readonly ConnectionId: string }
  | { readonly _tag: "Failed"; readonly ConnectionId: string; readonly error: E }

/** Posts in flight at most, unless the request says otherwise (`DEFAULT_BROADCAST_CONCURRENCY` of the client). */
export const DEFAULT_CONCURRENCY = 32
/** The most posts in flight a request may ask for (`MAX_BROADCAST_CONCURRENCY` of the client). */
export const MAX_CONCURRENCY = 10_000
/** Consecutive endpoint-level failures (no delivery and no Gone in between) that stop a broadcast. */
export const ABORT_AFTER = 5
/** How often one id is tried again after throttling before it is reported failed. */
export const MAX_THROTTLED_TRIES = 10
/**
 * Refusals of one id while posts to other ids go through after which that id is reported failed: its client cannot
 * take more (API Gateway answers 429 when a connection's client-side buffer is full), and waiting on it would hold
 * up nobody else but is pointless.
 */
export const MAX_CONNECTION_STRIKES = 3
/** The first delay before an id put aside is tried again (doubling each time up to 8 times it, with equal jitter). */
export const CONNECTION_RETRY_DELAY = 100
/** How many recent outcomes tell endpoint throttling from one connection that cannot take more. */
const RECENT = 16

type PostError = { readonly _tag: string }

/** What a checked request broadcasts to: the ids, the posts in flight at most, and what to run for each Gone id. */
export interface Targets<IE, IR, GE, GR> {
  readonly ids: Iterable<string> | Stream.Stream<string, IE, IR>
  readonly concurrency: number
  readonly onGone: ((connectionId: string) => Effect.Effect<unknown, GE, GR>) | undefined
}

const invalid = (field: string, description: string) => new InvalidInputError({ field, description })

/**
 * Checks a request, all but its `Data` (which `Input.data` checks as it encodes it): what it broadcasts to, with the
 * default concurrency filled in, or the `InvalidInputError` of the first field that is wrong. The ids themselves are
 * checked as they are read, one post at a time.
 */
export const check = <IE, IR, GE, GR>(
  input: BroadcastRequest<IE, IR, GE, GR>
): Either.Either<Targets<IE, IR, GE, GR>, InvalidInputError> => {
  if (typeof input !== "object" || input === null) {
    return Either.left(
      invalid("input", `expected an object with ConnectionIds and Data, got ${Input.describeType(input)}`)
    )
  }
  const concurrency: unknown = input.concurrency ?? DEFAULT_CONCURRENCY
  if (
    typeof concurrency !== "number" || !Number.isInteger(concurrency) || concurrency < 1 ||
    concurrency > MAX_CONCURRENCY
  ) {
    return Either.left(
      invalid("concurrency", `${Input.describeValue(concurrency)} is not a whole number from 1 to ${MAX_CONCURRENCY}`)
    )
  }
  const ids = input.ConnectionIds
  if (ids === null || typeof ids !== "object" || !(Symbol.iterator in ids || Stream.StreamTypeId in ids)) {
    return Either.left(
      invalid("ConnectionIds", `expected an iterable or a Stream of connection ids, got ${Input.describeType(ids)}`)
    )
  }
  const onGone = input.onGone
  if (onGone !== undefined && typeof onGone !== "function") {
    return Either.left(
      invalid("onGone", `expected a function returning an Effect, got ${Input.describeType(onGone)}`)
    )
  }
  return Either.right({ ids, concurrency, onGone })
}

/** The end of the ids. */
const END: unique symbol = Symbol("END")
/** In the recent outcomes: a post that went through after being throttled. */
const RETRIED: unique symbol = Symbol("RETRIED")

/**
 * The ids, one at a time, for any number of workers: `END` once they are exhausted. Ids are not checked here: a value
 * that is not a connection id is posted as it is, and fails that post with `InvalidInputError`.
 */
const source = <IE, IR>(
  ids: Iterable<unknown> | Stream.Stream<unknown, IE, IR>
): Effect.Effect<Effect.Effect<unknown, IE | InvalidInputError, IR>, InvalidInputError, Scope.Scope | IR> => {
  if (!(Stream.StreamTypeId in ids)) {
    return Effect.flatMap(
      Effect.try({
        try: () => (ids as Iterable<unknown>)[Symbol.iterator](),
        catch: () => new InvalidInputError({ field: "ConnectionIds", description: "the iterable threw" })
      }),
      (iterator) =>
        typeof iterator !== "object" || iterator === null || typeof iterator.next !== "function" ?
          Effect.fail(
            new InvalidInputError({ field: "ConnectionIds", description: "the iterable gave no iterator" })
          ) :
          Effect.succeed(Effect.try({
            try: () => {
              const next = iterator.next()
              if (typeof next !== "object" || next === null) throw new TypeError("not an iterator result")
              return next.done ? END : next.value
            },
            catch: () => new InvalidInputError({ field: "ConnectionIds", description: "the iterable threw" })
          }))
    )
  }
  // A Stream is pulled a chunk at a time, by one worker at a time.
  return Effect.gen(function*() {
    const pull = yield* Stream.toPull(ids as Stream.Stream<unknown, IE, IR>)
    const lock = yield* Effect.makeSemaphore(1)
    let buffer: Array<unknown> = []
    let index = 0
    let done = false
    const refill: Effect.Effect<unknown, IE, IR> = Effect.suspend(() => {
      if (index < buffer.length) return Effect.succeed(buffer[index++])
      if (done) return Effect.succeed(END)
      return Effect.matchEffect(pull, {
        onFailure: Option.match({
          onNone: () => {
            done = true
            return Effect.succeed(END)
          },
          onSome: Effect.fail
        }),
        onSuccess: (chunk) => {
          buffer = Chunk.toArray(chunk)
          index = 0
          return refill
        }
      })
    })
    return lock.withPermits(1)(refill)
  })
}

/** An id to post, and how it fared so far. */
interface Job {
  readonly id: unknown
  /** Attempts refused by throttling so far, plus one. */
  readonly tries: number
  /** Refusals of this id while others went through. */
  readonly strikes: number
  /** Times it was put aside to be tried again later. */
  readonly deferrals: number
}

interface Deferred {
  readonly job: Job
  readonly readyAt: number
}

/**
 * Posts to every id with `concurrency` workers, handing each outcome to `emit`; every id read ends as exactly one
 * outcome (a value that is not a connection id as `Failed` with the `InvalidInputError` of its post).
 *
 * Throttling is told apart by where it falls, from the last {@link RECENT} outcomes of first tries and retries:
 * - the endpoint throttling (first tries of several other ids refused, or nothing going through at all while no other
 *   id is left to try): every worker
 *   waits on one shared, growing pause that shrinks again with each delivery, and the id is tried again (up to
 *   `MAX_THROTTLED_TRIES` times), so no id fails;
 * - one connection that cannot take more (refused while posts to others go through, and no throttled post of another
 *   id seen to pass on a retry): that id alone is put aside and tried again later with its own short backoff, while
 *   its worker goes on with other ids, and after `MAX_CONNECTION_STRIKES` such refusals it is reported failed with
 *   its error; the shared pause does not grow.
 * An id refused when nothing tells the two apart yet, or after others' throttling was seen to pass on a retry, is put
 * aside too (a short wait for it alone, no refusal counted against it).
 *
 * Gone ids are reported (and `onGone` run); other per-id failures are reported; failures that say the endpoint
 * itself is unusable stop the whole broadcast after `ABORT_AFTER` in a row. (`Stream.mapEffect` with concurrency
 * costs about 100-300 µs an element; these workers a few.)
 */
export const run = <E extends PostError, IE, IR, GE, GR, EE, ER>(options: {
  readonly ids: Iterable<unknown> | Stream.Stream<unknown, IE, IR>
  readonly concurrency: number
  readonly post: (connectionId: string) => Effect.Effect<unknown, E>
  readonly onGone?: ((connectionId: string) => Effect.Effect<unknown, GE, GR>) | undefined
  readonly emit: (outcome: Outcome<E>) => Effect.Effect<void, EE, ER>
}): Effect.Effect<void, IE | GE | EE | InvalidInputError | BroadcastAbortedError, IR | GR | ER> =>
  Effect.scoped(Effect.gen(function*() {
    const { concurrency, emit, onGone, post } = options
    const next = yield* source(options.ids)
    let exhausted = false
    let delivered = 0
    let gone = 0
    let failed = 0
    let failingInARow = 0
    let throttleLevel = 0
    let pausedUntil = 0
    const deferred: Array<Deferred> = []
    /**
     * The last outcomes that say something about the endpoint, oldest overwritten first: `null` a post that went
     * through on its first try (delivered or gone), `RETRIED` one that went through after being throttled (the
     * throttling was transient), a string the id of a post throttled on its first try; `undefined` nothing yet.
     * Later refusals of an id are not kept: a connection refused again and again says nothing about the endpoint.
     */
    const recent: Array<string | null | typeof RETRIED | undefined> = new Array(RECENT)
    let recentAt = 0
    const remember = (entry: string | null | typeof RETRIED) => {
      recent[recentAt] = entry
      recentAt = recentAt === RECENT - 1 ? 0 : recentAt + 1
    }

    const waitIfPaused = Effect.flatMap(
      Clock.currentTimeMillis,
      (now) => pausedUntil > now ? Effect.sleep(Duration.millis(pausedUntil - now)) : Effect.void
    )

    /** Grows the shared pause (when none is on: posts in flight when it began are the same signal) and waits. */
    const pauseEveryone = Effect.flatMap(Effect.zip(Clock.currentTimeMillis, Random.next), ([now, random]) => {
      if (pausedUntil <= now) {
        throttleLevel = Math.min(throttleLevel + 1, 16)
        const ceiling = Math.min(MAX_DELAY, THROTTLING_BASE_DELAY * 2 ** (throttleLevel - 1))
        // Equal jitter: every worker waits at least half the ceiling, so the pause is real.
        pausedUntil = now + Math.round(ceiling / 2 + random * ceiling / 2)
      }
      return waitIfPaused
    })

    /** Puts a job aside, to be tried again after its own backoff; its worker goes on with other ids. */
    const defer = (job: Job) =>
      Effect.map(Effect.zip(Clock.currentTimeMillis, Random.next), ([now, random]): undefined => {
        const ceiling = CONNECTION_RETRY_DELAY * 2 ** Math.min(job.deferrals - 1, 3)
        deferred.push({ job, readyAt: now + Math.round(ceiling / 2 + random * ceiling / 2) })
        return undefined
      })

    const failedOutcome = (id: unknown, error: E): Outcome<E> => {
      failed++
      return { _tag: "Failed", ConnectionId: id as string, error }
    }

    /** What to do with an id refused by throttling: the outcome, `undefined` when it was put aside. */
    const throttled = (
      job: Job,
      error: E
    ): Effect.Effect<Outcome<E> | undefined, GE | InvalidInputError | BroadcastAbortedError, GR> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const first = job.tries === 1
        const retry: Job = { ...job, tries: job.tries + 1 }
        let wentThrough = false
        let transient = false
        let othersRefused = 0
        let other: string | undefined
        for (const entry of recent) {
          if (entry === null) wentThrough = true
          else if (entry === RETRIED) wentThrough = transient = true
          else if (typeof entry === "string" && entry !== job.id && entry !== other) {
            // Counts up to two distinct ids (`other` holds the first): enough to tell.
            if (other === undefined) other = entry
            othersRefused++
          }
        }
        if (first) remember(job.id as string)
        if (job.tries >= MAX_THROTTLED_TRIES) return Effect.succeed(failedOutcome(job.id, error))
        // In flight when a pause began, or refusals spread over several ids, or nothing going through at all: the
        // endpoint is throttling.
        if (pausedUntil > now) return Effect.zipRight(waitIfPaused, deliver(retry))
        if (othersRefused >= 2) return Effect.zipRight(pauseEveryone, deliver(retry))
        if (!wentThrough) {
          // Nothing tells yet: put it aside, and let the next ids tell; with none left, nothing goes through at all.
          return first || !exhausted ?
            defer({ ...retry, deferrals: job.deferrals + 1 }) :
            Effect.zipRight(pauseEveryone, deliver(retry))
        }
        // Refused while others go through, and no throttling of others seen to pass: this connection cannot take more.
        if (!transient) {
          const strikes = job.strikes + 1
          if (strikes >= MAX_CONNECTION_STRIKES) return Effect.succeed(failedOutcome(job.id, error))
          return defer({ ...retry, strikes, deferrals: job.deferrals + 1 })
        }
        // Others' throttling was seen to pass on a retry: this one may pass too, later.
        return defer({ ...retry, deferrals: job.deferrals + 1 })
      })

    /** Posts one job: its outcome, or `undefined` when it was put aside to be tried again later. */
    const deliver = (
      job: Job
    ): Effect.Effect<Outcome<E> | undefined, GE | InvalidInputError | BroadcastAbortedError, GR> =>
      (pausedUntil === 0 ? post(job.id as string) : Effect.zipRight(waitIfPaused, post(job.id as string))).pipe(
        Effect.matchEffect({
          onSuccess: (): Effect.Effect<Outcome<E>> => {
            delivered++
            failingInARow = 0
            if (throttleLevel > 0) throttleLevel--
            remember(job.tries === 1 ? null : RETRIED)
            return Effect.succeed({ _tag: "Delivered", ConnectionId: job.id as string })
          },
          onFailure: (
            error
          ): Effect.Effect<Outcome<E> | undefined, GE | InvalidInputError | BroadcastAbortedError, GR> => {
            const connectionId = job.id as string
            if (error._tag === "GoneException") {
              gone++
              failingInARow = 0
              remember(job.tries === 1 ? null : RETRIED)
              const outcome = { _tag: "Gone", ConnectionId: connectionId } as const
              return onGone === undefined
                ? Effect.succeed(outcome)
                : Effect.as(runOnGone(onGone, connectionId), outcome)
            }
            if (isRetryable(error) && classify(error) === "throttling") return throttled(job, error)
            const perConnection = error._tag === "InvalidInputError" || error._tag === "PayloadTooLargeException" ||
              error._tag === "LimitExceededException"
            if (!perConnection && ++failingInARow >= ABORT_AFTER) {
              failed++
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
            return Effect.succeed(failedOutcome(connectionId, error))
          }
        })
      )

    /** The next job: one put aside whose time has come, else the next id, else (ids exhausted) the next put aside. */
    const take: Effect.Effect<Job | undefined, IE | InvalidInputError, IR> = Effect.suspend(() => {
      if (deferred.length === 0) {
        if (exhausted) return Effect.succeed(undefined)
        return Effect.flatMap(next, (id) => {
          if (id !== END) return Effect.succeed({ id, tries: 1, strikes: 0, deferrals: 0 })
          exhausted = true
          return take
        })
      }
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        let soonest = 0
        for (let i = 0; i < deferred.length; i++) {
          if (deferred[i].readyAt <= now) return Effect.succeed(deferred.splice(i, 1)[0].job)
          if (deferred[i].readyAt < deferred[soonest].readyAt) soonest = i
        }
        if (!exhausted) {
          return Effect.flatMap(next, (id) => {
            if (id !== END) return Effect.succeed({ id, tries: 1, strikes: 0, deferrals: 0 })
            exhausted = true
            return take
          })
        }
        return Effect.zipRight(Effect.sleep(Duration.millis(deferred[soonest].readyAt - now)), take)
      })
    })

    const worker: Effect.Effect<void, IE | GE | EE | InvalidInputError | BroadcastAbortedError, IR | GR | ER> = Effect
      .flatMap(
        take,
        (job) =>
          job === undefined ? Effect.void : Effect.zipRight(
            Effect.flatMap(deliver(job), (outcome) => outcome === undefined ? Effect.void : emit(outcome)),
            worker
          )
      )
    yield* Effect.all(Array.from({ length: concurrency }, () => worker), { concurrency: "unbounded", discard: true })
  }))

/** Runs `onGone`, which JavaScript callers may have made return something that is not an Effect. */
const runOnGone = <GE, GR>(
  onGone: (connectionId: string) => Effect.Effect<unknown, GE, GR>,
  connectionId: string
): Effect.Effect<unknown, GE | InvalidInputError, GR> =>
  Effect.suspend((): Effect.Effect<unknown, GE | InvalidInputError, GR> => {
    const result: unknown = onGone(connectionId)
    return Effect.isEffect(result) ?
      result as Effect.Effect<unknown, GE, GR> :
      Effect.fail(
        new InvalidInputError({ field: "onGone", description: "expected a function returning an Effect" })
      )
  })

/** The outcomes of {@link run} as a stream, with back-pressure: workers wait while the consumer is behind. */
export const stream = <E extends PostError, IE, IR, GE, GR>(options: {
  readonly ids: Iterable<string> | Stream.Stream<string, IE, IR>
  readonly concurrency: number
  readonly post: (connectionId: string) => Effect.Effect<unknown, E>
  readonly onGone?: ((connectionId: string) => Effect.Effect<unknown, GE, GR>) | undefined
}): Stream.Stream<Outcome<E>, IE | GE | InvalidInputError | BroadcastAbortedError, IR | GR> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const queue = yield* Effect.acquireRelease(
      Queue.bounded<Take.Take<Outcome<E>, IE | GE | InvalidInputError | BroadcastAbortedError>>(
        options.concurrency * 2
      ),
      Queue.shutdown
    )
    yield* run({ ...options, emit: (outcome) => Queue.offer(queue, Take.of(outcome)) }).pipe(
      Effect.matchCauseEffect({
        onFailure: (cause) => Queue.offer(queue, Take.failCause(cause)),
        onSuccess: () => Queue.offer(queue, Take.end)
      }),
      Effect.forkScoped
    )
    return Stream.flattenTake(Stream.fromQueue(queue))
  }))
