import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Credentials, Http, TestHttp } from "@effect-apigw/layers"
import { HttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Fiber, Layer, Option, Schedule, TestClock, Tracer } from "effect"

const ENDPOINT = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
const TOKEN = "session-token-that-must-not-leak"

const clientLayer = (options: Partial<ApiGatewayManagementApi.Options> = {}) =>
  ApiGatewayManagementApi.layer({ endpoint: ENDPOINT, ...options }).pipe(
    Layer.provideMerge(Layer.mergeAll(
      TestHttp.layer(),
      Credentials.layerStatic({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: SECRET, sessionToken: TOKEN })
    ))
  )

/** Runs an effect on the TestClock, moving time forward until it is done (for backoff sleeps). */
const withTime = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(Date.parse("2024-05-01T12:00:00Z"))
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < 30 && Option.isNone(yield* Fiber.poll(fiber)); i++) yield* TestClock.adjust("10 seconds")
    return yield* Fiber.join(fiber)
  })

const post = ApiGatewayManagementApi.postToConnection({ ConnectionId: "L0SM9cOFvHcCIhw=", Data: "hello" })
const get = ApiGatewayManagementApi.getConnection({ ConnectionId: "L0SM9cOFvHcCIhw=" })

const scripted = (...responses: Array<TestHttp.Scripted>) =>
  Effect.flatMap(TestHttp.TestHttp, (http) => http.enqueue(...responses))
const requests = Effect.flatMap(TestHttp.TestHttp, (http) => http.requests)

const failure = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.flip(withTime(effect))

const noSecrets = (error: unknown) => {
  const texts = [String(error), JSON.stringify(error), (error as Error).message ?? ""]
  for (const text of texts) {
    assert.notInclude(text, SECRET)
    assert.notInclude(text, TOKEN)
  }
}

describe("requests", () => {
  it.effect("postToConnection sends the raw bytes to the encoded path, signed", () =>
    Effect.gen(function*() {
      const output = yield* withTime(
        ApiGatewayManagementApi.postToConnection({ ConnectionId: "abc/d e=", Data: "héllo" })
      )
      const [request] = yield* requests
      assert.strictEqual(request.method, "POST")
      assert.strictEqual(request.url.href, `${ENDPOINT}/@connections/abc%2Fd%20e%3D`)
      assert.deepStrictEqual(request.body, new TextEncoder().encode("héllo"))
      assert.strictEqual(request.headers["content-type"], "application/octet-stream")
      assert.strictEqual(request.headers["x-amz-date"], "20240501T120000Z")
      assert.strictEqual(request.headers["x-amz-security-token"], TOKEN)
      assert.match(
        request.headers["authorization"],
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20240501\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/
      )
      assert.deepStrictEqual(output.$metadata, { httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 })
    }).pipe(Effect.provide(clientLayer())))

  it.effect("getConnection and deleteConnection use GET and DELETE without a body", () =>
    Effect.gen(function*() {
      yield* scripted({
        status: 200,
        headers: { "x-amzn-requestid": "req-get" },
        body: {
          json: {
            connectedAt: "2024-05-01T11:00:00.000Z",
            lastActiveAt: "2024-05-01T11:59:00Z",
            identity: { sourceIp: "192.0.2.10", userAgent: "test/1.0" }
          }
        }
      }, { status: 204 })
      const info = yield* withTime(get)
      yield* withTime(ApiGatewayManagementApi.deleteConnection({ ConnectionId: "L0SM9cOFvHcCIhw=" }))
      assert.deepStrictEqual(info, {
        ConnectedAt: new Date("2024-05-01T11:00:00.000Z"),
        LastActiveAt: new Date("2024-05-01T11:59:00.000Z"),
        Identity: { SourceIp: "192.0.2.10", UserAgent: "test/1.0" },
        $metadata: { httpStatusCode: 200, requestId: "req-get", attempts: 1, totalRetryDelay: 0 }
      })
      const [getRequest, deleteRequest] = yield* requests
      assert.strictEqual(getRequest.method, "GET")
      assert.strictEqual(deleteRequest.method, "DELETE")
      assert.strictEqual(deleteRequest.body.length, 0)
      assert.isUndefined(deleteRequest.headers["content-type"])
      assert.include(deleteRequest.headers["authorization"], "SignedHeaders=host;x-amz-date;x-amz-security-token,")
    }).pipe(Effect.provide(clientLayer())))

  it.effect("every Data type is sent byte for byte", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array([0, 1, 2, 250, 255])
      const inputs = [
        bytes,
        bytes.buffer,
        new DataView(bytes.buffer),
        new Uint8Array([9, 0, 1, 2, 250, 255, 9]).subarray(1, 6),
        new Blob([bytes])
      ]
      for (const Data of inputs) {
        yield* withTime(ApiGatewayManagementApi.postToConnection({ ConnectionId: "id", Data }))
      }
      yield* withTime(ApiGatewayManagementApi.postToConnection({ ConnectionId: "id", Data: new Int16Array([1, -1]) }))
      const sent = yield* requests
      for (let i = 0; i < inputs.length; i++) assert.deepStrictEqual(sent[i].body, bytes, `input ${i}`)
      assert.deepStrictEqual(sent[5].body, new Uint8Array(new Int16Array([1, -1]).buffer))
    }).pipe(Effect.provide(clientLayer())))

  it.effect("a custom domain base path and a trailing slash give exactly one slash", () =>
    Effect.gen(function*() {
      yield* withTime(post)
      const [request] = yield* requests
      assert.strictEqual(request.url.href, "https://ws.example.com/chat/v1/@connections/L0SM9cOFvHcCIhw%3D")
      assert.include(request.headers["authorization"], "/us-west-2/execute-api/")
    }).pipe(Effect.provide(clientLayer({ endpoint: "https://ws.example.com/chat/v1/", region: "us-west-2" }))))
})

describe("input validation", () => {
  it.effect("bad ids and Data fail before any request", () =>
    Effect.gen(function*() {
      const cases: Array<[unknown, unknown, string]> = [
        ["", "x", "ConnectionId"],
        [".", "x", "ConnectionId"],
        ["..", "x", "ConnectionId"],
        [42, "x", "ConnectionId"],
        [undefined, "x", "ConnectionId"],
        ["\ud800", "x", "ConnectionId"],
        ["x".repeat(1025), "x", "ConnectionId"],
        ["id", 42, "Data"],
        ["id", null, "Data"],
        ["id", undefined, "Data"],
        ["id", { a: 1 }, "Data"],
        ["id", [1, 2], "Data"]
      ]
      for (const [ConnectionId, Data, field] of cases) {
        const error = yield* failure(
          ApiGatewayManagementApi.postToConnection({ ConnectionId, Data } as any)
        )
        assert.strictEqual(error._tag, "InvalidInputError", `${String(ConnectionId)} ${String(Data)}`)
        if (error._tag === "InvalidInputError") assert.strictEqual(error.field, field)
      }
      const getError = yield* failure(ApiGatewayManagementApi.getConnection({ ConnectionId: "" }))
      assert.strictEqual(getError._tag, "InvalidInputError")
      const nullInput = yield* failure(ApiGatewayManagementApi.deleteConnection(null as any))
      assert.strictEqual(nullInput._tag, "InvalidInputError")
      assert.strictEqual((yield* requests).length, 0)
    }).pipe(Effect.provide(clientLayer())))

  it.effect("Data over 128 KiB fails as PayloadTooLargeException without a request", () =>
    Effect.gen(function*() {
      yield* withTime(ApiGatewayManagementApi.postToConnection({ ConnectionId: "id", Data: "x".repeat(131072) }))
      const error = yield* failure(
        ApiGatewayManagementApi.postToConnection({ ConnectionId: "id", Data: "é".repeat(65537) })
      )
      assert.strictEqual(error._tag, "PayloadTooLargeException")
      if (error._tag === "PayloadTooLargeException") {
        assert.include(error.message, "131074 bytes")
        assert.deepStrictEqual(error.$metadata, { attempts: 0, totalRetryDelay: 0 })
      }
      assert.strictEqual((yield* requests).length, 1)
    }).pipe(Effect.provide(clientLayer())))

  it.effect("the size check can be changed or turned off", () =>
    Effect.gen(function*() {
      yield* withTime(ApiGatewayManagementApi.postToConnection({ ConnectionId: "id", Data: new Uint8Array(200_000) }))
      assert.strictEqual((yield* requests)[0].body.length, 200_000)
    }).pipe(Effect.provide(clientLayer({ maxPayloadBytes: false }))))

  it.effect("bad options are configuration errors", () =>
    Effect.gen(function*() {
      for (
        const options of [
          { maxAttempts: 0 },
          { maxAttempts: 1.5 },
          { requestTimeout: -1 },
          { requestTimeout: "soon" as any },
          { maxPayloadBytes: -1 },
          { endpoint: "abc.example.com" }
        ]
      ) {
        const exit = yield* Effect.exit(Layer.build(clientLayer(options)).pipe(Effect.scoped))
        assert.isTrue(Exit.isFailure(exit), JSON.stringify(options))
        if (Exit.isFailure(exit)) {
          const error = yield* Effect.flip(Effect.failCause(exit.cause))
          assert.strictEqual((error as any)._tag, "ConfigurationError")
        }
      }
    }))
})

describe("error mapping", () => {
  const cases: Array<[string, TestHttp.Scripted, string, Record<string, unknown>]> = [
    [
      "410 with header",
      {
        status: 410,
        headers: { "x-amzn-errortype": "GoneException", "x-amzn-requestid": "r1" },
        body: { json: { message: "Gone" } }
      },
      "GoneException",
      { Message: "Gone" }
    ],
    ["bare 410 (serverless-offline)", { status: 410 }, "GoneException", {}],
    [
      "410 code with namespace and URL",
      {
        status: 410,
        headers: { "x-amzn-errortype": "GoneException:http://internal.amazon.com/coral/com.amazon.coral.service/" }
      },
      "GoneException",
      {}
    ],
    [
      "__type with namespace",
      { status: 400, body: { json: { __type: "com.amazonaws.apigw#GoneException", Message: "M" } } },
      "GoneException",
      { Message: "M" }
    ],
    [
      "body code",
      { status: 400, body: { json: { code: "ForbiddenException", message: "no" } } },
      "ForbiddenException",
      {
        Message: "no"
      }
    ],
    ["403 without code", { status: 403, body: { json: { message: "Forbidden" } } }, "ForbiddenException", {
      Message: "Forbidden"
    }],
    ["413", { status: 413, body: { json: { message: "Message too long" } } }, "PayloadTooLargeException", {
      Message: "Message too long"
    }],
    [
      "403 InvalidSignatureException",
      {
        status: 403,
        headers: { "x-amzn-errortype": "InvalidSignatureException" },
        body: { json: { message: "The request signature we calculated does not match" } }
      },
      "AwsServiceError",
      { code: "InvalidSignatureException" }
    ],
    [
      "AccessDeniedException in body",
      {
        status: 403,
        body: { json: { __type: "AccessDeniedException", message: "User is not authorized" } }
      },
      "AwsServiceError",
      { code: "AccessDeniedException" }
    ],
    ["400 without code", { status: 400, body: "Bad Request" }, "UnexpectedResponseError", { reason: "Status" }],
    [
      "HTML 404",
      { status: 404, headers: { "content-type": "text/html" }, body: "<html><body>Not Found</body></html>" },
      "UnexpectedResponseError",
      { reason: "Status" }
    ],
    ["truncated JSON 400", { status: 400, body: "{\"message\": \"trunc" }, "UnexpectedResponseError", {
      reason: "Status"
    }],
    ["JSON array body", { status: 400, body: "[1,2]" }, "UnexpectedResponseError", { reason: "Status" }],
    [
      "3xx redirect",
      { status: 302, headers: { location: "https://elsewhere.example.com/" } },
      "UnexpectedResponseError",
      {
        reason: "Status"
      }
    ],
    ["oversized error body", { status: 400, body: "x".repeat(200_000) }, "UnexpectedResponseError", { reason: "Body" }]
  ]
  for (const [name, response, tag, fields] of cases) {
    it.effect(name, () =>
      Effect.gen(function*() {
        yield* scripted(response)
        const error: any = yield* failure(post)
        assert.strictEqual(error._tag, tag)
        for (const [key, value] of Object.entries(fields)) assert.strictEqual(error[key], value, key)
        assert.strictEqual(error.$metadata.httpStatusCode, response && "status" in response ? response.status : 0)
        assert.strictEqual(error.$metadata.attempts, 1)
        assert.isAtMost(error.message.length, 700)
        noSecrets(error)
      }).pipe(Effect.provide(clientLayer({ maxAttempts: 1 }))))
  }

  it.effect("the request id is read from each of its headers", () =>
    Effect.gen(function*() {
      for (const header of ["x-amzn-requestid", "x-amzn-request-id", "x-amz-request-id"]) {
        yield* scripted({ status: 410, headers: { [header]: `id-${header}` } })
        const error: any = yield* failure(post)
        assert.strictEqual(error.$metadata.requestId, `id-${header}`)
      }
    }).pipe(Effect.provide(clientLayer())))

  it.effect("413 on getConnection is not a modelled error of that operation", () =>
    Effect.gen(function*() {
      yield* scripted({ status: 413 })
      const error = yield* failure(get)
      assert.strictEqual(error._tag, "UnexpectedResponseError")
    }).pipe(Effect.provide(clientLayer())))

  it.effect("a GetConnection body that does not fit the model is an unexpected response", () =>
    Effect.gen(function*() {
      const bodies = [
        "not json",
        "",
        "{\"connectedAt\": \"yesterday\"}",
        "{\"connectedAt\": \"2024-02-30T00:00:00Z\"}",
        "{\"identity\": {\"userAgent\": \"x\"}}",
        "null",
        "{\"connectedAt\": true}"
      ]
      for (const body of bodies) {
        yield* scripted({ status: 200, body })
        const error = yield* failure(get)
        assert.strictEqual(error._tag, "UnexpectedResponseError", body)
        if (error._tag === "UnexpectedResponseError") assert.strictEqual(error.reason, "Body")
      }
      yield* scripted({ status: 200, body: "{\"connectedAt\": 1714564800, \"extra\": 1}" })
      const info = yield* withTime(get)
      assert.deepStrictEqual(info.ConnectedAt, new Date("2024-05-01T12:00:00.000Z"))
    }).pipe(Effect.provide(clientLayer())))

  it.effect("transport failures are typed with their reason", () =>
    Effect.gen(function*() {
      for (
        const [code, reason] of [
          ["ECONNREFUSED", "ConnectionRefused"],
          ["ECONNRESET", "ConnectionReset"],
          ["ETIMEDOUT", "Timeout"],
          ["EAI_AGAIN", "Other"]
        ]
      ) {
        yield* scripted({ fail: code })
        const error = yield* failure(post)
        assert.strictEqual(error._tag, "TransportError")
        if (error._tag === "TransportError") {
          assert.strictEqual(error.reason, reason)
          assert.include(error.message, code)
          noSecrets(error)
        }
      }
    }).pipe(Effect.provide(clientLayer({ maxAttempts: 1 }))))
})

describe("retries", () => {
  it.effect("transient statuses are retried with backoff, then succeed", () =>
    Effect.gen(function*() {
      yield* scripted({ status: 503 }, { status: 500, body: { json: { message: "Internal" } } }, { status: 200 })
      const output = yield* withTime(post)
      assert.strictEqual(output.$metadata.attempts, 3)
      assert.isAtMost(output.$metadata.totalRetryDelay, 50 + 100)
      const sent = yield* requests
      assert.strictEqual(sent.length, 3)
    }).pipe(Effect.provide(clientLayer())))

  it.effect("throttling honours Retry-After and gives up after maxAttempts", () =>
    Effect.gen(function*() {
      const throttled = { status: 429, headers: { "retry-after": "3" } }
      yield* scripted(throttled, throttled, throttled, throttled)
      const error = yield* failure(post)
      assert.strictEqual(error._tag, "LimitExceededException")
      if (error._tag === "LimitExceededException") {
        assert.strictEqual(error.$metadata.attempts, 3)
        assert.isAtLeast(error.$metadata.totalRetryDelay, 6000)
      }
      assert.strictEqual((yield* requests).length, 3)
    }).pipe(Effect.provide(clientLayer())))

  it.effect("Gone, Forbidden, PayloadTooLarge and bad requests are never retried", () =>
    Effect.gen(function*() {
      for (const status of [410, 403, 413, 400]) {
        yield* scripted({ status }, { status: 200 })
        const error: any = yield* failure(post)
        assert.strictEqual(error.$metadata.attempts, 1)
        const http = yield* TestHttp.TestHttp
        yield* http.reset
      }
    }).pipe(Effect.provide(clientLayer())))

  it.effect("maxAttempts 1 turns retries off", () =>
    Effect.gen(function*() {
      yield* scripted({ status: 503 }, { status: 200 })
      const error: any = yield* failure(post)
      assert.strictEqual(error.$metadata.attempts, 1)
    }).pipe(Effect.provide(clientLayer({ maxAttempts: 1 }))))

  it.effect("each attempt is signed afresh", () =>
    Effect.gen(function*() {
      const http = yield* TestHttp.TestHttp
      let calls = 0
      yield* http.setResponder(() => (++calls === 1 ? { status: 502 } : { status: 200 }))
      yield* withTime(post)
      const [first, second] = yield* requests
      assert.notStrictEqual(first.headers["x-amz-date"], undefined)
      assert.strictEqual(first.headers["x-amz-date"] <= second.headers["x-amz-date"], true)
    }).pipe(Effect.provide(clientLayer())))

  it.effect("a clock more than 4 minutes off is corrected from the response Date and the call re-signed", () =>
    Effect.gen(function*() {
      const serverDate = new Date(Date.parse("2024-05-01T12:10:00Z")).toUTCString()
      yield* scripted({
        status: 403,
        headers: { "x-amzn-errortype": "InvalidSignatureException", date: serverDate },
        body: { json: { message: "Signature expired: 20240501T120000Z is now earlier than 20240501T120500Z" } }
      }, { status: 200 })
      const output = yield* withTime(post)
      assert.strictEqual(output.$metadata.attempts, 2)
      const [first, second] = yield* requests
      assert.strictEqual(first.headers["x-amz-date"], "20240501T120000Z")
      assert.strictEqual(second.headers["x-amz-date"], "20240501T121000Z")
    }).pipe(Effect.provide(clientLayer({ maxAttempts: 1 }))))

  it.effect("a 403 with a correct clock is not retried", () =>
    Effect.gen(function*() {
      yield* scripted({
        status: 403,
        headers: {
          "x-amzn-errortype": "InvalidSignatureException",
          date: new Date(Date.parse("2024-05-01T12:01:00Z")).toUTCString()
        }
      }, { status: 200 })
      const error = yield* failure(post)
      assert.strictEqual(error._tag, "AwsServiceError")
      assert.strictEqual((yield* requests).length, 1)
    }).pipe(Effect.provide(clientLayer())))
})

describe("presigned URLs and the rest of the client surface", () => {
  it.effect("generatePresignedUrl signs the query with host only", () =>
    Effect.gen(function*() {
      const url = new URL(
        yield* withTime(ApiGatewayManagementApi.generatePresignedUrl({
          ClientMethod: "getConnection",
          Params: { ConnectionId: "a=b" },
          ExpiresIn: 60
        }))
      )
      assert.strictEqual(url.origin + url.pathname, `${ENDPOINT}/@connections/a%3Db`)
      const query = Object.fromEntries(url.searchParams)
      assert.deepStrictEqual(Object.keys(query).sort(), [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-Security-Token",
        "X-Amz-Signature",
        "X-Amz-SignedHeaders"
      ])
      assert.strictEqual(query["X-Amz-Credential"], "AKIDEXAMPLE/20240501/eu-west-1/execute-api/aws4_request")
      assert.strictEqual(query["X-Amz-Expires"], "60")
      assert.strictEqual(query["X-Amz-SignedHeaders"], "host")
      assert.strictEqual(query["X-Amz-Security-Token"], TOKEN)
      for (const ExpiresIn of [0, 604801, 1.5]) {
        const error = yield* failure(ApiGatewayManagementApi.generatePresignedUrl({
          ClientMethod: "deleteConnection",
          Params: { ConnectionId: "a" },
          ExpiresIn
        }))
        assert.strictEqual(error._tag, "InvalidInputError")
      }
      const unknown = yield* failure(ApiGatewayManagementApi.generatePresignedUrl({
        ClientMethod: "toString",
        Params: { ConnectionId: "a" }
      } as any))
      assert.strictEqual(unknown._tag, "InvalidInputError")
      assert.strictEqual((yield* requests).length, 0)
    }).pipe(Effect.provide(clientLayer())))

  it.effect("no paginators and no waiters", () =>
    Effect.gen(function*() {
      for (const name of ["postToConnection", "getConnection", "deleteConnection"]) {
        assert.isFalse(yield* ApiGatewayManagementApi.canPaginate(name))
        const error = yield* Effect.flip(ApiGatewayManagementApi.getPaginator(name))
        assert.strictEqual(error._tag, "OperationNotPageableError")
        assert.strictEqual(error.operation, name)
      }
      const waiter = yield* Effect.flip(ApiGatewayManagementApi.getWaiter("connectionExists"))
      assert.strictEqual(waiter._tag, "WaiterDoesNotExistError")
      const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
      assert.isFalse(api.canPaginate("getConnection"))
      assert.strictEqual(api.endpoint.region, "eu-west-1")
    }).pipe(Effect.provide(clientLayer())))

  it.effect("layerConfig reads APIGW_ENDPOINT and AWS_REGION", () =>
    Effect.gen(function*() {
      const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
      assert.strictEqual(api.endpoint.url, "https://ws.example.com/stage")
      assert.strictEqual(api.endpoint.region, "ap-southeast-2")
    }).pipe(Effect.provide(
      ApiGatewayManagementApi.layerConfig().pipe(
        Layer.provide([TestHttp.layer(), Credentials.layerTest()]),
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(
          new Map([["APIGW_ENDPOINT", "wss://ws.example.com/stage/"], ["AWS_REGION", "ap-southeast-2"]])
        )))
      )
    )))

  it.effect("layerConfig without APIGW_ENDPOINT is a configuration error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Layer.build(
          ApiGatewayManagementApi.layerConfig().pipe(
            Layer.provide([TestHttp.layer(), Credentials.layerTest()]),
            Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map())))
          )
        ).pipe(Effect.scoped)
      )
      assert.strictEqual(error._tag, "ConfigurationError")
      assert.include(error.message, "APIGW_ENDPOINT")
    }))
})

/** A tracer that keeps every span it makes. */
const recordingTracer = () => {
  const spans: Array<{ name: string; attributes: Map<string, unknown>; exit?: Exit.Exit<unknown, unknown> }> = []
  const tracer = Tracer.make({
    span(name, parent, context, links, startTime, kind) {
      const record: (typeof spans)[number] = { name, attributes: new Map() }
      spans.push(record)
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `span-${spans.length}`,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes: record.attributes,
        links,
        sampled: true,
        kind,
        end(endTime, exit) {
          record.exit = exit
          ;(span as any).status = { _tag: "Ended", startTime, endTime, exit }
        },
        attribute(key, value) {
          record.attributes.set(key, value)
        },
        event() {},
        addLinks() {}
      }
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}

describe("tracing", () => {
  it.effect("one span per operation with service, operation, request id, status and attempts; no secrets", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recordingTracer()
      yield* scripted({ status: 503 }, { status: 200, headers: { "x-amzn-requestid": "req-ok" } }, {
        status: 410,
        headers: { "x-amzn-requestid": "req-gone" }
      })
      yield* withTime(post).pipe(Effect.withTracer(tracer))
      yield* Effect.flip(withTime(get)).pipe(Effect.withTracer(tracer))
      assert.deepStrictEqual(spans.map((span) => span.name), [
        "ApiGatewayManagementApi.PostToConnection",
        "ApiGatewayManagementApi.GetConnection"
      ])
      const [ok, gone] = spans
      assert.strictEqual(ok.attributes.get("rpc.service"), "ApiGatewayManagementApi")
      assert.strictEqual(ok.attributes.get("rpc.method"), "PostToConnection")
      assert.strictEqual(ok.attributes.get("aws.request_id"), "req-ok")
      assert.strictEqual(ok.attributes.get("http.response.status_code"), 200)
      assert.strictEqual(ok.attributes.get("aws.attempts"), 2)
      assert.isAbove(ok.attributes.get("aws.total_retry_delay_ms") as number, -1)
      assert.isTrue(ok.exit !== undefined && Exit.isSuccess(ok.exit))
      assert.strictEqual(gone.attributes.get("aws.request_id"), "req-gone")
      assert.strictEqual(gone.attributes.get("http.response.status_code"), 410)
      assert.isTrue(gone.exit !== undefined && Exit.isFailure(gone.exit))
      for (const span of spans) {
        const text = JSON.stringify([...span.attributes])
        assert.notInclude(text, SECRET)
        assert.notInclude(text, TOKEN)
      }
    }).pipe(Effect.provide(clientLayer())))
})

describe("custom retry schedule", () => {
  it.effect("replaces the backoff and can stop early", () =>
    Effect.gen(function*() {
      yield* scripted({ status: 503 }, { status: 503 }, { status: 503 }, { status: 200 })
      const error: any = yield* failure(post)
      assert.strictEqual(error.$metadata.attempts, 2)
      assert.strictEqual(error.$metadata.totalRetryDelay, 250)
      assert.strictEqual((yield* requests).length, 2)
    }).pipe(
      Effect.provide(
        clientLayer({
          maxAttempts: 10,
          retrySchedule: Schedule.spaced("250 millis").pipe(Schedule.intersect(Schedule.recurs(1)))
        })
      )
    ))

  it.effect("is fresh for every call", () =>
    Effect.gen(function*() {
      yield* scripted({ status: 503 }, { status: 200 }, { status: 503 }, { status: 200 })
      const first = yield* withTime(post)
      const second = yield* withTime(post)
      assert.strictEqual(first.$metadata.attempts, 2)
      assert.strictEqual(second.$metadata.attempts, 2)
    }).pipe(Effect.provide(clientLayer({ retrySchedule: Schedule.recurs(1) }))))
})

describe("requestTimeout, whichever HttpClient", () => {
  // An HttpClient that never answers: only the client's own timer can end the attempt.
  const silent = Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.makeWith<never, never, never, never>(
      (request) => Effect.flatMap(request, () => Effect.never),
      Effect.succeed
    )
  )

  it.live("an HttpClient provided over Http.layer does not inherit its time limits: the client bounds the attempt", () =>
    Effect.gen(function*() {
      const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
      const started = Date.now()
      const error = yield* Effect.flip(api.getConnection({ ConnectionId: "abc" }))
      assert.strictEqual(error._tag, "TransportError")
      assert.strictEqual(error._tag === "TransportError" && error.reason, "Timeout")
      assert.isBelow(Date.now() - started, 2000)
    }).pipe(
      Effect.provide(
        ApiGatewayManagementApi.layer({ endpoint: ENDPOINT, requestTimeout: "100 millis", maxAttempts: 1 }).pipe(
          Layer.provide(Credentials.layerStatic({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: SECRET })),
          Layer.provide(silent),
          Layer.provide(Http.layer)
        )
      )
    ))
})
