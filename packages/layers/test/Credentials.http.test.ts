import { AwsCredentials } from "@effect-apigw/core"
import { Credentials, Http } from "@effect-apigw/layers"
import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import {
  Cause,
  ConfigProvider,
  Duration,
  Effect,
  Exit,
  Fiber,
  Logger,
  LogLevel,
  Option,
  Redacted,
  type Scope,
  TestClock,
  Tracer
} from "effect"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { allowedFullUri, maxBodyBytes } from "../src/internal/credentialsHttp.js"

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
const TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"
const AUTH = "eyJhbGciOiJSUzI1NiJ9.AUTHORIZATIONTOKEN"
const IMDS_TOKEN = "AQAEAIMDSSESSIONTOKENSECRET=="
const SECRETS = [SECRET, TOKEN, AUTH, IMDS_TOKEN]

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const resolve = Effect.flatMap(AwsCredentials.AwsCredentials, (service) => service.resolve)

const credentialsBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    AccessKeyId: "AKIDHTTP",
    SecretAccessKey: SECRET,
    Token: TOKEN,
    Expiration: "2099-01-01T00:00:00Z",
    ...extra
  })

interface Recorded {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
}

type Handler = (request: http.IncomingMessage, response: http.ServerResponse, n: number) => void

/** A real `node:http` server on an ephemeral port, closed (with all its sockets) when the scope closes. */
const server = (handler: Handler) =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: http.Server; readonly url: string; readonly requests: Array<Recorded> }>(
      (resume) => {
        const requests: Array<Recorded> = []
        const instance = http.createServer((request, response) => {
          requests.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers })
          request.resume()
          handler(request, response, requests.length)
        })
        instance.listen(0, "127.0.0.1", () => {
          const { port } = instance.address() as AddressInfo
          resume(Effect.succeed({ server: instance, url: `http://127.0.0.1:${port}`, requests }))
        })
      }
    ),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

const reply = (response: http.ServerResponse, status: number, body = "") => {
  response.writeHead(status, { "content-type": "application/json" })
  response.end(body)
}

/** A port with nothing listening. */
const closedPort = Effect.map(server(() => {}), ({ server: instance, url }) => {
  instance.close()
  return url
})

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "apigw-creds-http-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

const elapsed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const started = performance.now()
    const exit = yield* Effect.exit(effect)
    return { exit, millis: performance.now() - started }
  })

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return Option.getOrThrow(Cause.failureOption(exit.cause))
}

describe("Credentials container", () => {
  it.scopedLive("a relative URI against the base URL, with the authorization token", () =>
    Effect.gen(function*() {
      const { requests, url } = yield* server((_, response) => reply(response, 200, credentialsBody()))
      const identity = yield* resolve.pipe(
        Effect.provide(Credentials.layerContainer({ baseUrl: url })),
        withEnv({
          AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/abc",
          AWS_CONTAINER_AUTHORIZATION_TOKEN: AUTH
        })
      )
      assert.strictEqual(identity.accessKeyId, "AKIDHTTP")
      assert.strictEqual(Redacted.value(identity.secretAccessKey), SECRET)
      assert.strictEqual(Redacted.value(identity.sessionToken!), TOKEN)
      assert.strictEqual(identity.expiration?.toISOString(), "2099-01-01T00:00:00.000Z")
      assert.strictEqual(requests.length, 1)
      assert.strictEqual(requests[0].method, "GET")
      assert.strictEqual(requests[0].url, "/v2/credentials/abc")
      assert.strictEqual(requests[0].headers.authorization, AUTH)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("a full URI; the token file wins over the token and is read again on every fetch", () =>
    Effect.gen(function*() {
      const { requests, url } = yield* server((_, response) => reply(response, 200, credentialsBody()))
      const dir = yield* tempDir
      const tokenFile = path.join(dir, "token")
      fs.writeFileSync(tokenFile, "first-token\n")
      const env = withEnv({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url}/get-credentials?a=1`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: AUTH,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile
      })
      yield* Credentials.fromContainer().pipe(env)
      fs.writeFileSync(tokenFile, "second-token")
      yield* Credentials.fromContainer().pipe(env)
      assert.deepStrictEqual(requests.map((request) => request.url), ["/get-credentials?a=1", "/get-credentials?a=1"])
      assert.deepStrictEqual(requests.map((request) => request.headers.authorization), ["first-token", "second-token"])
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("the relative URI wins over the full URI", () =>
    Effect.gen(function*() {
      const relative = yield* server((_, response) => reply(response, 200, credentialsBody()))
      const full = yield* server((_, response) => reply(response, 200, credentialsBody()))
      yield* Credentials.fromContainer({ baseUrl: relative.url }).pipe(withEnv({
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/rel",
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${full.url}/full`
      }))
      assert.strictEqual(relative.requests.length, 1)
      assert.strictEqual(full.requests.length, 0)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it("the full URI host rule: https anywhere, http only to loopback and the ECS/EKS addresses", () => {
    const allowed = [
      "https://creds.example.com/x",
      "http://127.0.0.1:8080/x",
      "http://127.1.2.3/x",
      "http://localhost:9/x",
      "http://[::1]:9/x",
      "http://169.254.170.2/x",
      "http://169.254.170.23/v1/credentials",
      "http://[fd00:ec2::23]/v1/credentials"
    ]
    const refused = [
      "http://creds.example.com/x",
      "http://10.0.0.1/x",
      "http://169.254.169.254/x",
      "http://localhost.example.com/x",
      "http://127.0.0.1.example.com/x",
      "http://[::2]/x",
      "ftp://127.0.0.1/x"
    ]
    for (const url of allowed) assert.isTrue(allowedFullUri(new URL(url)), url)
    for (const url of refused) assert.isFalse(allowedFullUri(new URL(url)), url)
  })

  it.scopedLive("a refused full URI fails without any request", () =>
    Effect.gen(function*() {
      const error = yield* Credentials.fromContainer().pipe(
        withEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://10.0.0.1:8080/creds" }),
        Effect.flip
      )
      assert.strictEqual(
        error.message,
        "container: AWS_CONTAINER_CREDENTIALS_FULL_URI may not use http://10.0.0.1:8080: use https, a loopback " +
          "address or the ECS/EKS credentials endpoint"
      )
      const invalid = yield* Credentials.fromContainer().pipe(
        withEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: "not a url" }),
        Effect.flip
      )
      assert.include(invalid.message, "is not a valid URL")
      const unset = yield* Credentials.fromContainer().pipe(withEnv({}), Effect.flip)
      assert.include(unset.message, "are not set")
      assert.deepStrictEqual(unset.sources, ["container"])
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("4xx fails at once; 5xx is retried; bad JSON and missing fields fail", () =>
    Effect.gen(function*() {
      const notFound = yield* server((_, response) => reply(response, 404, `{"message":"${SECRET}"}`))
      const error404 = yield* Credentials.fromContainer({ baseUrl: notFound.url }).pipe(
        withEnv({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/x" }),
        Effect.flip
      )
      assert.strictEqual(error404.message, `container: ${notFound.url} answered status 404`)
      assert.strictEqual(notFound.requests.length, 1)

      const flaky = yield* server((_, response, n) =>
        n < 3 ? reply(response, 503, "busy") : reply(response, 200, credentialsBody())
      )
      const identity = yield* Credentials.fromContainer({ baseUrl: flaky.url }).pipe(
        withEnv({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/x" })
      )
      assert.strictEqual(identity.accessKeyId, "AKIDHTTP")
      assert.strictEqual(flaky.requests.length, 3)

      const down = yield* server((_, response) => reply(response, 500, SECRET))
      const error500 = yield* Credentials.fromContainer({ baseUrl: down.url, maxAttempts: 2 }).pipe(
        withEnv({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/x" }),
        Effect.flip
      )
      assert.strictEqual(error500.message, `container: ${down.url} answered status 500 (2 attempts)`)
      assert.strictEqual(down.requests.length, 2)

      const garbage = yield* server((_, response) => reply(response, 200, `{"SecretAccessKey":"${SECRET}"`))
      const errorJson = yield* Credentials.fromContainer({ baseUrl: garbage.url }).pipe(
        withEnv({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/x" }),
        Effect.flip
      )
      assert.strictEqual(errorJson.message, "container: the response is not valid JSON")

      const partial = yield* server((_, response) => reply(response, 200, credentialsBody({ AccessKeyId: 1 })))
      const errorPartial = yield* Credentials.fromContainer({ baseUrl: partial.url }).pipe(
        withEnv({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/x" }),
        Effect.flip
      )
      assert.strictEqual(errorPartial.message, "container: the response has no valid AccessKeyId")

      const badDate = yield* server((_, response) => reply(response, 200, credentialsBody({ Expiration: "soon" })))
      const errorDate = yield* Credentials.fromContainer({ baseUrl: badDate.url }).pipe(
        withEnv({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/x" }),
        Effect.flip
      )
      assert.strictEqual(errorDate.message, "container: Expiration is not a valid date")
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("a server that never answers ends within the timeout, after maxAttempts", () =>
    Effect.gen(function*() {
      const silent = yield* server(() => {})
      const { exit, millis } = yield* elapsed(
        Credentials.fromContainer({ baseUrl: silent.url, timeout: "200 millis", maxAttempts: 2 }).pipe(
          withEnv({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/x" })
        )
      )
      const error = failureOf(exit)
      assert.strictEqual(error.message, `container: ${silent.url} did not answer within 200ms (2 attempts)`)
      assert.strictEqual(silent.requests.length, 2)
      assert.isAbove(millis, 390)
      assert.isBelow(millis, 1500)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("a refused connection fails quickly and names the error code", () =>
    Effect.gen(function*() {
      const url = yield* closedPort
      const { exit, millis } = yield* elapsed(
        Credentials.fromContainer({ baseUrl: url, maxAttempts: 1 }).pipe(
          withEnv({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/x" })
        )
      )
      assert.strictEqual(failureOf(exit).message, `container: request to ${url} failed (ECONNREFUSED)`)
      assert.isBelow(millis, 1000)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("a token with a line break is refused before any request", () =>
    Effect.gen(function*() {
      const target = yield* server((_, response) => reply(response, 200, credentialsBody()))
      const error = yield* Credentials.fromContainer({ baseUrl: target.url }).pipe(
        withEnv({
          AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/x",
          AWS_CONTAINER_AUTHORIZATION_TOKEN: `${AUTH}\r\nx-injected: 1`
        }),
        Effect.flip
      )
      assert.include(error.message, "line break")
      assert.strictEqual(target.requests.length, 0)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("layerContainer: one request for many concurrent callers", () =>
    Effect.gen(function*() {
      const target = yield* server((_, response) => setTimeout(() => reply(response, 200, credentialsBody()), 50))
      const results = yield* Effect.all(Array.from({ length: 100 }, () => resolve), { concurrency: "unbounded" }).pipe(
        Effect.provide(Credentials.layerContainer({ baseUrl: target.url })),
        withEnv({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/x" })
      )
      assert.strictEqual(results.length, 100)
      assert.strictEqual(target.requests.length, 1)
    }).pipe(Effect.provide(FetchHttpClient.layer)))
})

/** An IMDSv2 server: token, role list, role credentials; `overrides` replace single answers. */
const imds = (
  overrides: {
    readonly token?: Handler
    readonly roles?: Handler
    readonly credentials?: Handler
  } = {}
) =>
  server((request, response, n) => {
    const url = request.url ?? ""
    if (request.method === "PUT" && url === "/latest/api/token") {
      if (overrides.token) return overrides.token(request, response, n)
      if (request.headers["x-aws-ec2-metadata-token-ttl-seconds"] === undefined) return reply(response, 400)
      return reply(response, 200, IMDS_TOKEN)
    }
    if (request.headers["x-aws-ec2-metadata-token"] !== IMDS_TOKEN) return reply(response, 401)
    if (request.method === "GET" && url === "/latest/meta-data/iam/security-credentials/") {
      if (overrides.roles) return overrides.roles(request, response, n)
      return reply(response, 200, "my-role\n")
    }
    if (request.method === "GET" && url === "/latest/meta-data/iam/security-credentials/my-role") {
      if (overrides.credentials) return overrides.credentials(request, response, n)
      return reply(response, 200, credentialsBody({ Code: "Success", Type: "AWS-HMAC", LastUpdated: "2024-01-01" }))
    }
    reply(response, 404)
  })

describe("Credentials IMDS", () => {
  it.scopedLive("token first, then the role, then its credentials, each with the token", () =>
    Effect.gen(function*() {
      const { requests, url } = yield* imds()
      const identity = yield* Credentials.fromImds({ endpoint: url, tokenTtl: "1 hour" }).pipe(withEnv({}))
      assert.strictEqual(identity.accessKeyId, "AKIDHTTP")
      assert.strictEqual(Redacted.value(identity.secretAccessKey), SECRET)
      assert.strictEqual(Redacted.value(identity.sessionToken!), TOKEN)
      assert.deepStrictEqual(requests.map((request) => `${request.method} ${request.url}`), [
        "PUT /latest/api/token",
        "GET /latest/meta-data/iam/security-credentials/",
        "GET /latest/meta-data/iam/security-credentials/my-role"
      ])
      assert.strictEqual(requests[0].headers["x-aws-ec2-metadata-token-ttl-seconds"], "3600")
      assert.strictEqual(requests[0].headers["x-aws-ec2-metadata-token"], undefined)
      assert.strictEqual(requests[1].headers["x-aws-ec2-metadata-token"], IMDS_TOKEN)
      assert.strictEqual(requests[2].headers["x-aws-ec2-metadata-token"], IMDS_TOKEN)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("AWS_EC2_METADATA_SERVICE_ENDPOINT is the endpoint; the default ttl is 6 hours", () =>
    Effect.gen(function*() {
      const { requests, url } = yield* imds()
      yield* Credentials.fromImds().pipe(withEnv({ AWS_EC2_METADATA_SERVICE_ENDPOINT: `${url}/` }))
      assert.strictEqual(requests.length, 3)
      assert.strictEqual(requests[0].headers["x-aws-ec2-metadata-token-ttl-seconds"], "21600")
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("AWS_EC2_METADATA_DISABLED=true: no request at all", () =>
    Effect.gen(function*() {
      const { requests, url } = yield* imds()
      const error = yield* Credentials.fromImds({ endpoint: url }).pipe(
        withEnv({ AWS_EC2_METADATA_DISABLED: "TRUE" }),
        Effect.flip
      )
      assert.strictEqual(error.message, "imds: disabled by AWS_EC2_METADATA_DISABLED")
      assert.deepStrictEqual(error.sources, ["imds"])
      assert.strictEqual(requests.length, 0)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("no role (404), unknown role (404), refused token, Code not Success, bad JSON", () =>
    Effect.gen(function*() {
      const failure = (overrides: Parameters<typeof imds>[0]) =>
        Effect.flatMap(
          imds(overrides),
          ({ url }) => Effect.flip(Credentials.fromImds({ endpoint: url }).pipe(withEnv({})))
        ).pipe(
          Effect.map((error) => error.message)
        )
      assert.strictEqual(
        yield* failure({ roles: (_, response) => reply(response, 404) }),
        "imds: no IAM role is attached to this instance (status 404)"
      )
      assert.strictEqual(
        yield* failure({ roles: (_, response) => reply(response, 200, "\n") }),
        "imds: no IAM role is attached to this instance"
      )
      assert.strictEqual(
        yield* failure({ credentials: (_, response) => reply(response, 404) }),
        `imds: no credentials for role "my-role" (status 404)`
      )
      assert.strictEqual(
        yield* failure({ token: (_, response) => reply(response, 403) }),
        "imds: the token request answered status 403"
      )
      assert.strictEqual(
        yield* failure({
          credentials: (_, response) => reply(response, 200, credentialsBody({ Code: "AssumeRoleUnauthorizedAccess" }))
        }),
        `imds: the credentials of role "my-role" are not available (Code AssumeRoleUnauthorizedAccess)`
      )
      assert.strictEqual(
        yield* failure({ credentials: (_, response) => reply(response, 200, `AccessKeyId: AKID ${SECRET}`) }),
        "imds: the response is not valid JSON"
      )
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("an endpoint that never answers ends within the default 1 s timeout", () =>
    Effect.gen(function*() {
      const silent = yield* server(() => {})
      const { exit, millis } = yield* elapsed(Credentials.fromImds({ endpoint: silent.url }).pipe(withEnv({})))
      assert.strictEqual(failureOf(exit).message, `imds: ${silent.url} did not answer within 1s`)
      assert.strictEqual(silent.requests.length, 1)
      assert.isAbove(millis, 950)
      assert.isBelow(millis, 2000)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("a timeout after the token (slow credentials) also ends quickly", () =>
    Effect.gen(function*() {
      const { requests, url } = yield* imds({ credentials: () => {} })
      const { exit, millis } = yield* elapsed(
        Credentials.fromImds({ endpoint: url, timeout: "150 millis" }).pipe(withEnv({}))
      )
      assert.strictEqual(failureOf(exit).message, `imds: ${url} did not answer within 150ms`)
      assert.strictEqual(requests.length, 3)
      assert.isBelow(millis, 1000)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("layerImds: one token/role/credentials round for many concurrent callers", () =>
    Effect.gen(function*() {
      const { requests, url } = yield* imds()
      yield* Effect.all(Array.from({ length: 50 }, () => resolve), { concurrency: "unbounded" }).pipe(
        Effect.provide(Credentials.layerImds({ endpoint: url })),
        withEnv({})
      )
      assert.strictEqual(requests.length, 3)
    }).pipe(Effect.provide(FetchHttpClient.layer)))
})

/** What an oversized answer's server sent: body bytes written, and whether the client dropped the connection. */
interface Sent {
  bytes: number
  closed: boolean
}

/**
 * Answers 200 with a declared `content-length` of 1 GiB, but sends only its first KiB and holds the rest back: a
 * client that waited for the body would hang.
 */
const declaredHuge = (sent: Sent): Handler => (_, response) => {
  response.on("close", () => {
    sent.closed = true
  })
  response.writeHead(200, { "content-type": "application/json", "content-length": String(2 ** 30) })
  sent.bytes += 1024
  response.write(Buffer.alloc(1024, 32))
}

/** Answers 200 chunked (no `content-length`), streaming `text` over and over, never ending, until the client leaves. */
const endlessBody = (sent: Sent, text = " "): Handler => (_, response) => {
  const chunk = Buffer.from(text.repeat(Math.ceil(16 * 1024 / text.length)))
  response.on("close", () => {
    sent.closed = true
  })
  response.writeHead(200, { "content-type": "application/json" })
  const pump = () => {
    while (!sent.closed && !response.destroyed) {
      sent.bytes += chunk.length
      if (!response.write(chunk)) return void response.once("drain", pump)
    }
  }
  pump()
}

/** Waits (in real time, up to 2 s) until the server saw the client drop the connection. */
const dropped = (sent: Sent) =>
  Effect.promise(async () => {
    for (let i = 0; i < 200 && !sent.closed; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    return sent.closed
  })

/** A credentials answer padded with spaces to exactly `size` bytes. */
const paddedCredentials = (size: number, extra: Record<string, unknown> = {}) => {
  const body = credentialsBody(extra)
  return body + " ".repeat(size - body.length)
}

const clients = [["FetchHttpClient", FetchHttpClient.layer], ["Http.layer", Http.layer]] as const

describe.each(clients)("Credentials refuse a response body over 64 KiB, through %s", (_, clientLayer) => {
  const container = (url: string) =>
    elapsed(
      Credentials.fromContainer({ baseUrl: url, maxAttempts: 3 }).pipe(
        withEnv({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/creds" })
      )
    )

  it("the limit is 64 KiB", () => {
    assert.strictEqual(maxBodyBytes, 65536)
  })

  it.scopedLive("container: a declared content-length over the limit fails at once, without retries", () =>
    Effect.gen(function*() {
      const sent: Sent = { bytes: 0, closed: false }
      const target = yield* server(declaredHuge(sent))
      const { exit, millis } = yield* container(target.url)
      const error = failureOf(exit)
      assert.strictEqual(error._tag, "CredentialsError")
      assert.strictEqual(error.message, `container: the response body from ${target.url} exceeds 65536 bytes`)
      assert.deepStrictEqual(error.sources, ["container"])
      assert.strictEqual(target.requests.length, 1)
      assert.strictEqual(sent.bytes, 1024)
      assert.isBelow(millis, 900)
    }).pipe(Effect.provide(clientLayer)))

  it.scopedLive("container: an endless chunked body fails once past the limit, and the connection is dropped", () =>
    Effect.gen(function*() {
      const sent: Sent = { bytes: 0, closed: false }
      const target = yield* server(endlessBody(sent, credentialsBody()))
      const { exit, millis } = yield* container(target.url)
      const error = failureOf(exit)
      assert.strictEqual(error._tag, "CredentialsError")
      assert.strictEqual(error.message, `container: the response body from ${target.url} exceeds 65536 bytes`)
      assert.strictEqual(target.requests.length, 1)
      assert.isBelow(millis, 900)
      assert.isTrue(yield* dropped(sent), "the client dropped the connection")
      // what was written is what the socket buffers took, nowhere near an unbounded body
      assert.isBelow(sent.bytes, 16 * 1024 * 1024)
    }).pipe(Effect.provide(clientLayer)))

  it.scopedLive("container: one byte over the limit fails; exactly the limit still works", () =>
    Effect.gen(function*() {
      const over = yield* server((_, response) => reply(response, 200, paddedCredentials(65537)))
      const { exit } = yield* container(over.url)
      assert.strictEqual(failureOf(exit).message, `container: the response body from ${over.url} exceeds 65536 bytes`)
      assert.strictEqual(over.requests.length, 1)

      const exact = yield* server((_, response) => {
        // chunked, so that the bytes are counted as they arrive
        response.writeHead(200, { "content-type": "application/json" })
        const body = paddedCredentials(65536)
        response.write(body.slice(0, 40000))
        response.end(body.slice(40000))
      })
      const ok = yield* container(exact.url)
      assert.isTrue(Exit.isSuccess(ok.exit))
      if (Exit.isSuccess(ok.exit)) assert.strictEqual(ok.exit.value.accessKeyId, "AKIDHTTP")
    }).pipe(Effect.provide(clientLayer)))

  it.scopedLive("imds: an oversized token, role list or credentials answer fails at once, without retries", () =>
    Effect.gen(function*() {
      const cases = [
        ["token, declared", (sent: Sent) => ({ token: declaredHuge(sent) })],
        ["token, endless", (sent: Sent) => ({ token: endlessBody(sent, IMDS_TOKEN) })],
        ["roles, declared", (sent: Sent) => ({ roles: declaredHuge(sent) })],
        ["roles, endless", (sent: Sent) => ({ roles: endlessBody(sent, "my-role\n") })],
        ["credentials, declared", (sent: Sent) => ({ credentials: declaredHuge(sent) })],
        ["credentials, endless", (sent: Sent) => ({ credentials: endlessBody(sent, credentialsBody()) })]
      ] as const
      for (const [label, overrides] of cases) {
        const sent: Sent = { bytes: 0, closed: false }
        const { requests, url } = yield* imds(overrides(sent))
        const { exit, millis } = yield* elapsed(Credentials.fromImds({ endpoint: url }).pipe(withEnv({})))
        const error = failureOf(exit)
        assert.strictEqual(error._tag, "CredentialsError", label)
        assert.strictEqual(error.message, `imds: the response body from ${url} exceeds 65536 bytes`, label)
        assert.deepStrictEqual(error.sources, ["imds"], label)
        // the token request is the first, then the roles, then the credentials: none is sent twice
        const expected = label.startsWith("token") ? 1 : label.startsWith("roles") ? 2 : 3
        assert.strictEqual(requests.length, expected, label)
        assert.isBelow(millis, 900, label)
        if (label.endsWith("endless")) {
          assert.isTrue(yield* dropped(sent), `${label}: the client dropped the connection`)
          assert.isBelow(sent.bytes, 16 * 1024 * 1024, label)
        }
      }
    }).pipe(Effect.provide(clientLayer)))

  it.scopedLive("imds: a normal answer, streamed in pieces, still works", () =>
    Effect.gen(function*() {
      const { requests, url } = yield* imds({
        credentials: (_, response) => {
          response.writeHead(200, { "content-type": "application/json" })
          const body = credentialsBody({ Code: "Success" })
          response.write(body.slice(0, 10))
          setTimeout(() => response.end(body.slice(10)), 10)
        }
      })
      const identity = yield* Credentials.fromImds({ endpoint: url }).pipe(withEnv({}))
      assert.strictEqual(identity.accessKeyId, "AKIDHTTP")
      assert.strictEqual(Redacted.value(identity.secretAccessKey), SECRET)
      assert.strictEqual(requests.length, 3)
    }).pipe(Effect.provide(clientLayer)))
})

describe("Credentials.layerDefault", () => {
  /** An environment where every source but the ones given is absent (no real home files, IMDS disabled). */
  const isolated = (dir: string, env: Record<string, string>) =>
    withEnv({
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "credentials"),
      AWS_CONFIG_FILE: path.join(dir, "config"),
      AWS_EC2_METADATA_DISABLED: "true",
      ...env
    })

  it.scopedLive("the environment comes first", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      fs.writeFileSync(
        path.join(dir, "credentials"),
        `[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=x\n`
      )
      const target = yield* server((_, response) => reply(response, 200, credentialsBody()))
      const identity = yield* resolve.pipe(
        Effect.provide(Credentials.layerDefault),
        isolated(dir, {
          AWS_ACCESS_KEY_ID: "AKIDENV",
          AWS_SECRET_ACCESS_KEY: SECRET,
          AWS_CONTAINER_CREDENTIALS_FULL_URI: `${target.url}/c`
        })
      )
      assert.strictEqual(identity.accessKeyId, "AKIDENV")
      assert.strictEqual(target.requests.length, 0)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("then the shared files", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      fs.writeFileSync(
        path.join(dir, "credentials"),
        `[ci]\naws_access_key_id=AKIDFILE\naws_secret_access_key=${SECRET}\n`
      )
      const target = yield* server((_, response) => reply(response, 200, credentialsBody()))
      const identity = yield* resolve.pipe(
        Effect.provide(Credentials.layerDefault),
        isolated(dir, { AWS_PROFILE: "ci", AWS_CONTAINER_CREDENTIALS_FULL_URI: `${target.url}/c` })
      )
      assert.strictEqual(identity.accessKeyId, "AKIDFILE")
      assert.strictEqual(target.requests.length, 0)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("then the container endpoint, then IMDS", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const container = yield* server((_, response) => reply(response, 200, credentialsBody()))
      const fromContainer = yield* resolve.pipe(
        Effect.provide(Credentials.layerDefault),
        isolated(dir, { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${container.url}/c` })
      )
      assert.strictEqual(fromContainer.accessKeyId, "AKIDHTTP")
      assert.strictEqual(container.requests.length, 1)

      const metadata = yield* imds()
      const fromImds = yield* resolve.pipe(
        Effect.provide(Credentials.layerDefault),
        isolated(dir, { AWS_EC2_METADATA_DISABLED: "false", AWS_EC2_METADATA_SERVICE_ENDPOINT: metadata.url })
      )
      assert.strictEqual(fromImds.accessKeyId, "AKIDHTTP")
      assert.strictEqual(metadata.requests.length, 3)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("a failing container source falls through to IMDS", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const container = yield* server((_, response) => reply(response, 403))
      const metadata = yield* imds()
      const identity = yield* resolve.pipe(
        Effect.provide(Credentials.layerDefault),
        isolated(dir, {
          AWS_CONTAINER_CREDENTIALS_FULL_URI: `${container.url}/c`,
          AWS_EC2_METADATA_DISABLED: "false",
          AWS_EC2_METADATA_SERVICE_ENDPOINT: metadata.url
        })
      )
      assert.strictEqual(identity.accessKeyId, "AKIDHTTP")
      assert.strictEqual(container.requests.length, 1)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("when nothing yields, the error names every source tried and why", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const error = yield* resolve.pipe(Effect.provide(Credentials.layerDefault), isolated(dir, {}), Effect.flip)
      assert.strictEqual(error._tag, "CredentialsError")
      assert.deepStrictEqual(error.sources, ["environment", "profile", "container", "imds"])
      assert.match(
        error.message,
        /^no credentials found; tried environment: .*AWS_ACCESS_KEY_ID.*; profile: no shared credentials or config file.*; container: .* are not set; imds: disabled by AWS_EC2_METADATA_DISABLED$/
      )
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("layerDefaultWith passes options to the sources", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const metadata = yield* imds()
      const identity = yield* resolve.pipe(
        Effect.provide(Credentials.layerDefaultWith({ imds: { endpoint: metadata.url } })),
        isolated(dir, { AWS_EC2_METADATA_DISABLED: "false" })
      )
      assert.strictEqual(identity.accessKeyId, "AKIDHTTP")
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.effect("a custom chain of any sources", () =>
    Effect.gen(function*() {
      const identity = yield* Credentials.chain([
        Credentials.fromEnv,
        Credentials.fromProvider(async () => ({ accessKeyId: "AKIDSSO", secretAccessKey: SECRET }), { name: "sso" })
      ]).pipe(withEnv({}))
      assert.strictEqual(identity.accessKeyId, "AKIDSSO")
      const none = yield* Credentials.chain<never>([]).pipe(Effect.flip)
      assert.strictEqual(none.message, "no credential sources to try")
    }))
})

describe("Credentials never leak secrets", () => {
  /** Records every log line (all levels, with annotations and causes) and every span with its attributes. */
  const capture = Effect.gen(function*() {
    const lines: Array<string> = []
    const spans: Array<Tracer.Span> = []
    const base = yield* Effect.tracer
    const tracer = Tracer.make({
      span: (name, parent, context, links, startTime, kind, options) => {
        const span = base.span(name, parent, context, links, startTime, kind, options)
        spans.push(span)
        return span
      },
      context: (f, fiber) => base.context(f, fiber)
    })
    const logger = Logger.make((options) => {
      lines.push(Logger.logfmtLogger.log(options))
    })
    const run = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      effect.pipe(
        Effect.withTracer(tracer),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
    const dump = () => [
      ...lines,
      ...spans.map((span) =>
        JSON.stringify({
          name: span.name,
          attributes: [...span.attributes].map(([key, value]) => [key, String(value)]),
          events: (span as unknown as { events?: unknown }).events ?? []
        })
      )
    ]
    return { run, dump, spans }
  })

  const assertClean = (label: string, texts: ReadonlyArray<string>) => {
    for (const text of texts) {
      for (const secret of SECRETS) {
        assert.notInclude(text, secret, label)
        // a secret split by escaping or truncation would still show its middle part
        assert.notInclude(text, secret.slice(8, 24), label)
      }
    }
  }

  const views = (error: unknown): Array<string> => [
    String(error),
    JSON.stringify(error),
    Cause.pretty(Cause.fail(error)),
    error instanceof Error ? String(error.stack) : "",
    (error as { message?: string }).message ?? ""
  ]

  it.scopedLive("every failure path of every source", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { dump, run, spans } = yield* capture
      const scriptFile = path.join(dir, "leaky.cjs")
      fs.writeFileSync(
        scriptFile,
        `const [mode] = process.argv.slice(2)
const SECRET = ${JSON.stringify(SECRET)}, TOKEN = ${JSON.stringify(TOKEN)}
if (mode === "fail") { process.stdout.write(SECRET); process.stderr.write(TOKEN); process.exit(2) }
if (mode === "garbage") process.stdout.write("{" + SECRET + TOKEN)
if (mode === "v2") process.stdout.write(JSON.stringify({ Version: 2, AccessKeyId: "A", SecretAccessKey: SECRET }))
if (mode === "partial") process.stdout.write(JSON.stringify({ Version: 1, SecretAccessKey: SECRET, SessionToken: TOKEN }))
if (mode === "date") process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: "A", SecretAccessKey: SECRET, Expiration: SECRET }))
if (mode === "hang") setTimeout(() => {}, 3000)
`
      )
      const processCommand = (mode: string) => `"${process.execPath}" "${scriptFile}" ${mode} ${SECRET}`
      const modes = ["fail", "garbage", "v2", "partial", "date", "hang", "missing-command"]
      fs.writeFileSync(
        path.join(dir, "config"),
        [
          `[profile half]\naws_secret_access_key = ${SECRET}\naws_session_token = ${TOKEN}`,
          `[profile role]\nrole_arn = arn:aws:iam::1:role/r\naws_secret_access_key = ${SECRET}`,
          `[profile empty]\nregion = ${SECRET}`,
          ...modes.map((mode) =>
            `[profile ${mode}]\ncredential_process = ${
              mode === "missing-command" ? `${path.join(dir, "nope")} ${SECRET}` : processCommand(mode)
            }`
          )
        ].join("\n")
      )
      const profileEnv = { AWS_CONFIG_FILE: path.join(dir, "config"), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "c") }
      const tokenFile = path.join(dir, "token")
      fs.writeFileSync(tokenFile, AUTH)

      const body = (text: string) => (_: http.IncomingMessage, response: http.ServerResponse) =>
        reply(response, 200, text)
      const secretJson = JSON.stringify({ AccessKeyId: "", SecretAccessKey: SECRET, Token: TOKEN })
      const responses: Array<Handler> = [
        (_, response) => reply(response, 404, secretJson),
        (_, response) => reply(response, 500, secretJson),
        (_, response) => reply(response, 403, SECRET),
        body(`{${SECRET}`),
        body(secretJson),
        body(JSON.stringify({ AccessKeyId: "A", SecretAccessKey: SECRET, Token: 1 })),
        body(JSON.stringify({ AccessKeyId: "A", SecretAccessKey: SECRET, Token: TOKEN, Expiration: SECRET })),
        body(secretJson.padEnd(70_000, SECRET)),
        endlessBody({ bytes: 0, closed: false }, secretJson),
        () => {}
      ]
      const containerServers = yield* Effect.forEach(responses, server)
      const imdsServers = yield* Effect.forEach([
        { token: (_: http.IncomingMessage, response: http.ServerResponse) => reply(response, 403, SECRET) },
        { roles: (_: http.IncomingMessage, response: http.ServerResponse) => reply(response, 404, SECRET) },
        { credentials: (_: http.IncomingMessage, response: http.ServerResponse) => reply(response, 404, secretJson) },
        { credentials: body(`{"Code":"${SECRET}","SecretAccessKey":"${SECRET}"}`) },
        { credentials: body(`{"Code":"Failure","Message":"${SECRET}","SecretAccessKey":"${SECRET}"}`) },
        { credentials: body(secretJson) },
        { credentials: body(`${SECRET}${TOKEN}`) },
        { credentials: endlessBody({ bytes: 0, closed: false }, secretJson) },
        { credentials: () => {} }
      ], imds)

      const scenarios: Array<readonly [string, Effect.Effect<unknown, unknown, HttpClient.HttpClient | Scope.Scope>]> =
        [
          [
            "env no key id",
            Credentials.fromEnv.pipe(withEnv({ AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN }))
          ],
          [
            "env bad expiration",
            Credentials.fromEnv.pipe(withEnv({
              AWS_ACCESS_KEY_ID: "A",
              AWS_SECRET_ACCESS_KEY: SECRET,
              AWS_CREDENTIAL_EXPIRATION: SECRET
            }))
          ],
          [
            "layerEnv",
            resolve.pipe(Effect.provide(Credentials.layerEnv), withEnv({ AWS_SECRET_ACCESS_KEY: SECRET }))
          ],
          ...["half", "role", "empty", ...modes].map((profile) =>
            [
              `profile ${profile}`,
              Credentials.fromProfile({ processTimeout: "300 millis" }).pipe(
                withEnv({ ...profileEnv, AWS_PROFILE: profile })
              )
            ] as const
          ),
          ...containerServers.map(({ url }, index) =>
            [
              `container ${index}`,
              Credentials.fromContainer({ baseUrl: url, timeout: "200 millis", maxAttempts: 2 }).pipe(
                withEnv({
                  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/creds`,
                  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile
                })
              )
            ] as const
          ),
          [
            "container refused host",
            Credentials.fromContainer().pipe(withEnv({
              AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://user:${SECRET}@10.1.1.1/${TOKEN}`,
              AWS_CONTAINER_AUTHORIZATION_TOKEN: AUTH
            }))
          ],
          [
            "container bad url",
            Credentials.fromContainer().pipe(withEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `::${SECRET}` }))
          ],
          [
            "container token line break",
            Credentials.fromContainer().pipe(withEnv({
              AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/x",
              AWS_CONTAINER_AUTHORIZATION_TOKEN: `${AUTH}\n`
            }))
          ],
          [
            "container refused connection",
            Effect.flatMap(closedPort, (url) =>
              Credentials.fromContainer({ maxAttempts: 1 }).pipe(withEnv({
                AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url}/creds`,
                AWS_CONTAINER_AUTHORIZATION_TOKEN: AUTH
              })))
          ],
          ...imdsServers.map(({ url }, index) =>
            [`imds ${index}`, Credentials.fromImds({ endpoint: url, timeout: "200 millis" }).pipe(withEnv({}))] as const
          ),
          [
            "provider malformed",
            Credentials.fromProvider(async () =>
              ({ accessKeyId: 7, secretAccessKey: SECRET, sessionToken: TOKEN, expiration: SECRET }) as any
            )
          ],
          ["provider not an object", Credentials.fromProvider(async () => SECRET as any)],
          ["provider rejects a non-Error", Credentials.fromProvider(() => Promise.reject({ secret: SECRET }))],
          [
            "static without key id",
            resolve.pipe(Effect.provide(Credentials.layerStatic({ accessKeyId: "", secretAccessKey: SECRET })))
          ],
          [
            "default chain",
            resolve.pipe(
              Effect.provide(Credentials.layerDefaultWith({ imds: { endpoint: imdsServers[5].url } })),
              withEnv({ ...profileEnv, AWS_PROFILE: "garbage", AWS_SECRET_ACCESS_KEY: SECRET })
            )
          ]
        ]

      let failures = 0
      for (const [label, effect] of scenarios) {
        const exit = yield* run(Effect.exit(effect))
        assert.isTrue(Exit.isFailure(exit), `${label} should fail`)
        if (Exit.isFailure(exit)) {
          const error = Option.getOrThrow(Cause.failureOption(exit.cause))
          assert.strictEqual((error as { _tag?: string })._tag, "CredentialsError", label)
          assertClean(label, [...views(error), Cause.pretty(exit.cause)])
          failures++
        }
      }
      assert.strictEqual(failures, scenarios.length)

      // a refresh that fails while the cached credentials are still valid is logged as a warning: credentials that
      // live 1 s are refreshed half-way
      let calls = 0
      const flaky = Credentials.layerProvider(
        async () => {
          calls++
          if (calls > 1) throw new Error("refresh failed")
          return {
            accessKeyId: "A",
            secretAccessKey: SECRET,
            sessionToken: TOKEN,
            expiration: new Date(Date.now() + 1000)
          }
        },
        { refreshBefore: "5 minutes" }
      )
      const identities = yield* run(
        Effect.all([resolve, Effect.zipRight(Effect.sleep("600 millis"), resolve)]).pipe(Effect.provide(flaky))
      )
      assert.strictEqual(calls, 2)
      assert.strictEqual(identities[1].accessKeyId, "A")
      assertClean("identity", [String(identities[1]), JSON.stringify(identities[1])])

      const logged = dump()
      assert.isTrue(logged.some((line) => line.includes("credentials refresh failed")), "the warning was logged")
      assert.isTrue(logged.some((line) => line.includes("did not yield")), "the chain logged its steps")
      assert.isTrue(
        spans.some((span) => [...span.attributes.keys()].includes("http.request.header.x-aws-ec2-metadata-token")),
        "the HTTP client spans were captured"
      )
      assertClean("logs and spans", logged)
    }).pipe(Effect.provide(FetchHttpClient.layer)), { timeout: 30_000 })
})

describe("Credentials timeouts come from Clock", () => {
  it.effect("a container request that never answers times out on the TestClock, not the wall clock", () =>
    Effect.gen(function*() {
      const silent = yield* server(() => {})
      const fiber = yield* Effect.fork(
        Credentials.fromContainer({ baseUrl: silent.url, maxAttempts: 1 }).pipe(
          withEnv({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/x" }),
          Effect.flip
        )
      )
      // wait (in real time) until the request reached the server, then move the test clock past the timeout
      yield* Effect.promise(async () => {
        while (silent.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
      })
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust(Duration.seconds(1))
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.message, `container: ${silent.url} did not answer within 1s`)
    }).pipe(Effect.provide(FetchHttpClient.layer), Effect.scoped))
})
