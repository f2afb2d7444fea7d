// The installed packages from CommonJS: `require()` of their ES modules (Node 20.19+, 22.12+), next to `effect`
// required the same way, then a round trip through the emulator started from code.
const { ApiGatewayManagementApi } = require("@effect-apigw/core")
const { Emulator } = require("@effect-apigw/emulator")
const { Credentials, Http } = require("@effect-apigw/layers")
const { Effect, Layer } = require("effect")
const assert = require("node:assert/strict")
const WebSocket = require("ws")

const program = Effect.gen(function*() {
  const emulator = yield* Emulator.make({ port: 0 })
  const socket = new WebSocket(emulator.url)
  const received = new Promise((resolve) => socket.once("message", (data) => resolve(String(data))))
  yield* Effect.promise(() => new Promise((resolve) => socket.once("open", resolve)))
  const [connection] = yield* emulator.connections
  const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi.pipe(
    Effect.provide(
      ApiGatewayManagementApi.layer({ endpoint: emulator.endpoint, region: emulator.region }).pipe(
        Layer.provide([Credentials.layerStatic({ accessKeyId: "AKID", secretAccessKey: "secret" }), Http.layer])
      )
    )
  )
  yield* api.postToConnection({ ConnectionId: connection.ConnectionId, Data: "hello from require()" })
  assert.equal(yield* Effect.promise(() => received), "hello from require()")
  const info = yield* api.getConnection({ ConnectionId: connection.ConnectionId })
  assert.ok(info.ConnectedAt instanceof Date)
  yield* api.deleteConnection({ ConnectionId: connection.ConnectionId })
  return yield* api.getConnection({ ConnectionId: connection.ConnectionId }).pipe(
    Effect.as("still there"),
    Effect.catchTag("GoneException", (error) => Effect.succeed(error._tag))
  )
}).pipe(Effect.scoped)

Effect.runPromise(program).then((after) => {
  assert.equal(after, "GoneException")
  console.log(`require(): posted, got, deleted; then ${after}`)
})
