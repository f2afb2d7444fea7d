/**
 * A chat backend for an API Gateway WebSocket API, written with Effect and `@effect-apigw/core`.
 *
 * Routes (route selection expression `$request.body.action`):
 * - `$connect`     stores the connection id with a name from `?name=...`
 * - `sendmessage`  `{"action":"sendmessage","text":"..."}` broadcasts `{"type":"message","from","text"}` to the
 *                  room with PostToConnection, prunes the connections that are gone, and answers the sender with a
 *                  report (`{"type":"report","delivered","gone","failed"}`)
 * - `whoami`       answers the sender with its connection id and name
 * - `$disconnect`  removes the connection from the room
 * - `$default`     explains the protocol
 *
 * Locally (the emulator on port 3001, until Ctrl-C):
 *   npx tsx examples/chat.ts
 *   npx wscat -c "ws://127.0.0.1:3001/local?name=alice"      then send {"action":"sendmessage","text":"hi"}
 * or with the command-line emulator:
 *   npx apigw-emulator --handler examples/chat.ts
 *
 * On AWS, deploy `handler` (all routes in one Lambda handler) behind a WebSocket API; it broadcasts through
 * `APIGW_ENDPOINT` when set, else through the API that invoked it. With `APIGW_ENDPOINT` and AWS credentials set,
 * `npx tsx examples/chat.ts` plays a short chat against that deployed API instead of starting the emulator (its
 * WebSocket URL is `APIGW_WS_URL`, or the endpoint with `wss://`).
 */
import { ApiGatewayManagementApi, type AwsCredentials } from "@effect-apigw/core"
import { Emulator, Event } from "@effect-apigw/emulator"
import { Credentials, Http } from "@effect-apigw/layers"
import type { HttpClient } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { Context, Effect, Layer, ManagedRuntime, Ref } from "effect"
import { pathToFileURL } from "node:url"
import { connectClient } from "./lib/clients.js"

/** A member of the room. */
export interface Member {
  readonly connectionId: string
  readonly name: string
}

/**
 * Where the room lives: in memory here; on AWS a DynamoDB table keyed by connection id, since Lambda invocations
 * may run in different containers.
 */
export class ChatStore extends Context.Tag("examples/ChatStore")<ChatStore, {
  readonly add: (member: Member) => Effect.Effect<void>
  readonly remove: (connectionId: string) => Effect.Effect<boolean>
  readonly members: Effect.Effect<ReadonlyArray<Member>>
  readonly get: (connectionId: string) => Effect.Effect<Member | undefined>
}>() {}

/** An in-memory room. */
export const layerMemoryStore = Layer.effect(
  ChatStore,
  Effect.map(Ref.make(new Map<string, Member>()), (ref) => ({
    add: (member) => Ref.update(ref, (m) => new Map(m).set(member.connectionId, member)),
    remove: (id) =>
      Ref.modify(ref, (m) => {
        if (!m.has(id)) return [false, m]
        const next = new Map(m)
        next.delete(id)
        return [true, next]
      }),
    members: Effect.map(Ref.get(ref), (m) => [...m.values()]),
    get: (id) => Effect.map(Ref.get(ref), (m) => m.get(id))
  }))
)

/** What happened to one recipient of a broadcast. */
export type Delivery =
  | { readonly _tag: "Delivered"; readonly connectionId: string }
  | { readonly _tag: "Gone"; readonly connectionId: string }
  | { readonly _tag: "Failed"; readonly connectionId: string; readonly error: string }

/** Sends one message to many connections (at most 16 at a time), one outcome per connection. */
export const broadcast = (connectionIds: ReadonlyArray<string>, data: string) =>
  Effect.forEach(
    connectionIds,
    (connectionId) =>
      ApiGatewayManagementApi.postToConnection({ ConnectionId: connectionId, Data: data }).pipe(
        Effect.as<Delivery>({ _tag: "Delivered", connectionId }),
        Effect.catchTag("GoneException", () => Effect.succeed<Delivery>({ _tag: "Gone", connectionId })),
        Effect.catchAll((error) => Effect.succeed<Delivery>({ _tag: "Failed", connectionId, error: error.message }))
      ),
    { concurrency: 16 }
  )

/** The management client for the API an event came from: `APIGW_ENDPOINT` when set, else the event's own API. */
const clientFor = (event: Event.WebSocketEvent) =>
  ApiGatewayManagementApi.make({
    endpoint: process.env.APIGW_ENDPOINT ?? Event.managementEndpoint(event),
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1"
  })

const reply = (value: unknown) => ({ statusCode: 200, body: JSON.stringify(value) })

/** What the routes need: the room, an `HttpClient` and credentials for the management client. */
export type ChatContext = ChatStore | HttpClient.HttpClient | AwsCredentials.AwsCredentials

/** The chat routes. */
export const routes: Event.Routes<ChatContext> = {
  $connect: (event) =>
    Effect.gen(function*() {
      const store = yield* ChatStore
      const name = event.queryStringParameters?.name ?? "anonymous"
      yield* store.add({ connectionId: event.requestContext.connectionId, name })
      return { statusCode: 200 }
    }),

  $disconnect: (event) =>
    Effect.gen(function*() {
      const store = yield* ChatStore
      yield* store.remove(event.requestContext.connectionId)
      return { statusCode: 200 }
    }),

  whoami: (event) =>
    Effect.gen(function*() {
      const store = yield* ChatStore
      const me = yield* store.get(event.requestContext.connectionId)
      return reply({ type: "whoami", connectionId: event.requestContext.connectionId, name: me?.name })
    }),

  sendmessage: (event) =>
    Effect.gen(function*() {
      const store = yield* ChatStore
      const client = yield* clientFor(event)
      const sender = yield* store.get(event.requestContext.connectionId)
      let text: unknown
      try {
        text = JSON.parse(event.body ?? "{}").text
      } catch {
        text = undefined
      }
      if (typeof text !== "string" || text === "") {
        return reply({ type: "error", message: "sendmessage needs a non-empty \"text\"" })
      }
      const members = yield* store.members
      const message = JSON.stringify({ type: "message", from: sender?.name ?? "anonymous", text })
      const outcomes = yield* broadcast(members.map((m) => m.connectionId), message).pipe(
        Effect.provideService(ApiGatewayManagementApi.ApiGatewayManagementApi, client)
      )
      const gone = outcomes.filter((o) => o._tag === "Gone").map((o) => o.connectionId)
      yield* Effect.forEach(gone, (id) => store.remove(id))
      return reply({
        type: "report",
        delivered: outcomes.filter((o) => o._tag === "Delivered").length,
        gone: gone.map((id) => ({ connectionId: id, name: members.find((m) => m.connectionId === id)?.name })),
        failed: outcomes.filter((o) => o._tag === "Failed")
      })
    }),

  $default: () => reply({ type: "error", message: "unknown action; try {\"action\":\"sendmessage\",\"text\":\"hi\"}" })
}

/** Everything the routes need, with the given credentials. */
export const layer = (credentials: Layer.Layer<AwsCredentials.AwsCredentials>): Layer.Layer<ChatContext> =>
  Layer.mergeAll(layerMemoryStore, Http.layer, credentials)

/** Credentials from the environment, or the emulator's defaults for a local run. */
const localOrEnvCredentials = process.env.AWS_ACCESS_KEY_ID === undefined ?
  Credentials.layerStatic({ accessKeyId: "local", secretAccessKey: "local" }) :
  Credentials.layerEnv

let lambdaRuntime: ManagedRuntime.ManagedRuntime<ChatContext, never> | undefined

/**
 * The routes as one Lambda handler, for AWS or for `apigw-emulator --handler examples/chat.ts`. Its room lives as
 * long as the Lambda container (or the process).
 */
export const handler = async (event: Event.WebSocketEvent, context: Event.LambdaContext) => {
  lambdaRuntime ??= ManagedRuntime.make(layer(localOrEnvCredentials))
  const route = routes[event.requestContext.routeKey] ?? routes.$default
  const result = route(event, context)
  return Effect.isEffect(result) ? lambdaRuntime.runPromise(result) : result
}

/** Plays a short chat against a deployed API. */
const playAgainstAws = Effect.gen(function*() {
  const endpoint = process.env.APIGW_ENDPOINT!
  const url = process.env.APIGW_WS_URL ?? endpoint.replace(/^https:/, "wss:").replace(/^http:/, "ws:")
  console.log(`Playing a chat against ${url} (deploy this file's handler there first)`)
  const alice = yield* connectClient(`${url}?name=alice`, "alice")
  const bob = yield* connectClient(`${url}?name=bob`, "bob")
  alice.send({ action: "sendmessage", text: "hello from alice" })
  console.log("bob received:  ", JSON.stringify(yield* bob.next))
  console.log("alice received:", JSON.stringify(yield* alice.next), JSON.stringify(yield* alice.next))
}).pipe(Effect.scoped)

/** Serves the chat on the emulator until Ctrl-C. */
const serveLocally = Effect.gen(function*() {
  const emulator = yield* Emulator.make({ port: Number(process.env.PORT ?? 3001), routes })
  console.log("Chat backend running on the emulator. Connect with:")
  console.log(`  npx wscat -c "${emulator.url}?name=alice"`)
  console.log(`and send {"action":"sendmessage","text":"hi"} or {"action":"whoami"}. Ctrl-C stops it.`)
  return yield* Effect.never
}).pipe(Effect.scoped, Effect.provide(layer(localOrEnvCredentials)))

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const main: Effect.Effect<void, unknown> = process.env.APIGW_ENDPOINT === undefined ? serveLocally : playAgainstAws
  NodeRuntime.runMain(main)
}
