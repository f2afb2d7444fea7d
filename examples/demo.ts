/**
 * `npm start`: the whole library on a fresh clone, no AWS account needed.
 *
 * Starts the local API Gateway emulator (with SigV4 checks on) running the chat backend of `examples/chat.ts`,
 * connects four real WebSocket clients and plays a short chat: messages are broadcast with PostToConnection, one
 * client drops and the next broadcast reports it gone and prunes it, one connection is closed with
 * DeleteConnection, one GetConnection is shown. Prints a summary and exits.
 *
 * With `APIGW_ENDPOINT` (plus `APIGW_WS_URL` if it is not the endpoint with `wss://`) and AWS credentials set, it
 * plays the same chat against a deployed API running `examples/chat.ts`'s `handler`.
 */
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Emulator, type Event } from "@effect-apigw/emulator"
import { Credentials, Http } from "@effect-apigw/layers"
import { Effect, Layer, Logger, LogLevel, Option } from "effect"
import { type ChatContext, layer as chatLayer, routes } from "./chat.js"
import { type ChatClient, connectClient } from "./lib/clients.js"

const credentials = { accessKeyId: "AKIDEMULATOR", secretAccessKey: "emulator-secret" }
const region = process.env.AWS_REGION ?? "us-east-1"
const onAws = process.env.APIGW_ENDPOINT !== undefined

// API Gateway delivers $disconnect on a best-effort basis. To show how a broadcast copes with a connection the
// backend still believes in, the demo drops the $disconnect of one client (carol).
const lostDisconnects = new Set<string>()
const demoRoutes: Event.Routes<ChatContext> = {
  ...routes,
  $disconnect: (event, context) =>
    lostDisconnects.has(event.requestContext.connectionId) ? undefined : routes.$disconnect(event, context)
}

const line = (text = "") => Effect.sync(() => console.log(text))

interface Report {
  readonly delivered: number
  readonly gone: ReadonlyArray<{ readonly connectionId: string; readonly name?: string }>
  readonly failed: ReadonlyArray<unknown>
}

/** A client says something; waits until every listener has the message and the sender its report. */
const say = (from: ChatClient, text: string, listeners: ReadonlyArray<ChatClient>) =>
  Effect.gen(function*() {
    from.send({ action: "sendmessage", text })
    yield* line(`   ${from.name.padEnd(6)} > ${text}`)
    for (const client of listeners) {
      const message = (yield* client.next) as { from: string; text: string }
      yield* line(`   ${"".padEnd(6)}   ${client.name} received "${message.text}" from ${message.from}`)
    }
    let report = (yield* from.next) as Report & { type: string }
    // On AWS the sender may get its own copy after its report.
    if (report.type !== "report") report = (yield* from.next) as Report & { type: string }
    const gone = report.gone.map((g) => `${g.name ?? "?"} (${g.connectionId})`).join(", ")
    yield* line(
      `   report to ${from.name}: delivered ${report.delivered}, gone ${report.gone.length}${
        gone === "" ? "" : ` -> pruned ${gone}`
      }, failed ${report.failed.length}`
    )
    return report
  })

const whoami = (client: ChatClient) =>
  Effect.gen(function*() {
    client.send({ action: "whoami" })
    const answer = (yield* client.next) as { connectionId: string }
    return answer.connectionId
  })

const play = (target: { readonly url: string; readonly endpoint: string; readonly signatures: string }) =>
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
    const [aliceId, , carolId, daveId] = ids
    yield* line()

    yield* line("2. messages are broadcast to the room with PostToConnection")
    const first = yield* say(alice, "Hi everyone!", clients)
    const reply = yield* say(bob, "Hey alice, welcome.", clients)
    yield* line()

    yield* line("3. carol's network drops (and her $disconnect never reaches the backend)")
    lostDisconnects.add(carolId)
    carol.ws.terminate()
    yield* Effect.promise(() => new Promise((resolve) => carol.ws.once("close", resolve)))
    yield* line("   the next broadcast finds her gone (410 GoneException) and prunes her from the room")
    const second = yield* say(bob, "Is carol still here?", [alice, bob, dave])
    yield* line()

    yield* line("4. a moderator closes dave's connection with DeleteConnection")
    yield* ApiGatewayManagementApi.deleteConnection({ ConnectionId: daveId })
    const closed = yield* dave.closed
    yield* line(`   dave's socket closed with code ${closed.code}${closed.reason === "" ? "" : ` (${closed.reason})`}`)
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
    const last = yield* say(alice, "Bye bob!", [alice, bob])
    yield* line()

    yield* line("Summary")
    const reports = [first, reply, second, last]
    yield* line(
      `   broadcasts: ${reports.length}; deliveries: ${reports.map((r) => r.delivered).join(" + ")} = ${
        reports.reduce((n, r) => n + r.delivered, 0)
      }`
    )
    yield* line(`   pruned as gone: ${second.gone.map((g) => g.name).join(", ") || "none"}`)
    for (const client of clients) {
      const texts = client.received.filter((m): m is { type: "message"; text: string } =>
        typeof m === "object" && m !== null && (m as { type?: string }).type === "message"
      )
      yield* line(`   ${client.name.padEnd(6)} received ${texts.length} chat messages`)
    }
    yield* line(`   done in ${Date.now() - started} ms`)
    for (const client of [alice, bob]) client.close()
    return { reports: [first, reply, second, last], second }
  }).pipe(Effect.scoped)

const local = Effect.gen(function*() {
  const emulator = yield* Emulator.make({ routes: demoRoutes, credentials, region })
  const client = ApiGatewayManagementApi.layer({ endpoint: emulator.endpoint, region }).pipe(
    Layer.provide([Credentials.layerStatic(credentials), Http.layer])
  )
  const result = yield* play({ url: emulator.url, endpoint: emulator.endpoint, signatures: "SigV4 checked" }).pipe(
    Effect.provide(client)
  )
  const stillOpen = yield* Effect.flatMap(
    Effect.forEach(result.second.gone, (g) => emulator.getConnection(g.connectionId)),
    (all) => Effect.succeed(all.filter(Option.isSome).length)
  )
  if (stillOpen !== 0) return yield* Effect.dieMessage("a connection reported gone is still open")
}).pipe(Effect.scoped, Effect.provide(chatLayer(Credentials.layerStatic(credentials))))

const aws = Effect.suspend(() => {
  const endpoint = process.env.APIGW_ENDPOINT!
  const url = process.env.APIGW_WS_URL ?? endpoint.replace(/^https:/, "wss:").replace(/^http:/, "ws:")
  return play({ url, endpoint, signatures: "AWS" }).pipe(
    Effect.asVoid,
    Effect.provide(
      ApiGatewayManagementApi.layerConfig().pipe(Layer.provide([Credentials.layerEnv, Http.layer]))
    )
  )
})

const main: Effect.Effect<void, unknown> = onAws ? aws : local

Effect.runPromise(main.pipe(Logger.withMinimumLogLevel(LogLevel.Warning))).then(
  () => process.exit(0),
  (error) => {
    console.error("demo failed:", error)
    process.exit(1)
  }
)
