/**
 * The lean `HttpTransport` on `node:http`/`node:https`, for `ApiGatewayManagementApi.layerTransport`: the smallest
 * and fastest client on Node and AWS Lambda. It loads none of `@effect/platform`'s HTTP modules; import it by its
 * subpath (`@effect-apigw/layers/NodeTransport`) to keep them out of start-up and bundles.
 *
 * @since 0.1.0
 */
import * as HttpTransport from "@effect-apigw/core/HttpTransport"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Http from "node:http"
import * as Https from "node:https"

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
 * The keep-alive agent options for `options`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const agentOptions = (options: Options | undefined): Https.AgentOptions => ({
  keepAlive: true,
  maxSockets: options?.maxSockets ?? 256,
  maxFreeSockets: options?.maxFreeSockets ?? 256
})

const EMPTY = new Uint8Array(0)

/**
 * A transport on `node:http`/`node:https` with the given agents: one request, one callback.
 *
 * Requests are written in batches, on `setImmediate`: the requests that the responses of one I/O poll give rise to
 * are written together after it, each on a socket that the agent has freed by then. Measured in `bench/` at 64 in
 * flight, this halves the client's CPU per request against writing each one from inside the response handler that
 * caused it (see bench/RESULTS.md); at 1 in flight it makes no measurable difference.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  agents: { readonly http: Http.Agent; readonly https: Https.Agent }
): HttpTransport.HttpTransport => {
  let queue: Array<() => void> = []
  const flush = () => {
    const batch = queue
    queue = []
    for (let i = 0; i < batch.length; i++) batch[i]()
  }
  return {
    send: (request, callback) => {
      let req: Http.ClientRequest | undefined
      let done = false
      const settle = () => {
        if (done) return false
        done = true
        clearTimeout(timer)
        return true
      }
      const timer = setTimeout(() => {
        finish({ _tag: "Timeout" })
        req?.destroy()
      }, request.timeoutMillis)
      const finish = (result: HttpTransport.Result) => {
        if (settle()) callback(result)
      }
      const begin = () => {
        if (done) return
        try {
          req = start(agents, request, finish)
        } catch (error) {
          // node:http refuses some headers synchronously (a control character in a value): an answer, not a crash.
          const { code, message } = error as NodeJS.ErrnoException
          finish({ _tag: "Error", code, message })
        }
      }
      if (queue.push(begin) === 1) setImmediate(flush)
      return () => {
        settle()
        req?.destroy()
      }
    }
  }
}

/**
 * The transport with its own keep-alive agents, destroyed with the layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options?: Options): Layer.Layer<HttpTransport.HttpTransport> =>
  Layer.scoped(
    HttpTransport.HttpTransport,
    Effect.map(
      Effect.acquireRelease(
        Effect.sync(() => ({
          http: new Http.Agent(agentOptions(options)),
          https: new Https.Agent(agentOptions(options))
        })),
        (agents) =>
          Effect.sync(() => {
            agents.http.destroy()
            agents.https.destroy()
          })
      ),
      make
    )
  )

/**
 * {@link layerWith} with its defaults.
 *
 * @example
 * import * as ApiGatewayManagementApi from "@effect-apigw/core/ApiGatewayManagementApi"
 * import * as Credentials from "@effect-apigw/layers/Credentials"
 * import * as NodeTransport from "@effect-apigw/layers/NodeTransport"
 * import * as Layer from "effect/Layer"
 *
 * const Client = ApiGatewayManagementApi.layerTransport({
 *   endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
 * }).pipe(Layer.provide([NodeTransport.layer, Credentials.layerEnv]))
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpTransport.HttpTransport> = /* @__PURE__ */ layerWith()

/**
 * The response headers in an object without a prototype: their names are the server's text, and a lookup of one
 * the server did not send (`headers["x-amzn-requestid"]`, `headers.constructor`) must find nothing.
 */
const ownHeaders = (headers: Http.IncomingHttpHeaders): Record<string, string | undefined> => {
  const out: Record<string, string | undefined> = Object.create(null)
  const names = Object.keys(headers)
  for (let i = 0; i < names.length; i++) out[names[i]] = headers[names[i]] as string | undefined
  return out
}

const start = (
  agents: { readonly http: Http.Agent; readonly https: Https.Agent },
  request: HttpTransport.Request,
  finish: (result: HttpTransport.Result) => void
): Http.ClientRequest => {
  const https = request.protocol === "https:"
  const req = (https ? Https : Http).request({
    method: request.method,
    protocol: request.protocol,
    hostname: request.hostname,
    port: request.port,
    path: request.path,
    headers: request.headers,
    agent: https ? agents.https : agents.http
  }, (res) => {
    const status = res.statusCode ?? 0
    const declared = Number(res.headers["content-length"])
    if (declared > request.maxResponseBytes) {
      finish({ _tag: "TooLarge", status })
      req.destroy()
      return
    }
    const chunks: Array<Buffer> = []
    let size = 0
    res.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > request.maxResponseBytes) {
        finish({ _tag: "TooLarge", status })
        req.destroy()
      } else {
        chunks.push(chunk)
      }
    })
    res.on("end", () => {
      if (!res.complete) return
      finish({
        _tag: "Response",
        status,
        headers: ownHeaders(res.headers),
        body: chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
      })
    })
    res.on(
      "aborted",
      () =>
        finish({
          _tag: "Error",
          code: "ECONNRESET",
          message: "the connection closed before the response was complete"
        })
    )
    res.on(
      "error",
      (error: NodeJS.ErrnoException) => finish({ _tag: "Error", code: error.code, message: error.message })
    )
    res.on("close", () => {
      if (!res.complete) {
        finish({
          _tag: "Error",
          code: "ECONNRESET",
          message: "the connection closed before the response was complete"
        })
      }
    })
  })
  req.on(
    "error",
    (error: NodeJS.ErrnoException) => finish({ _tag: "Error", code: error.code, message: error.message })
  )
  req.end(request.body)
  return req
}
