/**
 * Logging from Node callbacks (sockets, timers, HTTP requests), on the runtime of the effect that starts the
 * emulator, so its logger and minimum level apply.
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as LogLevel from "effect/LogLevel"
import * as Runtime from "effect/Runtime"

/** @internal */
export type Level = "Debug" | "Info" | "Warning" | "Error"

/** Logs a line, annotated with the emulator's stage; never throws. */
export type Log = (
  level: Level,
  message: string,
  annotations?: Record<string, unknown>,
  cause?: Cause.Cause<unknown>
) => void

/** @internal */
export const make = <R>(runtime: Runtime.Runtime<R>, stage: string): Log => {
  // Running an Effect per log line costs more than a whole PostToConnection: skip the ones below the level.
  const minimum = FiberRefs.getOrDefault(runtime.fiberRefs, FiberRef.currentMinimumLogLevel)
  const runSync = Runtime.runSync(runtime)
  return (level, message, annotations = {}, cause) => {
    const logLevel = LogLevel.fromLiteral(level)
    if (LogLevel.lessThan(logLevel, minimum)) return
    const effect = cause === undefined ?
      Effect.logWithLevel(logLevel, message) :
      Effect.logWithLevel(logLevel, message, cause)
    try {
      runSync(effect.pipe(Effect.annotateLogs({ emulator: stage, ...annotations })))
    } catch {
      // A logger that throws (on a handler's hostile error, say) must not stop the emulator answering.
    }
  }
}
