// Our client as the quick start wires it on Node and AWS Lambda: `ApiGatewayManagementApi.layer` on `Http.layer` (our
// HttpClient on node:http), run the way non-Effect code (a Lambda handler) runs it: one `ManagedRuntime` built once,
// `runPromise` per call.
import * as ApiGatewayManagementApi from "@effect-apigw/core/ApiGatewayManagementApi"
import * as Credentials from "@effect-apigw/layers/Credentials"
import * as Http from "@effect-apigw/layers/Http"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type { Adapter, AdapterOptions } from "./types.js"

export const clientLayer = (options: AdapterOptions) =>
  ApiGatewayManagementApi.layer({ endpoint: options.endpoint, region: options.region }).pipe(
    Layer.provide([
      Credentials.layerStatic({ accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }),
      Http.layer
    ])
  )

export const make = async (options: AdapterOptions): Promise<Adapter> => {
  const runtime = ManagedRuntime.make(clientLayer(options))
  const api = await runtime.runPromise(ApiGatewayManagementApi.ApiGatewayManagementApi)
  return {
    post: (ConnectionId, Data) => runtime.runPromise(api.postToConnection({ ConnectionId, Data })),
    close: () => runtime.dispose()
  }
}
