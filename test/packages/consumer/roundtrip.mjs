// What every consumer program checks, on the installed packages: a real WebSocket client connects, learns its
// connection id from the handler's route response, and our client posts to it, reads it and closes it; the post
// after the close fails as GoneException. Plain JavaScript, as a user without a TypeScript loader writes it.
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Credentials, Http } from "@effect-apigw/layers"
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer } from "effect"
import assert from "node:assert/strict"
import WebSocket from "ws"

const credentials = Credentials.layerStatic({ accessKeyId: "AKID", secretAccessKey: "secret" })

/** The client on each HttpClient a user can pick: ours for Node (Http.layer), and another one (fetch). */
export const wirings = {
  "Http.layer": (options) => ApiGatewayManagementApi.layer(options).pipe(Layer.provide([credentials, Http.layer])),
  "FetchHttpClient.layer": (options) =>
    ApiGatewayManagementApi.layer(options).pipe(Layer.provide([credentials, FetchHttpClient.layer]))
}

/** A connected WebSocket client whose messages queue up for `next()`. */
const connect = (url) =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url)
    const queue = []
    const waiting = []
    socket.on("message", (data) => (waiting.shift() ?? ((m) => queue.push(m)))(String(data)))
    const closed = new Promise((done) => socket.once("close", (code) => done(code)))
    const next = () =>
      queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((done, fail) => {
        const timer = setTimeout(() => fail(new Error("no message within 5 s")), 5000)
        waiting.push((m) => (clearTimeout(timer), done(m)))
      })
    socket.once("open", () => resolve({ socket, next, closed }))
    socket.once("error", reject)
  })

/** One round trip through `wiring` against the gateway at `url`/`endpoint`; `from` names the handler that answers. */
export const roundTrip = async ({ url, endpoint, region, wiring, from }) => {
  const client = await connect(url)
  client.socket.send(JSON.stringify({ action: "whoami" }))
  const whoami = JSON.parse(await client.next())
  assert.equal(whoami.from, from, "the route response comes from the handler given")
  const id = whoami.connectionId
  const program = Effect.gen(function*() {
    const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
    const posted = yield* api.postToConnection({ ConnectionId: id, Data: `hello over ${wiring}` })
    assert.equal(posted.$metadata.httpStatusCode, 200)
    assert.equal(yield* Effect.promise(client.next), `hello over ${wiring}`)
    const info = yield* api.getConnection({ ConnectionId: id })
    assert.ok(info.ConnectedAt instanceof Date && !Number.isNaN(info.ConnectedAt.getTime()), "ConnectedAt is a Date")
    assert.equal(info.Identity?.SourceIp, "127.0.0.1")
    yield* api.deleteConnection({ ConnectionId: id })
    assert.equal(yield* Effect.promise(() => client.closed), 1000, "DeleteConnection closed the socket")
    return yield* api.postToConnection({ ConnectionId: id, Data: "still there?" }).pipe(
      Effect.as("delivered"),
      Effect.catchTag("GoneException", (error) => Effect.succeed(`${error._tag} ${error.$metadata.httpStatusCode}`))
    )
  })
  const after = await Effect.runPromise(program.pipe(Effect.provide(wirings[wiring]({ endpoint, region }))))
  assert.equal(after, "GoneException 410")
  return `${wiring}: posted, got, deleted; then ${after}`
}
