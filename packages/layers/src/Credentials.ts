/**
 * Credential providers for the `AwsCredentials` service.
 *
 * @since 0.1.0
 */
import { type AwsCredentialIdentity, AwsCredentials } from "@effect-apigw/core/AwsCredentials"
import { CredentialsError } from "@effect-apigw/schema/Errors"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

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

/**
 * Credentials read through `Config` from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, when set,
 * `AWS_SESSION_TOKEN` (and `AWS_CREDENTIAL_EXPIRATION`), read once, when the layer is built. The secrets are
 * `Redacted` from the moment they are read.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerEnv: Layer.Layer<AwsCredentials> = Layer.effect(
  AwsCredentials,
  Effect.gen(function*() {
    const resolved = yield* Effect.either(
      Config.all({
        accessKeyId: Config.nonEmptyString("AWS_ACCESS_KEY_ID"),
        secretAccessKey: Config.redacted("AWS_SECRET_ACCESS_KEY"),
        sessionToken: Config.option(Config.redacted("AWS_SESSION_TOKEN")),
        expiration: Config.option(Config.date("AWS_CREDENTIAL_EXPIRATION"))
      })
    )
    if (resolved._tag === "Left") {
      const error = new CredentialsError({
        message: "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set",
        sources: ["environment"]
      })
      return { resolve: Effect.fail(error) }
    }
    const { accessKeyId, expiration, secretAccessKey, sessionToken } = resolved.right
    return {
      resolve: Effect.succeed(identity({
        accessKeyId,
        secretAccessKey,
        sessionToken: Option.getOrUndefined(sessionToken),
        expiration: Option.getOrUndefined(expiration)
      }))
    }
  })
)

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
