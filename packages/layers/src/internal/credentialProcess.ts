/**
 * `credential_process`: runs the configured command and decodes its JSON output.
 *
 * @internal
 */
import type { AwsCredentialIdentity } from "@effect-apigw/core/AwsCredentials"
import type { CredentialsError } from "@effect-apigw/schema/Errors"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { spawn } from "node:child_process"
import { decodeObject, errorCode, fail, isRecord, own } from "./credentialsPayload.js"

const maxOutput = 1024 * 1024

/**
 * Runs `command` through the shell and decodes its standard output (`Version: 1`, `AccessKeyId`,
 * `SecretAccessKey`, optional `SessionToken` and `Expiration`). Errors name the profile, the exit code or the
 * missing fields; never the command line (it may carry secrets), its output or its standard error.
 *
 * @internal
 */
export const run = (
  source: string,
  profile: string,
  command: string,
  timeout: Duration.DurationInput
): Effect.Effect<AwsCredentialIdentity, CredentialsError> => {
  const prefix = `credential_process of profile "${profile}"`
  return Effect.async<string, CredentialsError>((resume) => {
    const posix = process.platform !== "win32"
    // its own process group on POSIX, so that a timeout stops the command and not only the shell around it
    const child = spawn(command, {
      shell: true,
      detached: posix,
      windowsHide: true,
      stdio: ["ignore", "pipe", "ignore"]
    })
    const chunks: Array<Buffer> = []
    let size = 0
    let done = false
    const finish = (effect: Effect.Effect<string, CredentialsError>) => {
      if (done) return
      done = true
      resume(effect)
    }
    const stop = () => {
      try {
        if (posix && child.pid !== undefined) process.kill(-child.pid, "SIGKILL")
        else child.kill("SIGKILL")
      } catch {
        // already gone
      }
    }
    child.stdout.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > maxOutput) {
        stop()
        return finish(Effect.fail(fail(source, `${prefix} printed more than ${maxOutput} bytes`)))
      }
      chunks.push(chunk)
    })
    child.on(
      "error",
      (error) => finish(Effect.fail(fail(source, `${prefix} could not run (${errorCode(error) ?? "unknown error"})`)))
    )
    child.on("close", (code, killed) => {
      if (code === 0) return finish(Effect.succeed(Buffer.concat(chunks).toString("utf8")))
      const reason = code !== null ? `exited with code ${code}` : `was killed by ${killed ?? "a signal"}`
      finish(Effect.fail(fail(source, `${prefix} ${reason}`)))
    })
    return Effect.sync(() => {
      done = true
      stop()
    })
  }).pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () => fail(source, `${prefix} did not finish within ${Duration.format(timeout)}`)
    }),
    Effect.flatMap((stdout) => {
      let json: unknown
      try {
        json = JSON.parse(stdout)
      } catch {
        return Effect.fail(fail(source, `${prefix} did not print valid JSON`))
      }
      if (isRecord(json) && own(json, "Version") !== 1) {
        return Effect.fail(fail(source, `${prefix} printed an unsupported Version (expected 1)`))
      }
      return Either.match(decodeObject(json, { sessionToken: "SessionToken" }), {
        onLeft: (message) => Effect.fail(fail(source, `${prefix}: ${message.replace("the response", "its output")}`)),
        onRight: Effect.succeed
      })
    })
  )
}
