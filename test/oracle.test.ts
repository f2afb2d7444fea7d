/**
 * Oracle tests: our wire requests, signatures and presigned URLs against `@aws-sdk/client-apigatewaymanagementapi`
 * (a devDependency used only here, as a test oracle).
 *
 * For every endpoint, connection id, operation and credential kind below, both clients run at the same fixed time
 * with the same credentials; the SDK's outgoing request is caught by a custom `requestHandler`, ours by
 * `TestHttp.layer()`. Then:
 * - method, scheme, host, wire path (exact bytes), query, body bytes, `content-type`, `content-length`, `x-amz-date`
 *   and `x-amz-security-token` must be equal, and we must send no header the SDK does not send;
 * - signatures over the same headers: the SDK's signed headers and values, signed by our `SigV4.sign` over OUR path
 *   and OUR body (with the SDK's `x-amz-content-sha256` recomputed from our body), must give the SDK's
 *   `Authorization` byte for byte;
 * - our request must verify with a signer configured as the SDK configures its own, and the SDK's request must pass
 *   the emulator's verifier (`packages/emulator/src/internal/sigv4.ts`, `verify`);
 * - presigned URLs: ours from `generatePresignedUrl`, the SDK's by presigning the SDK-serialised request with the
 *   SDK's own signer instance, must be the same string (and the same path and query parameters once parsed).
 *
 * What the SDK does and we deliberately do not (each has a test at the end):
 * - an endpoint with a trailing slash makes the SDK send `/prod//@connections/...`; we send `/prod/@connections/...`
 *   (both sign `/prod/%40connections/...`: the signer drops empty segments from the canonical path);
 * - the SDK sends `.`, `..` and `""` as connection ids (`/@connections/.` is signed as `/@connections`, so the
 *   signature covers another path than the one sent); we refuse them with `InvalidInputError` before any request;
 * - a lone surrogate in the id makes the SDK throw an untyped `URIError`; we fail with `InvalidInputError`;
 * - a `wss://` endpoint makes the SDK build a `wss:` request; we send it over `https:`;
 * - an empty `Data`: the SDK sends neither a `content-length` header nor signs one; we send and sign
 *   `content-length: 0` (the HTTP client would send it anyway);
 * - the SDK adds and signs `x-amz-content-sha256`, `x-amz-user-agent`, `amz-sdk-invocation-id`, `amz-sdk-request`
 *   and sends `user-agent`; we send none of them (the service does not need them, and the payload hash is part of
 *   the canonical request either way).
 *
 * Note on independence: our `SigV4` and the SDK both sign with `@smithy/signature-v4`, so the signature comparisons
 * here check what each client feeds the signer (path, headers, body, time, scope, which headers are signed); the
 * signer itself is checked against the official vectors in `packages/core/test/SigV4.vectors.test.ts`, and the
 * emulator's verifier, which checks the SDK's requests here, is written apart from smithy.
 */
import { ApiGatewayManagementApi, SigV4 } from "@effect-apigw/core"
import { Credentials, FixedClock, TestHttp } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { HttpRequest } from "@smithy/core/protocols"
import { Effect, FastCheck as fc, Layer } from "effect"
import { createHash } from "node:crypto"
import * as Verifier from "../packages/emulator/src/internal/sigv4.js"
import {
  base64Id,
  CONNECTION_JSON,
  fixedBytes,
  type Operation,
  sdkLikeSigner,
  sdkPresignedUrl,
  sdkRequest,
  type SdkSetup,
  unicodeId
} from "./oracle.sdk.js"

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

const LONG_TERM = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }
const SESSION = {
  accessKeyId: "ASIAEXAMPLE",
  secretAccessKey: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
  // Characters that need encoding in a query string (`/`, `+`, `=`).
  sessionToken:
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRq+/="
}
const CREDENTIALS = [["long-term", LONG_TERM], ["session", SESSION]] as const

interface Target {
  readonly endpoint: string
  /** Given to our client only when it cannot read it from the host. */
  readonly region?: string
  /** The signing region (the SDK always needs it). */
  readonly signingRegion: string
}

const TARGETS: ReadonlyArray<Target> = [
  { endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod", signingRegion: "eu-west-1" },
  { endpoint: "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev-1", signingRegion: "us-east-1" },
  { endpoint: "https://a1b2c3d4e5.execute-api.ap-southeast-2.amazonaws.com/$default", signingRegion: "ap-southeast-2" },
  { endpoint: "https://abc123.execute-api.cn-north-1.amazonaws.com.cn/v1.2_beta~x", signingRegion: "cn-north-1" },
  { endpoint: "https://ws.example.com/chat/v1", region: "us-west-2", signingRegion: "us-west-2" },
  { endpoint: "https://ws.example.com:8443/chat", region: "eu-central-1", signingRegion: "eu-central-1" },
  { endpoint: "https://ws.example.com:443/chat", region: "eu-central-1", signingRegion: "eu-central-1" },
  { endpoint: "http://127.0.0.1:3001/local", region: "us-east-1", signingRegion: "us-east-1" },
  { endpoint: "https://ws.example.com/st%C3%BCfe/a%20b/(x)!", region: "sa-east-1", signingRegion: "sa-east-1" },
  { endpoint: "https://ws.example.com/ünï cødé/$x@y", region: "sa-east-1", signingRegion: "sa-east-1" }
]

const FIXED_IDS: ReadonlyArray<string> = [
  "L0SM9cOFvHcCIhw=",
  "abc/def",
  "a b",
  "ü",
  "u\u0308", // decomposed ü: must not be normalised
  "!'()*~",
  "%41",
  "%",
  "?#",
  "@",
  "a+b&c=d;e,f:g",
  "\u0000\u001f\u007f",
  "\t\r\n",
  "~-._",
  ".a",
  "...",
  "a.",
  "\ufeff",
  "👋🏽",
  "🧑‍🤝‍🧑 emoji ✓",
  "$connect",
  "[x]{y}|\\^`\"<>",
  "x".repeat(1024)
]

type Keys = SdkSetup["credentials"]

const TIME = Date.UTC(2024, 1, 29, 23, 59, 59)

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex")
const bytesOf = (body: unknown): Uint8Array =>
  body === undefined || body === null
    ? new Uint8Array(0)
    : typeof body === "string"
    ? new TextEncoder().encode(body)
    : body instanceof Uint8Array
    ? body
    : assert.fail(`unexpected SDK body ${typeof body}`)

const responder: TestHttp.Responder = (request) =>
  request.method === "GET"
    ? { status: 200, body: { json: CONNECTION_JSON } }
    : request.method === "DELETE"
    ? { status: 204 }
    : { status: 200 }

const clientLayer = (target: Target, credentials: Keys, time: number) =>
  ApiGatewayManagementApi.layer({
    endpoint: target.endpoint,
    ...(target.region === undefined ? {} : { region: target.region }),
    maxAttempts: 1
  }).pipe(
    Layer.provideMerge(Layer.mergeAll(TestHttp.layer(responder), Credentials.layerStatic(credentials))),
    Layer.provideMerge(FixedClock.layer(time))
  )

type Input = { readonly ConnectionId: string; readonly Data?: string | Uint8Array }

/** Runs one operation through our client and returns the request it sent. */
const ourRequest = (
  target: Target,
  credentials: Keys,
  op: Operation,
  input: Input,
  time: number
) =>
  Effect.gen(function*() {
    const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
    if (op === "postToConnection") {
      yield* api.postToConnection({ ConnectionId: input.ConnectionId, Data: input.Data ?? "" })
    } else if (op === "getConnection") {
      const output = yield* api.getConnection({ ConnectionId: input.ConnectionId })
      assert.strictEqual(output.ConnectedAt?.toISOString(), CONNECTION_JSON.connectedAt)
    } else {
      yield* api.deleteConnection({ ConnectionId: input.ConnectionId })
    }
    const requests = yield* (yield* TestHttp.TestHttp).requests
    assert.strictEqual(requests.length, 1)
    return requests[0]
  }).pipe(Effect.provide(clientLayer(target, credentials, time)))

const ourPresignedUrl = (
  target: Target,
  credentials: Keys,
  op: Operation,
  input: Input,
  time: number,
  expiresIn: number
) =>
  Effect.gen(function*() {
    const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
    return yield* op === "postToConnection"
      ? api.generatePresignedUrl({
        ClientMethod: op,
        Params: { ConnectionId: input.ConnectionId, Data: input.Data ?? "" },
        ExpiresIn: expiresIn
      })
      : api.generatePresignedUrl({
        ClientMethod: op,
        Params: { ConnectionId: input.ConnectionId },
        ExpiresIn: expiresIn
      })
  }).pipe(Effect.provide(clientLayer(target, credentials, time)))

/**
 * The `authorization` that a signer configured as the SDK's (for `client`, in `region`) gives our request, over the
 * headers our own signature lists.
 */
const sdkSignerAuthorization = (
  client: Parameters<typeof sdkLikeSigner>[0],
  region: string,
  ours: TestHttp.RecordedRequest,
  signingDate: Date
) =>
  Effect.promise(async () => {
    const headers: Record<string, string> = {}
    for (const name of Verifier.parseAuthorization(ours.headers["authorization"])!.signedHeaders) {
      headers[name] = name === "host" ? ours.url.host : ours.headers[name]
    }
    const signer = await sdkLikeSigner(client, region)
    const signed = await signer.sign(
      new HttpRequest({
        method: ours.method,
        protocol: ours.url.protocol,
        hostname: ours.url.hostname,
        ...(ours.url.port === "" ? {} : { port: Number(ours.url.port) }),
        path: ours.url.pathname,
        query: {},
        headers,
        body: ours.body
      }),
      { signingDate }
    )
    return signed.headers["authorization"]
  })

const CONTENT_HEADERS = ["content-type", "content-length", "x-amz-date", "x-amz-security-token"]

/** Runs one case through both clients and compares everything listed at the top of this file. */
const compare = (
  target: Target,
  credentials: Keys,
  op: Operation,
  input: Input,
  time = TIME,
  expiresIn = 3600
) =>
  Effect.gen(function*() {
    const label = `${op} ${JSON.stringify(input.ConnectionId)} via ${target.endpoint}`
    const ours = yield* ourRequest(target, credentials, op, input, time)
    const setup: SdkSetup = { endpoint: target.endpoint, region: target.signingRegion, credentials }
    const { client, request: sdk } = yield* Effect.promise(() => sdkRequest(setup, op, input, time))

    // The wire request.
    assert.strictEqual(ours.method, sdk.method, label)
    assert.strictEqual(ours.url.protocol, sdk.protocol, label)
    assert.strictEqual(ours.url.hostname, sdk.hostname, label)
    assert.strictEqual(ours.url.host, sdk.headers["host"], label)
    assert.strictEqual(ours.url.pathname, sdk.path, label)
    assert.strictEqual(ours.url.search, "", label)
    assert.deepStrictEqual(sdk.query, {}, label)
    const ourBody = ours.body
    assert.deepStrictEqual(ourBody, bytesOf(sdk.body), label)
    for (const name of CONTENT_HEADERS) assert.strictEqual(ours.headers[name], sdk.headers[name], `${label}: ${name}`)
    for (const name of Object.keys(ours.headers)) assert.property(sdk.headers, name, `${label}: we send ${name}`)

    // Signatures over the same headers: the SDK's, with our path and body.
    const sdkAuth = Verifier.parseAuthorization(sdk.headers["authorization"])!
    const ourAuth = Verifier.parseAuthorization(ours.headers["authorization"])!
    assert.strictEqual(sdkAuth.service, "execute-api", label)
    assert.deepStrictEqual(
      { ...ourAuth, signedHeaders: [], signature: "" },
      { ...sdkAuth, signedHeaders: [], signature: "" },
      label
    )
    const sdkHeaders: Record<string, string> = {}
    for (const name of sdkAuth.signedHeaders) if (name !== "x-amz-date") sdkHeaders[name] = sdk.headers[name]
    sdkHeaders["x-amz-content-sha256"] = sha256(ourBody)
    sdkHeaders["host"] = ours.url.host
    const identity = Credentials.identity(credentials)
    const resigned = yield* Effect.promise(() =>
      SigV4.sign(
        {
          method: ours.method,
          hostname: ours.url.hostname,
          path: ours.url.pathname,
          headers: sdkHeaders,
          body: ourBody
        },
        { credentials: identity, region: ourAuth.region, time }
      )
    )
    assert.strictEqual(
      resigned["authorization"],
      sdk.headers["authorization"],
      `${label}: same headers, same signature`
    )

    // The headers we sign: host and x-amz-date (and the token), plus the content headers we send.
    const expectedSigned = [
      ...(op === "postToConnection" ? ["content-length", "content-type"] : []),
      "host",
      "x-amz-date",
      ...("sessionToken" in credentials ? ["x-amz-security-token"] : [])
    ]
    assert.deepStrictEqual(ourAuth.signedHeaders, expectedSigned, label)

    // Our request, verified by a signer configured as the SDK's.
    const checked = yield* sdkSignerAuthorization(
      client,
      target.signingRegion,
      ours,
      new Date(Verifier.parseAmzDate(ours.headers["x-amz-date"])!)
    )
    assert.strictEqual(checked, ours.headers["authorization"], `${label}: SDK signer`)

    // The SDK's request passes our verifier (the emulator's).
    const sdkHeadersLower: Record<string, string> = {}
    for (const [name, value] of Object.entries(sdk.headers)) sdkHeadersLower[name.toLowerCase()] = value
    const verdict = yield* Effect.promise(() =>
      Verifier.verify({
        method: sdk.method,
        hostname: sdk.hostname,
        path: sdk.path,
        headers: sdkHeadersLower,
        body: bytesOf(sdk.body)
      }, { credentials: identity, region: target.signingRegion, now: time })
    )
    assert.isUndefined(verdict, label)

    // Presigned URLs.
    const ourUrl = yield* ourPresignedUrl(target, credentials, op, input, time, expiresIn)
    const sdkUrl = yield* Effect.promise(() => sdkPresignedUrl(client, sdk, target.signingRegion, time, expiresIn))
    const a = new URL(ourUrl)
    const b = new URL(sdkUrl)
    assert.strictEqual(a.origin, b.origin, label)
    assert.strictEqual(a.pathname, b.pathname, label)
    assert.strictEqual(a.pathname, ours.url.pathname, label)
    assert.deepStrictEqual([...a.searchParams].sort(), [...b.searchParams].sort(), `${label}: presign query`)
    assert.deepStrictEqual(a.search.slice(1).split("&").sort(), b.search.slice(1).split("&").sort(), label)
    assert.strictEqual(a.searchParams.get("X-Amz-SignedHeaders"), "host", label)
    assert.strictEqual(a.searchParams.get("X-Amz-Expires"), String(expiresIn), label)
    assert.strictEqual(
      a.searchParams.get("X-Amz-Security-Token"),
      "sessionToken" in credentials ? SESSION.sessionToken : null
    )
    assert.strictEqual(ourUrl, sdkUrl, label)
  })

const OPERATIONS: ReadonlyArray<Operation> = ["postToConnection", "getConnection", "deleteConnection"]

/**
 * Checks `numRuns` values of an arbitrary, one after the other; a failure reports FastCheck's counterexample, seed and
 * path (pass them back as `{ seed, path }` to replay it).
 */
const forAll = <A>(arbitrary: fc.Arbitrary<A>, numRuns: number, check: (a: A) => Effect.Effect<void, unknown>) =>
  Effect.promise(() => fc.assert(fc.asyncProperty(arbitrary, (a) => Effect.runPromise(check(a))), { numRuns }))

/** All operations, both credential kinds, for one id. */
const compareAll = (target: Target, connectionId: string, data: string | Uint8Array = "hello") =>
  Effect.forEach(
    OPERATIONS.flatMap((op) => CREDENTIALS.map(([, credentials]) => [op, credentials] as const)),
    ([op, credentials]) => compare(target, credentials, op, { ConnectionId: connectionId, Data: data }),
    { discard: true }
  )

describe("oracle: @aws-sdk/client-apigatewaymanagementapi", () => {
  TARGETS.forEach((target) => {
    describe(target.endpoint, () => {
      for (const id of FIXED_IDS) {
        it.effect(`id ${JSON.stringify(id.length > 40 ? `${id.slice(0, 20)}... (${id.length})` : id)}`, () =>
          compareAll(target, id))
      }
      it.effect("128-character base64 ids (random)", () => forAll(base64Id(128), 5, (id) => compareAll(target, id)))
      it.effect("random Unicode ids of up to 128 code points", () =>
        forAll(unicodeId(128), 5, (id) => compareAll(target, id)))
      it.effect("short random Unicode ids", () => forAll(unicodeId(8), 10, (id) => compareAll(target, id)))
    })
  })

  describe("Data, time and expiry", () => {
    const target = TARGETS[0]
    const DATA: ReadonlyArray<readonly [string, string | Uint8Array]> = [
      ["ASCII string", "hello"],
      ["Unicode string", "héllo 👋 \u0000 ✓"],
      ["JSON string", JSON.stringify({ action: "message", data: "ü".repeat(100) })],
      ["binary", fixedBytes(7, 300)],
      ["binary with every byte value", Uint8Array.from({ length: 256 }, (_, i) => i)],
      ["a view into a larger buffer", fixedBytes(8, 64).subarray(5, 40)],
      ["131072 bytes (the model's maximum)", fixedBytes(9, 131072)]
    ]
    for (const [name, data] of DATA) {
      it.effect(`postToConnection with ${name}`, () =>
        Effect.forEach(
          CREDENTIALS,
          ([, credentials]) =>
            compare(target, credentials, "postToConnection", { ConnectionId: "L0SM9cOFvHcCIhw=", Data: data }),
          { discard: true }
        ))
    }

    const randomCase = fc.record({
      id: unicodeId(40),
      time: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2000, 0, 1) + 50 * 365 * 86_400_000 - 1 }),
      expiresIn: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(1, 60, 3600, 604800) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 604800 }) }
      ),
      target: fc.constantFrom(...TARGETS),
      credentials: fc.constantFrom(...CREDENTIALS.map(([, credentials]) => credentials)),
      op: fc.constantFrom(...OPERATIONS),
      data: fc.uint8Array({ minLength: 1, maxLength: 2000, size: "max" })
    })

    it.effect("random times, expiries and ids", () =>
      forAll(
        randomCase,
        30,
        (c) => compare(c.target, c.credentials, c.op, { ConnectionId: c.id, Data: c.data }, c.time, c.expiresIn)
      ))
  })

  describe("what the SDK does and we deliberately do not", () => {
    const target = TARGETS[0]
    const setup: SdkSetup = { endpoint: target.endpoint, region: target.signingRegion, credentials: LONG_TERM }

    it.effect("trailing slash: the SDK sends //@connections, we send one slash; both sign the same canonical path", () =>
      Effect.gen(function*() {
        const slashed: Target = { ...target, endpoint: `${target.endpoint}/` }
        const ours = yield* ourRequest(slashed, LONG_TERM, "getConnection", { ConnectionId: "a=b" }, TIME)
        const { request: sdk } = yield* Effect.promise(() =>
          sdkRequest({ ...setup, endpoint: slashed.endpoint }, "getConnection", { ConnectionId: "a=b" }, TIME)
        )
        assert.strictEqual(sdk.path, "/prod//@connections/a%3Db")
        assert.strictEqual(ours.url.pathname, "/prod/@connections/a%3Db")
        // Same request as without the slash.
        const plain = yield* ourRequest(target, LONG_TERM, "getConnection", { ConnectionId: "a=b" }, TIME)
        assert.strictEqual(ours.url.href, plain.url.href)
        assert.strictEqual(ours.headers["authorization"], plain.headers["authorization"])
        // The SDK's signature over its own headers equals ours over our single-slash path.
        const auth = Verifier.parseAuthorization(sdk.headers["authorization"])!
        const headers: Record<string, string> = {}
        for (const name of auth.signedHeaders) if (name !== "x-amz-date") headers[name] = sdk.headers[name]
        const resigned = yield* Effect.promise(() =>
          SigV4.sign(
            { method: "GET", hostname: ours.url.hostname, path: ours.url.pathname, headers },
            { credentials: Credentials.identity(LONG_TERM), region: target.signingRegion, time: TIME }
          )
        )
        assert.strictEqual(resigned["authorization"], sdk.headers["authorization"])
      }))

    it.effect("'.', '..' and '': the SDK sends them (and signs another path); we refuse them before any request", () =>
      Effect.gen(function*() {
        for (
          const [id, sdkPath] of [[".", "/prod/@connections/."], ["..", "/prod/@connections/.."], [
            "",
            "/prod/@connections/"
          ]]
        ) {
          const { request: sdk } = yield* Effect.promise(() =>
            sdkRequest(setup, "deleteConnection", { ConnectionId: id }, TIME)
          )
          assert.strictEqual(sdk.path, sdkPath)
          const error = yield* Effect.flip(
            ourRequest(target, LONG_TERM, "deleteConnection", { ConnectionId: id }, TIME)
          )
          assert.strictEqual(error._tag, "InvalidInputError")
        }
        // What the SDK signs for "/prod/@connections/." is the canonical path of "/prod/@connections".
        const { request: dot } = yield* Effect.promise(() =>
          sdkRequest(setup, "getConnection", { ConnectionId: "." }, TIME)
        )
        const auth = Verifier.parseAuthorization(dot.headers["authorization"])!
        const headers: Record<string, string> = {}
        for (const name of auth.signedHeaders) if (name !== "x-amz-date") headers[name] = dot.headers[name]
        const resigned = yield* Effect.promise(() =>
          SigV4.sign(
            { method: "GET", hostname: dot.hostname, path: "/prod/@connections", headers },
            { credentials: Credentials.identity(LONG_TERM), region: target.signingRegion, time: TIME }
          )
        )
        assert.strictEqual(resigned["authorization"], dot.headers["authorization"])
      }))

    it.effect("a lone surrogate: the SDK throws an untyped URIError; we fail with InvalidInputError", () =>
      Effect.gen(function*() {
        for (const id of ["\ud800", "a\udfffb", "👋".slice(0, 1)]) {
          const thrown = yield* Effect.promise(() =>
            sdkRequest(setup, "postToConnection", { ConnectionId: id, Data: "x" }, TIME).then(
              () => undefined,
              (error: unknown) => error
            )
          )
          assert.instanceOf(thrown, URIError)
          for (const op of OPERATIONS) {
            const error = yield* Effect.flip(ourRequest(target, LONG_TERM, op, { ConnectionId: id, Data: "x" }, TIME))
            assert.strictEqual(error._tag, "InvalidInputError")
          }
        }
      }))

    it.effect("wss:// endpoint: the SDK builds a wss: request; we send the same request over https:", () =>
      Effect.gen(function*() {
        const wss = target.endpoint.replace("https://", "wss://")
        const { request: sdk } = yield* Effect.promise(() =>
          sdkRequest({ ...setup, endpoint: wss }, "getConnection", { ConnectionId: "x" }, TIME)
        )
        assert.strictEqual(sdk.protocol, "wss:")
        const ours = yield* ourRequest(
          { ...target, endpoint: wss },
          LONG_TERM,
          "getConnection",
          { ConnectionId: "x" },
          TIME
        )
        const plain = yield* ourRequest(target, LONG_TERM, "getConnection", { ConnectionId: "x" }, TIME)
        assert.strictEqual(ours.url.href, plain.url.href)
        assert.strictEqual(ours.url.protocol, "https:")
        assert.strictEqual(ours.headers["authorization"], plain.headers["authorization"])
      }))

    it.effect("empty Data: the SDK sends no content-length; we send and sign content-length: 0", () =>
      Effect.gen(function*() {
        const { request: sdk } = yield* Effect.promise(() =>
          sdkRequest(setup, "postToConnection", { ConnectionId: "x", Data: "" }, TIME)
        )
        assert.isUndefined(sdk.headers["content-length"])
        assert.strictEqual(sdk.headers["content-type"], "application/octet-stream")
        const ours = yield* ourRequest(target, LONG_TERM, "postToConnection", { ConnectionId: "x", Data: "" }, TIME)
        assert.strictEqual(ours.headers["content-length"], "0")
        assert.strictEqual(ours.headers["content-type"], "application/octet-stream")
        assert.strictEqual(ours.body.length, 0)
        assert.deepStrictEqual(Verifier.parseAuthorization(ours.headers["authorization"])!.signedHeaders, [
          "content-length",
          "content-type",
          "host",
          "x-amz-date"
        ])
        // With an empty Uint8Array the SDK does send content-length: 0, as we do.
        const { request: bytes } = yield* Effect.promise(() =>
          sdkRequest(setup, "postToConnection", { ConnectionId: "x", Data: new Uint8Array(0) }, TIME)
        )
        assert.strictEqual(bytes.headers["content-length"], "0")
        yield* compare(target, LONG_TERM, "postToConnection", { ConnectionId: "x", Data: new Uint8Array(0) })
      }))

    it.effect("the SDK's bookkeeping headers and payload hash: the SDK signs them, we send none", () =>
      Effect.gen(function*() {
        const { request: sdk } = yield* Effect.promise(() =>
          sdkRequest(setup, "postToConnection", { ConnectionId: "x", Data: "hello" }, TIME)
        )
        const ours = yield* ourRequest(
          target,
          LONG_TERM,
          "postToConnection",
          { ConnectionId: "x", Data: "hello" },
          TIME
        )
        for (const name of ["x-amz-content-sha256", "x-amz-user-agent", "amz-sdk-invocation-id", "amz-sdk-request"]) {
          assert.include(Verifier.parseAuthorization(sdk.headers["authorization"])!.signedHeaders, name)
          assert.notProperty(ours.headers, name)
        }
        assert.property(sdk.headers, "user-agent")
        assert.notProperty(ours.headers, "user-agent")
      }))

    it.effect("an endpoint ending in /@connections: the SDK appends another; we drop it", () =>
      Effect.gen(function*() {
        const suffixed = `${target.endpoint}/@connections`
        const { request: sdk } = yield* Effect.promise(() =>
          sdkRequest({ ...setup, endpoint: suffixed }, "getConnection", { ConnectionId: "x" }, TIME)
        )
        assert.strictEqual(sdk.path, "/prod/@connections/@connections/x")
        const ours = yield* ourRequest({ ...target, endpoint: suffixed }, LONG_TERM, "getConnection", {
          ConnectionId: "x"
        }, TIME)
        assert.strictEqual(ours.url.pathname, "/prod/@connections/x")
      }))
  })

  it.effect("broadcast (the body hashed once for every post): each post is the SDK's request, signed as the SDK signs it", () =>
    Effect.gen(function*() {
      const target = TARGETS[0]
      const ids = ["L0SM9cOFvHcCIhw=", "abc/def", "ü", ...fc.sample(base64Id(16), { seed: 77, numRuns: 5 })]
      for (const [, credentials] of CREDENTIALS) {
        for (const data of ["hello", fixedBytes(78, 1024), new Uint8Array(0)]) {
          const broadcast = yield* Effect.gen(function*() {
            const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
            const result = yield* api.broadcast({ ConnectionIds: ids, Data: data, concurrency: 1 })
            assert.strictEqual(result.delivered.length, ids.length)
            return yield* (yield* TestHttp.TestHttp).requests
          }).pipe(Effect.provide(clientLayer(target, credentials, TIME)))
          assert.strictEqual(broadcast.length, ids.length)
          const setup: SdkSetup = { endpoint: target.endpoint, region: target.signingRegion, credentials }
          for (const ours of broadcast) {
            const id = ids.find((id) => ours.url.pathname.endsWith(`/${encodeURIComponent(id)}`))!
            const label = `broadcast to ${JSON.stringify(id)}`
            // The post a single postToConnection sends, byte for byte: the hash given is neither sent nor mis-signed.
            const single = yield* ourRequest(
              target,
              credentials,
              "postToConnection",
              { ConnectionId: id, Data: data },
              TIME
            )
            assert.strictEqual(ours.url.href, single.url.href, label)
            assert.deepStrictEqual(ours.headers, single.headers, label)
            assert.deepStrictEqual(ours.body, single.body, label)
            assert.notProperty(ours.headers, "x-amz-content-sha256", label)
            // The SDK's own request for it: same wire request, and our signature is its signer's over our headers.
            const { client, request: sdk } = yield* Effect.promise(() =>
              sdkRequest(setup, "postToConnection", { ConnectionId: id, Data: data }, TIME)
            )
            assert.strictEqual(ours.url.pathname, sdk.path, label)
            assert.deepStrictEqual(ours.body, bytesOf(sdk.body), label)
            for (const name of CONTENT_HEADERS) {
              assert.strictEqual(ours.headers[name], sdk.headers[name], `${label}: ${name}`)
            }
            const checked = yield* sdkSignerAuthorization(client, target.signingRegion, ours, new Date(TIME))
            assert.strictEqual(checked, ours.headers["authorization"], `${label}: SDK signer`)
            client.destroy()
          }
        }
      }
    }))

  it.effect("the region is read from an execute-api host exactly as the SDK is told it", () =>
    Effect.gen(function*() {
      for (const target of TARGETS.filter((t) => t.region === undefined)) {
        const api = yield* Effect.provide(
          ApiGatewayManagementApi.ApiGatewayManagementApi,
          clientLayer(target, LONG_TERM, TIME)
        )
        assert.strictEqual(api.endpoint.region, target.signingRegion)
      }
      // A failing oracle would be noticed: a different secret gives a different signature.
      const ours = yield* ourRequest(TARGETS[0], LONG_TERM, "getConnection", { ConnectionId: "x" }, TIME)
      const other = yield* ourRequest(
        TARGETS[0],
        { ...LONG_TERM, secretAccessKey: `${LONG_TERM.secretAccessKey}x` },
        "getConnection",
        { ConnectionId: "x" },
        TIME
      )
      assert.notStrictEqual(ours.headers["authorization"], other.headers["authorization"])
    }))
})
