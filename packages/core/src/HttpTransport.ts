/**
 * A lean path for sending one request: a callback instead of `@effect/platform`'s fibers and streams. It is a service
 * of its own (`ApiGatewayManagementApi.layerTransport` needs it; `NodeTransport.layer` of `@effect-apigw/layers`
 * provides it), and an `HttpClient` may also carry one beside its usual interface (as `Http.layer` does): then
 * `ApiGatewayManagementApi.layer` sends through it, and through the generic `HttpClient` interface otherwise, so any
 * `HttpClient` still works.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"

/**
 * The key under which an `HttpClient` carries its transport.
 *
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = Symbol.for("@effect-apigw/core/HttpTransport")

/**
 * One request: the path is sent as it is (already percent-encoded).
 *
 * @since 0.1.0
 * @category models
 */
export interface Request {
  readonly method: string
  readonly protocol: "http:" | "https:"
  readonly hostname: string
  readonly port: number | undefined
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array | undefined
  /** Abort and answer `Timeout` when the whole response has not arrived within this. */
  readonly timeoutMillis: number
  /** Abort and answer `TooLarge` when the response body is larger than this. */
  readonly maxResponseBytes: number
}

/**
 * What became of a request. Header names are lower case.
 *
 * @since 0.1.0
 * @category models
 */
export type Result =
  | {
    readonly _tag: "Response"
    readonly status: number
    readonly headers: Readonly<Record<string, string | undefined>>
    readonly body: Uint8Array
  }
  | { readonly _tag: "TooLarge"; readonly status: number }
  | { readonly _tag: "Timeout" }
  | { readonly _tag: "Error"; readonly code: string | undefined; readonly message: string }

/**
 * Sends requests; `send` calls `callback` exactly once, unless the returned function (abort) is called first.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpTransport {
  readonly send: (request: Request, callback: (result: Result) => void) => () => void
}

/**
 * The transport as a service, for `ApiGatewayManagementApi.layerTransport`.
 *
 * @since 0.1.0
 * @category tags
 */
export const HttpTransport: Context.Tag<HttpTransport, HttpTransport> = /* @__PURE__ */ Context.GenericTag<
  HttpTransport
>(
  "@effect-apigw/core/HttpTransport"
)

/**
 * The `HttpClient.HttpClient` tag of `@effect/platform`, found by its key: the same service, without loading the
 * platform's `HttpClient` module (and `effect/Schema` behind it) just to name it.
 *
 * @since 0.1.0
 * @category tags
 */
export const HttpClientTag: Context.Tag<HttpClient.HttpClient, HttpClient.HttpClient> = /* @__PURE__ */ Context
  .GenericTag<HttpClient.HttpClient>("@effect/platform/HttpClient")

/**
 * The transport an `HttpClient` carries, if any.
 *
 * @since 0.1.0
 * @category accessors
 */
export const fromHttpClient = (client: HttpClient.HttpClient): HttpTransport | undefined =>
  (client as unknown as { readonly [TypeId]?: HttpTransport })[TypeId]

/**
 * Attaches a transport to an `HttpClient` (which keeps working as before for everyone else).
 *
 * @since 0.1.0
 * @category constructors
 */
export const attach = <C extends HttpClient.HttpClient>(client: C, transport: HttpTransport): C =>
  Object.assign(client, { [TypeId]: transport })
