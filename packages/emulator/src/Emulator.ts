/**
 * A local API Gateway WebSocket API: a real WebSocket server and, on the same port, the `@connections` management
 * endpoint under the stage path, with the route handlers of a WebSocket backend.
 *
 * @since 0.1.0
 */
import type { AwsCredentialIdentity } from "@effect-apigw/core/AwsCredentials"
import * as SigV4 from "@effect-apigw/core/SigV4"
import type * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import type { Duplex } from "node:stream"
import { type RawData, type WebSocket, WebSocketServer } from "ws"
import type { Handler, HandlerResult, LambdaContext, Routes, WebSocketEvent } from "./Event.js"
import * as Util from "./internal/util.js"

/**
 * Credentials the emulator checks SigV4 signatures against; secrets as plain strings or `Redacted`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string | Redacted.Redacted<string>
  readonly sessionToken?: string | Redacted.Redacted<string> | undefined
}

/**
 * Emulator options. Every one has a default, so `Emulator.layer()` starts a gateway on a free loopback port.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<R = never> {
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number | undefined
  /** Interface to listen on (default `127.0.0.1`: loopback only). */
  readonly host?: string | undefined
  /** Stage name: the first path segment of both URLs (default `local`). */
  readonly stage?: string | undefined
  /** `requestContext.apiId` (default `local`). */
  readonly apiId?: string | undefined
  /** Region the signatures must be scoped to (default `us-east-1`; only checked with `credentials`). */
  readonly region?: string | undefined
  /** When set, management requests need a valid SigV4 signature by these credentials; else any well-formed one. */
  readonly credentials?: Credentials | undefined
  /** Handlers by route key: `$connect`, `$disconnect`, `$default` and custom keys. */
  readonly routes?: Routes<R> | undefined
  /** A handler for every route not in `routes` (as `--handler` on the command line). */
  readonly handler?: Handler<R> | undefined
  /** Picks the route of a message (default `$request.body.action`). */
  readonly routeSelectionExpression?: string | undefined
  /**
   * A connection with no message from its client for this long is closed (default 10 minutes). Like the other two
   * durations, at most 2147483647 ms (about 24.8 days), the longest timer Node has.
   */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /** A connection is closed after this long whatever it does (default 2 hours). */
  readonly maxConnectionDuration?: Duration.DurationInput | undefined
  /**
   * A handler that has not answered within this time fails the request (default 29 seconds, as API Gateway); it is
   * interrupted, and not waited for.
   */
  readonly handlerTimeout?: Duration.DurationInput | undefined
  /** Largest `PostToConnection` body (default 131072 bytes); larger ones get 413. */
  readonly maxPayloadBytes?: number | undefined
  /** Largest message a client may send (default 131072 bytes); a larger one closes the socket with 1009. */
  readonly maxMessageBytes?: number | undefined
  /**
   * Bytes queued for a client above which nothing more is queued for it (default 1 MiB): `PostToConnection` answers
   * 429 `LimitExceededException`, as API Gateway does when "the WebSocket client side buffer is full", and pongs,
   * error replies and route responses are dropped (with a warning in the log) until the client reads again.
   */
  readonly sendBufferLimit?: number | undefined
  /** How far a signature's time may be from the emulator's clock (default 5 minutes). */
  readonly maxClockSkew?: Duration.DurationInput | undefined
}

/**
 * What the emulator knows about a connection, as `GetConnection` reports it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectionInfo {
  readonly connectionId: string
  readonly connectedAt: Date
  readonly lastActiveAt: Date
  readonly sourceIp: string
  readonly userAgent?: string | undefined
}

/**
 * A running emulator.
 *
 * @since 0.1.0
 * @category models
 */
export interface EmulatorService {
  /** The port it listens on (the real one when started with port 0). */
  readonly port: number
  readonly host: string
  readonly stage: string
  readonly region: string
  /** Where WebSocket clients connect: `ws://127.0.0.1:PORT/STAGE`. */
  readonly url: string
  /** The management API endpoint to give a client: `http://127.0.0.1:PORT/STAGE`. */
  readonly endpoint: string
  /** The open connections. */
  readonly connections: Effect.Effect<ReadonlyArray<ConnectionInfo>>
  /** One open connection. */
  readonly getConnection: (connectionId: string) => Effect.Effect<Option.Option<ConnectionInfo>>
  /** Closes a connection as `DeleteConnection` does; `false` when it was not open. */
  readonly disconnect: (connectionId: string) => Effect.Effect<boolean>
}

/**
 * The emulator's tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class Emulator extends Context.Tag("@effect-apigw/emulator/Emulator")<Emulator, EmulatorService>() {}

/**
 * The emulator could not start: bad options, or the port could not be bound.
 *
 * @since 0.1.0
 * @category errors
 */
export class EmulatorError extends Schema.TaggedError<EmulatorError>()("EmulatorError", {
  reason: Schema.Literal("Options", "Listen"),
  description: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    return this.description
  }
}

/**
 * Defaults of the options, as API Gateway has them.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults = {
  host: "127.0.0.1",
  stage: "local",
  apiId: "local",
  region: "us-east-1",
  routeSelectionExpression: "$request.body.action",
  idleTimeout: Duration.minutes(10),
  maxConnectionDuration: Duration.hours(2),
  handlerTimeout: Duration.seconds(29),
  maxPayloadBytes: 131072,
  maxMessageBytes: 131072,
  sendBufferLimit: 1024 * 1024,
  maxClockSkew: Duration.minutes(5)
} as const

interface Connection {
  readonly id: string
  readonly ws: WebSocket
  readonly connectedAt: number
  lastActiveAt: number
  readonly sourceIp: string
  readonly userAgent: string | undefined
  readonly idleTimer: NodeJS.Timeout
  readonly maxTimer: NodeJS.Timeout
  /** Messages of this client whose handlers have not answered, weighed by {@link IN_FLIGHT_OVERHEAD} and size. */
  inFlight: number
  /** Whether replies are being dropped because the client does not read (logged once per episode). */
  overflowing: boolean
}

interface Pending {
  readonly id: string
  readonly connectedAt: number
  readonly sourceIp: string
  readonly userAgent: string | undefined
}

/** A handler's result, read once: its getters and proxies are not touched again. */
interface Result {
  readonly statusCode: number | undefined
  readonly body: string | undefined
  readonly isBase64Encoded: boolean
}

type Outcome =
  | { readonly _tag: "Ok"; readonly result: Result | undefined }
  | { readonly _tag: "Failed"; readonly status: number; readonly message: string }

const OK: Outcome = { _tag: "Ok", result: undefined }
const INTERNAL_ERROR: Outcome = { _tag: "Failed", status: 500, message: "Internal server error" }
const BAD_RESULT: Outcome = { _tag: "Failed", status: 502, message: "Internal server error" }
const TIMED_OUT: Outcome = { _tag: "Failed", status: 504, message: "Endpoint request timed out" }
const UNAVAILABLE: Outcome = { _tag: "Failed", status: 503, message: "Service Unavailable" }

/**
 * The handlers of one client's messages that may run at once, in bytes of their messages plus this much each: past
 * {@link IN_FLIGHT_LIMIT} the emulator stops reading from the client (TCP pushes back) until half have answered.
 */
const IN_FLIGHT_OVERHEAD = 1024
const IN_FLIGHT_LIMIT = 4 * 1024 * 1024

/** The longest delay `setTimeout` takes: longer ones fire at once. */
const MAX_TIMER_MILLIS = 2 ** 31 - 1

/** How long shutdown waits for `$disconnect` handlers (at most `handlerTimeout`) and then for sockets to close. */
const SHUTDOWN_HANDLERS_MILLIS = 5000
const SHUTDOWN_SOCKETS_MILLIS = 1000

const MESSAGES: Record<SigV4.VerifyFailure, string> = {
  MissingAuthentication: "Missing Authentication Token",
  MalformedAuthorization: "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters",
  UnknownAccessKey: "The security token included in the request is invalid.",
  WrongScope: "Credential should be scoped to a valid region and to the execute-api service.",
  StaleDate: "Signature expired: the request time is too far from the server time.",
  Expired: "Signature expired: the presigned URL is no longer valid.",
  SignatureMismatch:
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."
}

/** A duration a timer can wait: more than zero, at most {@link MAX_TIMER_MILLIS}. */
const positive = (name: string, input: Duration.DurationInput | undefined, fallback: Duration.Duration) => {
  const decoded = Duration.decodeUnknown(input ?? fallback)
  if (
    Option.isNone(decoded) || !Duration.greaterThan(decoded.value, Duration.zero) || !Duration.isFinite(decoded.value)
  ) {
    return Effect.fail(
      new EmulatorError({ reason: "Options", description: `${name}: ${String(input)} is not a duration` })
    )
  }
  const millis = Duration.toMillis(decoded.value)
  return millis <= MAX_TIMER_MILLIS ?
    Effect.succeed(millis) :
    Effect.fail(
      new EmulatorError({
        reason: "Options",
        description: `${name}: ${millis} ms is too long; the limit is ${MAX_TIMER_MILLIS} ms (about 24.8 days)`
      })
    )
}

/** A positive duration that is not a timer's: any finite length. */
const finite = (name: string, input: Duration.DurationInput | undefined, fallback: Duration.Duration) => {
  const decoded = Duration.decodeUnknown(input ?? fallback)
  return Option.isSome(decoded) && Duration.greaterThan(decoded.value, Duration.zero) &&
      Duration.isFinite(decoded.value) ?
    Effect.succeed(Duration.toMillis(decoded.value)) :
    Effect.fail(new EmulatorError({ reason: "Options", description: `${name}: ${String(input)} is not a duration` }))
}

const whole = (name: string, input: number | undefined, fallback: number, min = 0) => {
  const value = input ?? fallback
  return Number.isInteger(value) && value >= min ?
    Effect.succeed(value) :
    Effect.fail(new EmulatorError({ reason: "Options", description: `${name}: ${value} is not a whole number` }))
}

const headerValue = (value: string | Array<string> | undefined): string | undefined =>
  Array.isArray(value) ? value.join(", ") : value

/**
 * The received headers for signature checks: names lower case, a repeated header's values joined with `,` (SigV4's
 * canonical form), any name (`__proto__`, `constructor`) an own property.
 */
const receivedHeaders = (raw: ReadonlyArray<string>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase()
    if (Object.hasOwn(out, name)) out[name] += `,${raw[i + 1]}`
    else Util.put(out, name, raw[i + 1])
  }
  return out
}

/** A query as SigV4 takes it: a repeated key's values in an array, any key an own property. */
const queryRecord = (query: URLSearchParams): Record<string, string | Array<string>> => {
  const out: Record<string, string | Array<string>> = {}
  for (const [key, value] of query) {
    if (!Object.hasOwn(out, key)) Util.put(out, key, value)
    else {
      const previous = out[key]
      if (typeof previous === "string") out[key] = [previous, value]
      else previous.push(value)
    }
  }
  return out
}

const isThenable = (u: unknown): u is PromiseLike<unknown> =>
  typeof u === "object" && u !== null && typeof (u as any).then === "function"

const rejectUpgrade = (socket: Duplex, status: number, message: string) => {
  if (socket.writable) {
    const body = JSON.stringify({ message })
    socket.end(
      `HTTP/1.1 ${status} ${Http.STATUS_CODES[status] ?? "Error"}\r\nConnection: close\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    )
  }
  socket.destroy()
}

/**
 * Starts an emulator in the current scope; closing the scope closes every socket (running `$disconnect`) and the
 * server. Effect handlers run with the context of the effect that starts it (`R`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <R = never>(
  options: Options<R> = {}
): Effect.Effect<EmulatorService, EmulatorError, Scope.Scope | R> =>
  Effect.gen(function*() {
    const stage = options.stage ?? defaults.stage
    if (!/^[A-Za-z0-9_-]+$/.test(stage)) {
      return yield* new EmulatorError({ reason: "Options", description: `stage: "${stage}" is not a stage name` })
    }
    const host = options.host ?? defaults.host
    const apiId = options.apiId ?? defaults.apiId
    const region = options.region ?? defaults.region
    const port = yield* whole("port", options.port, 0)
    if (port > 65535) return yield* new EmulatorError({ reason: "Options", description: `port: ${port} is too big` })
    const idleMillis = yield* positive("idleTimeout", options.idleTimeout, defaults.idleTimeout)
    const maxMillis = yield* positive(
      "maxConnectionDuration",
      options.maxConnectionDuration,
      defaults.maxConnectionDuration
    )
    const handlerMillis = yield* positive("handlerTimeout", options.handlerTimeout, defaults.handlerTimeout)
    const skewMillis = yield* finite("maxClockSkew", options.maxClockSkew, defaults.maxClockSkew)
    const maxPayload = yield* whole("maxPayloadBytes", options.maxPayloadBytes, defaults.maxPayloadBytes)
    const maxMessage = yield* whole("maxMessageBytes", options.maxMessageBytes, defaults.maxMessageBytes, 1)
    const sendBufferLimit = yield* whole("sendBufferLimit", options.sendBufferLimit, defaults.sendBufferLimit)
    const selection = Util.parseSelectionExpression(
      options.routeSelectionExpression ?? defaults.routeSelectionExpression
    )
    const routes: Routes<R> = options.routes ?? {}
    const catchAll = options.handler
    const credentials: AwsCredentialIdentity | undefined = options.credentials === undefined ? undefined : {
      accessKeyId: options.credentials.accessKeyId,
      secretAccessKey: Redacted.isRedacted(options.credentials.secretAccessKey) ?
        options.credentials.secretAccessKey :
        Redacted.make(options.credentials.secretAccessKey),
      ...(options.credentials.sessionToken === undefined ? {} : {
        sessionToken: Redacted.isRedacted(options.credentials.sessionToken) ?
          options.credentials.sessionToken :
          Redacted.make(options.credentials.sessionToken)
      })
    }

    // Handlers run in fibers of their own, with the context of the effect that starts the emulator.
    const runtime = yield* Effect.runtime<R>()
    const runFork = Runtime.runFork(runtime)
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    // Running an Effect per log line costs more than a whole PostToConnection: skip the ones below the level.
    const minimumLevel = FiberRefs.getOrDefault(runtime.fiberRefs, FiberRef.currentMinimumLogLevel)
    const log = (
      level: "Debug" | "Info" | "Warning" | "Error",
      message: string,
      annotations: Record<string, unknown> = {},
      cause?: Cause.Cause<unknown>
    ) => {
      if (LogLevel.lessThan(LogLevel.fromLiteral(level), minimumLevel)) return
      const effect = cause === undefined ?
        Effect.logWithLevel(LogLevel.fromLiteral(level), message) :
        Effect.logWithLevel(LogLevel.fromLiteral(level), message, cause)
      try {
        Runtime.runSync(runtime)(effect.pipe(Effect.annotateLogs({ emulator: stage, ...annotations })))
      } catch {
        // A logger that throws (on a handler's hostile error, say) must not stop the emulator answering.
      }
    }

    const connections = new Map<string, Connection>()
    const pending = new WeakMap<Http.IncomingMessage, Pending>()
    /**
     * Handler runs not answered yet, each as the function that answers with an outcome and interrupts its fiber:
     * shutdown waits for them (bounded), then stops the rest.
     */
    const running = new Set<(outcome: Outcome) => void>()
    let onIdle: (() => void) | undefined
    let shuttingDown = false
    // `requestContext.domainName`: the emulator's own address, never a client's `Host` header (set once listening).
    let domainName = ""

    const info = (c: Connection): ConnectionInfo => ({
      connectionId: c.id,
      connectedAt: new Date(c.connectedAt),
      lastActiveAt: new Date(c.lastActiveAt),
      sourceIp: c.sourceIp,
      ...(c.userAgent === undefined ? {} : { userAgent: c.userAgent })
    })

    // ---- handlers ----------------------------------------------------------------------------------------------

    const handlerFor = (routeKey: string): Handler<R> | undefined =>
      Object.hasOwn(routes, routeKey) ? routes[routeKey] : catchAll

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

    /**
     * Runs a handler as a Lambda proxy integration would, in a fiber of its own: `onOutcome` is called exactly once,
     * with the checked result, a failure, or a time-out after `handlerTimeout`; a timed-out fiber is interrupted in
     * the background, never waited for (it may be uninterruptible).
     */
    const run = (handler: Handler<R>, event: WebSocketEvent, onOutcome: (outcome: Outcome) => void): void => {
      const { connectionId, requestId, routeKey } = event.requestContext
      const annotations = { connectionId, routeKey, requestId }
      // What the handler throws is caught here: thrown through the runtime, a Proxy breaks its checks of the error.
      // The fiber always succeeds, with the handler's exit: the runtime does not log the failure a second time, with
      // a logger that may throw on it before the observer below has run.
      const self = runFork(Effect.exit(Effect.suspend((): Effect.Effect<unknown, unknown, R> => {
        try {
          const result = handler(event, lambdaContext(requestId, routeKey, now() + handlerMillis))
          return Util.isProxy(result) ?
            Effect.succeed(result) :
            Effect.isEffect(result) ?
            result :
            isThenable(result) ?
            Effect.tryPromise(() => Promise.resolve(result)) :
            Effect.succeed(result)
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

    const baseContext = (
      c: Pending,
      routeKey: string,
      eventType: "CONNECT" | "DISCONNECT" | "MESSAGE",
      time: number
    ) => ({
      routeKey,
      eventType,
      extendedRequestId: Util.eventId(),
      requestTime: Util.requestTime(time),
      messageDirection: "IN" as const,
      stage,
      connectedAt: c.connectedAt,
      requestTimeEpoch: time,
      identity: { sourceIp: c.sourceIp, ...(c.userAgent === undefined ? {} : { userAgent: c.userAgent }) },
      requestId: Util.eventId(),
      domainName,
      connectionId: c.id,
      apiId
    })

    /**
     * Whether a reply (a pong, an error reply, a route response) may be queued for a client: not while more than
     * `sendBufferLimit` bytes already wait for it to read. A client that does not read loses them, as `PostToConnection`
     * gets 429 for it: what is queued for a socket stays bounded.
     */
    const mayQueue = (c: Connection, what: string): boolean => {
      if (c.ws.readyState !== c.ws.OPEN) return false
      const buffered = c.ws.bufferedAmount
      if (buffered <= sendBufferLimit) {
        c.overflowing = false
        return true
      }
      if (!c.overflowing) {
        c.overflowing = true
        log("Warning", `the client does not read: ${what} dropped, and every reply until it does`, {
          connectionId: c.id,
          bufferedBytes: buffered
        })
      }
      return false
    }

    const sendError = (c: Connection, message: string, requestId: string) => {
      if (mayQueue(c, "an error reply")) c.ws.send(JSON.stringify({ message, connectionId: c.id, requestId }))
    }

    // ---- connection lifecycle -----------------------------------------------------------------------------------

    /** Forgets a connection and runs `$disconnect`, once. */
    const finish = (c: Connection, code: number, reason: string) => {
      if (connections.get(c.id) !== c) return
      connections.delete(c.id)
      clearTimeout(c.idleTimer)
      clearTimeout(c.maxTimer)
      log("Debug", "disconnected", { connectionId: c.id, code, reason })
      const handler = handlerFor("$disconnect")
      if (handler === undefined) return
      const time = now()
      const event: WebSocketEvent = {
        requestContext: {
          ...baseContext(c, "$disconnect", "DISCONNECT", time),
          disconnectStatusCode: code,
          disconnectReason: reason
        },
        isBase64Encoded: false
      }
      run(handler, event, () => undefined)
    }

    const close = (c: Connection, code: number, reason: string) => {
      finish(c, code, reason)
      try {
        c.ws.close(code, reason)
      } catch {
        c.ws.terminate()
      }
      // A client that does not answer the close frame is cut off.
      setTimeout(() => c.ws.terminate(), 2000).unref()
    }

    const onMessage = (c: Connection, data: RawData, isBinary: boolean) => {
      c.lastActiveAt = now()
      c.idleTimer.refresh()
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
      const body = isBinary ? bytes.toString("base64") : bytes.toString("utf8")
      const selected = isBinary ? undefined : Util.selectRoute(selection, body)
      const routeKey = selected !== undefined && (Object.hasOwn(routes, selected) || catchAll !== undefined) ?
        selected :
        "$default"
      const time = c.lastActiveAt
      const requestContext = { ...baseContext(c, routeKey, "MESSAGE", time), messageId: Util.eventId() }
      const handler = handlerFor(routeKey)
      log("Debug", "message", { connectionId: c.id, routeKey, bytes: bytes.length })
      if (handler === undefined) {
        log("Warning", "no route matches the message and there is no $default route", { connectionId: c.id })
        return sendError(c, "Forbidden", requestContext.requestId)
      }
      const event: WebSocketEvent = { requestContext, body, isBase64Encoded: isBinary }
      // Handlers still running are work queued for this client: past the limit, stop reading from it.
      const weight = bytes.length + IN_FLIGHT_OVERHEAD
      c.inFlight += weight
      if (c.inFlight > IN_FLIGHT_LIMIT && !c.ws.isPaused) c.ws.pause()
      run(handler, event, (outcome) => {
        c.inFlight -= weight
        if (c.ws.isPaused && c.inFlight <= IN_FLIGHT_LIMIT / 2) c.ws.resume()
        if (outcome._tag === "Failed") return sendError(c, outcome.message, requestContext.requestId)
        const result = outcome.result
        if (result?.body === undefined || !mayQueue(c, "a route response")) return
        if (result.isBase64Encoded) c.ws.send(Buffer.from(result.body, "base64"), { binary: true })
        else c.ws.send(result.body, { binary: false })
      })
    }

    // ---- WebSocket server ---------------------------------------------------------------------------------------

    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: maxMessage,
      perMessageDeflate: false,
      clientTracking: false,
      // Pongs are sent by the emulator, only while the client reads (see `mayQueue`).
      autoPong: false,
      // Runs `$connect` once `ws` has validated the handshake; a non-2xx result rejects it.
      verifyClient: (info, callback) => {
        const req = info.req
        const p = pending.get(req)
        if (p === undefined || shuttingDown) return callback(false, 503, "Service Unavailable")
        const handler = handlerFor("$connect")
        if (handler === undefined) return callback(true)
        // Keys are the client's: gathered in Maps, then made own properties (`__proto__` included), as
        // `JSON.parse` makes them in a Lambda's event.
        const multiQuery = new Map<string, Array<string>>()
        const url = new URL(req.url ?? "/", "http://localhost")
        for (const [key, value] of url.searchParams) {
          const values = multiQuery.get(key)
          if (values === undefined) multiQuery.set(key, [value])
          else values.push(value)
        }
        const multiHeaders = new Map<string, Array<string>>()
        for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
          const values = multiHeaders.get(req.rawHeaders[i])
          if (values === undefined) multiHeaders.set(req.rawHeaders[i], [req.rawHeaders[i + 1]])
          else values.push(req.rawHeaders[i + 1])
        }
        const event: WebSocketEvent = {
          requestContext: baseContext(p, "$connect", "CONNECT", p.connectedAt),
          headers: Object.fromEntries(Array.from(multiHeaders, ([name, values]) => [name, values.join(",")])),
          multiValueHeaders: Object.fromEntries(multiHeaders),
          ...(multiQuery.size === 0 ? {} : {
            queryStringParameters: Object.fromEntries(
              Array.from(multiQuery, ([key, values]) => [key, values[values.length - 1]])
            ),
            multiValueQueryStringParameters: Object.fromEntries(multiQuery)
          }),
          isBase64Encoded: false
        }
        // `run` answers exactly once: with the result, a failure, a time-out, or 503 at shutdown.
        run(handler, event, (outcome) => {
          if (outcome._tag === "Failed") return callback(false, outcome.status, outcome.message)
          const status = outcome.result?.statusCode ?? 200
          if (status >= 200 && status < 300) return callback(true)
          log("Info", `$connect answered ${status}: handshake rejected`, { connectionId: p.id })
          callback(false, status >= 400 && status < 600 ? status : 403, outcome.result?.body ?? "Forbidden")
        })
      }
    })
    wss.on("error", (error) => log("Error", `WebSocket server error: ${Util.describe(error)}`))

    const onUpgrade = (req: Http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on("error", (error) => log("Debug", `upgrade socket error: ${Util.describe(error)}`))
      const path = (req.url ?? "").split("?")[0]
      if (path !== `/${stage}` && path !== `/${stage}/`) {
        log("Warning", `WebSocket upgrade for unknown path ${path.slice(0, 200)}`)
        return rejectUpgrade(socket, 404, "Not Found")
      }
      if (shuttingDown) return rejectUpgrade(socket, 503, "Service Unavailable")
      const userAgent = headerValue(req.headers["user-agent"])
      const p: Pending = {
        id: Util.connectionId(),
        connectedAt: now(),
        sourceIp: (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, ""),
        userAgent
      }
      pending.set(req, p)
      try {
        wss.handleUpgrade(req, socket, head, (ws) => {
          if (shuttingDown) return ws.terminate()
          const c: Connection = {
            ...p,
            ws,
            lastActiveAt: p.connectedAt,
            idleTimer: setTimeout(() => {
              log("Info", "idle timeout", { connectionId: p.id })
              close(c, 1001, "Going away")
            }, idleMillis),
            maxTimer: setTimeout(() => {
              log("Info", "maximum connection duration reached", { connectionId: p.id })
              close(c, 1001, "Going away")
            }, maxMillis),
            inFlight: 0,
            overflowing: false
          }
          c.idleTimer.unref()
          c.maxTimer.unref()
          connections.set(c.id, c)
          log("Debug", "connected", { connectionId: c.id, sourceIp: c.sourceIp })
          ws.on("message", (data, isBinary) => onMessage(c, data, isBinary))
          ws.on("ping", (data) => {
            c.lastActiveAt = now()
            c.idleTimer.refresh()
            if (mayQueue(c, "a pong")) ws.pong(data)
          })
          ws.on("error", (error) =>
            log("Warning", `bad frame from client, socket closed: ${Util.describe(error)}`, {
              connectionId: c.id
            }))
          ws.on("close", (code, reason) => finish(c, code, reason.toString("utf8")))
        })
      } catch (error) {
        log("Error", `upgrade failed: ${Util.describe(error)}`)
        socket.destroy()
      }
    }

    // ---- management API ---------------------------------------------------------------------------------------

    const respond = (
      res: Http.ServerResponse,
      requestId: string,
      status: number,
      body?: unknown,
      errorType?: string,
      extra: Record<string, string> = {}
    ) => {
      if (res.headersSent || res.destroyed) return
      const payload = body === undefined ? "" : JSON.stringify(body)
      res.writeHead(status, {
        "x-amzn-RequestId": requestId,
        ...(errorType === undefined ? {} : { "x-amzn-ErrorType": errorType }),
        ...(payload === "" ? {} : { "Content-Type": "application/json" }),
        "Content-Length": String(Buffer.byteLength(payload)),
        ...extra
      })
      res.end(payload)
    }

    const fail = (
      res: Http.ServerResponse,
      requestId: string,
      status: number,
      errorType: string,
      message: string,
      extra?: Record<string, string>
    ) => {
      log(status >= 500 ? "Error" : "Debug", `${status} ${errorType}: ${message}`, { requestId })
      respond(res, requestId, status, { message }, errorType, extra)
    }

    /** Reads the body up to `limit` bytes; `"TooLarge"` past it. */
    const readBody = (req: Http.IncomingMessage, limit: number): Promise<Buffer | "TooLarge"> =>
      new Promise((resolve, reject) => {
        const declared = Number(req.headers["content-length"] ?? 0)
        if (declared > limit) return resolve("TooLarge")
        const chunks: Array<Buffer> = []
        let size = 0
        req.on("data", (chunk: Buffer) => {
          size += chunk.length
          if (size > limit) {
            req.removeAllListeners("data")
            req.pause()
            resolve("TooLarge")
          } else chunks.push(chunk)
        })
        req.on("end", () => resolve(Buffer.concat(chunks)))
        req.on("error", reject)
      })

    const authenticate = async (
      req: Http.IncomingMessage,
      rawPath: string,
      query: URLSearchParams,
      body: Buffer
    ): Promise<string | undefined> => {
      const headers = receivedHeaders(req.rawHeaders)
      // The host the request was signed for is the one it was sent to: the received `Host`.
      const hostname = (headers.host ?? "").replace(/:\d+$/, "")
      const presigned = query.has("X-Amz-Signature")
      if (credentials === undefined) {
        if (presigned) {
          const parsed = SigV4.parsePresigned(queryRecord(query))
          if (parsed === undefined || headers.host === undefined) return MESSAGES.MalformedAuthorization
          const current = now()
          return current > parsed.time + parsed.expiresIn * 1000 ?
            MESSAGES.Expired :
            parsed.time > current + skewMillis ?
            MESSAGES.StaleDate :
            undefined
        }
        const auth = headers.authorization
        if (auth === undefined) return MESSAGES.MissingAuthentication
        const parsed = SigV4.parseAuthorization(auth)
        const date = headers["x-amz-date"]
        return parsed === undefined || date === undefined || SigV4.parseAmzDate(date) === undefined ?
          MESSAGES.MalformedAuthorization :
          undefined
      }
      const request = { method: req.method ?? "GET", hostname, path: rawPath, query: queryRecord(query), headers, body }
      const verifyOptions = { credentials, region, now: now(), maxSkewMillis: skewMillis }
      const failure = presigned ?
        SigV4.verifyPresigned(request, verifyOptions) :
        await SigV4.verify(request, verifyOptions)
      return failure === undefined ? undefined : MESSAGES[failure]
    }

    const onRequest = async (req: Http.IncomingMessage, res: Http.ServerResponse) => {
      const requestId = Util.requestId()
      req.on("error", (error) => log("Debug", `request error: ${Util.describe(error)}`, { requestId }))
      res.on("error", (error) => log("Debug", `response error: ${Util.describe(error)}`, { requestId }))
      const raw = req.url ?? ""
      const queryAt = raw.indexOf("?")
      const rawPath = queryAt === -1 ? raw : raw.slice(0, queryAt)
      const query = new URLSearchParams(queryAt === -1 ? "" : raw.slice(queryAt + 1))
      const method = req.method ?? ""
      const segments = rawPath.split("/")
      if (!rawPath.startsWith("/") || Util.decodeSegment(segments[1] ?? "") !== stage) {
        return fail(res, requestId, 404, "NotFoundException", `No stage at ${rawPath.slice(0, 200)}`)
      }
      if (segments.length === 2 || (segments.length === 3 && segments[2] === "")) {
        return fail(res, requestId, 426, "UpgradeRequired", "Connect to this URL with a WebSocket client", {
          Upgrade: "websocket"
        })
      }
      if (Util.decodeSegment(segments[2]) !== "@connections" || segments.length !== 4) {
        return fail(res, requestId, 404, "NotFoundException", `No resource at ${rawPath.slice(0, 200)}`)
      }
      const connectionId = Util.decodeSegment(segments[3])
      if (connectionId === undefined || connectionId === "" || connectionId.length > 1024) {
        return fail(res, requestId, 400, "BadRequestException", "Invalid connection id")
      }
      if (method !== "GET" && method !== "POST" && method !== "DELETE") {
        return fail(res, requestId, 405, "MethodNotAllowedException", `${method.slice(0, 20)} is not supported`, {
          Allow: "GET, POST, DELETE"
        })
      }
      const body = await readBody(req, maxPayload)
      if (body === "TooLarge") {
        return fail(
          res,
          requestId,
          413,
          "PayloadTooLargeException",
          `Message too long: the limit is ${maxPayload} bytes`,
          { Connection: "close" }
        )
      }
      const refused = await authenticate(req, rawPath, query, body)
      if (refused !== undefined) {
        log("Warning", `signature refused: ${refused}`, { requestId })
        return respond(res, requestId, 403, { message: refused }, "ForbiddenException")
      }
      const c = connections.get(connectionId)
      if (c === undefined || c.ws.readyState !== c.ws.OPEN) {
        return fail(res, requestId, 410, "GoneException", `Connection ${connectionId} is gone`)
      }
      switch (method) {
        case "POST": {
          if (c.ws.bufferedAmount > sendBufferLimit) {
            return fail(
              res,
              requestId,
              429,
              "LimitExceededException",
              `The connection has ${c.ws.bufferedAmount} bytes waiting to be sent; try again later`
            )
          }
          c.ws.send(body, { binary: !Util.isText(body) })
          log("Debug", "PostToConnection", { requestId, connectionId, bytes: body.length })
          return respond(res, requestId, 200)
        }
        case "GET": {
          return respond(res, requestId, 200, {
            connectedAt: new Date(c.connectedAt).toISOString(),
            identity: { sourceIp: c.sourceIp, ...(c.userAgent === undefined ? {} : { userAgent: c.userAgent }) },
            lastActiveAt: new Date(c.lastActiveAt).toISOString()
          })
        }
        case "DELETE": {
          close(c, 1000, "Connection deleted")
          return respond(res, requestId, 204)
        }
      }
    }

    const server = Http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 30_000, headersTimeout: 10_000 })
    server.on("request", (req, res) => {
      onRequest(req, res).catch((error) => {
        log("Error", `management request failed: ${Util.describe(error)}`)
        respond(res, Util.requestId(), 500, { message: "Internal server error" }, "InternalServerErrorException")
      })
    })
    server.on("upgrade", onUpgrade)
    server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
      log("Warning", `malformed HTTP request: ${error.code ?? Util.describe(error)}`)
      if (socket.writable && (error as any).code !== "ECONNRESET") {
        socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
      }
      socket.destroy()
    })

    const address = yield* Effect.async<{ host: string; port: number }, EmulatorError>((resume) => {
      const onError = (cause: unknown) =>
        resume(
          Effect.fail(
            new EmulatorError({
              reason: "Listen",
              description: `cannot listen on ${host}:${port}: ${Util.describe(cause)}`,
              cause
            })
          )
        )
      server.once("error", onError)
      server.listen(port, host, () => {
        server.off("error", onError)
        server.on("error", (error) => log("Error", `server error: ${Util.describe(error)}`))
        const a = server.address()
        const bound = typeof a === "object" && a !== null ? { host: a.address, port: a.port } : { host, port }
        // Before any client can connect.
        domainName = `${Util.urlHost(bound.host)}:${bound.port}`
        resume(Effect.succeed(bound))
      })
    })

    const origin = domainName

    // Every wait is on a real timer: a finalizer cannot be interrupted, so an `Effect.timeout` in it would wait for
    // what it times out.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        shuttingDown = true
        const open = [...connections.values()]
        for (const c of open) close(c, 1001, "Going away")
        // The `$disconnect` handlers (and any other) get at most 5 seconds, and no more than `handlerTimeout`...
        yield* Effect.promise(() =>
          Util.settledWithin(
            new Promise<void>((resolve) => running.size === 0 ? resolve() : onIdle = resolve),
            Math.min(handlerMillis, SHUTDOWN_HANDLERS_MILLIS)
          )
        )
        // ...then the rest are interrupted, not waited for: a pending `$connect` is answered 503.
        for (const stop of [...running]) stop(UNAVAILABLE)
        yield* Effect.promise(() =>
          Util.settledWithin(
            Promise.all(open.map((c) =>
              c.ws.readyState === c.ws.CLOSED ? undefined : new Promise((resolve) => c.ws.once("close", resolve))
            )),
            SHUTDOWN_SOCKETS_MILLIS
          )
        )
        for (const c of open) {
          c.ws.terminate()
        }
        yield* Effect.promise(() =>
          Util.settledWithin(
            new Promise<void>((resolve) => {
              server.close(() =>
                resolve()
              )
              server.closeAllConnections()
            }),
            SHUTDOWN_SOCKETS_MILLIS
          )
        )
        log("Debug", "stopped")
      })
    )

    log("Debug", `listening on ws://${origin}/${stage}`)
    return Emulator.of({
      port: address.port,
      host: address.host,
      stage,
      region,
      url: `ws://${origin}/${stage}`,
      endpoint: `http://${origin}/${stage}`,
      connections: Effect.sync(() => [...connections.values()].map(info)),
      getConnection: (connectionId) =>
        Effect.sync(() => Option.map(Option.fromNullable(connections.get(connectionId)), info)),
      disconnect: (connectionId) =>
        Effect.sync(() => {
          const c = connections.get(connectionId)
          if (c === undefined) return false
          close(c, 1000, "Connection deleted")
          return true
        })
    })
  })

/**
 * The emulator as a scoped layer: it listens while the layer lives.
 *
 * @example
 * import { Emulator } from "@effect-apigw/emulator"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const emulator = yield* Emulator.Emulator
 *   yield* Effect.log(`connect to ${emulator.url}, manage at ${emulator.endpoint}`)
 * }).pipe(Effect.provide(Emulator.layer({ routes: { $default: () => ({ statusCode: 200, body: "echo" }) } })))
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <R = never>(options: Options<R> = {}): Layer.Layer<Emulator, EmulatorError, R> =>
  Layer.scoped(Emulator, make(options))

/**
 * The open connections of the emulator in the context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const connections: Effect.Effect<ReadonlyArray<ConnectionInfo>, never, Emulator> = Effect.flatMap(
  Emulator,
  (emulator) => emulator.connections
)
