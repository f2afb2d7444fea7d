/**
 * The HTTP credential sources: the container credentials endpoint (ECS, EKS Pod Identity, Greengrass) and the EC2
 * instance metadata service (IMDSv2).
 *
 * @internal
 */
import type { AwsCredentialIdentity } from "@effect-apigw/core/AwsCredentials"
import * as ResponseBody from "@effect-apigw/core/ResponseBody"
import type { CredentialsError } from "@effect-apigw/schema/Errors"
import * as Headers from "@effect/platform/Headers"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as fs from "node:fs/promises"
import { decodePayload, errorCode, fail, isRecord, own } from "./credentialsPayload.js"

/** Header names whose values must never reach a span attribute or a log. */
const secretHeaders = ["authorization", "x-aws-ec2-metadata-token"]

/**
 * The largest response body read, in bytes. Real answers (credentials, a token, a role name) are under 2 KB; a larger
 * body is refused, so that a broken or hostile endpoint cannot make the process buffer an unbounded one.
 *
 * @internal
 */
export const maxBodyBytes = 64 * 1024

const utf8 = /* @__PURE__ */ new TextDecoder()

/** @internal */
export interface Answer {
  readonly status: number
  readonly text: string
}

/**
 * Why a request got no usable answer; `retryable` for timeouts, transport errors and 5xx statuses (not for a body over
 * {@link maxBodyBytes}).
 */
interface Failure {
  readonly description: string
  readonly retryable: boolean
}

/** @internal */
export interface RequestPolicy {
  readonly timeout: Duration.DurationInput
  readonly maxAttempts: number
}

/**
 * Sends a request and reads its body (at most {@link maxBodyBytes}, as UTF-8 text) within `timeout`, retrying
 * timeouts, transport errors and 5xx statuses up to `maxAttempts` in all; a body over the limit is not retried. The
 * failure description names the origin, never the path, the headers or the body.
 *
 * @internal
 */
export const send = (
  client: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  policy: RequestPolicy
): Effect.Effect<Answer, string> => {
  const origin = originOf(request.url)
  const attempt: Effect.Effect<Answer, Failure> = client.execute(request).pipe(
    Effect.flatMap((response) =>
      Effect.map(
        ResponseBody.read(response, { maxBytes: maxBodyBytes }),
        (bytes): Answer => ({ status: response.status, text: utf8.decode(bytes) })
      )
    ),
    Effect.mapError((error): Failure => {
      if (error._tag === "BodyTooLarge") {
        return { description: `the response body from ${origin} exceeds ${error.maxBytes} bytes`, retryable: false }
      }
      const code = errorCode(error.cause)
      const what = error._tag === "RequestError" ? "request to" : "response from"
      return { description: `${what} ${origin} failed${code === undefined ? "" : ` (${code})`}`, retryable: true }
    }),
    Effect.timeoutFail({
      duration: policy.timeout,
      onTimeout: (): Failure => ({
        description: `${origin} did not answer within ${Duration.format(policy.timeout)}`,
        retryable: true
      })
    }),
    Effect.filterOrFail(
      (answer) => answer.status < 500,
      (answer): Failure => ({ description: `${origin} answered status ${answer.status}`, retryable: true })
    ),
    Effect.locallyWith(Headers.currentRedactedNames, (names) => [...names, ...secretHeaders])
  )
  const attempts = Math.max(1, Math.floor(policy.maxAttempts))
  return attempt.pipe(
    Effect.retry({
      schedule: Schedule.exponential(Duration.millis(100)),
      times: attempts - 1,
      while: (failure) => failure.retryable
    }),
    // A retryable failure that ends the retries has used every attempt; one that is not stopped them where it came.
    Effect.mapError((failure) =>
      attempts > 1 && failure.retryable ? `${failure.description} (${attempts} attempts)` : failure.description
    )
  )
}

const originOf = (url: string): string => {
  try {
    return new URL(url).origin
  } catch {
    return "the credentials endpoint"
  }
}

// ---------------------------------------------------------------------------------------------------------------
// container
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
export const containerSource = "container"

/** @internal */
export const ecsHost = "http://169.254.170.2"

/** @internal */
export interface ContainerEnv {
  readonly relativeUri: Option.Option<string>
  readonly fullUri: Option.Option<string>
  readonly token: Option.Option<Redacted.Redacted<string>>
  readonly tokenFile: Option.Option<string>
}

const allowedHttpHosts = new Set(["169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", "localhost", "[::1]"])

/**
 * Whether a full URI may be used: https anywhere; http only to a loopback address or the ECS/EKS credential
 * endpoints (`169.254.170.2`, `169.254.170.23`, `fd00:ec2::23`).
 *
 * @internal
 */
export const allowedFullUri = (url: URL): boolean =>
  url.protocol === "https:" ||
  url.protocol === "http:" &&
    (allowedHttpHosts.has(url.hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname))

/**
 * The URL to fetch, or a secret-free reason why there is none. `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` wins over
 * `AWS_CONTAINER_CREDENTIALS_FULL_URI`, as in the AWS SDKs.
 *
 * @internal
 */
export const containerUrl = (env: ContainerEnv, baseUrl: string): Either.Either<string, string> => {
  if (Option.isSome(env.relativeUri)) {
    const relative = env.relativeUri.value
    return Either.right(baseUrl.replace(/\/+$/, "") + (relative.startsWith("/") ? relative : `/${relative}`))
  }
  if (Option.isNone(env.fullUri)) {
    return Either.left("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set")
  }
  let url: URL
  try {
    url = new URL(env.fullUri.value)
  } catch {
    return Either.left("AWS_CONTAINER_CREDENTIALS_FULL_URI is not a valid URL")
  }
  if (!allowedFullUri(url)) {
    return Either.left(
      `AWS_CONTAINER_CREDENTIALS_FULL_URI may not use ${url.protocol}//${url.host}: use https, a loopback address ` +
        "or the ECS/EKS credentials endpoint"
    )
  }
  return Either.right(url.toString())
}

const readToken = (env: ContainerEnv): Effect.Effect<Option.Option<Redacted.Redacted<string>>, CredentialsError> => {
  if (Option.isNone(env.tokenFile)) return Effect.succeed(env.token)
  return Effect.tryPromise({
    try: () => fs.readFile(env.tokenFile.pipe(Option.getOrThrow), "utf8"),
    catch: (error) =>
      fail(
        containerSource,
        `cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (${errorCode(error) ?? "unknown error"})`
      )
  }).pipe(Effect.map((text) => Option.some(Redacted.make(text.trim()))))
}

/**
 * Fetches credentials from the container credentials endpoint, with the authorization token (read afresh from
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` on every fetch, as EKS rotates it) in the `Authorization` header.
 *
 * @internal
 */
export const fetchContainer = (
  client: HttpClient.HttpClient,
  env: ContainerEnv,
  options: RequestPolicy & { readonly baseUrl: string }
): Effect.Effect<AwsCredentialIdentity, CredentialsError> =>
  Effect.gen(function*() {
    const url = yield* Either.match(containerUrl(env, options.baseUrl), {
      onLeft: (message) => Effect.fail(fail(containerSource, message)),
      onRight: Effect.succeed
    })
    const token = yield* readToken(env)
    if (Option.isSome(token) && /[\r\n]/.test(Redacted.value(token.value))) {
      return yield* Effect.fail(fail(containerSource, "the authorization token contains a line break"))
    }
    let request = HttpClientRequest.get(url).pipe(HttpClientRequest.acceptJson)
    if (Option.isSome(token)) {
      request = HttpClientRequest.setHeader(request, "authorization", Redacted.value(token.value))
    }
    const answer = yield* Effect.mapError(send(client, request, options), (message) => fail(containerSource, message))
    if (answer.status !== 200) {
      return yield* Effect.fail(fail(containerSource, `${originOf(url)} answered status ${answer.status}`))
    }
    return yield* Either.match(decodePayload(answer.text, { sessionToken: "Token" }), {
      onLeft: (message) => Effect.fail(fail(containerSource, message)),
      onRight: Effect.succeed
    })
  })

// ---------------------------------------------------------------------------------------------------------------
// IMDS
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
export const imdsSource = "imds"

/** @internal */
export interface ImdsSettings extends RequestPolicy {
  readonly endpoint: string
  readonly tokenTtlSeconds: number
}

/**
 * Fetches the instance role's credentials with IMDSv2: a session token (`PUT /latest/api/token`), the role name,
 * then the role's credentials, each request with the token header and a short timeout. There is no fallback to
 * IMDSv1.
 *
 * @internal
 */
export const fetchImds = (
  client: HttpClient.HttpClient,
  settings: ImdsSettings
): Effect.Effect<AwsCredentialIdentity, CredentialsError> =>
  Effect.gen(function*() {
    const base = settings.endpoint.replace(/\/+$/, "")
    const call = (request: HttpClientRequest.HttpClientRequest) =>
      Effect.mapError(send(client, request, settings), (message) => fail(imdsSource, message))
    const failWith = (message: string) => Effect.fail(fail(imdsSource, message))

    const tokenAnswer = yield* call(
      HttpClientRequest.put(`${base}/latest/api/token`).pipe(
        HttpClientRequest.setHeader("x-aws-ec2-metadata-token-ttl-seconds", String(settings.tokenTtlSeconds))
      )
    )
    if (tokenAnswer.status !== 200) return yield* failWith(`the token request answered status ${tokenAnswer.status}`)
    const token = Redacted.make(tokenAnswer.text.trim())
    if (Redacted.value(token) === "" || /[\r\n]/.test(Redacted.value(token))) {
      return yield* failWith("the token request returned an unusable token")
    }
    const withToken = HttpClientRequest.setHeader("x-aws-ec2-metadata-token", Redacted.value(token))

    const rolesAnswer = yield* call(
      withToken(HttpClientRequest.get(`${base}/latest/meta-data/iam/security-credentials/`))
    )
    if (rolesAnswer.status === 404) return yield* failWith("no IAM role is attached to this instance (status 404)")
    if (rolesAnswer.status !== 200) return yield* failWith(`the role request answered status ${rolesAnswer.status}`)
    const role = rolesAnswer.text.split(/\r?\n/).map((line) => line.trim()).find((line) => line !== "")
    if (role === undefined) return yield* failWith("no IAM role is attached to this instance")

    const credentialsAnswer = yield* call(
      withToken(HttpClientRequest.get(`${base}/latest/meta-data/iam/security-credentials/${encodeURIComponent(role)}`))
    )
    if (credentialsAnswer.status === 404) {
      return yield* failWith(`no credentials for role "${role}" (status 404)`)
    }
    if (credentialsAnswer.status !== 200) {
      return yield* failWith(`the credentials request for role "${role}" answered status ${credentialsAnswer.status}`)
    }
    const code = codeOf(credentialsAnswer.text)
    if (code !== undefined && code !== "Success") {
      return yield* failWith(`the credentials of role "${role}" are not available (Code ${code})`)
    }
    return yield* Either.match(decodePayload(credentialsAnswer.text, { sessionToken: "Token" }), {
      onLeft: failWith,
      onRight: Effect.succeed
    })
  })

/** The `Code` field of an IMDS answer, if it is a short word (so it cannot carry anything else). */
const codeOf = (text: string): string | undefined => {
  try {
    const json: unknown = JSON.parse(text)
    const code = isRecord(json) ? own(json, "Code") : undefined
    return typeof code === "string" && /^[A-Za-z]{1,40}$/.test(code) ? code : undefined
  } catch {
    return undefined
  }
}
