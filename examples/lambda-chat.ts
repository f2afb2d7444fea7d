/**
 * A chat backend as one plain Lambda handler for an API Gateway WebSocket API (route selection expression
 * `$request.body.action`), using `@effect-apigw/core` with the client built from each event. It speaks the chat
 * protocol of `examples/chat.ts`:
 *
 * - `$connect`     remembers the connection (name from `?name=...`)
 * - `sendmessage`  `{"action":"sendmessage","text":"..."}` is sent to every connection as
 *                  `{"type":"message","from":"<name>","text":"..."}` with `broadcast`; connections that are gone are
 *                  forgotten; the sender then gets a report, `{"type":"report","delivered","gone","failed"}`
 * - `$disconnect`  forgets the connection
 * - `$default`     answers 400 `{"type":"error","message"}` with the protocol
 *
 * The same file runs unchanged (configuration: `examples/lib/gateway.ts`; a failure prints one line and exits 1):
 * - on the emulator it starts itself (port `PORT`, default 3001), until Ctrl-C: `npx tsx examples/lambda-chat.ts`,
 *   then `npx wscat -c "ws://127.0.0.1:3001/local?name=alice"` and send `{"action":"sendmessage","text":"hi"}`;
 * - as the handler of `apigw-emulator`: `npm run emulator -- --handler examples/lambda-chat.ts` (`npx apigw-emulator`
 *   outside this repository); with signature checks (`--access-key-id AKID --secret-access-key secret`), start it
 *   with the same keys in `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, which the handler signs with (and the
 *   `--region` in `AWS_REGION`); without them it signs with placeholder keys;
 * - on AWS: bundle it as the handler of the `$connect`, `$disconnect`, `sendmessage` and `$default` routes, with
 *   `execute-api:ManageConnections` on the API in the function's role.
 * With `APIGW_ENDPOINT` set (plus `APIGW_WS_URL`, `AWS_REGION` where needed), `npx tsx examples/lambda-chat.ts` plays
 * a short chat against that gateway, which runs this handler, and exits.
 *
 * The connection store is an in-memory `Map` to keep the example short: it is shared by all routes in one process,
 * as in the emulator, but on AWS each Lambda instance has its own, so use a table (DynamoDB, ...) there.
 */
import { ApiGatewayManagementApi, AwsCredentials, Lambda } from "@effect-apigw/core"
import { Credentials, Http } from "@effect-apigw/layers"
import { Effect, Layer, ManagedRuntime } from "effect"
import { pathToFileURL } from "node:url"

/** The connections, by id: the example's store. */
export const connections = new Map<string, { readonly name: string }>()

/** The HTTP client, built once per Lambda instance and reused by every invocation. */
const runtime = ManagedRuntime.make(Http.layer)

/**
 * Credentials from the environment (Lambda sets them from the function's role). A local emulator without
 * signature checking accepts any signature, so there placeholder keys do when the environment has none.
 */
const credentialsFor = (event: Lambda.WebSocketEvent): Layer.Layer<AwsCredentials.AwsCredentials> =>
  AwsCredentials.layer(
    Lambda.isLocalDomain(event.requestContext.domainName) ?
      Effect.orElse(
        Credentials.fromEnv,
        () => Effect.succeed(Credentials.identity({ accessKeyId: "local", secretAccessKey: "local" }))
      ) :
      Credentials.fromEnv
  )

const PROTOCOL = "send {\"action\":\"sendmessage\",\"text\":\"...\"}"

const reply = (statusCode: number, value: unknown): Lambda.WebSocketResult => ({
  statusCode,
  body: JSON.stringify(value)
})

const parseText = (body: string | null | undefined): string | undefined => {
  try {
    const json: unknown = JSON.parse(body ?? "")
    const text = typeof json === "object" && json !== null ? (json as { text?: unknown }).text : undefined
    return typeof text === "string" && text !== "" ? text : undefined
  } catch {
    return undefined
  }
}

/** The route handlers, as Effects that need the client. */
const route = (
  event: Lambda.WebSocketEvent
): Effect.Effect<Lambda.WebSocketResult, never, ApiGatewayManagementApi.ApiGatewayManagementApi> => {
  const { connectionId, routeKey } = event.requestContext
  switch (routeKey) {
    case "$connect":
      return Effect.sync(() => {
        connections.set(connectionId, { name: event.queryStringParameters?.name ?? connectionId })
        return { statusCode: 200 }
      })
    case "$disconnect":
      return Effect.sync(() => {
        connections.delete(connectionId)
        return { statusCode: 200 }
      })
    case "sendmessage": {
      const text = parseText(event.body)
      if (text === undefined) {
        return Effect.succeed(
          reply(400, { type: "error", message: `sendmessage needs a non-empty "text": ${PROTOCOL}` })
        )
      }
      const from = connections.get(connectionId)?.name ?? connectionId
      const names = new Map([...connections].map(([id, c]) => [id, c.name]))
      return ApiGatewayManagementApi.broadcast({
        ConnectionIds: [...connections.keys()],
        Data: JSON.stringify({ type: "message", from, text }),
        onGone: (id) => Effect.sync(() => connections.delete(id))
      }).pipe(
        Effect.tap((result) =>
          result.failed.length === 0 ? Effect.void : Effect.logWarning(
            `sendmessage: ${result.failed.length} posts failed (${result.failed[0]!.error._tag}); the handler signs ` +
              "with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION from its environment"
          )
        ),
        Effect.map((result) =>
          reply(200, {
            type: "report",
            delivered: result.delivered.length,
            gone: result.gone.map((id) => ({ connectionId: id, name: names.get(id) })),
            failed: result.failed.map((f) => ({
              connectionId: String(f.ConnectionId),
              error: `${f.error._tag}: ${f.error.message}`
            }))
          })
        ),
        // The endpoint kept failing (a refused signature, say): the broadcast stopped early.
        Effect.catchAll((error) =>
          Effect.as(
            Effect.logError(`sendmessage failed: ${error.message}`),
            reply(500, { type: "error", message: `sendmessage failed: ${error._tag}: ${error.message}` })
          )
        )
      )
    }
    default:
      return Effect.succeed(reply(400, { type: "error", message: `unknown action; ${PROTOCOL}` }))
  }
}

/** The Lambda handler: builds the client for the API the event came from and runs the route. */
export const handler = async (event: Lambda.WebSocketEvent, _context?: unknown): Promise<Lambda.WebSocketResult> =>
  runtime.runPromise(
    route(event).pipe(
      Effect.provide(Lambda.layerFromEvent(event).pipe(Layer.provide(credentialsFor(event)))),
      Effect.catchTag(
        "ConfigurationError",
        (error) => Effect.as(Effect.logError(error.message), reply(500, { type: "error", message: error.message }))
      )
    )
  )

// Run as a program (not when imported as a handler): see the header. Imported lazily, so that loading this module as
// a handler does not load the emulator.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { chatMain } = await import("./lib/chat-main.js")
  chatMain("lambda-chat", { handler }, Layer.empty)
}
