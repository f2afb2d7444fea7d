import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Credentials, FixedClock, TestHttp } from "@effect-apigw/layers"
import { assert, it } from "@effect/vitest"
import { Effect, Layer } from "effect"

const Client = ApiGatewayManagementApi.layer({ endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod" })
  .pipe(
    Layer.provideMerge(Layer.mergeAll(TestHttp.layer(), Credentials.layerTest()))
  )

it.effect("smoke", () =>
  Effect.gen(function*() {
    const out = yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: "L0SM9cOFvHcCIhw=", Data: "hello" })
    const http = yield* TestHttp.TestHttp
    const [request] = yield* http.requests
    console.log(request.url.href, request.headers, out)
    assert.strictEqual(request.url.pathname, "/prod/@connections/L0SM9cOFvHcCIhw%3D")
  }).pipe(Effect.provide(Client), Effect.provide(FixedClock.layer(new Date("2024-01-01T00:00:00Z")))))
