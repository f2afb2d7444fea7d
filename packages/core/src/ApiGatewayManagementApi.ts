/**
 * The API Gateway Management API client: push a message to a WebSocket connection, read a connection, close it.
 *
 * @since 0.1.0
 */
import * as Decode from "@effect-apigw/schema/Decode"
import {
  type AwsServiceError,
  type BroadcastAbortedError,
  ConfigurationError,
  CredentialsError,
  type ForbiddenException,
  type GoneException,
  InvalidInputError,
  type LimitExceededException,
  OperationNotPageableError,
  PayloadTooLargeException,
  TransportError,
  UnexpectedResponseError,
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
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { AwsCredentials } from "./AwsCredentials.js"
import * as Endpoint from "./Endpoint.js"
import * as HttpTransport from "./HttpTransport.js"
import * as Input from "./Input.js"
import * as InternalBroadcast from "./internal/broadcast.js"
import * as HttpClientSend from "./internal/httpClientSend.js"
import {
  type ErrorFromResponse,
  errorFromResponse,
  metadataOf,
  type ModelledCode,
  type RawResponse,
  scrubError
} from "./internal/response.js"
import { backoff, classify, mayBeSkew, retryAfterMillis, RetryBudget, serverTime } from "./internal/retry.js"
import * as Send from "./internal/send.js"
import * as SigV4 from "./SigV4.js"

/**
 * The errors `postToConnection` can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type PostToConnectionError =
  | ForbiddenException
  | GoneException
  | PayloadTooLargeException
  | LimitExceededException
  | AwsServiceError
  | TransportError
  | UnexpectedResponseError
  | CredentialsError
  | InvalidInputError

/**
 * The errors `getConnection` can fail with.
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
export const DEFAULT_BROADCAST_CONCURRENCY = 32

/**
 * The most posts a broadcast may have in flight: a larger `concurrency` is an `InvalidInputError`.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_BROADCAST_CONCURRENCY = 10_000

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
 * The failures that may be retried: throttling and transient AWS errors, unexpected 5xx answers, transport errors.
 *
 * @since 0.1.0
 * @category errors
 */
export type RetryableError =
  | ForbiddenException
  | GoneException
  | PayloadTooLargeException
  | LimitExceededException
  | AwsServiceError
  | UnexpectedResponseError
  | TransportError

/**
 * The model's maximum message size, in bytes.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_PAYLOAD_BYTES = 131072

/**
 * The default time limit of one attempt.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_REQUEST_TIMEOUT: Duration.Duration = /* @__PURE__ */ Duration.seconds(10)

const MAX_RESPONSE_BYTES = 64 * 1024
const SKEW_THRESHOLD = 4 * 60_000

const POST_ERRORS: ReadonlySet<ModelledCode> = new Set([
  "ForbiddenException",
  "GoneException",
  "PayloadTooLargeException",
  "LimitExceededException"
])
const OTHER_ERRORS: ReadonlySet<ModelledCode> = new Set([
  "ForbiddenException",
  "GoneException",
  "LimitExceededException"
])

const decoder = new TextDecoder()

const invalid = (field: string, description: string) => new InvalidInputError({ field, description })

/** Effect's built-in tracer, which keeps spans in memory only and exports nothing. */
const nativeTracer = Effect.runSync(Effect.tracer)

const annotate = (metadata: ResponseMetadata | undefined): Effect.Effect<void> =>
  metadata === undefined ? Effect.void : Effect.annotateCurrentSpan({
    "http.response.status_code": metadata.httpStatusCode,
    "aws.request_id": metadata.requestId,
    "aws.attempts": metadata.attempts,
    "aws.total_retry_delay_ms": metadata.totalRetryDelay
  })

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
  const check = (input: BroadcastRequest<any, any, any, any>): InvalidInputError | undefined => {
    if (typeof input !== "object" || input === null) {
      return invalid("input", `expected an object with ConnectionIds and Data, got ${Input.describeType(input)}`)
    }
    const concurrency: unknown = input.concurrency ?? DEFAULT_BROADCAST_CONCURRENCY
    if (
      typeof concurrency !== "number" || !Number.isInteger(concurrency) || concurrency < 1 ||
      concurrency > MAX_BROADCAST_CONCURRENCY
    ) {
      return invalid(
        "concurrency",
        `${Input.describeValue(concurrency)} is not a whole number from 1 to ${MAX_BROADCAST_CONCURRENCY}`
      )
    }
    const ids: unknown = input.ConnectionIds
    if (ids === null || typeof ids !== "object" || !(Symbol.iterator in ids || Stream.StreamTypeId in ids)) {
      return invalid(
        "ConnectionIds",
        `expected an iterable or a Stream of connection ids, got ${Input.describeType(ids)}`
      )
    }
    if (input.onGone !== undefined && typeof input.onGone !== "function") {
      return invalid("onGone", `expected a function returning an Effect, got ${Input.describeType(input.onGone)}`)
    }
    return undefined
  }
  const broadcastStream = <IE = never, IR = never, GE = never, GR = never>(
    input: BroadcastRequest<IE, IR, GE, GR>
  ): Stream.Stream<BroadcastOutcome, BroadcastError | IE | GE, IR | GR> => {
    const checked = check(input)
    if (checked !== undefined) return Stream.fail(checked)
    return Stream.unwrap(Effect.map(Input.data(input.Data, maxPayloadBytes), (body) =>
      InternalBroadcast.stream(
        input.ConnectionIds,
        input.concurrency ?? DEFAULT_BROADCAST_CONCURRENCY,
        post(body),
        input.onGone
      )))
  }
  const broadcast = <IE = never, IR = never, GE = never, GR = never>(
    input: BroadcastRequest<IE, IR, GE, GR>
  ): Effect.Effect<BroadcastResult, BroadcastError | IE | GE, IR | GR> => {
    const checked = check(input)
    if (checked !== undefined) return Effect.fail(checked)
    return Effect.flatMap(Input.data(input.Data, maxPayloadBytes), (body) => {
      const result: BroadcastResult = { delivered: [], gone: [], failed: [] }
      return InternalBroadcast.run(
        input.ConnectionIds,
        input.concurrency ?? DEFAULT_BROADCAST_CONCURRENCY,
        post(body),
        input.onGone,
        (outcome) => {
          if (outcome._tag === "Delivered") result.delivered.push(outcome.ConnectionId)
          else if (outcome._tag === "Gone") result.gone.push(outcome.ConnectionId)
          else result.failed.push({ ConnectionId: outcome.ConnectionId, error: outcome.error })
          return Effect.void
        }
      ).pipe(Effect.as(result))
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

const configError = (option: string, description: string) => new ConfigurationError({ option, description })

/** The headers of a call's latest attempt, as signed. */
interface Sent {
  headers: Record<string, string> | undefined
}

const escapeQuery = (value: string): string => Endpoint.encodeSegment(value) ?? ""

/**
 * Builds the client from options, an `HttpClient` and `AwsCredentials`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<ApiGatewayManagementApiService, ConfigurationError, HttpClient.HttpClient | AwsCredentials> =>
  Effect.flatMap(HttpTransport.HttpClientTag, (client) => {
    const transport = HttpTransport.fromHttpClient(client)
    return makeWith(
      options,
      transport === undefined ? HttpClientSend.fromHttpClient(client) : Send.fromTransport(transport)
    )
  })

/**
 * The client on an {@link HttpTransport.HttpTransport} instead of an `HttpClient`: the smallest and fastest way on
 * Node (`NodeTransport.layer` of `@effect-apigw/layers`), without `@effect/platform`'s HTTP modules.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeTransport = (
  options: Options
): Effect.Effect<ApiGatewayManagementApiService, ConfigurationError, HttpTransport.HttpTransport | AwsCredentials> =>
  Effect.flatMap(HttpTransport.HttpTransport, (transport) => makeWith(options, Send.fromTransport(transport)))

/**
 * The longest `requestTimeout`: timers of longer delays (about 24.8 days) fire at once, which would time every
 * request out.
 */
const MAX_TIMEOUT_MILLIS = 2 ** 31 - 1

interface CheckedOptions {
  readonly endpoint: Endpoint.Endpoint
  readonly maxAttempts: number
  readonly requestTimeout: Duration.Duration
  readonly maxPayloadBytes: number | false
  readonly retrySchedule: Schedule.Schedule<unknown, RetryableError> | undefined
}

/**
 * Checks every option, whatever its runtime type (options come from JavaScript and from the environment too): a
 * wrong one is a `ConfigurationError` naming it, never a crash.
 */
const checkOptions = (options: Options): Either.Either<CheckedOptions, ConfigurationError> => {
  if (typeof options !== "object" || options === null) {
    return Either.left(
      configError("options", `expected an object with an endpoint, got ${Input.describeType(options)}`)
    )
  }
  const endpoint = Endpoint.parse(options.endpoint, options.region)
  if (Either.isLeft(endpoint)) return Either.left(endpoint.left)
  const maxAttempts = options.maxAttempts ?? 3
  if (typeof maxAttempts !== "number" || !Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    return Either.left(
      configError("maxAttempts", `${Input.describeValue(maxAttempts)} is not a whole number of at least 1`)
    )
  }
  // `decodeUnknown` answers None for anything it cannot read, whatever its type.
  const timeoutOption = Duration.decodeUnknown(options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT)
  if (
    Option.isNone(timeoutOption) || !Duration.greaterThan(timeoutOption.value, Duration.zero) ||
    !Duration.isFinite(timeoutOption.value) || Duration.toMillis(timeoutOption.value) > MAX_TIMEOUT_MILLIS
  ) {
    return Either.left(
      configError(
        "requestTimeout",
        `${Input.describeValue(options.requestTimeout)} is not a positive duration of at most ${MAX_TIMEOUT_MILLIS} ms`
      )
    )
  }
  const maxPayloadBytes = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES
  if (
    maxPayloadBytes !== false &&
    (typeof maxPayloadBytes !== "number" || !Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes < 0)
  ) {
    return Either.left(
      configError("maxPayloadBytes", `${Input.describeValue(maxPayloadBytes)} is not a whole number of bytes or false`)
    )
  }
  const retrySchedule = options.retrySchedule
  if (retrySchedule !== undefined && !Schedule.isSchedule(retrySchedule)) {
    return Either.left(configError("retrySchedule", `expected a Schedule, got ${Input.describeType(retrySchedule)}`))
  }
  return Either.right({
    endpoint: endpoint.right,
    maxAttempts,
    requestTimeout: timeoutOption.value,
    maxPayloadBytes,
    retrySchedule
  })
}

const makeWith = (
  options: Options,
  sendFor: (context: Send.SendContext) => Send.Send
): Effect.Effect<ApiGatewayManagementApiService, ConfigurationError, AwsCredentials> =>
  Effect.gen(function*() {
    const checked = checkOptions(options)
    if (Either.isLeft(checked)) return yield* checked.left
    const { endpoint, maxAttempts, maxPayloadBytes, requestTimeout, retrySchedule: schedule } = checked.right
    const credentials = yield* AwsCredentials
    if (typeof credentials !== "object" || credentials === null || !Effect.isEffect(credentials.resolve)) {
      return yield* configError("AwsCredentials", "the credentials service has no resolve effect")
    }
    const budget = new RetryBudget()
    const hostname = endpoint.host.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1")
    const portMatch = /:(\d+)$/.exec(endpoint.host)
    const port = portMatch === null ? undefined : Number(portMatch[1])
    const pathPrefix = `${endpoint.basePath}/@connections/`
    const origin = `${endpoint.protocol}//${endpoint.host}`
    // How far the server's clock is ahead of ours, learnt from a response refused for its signature time.
    let clockOffset = 0
    const now = Effect.map(Clock.currentTimeMillis, (time) => time + clockOffset)

    const send = sendFor({
      endpoint,
      hostname,
      port,
      timeoutMillis: Duration.toMillis(requestTimeout),
      maxResponseBytes: MAX_RESPONSE_BYTES,
      tooLarge: ($metadata) =>
        new UnexpectedResponseError({
          reason: "Body",
          description: `the response body exceeds ${MAX_RESPONSE_BYTES} bytes`,
          $metadata
        }),
      timedOut: ($metadata) =>
        new TransportError({
          reason: "Timeout",
          description: `no complete response within ${Duration.format(requestTimeout)}`,
          $metadata
        })
    })

    /**
     * One attempt: resolve credentials, sign at the (skew-corrected) current time, send, read the body. The signed
     * headers are left in `sent`, for scrubbing what an error response quotes of them.
     */
    const attempt = (
      method: "POST" | "GET" | "DELETE",
      path: string,
      body: Uint8Array | undefined,
      bodyHash: string | undefined,
      metadata: ResponseMetadata,
      sent: Sent
    ): Effect.Effect<RawResponse, TransportError | CredentialsError | UnexpectedResponseError> =>
      Effect.flatMap(credentials.resolve, (identity) =>
        Effect.clockWith(
          (clock): Effect.Effect<RawResponse, TransportError | CredentialsError | UnexpectedResponseError> => {
            const headers: Record<string, string> = body === undefined ?
              { host: endpoint.host } :
              { host: endpoint.host, "content-type": "application/octet-stream", "content-length": String(body.length) }
            let signed: Record<string, string>
            try {
              signed = SigV4.sign({ method, hostname, path, headers, body }, {
                credentials: identity,
                region: endpoint.region,
                time: clock.unsafeCurrentTimeMillis() + clockOffset,
                payloadHash: bodyHash
              })
            } catch {
              return Effect.fail(new CredentialsError({ message: "the resolved credentials cannot sign a request" }))
            }
            // The HTTP client sets Host itself, from the URL: the same value.
            delete signed.host
            sent.headers = signed
            return send(method, path, signed, body, metadata)
          }
        ))

    const retryWith = (
      error: ErrorFromResponse | TransportError,
      response: RawResponse | undefined,
      attempts: number,
      localTime: number,
      driver: Schedule.ScheduleDriver<unknown, RetryableError> | undefined,
      retryThrottling: boolean
    ): Effect.Effect<{ readonly delay: number; readonly cost: number } | undefined> => {
      const kind = classify(error)
      if (kind === "throttling" && !retryThrottling) {
        return Effect.succeed(undefined)
      }
      const cost = kind !== undefined && attempts < maxAttempts ? budget.take(kind) : undefined
      if (kind === undefined || cost === undefined) return Effect.succeed(undefined)
      if (driver !== undefined) {
        // A custom schedule decides the delay (it sleeps itself) and may stop early.
        return driver.next(error).pipe(
          Effect.zipRight(Clock.currentTimeMillis),
          Effect.map((after) => ({ delay: Math.max(0, after - localTime), cost })),
          Effect.orElseSucceed(() => {
            budget.release(cost)
            return undefined
          })
        )
      }
      return Effect.flatMap(Random.next, (random) => {
        const retryAfter = response === undefined ? undefined : retryAfterMillis(response, localTime)
        const delay = backoff(kind, attempts, random, retryAfter)
        return Effect.as(Effect.sleep(Duration.millis(delay)), { delay, cost })
      })
    }

    /**
     * Runs attempts until one succeeds, fails for good, or the attempts or the retry budget run out. `onSuccess`
     * turns a 2xx response into the output.
     */
    const run = <A, E>(
      method: "POST" | "GET" | "DELETE",
      path: string,
      body: Uint8Array | undefined,
      allowed: ReadonlySet<ModelledCode>,
      onSuccess: (response: RawResponse, metadata: ResponseMetadata) => Either.Either<A, UnexpectedResponseError>,
      driver: Schedule.ScheduleDriver<unknown, RetryableError> | undefined,
      retryThrottling = true,
      bodyHash?: string
    ): Effect.Effect<A, E> => {
      const sent: Sent = { headers: undefined }
      const loop = (
        attempts: number,
        totalRetryDelay: number,
        spent: number,
        skewCorrected: boolean
      ): Effect.Effect<A, ErrorFromResponse | TransportError | CredentialsError> => {
        /** After a failed attempt: correct the clock and re-sign, retry after a delay, or fail. */
        const retryOrFail = (failed: ErrorFromResponse | TransportError, response: RawResponse | undefined) =>
          Effect.flatMap(Clock.currentTimeMillis, (localTime) => {
            const server = response === undefined ? undefined : serverTime(response)
            if (
              !skewCorrected && server !== undefined && failed._tag !== "TransportError" && mayBeSkew(failed) &&
              Math.abs(server - (localTime + clockOffset)) >= SKEW_THRESHOLD
            ) {
              clockOffset = server - localTime
              return loop(attempts + 1, totalRetryDelay, spent, true)
            }
            return Effect.flatMap(
              retryWith(failed, response, attempts, localTime, driver, retryThrottling),
              (retry) =>
                retry === undefined ?
                  Effect.fail(failed) :
                  loop(attempts + 1, totalRetryDelay + retry.delay, spent + retry.cost, skewCorrected)
            )
          })
        return Effect.matchEffect(attempt(method, path, body, bodyHash, { attempts, totalRetryDelay }, sent), {
          onSuccess: (response) => {
            const metadata = metadataOf(response, attempts, totalRetryDelay)
            if (response.status >= 200 && response.status < 300) {
              budget.release(spent === 0 ? 1 : spent)
              const output = onSuccess(response, metadata)
              return Either.isRight(output) ? output : Either.left(scrubError(output.left, sent.headers))
            }
            return retryOrFail(errorFromResponse(response, allowed, metadata, sent.headers), response)
          },
          onFailure: (error) =>
            error._tag === "CredentialsError"
              ? Effect.fail(error)
              : retryOrFail(scrubError(error, sent.headers), undefined)
        })
      }
      // `allowed` keeps the mapped errors within the operation's union.
      return loop(1, 0, 0, false) as Effect.Effect<A, any>
    }

    /** Runs an operation in its span, with a fresh driver of the custom retry schedule, if any. */
    const operation = <A extends { readonly $metadata: ResponseMetadata }, E>(
      name: string,
      connectionId: unknown,
      f: (
        path: string,
        driver: Schedule.ScheduleDriver<unknown, RetryableError> | undefined
      ) => Effect.Effect<A, E>
    ): Effect.Effect<A, E | InvalidInputError> =>
      Either.match(Input.connectionIdSegment(connectionId), {
        onLeft: Effect.fail,
        onRight: (segment) =>
          Effect.tracerWith((tracer) => {
            const call = schedule === undefined ?
              f(pathPrefix + segment, undefined) :
              Effect.flatMap(Schedule.driver(schedule), (driver) => f(pathPrefix + segment, driver))
            // The span costs a tenth of a call's CPU: made only when a tracer that can export it is installed.
            return tracer === nativeTracer ? call : call.pipe(
              Effect.tap((output) => annotate(output.$metadata)),
              Effect.tapError((error) =>
                annotate(
                  typeof error === "object" && error !== null && "$metadata" in error ?
                    error.$metadata as ResponseMetadata :
                    undefined
                )
              ),
              Effect.withSpan(`ApiGatewayManagementApi.${name}`, {
                kind: "client",
                captureStackTrace: false,
                attributes: {
                  "rpc.system": "aws-api",
                  "rpc.service": "ApiGatewayManagementApi",
                  "rpc.method": name,
                  "cloud.region": endpoint.region,
                  "server.address": endpoint.host,
                  "aws.apigateway.connection_id": connectionId as string
                }
              })
            )
          })
      })

    const empty = (_: RawResponse, $metadata: ResponseMetadata) => Either.right({ $metadata })

    const parseConnection = (
      response: RawResponse,
      $metadata: ResponseMetadata
    ): Either.Either<GetConnectionOutput, UnexpectedResponseError> => {
      const unexpected = (description: string) =>
        Either.left(new UnexpectedResponseError({ reason: "Body", description, $metadata }))
      let json: unknown
      try {
        json = JSON.parse(decoder.decode(response.body))
      } catch {
        return unexpected("the GetConnection response is not JSON")
      }
      return Either.match(Decode.getConnectionResponse(json), {
        onLeft: (error) => unexpected(`the GetConnection response does not fit the model: ${error}`),
        onRight: (output) => Either.right({ ...output, $metadata })
      })
    }

    const postToConnection = (input: PostToConnectionRequest) =>
      operation(
        "PostToConnection",
        input?.ConnectionId,
        (path, driver) =>
          Effect.flatMap(
            Input.data(input.Data, maxPayloadBytes),
            (body) => run<PostToConnectionOutput, PostToConnectionError>("POST", path, body, POST_ERRORS, empty, driver)
          )
      )

    const getConnection = (input: GetConnectionRequest) =>
      operation(
        "GetConnection",
        input?.ConnectionId,
        (path, driver) =>
          run<GetConnectionOutput, GetConnectionError>("GET", path, undefined, OTHER_ERRORS, parseConnection, driver)
      )

    const deleteConnection = (input: DeleteConnectionRequest) =>
      operation(
        "DeleteConnection",
        input?.ConnectionId,
        (path, driver) =>
          run<DeleteConnectionOutput, DeleteConnectionError>("DELETE", path, undefined, OTHER_ERRORS, empty, driver)
      )

    const { broadcast, broadcastStream } = makeBroadcast(
      (body) => {
        // One body for every connection: hashed once.
        const bodyHash = SigV4.payloadHash(body)
        return (connectionId) =>
          operation("PostToConnection", connectionId, (path, driver) =>
            // Throttling is not retried per post: the broadcast slows down as a whole instead.
            run<PostToConnectionOutput, PostToConnectionError>(
              "POST",
              path,
              body,
              POST_ERRORS,
              empty,
              driver,
              false,
              bodyHash
            ))
      },
      maxPayloadBytes
    )

    const generatePresignedUrl = (
      input: GeneratePresignedUrlRequest
    ): Effect.Effect<string, GeneratePresignedUrlError> =>
      Either.match(Input.presignTarget(input), {
        onLeft: Effect.fail,
        onRight: ({ clientMethod, expiresIn, method, segment }) =>
          Effect.gen(function*() {
            const path = pathPrefix + segment
            const body = clientMethod === "postToConnection" ?
              yield* Input.data((input.Params as PostToConnectionRequest).Data, maxPayloadBytes) :
              undefined
            const identity = yield* credentials.resolve
            const time = yield* now
            const query = yield* Effect.try({
              try: () =>
                SigV4.presign(
                  { method, hostname, path, headers: { host: endpoint.host }, body },
                  { credentials: identity, region: endpoint.region, time, expiresIn }
                ),
              catch: () => new CredentialsError({ message: "the resolved credentials cannot sign a request" })
            })
            const search = Object.keys(query).sort().flatMap((key) =>
              [query[key]].flat().map((value) => `${escapeQuery(key)}=${escapeQuery(value)}`)
            )
            return `${origin}${path}?${search.join("&")}`
          })
      })

    return ApiGatewayManagementApi.of({
      endpoint,
      postToConnection,
      getConnection,
      deleteConnection,
      broadcast,
      broadcastStream,
      generatePresignedUrl,
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
 * The client on an {@link HttpTransport.HttpTransport} (see {@link makeTransport}).
 *
 * @example
 * import { ApiGatewayManagementApi } from "@effect-apigw/core"
 * import { Credentials, NodeTransport } from "@effect-apigw/layers"
 * import { Layer } from "effect"
 *
 * const Client = ApiGatewayManagementApi.layerTransport({
 *   endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
 * }).pipe(Layer.provide([NodeTransport.layer, Credentials.layerEnv]))
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTransport = (
  options: Options
): Layer.Layer<ApiGatewayManagementApi, ConfigurationError, HttpTransport.HttpTransport | AwsCredentials> =>
  Layer.effect(ApiGatewayManagementApi, makeTransport(options))

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
        return Effect.fail(configError("config", `expected a Config of the options, got ${Input.describeType(config)}`))
      }
      return unwrapped.pipe(
        Effect.mapError((error) => configError("config", String(error))),
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
