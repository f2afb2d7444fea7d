/**
 * Handler invocation, as a Lambda proxy integration does it: each handler in a fiber of its own, answered once with
 * its checked result, a failure, or a time-out; at shutdown the running ones are awaited (bounded), then stopped.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Runtime from "effect/Runtime"
import type { Handler, HandlerResult, LambdaContext, WebSocketEvent } from "../Event.js"
import type { Log } from "./log.js"
import * as Util from "./util.js"

/** A handler's result, read once: its getters and proxies are not touched again. */
export interface Result {
  readonly statusCode: number | undefined
  readonly body: string | undefined
  readonly isBase64Encoded: boolean
}

/** How a handler answered: with a result (or nothing), or a failure the client sees as a status and a message. */
export type Outcome =
  | { readonly _tag: "Ok"; readonly result: Result | undefined }
  | { readonly _tag: "Failed"; readonly status: number; readonly message: string }

const OK: Outcome = { _tag: "Ok", result: undefined }
const INTERNAL_ERROR: Outcome = { _tag: "Failed", status: 500, message: "Internal server error" }
const BAD_RESULT: Outcome = { _tag: "Failed", status: 502, message: "Internal server error" }
const TIMED_OUT: Outcome = { _tag: "Failed", status: 504, message: "Endpoint request timed out" }
const UNAVAILABLE: Outcome = { _tag: "Failed", status: 503, message: "Service Unavailable" }

/** Runs handlers, and keeps track of the ones that have not answered. */
export interface Invoker<R> {
  /**
   * Runs a handler: `onOutcome` is called exactly once, with the checked result, a failure, or a time-out after
   * `handlerTimeout`; a timed-out fiber is interrupted in the background, never waited for (it may be
   * uninterruptible).
   */
  readonly run: (handler: Handler<R>, event: WebSocketEvent, onOutcome: (outcome: Outcome) => void) => void
  /** Resolves once no handler is running, or after `millis` (on a real timer). */
  readonly settle: (millis: number) => Promise<void>
  /** Answers every running handler 503 (a pending `$connect` is refused) and interrupts it. */
  readonly interruptAll: () => void
}

const isThenable = (u: unknown): u is PromiseLike<unknown> =>
  typeof u === "object" && u !== null && "then" in u && typeof u.then === "function"

/** What a handler returned, as an effect; a Proxy is a plain value whatever it claims to be. */
const fromReturned = <R>(returned: ReturnType<Handler<R>>): Effect.Effect<unknown, unknown, R> =>
  Util.isProxy(returned) ?
    Effect.succeed(returned) :
    Effect.isEffect(returned) ?
    returned :
    isThenable(returned) ?
    Effect.tryPromise(() => Promise.resolve(returned)) :
    Effect.succeed(returned)

/** @internal */
export const make = <R>(options: {
  /** Handlers run with the context of the effect that starts the emulator. */
  readonly runtime: Runtime.Runtime<R>
  readonly log: Log
  readonly now: () => number
  readonly handlerMillis: number
  readonly region: string
}): Invoker<R> => {
  const { handlerMillis, log, now, region } = options
  const runFork = Runtime.runFork(options.runtime)
  /** Handler runs not answered yet, each as the function that answers with an outcome and interrupts its fiber. */
  const running = new Set<(outcome: Outcome) => void>()
  let onIdle: (() => void) | undefined

  const lambdaContext = (requestId: string, routeKey: string, deadline: number): LambdaContext => ({
    awsRequestId: requestId,
    functionName: `apigw-emulator-${routeKey.replace(/[^A-Za-z0-9_-]/g, "")}`,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:apigw-emulator`,
    memoryLimitInMB: "128",
    logGroupName: "/aws/lambda/apigw-emulator",
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now())
  })

  /**
   * A handler's return value as the integration reads it: each property once, in a `try` (a getter or a proxy may
   * throw); a value that is not a Lambda proxy result is a 502.
   */
  const resultOf = (value: unknown, annotations: Record<string, unknown>): Outcome => {
    if (value === undefined || value === null) return OK
    try {
      if (typeof value === "object") {
        const { body, isBase64Encoded, statusCode } = value as HandlerResult
        if (
          (statusCode === undefined || Number.isInteger(statusCode)) &&
          (body === undefined || body === null || typeof body === "string")
        ) {
          return {
            _tag: "Ok",
            result: { statusCode, body: body ?? undefined, isBase64Encoded: isBase64Encoded === true }
          }
        }
      }
      log("Error", `malformed Lambda proxy response: ${Util.describe(value)}`, annotations)
      return BAD_RESULT
    } catch (error) {
      log("Error", `the handler's result could not be read: ${Util.describe(error)}`, annotations)
      return INTERNAL_ERROR
    }
  }

  const run: Invoker<R>["run"] = (handler, event, onOutcome) => {
    const { connectionId, requestId, routeKey } = event.requestContext
    const annotations = { connectionId, routeKey, requestId }
    // What the handler throws is caught here: thrown through the runtime, a Proxy breaks its checks of the error.
    // The fiber always succeeds, with the handler's exit: the runtime does not log the failure a second time, with
    // a logger that may throw on it before the observer below has run.
    const self = runFork(Effect.exit(Effect.suspend((): Effect.Effect<unknown, unknown, R> => {
      try {
        return fromReturned<R>(handler(event, lambdaContext(requestId, routeKey, now() + handlerMillis)))
      } catch (thrown) {
        return Effect.die(thrown)
      }
    })))
    let answered = false
    const answer = (outcome: Outcome) => {
      if (answered) return
      answered = true
      clearTimeout(timer)
      running.delete(stop)
      if (running.size === 0) onIdle?.()
      try {
        onOutcome(outcome)
      } catch (error) {
        log("Error", `answering ${routeKey} failed: ${Util.describe(error)}`, annotations)
      }
    }
    const stop = (outcome: Outcome) => {
      answer(outcome)
      self.unsafeInterruptAsFork(FiberId.none)
    }
    const timer = setTimeout(() => {
      log("Error", `handler timed out after ${handlerMillis} ms`, annotations)
      stop(TIMED_OUT)
    }, handlerMillis)
    running.add(stop)
    self.addObserver((outer) => {
      if (answered) return
      const exit = Exit.isSuccess(outer) ? outer.value : outer
      if (Exit.isSuccess(exit)) return answer(resultOf(exit.value, annotations))
      log("Error", "handler failed", annotations, exit.cause)
      answer(INTERNAL_ERROR)
    })
  }

  return {
    run,
    settle: (millis) =>
      Util.settledWithin(new Promise<void>((resolve) => running.size === 0 ? resolve() : onIdle = resolve), millis),
    interruptAll: () => {
      for (const stop of [...running]) stop(UNAVAILABLE)
    }
  }
}
