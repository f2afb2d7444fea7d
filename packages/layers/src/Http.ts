/**
 * The `HttpClient` for Node and AWS Lambda: `@effect/platform`'s `HttpClient` interface on `node:http` and
 * `node:https` with a keep-alive pool, built for many small requests. It is a complete `HttpClient` (any body, any
 * response reading), so the rest of a program can use it too. On Bun, Deno, browsers and edge runtimes, use
 * `FetchHttpClient.layer` of `@effect/platform` instead: any `HttpClient` works.
 *
 * @since 0.1.0
 */
import * as HttpDeadline from "@effect-apigw/core/HttpDeadline"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as NodeHttp from "node:http"
import * as NodeHttps from "node:https"
import { pipeline, Readable } from "node:stream"
import { NodeResponse } from "./internal/nodeResponse.js"

/**
 * Options of the connection pool.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Sockets per host (default 256). */
  readonly maxSockets?: number | undefined
  /** Idle sockets kept per host (default 256). */
  readonly maxFreeSockets?: number | undefined
}

/**
 * The keep-alive agents requests go through.
 *
 * @since 0.1.0
 * @category models
 */
export interface Agents {
  readonly http: NodeHttp.Agent
  readonly https: NodeHttps.Agent
}

/**
 * The keep-alive agent options for `options`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const agentOptions = (options?: Options): NodeHttps.AgentOptions => ({
  keepAlive: true,
  maxSockets: options?.maxSockets ?? 256,
  maxFreeSockets: options?.maxFreeSockets ?? 256
})

/**
 * An `HttpClient` on the given agents.
 *
 * Requests are written in batches, on `setImmediate`: the requests that the responses of one I/O poll give rise to
 * are written together after it, each on a socket that the agent has freed by then. Measured in `bench/` at 64 in
 * flight, this halves the CPU per request against writing each one from inside the response handler that caused it;
 * at 1 in flight it makes no measurable difference.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (agents: Agents): HttpClient.HttpClient => {
  let queue: Array<() => void> = []
  const flush = () => {
    const batch = queue
    queue = []
    for (let i = 0; i < batch.length; i++) batch[i]()
  }
  const execute = (
    request: HttpClientRequest.HttpClientRequest,
    deadline: number | undefined
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError> => {
    const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
    if (url._tag === "Left") {
      return Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause: url.left }))
    }
    const body = request.body
    switch (body._tag) {
      case "Empty":
      case "Uint8Array":
        return send({ agents, request, url: url.right, headers: request.headers, schedule, deadline })
      case "Raw":
        return body.body instanceof Uint8Array || typeof body.body === "string" ?
          send({ agents, request, url: url.right, headers: request.headers, schedule, deadline }) :
          Effect.fail(
            new HttpClientError.RequestError({
              request,
              reason: "Encode",
              description: "a raw body must be a string or a Uint8Array"
            })
          )
      case "FormData": {
        const encoded = new Response(body.formData)
        return send({
          agents,
          request,
          url: url.right,
          headers: { ...request.headers, "content-type": encoded.headers.get("content-type")! },
          upload: Effect.succeed(encoded.body!),
          schedule,
          deadline
        })
      }
      case "Stream":
        return send({
          agents,
          request,
          url: url.right,
          headers: request.headers,
          upload: Effect.map(
            Effect.runtime<never>(),
            (runtime) => Stream.toReadableStreamRuntime(body.stream, runtime)
          ),
          schedule,
          deadline
        })
    }
  }
  const schedule = (begin: () => void) => {
    if (queue.push(begin) === 1) setImmediate(flush)
  }
  return HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (effect) => Effect.flatMap(effect, (request) => execute(request, HttpDeadline.get(request))),
    Effect.succeed
  )
}

/** One request: written on the next batch, answered with the response as soon as its headers arrive. */
const send = (
  { agents, deadline, headers, request, schedule, upload, url }: {
    readonly agents: Agents
    /** `HttpDeadline.get(request)`: the exchange fails with `DeadlineExceeded` past it. */
    readonly deadline: number | undefined
    readonly request: HttpClientRequest.HttpClientRequest
    readonly url: URL
    readonly headers: Readonly<Record<string, string>>
    readonly upload?: Effect.Effect<ReadableStream<Uint8Array>> | undefined
    readonly schedule: (begin: () => void) => void
  }
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError> => {
  const exchange = (stream: ReadableStream<Uint8Array> | undefined) =>
    Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume) => {
      let req: NodeHttp.ClientRequest | undefined
      let response: NodeResponse | undefined
      let done = false
      const fail = (cause: unknown, reason: "Transport" | "Encode" = "Transport") => {
        clearTimeout(timer)
        if (done) return
        done = true
        resume(Effect.fail(new HttpClientError.RequestError({ request, reason, cause })))
      }
      // Until the body has arrived, read or not: a response handed over already fails its body.
      const timer = deadline === undefined ? undefined : setTimeout(() => {
        const cause = new HttpDeadline.DeadlineExceeded(deadline)
        if (response !== undefined) return response.destroy(cause)
        fail(cause)
        req?.destroy()
      }, deadline)
      schedule(() => {
        if (done) return
        const https = url.protocol === "https:"
        const options: NodeHttps.RequestOptions = {
          method: request.method,
          protocol: url.protocol,
          hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
          port: url.port === "" ? undefined : Number(url.port),
          path: url.pathname + url.search,
          // `HttpClientRequest.setBody` has put the body's content-type and content-length among them.
          headers,
          agent: https ? agents.https : agents.http
        }
        try {
          req = (https ? NodeHttps : NodeHttp).request(options, (res) => {
            if (done) return res.destroy()
            const arrived = response = new NodeResponse(request, res)
            if (timer !== undefined) arrived.whenSettled(() => clearTimeout(timer))
            arrived.whenReady(() => {
              if (done) return
              done = true
              resume(Effect.succeed(arrived))
            })
          })
        } catch (cause) {
          // node:http refuses some headers synchronously (a control character in a value): an answer, not a crash.
          return fail(cause)
        }
        req.on("error", fail)
        const body = request.body
        if (stream !== undefined) {
          // `pipeline`, not `pipe`: a body that fails fails the request (instead of leaving it open, and throwing an
          // uncaught error), and an aborted request cancels its body.
          pipeline(Readable.fromWeb(stream as any).once("error", (cause) => fail(cause, "Encode")), req, () => {})
        } else if (body._tag === "Uint8Array" || body._tag === "Raw") req.end(body.body)
        else req.end()
      })
      return Effect.sync(() => {
        clearTimeout(timer)
        done = true
        req?.destroy()
      })
    })
  return upload === undefined ? exchange(undefined) : Effect.flatMap(upload, exchange)
}

/**
 * The `HttpClient` with its own keep-alive agents, destroyed with the layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (
  options?: Options
): Layer.Layer<HttpClient.HttpClient | HttpDeadline.HonouringClient> =>
  Layer.scopedContext(
    Effect.map(
      Effect.acquireRelease(
        Effect.sync((): Agents => ({
          http: new NodeHttp.Agent(agentOptions(options)),
          https: new NodeHttps.Agent(agentOptions(options))
        })),
        (agents) =>
          Effect.sync(() => {
            agents.http.destroy()
            agents.https.destroy()
          })
      ),
      (agents) => {
        const client = make(agents)
        // It bounds its requests by `HttpDeadline.get` itself.
        return Context.make(HttpClient.HttpClient, client).pipe(Context.add(HttpDeadline.HonouringClient, client))
      }
    )
  )

/**
 * The recommended `HttpClient` on Node: {@link layerWith} with its defaults.
 *
 * @example
 * import { ApiGatewayManagementApi } from "@effect-apigw/core"
 * import { Credentials, Http } from "@effect-apigw/layers"
 * import { Layer } from "effect"
 *
 * const Client = ApiGatewayManagementApi.layer({
 *   endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
 * }).pipe(Layer.provide([Http.layer, Credentials.layerEnv]))
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient | HttpDeadline.HonouringClient> = /* @__PURE__ */ layerWith()
