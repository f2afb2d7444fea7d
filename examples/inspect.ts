/**
 * Connection inspector: GetConnection for each connection id, with how long it has been open and idle.
 *
 *   npx tsx examples/inspect.ts                      starts the emulator, connects a few clients and inspects them
 *   APIGW_ENDPOINT=https://abc123.execute-api.eu-west-1.amazonaws.com/prod \
 *     npx tsx examples/inspect.ts ID [ID...]        inspects connections of a real API (AWS credentials from the
 *                                                   environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...)
 */
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Emulator } from "@effect-apigw/emulator"
import { Credentials, Http } from "@effect-apigw/layers"
import { Effect, Layer } from "effect"
import { connectClient } from "./lib/clients.js"

const seconds = (from: Date | undefined, to: number) =>
  from === undefined ? "?" : `${((to - from.getTime()) / 1000).toFixed(1)} s`

/** Prints what the gateway knows about each connection id. */
export const inspect = (connectionIds: ReadonlyArray<string>) =>
  Effect.forEach(connectionIds, (id) =>
    ApiGatewayManagementApi.getConnection({ ConnectionId: id }).pipe(
      Effect.map((info) => {
        const now = Date.now()
        return [
          `${id}  open`,
          `    connected at  ${info.ConnectedAt?.toISOString()}  (${seconds(info.ConnectedAt, now)} ago)`,
          `    last active   ${info.LastActiveAt?.toISOString()}  (idle ${seconds(info.LastActiveAt, now)})`,
          `    source IP     ${info.Identity?.SourceIp}`,
          `    user agent    ${info.Identity?.UserAgent ?? "(none)"}`,
          `    request id    ${info.$metadata.requestId}`
        ].join("\n")
      }),
      Effect.catchTag("GoneException", () => Effect.succeed(`${id}  gone (410)`)),
      Effect.catchAll((error) => Effect.succeed(`${id}  error ${error._tag}: ${error.message}`)),
      Effect.flatMap((text) => Effect.sync(() => console.log(text)))
    ), { discard: true })

const local = Effect.gen(function*() {
  const credentials = { accessKeyId: "AKIDEMULATOR", secretAccessKey: "emulator-secret" }
  const emulator = yield* Emulator.make({ credentials, routes: { $default: () => ({ statusCode: 200, body: "ok" }) } })
  console.log(`Emulator at ${emulator.url}; connecting three clients, one of which leaves again.\n`)
  const browser = yield* connectClient(emulator.url, "browser", "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0")
  yield* connectClient(emulator.url, "phone", "MyChatApp/2.3 (iPhone; iOS 18.0)")
  const leaving = yield* connectClient(emulator.url, "leaving")
  const ids = (yield* emulator.connections).map((c) => c.connectionId)
  yield* Effect.sleep("300 millis")
  browser.send({ hello: "world" })
  yield* browser.next
  leaving.close()
  yield* leaving.closed
  yield* inspect([...ids, "NotAConnId0=", ""]).pipe(
    Effect.provide(
      ApiGatewayManagementApi.layer({ endpoint: emulator.endpoint, region: emulator.region }).pipe(
        Layer.provide([Credentials.layerStatic(credentials), Http.layer])
      )
    )
  )
}).pipe(Effect.scoped)

const aws = Effect.suspend(() => {
  const ids = process.argv.slice(2)
  if (ids.length === 0) return Effect.sync(() => console.error("usage: examples/inspect.ts CONNECTION_ID..."))
  return inspect(ids).pipe(
    Effect.provide(ApiGatewayManagementApi.layerConfig().pipe(Layer.provide([Credentials.layerEnv, Http.layer])))
  )
})

const main: Effect.Effect<void, unknown> = process.env.APIGW_ENDPOINT === undefined ? local : aws

Effect.runPromise(main).then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
