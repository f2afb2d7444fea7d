// Our client on an `HttpClient`, as the documented quick start wires it: `ApiGatewayManagementApi.layer` with
// `Http.layer` (@effect/platform's Node HttpClient, carrying our lean transport), `runPromise` per call.
import * as ApiGatewayManagementApi from "@effect-apigw/core/ApiGatewayManagementApi"
import * as Credentials from "@effect-apigw/layers/Credentials"
import * as Http from "@effect-apigw/layers/Http"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type { Adapter, AdapterOptions } from "./types.js"

export const make = async (options: AdapterOptions): Promise<Adapter> => {
  const Client = ApiGatewayManagementApi.layer({ endpoint: options.endpoint, region: options.region }).pipe(
    Layer.provide([
      Credentials.layerStatic({ accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }),
      Http.layer
    ])
  )
  const runtime = ManagedRuntime.make(Client)
  const api = await runtime.runPromise(ApiGatewayManagementApi.ApiGatewayManagementApi)
  return {
    post: (ConnectionId, Data) => runtime.runPromise(api.postToConnection({ ConnectionId, Data })),
    close: () => runtime.dispose()
  }
}
