/**
 * A local API Gateway WebSocket API: a real WebSocket server and, on the same port, the `@connections` management
 * endpoint under the stage path, with the route handlers of a WebSocket backend.
 *
 * @since 0.1.0
 */
import type * as Models from "@effect-apigw/schema/Models"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { Handler, Routes } from "./Event.js"
import * as Auth from "./internal/auth.js"
import * as Connections from "./internal/connections.js"
import * as Events from "./internal/events.js"
import * as Invoke from "./internal/invoke.js"
import * as Log from "./internal/log.js"
import * as Management from "./internal/management.js"
import * as InternalOptions from "./internal/options.js"
import * as Router from "./internal/routes.js"
import * as Server from "./internal/server.js"
import * as Util from "./internal/util.js"
import * as WebSockets from "./internal/websocket.js"

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
  /** Largest `PostToConnection` body (default `ApiGatewayManagementApi.MAX_PAYLOAD_BYTES`, 128 KiB); larger ones get 413. */
  readonly maxPayloadBytes?: number | undefined
  /** Largest message a client may send (default 128 KiB, as `maxPayloadBytes`); a larger one closes the socket with 1009. */
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
  /** The open connections, as `GetConnection` tells of them. */
  readonly connections: Effect.Effect<ReadonlyArray<Models.Connection>>
  /** One open connection. */
  readonly getConnection: (connectionId: string) => Effect.Effect<Option.Option<Models.Connection>>
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
export const defaults = InternalOptions.defaults

/** How long shutdown waits for `$disconnect` handlers (at most `handlerTimeout`) and then for sockets to close. */
const SHUTDOWN_HANDLERS_MILLIS = 5000
const SHUTDOWN_SOCKETS_MILLIS = 1000

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
    const settings = yield* Either.mapLeft(
      InternalOptions.settings(options),
      (description) => new EmulatorError({ reason: "Options", description })
    )
    const { host, port, region, stage } = settings
    const runtime = yield* Effect.runtime<R>()
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    const log = Log.make(runtime, stage)
    // `requestContext.domainName`: the emulator's own address, never a client's `Host` header. Known once listening,
    // before any client can connect.
    let domainName = ""

    const router = Router.make({
      routes: options.routes ?? {},
      handler: options.handler,
      routeSelectionExpression: settings.routeSelectionExpression
    })
    const events = Events.make({ stage, apiId: settings.apiId, domainName: () => domainName })
    const invoker = Invoke.make({ runtime, log, now, handlerMillis: settings.handlerMillis, region })
    const registry = Connections.make({
      log,
      now,
      idleMillis: settings.idleMillis,
      maxDurationMillis: settings.maxDurationMillis,
      sendBufferLimit: settings.sendBufferLimit,
      // However a connection closed, `$disconnect` runs once; nothing waits for its answer.
      onClosed: (c, code, reason) => {
        const handler = router.handlerFor("$disconnect")
        if (handler === undefined) return
        invoker.run(handler, events.disconnect(c, { time: now(), code, reason }), () => undefined)
      }
    })
    const sockets = WebSockets.make({
      stage,
      maxMessageBytes: settings.maxMessageBytes,
      log,
      now,
      registry,
      router,
      events,
      invoker
    })
    const onRequest = Management.make({
      stage,
      maxPayloadBytes: settings.maxPayloadBytes,
      sendBufferLimit: settings.sendBufferLimit,
      registry,
      authenticate: Auth.make({
        credentials: settings.credentials,
        region,
        maxSkewMillis: settings.maxSkewMillis,
        now
      }),
      log
    })
    const server = Server.make({ log, onRequest, onUpgrade: sockets.onUpgrade })

    const address = yield* Server.listen(server, {
      host,
      port,
      log,
      onListening: (bound) => {
        domainName = `${Util.urlHost(bound.host)}:${bound.port}`
      }
    }).pipe(Effect.mapError((cause) =>
      new EmulatorError({
        reason: "Listen",
        description: `cannot listen on ${host}:${port}: ${Util.describe(cause)}`,
        cause
      })
    ))

    // Every wait is on a real timer: a finalizer cannot be interrupted, so an `Effect.timeout` in it would wait for
    // what it times out.
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        sockets.stopAccepting()
        const open = registry.all()
        for (const c of open) registry.close(c, 1001, "Going away")
        // The `$disconnect` handlers (and any other) get at most 5 seconds, and no more than `handlerTimeout`...
        await invoker.settle(Math.min(settings.handlerMillis, SHUTDOWN_HANDLERS_MILLIS))
        // ...then the rest are interrupted, not waited for: a pending `$connect` is answered 503.
        invoker.interruptAll()
        await Util.settledWithin(
          Promise.all(
            open.map(({ ws }) =>
              ws.readyState === ws.CLOSED ? undefined : new Promise((resolve) => ws.once("close", resolve))
            )
          ),
          SHUTDOWN_SOCKETS_MILLIS
        )
        for (const c of open) c.ws.terminate()
        await Server.close(server, SHUTDOWN_SOCKETS_MILLIS)
        log("Debug", "stopped")
      })
    )

    log("Debug", `listening on ws://${domainName}/${stage}`)
    return Emulator.of({
      port: address.port,
      host: address.host,
      stage,
      region,
      url: `ws://${domainName}/${stage}`,
      endpoint: `http://${domainName}/${stage}`,
      connections: Effect.sync(() => registry.all().map(registry.info)),
      getConnection: (connectionId) =>
        Effect.sync(() => Option.map(Option.fromNullable(registry.get(connectionId)), registry.info)),
      disconnect: (connectionId) =>
        Effect.sync(() => {
          const c = registry.get(connectionId)
          if (c === undefined) return false
          registry.close(c, 1000, "Connection deleted")
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
export const connections: Effect.Effect<ReadonlyArray<Models.Connection>, never, Emulator> = Effect.flatMap(
  Emulator,
  (emulator) => emulator.connections
)
