/**
 * Runs an example's main program. A failure prints as one line on stderr, `<example>: <tag>: <message> (<what to
 * fix>)`, never a fiber dump, and exits 1; success exits 0; Ctrl-C (SIGINT) or SIGTERM interrupts the program, runs
 * its finalizers (an emulator closes its sockets) and exits 0.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Data, Effect, Exit, Option } from "effect"

/** A failure of an example itself (not of the library), with what to do about it. */
export class ExampleError extends Data.TaggedError("ExampleError")<{
  readonly message: string
  readonly hint?: string | undefined
}> {}

const REFUSED = "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_REGION: on AWS they " +
  "need execute-api:ManageConnections on the API; against apigw-emulator, the keys of its --access-key-id and " +
  "--secret-access-key, and its --region"

const field = (error: unknown, name: string): unknown =>
  typeof error === "object" && error !== null && name in error ? (error as Record<string, unknown>)[name] : undefined

/** What to fix for a failure: by its tag (for a `ConfigurationError`, by its option), else its own `hint`. */
export const hintFor = (error: unknown): string | undefined => {
  const hint = field(error, "hint")
  if (typeof hint === "string") return hint
  switch (field(error, "_tag")) {
    case "ConfigurationError":
      switch (field(error, "option")) {
        case "region":
          return "set AWS_REGION or use an execute-api endpoint"
        case "endpoint":
          return "set APIGW_ENDPOINT to https://{api-id}.execute-api.{region}.amazonaws.com/{stage}, or to " +
            "http://127.0.0.1:3001/local for apigw-emulator"
        case "APIGW_WS_URL":
          return "set APIGW_WS_URL to the API's wss:// URL, or unset it to use APIGW_ENDPOINT with wss://"
        case "PORT":
          return "set PORT to a port number, or 0 for a free one"
        default:
          return "check APIGW_ENDPOINT, AWS_REGION and AWS_MAX_ATTEMPTS"
      }
    case "CredentialsError":
      return "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)"
    case "ForbiddenException":
      return REFUSED
    case "AwsServiceError":
      return /Signature|AccessDenied|Token|Credential/i.test(String(field(error, "code"))) ? REFUSED : undefined
    case "TransportError":
      return "check APIGW_ENDPOINT: is the gateway running there?"
    case "UnexpectedResponseError":
      return "check APIGW_ENDPOINT: it is the API's management endpoint, ending with the stage (e.g. /prod)"
    case "EmulatorError":
      return field(error, "reason") === "Listen" ? "set PORT to a free port (0 picks one)" : undefined
  }
  return undefined
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ").trim()

/** The one line a failed program prints. */
export const describeFailure = <E>(name: string, cause: Cause.Cause<E>): string => {
  const failure = Cause.failureOption(cause)
  const error: unknown = Option.isSome(failure) ? failure.value : Option.getOrUndefined(Cause.dieOption(cause))
  const tag = field(error, "_tag") ?? (error instanceof Error ? error.name : undefined)
  const message = field(error, "message")
  const text = typeof message === "string" && message !== "" ? message : String(error)
  const hint = hintFor(error)
  return oneLine(
    `${name}: ${typeof tag === "string" ? `${tag}: ` : ""}${text}${hint === undefined ? "" : ` (${hint})`}`
  )
}

/** Runs the program as the process's main program (see the module comment). */
export const runMain = <E>(name: string, program: Effect.Effect<unknown, E>): void =>
  NodeRuntime.runMain(program, {
    disableErrorReporting: true,
    teardown: (exit) => {
      if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) {
        console.error(describeFailure(name, exit.cause))
        process.exit(1)
      }
      process.exit(0)
    }
  })
