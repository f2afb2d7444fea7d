/**
 * The shared-files credential source: a profile of `~/.aws/credentials` and `~/.aws/config`.
 *
 * @internal
 */
import type { AwsCredentialIdentity } from "@effect-apigw/core/AwsCredentials"
import type { CredentialsError } from "@effect-apigw/schema/Errors"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as fs from "node:fs/promises"
import * as CredentialProcess from "./credentialProcess.js"
import { errorCode, fail } from "./credentialsPayload.js"
import * as SharedIni from "./sharedIni.js"

/** @internal */
export const source = "profile"

/** @internal */
export interface ProfileSettings {
  readonly profile: string
  readonly credentialsFile: string
  readonly configFile: string
  readonly processTimeout: Duration.DurationInput
}

/** Reads a file; a missing file is `undefined`, other errors name the path and the error code. */
const readOptional = (path: string): Effect.Effect<string | undefined, CredentialsError> =>
  Effect.tryPromise({
    try: () => fs.readFile(path, "utf8"),
    catch: (error) => error
  }).pipe(
    Effect.catchAll((error) =>
      errorCode(error) === "ENOENT" ?
        Effect.succeed(undefined) :
        Effect.fail(fail(source, `cannot read ${path} (${errorCode(error) ?? "unknown error"})`))
    )
  )

/** Profile settings that need an AWS service call this package does not make, and what to use instead. */
const unsupported: ReadonlyArray<readonly [key: string, what: string]> = [
  ["role_arn", "assumes a role (role_arn)"],
  ["web_identity_token_file", "uses web identity (web_identity_token_file)"],
  ["sso_session", "uses IAM Identity Center (sso_session)"],
  ["sso_start_url", "uses IAM Identity Center (sso_start_url)"],
  ["login_session", "uses a console login session (login_session)"]
]

/**
 * Resolves a profile: static keys (`aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`) or a
 * `credential_process`. The credentials file wins over the config file for the same setting, as in the AWS CLI.
 *
 * @internal
 */
export const fetch = (settings: ProfileSettings): Effect.Effect<AwsCredentialIdentity, CredentialsError> =>
  Effect.gen(function*() {
    const [credentialsText, configText] = yield* Effect.all([
      readOptional(settings.credentialsFile),
      readOptional(settings.configFile)
    ])
    const files = `${settings.credentialsFile}, ${settings.configFile}`
    if (credentialsText === undefined && configText === undefined) {
      return yield* Effect.fail(fail(source, `no shared credentials or config file (looked for ${files})`))
    }
    const fromCredentials = credentialsText === undefined
      ? undefined
      : SharedIni.parse(credentialsText).get(settings.profile)
    const fromConfig = configText === undefined ?
      undefined :
      SharedIni.configProfiles(SharedIni.parse(configText)).get(settings.profile)
    if (fromCredentials === undefined && fromConfig === undefined) {
      return yield* Effect.fail(fail(source, `profile "${settings.profile}" not found in ${files}`))
    }
    const profile = SharedIni.merge(fromConfig, fromCredentials)
    const name = `profile "${settings.profile}"`
    for (const [key, what] of unsupported) {
      const value = profile.get(key)
      if (value !== undefined && value !== "") {
        return yield* Effect.fail(fail(
          source,
          `${name} ${what}, which needs an AWS service call; use Credentials.layerProvider with a provider from ` +
            "@aws-sdk/credential-providers (fromIni, fromSSO, ...) for it"
        ))
      }
    }
    const accessKeyId = profile.get("aws_access_key_id")
    const secretAccessKey = profile.get("aws_secret_access_key")
    if (accessKeyId !== undefined || secretAccessKey !== undefined) {
      if (accessKeyId === undefined || accessKeyId === "") {
        return yield* Effect.fail(fail(source, `${name} has aws_secret_access_key but no aws_access_key_id`))
      }
      if (secretAccessKey === undefined || secretAccessKey === "") {
        return yield* Effect.fail(fail(source, `${name} has aws_access_key_id but no aws_secret_access_key`))
      }
      const sessionToken = profile.get("aws_session_token")
      return {
        accessKeyId,
        secretAccessKey: Redacted.make(secretAccessKey),
        ...(sessionToken === undefined || sessionToken === "" ? {} : { sessionToken: Redacted.make(sessionToken) })
      }
    }
    const command = profile.get("credential_process")
    if (command !== undefined && command !== "") {
      return yield* CredentialProcess.run(source, settings.profile, command, settings.processTimeout)
    }
    return yield* Effect.fail(fail(source, `${name} has no credentials (no keys, no credential_process)`))
  })
