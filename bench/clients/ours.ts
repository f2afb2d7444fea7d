// Our client, with its recommended Node HTTP layer, run the way non-Effect code (a Lambda handler) runs it: one
// `ManagedRuntime` built once, `runPromise` per call.
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Credentials, Http } from "@effect-apigw/layers"
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
