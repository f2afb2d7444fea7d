/**
 * The credentials service: where the client gets the keys it signs with.
 *
 * @since 0.1.0
 */
import type { CredentialsError } from "@effect-apigw/schema/Errors"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"

/**
 * A set of AWS credentials. The secret key and the session token stay `Redacted` until the line that signs.
 *
 * @since 0.1.0
 * @category models
 */
export interface AwsCredentialIdentity {
  readonly accessKeyId: string
  readonly secretAccessKey: Redacted.Redacted<string>
  readonly sessionToken?: Redacted.Redacted<string> | undefined
  /** When temporary credentials stop working; absent for long-term keys. */
  readonly expiration?: Date | undefined
}

/**
 * The service that resolves credentials. `resolve` is called for every attempt of every request, so providers cache
 * (and refresh ahead of expiry) themselves.
 *
 * @since 0.1.0
 * @category models
 */
export interface AwsCredentialsService {
  readonly resolve: Effect.Effect<AwsCredentialIdentity, CredentialsError>
}

/**
 * The tag of the credentials service. `@effect-apigw/layers` has its implementations (`Credentials.layerStatic`,
 * `Credentials.layerEnv`, ...).
 *
 * @since 0.1.0
 * @category tags
 */
export class AwsCredentials extends Context.Tag("@effect-apigw/core/AwsCredentials")<
  AwsCredentials,
  AwsCredentialsService
>() {}

/**
 * Builds a credentials layer from an effect that resolves them.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  resolve: Effect.Effect<AwsCredentialIdentity, CredentialsError>
): Layer.Layer<AwsCredentials> => Layer.succeed(AwsCredentials, { resolve })
