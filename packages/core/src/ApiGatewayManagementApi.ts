/**
 * The API Gateway Management API client: push a message to a WebSocket connection, read a connection, close it.
 *
 * @since 0.1.0
 */
import {
  type AwsServiceError,
  type BroadcastAbortedError,
  type ConfigurationError,
  type CredentialsError,
  type ForbiddenException,
  type GoneException,
  type InvalidInputError,
  type LimitExceededException,
  OperationNotPageableError,
  type PayloadTooLargeException,
  type TransportError,
  type UnexpectedResponseError,
  WaiterDoesNotExistError
} from "@effect-apigw/schema/Errors"
import type {
  Data,
  DeleteConnectionOutput,
  DeleteConnectionRequest,
  GetConnectionOutput,
  GetConnectionRequest,
  PostToConnectionOutput,
  PostToConnectionRequest
} from "@effect-apigw/schema/Models"
import type { ResponseMetadata } from "@effect-apigw/schema/ResponseMetadata"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { AwsCredentials } from "./AwsCredentials.js"
import type * as Endpoint from "./Endpoint.js"
import * as HttpDeadline from "./HttpDeadline.js"
import * as Input from "./Input.js"
import * as InternalBroadcast from "./internal/broadcast.js"
import * as Call from "./internal/call.js"
import * as InternalOptions from "./internal/options.js"
import * as Plan from "./internal/plan.js"
import * as Presign from "./internal/presign.js"
import type { ModelledCode } from "./internal/response.js"
import * as Send from "./internal/send.js"
import * as Tracing from "./internal/tracing.js"
import * as SigV4 from "./SigV4.js"

/**
 * The errors `getConnection` can fail with: the modelled AWS errors of the operation, and the client's own.
 *
 * @since 0.1.0
 * @category errors
 */
export type GetConnectionError =
  | ForbiddenException
  | GoneException
  | LimitExceededException
  | AwsServiceError
  | TransportError
  | UnexpectedResponseError
  | CredentialsError
  | InvalidInputError

/**
 * The errors `postToConnection` can fail with: those of `getConnection`, and `PayloadTooLargeException`.
 *
 * @since 0.1.0
 * @category errors
 */
export type PostToConnectionError = GetConnectionError | PayloadTooLargeException

/**
 * The errors `deleteConnection` can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type DeleteConnectionError = GetConnectionError

/**
 * The errors `generatePresignedUrl` can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type GeneratePresignedUrlError = CredentialsError | InvalidInputError | PayloadTooLargeException

/**
 * The client's method names, as `generatePresignedUrl`, `canPaginate` and `getPaginator` take them.
 *
 * @since 0.1.0
 * @category models
 */
export type OperationName = keyof typeof Input.PRESIGN_METHODS

/**
 * Input of `generatePresignedUrl`, as boto3's `generate_presigned_url`.
 *
 * @since 0.1.0
 * @category models
 */
export type GeneratePresignedUrlRequest =
  | {
    readonly ClientMethod: "postToConnection"
    readonly Params: PostToConnectionRequest
    /** Seconds the URL stays valid: 1 to 604800, default 3600. */
    readonly ExpiresIn?: number | undefined
    readonly HttpMethod?: string | undefined
  }
  | {
    readonly ClientMethod: "getConnection" | "deleteConnection"
    readonly Params: GetConnectionRequest
    readonly ExpiresIn?: number | undefined
    readonly HttpMethod?: string | undefined
  }

/**
 * How one connection fared in a broadcast.
 *
 * @since 0.1.0
 * @category models
 */
export type BroadcastOutcome =
  | { readonly _tag: "Delivered"; readonly ConnectionId: string }
  | { readonly _tag: "Gone"; readonly ConnectionId: string }
  | { readonly _tag: "Failed"; readonly ConnectionId: string; readonly error: PostToConnectionError }

/**
 * What a broadcast did: the ids delivered, the ids that answered Gone, and the ids that failed with their error.
 *
 * @since 0.1.0
 * @category models
 */
export interface BroadcastResult {
  readonly delivered: Array<string>
  readonly gone: Array<string>
  readonly failed: Array<{ readonly ConnectionId: string; readonly error: PostToConnectionError }>
}

/**
 * Input of `broadcast` and `broadcastStream`.
 *
 * @since 0.1.0
 * @category models
 */
export interface BroadcastRequest<IE = never, IR = never, GE = never, GR = never> {
  /**
   * The ids, as any iterable or a `Stream` (read as the broadcast goes, never all at once). Each one read ends as
   * exactly one outcome: a value that is not a valid connection id (`undefined`, `""`, ...) as failed, as given, with
   * an `InvalidInputError`.
   */
  readonly ConnectionIds: Iterable<string> | Stream.Stream<string, IE, IR>
  /** The message, encoded once for all connections. */
  readonly Data: Data
  /** Posts in flight at most: 1 to {@link MAX_BROADCAST_CONCURRENCY} (default {@link DEFAULT_BROADCAST_CONCURRENCY}). */
  readonly concurrency?: number | undefined
  /** Run for each id that answered Gone, as it happens (e.g. to delete it from the store). */
  readonly onGone?: ((connectionId: string) => Effect.Effect<unknown, GE, GR>) | undefined
}

/**
 * The errors that end a whole broadcast: bad `Data`, a bad `concurrency`, or an endpoint that keeps failing.
 *
 * @since 0.1.0
 * @category errors
 */
export type BroadcastError = InvalidInputError | PayloadTooLargeException | BroadcastAbortedError

/**
 * Posts in flight at most during a broadcast, unless told otherwise.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_BROADCAST_CONCURRENCY = InternalBroadcast.DEFAULT_CONCURRENCY

/**
 * The most posts a broadcast may have in flight: a larger `concurrency` is an `InvalidInputError`.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_BROADCAST_CONCURRENCY = InternalBroadcast.MAX_CONCURRENCY

/**
 * The client.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiGatewayManagementApiService {
  /** The validated endpoint the client talks to. */
  readonly endpoint: Endpoint.Endpoint
  /** Sends `Data` to the connection as one WebSocket message (`POST /@connections/{id}`). */
  readonly postToConnection: (
    input: PostToConnectionRequest
  ) => Effect.Effect<PostToConnectionOutput, PostToConnectionError>
  /** Reads when the connection was opened, when it was last active and who is on it. */
  readonly getConnection: (input: GetConnectionRequest) => Effect.Effect<GetConnectionOutput, GetConnectionError>
  /** Closes the connection. */
  readonly deleteConnection: (
    input: DeleteConnectionRequest
  ) => Effect.Effect<DeleteConnectionOutput, DeleteConnectionError>
  /**
   * Sends one message to many connections with bounded concurrency; an endpoint that throttles slows the whole
   * broadcast down, a connection that cannot take more (429 for it alone) is retried on its own and then reported
   * failed, an endpoint that keeps failing stops it with `BroadcastAbortedError`, and interruption stops every post
   * in flight.
   */
  readonly broadcast: <IE = never, IR = never, GE = never, GR = never>(
    input: BroadcastRequest<IE, IR, GE, GR>
  ) => Effect.Effect<BroadcastResult, BroadcastError | IE | GE, IR | GR>
  /** As `broadcast`, emitting each connection's outcome as it completes instead of collecting them. */
  readonly broadcastStream: <IE = never, IR = never, GE = never, GR = never>(
    input: BroadcastRequest<IE, IR, GE, GR>
  ) => Stream.Stream<BroadcastOutcome, BroadcastError | IE | GE, IR | GR>
  /** A presigned URL for one of the operations, as boto3's `generate_presigned_url`. */
  readonly generatePresignedUrl: (
    input: GeneratePresignedUrlRequest
  ) => Effect.Effect<string, GeneratePresignedUrlError>
  /** Always `false`: no operation of this API is pageable. */
  readonly canPaginate: (operation: string) => boolean
  /** Always fails: no operation of this API is pageable. */
  readonly getPaginator: (operation: string) => Effect.Effect<never, OperationNotPageableError>
  /** Always fails: this API defines no waiters. */
  readonly getWaiter: (waiterName: string) => Effect.Effect<never, WaiterDoesNotExistError>
}

/**
 * The client's tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class ApiGatewayManagementApi extends Context.Tag("@effect-apigw/core/ApiGatewayManagementApi")<
  ApiGatewayManagementApi,
  ApiGatewayManagementApiService
>() {}

/**
 * Client options.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`, or a custom domain with its base path. */
  readonly endpoint: string | URL
  /** The signing region; read from an `execute-api` host when absent. */
  readonly region?: string | undefined
  /** Attempts per call, retries included (default 3; 1 turns retries off). */
  readonly maxAttempts?: number | undefined
  /**
   * Time limit of each attempt, response body included (default 10 seconds, at most 2^31 - 1 ms; real time, not the
   * Effect `Clock`).
   */
  readonly requestTimeout?: Duration.DurationInput | undefined
  /** `Data` larger than this fails with `PayloadTooLargeException` before sending (default 131072; `false`: off). */
  readonly maxPayloadBytes?: number | false | undefined
  /**
   * Replaces the built-in backoff: after each retryable failure the schedule is stepped with the error, and its delay
   * is waited; when it ends, the call fails. `maxAttempts` and the retry budget still apply.
   */
  readonly retrySchedule?: Schedule.Schedule<unknown, RetryableError> | undefined
}

/**
 * The failures that may be retried, and what a custom `retrySchedule` is stepped with: throttling and transient AWS
 * errors, unexpected answers (5xx, 429), transport errors. `ForbiddenException`, `GoneException` and
 * `PayloadTooLargeException` never are.
 *
 * @since 0.1.0
 * @category errors
 */
export type RetryableError = LimitExceededException | AwsServiceError | UnexpectedResponseError | TransportError

/**
 * The model's maximum message size, in bytes.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_PAYLOAD_BYTES: number = InternalOptions.MAX_PAYLOAD_BYTES

/**
 * The default time limit of one attempt.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_REQUEST_TIMEOUT: Duration.Duration = InternalOptions.DEFAULT_REQUEST_TIMEOUT

/** The largest response body read; a larger one is an `UnexpectedResponseError`. */
const MAX_RESPONSE_BYTES = 64 * 1024

/**
 * Builds `broadcast` and `broadcastStream` on a function that, given the encoded body once per broadcast, posts it
 * to one connection; for other implementations of the service, such as test fakes, so that they broadcast exactly as
 * the client does. The post should fail with throttling errors rather than retry them: the broadcast backs off as a
 * whole.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeBroadcast = (
  post: (body: Uint8Array) => (connectionId: string) => Effect.Effect<unknown, PostToConnectionError>,
  maxPayloadBytes: number | false = MAX_PAYLOAD_BYTES
): Pick<ApiGatewayManagementApiService, "broadcast" | "broadcastStream"> => {
  const broadcastStream = <IE = never, IR = never, GE = never, GR = never>(
    input: BroadcastRequest<IE, IR, GE, GR>
  ): Stream.Stream<BroadcastOutcome, BroadcastError | IE | GE, IR | GR> => {
    const checked = InternalBroadcast.check(input)
    if (Either.isLeft(checked)) return Stream.fail(checked.left)
    return Stream.unwrap(
      Effect.map(
        Input.data(input.Data, maxPayloadBytes),
        (body) => InternalBroadcast.stream({ ...checked.right, post: post(body) })
      )
    )
  }
  const broadcast = <IE = never, IR = never, GE = never, GR = never>(
    input: BroadcastRequest<IE, IR, GE, GR>
  ): Effect.Effect<BroadcastResult, BroadcastError | IE | GE, IR | GR> => {
    const checked = InternalBroadcast.check(input)
    if (Either.isLeft(checked)) return Effect.fail(checked.left)
    return Effect.flatMap(Input.data(input.Data, maxPayloadBytes), (body) => {
      const result: BroadcastResult = { delivered: [], gone: [], failed: [] }
      return InternalBroadcast.run({
        ...checked.right,
        post: post(body),
        emit: (outcome) => {
          if (outcome._tag === "Delivered") result.delivered.push(outcome.ConnectionId)
          else if (outcome._tag === "Gone") result.gone.push(outcome.ConnectionId)
          else result.failed.push({ ConnectionId: outcome.ConnectionId, error: outcome.error })
          return Effect.void
        }
      }).pipe(Effect.as(result))
    })
  }
  return { broadcast, broadcastStream }
}

/**
 * The paginator and waiter methods of a service of this API, which has neither; for other implementations of the
 * service, such as test fakes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const noPaginatorsOrWaiters: Pick<ApiGatewayManagementApiService, "canPaginate" | "getPaginator" | "getWaiter"> =
  {
    canPaginate: () => false,
    getPaginator: (operation) =>
      Effect.fail(
        new OperationNotPageableError({
          operation: typeof operation === "string" ? operation : Input.describeValue(operation)
        })
      ),
    getWaiter: (waiterName) =>
      Effect.fail(
        new WaiterDoesNotExistError({
          waiterName: typeof waiterName === "string" ? waiterName : Input.describeValue(waiterName)
        })
      )
  }

/**
 * Builds the client from options, an `HttpClient` and `AwsCredentials`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<ApiGatewayManagementApiService, ConfigurationError, HttpClient.HttpClient | AwsCredentials> =>
  Effect.gen(function*() {
    const checked = InternalOptions.check(options)
    if (Either.isLeft(checked)) return yield* checked.left
    const { endpoint, maxAttempts, maxPayloadBytes, requestTimeout, retrySchedule } = checked.right
    const client = yield* HttpClient.HttpClient
    const honouring = yield* Effect.serviceOption(HttpDeadline.HonouringClient)
    const credentials = yield* AwsCredentials
    if (typeof credentials !== "object" || credentials === null || !Effect.isEffect(credentials.resolve)) {
      return yield* InternalOptions.configError("AwsCredentials", "the credentials service has no resolve effect")
    }
    const skew = new Call.ClockSkew()
    const call = Call.make({
      endpoint,
      credentials,
      send: Send.make({
        client,
        honoursDeadline: Option.contains(honouring, client),
        origin: `${endpoint.protocol}//${endpoint.host}`,
        requestTimeout,
        maxResponseBytes: MAX_RESPONSE_BYTES
      }),
      maxAttempts,
      retrySchedule,
      skew
    })
    const pathPrefix = `${endpoint.basePath}/@connections/`

    /** Checks the connection id, then runs the call in the operation's span. */
    const operation = <C extends ModelledCode, A extends { readonly $metadata: ResponseMetadata }, BE = never>(
      { body, bodyHash, connectionId, plan, retryThrottling = true }: {
        readonly plan: Plan.Plan<C, A>
        readonly connectionId: unknown
        /** The body, checked (for POST). */
        readonly body: Effect.Effect<Uint8Array | undefined, BE>
        readonly bodyHash?: string | undefined
        readonly retryThrottling?: boolean | undefined
      }
    ): Effect.Effect<A, Call.CallError<C> | InvalidInputError | BE> =>
      Either.match(Input.connectionIdSegment(connectionId), {
        onLeft: Effect.fail,
        onRight: (segment) =>
          Effect.flatMap(
            body,
            (bytes) =>
              call({ plan, path: pathPrefix + segment, body: bytes, bodyHash, retryThrottling }).pipe(
                Tracing.withOperationSpan({ name: plan.name, endpoint, connectionId: connectionId as string })
              )
          )
      })

    const noBody = Effect.succeed(undefined)

    const { broadcast, broadcastStream } = makeBroadcast((body) => {
      // One body for every connection: hashed once.
      const bodyHash = SigV4.payloadHash(body)
      const bytes = Effect.succeed(body)
      return (connectionId) =>
        // Throttling is not retried per post: the broadcast slows down as a whole instead.
        operation({ plan: Plan.postToConnection, connectionId, body: bytes, bodyHash, retryThrottling: false })
    }, maxPayloadBytes)

    return ApiGatewayManagementApi.of({
      endpoint,
      postToConnection: (input) =>
        operation({
          plan: Plan.postToConnection,
          connectionId: input?.ConnectionId,
          body: Effect.suspend(() => Input.data(input.Data, maxPayloadBytes))
        }),
      getConnection: (input) =>
        operation({ plan: Plan.getConnection, connectionId: input?.ConnectionId, body: noBody }),
      deleteConnection: (input) =>
        operation({ plan: Plan.deleteConnection, connectionId: input?.ConnectionId, body: noBody }),
      broadcast,
      broadcastStream,
      generatePresignedUrl: Presign.make({ endpoint, credentials, maxPayloadBytes, skew }),
      ...noPaginatorsOrWaiters
    })
  })

/**
 * The client as a layer. It needs an `HttpClient` (see `@effect-apigw/layers`' `Http` for the recommended one per
 * runtime) and `AwsCredentials`.
 *
 * @example
 * import { ApiGatewayManagementApi } from "@effect-apigw/core"
 * import { Credentials, Http } from "@effect-apigw/layers"
 * import { Effect, Layer } from "effect"
 *
 * const Client = ApiGatewayManagementApi.layer({
 *   endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
 * }).pipe(Layer.provide([Credentials.layerEnv, Http.layer]))
 *
 * const program = ApiGatewayManagementApi.postToConnection({ ConnectionId: "L0SM9cOFvHcCIhw=", Data: "hello" }).pipe(
 *   Effect.catchTag("GoneException", () => Effect.log("the client went away")),
 *   Effect.provide(Client)
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<ApiGatewayManagementApi, ConfigurationError, HttpClient.HttpClient | AwsCredentials> =>
  Layer.effect(ApiGatewayManagementApi, make(options))

/**
 * The options read from the environment: `APIGW_ENDPOINT`, `AWS_REGION` (or `AWS_DEFAULT_REGION`),
 * `AWS_MAX_ATTEMPTS`.
 *
 * @since 0.1.0
 * @category config
 */
export const defaultConfig: Config.Config<Options> = /* @__PURE__ */ Config.all({
  endpoint: Config.string("APIGW_ENDPOINT"),
  region: Config.option(Config.orElse(Config.string("AWS_REGION"), () => Config.string("AWS_DEFAULT_REGION"))),
  maxAttempts: Config.option(Config.integer("AWS_MAX_ATTEMPTS"))
}).pipe(Config.map(({ endpoint, maxAttempts, region }) => ({
  endpoint,
  region: Option.getOrUndefined(region),
  maxAttempts: Option.getOrUndefined(maxAttempts)
})))

/**
 * The client as a layer whose options are read through `Config` (by default {@link defaultConfig}).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<Options> | Config.Config.Wrap<Options> = defaultConfig
): Layer.Layer<ApiGatewayManagementApi, ConfigurationError, HttpClient.HttpClient | AwsCredentials> =>
  Layer.effect(
    ApiGatewayManagementApi,
    Effect.suspend(() => {
      let unwrapped: Config.Config<Options>
      try {
        unwrapped = Config.unwrap<Options>(config as Config.Config.Wrap<Options>)
      } catch {
        return Effect.fail(
          InternalOptions.configError("config", `expected a Config of the options, got ${Input.describeType(config)}`)
        )
      }
      return unwrapped.pipe(
        Effect.mapError((error) => InternalOptions.configError("config", String(error))),
        Effect.flatMap(make)
      )
    })
  )

/**
 * Sends `Data` to a connection with the client from the context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const postToConnection = (
  input: PostToConnectionRequest
): Effect.Effect<PostToConnectionOutput, PostToConnectionError, ApiGatewayManagementApi> =>
  Effect.flatMap(ApiGatewayManagementApi, (api) => api.postToConnection(input))

/**
 * Reads a connection with the client from the context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const getConnection = (
  input: GetConnectionRequest
): Effect.Effect<GetConnectionOutput, GetConnectionError, ApiGatewayManagementApi> =>
  Effect.flatMap(ApiGatewayManagementApi, (api) => api.getConnection(input))

/**
 * Closes a connection with the client from the context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const deleteConnection = (
  input: DeleteConnectionRequest
): Effect.Effect<DeleteConnectionOutput, DeleteConnectionError, ApiGatewayManagementApi> =>
  Effect.flatMap(ApiGatewayManagementApi, (api) => api.deleteConnection(input))

/**
 * Sends one message to many connections with the client from the context.
 *
 * @example
 * import { ApiGatewayManagementApi } from "@effect-apigw/core"
 * import { Effect } from "effect"
 *
 * declare const removeFromRoom: (connectionId: string) => Effect.Effect<void>
 *
 * const announce = (room: ReadonlyArray<string>) =>
 *   ApiGatewayManagementApi.broadcast({
 *     ConnectionIds: room,
 *     Data: JSON.stringify({ type: "announcement", text: "hello" }),
 *     onGone: removeFromRoom
 *   }).pipe(Effect.tap(({ delivered, failed }) => Effect.log(`${delivered.length} delivered, ${failed.length} failed`)))
 *
 * @since 0.1.0
 * @category accessors
 */
export const broadcast = <IE = never, IR = never, GE = never, GR = never>(
  input: BroadcastRequest<IE, IR, GE, GR>
): Effect.Effect<BroadcastResult, BroadcastError | IE | GE, ApiGatewayManagementApi | IR | GR> =>
  Effect.flatMap(ApiGatewayManagementApi, (api) => api.broadcast(input))

/**
 * The outcome of each connection of a broadcast, as a stream, with the client from the context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const broadcastStream = <IE = never, IR = never, GE = never, GR = never>(
  input: BroadcastRequest<IE, IR, GE, GR>
): Stream.Stream<BroadcastOutcome, BroadcastError | IE | GE, ApiGatewayManagementApi | IR | GR> =>
  Stream.unwrap(Effect.map(ApiGatewayManagementApi, (api) => api.broadcastStream(input)))

/**
 * A presigned URL from the client in the context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const generatePresignedUrl = (
  input: GeneratePresignedUrlRequest
): Effect.Effect<string, GeneratePresignedUrlError, ApiGatewayManagementApi> =>
  Effect.flatMap(ApiGatewayManagementApi, (api) => api.generatePresignedUrl(input))

/**
 * Whether an operation is pageable: never, for this API.
 *
 * @since 0.1.0
 * @category accessors
 */
export const canPaginate = (operation: string): Effect.Effect<boolean, never, ApiGatewayManagementApi> =>
  Effect.map(ApiGatewayManagementApi, (api) => api.canPaginate(operation))

/**
 * Fails with `OperationNotPageableError`: this API has no paginators.
 *
 * @since 0.1.0
 * @category accessors
 */
export const getPaginator = (
  operation: string
): Effect.Effect<never, OperationNotPageableError, ApiGatewayManagementApi> =>
  Effect.flatMap(ApiGatewayManagementApi, (api) => api.getPaginator(operation))

/**
 * Fails with `WaiterDoesNotExistError`: this API has no waiters.
 *
 * @since 0.1.0
 * @category accessors
 */
export const getWaiter = (waiterName: string): Effect.Effect<never, WaiterDoesNotExistError, ApiGatewayManagementApi> =>
  Effect.flatMap(ApiGatewayManagementApi, (api) => api.getWaiter(waiterName))
