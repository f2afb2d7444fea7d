// Our client on another library's HttpClient: `ApiGatewayManagementApi.layer` with @effect/platform-node's
// `NodeHttpClient.layer`, `runPromise` per call. Shows what any HttpClient costs against ours.
import * as ApiGatewayManagementApi from "@effect-apigw/core/ApiGatewayManagementApi"
import * as Credentials from "@effect-apigw/layers/Credentials"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type { Adapter, AdapterOptions } from "./types.js"

export const make = async (options: AdapterOptions): Promise<Adapter> => {
  const Client = ApiGatewayManagementApi.layer({ endpoint: options.endpoint, region: options.region }).pipe(
    Layer.provide([
      Credentials.layerStatic({ accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }),
      NodeHttpClient.layer
    ])
  )
  const runtime = ManagedRuntime.make(Client)
  const api = await runtime.runPromise(ApiGatewayManagementApi.ApiGatewayManagementApi)
  return {
    post: (ConnectionId, Data) => runtime.runPromise(api.postToConnection({ ConnectionId, Data })),
    close: () => runtime.dispose()
  }
}
