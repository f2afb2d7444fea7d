/**
 * A local API Gateway WebSocket API: a real WebSocket server and, on the same port, the `@connections` management
 * endpoint under the stage path, with the route handlers of a WebSocket backend.
 *
 * @since 0.1.0
 */
import type { AwsCredentialIdentity } from "@effect-apigw/core/AwsCredentials"
import * as SigV4 from "@effect-apigw/core/SigV4"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as FiberSet from "effect/FiberSet"
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
  /** A connection with no message from its client for this long is closed (default 10 minutes). */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /** A connection is closed after this long whatever it does (default 2 hours). */
  readonly maxConnectionDuration?: Duration.DurationInput | undefined
  /** A handler that has not answered within this time fails the request (default 29 seconds, as API Gateway). */
  readonly handlerTimeout?: Duration.DurationInput | undefined
  /** Largest `PostToConnection` body (default 131072 bytes); larger ones get 413. */
  readonly maxPayloadBytes?: number | undefined
  /** Largest message a client may send (default 131072 bytes); a larger one closes the socket with 1009. */
  readonly maxMessageBytes?: number | undefined
  /** Bytes queued for a client above which `PostToConnection` answers 429 (default 1 MiB). */
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
  readonly domainName: string
  readonly idleTimer: NodeJS.Timeout
  readonly maxTimer: NodeJS.Timeout
}

interface Pending {
  readonly id: string
  readonly connectedAt: number
  readonly sourceIp: string
  readonly userAgent: string | undefined
  readonly domainName: string
}

type Outcome =
  | { readonly _tag: "Ok"; readonly result: HandlerResult | undefined }
  | { readonly _tag: "Failed"; readonly status: number; readonly message: string }

const MESSAGES: Record<SigV4.VerifyFailure, string> = {
  MissingAuthentication: "Missing Authentication Token",
  MalformedAuthorization: "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters",
  UnknownAccessKey: "The security token included in the request is invalid.",
  WrongScope: "Credential should be scoped to a valid region and to the execute-api service.",
  StaleDate: "Signature expired: the request time is too far from the server time.",
  SignatureMismatch:
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."
}

const positive = (name: string, input: Duration.DurationInput | undefined, fallback: Duration.Duration) => {
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

const flatHeaders = (headers: Http.IncomingHttpHeaders): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    const v = headerValue(value)
    if (v !== undefined) out[name] = v
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
    const skewMillis = yield* positive("maxClockSkew", options.maxClockSkew, defaults.maxClockSkew)
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

    const runtime = yield* Effect.runtime<never>()
    const runFork = yield* FiberSet.makeRuntime<R>()
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    // Running an Effect per log line costs more than a whole PostToConnection: skip the ones below the level.
    const minimumLevel = FiberRefs.getOrDefault(runtime.fiberRefs, FiberRef.currentMinimumLogLevel)
    const log = (
      level: "Debug" | "Info" | "Warning" | "Error",
      message: string,
      annotations: Record<string, unknown> = {}
    ) => {
      if (LogLevel.lessThan(LogLevel.fromLiteral(level), minimumLevel)) return
      const effect = level === "Debug" ?
        Effect.logDebug(message) :
        level === "Info" ?
        Effect.logInfo(message) :
        level === "Warning" ?
        Effect.logWarning(message) :
        Effect.logError(message)
      Runtime.runSync(runtime)(effect.pipe(Effect.annotateLogs({ emulator: stage, ...annotations })))
    }

    const connections = new Map<string, Connection>()
    const pending = new WeakMap<Http.IncomingMessage, Pending>()
    const running = new Set<Promise<void>>()
    let shuttingDown = false

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

    /** Runs a handler as a Lambda proxy integration would: never fails, times out, checks the result's shape. */
    const invoke = (handler: Handler<R>, event: WebSocketEvent): Effect.Effect<Outcome, never, R> => {
      const { connectionId, requestId, routeKey } = event.requestContext
      const annotations = { connectionId, routeKey, requestId }
      return Effect.suspend((): Effect.Effect<HandlerResult | void | undefined, unknown, R> => {
        const result = handler(event, lambdaContext(requestId, routeKey, now() + handlerMillis))
        return Effect.isEffect(result) ?
          result :
          isThenable(result) ?
          Effect.tryPromise(() => Promise.resolve(result)) :
          Effect.succeed(result)
      }).pipe(
        Effect.timeoutFail({ duration: Duration.millis(handlerMillis), onTimeout: () => "HandlerTimeout" as const }),
        Effect.matchCauseEffect({
          onFailure: (cause): Effect.Effect<Outcome> => {
            const timedOut = cause._tag === "Fail" && cause.error === "HandlerTimeout"
            return Effect.as(
              Effect.logError(timedOut ? `handler timed out after ${handlerMillis} ms` : "handler failed", cause)
                .pipe(Effect.annotateLogs(annotations)),
              timedOut ?
                { _tag: "Failed", status: 504, message: "Endpoint request timed out" } as const :
                { _tag: "Failed", status: 500, message: "Internal server error" } as const
            )
          },
          onSuccess: (result): Effect.Effect<Outcome> => {
            if (result === undefined || result === null) return Effect.succeed({ _tag: "Ok", result: undefined })
            const ok = typeof result === "object" &&
              (result.statusCode === undefined || Number.isInteger(result.statusCode)) &&
              (result.body === undefined || result.body === null || typeof result.body === "string")
            return ok ?
              Effect.succeed({ _tag: "Ok", result }) :
              Effect.as(
                Effect.logError(`malformed Lambda proxy response: ${Util.describe(result)}`).pipe(
                  Effect.annotateLogs(annotations)
                ),
                { _tag: "Failed", status: 502, message: "Internal server error" } as const
              )
          }
        })
      )
    }

    /** Forks a handler run; its continuation runs in the fiber. Tracked so shutdown can wait for `$disconnect`s. */
    const fork = (effect: Effect.Effect<void, never, R>) => {
      const fiber = runFork(effect)
      const done = new Promise<void>((resolve) => fiber.addObserver(() => resolve()))
      running.add(done)
      void done.then(() => running.delete(done))
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
      domainName: c.domainName,
      connectionId: c.id,
      apiId
    })

    const sendError = (c: Connection, message: string, requestId: string) => {
      if (c.ws.readyState === c.ws.OPEN) {
        c.ws.send(JSON.stringify({ message, connectionId: c.id, requestId }))
      }
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
      fork(Effect.asVoid(invoke(handler, event)))
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
      fork(Effect.map(invoke(handler, event), (outcome) => {
        if (outcome._tag === "Failed") return sendError(c, outcome.message, requestContext.requestId)
        const result = outcome.result
        if (result?.body === undefined || result.body === null || c.ws.readyState !== c.ws.OPEN) return
        if (result.isBase64Encoded === true) c.ws.send(Buffer.from(result.body, "base64"), { binary: true })
        else c.ws.send(result.body, { binary: false })
      }))
    }

    // ---- WebSocket server ---------------------------------------------------------------------------------------

    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: maxMessage,
      perMessageDeflate: false,
      clientTracking: false,
      // Runs `$connect` once `ws` has validated the handshake; a non-2xx result rejects it.
      verifyClient: (info, callback) => {
        const req = info.req
        const p = pending.get(req)
        if (p === undefined || shuttingDown) return callback(false, 503, "Service Unavailable")
        const handler = handlerFor("$connect")
        if (handler === undefined) return callback(true)
        const query: Record<string, string> = {}
        const multiQuery: Record<string, Array<string>> = {}
        const url = new URL(req.url ?? "/", "http://localhost")
        for (const [key, value] of url.searchParams) {
          query[key] = value
          ;(multiQuery[key] ??= []).push(value)
        }
        const multiHeaders: Record<string, Array<string>> = {}
        for (let i = 0; i < req.rawHeaders.length; i += 2) {
          ;(multiHeaders[req.rawHeaders[i]] ??= []).push(req.rawHeaders[i + 1])
        }
        const headers: Record<string, string> = {}
        for (const [name, values] of Object.entries(multiHeaders)) headers[name] = values.join(",")
        const event: WebSocketEvent = {
          requestContext: baseContext(p, "$connect", "CONNECT", p.connectedAt),
          headers,
          multiValueHeaders: multiHeaders,
          ...(url.searchParams.size === 0 ? {} : {
            queryStringParameters: query,
            multiValueQueryStringParameters: multiQuery
          }),
          isBase64Encoded: false
        }
        let answered = false
        const answer = (ok: boolean, status = 200, message = "") => {
          if (answered) return
          answered = true
          if (ok) callback(true)
          else callback(false, status, message)
        }
        fork(
          invoke(handler, event).pipe(
            Effect.map((outcome) => {
              if (outcome._tag === "Failed") return answer(false, outcome.status, outcome.message)
              const status = outcome.result?.statusCode ?? 200
              if (status >= 200 && status < 300) return answer(true)
              log("Info", `$connect answered ${status}: handshake rejected`, { connectionId: p.id })
              answer(false, status >= 400 && status < 600 ? status : 403, outcome.result?.body ?? "Forbidden")
            }),
            Effect.onExit((exit) => Effect.sync(() => Exit.isInterrupted(exit) && answer(false, 503, "Unavailable")))
          )
        )
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
        userAgent,
        domainName: headerValue(req.headers.host) ?? `${Util.urlHost(address.host)}:${address.port}`
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
            }, maxMillis)
          }
          c.idleTimer.unref()
          c.maxTimer.unref()
          connections.set(c.id, c)
          log("Debug", "connected", { connectionId: c.id, sourceIp: c.sourceIp })
          ws.on("message", (data, isBinary) => onMessage(c, data, isBinary))
          ws.on("ping", () => {
            c.lastActiveAt = now()
            c.idleTimer.refresh()
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
      const headers = flatHeaders(req.headers)
      const hostname = (headers.host ?? "").replace(/:\d+$/, "")
      if (query.has("X-Amz-Signature")) return verifyPresigned(req.method ?? "GET", hostname, headers, rawPath, query)
      if (credentials === undefined) {
        const auth = headers.authorization
        if (auth === undefined) return MESSAGES.MissingAuthentication
        const parsed = SigV4.parseAuthorization(auth)
        const date = headers["x-amz-date"]
        return parsed === undefined || date === undefined || SigV4.parseAmzDate(date) === undefined ?
          MESSAGES.MalformedAuthorization :
          undefined
      }
      const queryRecord: Record<string, string | Array<string>> = {}
      for (const key of new Set(query.keys())) {
        const values = query.getAll(key)
        queryRecord[key] = values.length === 1 ? values[0] : values
      }
      const failure = await SigV4.verify(
        { method: req.method ?? "GET", hostname, path: rawPath, query: queryRecord, headers, body },
        { credentials, region, now: now(), maxSkewMillis: skewMillis }
      )
      return failure === undefined ? undefined : MESSAGES[failure]
    }

    const verifyPresigned = async (
      method: string,
      hostname: string,
      headers: Record<string, string>,
      rawPath: string,
      query: URLSearchParams
    ): Promise<string | undefined> => {
      const credential = query.get("X-Amz-Credential") ?? ""
      const date = query.get("X-Amz-Date") ?? ""
      const expires = Number(query.get("X-Amz-Expires"))
      const time = SigV4.parseAmzDate(date)
      const [accessKeyId, day, scopeRegion, service, terminator] = credential.split("/")
      if (
        query.get("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256" || time === undefined || terminator !== "aws4_request" ||
        !Number.isInteger(expires) || expires < 1 || expires > 604800 || headers.host === undefined
      ) return MESSAGES.MalformedAuthorization
      const current = now()
      if (current > time + expires * 1000 || time > current + skewMillis) {
        return "Signature expired: the presigned URL is no longer valid."
      }
      if (credentials === undefined) return undefined
      if (accessKeyId !== credentials.accessKeyId) return MESSAGES.UnknownAccessKey
      if (day !== date.slice(0, 8) || scopeRegion !== region || service !== SigV4.SERVICE) return MESSAGES.WrongScope
      const token = query.get("X-Amz-Security-Token") ?? undefined
      const expectedToken = credentials.sessionToken === undefined
        ? undefined
        : Redacted.value(credentials.sessionToken)
      if (token !== expectedToken) return MESSAGES.UnknownAccessKey
      const rest: Record<string, string> = {}
      for (const [key, value] of query) if (!key.startsWith("X-Amz-")) rest[key] = value
      const signed = SigV4.presign(
        { method, hostname, path: rawPath, query: rest, headers: { host: headers.host } },
        { credentials, region, time, expiresIn: expires }
      )
      const given = query.get("X-Amz-Signature") ?? ""
      return signed["X-Amz-Signature"] === given ? undefined : MESSAGES.SignatureMismatch
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
        resume(
          Effect.succeed(typeof a === "object" && a !== null ? { host: a.address, port: a.port } : { host, port })
        )
      })
    })

    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        shuttingDown = true
        const open = [...connections.values()]
        for (const c of open) close(c, 1001, "Going away")
        // Wait for the `$disconnect` handlers (bounded), then for the sockets.
        yield* Effect.promise(() => Promise.all([...running])).pipe(
          Effect.timeout(Duration.millis(Math.min(handlerMillis, 5000))),
          Effect.ignore
        )
        yield* Effect.promise(() =>
          Promise.all(
            open.map((c) =>
              c.ws.readyState === c.ws.CLOSED
                ? Promise.resolve()
                : new Promise((resolve) => c.ws.once("close", resolve))
            )
          )
        ).pipe(Effect.timeout(Duration.millis(1000)), Effect.ignore)
        for (const c of open) c.ws.terminate()
        yield* Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
        log("Debug", "stopped")
      })
    )

    const hostForUrl = Util.urlHost(address.host)
    const origin = `${hostForUrl}:${address.port}`
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
