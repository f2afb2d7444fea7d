/**
 * `npm start`: the whole library on a fresh clone, no AWS account needed.
 *
 * Starts the local API Gateway emulator in this process (with SigV4 checks on) running the chat backend of
 * `examples/chat.ts`, connects four real WebSocket clients and plays a short chat: messages are broadcast with
 * PostToConnection, one client drops and, her `$disconnect` lost on purpose, the next broadcast reports her gone and
 * prunes her; one connection is closed with DeleteConnection, one GetConnection is shown. Prints a summary and exits.
 *
 * With `APIGW_ENDPOINT` set it plays the same chat against that gateway instead, which must run `examples/chat.ts`'s
 * `handler`: `apigw-emulator --handler examples/chat.ts` on the command line (with or without signature checks), or
 * the API on AWS. There `$disconnect` reaches the backend, so the narration says how carol really left. The variables
 * (the same for both; see `examples/lib/gateway.ts`):
 *   APIGW_ENDPOINT     the management endpoint, e.g. http://127.0.0.1:3001/local or
 *                      https://abc123.execute-api.eu-west-1.amazonaws.com/prod
 *   APIGW_WS_URL       the WebSocket URL, if it is not the endpoint with wss:// (ws:// for http://)
 *   AWS_REGION         the signing region, unless the endpoint is an execute-api host or local (us-east-1)
 *   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
 *                      the credentials of the DeleteConnection/GetConnection calls (placeholders for a local
 *                      endpoint when unset; with signature checks on, the emulator's --access-key-id and
 *                      --secret-access-key, which the handler must be started with too)
 *
 *   npm run emulator -- --handler examples/chat.ts &
 *   APIGW_ENDPOINT=http://127.0.0.1:3001/local npm start
 *
 * A failure prints one line (`demo: <tag>: <message> (<what to fix>)`) and exits 1.
 */
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Emulator, type Event } from "@effect-apigw/emulator"
import { Credentials, Http } from "@effect-apigw/layers"
import { Effect, Layer, Logger, LogLevel, Option } from "effect"
import { type ChatContext, layer as chatLayer, routes } from "./chat.js"
import { narrate, say, whoami } from "./lib/chat-client.js"
import { type ChatClient, connectClient } from "./lib/clients.js"
import * as Gateway from "./lib/gateway.js"
import { ExampleError, runMain } from "./lib/main.js"

const credentials = { accessKeyId: "AKIDEMULATOR", secretAccessKey: "emulator-secret" }

// API Gateway delivers $disconnect on a best-effort basis. To show how a broadcast copes with a connection the
// backend still believes in, the demo drops the $disconnect of one client (carol) on the emulator it runs itself.
const lostDisconnects = new Set<string>()
const demoRoutes: Event.Routes<ChatContext> = {
  ...routes,
  $disconnect: (event, context) =>
    lostDisconnects.has(event.requestContext.connectionId) ? undefined : routes.$disconnect(event, context)
}

const line = (text = "") => Effect.sync(() => console.log(text))

interface Target {
  readonly url: string
  readonly endpoint: string
  readonly signatures: string
  /** The demo runs the gateway, and can lose carol's `$disconnect`. */
  readonly embedded: boolean
}

/** Waits until the gateway answers GetConnection for a connection with 410 (at most 10 seconds). */
const untilGone = (connectionId: string) =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < 200; attempt++) {
      const gone = yield* ApiGatewayManagementApi.getConnection({ ConnectionId: connectionId }).pipe(
        Effect.as(false),
        Effect.catchTag("GoneException", () => Effect.succeed(true))
      )
      if (gone) return true
      yield* Effect.sleep("50 millis")
    }
    return false
  })

/** A client says something to the room; prints who received it and the sender's report. */
const speak = (from: ChatClient, text: string, listeners: ReadonlyArray<ChatClient>) =>
  Effect.tap(say(from, text, listeners), (said) => narrate(from, text, said)).pipe(Effect.map((said) => said.report))

const play = (target: Target) =>
  Effect.gen(function*() {
    const started = Date.now()
    yield* line("@effect-apigw demo: a WebSocket chat on API Gateway, driven by the Effect client")
    yield* line(`   WebSocket URL        ${target.url}`)
    yield* line(`   management endpoint  ${target.endpoint}  (${target.signatures})`)
    yield* line()

    yield* line("1. alice, bob, carol and dave connect (the $connect route stores them in the room)")
    const names = ["alice", "bob", "carol", "dave"] as const
    const clients = yield* Effect.forEach(names, (name) => connectClient(`${target.url}?name=${name}`, name))
    const [alice, bob, carol, dave] = clients
    const ids = yield* Effect.forEach(clients, whoami)
    for (const [i, client] of clients.entries()) yield* line(`   ${client.name.padEnd(6)} ${ids[i]}`)
    const [aliceId, , carolId, daveId] = ids as [string, string, string, string]
    yield* line()

    yield* line("2. messages are broadcast to the room with PostToConnection")
    const first = yield* speak(alice, "Hi everyone!", clients)
    const reply = yield* speak(bob, "Hey alice, welcome.", clients)
    yield* line()

    if (target.embedded) {
      yield* line("3. carol's network drops, and her $disconnect never reaches the backend")
      yield* line("   (API Gateway delivers $disconnect best-effort; here the demo drops it on purpose)")
      lostDisconnects.add(carolId)
    } else {
      yield* line("3. carol's network drops; the gateway sends $disconnect to the backend (best-effort on AWS)")
    }
    carol.ws.terminate()
    yield* Effect.promise(() => new Promise((resolve) => carol.ws.once("close", resolve)))
    if (!target.embedded) {
      const noticed = yield* untilGone(carolId)
      yield* line(
        `   the gateway ${noticed ? "has noticed: GetConnection for her answers 410" : "has not noticed yet"}`
      )
    }
    const second = yield* speak(bob, "Is carol still here?", [alice, bob, dave])
    const carolPruned = second.gone.some((g) => g.connectionId === carolId)
    yield* line(
      carolPruned ?
        "   the broadcast found her gone (410 GoneException) and pruned her from the room" :
        `   her $disconnect had already removed her from the room: the broadcast went to the ${second.delivered} ` +
        "left, none gone"
    )
    yield* line()

    yield* line("4. a moderator closes dave's connection with DeleteConnection")
    yield* ApiGatewayManagementApi.deleteConnection({ ConnectionId: daveId })
    const closed = yield* dave.closed
    yield* line(`   dave's socket closed with code ${closed.code}${closed.reason === "" ? "" : ` (${closed.reason})`}`)
    yield* line("   (the gateway runs his $disconnect, which removes him from the room)")
    yield* line()

    yield* line("5. GetConnection for alice, and for carol")
    const info = yield* ApiGatewayManagementApi.getConnection({ ConnectionId: aliceId })
    yield* line(
      `   alice: connected at ${info.ConnectedAt?.toISOString()}, last active ${info.LastActiveAt?.toISOString()}`
    )
    yield* line(`          source IP ${info.Identity?.SourceIp}, user agent ${info.Identity?.UserAgent ?? "(none)"}`)
    const carolInfo = yield* ApiGatewayManagementApi.getConnection({ ConnectionId: carolId }).pipe(
      Effect.as("still connected"),
      Effect.catchTag(
        "GoneException",
        (error) => Effect.succeed(`GoneException (HTTP ${error.$metadata.httpStatusCode})`)
      )
    )
    yield* line(`   carol: ${carolInfo}`)
    yield* line()

    yield* line("6. the last word")
    const last = yield* speak(alice, "Bye bob!", [alice, bob])
    yield* line()

    yield* line("Summary")
    const reports = [first, reply, second, last]
    yield* line(
      `   broadcasts: ${reports.length}; deliveries: ${reports.map((r) => r.delivered).join(" + ")} = ${
        reports.reduce((n, r) => n + r.delivered, 0)
      }`
    )
    const pruned = reports.flatMap((r) => r.gone.map((g) => g.name ?? g.connectionId))
    yield* line(`   pruned as gone: ${pruned.join(", ") || "none"}`)
    yield* line(`   left through $disconnect: ${carolPruned ? "dave" : "carol, dave"}`)
    for (const client of clients) {
      const texts = client.received.filter((m): m is { type: "message"; text: string } =>
        typeof m === "object" && m !== null && (m as { type?: string }).type === "message"
      )
      yield* line(`   ${client.name.padEnd(6)} received ${texts.length} chat messages`)
    }
    yield* line(`   done in ${Date.now() - started} ms`)
    for (const client of [alice, bob]) client.close()
    return { reports, second }
  }).pipe(Effect.scoped)

/** The demo on an emulator it runs itself, with signature checks on. */
const embedded = Effect.gen(function*() {
  const region = yield* Gateway.embeddedRegion
  const emulator = yield* Emulator.make({ routes: demoRoutes, credentials, region })
  const client = ApiGatewayManagementApi.layer({ endpoint: emulator.endpoint, region }).pipe(
    Layer.provide([Credentials.layerStatic(credentials), Http.layer])
  )
  const result = yield* play({
    url: emulator.url,
    endpoint: emulator.endpoint,
    signatures: `SigV4 checked, region ${region}`,
    embedded: true
  }).pipe(Effect.provide(client))
  const stillOpen = yield* Effect.flatMap(
    Effect.forEach(result.second.gone, (g) => emulator.getConnection(g.connectionId)),
    (all) => Effect.succeed(all.filter(Option.isSome).length)
  )
  if (stillOpen !== 0) return yield* new ExampleError({ message: "a connection reported gone is still open" })
}).pipe(Effect.scoped, Effect.provide(chatLayer(Credentials.layerStatic(credentials))))

/** The demo against the gateway of APIGW_ENDPOINT (`apigw-emulator --handler examples/chat.ts`, or AWS). */
const outside = (gateway: Gateway.OutsideGateway) =>
  Effect.gen(function*() {
    const signing = yield* Gateway.credentials(gateway)
    yield* play({
      url: gateway.url,
      endpoint: gateway.endpoint,
      signatures: `signed with ${signing.source}, region ${gateway.region}`,
      embedded: false
    }).pipe(Effect.provide(Gateway.client(gateway, signing.identity)))
  })

runMain(
  "demo",
  Gateway.match({ onEmbedded: embedded, onOutside: outside }).pipe(
    Logger.withMinimumLogLevel(LogLevel.Warning)
  )
)
