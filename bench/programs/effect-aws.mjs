import { ApiGatewayManagementApiService } from "@effect-aws/client-api-gateway-management-api"
import * as Effect from "effect/Effect"

await Effect.runPromise(
  ApiGatewayManagementApiService.postToConnection({ ConnectionId: "L0SM9cOFvHcCIhw=", Data: "hello" }).pipe(
    Effect.provide(ApiGatewayManagementApiService.layer({
      endpoint: process.env.APIGW_ENDPOINT,
      region: "us-east-1",
      credentials: { accessKeyId: "AKID", secretAccessKey: "secret" }
    }))
  )
)
console.log("done")
process.exit(0)
