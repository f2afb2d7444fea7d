// Our client driven from inside Effect: the load loop itself is an Effect (`Effect.forEach` with bounded
// concurrency, as a broadcast is written), so no `runPromise` per call. Shows the cost of the promise boundary.
import * as ApiGatewayManagementApi from "@effect-apigw/core/ApiGatewayManagementApi"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { clientLayer } from "./ours.js"
import type { Adapter, AdapterOptions } from "./types.js"

export const make = async (options: AdapterOptions): Promise<Adapter & { readonly loop: Loop }> => {
  const runtime = ManagedRuntime.make(clientLayer(options))
  const api = await runtime.runPromise(ApiGatewayManagementApi.ApiGatewayManagementApi)
  const loop: Loop = (count, concurrency, connectionId, data, latencies) => {
    let next = 0
    const one = Effect.suspend(() => {
      const i = next++
      const start = performance.now()
      return Effect.map(api.postToConnection({ ConnectionId: connectionId, Data: data }), () => {
        latencies[i] = performance.now() - start
      })
    })
    return runtime.runPromise(
      Effect.forEach(Array.from({ length: count }), () => one, { concurrency, discard: true })
    )
  }
  return {
    post: (ConnectionId, Data) => runtime.runPromise(api.postToConnection({ ConnectionId, Data })),
    close: () => runtime.dispose(),
    loop
  }
}

/** Runs `count` calls, `concurrency` in flight, writing each call's latency (ms) into `latencies`. */
type Loop = (
  count: number,
  concurrency: number,
  connectionId: string,
  data: string,
  latencies: Float64Array
) => Promise<void>
