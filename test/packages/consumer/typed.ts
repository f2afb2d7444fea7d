// A strict TypeScript consumer of the installed packages' declarations (checked with skipLibCheck off, under
// several module resolutions). Each @ts-expect-error line must stay an error: tsc fails if it ever type-checks.
import { ApiGatewayManagementApi, Lambda } from "@effect-apigw/core"
import * as Endpoint from "@effect-apigw/core/Endpoint"
import { Emulator } from "@effect-apigw/emulator"
import type { HandlerResult, WebSocketEvent } from "@effect-apigw/emulator/Event"
import { Credentials, Http, TestApi } from "@effect-apigw/layers"
import { Errors, Models } from "@effect-apigw/schema"
// By subpath: @effect/platform's index declarations name DOM types (Storage, Transferable), absent without the DOM lib.
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Effect, Either, Layer } from "effect"

export const push = (connectionId: string) =>
  Effect.gen(function*() {
    const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
    yield* api.postToConnection({ ConnectionId: connectionId, Data: new Uint8Array([104, 105]) })
    const info = yield* api.getConnection({ ConnectionId: connectionId })
    const connectedAt: Date | undefined = info.ConnectedAt
    const sourceIp: string | undefined = info.Identity?.SourceIp
    const status: number | undefined = info.$metadata.httpStatusCode
    return { connectedAt, sourceIp, status }
  }).pipe(
    Effect.catchTag("GoneException", (error) => Effect.succeed(error.$metadata.requestId)),
    Effect.catchTags({ ForbiddenException: (error) => Effect.fail(error.message) })
  )

export const wrongField = (connectionId: string) =>
  ApiGatewayManagementApi.postToConnection({
    // @ts-expect-error: the field is ConnectionId, as in the AWS model
    ConnectionID: connectionId,
    Data: "hello"
  })

export const unknownTag = push("abc").pipe(
  // @ts-expect-error: no operation fails with NoSuchConnectionException
  Effect.catchTag("NoSuchConnectionException", () => Effect.void)
)

export const wrongData = ApiGatewayManagementApi.postToConnection({
  ConnectionId: "abc",
  // @ts-expect-error: Data is a string, bytes or a Blob, not a number
  Data: 42
})

export const Live = ApiGatewayManagementApi.layer({
  endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
})
  .pipe(Layer.provide(Credentials.layerDefault), Layer.provide(Http.layer))

export const program: Effect.Effect<unknown, unknown, never> = push("abc").pipe(Effect.provide(Live))

// Any HttpClient will do: fetch's, for Bun, Deno, browsers and edge runtimes.
export const OnFetch = ApiGatewayManagementApi.layer({
  endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
})
  .pipe(Layer.provide(Credentials.layerEnv), Layer.provide(FetchHttpClient.layer))
export const onFetch: Effect.Effect<unknown, unknown, never> = push("abc").pipe(Effect.provide(OnFetch))

const NoHttp = ApiGatewayManagementApi.layer({ endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod" })
  .pipe(Layer.provide(Credentials.layerEnv))
// @ts-expect-error: the client needs an HttpClient, which nothing provided
export const noHttp: Effect.Effect<unknown, unknown, never> = push("abc").pipe(Effect.provide(NoHttp))
export const tested = push("abc").pipe(Effect.provide(TestApi.layer()))

export const handler = async (event: WebSocketEvent): Promise<HandlerResult> => ({
  statusCode: 200,
  body: Either.match(Lambda.endpointFromEvent(event), { onLeft: (error) => error.message, onRight: (url) => url })
})

export const withEmulator = Effect.gen(function*() {
  const emulator = yield* Emulator.make({ port: 0, handler })
  const [first] = yield* emulator.connections
  return first?.ConnectionId ?? emulator.endpoint
}).pipe(Effect.scoped)

export const parsed = Endpoint.parse("https://abc123.execute-api.eu-west-1.amazonaws.com/prod")
export const isGone = (error: unknown): boolean => error instanceof Errors.GoneException
export const data: Models.Data = "text"
