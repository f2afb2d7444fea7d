import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"

/**
 * Fails with `onTimeout()` and interrupts `effect` (aborting its HTTP request) when it has not completed within
 * `millis`. A native timer instead of `Effect.timeout`, which costs about three times the CPU on this hot path (it
 * races the effect with a sleeping fiber); so this bound runs on real time, not on the Effect `Clock`.
 */
export const timeout = <A, E, E2>(
  effect: Effect.Effect<A, E>,
  millis: number,
  onTimeout: () => E2
): Effect.Effect<A, E | E2> =>
  Effect.flatMap(Effect.fork(effect), (child) =>
    Effect.async<A, E | E2>((resume) => {
      const timer = setTimeout(() => {
        child.unsafeInterruptAsFork(FiberId.none)
        resume(Effect.fail(onTimeout()))
      }, millis)
      child.addObserver((exit) => {
        clearTimeout(timer)
        resume(exit)
      })
      return Effect.sync(() => {
        clearTimeout(timer)
        child.unsafeInterruptAsFork(FiberId.none)
      })
    }))
