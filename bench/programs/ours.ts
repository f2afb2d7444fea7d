import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Credentials, Http } from "@effect-apigw/layers"
import { Effect, Layer } from "effect"

const Client = ApiGatewayManagementApi.layer({ endpoint: process.env.APIGW_ENDPOINT!, region: "us-east-1" }).pipe(
  Layer.provide([Credentials.layerStatic({ accessKeyId: "AKID", secretAccessKey: "secret" }), Http.layer])
)

await Effect.runPromise(
  ApiGatewayManagementApi.postToConnection({ ConnectionId: "L0SM9cOFvHcCIhw=", Data: "hello" }).pipe(
    Effect.provide(Client)
  )
)
console.log("done")
process.exit(0)
