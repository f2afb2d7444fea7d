/**
 * An in-memory fake of the whole `ApiGatewayManagementApi` service, for unit tests with no HTTP at all: add and
 * remove connections, read what each one received, mark them gone, script failures and inspect every call.
 *
 * The fake validates input exactly as the client does (an empty `ConnectionId` or `Data` of the wrong type fails with
 * `InvalidInputError`, more than 128 KiB with `PayloadTooLargeException` before "sending"), answers with the status
 * codes and `$metadata` of the real API, and broadcasts through the client's own `makeBroadcast`. Each call is one
 * attempt (as a client with `maxAttempts: 1`): a scripted failure fails the call it hits. Time comes from `Clock`.
 *
 * @since 0.1.0
 */
import * as ApiGatewayManagementApi from "@effect-apigw/core/ApiGatewayManagementApi"
import * as Endpoint from "@effect-apigw/core/Endpoint"
import * as Input from "@effect-apigw/core/Input"
import * as SigV4 from "@effect-apigw/core/SigV4"
import {
  AwsServiceError,
  ConfigurationError,
  ForbiddenException,
  GoneException,
  InvalidInputError,
  LimitExceededException,
  PayloadTooLargeException,
  TransportError
} from "@effect-apigw/schema/Errors"
import type {
  DeleteConnectionOutput,
  DeleteConnectionRequest,
  GetConnectionOutput,
  GetConnectionRequest,
  PostToConnectionOutput,
  PostToConnectionRequest
} from "@effect-apigw/schema/Models"
import type * as Models from "@effect-apigw/schema/Models"
import type { ResponseMetadata } from "@effect-apigw/schema/ResponseMetadata"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"

/**
 * The operations the fake records.
 *
 * @since 0.1.0
 * @category models
 */
export type Operation = "PostToConnection" | "GetConnection" | "DeleteConnection" | "GeneratePresignedUrl"

/**
 * The operations that a scripted failure can hit: the three that would send a request.
 *
 * @since 0.1.0
 * @category models
 */
export type RequestOperation = Exclude<Operation, "GeneratePresignedUrl">

/**
 * A connection to add: every field is optional. Without `ConnectionId` a unique id is made up; `ConnectedAt`
 * defaults to the current `Clock` time; `SourceIp` to `192.0.2.1`; `UserAgent` is absent unless given.
 *
 * @since 0.1.0
 * @category models
 */
export interface NewConnection {
  readonly ConnectionId?: string | undefined
  readonly SourceIp?: string | undefined
  readonly UserAgent?: string | undefined
  readonly ConnectedAt?: Date | number | undefined
}

/**
 * Where a connection stands: `open`, `gone` (the client went away: `markGone`), or `deleted` (closed by
 * `DeleteConnection`). Only `open` connections accept messages; the others answer `GoneException`.
 *
 * @since 0.1.0
 * @category models
 */
export type ConnectionStatus = "open" | "gone" | "deleted"

/**
 * A message a connection received.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReceivedMessage {
  /** The bytes, as they would have gone over the wire. */
  readonly data: Uint8Array
  /** The bytes decoded as UTF-8. */
  readonly text: string
  /** When it was received, by the `Clock`. */
  readonly receivedAt: Date
}

/**
 * What the fake knows about a connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectionState extends Models.Connection {
  readonly status: ConnectionStatus
  readonly messages: ReadonlyArray<ReceivedMessage>
}

/**
 * A call the fake received, with its outcome: `Right` with the output, or `Left` with the error.
 * `fromBroadcast` tells the posts of `broadcast`/`broadcastStream` (whose `input.Data` is the encoded bytes).
 *
 * @since 0.1.0
 * @category models
 */
export interface Call {
  readonly operation: Operation
  readonly input: unknown
  /** The `ConnectionId` of the input, when it is a string. */
  readonly ConnectionId: string | undefined
  readonly fromBroadcast: boolean
  readonly outcome: Either.Either<unknown, ApiGatewayManagementApi.PostToConnectionError | PayloadTooLargeException>
}

/**
 * A failure to script: a named, realistic one, or any error of the operations' unions, used as given.
 *
 * - `throttling`: `LimitExceededException`, status 429
 * - `forbidden`: `ForbiddenException`, status 403
 * - `gone`: `GoneException`, status 410
 * - `payloadTooLarge`: `PayloadTooLargeException`, status 413 (hits `PostToConnection` only)
 * - `internalError`: `AwsServiceError` with code `InternalServerErrorException`, status 500
 * - `timeout` / `connectionRefused`: `TransportError` with that reason, no status
 *
 * A `PayloadTooLargeException` only hits `PostToConnection` calls (the other operations cannot fail with it).
 *
 * @since 0.1.0
 * @category models
 */
export type Failure =
  | "throttling"
  | "forbidden"
  | "gone"
  | "payloadTooLarge"
  | "internalError"
  | "timeout"
  | "connectionRefused"
  | ApiGatewayManagementApi.PostToConnectionError

/**
 * Options of a scripted failure.
 *
 * @since 0.1.0
 * @category models
 */
export interface FailureOptions {
  /** How many calls it fails (default: 1 for `failNext`, every call for `failConnection`). */
  readonly times?: number | undefined
  /** The operations it hits (default: all three). */
  readonly operations?: ReadonlyArray<RequestOperation> | undefined
}

/**
 * The handle of the fake: drives and inspects it from a test.
 *
 * @since 0.1.0
 * @category models
 */
export interface TestApiService {
  /** Opens a connection and returns its id. An existing id is replaced by a fresh, open connection. */
  readonly addConnection: (connection?: NewConnection) => Effect.Effect<string>
  /** Forgets a connection and what it received, as if it never existed: calls for it answer `GoneException`. */
  readonly removeConnection: (connectionId: string) => Effect.Effect<void>
  /** The clients went away: calls for these connections answer `GoneException`; what they received is kept. */
  readonly markGone: (...connectionIds: ReadonlyArray<string>) => Effect.Effect<void>
  /** The client sent something: its `LastActiveAt` becomes the current `Clock` time. */
  readonly touch: (connectionId: string) => Effect.Effect<void>
  /** A connection, if the fake knows it. */
  readonly connection: (connectionId: string) => Effect.Effect<Option.Option<ConnectionState>>
  /** Every known connection, oldest first. */
  readonly connections: Effect.Effect<ReadonlyArray<ConnectionState>>
  /** The ids of the open connections, oldest first. */
  readonly openConnectionIds: Effect.Effect<ReadonlyArray<string>>
  /** What a connection received, oldest first (empty for an unknown connection). */
  readonly messages: (connectionId: string) => Effect.Effect<ReadonlyArray<ReceivedMessage>>
  /** The bytes of each message a connection received. */
  readonly received: (connectionId: string) => Effect.Effect<ReadonlyArray<Uint8Array>>
  /** Each message a connection received, decoded as UTF-8. */
  readonly receivedText: (connectionId: string) => Effect.Effect<ReadonlyArray<string>>
  /** The next calls (one by default) fail with `failure`, whatever their connection. */
  readonly failNext: (failure: Failure, options?: FailureOptions) => Effect.Effect<void>
  /** Calls for this connection fail with `failure` (every call by default; see `times`). */
  readonly failConnection: (connectionId: string, failure: Failure, options?: FailureOptions) => Effect.Effect<void>
  /** Drops every scripted failure not yet used. */
  readonly clearFailures: Effect.Effect<void>
  /** Every call so far, oldest first. */
  readonly calls: Effect.Effect<ReadonlyArray<Call>>
  /** Forgets connections, messages, calls and scripted failures. */
  readonly reset: Effect.Effect<void>
}

/**
 * The tag of the fake's handle.
 *
 * @since 0.1.0
 * @category tags
 */
export class TestApi extends Context.Tag("@effect-apigw/layers/TestApi")<TestApi, TestApiService>() {}

/**
 * Options of the fake.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The endpoint the fake reports (default `https://test123456.execute-api.us-east-1.amazonaws.com/test`). */
  readonly endpoint?: string | URL | undefined
  /** The region, for an endpoint whose host does not name one. */
  readonly region?: string | undefined
  /** As the client's option: `Data` larger than this fails before "sending" (default 131072; `false`: off). */
  readonly maxPayloadBytes?: number | false | undefined
  /** Connections open from the start. */
  readonly connections?: ReadonlyArray<string | NewConnection> | undefined
}

/**
 * The default endpoint of the fake.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_ENDPOINT = "https://test123456.execute-api.us-east-1.amazonaws.com/test"

// ---- state -------------------------------------------------------------------------------------------------------

interface ConnectionRecord {
  readonly id: string
  readonly order: number
  readonly status: ConnectionStatus
  readonly sourceIp: string
  readonly userAgent: string | undefined
  readonly connectedAt: number
  readonly lastActiveAt: number
  readonly messages: Chunk.Chunk<ReceivedMessage>
}

interface Script {
  readonly failure: Failure
  readonly connectionId: string | undefined
  readonly remaining: number
  readonly operations: ReadonlyArray<RequestOperation>
}

interface State {
  readonly connections: HashMap.HashMap<string, ConnectionRecord>
  readonly calls: Chunk.Chunk<Call>
  readonly scripts: ReadonlyArray<Script>
  readonly requests: number
  readonly created: number
}

const emptyState: State = {
  connections: HashMap.empty(),
  calls: Chunk.empty(),
  scripts: [],
  requests: 0,
  created: 0
}

const ALL_OPERATIONS: ReadonlyArray<RequestOperation> = ["PostToConnection", "GetConnection", "DeleteConnection"]

const decoder = new TextDecoder()

/** The client's own checks; binary `Data` is copied, as the caller may reuse its buffer once the call returns. */
const checkConnectionId = Input.connectionIdSegment

const checkData = (
  data: unknown,
  maxPayloadBytes: number | false
): Effect.Effect<Uint8Array, InvalidInputError | PayloadTooLargeException> =>
  Effect.map(Input.data(data, maxPayloadBytes), (bytes) => typeof data === "string" ? bytes : bytes.slice())

const requestId = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`

const metadata = (status: number | undefined, n: number): ResponseMetadata => ({
  ...(status === undefined ? {} : { httpStatusCode: status }),
  requestId: requestId(n),
  attempts: 1,
  totalRetryDelay: 0
})

const errorOf = (failure: Failure, n: number): ApiGatewayManagementApi.PostToConnectionError => {
  switch (failure) {
    case "throttling":
      return new LimitExceededException({ Message: "Too Many Requests", $metadata: metadata(429, n) })
    case "forbidden":
      return new ForbiddenException({ Message: "Forbidden", $metadata: metadata(403, n) })
    case "gone":
      return new GoneException({ $metadata: metadata(410, n) })
    case "payloadTooLarge":
      return new PayloadTooLargeException({ Message: "Message too long", $metadata: metadata(413, n) })
    case "internalError":
      return new AwsServiceError({
        code: "InternalServerErrorException",
        Message: "Internal server error",
        $metadata: metadata(500, n)
      })
    case "timeout":
      return new TransportError({
        reason: "Timeout",
        description: "no complete response (scripted)",
        $metadata: { attempts: 1, totalRetryDelay: 0 }
      })
    case "connectionRefused":
      return new TransportError({
        reason: "ConnectionRefused",
        description: "connection refused (scripted)",
        $metadata: { attempts: 1, totalRetryDelay: 0 }
      })
    default:
      return failure
  }
}

const isPayloadTooLarge = (failure: Failure) =>
  failure === "payloadTooLarge" || (typeof failure === "object" && failure._tag === "PayloadTooLargeException")

const toState = (record: ConnectionRecord): ConnectionState => ({
  ConnectionId: record.id,
  status: record.status,
  ConnectedAt: new Date(record.connectedAt),
  LastActiveAt: new Date(record.lastActiveAt),
  Identity: record.userAgent === undefined ?
    { SourceIp: record.sourceIp } :
    { SourceIp: record.sourceIp, UserAgent: record.userAgent },
  messages: Chunk.toReadonlyArray(record.messages)
})

const byOrder = (a: ConnectionRecord, b: ConnectionRecord) => a.order - b.order

const toMillis = (time: Date | number) => typeof time === "number" ? time : time.getTime()

/** A made-up connection id in the shape API Gateway uses (15 characters and `=`). */
const makeId = (n: number): string => `Test${n.toString(36).padStart(11, "0")}=`

const configError = (option: string, description: string) => new ConfigurationError({ option, description })

const isOptionalString = (u: unknown) => u === undefined || typeof u === "string"

/** The fake's options, checked as the client checks its own: a wrong one is a `ConfigurationError`, never a crash. */
const checkOptions = (options: unknown): Either.Either<
  {
    readonly endpoint: Endpoint.Endpoint
    readonly maxPayloadBytes: number | false
    readonly connections: ReadonlyArray<NewConnection>
  },
  ConfigurationError
> => {
  if (options === undefined) options = {}
  if (typeof options !== "object" || options === null) {
    return Either.left(configError("options", `expected an object, got ${Input.describeType(options)}`))
  }
  const { connections, endpoint, maxPayloadBytes = ApiGatewayManagementApi.MAX_PAYLOAD_BYTES, region } =
    options as Options
  const parsed = Endpoint.parse(endpoint === undefined ? DEFAULT_ENDPOINT : endpoint, region)
  if (Either.isLeft(parsed)) return Either.left(parsed.left)
  if (
    maxPayloadBytes !== false &&
    (typeof maxPayloadBytes !== "number" || !Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes < 0)
  ) {
    return Either.left(
      configError("maxPayloadBytes", `${Input.describeValue(maxPayloadBytes)} is not a whole number of bytes or false`)
    )
  }
  const initial: Array<NewConnection> = []
  if (connections !== undefined) {
    if (typeof connections !== "object" || connections === null || !(Symbol.iterator in connections)) {
      return Either.left(
        configError("connections", `expected an array of ids or connections, got ${Input.describeType(connections)}`)
      )
    }
    let all: Array<unknown>
    try {
      all = Array.from(connections as Iterable<unknown>)
    } catch {
      return Either.left(configError("connections", "the iterable threw"))
    }
    for (const connection of all) {
      const entry: unknown = typeof connection === "string" ? { ConnectionId: connection } : connection
      const bad = checkConnection(entry)
      if (bad !== undefined) return Either.left(configError("connections", bad))
      initial.push(entry as NewConnection)
    }
  }
  return Either.right({ endpoint: parsed.right, maxPayloadBytes, connections: initial })
}

/** What is wrong with a connection to add, if anything. */
const checkConnection = (connection: unknown): string | undefined => {
  if (typeof connection !== "object" || connection === null) {
    return `expected an id or a connection, got ${Input.describeType(connection)}`
  }
  const { ConnectedAt, ConnectionId, SourceIp, UserAgent } = connection as NewConnection
  if (!isOptionalString(ConnectionId)) return `ConnectionId: expected a string, got ${Input.describeType(ConnectionId)}`
  if (!isOptionalString(SourceIp)) return `SourceIp: expected a string, got ${Input.describeType(SourceIp)}`
  if (!isOptionalString(UserAgent)) return `UserAgent: expected a string, got ${Input.describeType(UserAgent)}`
  if (
    ConnectedAt !== undefined &&
    !(typeof ConnectedAt === "number" && Number.isFinite(ConnectedAt)) &&
    !(ConnectedAt instanceof Date && !Number.isNaN(ConnectedAt.getTime()))
  ) {
    return `ConnectedAt: expected a Date or epoch milliseconds, got ${Input.describeValue(ConnectedAt)}`
  }
  return undefined
}

/**
 * Builds the fake: the service and its handle.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<
  { readonly api: ApiGatewayManagementApi.ApiGatewayManagementApiService; readonly handle: TestApiService },
  ConfigurationError
> =>
  Effect.gen(function*() {
    const checked = checkOptions(options)
    if (Either.isLeft(checked)) return yield* checked.left
    const { connections: initial, endpoint, maxPayloadBytes } = checked.right
    const state = yield* Ref.make(emptyState)

    const record = (call: Call) => Ref.update(state, (s) => ({ ...s, calls: Chunk.append(s.calls, call) }))

    const addConnection = (connection: NewConnection = {}): Effect.Effect<string> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Ref.modify(state, (s) => {
          const id = connection.ConnectionId ?? makeId(s.created + 1)
          const connectedAt = connection.ConnectedAt === undefined ? now : toMillis(connection.ConnectedAt)
          const next: ConnectionRecord = {
            id,
            order: s.created + 1,
            status: "open",
            sourceIp: connection.SourceIp ?? "192.0.2.1",
            userAgent: connection.UserAgent,
            connectedAt,
            lastActiveAt: connectedAt,
            messages: Chunk.empty()
          }
          return [id, { ...s, created: s.created + 1, connections: HashMap.set(s.connections, id, next) }]
        }))

    const updateConnection = (connectionId: string, f: (record: ConnectionRecord) => ConnectionRecord) =>
      Ref.update(state, (s) => ({ ...s, connections: HashMap.modify(s.connections, connectionId, f) }))

    const noCheck = () => Effect.void

    /** Fails the call with `error`, recorded: a call the client's own checks refuse, before it takes a request id. */
    const rejected = (
      operation: Operation,
      input: unknown,
      connectionId: unknown,
      fromBroadcast: boolean
    ) =>
    <E extends ApiGatewayManagementApi.PostToConnectionError>(error: E) =>
      Effect.zipRight(
        record({
          operation,
          input,
          ConnectionId: typeof connectionId === "string" ? connectionId : undefined,
          fromBroadcast,
          outcome: Either.left(error)
        }),
        Effect.fail(error)
      )

    /**
     * One request on the connection `input.ConnectionId`. First the client's checks, of the connection id then `check`
     * (run once the id passed): an input they refuse is `rejected`. Then, in one atomic step: takes a request id,
     * applies the first scripted failure that matches, else runs `f` on the connection with what `check` returned (or
     * answers Gone for a connection that is not open), and records the call.
     */
    const request = <A, B>(
      { check, f, fromBroadcast = false, input, operation }: {
        readonly operation: RequestOperation
        readonly input: { readonly ConnectionId: string }
        readonly fromBroadcast?: boolean | undefined
        /** The client's other checks of the input, run once the id passed; what they give reaches `f`. */
        readonly check: () => Effect.Effect<B, InvalidInputError | PayloadTooLargeException>
        readonly f: (
          record: ConnectionRecord,
          metadata: (status: number) => ResponseMetadata,
          checked: B
        ) => readonly [A, ConnectionRecord | undefined]
      }
    ): Effect.Effect<A, ApiGatewayManagementApi.PostToConnectionError> => {
      const id: unknown = input?.ConnectionId
      const reject = rejected(operation, input, id, fromBroadcast)
      const checks = Either.match(checkConnectionId(id), {
        onLeft: reject,
        onRight: () => Effect.catchAll(check(), reject)
      })
      const connectionId = id as string
      return Effect.gen(function*() {
        const checked = yield* checks
        const answer = yield* Ref.modify(state, (s) => {
          const n = s.requests + 1
          let scripts = s.scripts
          let outcome: Either.Either<A, ApiGatewayManagementApi.PostToConnectionError>
          let connections = s.connections
          const at = scripts.findIndex((script) =>
            script.operations.includes(operation) &&
            (script.connectionId === undefined || script.connectionId === connectionId) &&
            (operation === "PostToConnection" || !isPayloadTooLarge(script.failure))
          )
          if (at !== -1) {
            const script = scripts[at]
            outcome = Either.left(errorOf(script.failure, n))
            scripts = script.remaining <= 1 ?
              [...scripts.slice(0, at), ...scripts.slice(at + 1)] :
              [...scripts.slice(0, at), { ...script, remaining: script.remaining - 1 }, ...scripts.slice(at + 1)]
          } else {
            const current = HashMap.get(s.connections, connectionId)
            if (Option.isNone(current) || current.value.status !== "open") {
              outcome = Either.left(errorOf("gone", n))
            } else {
              const meta = (status: number) => metadata(status, n)
              const [output, updated] = f(current.value, meta, checked)
              outcome = Either.right(output)
              if (updated !== undefined) connections = HashMap.set(connections, connectionId, updated)
            }
          }
          const call: Call = { operation, input, ConnectionId: connectionId, fromBroadcast, outcome }
          return [outcome, { ...s, requests: n, scripts, connections, calls: Chunk.append(s.calls, call) }]
        })
        return yield* answer
      })
    }

    const post = (
      input: PostToConnectionRequest,
      fromBroadcast: boolean
    ): Effect.Effect<PostToConnectionOutput, ApiGatewayManagementApi.PostToConnectionError> =>
      request({
        operation: "PostToConnection",
        input,
        fromBroadcast,
        check: () => Effect.zip(checkData(input.Data, maxPayloadBytes), Clock.currentTimeMillis),
        f: (current, meta, [data, now]) => {
          const message: ReceivedMessage = { data, text: decoder.decode(data), receivedAt: new Date(now) }
          return [{ $metadata: meta(200) }, { ...current, messages: Chunk.append(current.messages, message) }]
        }
      })

    const getConnection = (
      input: GetConnectionRequest
    ): Effect.Effect<GetConnectionOutput, ApiGatewayManagementApi.GetConnectionError> =>
      request({
        operation: "GetConnection",
        input,
        check: noCheck,
        f: (current, meta) => {
          const output: GetConnectionOutput = {
            ConnectedAt: new Date(current.connectedAt),
            LastActiveAt: new Date(current.lastActiveAt),
            Identity: current.userAgent === undefined ?
              { SourceIp: current.sourceIp } :
              { SourceIp: current.sourceIp, UserAgent: current.userAgent },
            $metadata: meta(200)
          }
          return [output, undefined]
        }
      }) as Effect.Effect<GetConnectionOutput, ApiGatewayManagementApi.GetConnectionError>

    const deleteConnection = (
      input: DeleteConnectionRequest
    ): Effect.Effect<DeleteConnectionOutput, ApiGatewayManagementApi.DeleteConnectionError> =>
      request({
        operation: "DeleteConnection",
        input,
        check: noCheck,
        f: (current, meta) => [{ $metadata: meta(204) }, { ...current, status: "deleted" }]
      }) as Effect.Effect<DeleteConnectionOutput, ApiGatewayManagementApi.DeleteConnectionError>

    const { broadcast, broadcastStream } = ApiGatewayManagementApi.makeBroadcast(
      (Data) => (ConnectionId) => post({ ConnectionId, Data }, true),
      maxPayloadBytes
    )

    const generatePresignedUrl = (
      input: ApiGatewayManagementApi.GeneratePresignedUrlRequest
    ): Effect.Effect<string, ApiGatewayManagementApi.GeneratePresignedUrlError> => {
      const recordAndFail = rejected("GeneratePresignedUrl", input, input?.Params?.ConnectionId, false)
      return Either.match(Input.presignTarget(input), {
        onLeft: recordAndFail,
        onRight: ({ clientMethod, expiresIn, segment }) =>
          Effect.gen(function*() {
            if (clientMethod === "postToConnection") {
              yield* checkData((input.Params as PostToConnectionRequest).Data, maxPayloadBytes).pipe(
                Effect.catchAll(recordAndFail)
              )
            }
            const now = yield* Clock.currentTimeMillis
            const amzDate = SigV4.formatAmzDate(now)
            const query = [
              "X-Amz-Algorithm=AWS4-HMAC-SHA256",
              `X-Amz-Credential=${encodeURIComponent(`AKIDTESTAPI/${amzDate.slice(0, 8)}/${endpoint.region}`)}` +
              "%2Fexecute-api%2Faws4_request",
              `X-Amz-Date=${amzDate}`,
              `X-Amz-Expires=${expiresIn}`,
              `X-Amz-Signature=${"0".repeat(64)}`,
              "X-Amz-SignedHeaders=host"
            ]
            const url = `${endpoint.url}/@connections/${segment}?${query.join("&")}`
            yield* record({
              operation: "GeneratePresignedUrl",
              input,
              ConnectionId: input.Params.ConnectionId,
              fromBroadcast: false,
              outcome: Either.right(url)
            })
            return url
          })
      })
    }

    const api = ApiGatewayManagementApi.ApiGatewayManagementApi.of({
      endpoint,
      postToConnection: (input) => post(input, false),
      getConnection,
      deleteConnection,
      broadcast,
      broadcastStream,
      generatePresignedUrl,
      ...ApiGatewayManagementApi.noPaginatorsOrWaiters
    })

    const script = (connectionId: string | undefined, failure: Failure, options: FailureOptions | undefined) =>
      Ref.update(state, (s) => ({
        ...s,
        scripts: [...s.scripts, {
          failure,
          connectionId,
          remaining: options?.times ?? (connectionId === undefined ? 1 : Infinity),
          operations: options?.operations ?? ALL_OPERATIONS
        }]
      }))

    const messages = (connectionId: string) =>
      Effect.map(
        Ref.get(state),
        (s) =>
          Option.match(HashMap.get(s.connections, connectionId), {
            onNone: (): ReadonlyArray<ReceivedMessage> => [],
            onSome: (r) => Chunk.toReadonlyArray(r.messages)
          })
      )

    const sorted = Effect.map(Ref.get(state), (s) => [...HashMap.values(s.connections)].sort(byOrder))

    const handle: TestApiService = {
      addConnection,
      removeConnection: (connectionId) =>
        Ref.update(state, (s) => ({ ...s, connections: HashMap.remove(s.connections, connectionId) })),
      markGone: (...connectionIds) =>
        Ref.update(state, (s) => ({
          ...s,
          connections: connectionIds.reduce(
            (all, id) => HashMap.modify(all, id, (r) => r.status === "open" ? { ...r, status: "gone" as const } : r),
            s.connections
          )
        })),
      touch: (connectionId) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          updateConnection(connectionId, (r) => ({ ...r, lastActiveAt: now }))),
      connection: (connectionId) =>
        Effect.map(Ref.get(state), (s) =>
          Option.map(HashMap.get(s.connections, connectionId), toState)),
      connections: Effect.map(sorted, (all) => all.map(toState)),
      openConnectionIds: Effect.map(sorted, (all) => all.filter((r) => r.status === "open").map((r) => r.id)),
      messages,
      received: (connectionId) => Effect.map(messages(connectionId), (all) => all.map((m) => m.data)),
      receivedText: (connectionId) => Effect.map(messages(connectionId), (all) => all.map((m) => m.text)),
      failNext: (failure, options) => script(undefined, failure, options),
      failConnection: (connectionId, failure, options) => script(connectionId, failure, options),
      clearFailures: Ref.update(state, (s) => ({ ...s, scripts: [] })),
      calls: Effect.map(Ref.get(state), (s) => Chunk.toReadonlyArray(s.calls)),
      reset: Ref.set(state, emptyState)
    }

    for (const connection of initial) yield* addConnection(connection)
    return { api, handle }
  })

/**
 * The fake as a layer: provides both the client (`ApiGatewayManagementApi.ApiGatewayManagementApi`) and the handle
 * (`TestApi`). Each build has its own state, so tests running concurrently never share connections.
 *
 * @example
 * import { ApiGatewayManagementApi } from "@effect-apigw/core"
 * import { TestApi } from "@effect-apigw/layers"
 * import { Effect } from "effect"
 *
 * const test = Effect.gen(function*() {
 *   const fake = yield* TestApi.TestApi
 *   const alice = yield* fake.addConnection()
 *   const bob = yield* fake.addConnection()
 *   yield* fake.markGone(bob)
 *   const result = yield* ApiGatewayManagementApi.broadcast({ ConnectionIds: [alice, bob], Data: "hi" })
 *   // result.delivered: [alice], result.gone: [bob]
 *   const received = yield* fake.receivedText(alice) // ["hi"]
 *   return { result, received }
 * }).pipe(Effect.provide(TestApi.layer()))
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options?: Options
): Layer.Layer<ApiGatewayManagementApi.ApiGatewayManagementApi | TestApi, ConfigurationError> =>
  Layer.effectContext(
    Effect.map(make(options), ({ api, handle }) =>
      Context.make(ApiGatewayManagementApi.ApiGatewayManagementApi, api).pipe(Context.add(TestApi, handle)))
  )
