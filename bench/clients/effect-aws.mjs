// @effect-aws (SDK v3 wrapped in Effect), run as ours is: one ManagedRuntime, runPromise per call.
import { ApiGatewayManagementApiService } from "@effect-aws/client-api-gateway-management-api"
import { ManagedRuntime } from "effect"

export const make = async ({ endpoint, region, accessKeyId, secretAccessKey }) => {
  const runtime = ManagedRuntime.make(
    ApiGatewayManagementApiService.layer({ endpoint, region, credentials: { accessKeyId, secretAccessKey } })
  )
  const api = await runtime.runPromise(ApiGatewayManagementApiService)
  return {
    post: (ConnectionId, Data) => runtime.runPromise(api.postToConnection({ ConnectionId, Data })),
    close: () => runtime.dispose()
  }
}
