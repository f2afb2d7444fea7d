/**
 * Glue for Lambda functions behind an API Gateway WebSocket API: the event types, the management endpoint of the API
 * an event came from, and the client layer built from an event.
 *
 * How the endpoint is found. API Gateway puts the host the client connected to in `requestContext.domainName` and the
 * stage name in `requestContext.stage`; a WebSocket event carries no request path, so nothing in it tells the path of
 * a custom domain's API mapping (the mapping key need not be the stage name, and is often empty).
 *
 * - `{api-id}.execute-api.{region}.amazonaws.com`: the endpoint is `https://{domainName}/{stage}`, as the AWS
 *   documentation shows.
 * - A custom domain name: `https://{domainName}/{stage}` would be wrong whenever the mapping key differs from the
 *   stage (posts then fail with 403 or "No method found matching route"). The endpoint is built from
 *   `requestContext.apiId` and the region instead, `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`, as
 *   the AWS sample `simple-websockets-chat-app` and Chalice do. When the API's default endpoint is disabled
 *   (`disableExecuteApiEndpoint`), give `basePath` (the API mapping key, `""` for none) and the management API is
 *   reached through the custom domain: `https://{domainName}/{basePath}`.
 * - A local emulator (a host with a port, `localhost` or a loopback address): `http://{domainName}/{stage}`.
 *
 * @since 0.1.0
 */
import { ConfigurationError } from "@effect-apigw/schema/Errors"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ApiGatewayManagementApi from "./ApiGatewayManagementApi.js"
import type { AwsCredentials } from "./AwsCredentials.js"
import * as Endpoint from "./Endpoint.js"
import * as Input from "./Input.js"

/**
 * `CONNECT` for `$connect`, `DISCONNECT` for `$disconnect`, `MESSAGE` for every other route.
 *
 * @since 0.1.0
 * @category models
 */
export type EventType = "CONNECT" | "DISCONNECT" | "MESSAGE"

/**
 * The `requestContext` of a WebSocket event as a Lambda proxy integration receives it.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestContext {
  /** The selected route: `$connect`, `$disconnect`, `$default` or a custom route key. */
  readonly routeKey: string
  readonly eventType: EventType
  /** Set for `MESSAGE` events. */
  readonly messageId?: string | undefined
  readonly extendedRequestId?: string | undefined
  /** E.g. `09/Feb/2024:12:00:00 +0000`. */
  readonly requestTime?: string | undefined
  readonly messageDirection?: "IN" | undefined
  /** The stage name. */
  readonly stage: string
  /** When the connection was opened, in epoch milliseconds. */
  readonly connectedAt: number
  /** Epoch milliseconds. */
  readonly requestTimeEpoch?: number | undefined
  readonly identity: {
    readonly sourceIp: string
    readonly userAgent?: string | undefined
    readonly [key: string]: unknown
  }
  readonly requestId: string
  /** The host the client connected to: the execute-api host, a custom domain name, or `127.0.0.1:3001` locally. */
  readonly domainName: string
  readonly connectionId: string
  readonly apiId: string
  /** On `$disconnect`: the WebSocket close code. */
  readonly disconnectStatusCode?: number | undefined
  /** On `$disconnect`: why the connection closed. */
  readonly disconnectReason?: string | undefined
  /** What a Lambda authorizer returned in its `context`, plus `principalId`. */
  readonly authorizer?: Readonly<Record<string, unknown>> | undefined
  readonly [key: string]: unknown
}

/**
 * The event of a WebSocket route's Lambda proxy integration: `headers` and `queryStringParameters` on `$connect`,
 * `body` on messages.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebSocketEvent {
  readonly requestContext: RequestContext
  readonly headers?: Readonly<Record<string, string | undefined>> | undefined
  readonly multiValueHeaders?: Readonly<Record<string, ReadonlyArray<string> | undefined>> | undefined
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null | undefined
  readonly multiValueQueryStringParameters?:
    | Readonly<Record<string, ReadonlyArray<string> | undefined>>
    | null
    | undefined
  /** The message: text as is, binary frames base64-encoded (with `isBase64Encoded: true`). */
  readonly body?: string | null | undefined
  readonly isBase64Encoded: boolean
}

/**
 * What a WebSocket route's Lambda returns. On `$connect` a `statusCode` outside 2xx refuses the connection; on a
 * route with a route response, `body` is sent back to the caller.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebSocketResult {
  readonly statusCode: number
  readonly body?: string | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly isBase64Encoded?: boolean | undefined
}

/**
 * Options of {@link endpointFromEvent}.
 *
 * @since 0.1.0
 * @category models
 */
export interface EndpointOptions {
  /**
   * For events that came through a custom domain name: the region of the API (in Lambda, `AWS_REGION`), to reach it at
   * `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`.
   */
  readonly region?: string | undefined
  /**
   * For events that came through a custom domain name: the path of the API mapping (`""` when it has none). When
   * given, the management API is reached through the custom domain, `https://{domainName}/{basePath}`; needed when
   * the API's execute-api endpoint is disabled.
   */
  readonly basePath?: string | undefined
}

const LOOPBACK = /^(?:localhost|[^:]+\.localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i
const HOST = /^(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::\d{1,5})?$/i

const fail = (option: string, description: string) => Either.left(new ConfigurationError({ option, description }))

/** A value of the event, for a message: JSON for strings and numbers, the type for anything else (never throws). */
const show = (u: unknown): string =>
  typeof u === "string" || typeof u === "number" ? JSON.stringify(u) : Input.describeValue(u)

/**
 * Whether a `domainName` is a local emulator's: a host with an explicit port (API Gateway never sends one),
 * `localhost` or a loopback address.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isLocalDomain = (domainName: string): boolean =>
  /:\d+$/.test(domainName) && !/^[^[]*:[^:]*:/.test(domainName) || LOOPBACK.test(domainName)

const segment = (value: string) => Endpoint.encodeSegment(value) ?? ""

const encodePath = (path: string) => path.split("/").filter((part) => part !== "").map(segment).join("/")

/**
 * The management API endpoint of the API an event came from (see the module documentation for how custom domains
 * are handled). Fails with `ConfigurationError` when the event is not a WebSocket event or lacks what is needed.
 *
 * @example
 * import { Lambda } from "@effect-apigw/core"
 * import { Either } from "effect"
 *
 * const event: Lambda.WebSocketEvent = {
 *   requestContext: {
 *     routeKey: "sendmessage",
 *     eventType: "MESSAGE",
 *     stage: "prod",
 *     connectedAt: 1707470048112,
 *     identity: { sourceIp: "198.51.100.23" },
 *     requestId: "TqXhNGq5DoEF5zg=",
 *     domainName: "abc123.execute-api.eu-west-1.amazonaws.com",
 *     connectionId: "TqXfWcmKjoECH2Q=",
 *     apiId: "abc123"
 *   },
 *   body: "{\"action\":\"sendmessage\"}",
 *   isBase64Encoded: false
 * }
 *
 * assert.deepStrictEqual(
 *   Lambda.endpointFromEvent(event),
 *   Either.right("https://abc123.execute-api.eu-west-1.amazonaws.com/prod")
 * )
 * // Through a custom domain name, the region (or the API mapping path) is needed:
 * assert.deepStrictEqual(
 *   Lambda.endpointFromEvent(
 *     { ...event, requestContext: { ...event.requestContext, domainName: "ws.example.com" } },
 *     { region: "eu-west-1" }
 *   ),
 *   Either.right("https://abc123.execute-api.eu-west-1.amazonaws.com/prod")
 * )
 *
 * @since 0.1.0
 * @category constructors
 */
export const endpointFromEvent = (
  event: WebSocketEvent,
  options?: EndpointOptions
): Either.Either<string, ConfigurationError> => {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    return fail("options", `expected an object, got ${Input.describeType(options)}`)
  }
  if (options?.region !== undefined && typeof options.region !== "string") {
    return fail("region", `expected a string, got ${Input.describeType(options.region)}`)
  }
  if (options?.basePath !== undefined && typeof options.basePath !== "string") {
    return fail("basePath", `expected a string, got ${Input.describeType(options.basePath)}`)
  }
  const context: Partial<RequestContext> | undefined = typeof event === "object" && event !== null ?
    event.requestContext :
    undefined
  if (typeof context !== "object" || context === null) {
    return fail("event", "the event has no requestContext: is it an API Gateway WebSocket event?")
  }
  const { apiId, domainName, stage } = context
  if (typeof domainName !== "string" || !HOST.test(domainName)) {
    return fail("event", `requestContext.domainName is ${show(domainName)}, not a host name`)
  }
  if (typeof stage !== "string" || stage === "") {
    return fail("event", `requestContext.stage is ${show(stage)}, not a stage name`)
  }
  const host = domainName.toLowerCase()
  if (isLocalDomain(host)) return Either.right(`http://${host}/${segment(stage)}`)
  if (Endpoint.regionFromHost(host) !== undefined) return Either.right(`https://${host}/${segment(stage)}`)
  // A custom domain name.
  if (options?.basePath !== undefined) {
    const path = encodePath(options.basePath)
    return Either.right(path === "" ? `https://${host}` : `https://${host}/${path}`)
  }
  if (typeof apiId !== "string" || !/^[a-z0-9]+$/i.test(apiId)) {
    return fail("event", `requestContext.apiId is ${show(apiId)}, not an API id`)
  }
  const region = options?.region
  if (region === undefined || region === "") {
    return fail(
      "region",
      `the event came through the custom domain ${host}; give the API's region (AWS_REGION in Lambda) to reach ` +
        `https://${apiId.toLowerCase()}.execute-api.{region}.amazonaws.com/${stage}, or basePath (the API mapping ` +
        `path) to post through the custom domain`
    )
  }
  // The China regions' hosts end in `amazonaws.com.cn`.
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
  return Either.right(`https://${apiId.toLowerCase()}.execute-api.${region}.${suffix}/${segment(stage)}`)
}

/**
 * Options of {@link layerFromEvent}: the client's options but the endpoint, plus {@link EndpointOptions}.
 *
 * @since 0.1.0
 * @category models
 */
export interface LayerOptions extends Omit<ApiGatewayManagementApi.Options, "endpoint">, EndpointOptions {}

/**
 * The signing region a local emulator is assumed to use when none is given (the emulator's default).
 *
 * @since 0.1.0
 * @category constants
 */
export const LOCAL_REGION = "us-east-1"

const regionFromEnv: Effect.Effect<Option.Option<string>> = /* @__PURE__ */ Config.option(
  Config.orElse(Config.nonEmptyString("AWS_REGION"), () => Config.nonEmptyString("AWS_DEFAULT_REGION"))
).pipe(Effect.orElseSucceed(() => Option.none<string>()))

/**
 * The client for the API an event came from, as a layer: the endpoint from {@link endpointFromEvent}; the region
 * from the options, else the execute-api host, else `AWS_REGION` / `AWS_DEFAULT_REGION` (read through `Config`;
 * Lambda sets `AWS_REGION`), else {@link LOCAL_REGION} for a local emulator. Like `ApiGatewayManagementApi.layer` it needs an `HttpClient` and
 * `AwsCredentials`.
 *
 * @example
 * import { ApiGatewayManagementApi, Lambda } from "@effect-apigw/core"
 * import { Credentials, Http } from "@effect-apigw/layers"
 * import { Effect, Layer } from "effect"
 *
 * export const handler = async (event: Lambda.WebSocketEvent): Promise<Lambda.WebSocketResult> => {
 *   const { connectionId } = event.requestContext
 *   const program = ApiGatewayManagementApi.postToConnection({ ConnectionId: connectionId, Data: "echo" }).pipe(
 *     Effect.as({ statusCode: 200 }),
 *     Effect.catchAll(() => Effect.succeed({ statusCode: 500 })),
 *     Effect.provide(Lambda.layerFromEvent(event).pipe(Layer.provide([Credentials.layerEnv, Http.layer])))
 *   )
 *   return Effect.runPromise(program)
 * }
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromEvent = (
  event: WebSocketEvent,
  options: LayerOptions = {}
): Layer.Layer<
  ApiGatewayManagementApi.ApiGatewayManagementApi,
  ConfigurationError,
  HttpClient.HttpClient | AwsCredentials
> =>
  Layer.effect(
    ApiGatewayManagementApi.ApiGatewayManagementApi,
    Effect.flatMap(optionsFromEvent(event, options), ApiGatewayManagementApi.make)
  )

/** The client options for an event: its endpoint and signing region, with the options given. */
const optionsFromEvent = (
  event: WebSocketEvent,
  options: LayerOptions
): Effect.Effect<ApiGatewayManagementApi.Options, ConfigurationError> =>
  Effect.gen(function*() {
    if (typeof options !== "object" || options === null) {
      return yield* new ConfigurationError({
        option: "options",
        description: `expected an object, got ${Input.describeType(options)}`
      })
    }
    const { basePath, region: given, ...clientOptions } = options
    if (given !== undefined && typeof given !== "string") {
      return yield* new ConfigurationError({
        option: "region",
        description: `expected a string, got ${Input.describeType(given)}`
      })
    }
    const host = typeof event?.requestContext?.domainName === "string" ?
      event.requestContext.domainName.toLowerCase() :
      ""
    // An execute-api host names its region; otherwise the region comes from the options or the environment.
    const region = given ??
      (Endpoint.regionFromHost(host) === undefined ? Option.getOrUndefined(yield* regionFromEnv) : undefined)
    const endpoint = yield* endpointFromEvent(event, { region, basePath })
    return { ...clientOptions, endpoint, region: region ?? (isLocalDomain(host) ? LOCAL_REGION : undefined) }
  })
