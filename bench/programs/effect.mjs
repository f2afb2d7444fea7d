// The Effect modules our quick start's wiring needs, and nothing of ours: effect/Effect, effect/Schema and
// @effect/platform/HttpClient, each used once (a Schema decode, an HttpClient call answered in memory). What our
// client is measured against: its cold start, memory and bundle minus this program's are what our packages add.
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

const Body = Schema.Struct({ connectedAt: Schema.Date })
const client = HttpClient.makeWith(
  Effect.map((request) => HttpClientResponse.fromWeb(request, new Response(`{"connectedAt":"2026-01-01T00:00:00Z"}`))),
  Effect.succeed
)

const program = Effect.flatMap(
  client.execute(HttpClientRequest.get("http://127.0.0.1/")),
  (response) => Effect.flatMap(response.json, Schema.decodeUnknown(Body))
)

await Effect.runPromise(program)
console.log("done")
process.exit(0)
