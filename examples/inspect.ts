/**
 * Connection inspector: GetConnection for each connection id, with how long it has been open and idle.
 *
 *   npx tsx examples/inspect.ts                 starts the emulator in this process, connects a few clients and
 *                                               inspects them (and two ids that are not open)
 *   APIGW_ENDPOINT=http://127.0.0.1:3001/local npx tsx examples/inspect.ts ID [ID...]
 *                                               inspects connections of `apigw-emulator` on the command line
 *   APIGW_ENDPOINT=https://abc123.execute-api.eu-west-1.amazonaws.com/prod npx tsx examples/inspect.ts ID [ID...]
 *                                               inspects connections of an API on AWS
 *
 * Against a gateway outside this process (see `examples/lib/gateway.ts`): `APIGW_ENDPOINT` is the management
 * endpoint, `AWS_REGION` its region (unless it is an execute-api host, or local: us-east-1), and the calls are signed
 * with `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` (placeholder keys for a local endpoint
 * when unset; an emulator started with `--access-key-id`/`--secret-access-key` needs those keys).
 *
 * Each id prints as open (with its details), gone (410) or not a connection id (refused before sending). Anything
 * else (refused credentials, an unreachable endpoint) prints one line with what to fix and exits 1, as does an id
 * given on the command line that is not a connection id.
 */
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Emulator } from "@effect-apigw/emulator"
import { Credentials, Http } from "@effect-apigw/layers"
import { Effect, Layer } from "effect"
import { connectClient } from "./lib/clients.js"
import * as Gateway from "./lib/gateway.js"
import { ExampleError, runMain } from "./lib/main.js"

const seconds = (from: Date | undefined, to: number) =>
  from === undefined ? "?" : `${((to - from.getTime()) / 1000).toFixed(1)} s`

/** What the inspector found, by kind. */
export interface Found {
  readonly open: number
  readonly gone: number
  readonly invalid: number
}

/**
 * Prints what the gateway knows about each connection id. Open, gone and invalid ids are results; any other failure
 * (the endpoint, the credentials) fails the whole inspection.
 */
export const inspect = (connectionIds: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const found = { open: 0, gone: 0, invalid: 0 }
    for (const id of connectionIds) {
      const text = yield* ApiGatewayManagementApi.getConnection({ ConnectionId: id }).pipe(
        Effect.map((info) => {
          found.open++
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
        Effect.catchTags({
          GoneException: () => Effect.sync(() => (found.gone++, `${id}  gone (410)`)),
          InvalidInputError: (error) =>
            Effect.sync(
              () => (found.invalid++, `${JSON.stringify(id)}  not a connection id, nothing sent (${error.message})`)
            )
        })
      )
      console.log(text)
    }
    const result: Found = found
    return result
  })

/** On an emulator in this process: three clients (one of which leaves), an unknown id and an empty one. */
const embedded = Effect.gen(function*() {
  const credentials = { accessKeyId: "AKIDEMULATOR", secretAccessKey: "emulator-secret" }
  const region = yield* Gateway.embeddedRegion
  const emulator = yield* Emulator.make({
    credentials,
    region,
    routes: { $default: () => ({ statusCode: 200, body: "ok" }) }
  })
  console.log(`Emulator at ${emulator.url}; connecting three clients, one of which leaves again.`)
  console.log("Then inspecting them, an id that was never connected and an empty one (refused before sending).\n")
  const browser = yield* connectClient(emulator.url, "browser", "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0")
  yield* connectClient(emulator.url, "phone", "MyChatApp/2.3 (iPhone; iOS 18.0)")
  const leaving = yield* connectClient(emulator.url, "leaving")
  const ids = (yield* emulator.connections).map((c) => c.ConnectionId)
  yield* Effect.sleep("300 millis")
  browser.send({ hello: "world" })
  yield* browser.next
  leaving.close()
  yield* leaving.closed
  const found = yield* inspect([...ids, "NotAConnId0=", ""]).pipe(
    Effect.provide(
      ApiGatewayManagementApi.layer({ endpoint: emulator.endpoint, region: emulator.region }).pipe(
        Layer.provide([Credentials.layerStatic(credentials), Http.layer])
      )
    )
  )
  console.log(`\n${found.open} open, ${found.gone} gone, ${found.invalid} not a connection id`)
}).pipe(Effect.scoped)

/** Against the gateway of APIGW_ENDPOINT: the ids given on the command line. */
const outside = (gateway: Gateway.OutsideGateway) =>
  Effect.gen(function*() {
    const ids = process.argv.slice(2)
    if (ids.length === 0) {
      return yield* new ExampleError({
        message: "no connection ids given",
        hint: "usage: APIGW_ENDPOINT=... npx tsx examples/inspect.ts CONNECTION_ID..."
      })
    }
    const signing = yield* Gateway.credentials(gateway)
    const found = yield* inspect(ids).pipe(Effect.provide(Gateway.client(gateway, signing.identity)))
    console.log(`\n${found.open} open, ${found.gone} gone, ${found.invalid} not a connection id`)
    if (found.invalid > 0) {
      return yield* new ExampleError({
        message: `${found.invalid} of the ids given ${found.invalid === 1 ? "is" : "are"} not a connection id`,
        hint: "give the ids your $connect handler saw (requestContext.connectionId)"
      })
    }
  })

runMain("inspect", Gateway.match({ onEmbedded: embedded, onOutside: outside }))
