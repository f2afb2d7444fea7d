/**
 * A chat backend as one plain Lambda handler for an API Gateway WebSocket API (route selection expression
 * `$request.body.action`), using `@effect-apigw/core` with the client built from each event:
 *
 * - `$connect`     remembers the connection (name from `?name=...`)
 * - `sendmessage`  `{"action":"sendmessage","message":"..."}` is sent to every connection as
 *                  `{"from":"<name>","message":"..."}`; connections that are gone are forgotten
 * - `$disconnect`  forgets the connection
 * - `$default`     answers 400
 *
 * The same file runs unchanged
 * - in the emulator: `npx apigw-emulator --handler examples/lambda-chat.ts`, then
 *   `npx wscat -c "ws://127.0.0.1:3001/local?name=alice"` and send `{"action":"sendmessage","message":"hi"}`;
 * - on AWS: bundle it as the handler of the `$connect`, `$disconnect`, `sendmessage` and `$default` routes, with
 *   `execute-api:ManageConnections` on the API in the function's role.
 *
 * The connection store is an in-memory `Map` to keep the example short: it is shared by all routes in one process,
 * as in the emulator, but on AWS each Lambda instance has its own, so use a table (DynamoDB, ...) there.
 */
import { ApiGatewayManagementApi, AwsCredentials, Lambda } from "@effect-apigw/core"
import { Credentials, Http } from "@effect-apigw/layers"
import { Effect, Layer, ManagedRuntime } from "effect"

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

const reply = (statusCode: number, body?: string): Lambda.WebSocketResult =>
  body === undefined ? { statusCode } : { statusCode, body }

const parseMessage = (body: string | null | undefined): string | undefined => {
  try {
    const json: unknown = JSON.parse(body ?? "")
    const message = typeof json === "object" && json !== null ? (json as { message?: unknown }).message : undefined
    return typeof message === "string" ? message : undefined
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
        return reply(200)
      })
    case "$disconnect":
      return Effect.sync(() => {
        connections.delete(connectionId)
        return reply(200)
      })
    case "sendmessage": {
      const message = parseMessage(event.body)
      if (message === undefined) {
        return Effect.succeed(reply(400, "expected {\"action\":\"sendmessage\",\"message\":\"...\"}"))
      }
      const from = connections.get(connectionId)?.name ?? connectionId
      return ApiGatewayManagementApi.broadcast({
        ConnectionIds: [...connections.keys()],
        Data: JSON.stringify({ from, message }),
        onGone: (id) => Effect.sync(() => connections.delete(id))
      }).pipe(
        Effect.tap((result) =>
          Effect.log(
            `sendmessage: ${result.delivered.length} delivered, ${result.gone.length} gone, ${result.failed.length} failed`
          )
        ),
        Effect.as(reply(200)),
        Effect.catchAll((error) => Effect.as(Effect.logError("sendmessage failed", error), reply(500)))
      )
    }
    default:
      return Effect.succeed(reply(400, `unknown action; send {"action":"sendmessage","message":"..."}`))
  }
}

/** The Lambda handler: builds the client for the API the event came from and runs the route. */
export const handler = async (event: Lambda.WebSocketEvent, _context?: unknown): Promise<Lambda.WebSocketResult> =>
  runtime.runPromise(
    route(event).pipe(
      Effect.provide(Lambda.layerFromEvent(event).pipe(Layer.provide(credentialsFor(event)))),
      Effect.catchTag("ConfigurationError", (error) => Effect.as(Effect.logError(error.message), reply(500)))
    )
  )
