import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Emulator } from "@effect-apigw/emulator"
import { Credentials, Http } from "@effect-apigw/layers"
import { Effect, Layer } from "effect"
import WebSocket from "ws"

// What a backend does: push a message to a connection, read it, close it.
const program = (connectionId: string) =>
  Effect.gen(function*() {
    const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
    yield* api.postToConnection({ ConnectionId: connectionId, Data: "hello" })
    const info = yield* api.getConnection({ ConnectionId: connectionId }) // info.ConnectedAt: Date
    yield* Effect.log(`connected at ${info.ConnectedAt?.toISOString()} from ${info.Identity?.SourceIp}`)
    yield* api.deleteConnection({ ConnectionId: connectionId })
    yield* api.postToConnection({ ConnectionId: connectionId, Data: "still there?" })
  }).pipe(
    Effect.catchTag("GoneException", () => Effect.log("the connection went away"))
  )

// On AWS you would provide
//   ApiGatewayManagementApi.layer({ endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod" })
// with Credentials.layerDefault and Http.layer. Here: the local emulator and one real WebSocket client.
const main = Effect.gen(function*() {
  const emulator = yield* Emulator.make()
  const socket = new WebSocket(emulator.url)
  socket.on("message", (data) => console.log(`client received: ${data}`))
  yield* Effect.async<void>((resume) => {
    socket.once("open", () => resume(Effect.void))
  })
  const [connection] = yield* emulator.connections
  const Client = ApiGatewayManagementApi.layer({ endpoint: emulator.endpoint, region: emulator.region }).pipe(
    Layer.provide([Credentials.layerStatic({ accessKeyId: "AKID", secretAccessKey: "secret" }), Http.layer])
  )
  yield* program(connection.ConnectionId).pipe(Effect.provide(Client))
}).pipe(Effect.scoped)

Effect.runPromise(main)
