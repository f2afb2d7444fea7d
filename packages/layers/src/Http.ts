/**
 * The recommended `HttpClient` for each runtime.
 *
 * @since 0.1.0
 */
import * as HttpTransport from "@effect-apigw/core/HttpTransport"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NodeTransport from "./NodeTransport.js"

/**
 * Options of the Node HTTP client's connection pool.
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeOptions extends NodeTransport.Options {}

const { agentOptions } = NodeTransport

/**
 * `@effect/platform-node`'s `HttpClient` (`node:http`/`node:https`) with a keep-alive agent, and nothing more: every
 * request goes through the generic `HttpClient` interface.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPlatformNode = (options?: NodeOptions): Layer.Layer<HttpClient.HttpClient> =>
  NodeHttpClient.layerWithoutAgent.pipe(Layer.provide(NodeHttpClient.makeAgentLayer(agentOptions(options))))

/**
 * The `HttpClient` on Node: {@link layerPlatformNode} (so it works for any code that uses an `HttpClient`), carrying
 * a lean `HttpTransport` on the same keep-alive agent that the API Gateway client sends its requests through: a
 * callback on `node:http` instead of the platform's fibers and streams, about a third of the CPU per request.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNode = (options?: NodeOptions): Layer.Layer<HttpClient.HttpClient> =>
  Layer.scoped(
    HttpClient.HttpClient,
    Effect.gen(function*() {
      const agent = yield* NodeHttpClient.makeAgent(agentOptions(options))
      const client = yield* NodeHttpClient.make.pipe(Effect.provideService(NodeHttpClient.HttpAgent, agent))
      return HttpTransport.attach(client, NodeTransport.make(agent))
    })
  )

/**
 * The recommended `HttpClient` for Node: {@link layerNode} with its defaults.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = /* @__PURE__ */ layerNode()

/**
 * The `HttpClient` built on the global `fetch`, for Bun, Deno, browsers and edge runtimes.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFetch: Layer.Layer<HttpClient.HttpClient> = FetchHttpClient.layer
