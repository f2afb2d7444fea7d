/**
 * A chat backend for an API Gateway WebSocket API, written with Effect and `@effect-apigw/core`.
 *
 * The chat protocol (the same as `examples/lambda-chat.ts`'s; route selection expression `$request.body.action`):
 * - `$connect`     stores the connection id with a name from `?name=...`
 * - `sendmessage`  `{"action":"sendmessage","text":"..."}` broadcasts `{"type":"message","from","text"}` to the
 *                  room with PostToConnection, prunes the connections that are gone, and answers the sender with a
 *                  report (`{"type":"report","delivered","gone","failed"}`)
 * - `whoami`       answers the sender with `{"type":"whoami","connectionId","name"}`
 * - `$disconnect`  removes the connection from the room
 * - `$default`     answers `{"type":"error","message"}` with the protocol
 *
 * Run it (configuration: `examples/lib/gateway.ts`; a failure prints one line and exits 1):
 * - on the emulator it starts itself (port `PORT`, default 3001), until Ctrl-C:
 *     npx tsx examples/chat.ts
 *     npx wscat -c "ws://127.0.0.1:3001/local?name=alice"      then send {"action":"sendmessage","text":"hi"}
 * - as the handler of `apigw-emulator`, with or without signature checks (the handler signs its PostToConnection
 *   calls with `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` and `AWS_REGION` from the command's environment,
 *   placeholder keys and `us-east-1` when unset):
 *     npm run emulator -- --handler examples/chat.ts                 (npx apigw-emulator ... outside this repository)
 *     AWS_ACCESS_KEY_ID=AKID AWS_SECRET_ACCESS_KEY=secret \
 *       npm run emulator -- --handler examples/chat.ts --access-key-id AKID --secret-access-key secret
 * - on AWS: deploy `handler` (all routes in one Lambda handler) behind a WebSocket API; it posts to the API that
 *   invoked it, signing with the function's credentials.
 * With `APIGW_ENDPOINT` set (plus `APIGW_WS_URL`, `AWS_REGION` where needed), `npx tsx examples/chat.ts` plays a
 * short chat against that gateway (the command-line emulator above, or the deployed API) and exits:
 *     APIGW_ENDPOINT=http://127.0.0.1:3001/local npx tsx examples/chat.ts
 *     APIGW_ENDPOINT=https://abc123.execute-api.eu-west-1.amazonaws.com/prod npx tsx examples/chat.ts
 */
import { ApiGatewayManagementApi, type AwsCredentials, Lambda } from "@effect-apigw/core"
import type { Event } from "@effect-apigw/emulator"
import { Credentials, Http } from "@effect-apigw/layers"
import type { HttpClient } from "@effect/platform"
import { Context, Effect, Layer, ManagedRuntime, Ref } from "effect"
import { pathToFileURL } from "node:url"

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
        Effect.catchAll((error) =>
          Effect.succeed<Delivery>({ _tag: "Failed", connectionId, error: `${error._tag}: ${error.message}` })
        )
      ),
    { concurrency: 16 }
  )

const reply = (value: unknown) => ({ statusCode: 200, body: JSON.stringify(value) })

const PROTOCOL = "send {\"action\":\"sendmessage\",\"text\":\"...\"} or {\"action\":\"whoami\"}"

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
      const sender = yield* store.get(event.requestContext.connectionId)
      let text: unknown
      try {
        text = JSON.parse(event.body ?? "{}").text
      } catch {
        text = undefined
      }
      if (typeof text !== "string" || text === "") {
        return reply({ type: "error", message: `sendmessage needs a non-empty "text": ${PROTOCOL}` })
      }
      const members = yield* store.members
      const message = JSON.stringify({ type: "message", from: sender?.name ?? "anonymous", text })
      const outcomes = yield* broadcast(members.map((m) => m.connectionId), message).pipe(
        // The client for the API the event came from: its endpoint from the event, its region from the host, else
        // AWS_REGION (Lambda sets it), else us-east-1 for a local emulator.
        Effect.provide(Lambda.layerFromEvent(event))
      )
      const gone = outcomes.filter((o) => o._tag === "Gone").map((o) => o.connectionId)
      yield* Effect.forEach(gone, (id) => store.remove(id))
      const failed = outcomes.flatMap((o) =>
        o._tag === "Failed" ? [{ connectionId: o.connectionId, error: o.error }] : []
      )
      if (failed.length > 0) {
        yield* Effect.logWarning(
          `sendmessage: ${failed.length} of ${outcomes.length} posts failed (${failed[0]!.error}); the handler signs ` +
            "with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION from its environment"
        )
      }
      return reply({
        type: "report",
        delivered: outcomes.filter((o) => o._tag === "Delivered").length,
        gone: gone.map((id) => ({ connectionId: id, name: members.find((m) => m.connectionId === id)?.name })),
        failed
      })
    }).pipe(
      // A client that cannot be built (a custom domain without AWS_REGION): say so to the sender and in the log.
      Effect.catchTag("ConfigurationError", (error) =>
        Effect.as(Effect.logError(`sendmessage: ${error.message}`), reply({ type: "error", message: error.message })))
    ),

  $default: () => reply({ type: "error", message: `unknown action; ${PROTOCOL}` })
}

/** Everything the routes need, with the given credentials. */
export const layer = (credentials: Layer.Layer<AwsCredentials.AwsCredentials>): Layer.Layer<ChatContext> =>
  Layer.mergeAll(layerMemoryStore, Http.layer, credentials)

/**
 * Credentials from the environment (Lambda sets them from the function's role; `apigw-emulator --handler` passes its
 * own environment), else placeholder keys, which an emulator that does not check signatures accepts.
 */
const envOrPlaceholderCredentials: Layer.Layer<AwsCredentials.AwsCredentials> =
  process.env.AWS_ACCESS_KEY_ID === undefined || process.env.AWS_ACCESS_KEY_ID === "" ?
    Credentials.layerStatic({ accessKeyId: "local", secretAccessKey: "local" }) :
    Credentials.layerEnv

let lambdaRuntime: ManagedRuntime.ManagedRuntime<ChatContext, never> | undefined

/**
 * The routes as one Lambda handler, for AWS or for `apigw-emulator --handler examples/chat.ts`. Its room lives as
 * long as the Lambda container (or the process).
 */
export const handler = async (event: Event.WebSocketEvent, context: Event.LambdaContext) => {
  lambdaRuntime ??= ManagedRuntime.make(layer(envOrPlaceholderCredentials))
  const route = routes[event.requestContext.routeKey] ?? routes.$default
  const result = route(event, context)
  return Effect.isEffect(result) ? lambdaRuntime.runPromise(result) : result
}

// Run as a program (not when imported as a handler): see the header. Imported lazily, so that loading this module as
// a handler does not load the emulator.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { chatMain } = await import("./lib/chat-main.js")
  chatMain("chat", { routes }, layer(envOrPlaceholderCredentials))
}
