/**
 * Where an example's gateway is, read from the environment. Every example reads the same variables, with the same
 * meaning whether they point at `apigw-emulator` or at AWS:
 *
 * - `APIGW_ENDPOINT`: the management endpoint of the API (`https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`,
 *   a custom domain with its base path, or `http://127.0.0.1:3001/local` for `apigw-emulator`). Unset, the example
 *   starts the emulator in its own process instead.
 * - `APIGW_WS_URL`: the API's WebSocket URL; by default the endpoint with `wss://` (`ws://` for `http://`).
 * - `AWS_REGION` (or `AWS_DEFAULT_REGION`): the signing region; needed unless the endpoint is an execute-api host
 *   (the region is read from it) or a local emulator (`us-east-1`, the emulator's default).
 * - `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`: the credentials that sign the management
 *   calls; needed unless the endpoint is a local emulator, where placeholder keys are used when they are unset
 *   (an emulator that does not check signatures takes any well-formed signature).
 *
 * The handlers (`examples/chat.ts`, `examples/lambda-chat.ts`) do not read `APIGW_ENDPOINT`: they answer the API that
 * invoked them, signing with the credentials and `AWS_REGION` of their own environment (Lambda's, or the environment
 * `apigw-emulator --handler` was started in).
 */
import { ApiGatewayManagementApi, type AwsCredentials, Endpoint, Lambda } from "@effect-apigw/core"
import { Credentials, Http } from "@effect-apigw/layers"
import { Errors } from "@effect-apigw/schema"
import { Config, Effect, Layer, Option } from "effect"

/** A gateway outside the example's process: `apigw-emulator`, or an API on AWS. */
export interface OutsideGateway {
  /** The management endpoint, normalised (`https://host/stage`). */
  readonly endpoint: string
  /** The signing region. */
  readonly region: string
  /** Where WebSocket clients connect. */
  readonly url: string
  /** Whether the endpoint is on this machine (a local emulator). */
  readonly local: boolean
}

const variable = (name: string) =>
  Config.string(name).pipe(
    Config.withDefault(""),
    Config.map((value) => value.trim() === "" ? Option.none<string>() : Option.some(value.trim()))
  )

const envRegion = Effect.orElseSucceed(
  Effect.map(
    Effect.all([variable("AWS_REGION"), variable("AWS_DEFAULT_REGION")]),
    ([region, fallback]) => Option.orElse(region, () => fallback)
  ),
  () => Option.none<string>()
)

const configError = (option: string, description: string) => new Errors.ConfigurationError({ option, description })

/**
 * The outside gateway named by `APIGW_ENDPOINT`, or `None` when it is unset (the example then runs the emulator
 * itself). Fails with a `ConfigurationError` naming the variable to fix.
 */
export const outside: Effect.Effect<Option.Option<OutsideGateway>, Errors.ConfigurationError> = Effect.gen(function*() {
  const raw = yield* Effect.orElseSucceed(variable("APIGW_ENDPOINT"), () => Option.none<string>())
  if (Option.isNone(raw)) return Option.none()
  // Validated once with any region, to learn the host; then with the region that applies to it.
  const probe = yield* Endpoint.parse(raw.value, Lambda.LOCAL_REGION)
  const local = Lambda.isLocalDomain(probe.host)
  const region = Option.getOrUndefined(yield* envRegion) ??
    Endpoint.regionFromHost(probe.host.replace(/:\d+$/, "")) ??
    (local ? Lambda.LOCAL_REGION : undefined)
  const endpoint = yield* Endpoint.parse(raw.value, region)
  const wsUrl = yield* Effect.orElseSucceed(variable("APIGW_WS_URL"), () => Option.none<string>())
  const url = Option.getOrElse(wsUrl, () => endpoint.url.replace(/^http/, "ws"))
  if (!/^wss?:\/\/[^/?#]+/i.test(url)) {
    return yield* configError("APIGW_WS_URL", `"${url}" is not a ws:// or wss:// URL`)
  }
  return Option.some({ endpoint: endpoint.url, region: endpoint.region, url, local })
})

/** The credentials that sign for an outside gateway, and where they came from (for the narration). */
export const credentials = (
  gateway: OutsideGateway
): Effect.Effect<
  { readonly identity: AwsCredentials.AwsCredentialIdentity; readonly source: string },
  Errors.CredentialsError
> =>
  Credentials.fromEnv.pipe(
    Effect.map((identity) => ({ identity, source: `AWS_ACCESS_KEY_ID ${identity.accessKeyId}` })),
    Effect.catchAll((error) =>
      gateway.local ?
        Effect.succeed({
          identity: Credentials.identity({ accessKeyId: "local", secretAccessKey: "local" }),
          source: "placeholder keys (AWS_ACCESS_KEY_ID unset)"
        }) :
        Effect.fail(error)
    )
  )

/** The management client for an outside gateway, signing with the given credentials. */
export const client = (
  gateway: OutsideGateway,
  identity: AwsCredentials.AwsCredentialIdentity
): Layer.Layer<ApiGatewayManagementApi.ApiGatewayManagementApi, Errors.ConfigurationError> =>
  ApiGatewayManagementApi.layer({ endpoint: gateway.endpoint, region: gateway.region }).pipe(
    Layer.provide([Credentials.layerStatic(identity), Http.layer])
  )

/**
 * The region of an emulator an example starts itself: the one the chat handlers sign with for a local emulator
 * (`AWS_REGION` or `AWS_DEFAULT_REGION` when set, else `us-east-1`), so that signature checks pass.
 */
export const embeddedRegion: Effect.Effect<string> = Effect.map(
  envRegion,
  Option.getOrElse(() => Lambda.LOCAL_REGION)
)

/** The port of an emulator an example serves on until Ctrl-C: `PORT`, else 3001. */
export const port: Effect.Effect<number, Errors.ConfigurationError> = Effect.flatMap(
  Effect.orElseSucceed(variable("PORT"), () => Option.none<string>()),
  Option.match({
    onNone: () => Effect.succeed(3001),
    onSome: (value) =>
      /^\d+$/.test(value) && Number(value) < 65536 ?
        Effect.succeed(Number(value)) :
        Effect.fail(configError("PORT", `"${value}" is not a port number (0 picks a free one)`))
  })
)

/** Runs `onEmbedded` when `APIGW_ENDPOINT` is unset, else `onOutside` with the gateway it names. */
export const match = <A, E, R, A2, E2, R2>(options: {
  readonly onEmbedded: Effect.Effect<A, E, R>
  readonly onOutside: (gateway: OutsideGateway) => Effect.Effect<A2, E2, R2>
}): Effect.Effect<A | A2, E | E2 | Errors.ConfigurationError, R | R2> =>
  Effect.flatMap(
    outside,
    (gateway): Effect.Effect<A | A2, E | E2, R | R2> =>
      Option.isNone(gateway) ? options.onEmbedded : options.onOutside(gateway.value)
  )
