// Our minimal program as the quick start wires it (`layer` + `Http.layer`), every module by subpath (as Effect's own
// docs advise for bundle size; the `effect` and `@effect-apigw/*` index files defeat tree shaking).
import * as ApiGatewayManagementApi from "@effect-apigw/core/ApiGatewayManagementApi"
import * as Credentials from "@effect-apigw/layers/Credentials"
import * as Http from "@effect-apigw/layers/Http"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

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
