/**
 * Credential providers for the `AwsCredentials` service.
 *
 * @since 0.1.0
 */
import { type AwsCredentialIdentity, AwsCredentials } from "@effect-apigw/core/AwsCredentials"
import { CredentialsError } from "@effect-apigw/schema/Errors"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as os from "node:os"
import * as CredentialsCache from "./internal/credentialsCache.js"
import * as CredentialsHttp from "./internal/credentialsHttp.js"
import { fail, isRecord, parseExpiration } from "./internal/credentialsPayload.js"
import * as ProfileSource from "./internal/profileSource.js"
import * as SharedIni from "./internal/sharedIni.js"

/**
 * Static credentials; secrets may be given as plain strings or as `Redacted`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StaticCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string | Redacted.Redacted<string>
  readonly sessionToken?: string | Redacted.Redacted<string> | undefined
  readonly expiration?: Date | undefined
}

const redact = (value: string | Redacted.Redacted<string>): Redacted.Redacted<string> =>
  Redacted.isRedacted(value) ? value : Redacted.make(value)

/**
 * Turns static credentials into an identity, with the secrets `Redacted`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const identity = (credentials: StaticCredentials): AwsCredentialIdentity => ({
  accessKeyId: credentials.accessKeyId,
  secretAccessKey: redact(credentials.secretAccessKey),
  ...(credentials.sessionToken === undefined ? {} : { sessionToken: redact(credentials.sessionToken) }),
  ...(credentials.expiration === undefined ? {} : { expiration: credentials.expiration })
})

const validate = (
  credentials: StaticCredentials,
  source: string
): Effect.Effect<AwsCredentialIdentity, CredentialsError> =>
  typeof credentials?.accessKeyId !== "string" || credentials.accessKeyId === "" ||
    (typeof credentials.secretAccessKey !== "string" && !Redacted.isRedacted(credentials.secretAccessKey)) ?
    Effect.fail(
      new CredentialsError({
        message: `${source}: an access key id and a secret access key are required`,
        sources: [source]
      })
    ) :
    Effect.succeed(identity(credentials))

/**
 * Fixed credentials.
 *
 * @example
 * import { Credentials } from "@effect-apigw/layers"
 *
 * const layer = Credentials.layerStatic({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" })
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStatic = (credentials: StaticCredentials): Layer.Layer<AwsCredentials> =>
  Layer.succeed(AwsCredentials, { resolve: validate(credentials, "static") })

const envSource = "environment"

const optional = <A>(config: Config.Config<A>): Effect.Effect<Option.Option<A>> =>
  Effect.orElseSucceed(Config.option(config), () => Option.none<A>())

/** Reads the environment once and returns the effect that yields (or refuses) its credentials. */
const makeEnv: Effect.Effect<Effect.Effect<AwsCredentialIdentity, CredentialsError>> = /* @__PURE__ */ Effect.gen(
  function*() {
    const accessKeyId = yield* optional(Config.string("AWS_ACCESS_KEY_ID"))
    const secretAccessKey = yield* optional(Config.redacted("AWS_SECRET_ACCESS_KEY"))
    const sessionToken = yield* optional(Config.redacted("AWS_SESSION_TOKEN"))
    const expiration = yield* optional(Config.string("AWS_CREDENTIAL_EXPIRATION"))
    const missing = [
      ...(Option.isNone(accessKeyId) || accessKeyId.value === "" ? ["AWS_ACCESS_KEY_ID"] : []),
      ...(Option.isNone(secretAccessKey) || Redacted.value(secretAccessKey.value) === "" ?
        ["AWS_SECRET_ACCESS_KEY"] :
        [])
    ]
    if (missing.length > 0) {
      return Effect.fail(
        fail(
          envSource,
          `AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set (${missing.join(" and ")} ${
            missing.length === 1 ? "is" : "are"
          } not)`
        )
      )
    }
    const parsed = parseExpiration(Option.getOrUndefined(expiration))
    if (Either.isLeft(parsed)) return Effect.fail(fail(envSource, "AWS_CREDENTIAL_EXPIRATION is not a valid date"))
    return Effect.succeed(identity({
      accessKeyId: Option.getOrThrow(accessKeyId),
      secretAccessKey: Option.getOrThrow(secretAccessKey),
      sessionToken: Option.getOrUndefined(sessionToken),
      expiration: parsed.right
    }))
  }
)

/**
 * Credentials from the environment, read through `Config` on every run: `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` and, when set, `AWS_SESSION_TOKEN` and `AWS_CREDENTIAL_EXPIRATION`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromEnv: Effect.Effect<AwsCredentialIdentity, CredentialsError> = /* @__PURE__ */ Effect.flatten(
  makeEnv
)

/**
 * Credentials read through `Config` from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, when set,
 * `AWS_SESSION_TOKEN` (and `AWS_CREDENTIAL_EXPIRATION`), read once, when the layer is built. The secrets are
 * `Redacted` from the moment they are read.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerEnv: Layer.Layer<AwsCredentials> = /* @__PURE__ */ Layer.effect(
  AwsCredentials,
  Effect.map(makeEnv, (resolve) => ({ resolve }))
)

// -----------------------------------------------------------------------------------------------------------------
// caching
// -----------------------------------------------------------------------------------------------------------------

/**
 * How cached credentials are refreshed.
 *
 * @since 0.1.0
 * @category models
 */
export interface CacheOptions {
  /** How long before their expiration credentials are refreshed (default 5 minutes). */
  readonly refreshBefore?: Duration.DurationInput | undefined
  /**
   * After a failed refresh, how long the still-valid cached credentials are served before the next try (default
   * 10 seconds).
   */
  readonly retryAfterFailure?: Duration.DurationInput | undefined
}

/**
 * Wraps an effect that fetches credentials into one that serves them from a cache: long-term credentials are
 * fetched once, expiring ones again ahead of expiry; concurrent callers share a single in-flight fetch (which runs
 * in the surrounding scope, so interrupting one caller does not cancel it for the others); failures are not cached;
 * time comes from `Clock`. The cache lives as long as that scope: once it is closed, a call that needs a fetch
 * fails at once with a `CredentialsError` (credentials still valid in the cache are served until they are due).
 *
 * @example
 * import { Credentials } from "@effect-apigw/layers"
 * import { AwsCredentials } from "@effect-apigw/core"
 * import { Effect, Layer } from "effect"
 *
 * const layer = Layer.scoped(
 *   AwsCredentials.AwsCredentials,
 *   Effect.map(Credentials.cached(Credentials.fromEnv), (resolve) => ({ resolve }))
 * )
 *
 * @since 0.1.0
 * @category constructors
 */
export const cached = <R>(
  fetch: Effect.Effect<AwsCredentialIdentity, CredentialsError, R>,
  options?: CacheOptions
): Effect.Effect<Effect.Effect<AwsCredentialIdentity, CredentialsError>, never, Scope.Scope | R> =>
  Effect.flatMap(
    Effect.context<R>(),
    (context) => CredentialsCache.make(Effect.provide(fetch, context), options)
  )

const layerCached = <R>(
  make: Effect.Effect<Effect.Effect<AwsCredentialIdentity, CredentialsError>, never, R>,
  options: CacheOptions | undefined
): Layer.Layer<AwsCredentials, never, R> =>
  Layer.scoped(
    AwsCredentials,
    Effect.flatMap(make, (fetch) => Effect.map(CredentialsCache.make(fetch, options), (resolve) => ({ resolve })))
  )

// -----------------------------------------------------------------------------------------------------------------
// chain
// -----------------------------------------------------------------------------------------------------------------

/**
 * Tries credential sources in order; the first that yields wins. When none does, the `CredentialsError` lists
 * every source tried with its reason (reasons never contain secrets).
 *
 * @since 0.1.0
 * @category constructors
 */
export const chain = <R>(
  sources: ReadonlyArray<Effect.Effect<AwsCredentialIdentity, CredentialsError, R>>
): Effect.Effect<AwsCredentialIdentity, CredentialsError, R> =>
  Effect.suspend(() => {
    const failures: Array<CredentialsError> = []
    const loop = (index: number): Effect.Effect<AwsCredentialIdentity, CredentialsError, R> =>
      index >= sources.length ?
        Effect.fail(
          new CredentialsError({
            message: failures.length === 0 ?
              "no credential sources to try" :
              `no credentials found; tried ${failures.map((error) => error.message).join("; ")}`,
            sources: failures.flatMap((error) => error.sources ?? ["unknown"])
          })
        ) :
        Effect.catchTag(sources[index], "CredentialsError", (error) => {
          failures.push(error)
          return Effect.zipRight(
            Effect.logDebug("credential source did not yield credentials").pipe(
              Effect.annotateLogs("reason", error.message)
            ),
            loop(index + 1)
          )
        })
    return loop(0)
  })

// -----------------------------------------------------------------------------------------------------------------
// shared files
// -----------------------------------------------------------------------------------------------------------------

/**
 * Where to find the shared configuration files and which profile to use; each falls back to the environment
 * (`AWS_PROFILE`, `AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`) and then to the AWS defaults (`default`,
 * `~/.aws/credentials`, `~/.aws/config`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ProfileOptions extends CacheOptions {
  /** The profile name (default `AWS_PROFILE`, else `default`). */
  readonly profile?: string | undefined
  /** The credentials file (default `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`). */
  readonly credentialsFile?: string | undefined
  /** The config file, with `[profile name]` sections (default `AWS_CONFIG_FILE`, else `~/.aws/config`). */
  readonly configFile?: string | undefined
  /** How long a `credential_process` may run (default 30 seconds). */
  readonly processTimeout?: Duration.DurationInput | undefined
}

const makeProfile = (
  options?: ProfileOptions
): Effect.Effect<Effect.Effect<AwsCredentialIdentity, CredentialsError>> =>
  Effect.gen(function*() {
    const home = os.homedir()
    const profile = options?.profile ?? Option.getOrUndefined(yield* optional(Config.nonEmptyString("AWS_PROFILE")))
    const credentialsFile = options?.credentialsFile ??
      Option.getOrUndefined(yield* optional(Config.nonEmptyString("AWS_SHARED_CREDENTIALS_FILE")))
    const configFile = options?.configFile ??
      Option.getOrUndefined(yield* optional(Config.nonEmptyString("AWS_CONFIG_FILE")))
    return ProfileSource.fetch({
      profile: profile ?? "default",
      credentialsFile: SharedIni.expandHome(credentialsFile ?? "~/.aws/credentials", home),
      configFile: SharedIni.expandHome(configFile ?? "~/.aws/config", home),
      processTimeout: options?.processTimeout ?? Duration.seconds(30)
    })
  })

/**
 * Credentials of a profile of the shared files, read on every run: static keys (`aws_access_key_id`,
 * `aws_secret_access_key`, `aws_session_token`) or a `credential_process`. Profiles that need an AWS call
 * (`role_arn`, SSO, web identity) fail with a message pointing to {@link layerProvider}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromProfile = (options?: ProfileOptions): Effect.Effect<AwsCredentialIdentity, CredentialsError> =>
  Effect.flatten(makeProfile(options))

/**
 * Credentials of a profile of `~/.aws/credentials` and `~/.aws/config` (see {@link ProfileOptions}); the
 * environment is read when the layer is built, the files on each fetch; `credential_process` credentials with an
 * `Expiration` are refreshed ahead of it, others are read once.
 *
 * @example
 * import { Credentials } from "@effect-apigw/layers"
 *
 * const layer = Credentials.layerProfile({ profile: "deploy" })
 *
 * @since 0.1.0
 * @category layers
 */
export const layerProfile = (options?: ProfileOptions): Layer.Layer<AwsCredentials> =>
  layerCached(makeProfile(options), options)

// -----------------------------------------------------------------------------------------------------------------
// container
// -----------------------------------------------------------------------------------------------------------------

/**
 * Options of the container credentials source.
 *
 * @since 0.1.0
 * @category models
 */
export interface ContainerOptions extends CacheOptions {
  /** The host a relative URI is resolved against (default `http://169.254.170.2`); for tests. */
  readonly baseUrl?: string | undefined
  /** Timeout of one request (default 1 second). */
  readonly timeout?: Duration.DurationInput | undefined
  /** Attempts on timeouts, connection errors and 5xx answers (default 3). */
  readonly maxAttempts?: number | undefined
}

const makeContainer = (
  options?: ContainerOptions
): Effect.Effect<Effect.Effect<AwsCredentialIdentity, CredentialsError>, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const env: CredentialsHttp.ContainerEnv = {
      relativeUri: yield* optional(Config.nonEmptyString("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")),
      fullUri: yield* optional(Config.nonEmptyString("AWS_CONTAINER_CREDENTIALS_FULL_URI")),
      token: Option.filter(
        yield* optional(Config.redacted("AWS_CONTAINER_AUTHORIZATION_TOKEN")),
        (token) => Redacted.value(token) !== ""
      ),
      tokenFile: yield* optional(Config.nonEmptyString("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"))
    }
    return CredentialsHttp.fetchContainer(client, env, {
      baseUrl: options?.baseUrl ?? CredentialsHttp.ecsHost,
      timeout: options?.timeout ?? Duration.seconds(1),
      maxAttempts: options?.maxAttempts ?? 3
    })
  })

/**
 * Credentials from the container credentials endpoint (ECS task roles, EKS Pod Identity), read on every run:
 * `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (against `http://169.254.170.2`) or
 * `AWS_CONTAINER_CREDENTIALS_FULL_URI` (https anywhere; http only to loopback or the ECS/EKS addresses), with
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or `AWS_CONTAINER_AUTHORIZATION_TOKEN` as the `Authorization` header.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromContainer = (
  options?: ContainerOptions
): Effect.Effect<AwsCredentialIdentity, CredentialsError, HttpClient.HttpClient> =>
  Effect.flatten(makeContainer(options))

/**
 * Container credentials (see {@link fromContainer}) through the `HttpClient` of the context, cached and refreshed
 * ahead of expiry.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerContainer = (
  options?: ContainerOptions
): Layer.Layer<AwsCredentials, never, HttpClient.HttpClient> => layerCached(makeContainer(options), options)

// -----------------------------------------------------------------------------------------------------------------
// IMDS
// -----------------------------------------------------------------------------------------------------------------

/**
 * Options of the EC2 instance metadata source.
 *
 * @since 0.1.0
 * @category models
 */
export interface ImdsOptions extends CacheOptions {
  /**
   * The metadata endpoint (default `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else `http://169.254.169.254`, or
   * `http://[fd00:ec2::254]` when `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` is `IPv6`).
   */
  readonly endpoint?: string | undefined
  /** Timeout of one request (default 1 second). */
  readonly timeout?: Duration.DurationInput | undefined
  /** Attempts per request on timeouts, connection errors and 5xx answers (default 1). */
  readonly maxAttempts?: number | undefined
  /** Lifetime asked for the IMDSv2 session token (default 6 hours). */
  readonly tokenTtl?: Duration.DurationInput | undefined
}

const makeImds = (
  options?: ImdsOptions
): Effect.Effect<Effect.Effect<AwsCredentialIdentity, CredentialsError>, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const disabled = yield* optional(Config.string("AWS_EC2_METADATA_DISABLED"))
    if (Option.isSome(disabled) && disabled.value.trim().toLowerCase() === "true") {
      return Effect.fail(fail(CredentialsHttp.imdsSource, "disabled by AWS_EC2_METADATA_DISABLED"))
    }
    const endpointEnv = yield* optional(Config.nonEmptyString("AWS_EC2_METADATA_SERVICE_ENDPOINT"))
    const mode = yield* optional(Config.string("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"))
    const byMode = Option.isSome(mode) && mode.value.trim().toLowerCase() === "ipv6" ?
      "http://[fd00:ec2::254]" :
      "http://169.254.169.254"
    return CredentialsHttp.fetchImds(client, {
      endpoint: options?.endpoint ?? Option.getOrElse(endpointEnv, () => byMode),
      timeout: options?.timeout ?? Duration.seconds(1),
      maxAttempts: options?.maxAttempts ?? 1,
      tokenTtlSeconds: Math.max(1, Math.round(Duration.toSeconds(options?.tokenTtl ?? Duration.hours(6))))
    })
  })

/**
 * Credentials of the EC2 instance role through IMDSv2 (a session token first, then the role name, then its
 * credentials), read on every run; short timeouts; `AWS_EC2_METADATA_DISABLED=true` turns it off. There is no
 * IMDSv1 fallback.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromImds = (
  options?: ImdsOptions
): Effect.Effect<AwsCredentialIdentity, CredentialsError, HttpClient.HttpClient> => Effect.flatten(makeImds(options))

/**
 * EC2 instance role credentials (see {@link fromImds}) through the `HttpClient` of the context, cached and
 * refreshed ahead of expiry.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerImds = (options?: ImdsOptions): Layer.Layer<AwsCredentials, never, HttpClient.HttpClient> =>
  layerCached(makeImds(options), options)

// -----------------------------------------------------------------------------------------------------------------
// SDK-style providers
// -----------------------------------------------------------------------------------------------------------------

/**
 * What an AWS SDK v3 credential provider resolves to (`AwsCredentialIdentity` of `@smithy/types`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ProviderCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string | undefined
  readonly expiration?: Date | undefined
}

/**
 * An AWS SDK-style credential provider, such as `fromSSO()` or `fromTokenFile()` of
 * `@aws-sdk/credential-providers`.
 *
 * @since 0.1.0
 * @category models
 */
export type CredentialProvider = () => PromiseLike<ProviderCredentials>

/**
 * Options of the provider adapter.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProviderOptions extends CacheOptions {
  /** The source name used in errors (default `provider`). */
  readonly name?: string | undefined
}

const providerSource = "provider"

/**
 * Runs an SDK-style provider once per run and converts its result, with the secrets `Redacted` at once. A
 * rejection becomes a `CredentialsError` carrying the error's name and message (the SDK's provider errors
 * explain what to do and hold no secrets); a malformed result names the bad fields, never their values.
 *
 * @example
 * import { Credentials } from "@effect-apigw/layers"
 *
 * const fetch = Credentials.fromProvider(async () => ({ accessKeyId: "AKID", secretAccessKey: "secret" }))
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromProvider = (
  provider: CredentialProvider,
  options?: Pick<ProviderOptions, "name">
): Effect.Effect<AwsCredentialIdentity, CredentialsError> => {
  const source = options?.name ?? providerSource
  return Effect.tryPromise({
    try: () => Promise.resolve(provider()),
    catch: (error) => fail(source, `the provider failed: ${describeRejection(error)}`)
  }).pipe(Effect.flatMap((value) => {
    if (!isRecord(value)) return Effect.fail(fail(source, "the provider did not resolve to an object"))
    const { accessKeyId, expiration, secretAccessKey, sessionToken } = value as Record<string, unknown>
    const bad = [
      ...(typeof accessKeyId !== "string" || accessKeyId === "" ? ["accessKeyId"] : []),
      ...(typeof secretAccessKey !== "string" || secretAccessKey === "" ? ["secretAccessKey"] : []),
      ...(sessionToken !== undefined && typeof sessionToken !== "string" ? ["sessionToken"] : []),
      ...(expiration !== undefined && !(expiration instanceof Date && !Number.isNaN(expiration.getTime())) ?
        ["expiration"] :
        [])
    ]
    if (bad.length > 0) return Effect.fail(fail(source, `the provider resolved with no valid ${bad.join(", ")}`))
    return Effect.succeed(identity({
      accessKeyId: accessKeyId as string,
      secretAccessKey: secretAccessKey as string,
      sessionToken: sessionToken === "" ? undefined : sessionToken as string | undefined,
      expiration: expiration as Date | undefined
    }))
  }))
}

const describeRejection = (error: unknown): string => {
  if (error instanceof Error) {
    const text = `${error.name}: ${error.message}`
    return text.length > 300 ? `${text.slice(0, 300)}...` : text
  }
  return `a non-Error value (${error === null ? "null" : typeof error})`
}

/**
 * Credentials from an SDK-style provider (see {@link fromProvider}), cached: refreshed ahead of their
 * `expiration`, or fetched once when they have none.
 *
 * @example
 * import { Credentials } from "@effect-apigw/layers"
 *
 * // e.g. `fromSSO({ profile: "dev" })` of "@aws-sdk/credential-providers"
 * const provider = async () => ({ accessKeyId: "AKID", secretAccessKey: "secret", expiration: new Date(2030, 0) })
 * const layer = Credentials.layerProvider(provider)
 *
 * @since 0.1.0
 * @category layers
 */
export const layerProvider = (provider: CredentialProvider, options?: ProviderOptions): Layer.Layer<AwsCredentials> =>
  layerCached(Effect.succeed(fromProvider(provider, options)), options)

// -----------------------------------------------------------------------------------------------------------------
// default chain
// -----------------------------------------------------------------------------------------------------------------

/**
 * Options of the default chain: each source's own options, and the cache's.
 *
 * @since 0.1.0
 * @category models
 */
export interface DefaultOptions extends CacheOptions {
  readonly profile?: ProfileOptions | undefined
  readonly container?: ContainerOptions | undefined
  readonly imds?: ImdsOptions | undefined
}

/**
 * The default chain with options: environment, shared files, container, IMDS; the first that yields wins, and the
 * result is cached (an expiring result is refreshed ahead of expiry by running the chain again).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDefaultWith = (options?: DefaultOptions): Layer.Layer<AwsCredentials, never, HttpClient.HttpClient> =>
  layerCached(
    Effect.map(
      Effect.all([makeEnv, makeProfile(options?.profile), makeContainer(options?.container), makeImds(options?.imds)]),
      chain
    ),
    options
  )

/**
 * The default credential chain, as in the AWS SDKs: environment variables, the shared files' profile, the
 * container endpoint, then EC2 instance metadata. The environment is read when the layer is built; a failure is a
 * `CredentialsError` whose message lists every source tried and why it did not yield.
 *
 * @example
 * import { Credentials, Http } from "@effect-apigw/layers"
 * import { Layer } from "effect"
 *
 * const layer = Credentials.layerDefault.pipe(Layer.provide(Http.layer))
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDefault: Layer.Layer<AwsCredentials, never, HttpClient.HttpClient> =
  /* @__PURE__ */ layerDefaultWith()

/**
 * Test credentials: the ones of the official SigV4 test suite unless others are given.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (credentials?: StaticCredentials): Layer.Layer<AwsCredentials> =>
  layerStatic(
    credentials ?? { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }
  )
