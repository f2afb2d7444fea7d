/**
 * A frozen clock for tests: the time stands at a chosen instant (so signatures and presigned URLs are exact and
 * repeatable) until the test moves it, while `sleep` waits in real time (so timeouts and backoff still work).
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * A frozen clock that the test can move.
 *
 * @since 0.1.0
 * @category models
 */
export interface FixedClock extends Clock.Clock {
  /** Moves the clock by `millis` (negative to go back). */
  readonly adjust: (millis: number) => void
  /** Sets the clock to an instant. */
  readonly set: (time: Date | number) => void
}

/**
 * Makes a clock that starts at `start` (a `Date` or epoch milliseconds).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (start: Date | number): FixedClock => {
  const toMillis = (time: Date | number) => typeof time === "number" ? time : time.getTime()
  let now = toMillis(start)
  const real = Clock.make()
  const clock: FixedClock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => now,
    currentTimeMillis: Effect.sync(() => now),
    unsafeCurrentTimeNanos: () => BigInt(now) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
    sleep: (duration) => real.sleep(duration),
    adjust: (millis) => {
      now += millis
    },
    set: (time) => {
      now = toMillis(time)
    }
  }
  return clock
}

/**
 * Installs a fixed clock for the effects it is provided to.
 *
 * @example
 * import { FixedClock } from "@effect-apigw/layers"
 *
 * const layer = FixedClock.layer(new Date("2015-08-30T12:36:00Z"))
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (start: Date | number): Layer.Layer<never> => Layer.setClock(make(start))
