import { ApiGatewayManagementApi, Lambda } from "@effect-apigw/core"
import { Credentials, TestHttp } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Layer } from "effect"

// Event samples in the shapes the API Gateway documentation gives for WebSocket Lambda proxy integrations
// (values made up). JSON, as Lambda hands them over.

const connectEvent: Lambda.WebSocketEvent = JSON.parse(`{
  "headers": {
    "Host": "k3x9q2w7ab.execute-api.eu-west-1.amazonaws.com",
    "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
    "Sec-WebSocket-Key": "q1w2e3r4t5y6u7i8o9p0aQ==",
    "Sec-WebSocket-Version": "13",
    "X-Amzn-Trace-Id": "Root=1-65c5f2a0-0a1b2c3d4e5f60718293a4b5",
    "X-Forwarded-For": "198.51.100.23",
    "X-Forwarded-Port": "443",
    "X-Forwarded-Proto": "https"
  },
  "multiValueHeaders": {
    "Host": ["k3x9q2w7ab.execute-api.eu-west-1.amazonaws.com"],
    "Sec-WebSocket-Version": ["13"],
    "X-Forwarded-For": ["198.51.100.23"]
  },
  "queryStringParameters": { "room": "lobby" },
  "multiValueQueryStringParameters": { "room": ["lobby"] },
  "requestContext": {
    "routeKey": "$connect",
    "eventType": "CONNECT",
    "extendedRequestId": "TqXfWHd2DoEFbCw=",
    "requestTime": "09/Feb/2024:09:14:08 +0000",
    "messageDirection": "IN",
    "stage": "prod",
    "connectedAt": 1707470048112,
    "requestTimeEpoch": 1707470048113,
    "identity": { "userAgent": "Mozilla/5.0 (X11; Linux x86_64)", "sourceIp": "198.51.100.23" },
    "requestId": "TqXfWHd2DoEFbCw=",
    "domainName": "k3x9q2w7ab.execute-api.eu-west-1.amazonaws.com",
    "connectionId": "TqXfWcmKjoECH2Q=",
    "apiId": "k3x9q2w7ab"
  },
  "isBase64Encoded": false
}`)

const messageEvent: Lambda.WebSocketEvent = JSON.parse(`{
  "requestContext": {
    "routeKey": "sendmessage",
    "messageId": "TqXhNd7cjoECH2Q=",
    "eventType": "MESSAGE",
    "extendedRequestId": "TqXhNGq5DoEF5zg=",
    "requestTime": "09/Feb/2024:09:14:20 +0000",
    "messageDirection": "IN",
    "stage": "prod",
    "connectedAt": 1707470048112,
    "requestTimeEpoch": 1707470060951,
    "identity": { "userAgent": "Mozilla/5.0 (X11; Linux x86_64)", "sourceIp": "198.51.100.23" },
    "requestId": "TqXhNGq5DoEF5zg=",
    "domainName": "k3x9q2w7ab.execute-api.eu-west-1.amazonaws.com",
    "connectionId": "TqXfWcmKjoECH2Q=",
    "apiId": "k3x9q2w7ab"
  },
  "body": "{\\"action\\":\\"sendmessage\\",\\"message\\":\\"hello\\"}",
  "isBase64Encoded": false
}`)

const disconnectEvent: Lambda.WebSocketEvent = JSON.parse(`{
  "headers": { "Host": "k3x9q2w7ab.execute-api.eu-west-1.amazonaws.com", "x-api-key": "", "X-Forwarded-For": "" },
  "multiValueHeaders": { "Host": ["k3x9q2w7ab.execute-api.eu-west-1.amazonaws.com"] },
  "requestContext": {
    "routeKey": "$disconnect",
    "disconnectStatusCode": 1001,
    "eventType": "DISCONNECT",
    "extendedRequestId": "TqXkuF4ODoEFh4g=",
    "requestTime": "09/Feb/2024:09:14:42 +0000",
    "messageDirection": "IN",
    "disconnectReason": "Client-side close frame status not set",
    "stage": "prod",
    "connectedAt": 1707470048112,
    "requestTimeEpoch": 1707470082947,
    "identity": { "userAgent": "Mozilla/5.0 (X11; Linux x86_64)", "sourceIp": "198.51.100.23" },
    "requestId": "TqXkuF4ODoEFh4g=",
    "domainName": "k3x9q2w7ab.execute-api.eu-west-1.amazonaws.com",
    "connectionId": "TqXfWcmKjoECH2Q=",
    "apiId": "k3x9q2w7ab"
  },
  "isBase64Encoded": false
}`)

/** Through a custom domain name: `domainName` is the custom domain, `stage` still the stage name. */
const customDomainEvent: Lambda.WebSocketEvent = JSON.parse(`{
  "requestContext": {
    "routeKey": "$default",
    "messageId": "Tr0aBc1dIAMCJ8w=",
    "eventType": "MESSAGE",
    "extendedRequestId": "Tr0aBdyqIAMF-kA=",
    "requestTime": "12/Mar/2024:17:02:11 +0000",
    "messageDirection": "IN",
    "stage": "production",
    "connectedAt": 1710262921000,
    "requestTimeEpoch": 1710262931402,
    "identity": { "sourceIp": "203.0.113.9" },
    "requestId": "Tr0aBdyqIAMF-kA=",
    "domainName": "ws.example.com",
    "connectionId": "Tr0Zb2e1IAMCJ8w=",
    "apiId": "p7q8r9s0tu"
  },
  "body": "ping",
  "isBase64Encoded": false
}`)

/** From the local emulator: `domainName` is the `Host` the client connected to. */
const emulatorEvent: Lambda.WebSocketEvent = JSON.parse(`{
  "requestContext": {
    "routeKey": "sendmessage",
    "eventType": "MESSAGE",
    "messageId": "b6f1d7e0a1c2",
    "extendedRequestId": "9a8b7c6d5e4f",
    "requestTime": "09/Feb/2024:09:14:20 +0000",
    "messageDirection": "IN",
    "stage": "local",
    "connectedAt": 1707470048112,
    "requestTimeEpoch": 1707470060951,
    "identity": { "sourceIp": "127.0.0.1" },
    "requestId": "1f2e3d4c5b6a",
    "domainName": "127.0.0.1:3001",
    "connectionId": "aGVsbG8td29ybGQ=",
    "apiId": "local"
  },
  "body": "{\\"action\\":\\"sendmessage\\",\\"message\\":\\"hi\\"}",
  "isBase64Encoded": false
}`)

const withContext = (event: Lambda.WebSocketEvent, context: Partial<Lambda.RequestContext>): Lambda.WebSocketEvent => ({
  ...event,
  requestContext: { ...event.requestContext, ...context }
})

const right = <A, E>(either: Either.Either<A, E>): A => {
  if (Either.isLeft(either)) assert.fail(`expected Right, got ${String(either.left)}`)
  return either.right
}

const left = <A, E>(either: Either.Either<A, E>): E => {
  if (Either.isRight(either)) assert.fail(`expected Left, got ${String(either.right)}`)
  return either.left
}

describe("Lambda.endpointFromEvent", () => {
  it("uses https://{domainName}/{stage} for execute-api hosts, for every event type", () => {
    for (const event of [connectEvent, messageEvent, disconnectEvent]) {
      assert.strictEqual(
        right(Lambda.endpointFromEvent(event)),
        "https://k3x9q2w7ab.execute-api.eu-west-1.amazonaws.com/prod"
      )
    }
    assert.strictEqual(
      right(Lambda.endpointFromEvent(
        withContext(messageEvent, { domainName: "abc123def4.execute-api.cn-north-1.amazonaws.com.cn" })
      )),
      "https://abc123def4.execute-api.cn-north-1.amazonaws.com.cn/prod"
    )
  })

  it("ignores region and basePath for execute-api hosts", () => {
    assert.strictEqual(
      right(Lambda.endpointFromEvent(messageEvent, { region: "us-west-2", basePath: "chat" })),
      "https://k3x9q2w7ab.execute-api.eu-west-1.amazonaws.com/prod"
    )
  })

  it("uses http for a local emulator: a host with a port, localhost or a loopback address", () => {
    assert.strictEqual(right(Lambda.endpointFromEvent(emulatorEvent)), "http://127.0.0.1:3001/local")
    const cases: Array<[string, string]> = [
      ["localhost:3001", "http://localhost:3001/local"],
      ["localhost", "http://localhost/local"],
      ["[::1]:8080", "http://[::1]:8080/local"],
      ["192.168.1.20:3001", "http://192.168.1.20:3001/local"],
      ["127.0.0.1", "http://127.0.0.1/local"]
    ]
    for (const [domainName, expected] of cases) {
      assert.strictEqual(right(Lambda.endpointFromEvent(withContext(emulatorEvent, { domainName }))), expected)
    }
  })

  it("reaches a custom domain's API at its execute-api host, given the region", () => {
    const error = left(Lambda.endpointFromEvent(customDomainEvent))
    assert.strictEqual(error._tag, "ConfigurationError")
    assert.strictEqual(error.option, "region")
    assert.include(error.message, "ws.example.com")
    assert.strictEqual(
      right(Lambda.endpointFromEvent(customDomainEvent, { region: "eu-central-1" })),
      "https://p7q8r9s0tu.execute-api.eu-central-1.amazonaws.com/production"
    )
  })

  it("posts through a custom domain with the API mapping path, when basePath is given", () => {
    assert.strictEqual(right(Lambda.endpointFromEvent(customDomainEvent, { basePath: "" })), "https://ws.example.com")
    assert.strictEqual(right(Lambda.endpointFromEvent(customDomainEvent, { basePath: "/" })), "https://ws.example.com")
    assert.strictEqual(
      right(Lambda.endpointFromEvent(customDomainEvent, { basePath: "chat/v1/", region: "eu-central-1" })),
      "https://ws.example.com/chat/v1"
    )
    assert.strictEqual(
      right(Lambda.endpointFromEvent(customDomainEvent, { basePath: "a b" })),
      "https://ws.example.com/a%20b"
    )
  })

  it("refuses events that are not WebSocket events", () => {
    const cases: Array<unknown> = [
      undefined,
      {},
      { requestContext: null },
      { requestContext: { stage: "prod" } },
      { requestContext: { domainName: "https://x.example.com", stage: "prod" } },
      { requestContext: { domainName: "x.example.com/evil", stage: "prod" } },
      { requestContext: { domainName: "k3x9q2w7ab.execute-api.eu-west-1.amazonaws.com", stage: "" } },
      { requestContext: { domainName: "ws.example.com", stage: "prod", apiId: "../x" } }
    ]
    for (const event of cases) {
      const error = left(Lambda.endpointFromEvent(event as Lambda.WebSocketEvent, { region: "eu-west-1" }))
      assert.strictEqual(error._tag, "ConfigurationError", JSON.stringify(event))
      assert.strictEqual(error.option, "event", JSON.stringify(event))
    }
  })
})

const httpLayer = Layer.mergeAll(TestHttp.layer(), Credentials.layerTest())

const postVia = (event: Lambda.WebSocketEvent, options?: Lambda.LayerOptions, env: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const http = yield* TestHttp.TestHttp
    const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
    yield* api.postToConnection({ ConnectionId: event.requestContext.connectionId, Data: "hi" })
    const [request] = yield* http.requests
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/execute-api\//.exec(request.headers.authorization)?.[1]
    return { url: request.url.href, region: scope, endpoint: api.endpoint }
  }).pipe(
    Effect.provide(Lambda.layerFromEvent(event, options).pipe(Layer.provideMerge(httpLayer))),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

describe("Lambda.layerFromEvent", () => {
  it.effect("posts to the execute-api endpoint of the event, signing for the host's region", () =>
    Effect.gen(function*() {
      const result = yield* postVia(messageEvent, {}, { AWS_REGION: "us-east-1" })
      assert.strictEqual(
        result.url,
        "https://k3x9q2w7ab.execute-api.eu-west-1.amazonaws.com/prod/@connections/TqXfWcmKjoECH2Q%3D"
      )
      assert.strictEqual(result.region, "eu-west-1")
    }))

  it.effect("reaches a custom domain's API through execute-api with the region from AWS_REGION", () =>
    Effect.gen(function*() {
      const result = yield* postVia(customDomainEvent, {}, { AWS_REGION: "eu-central-1" })
      assert.strictEqual(
        result.url,
        "https://p7q8r9s0tu.execute-api.eu-central-1.amazonaws.com/production/@connections/Tr0Zb2e1IAMCJ8w%3D"
      )
      assert.strictEqual(result.region, "eu-central-1")
      const fallback = yield* postVia(customDomainEvent, {}, { AWS_DEFAULT_REGION: "ap-south-1" })
      assert.strictEqual(fallback.region, "ap-south-1")
    }))

  it.effect("posts through the custom domain with basePath, signing for the given region", () =>
    Effect.gen(function*() {
      const result = yield* postVia(customDomainEvent, { basePath: "chat", region: "eu-central-1" })
      assert.strictEqual(result.url, "https://ws.example.com/chat/@connections/Tr0Zb2e1IAMCJ8w%3D")
      assert.strictEqual(result.region, "eu-central-1")
      assert.strictEqual(result.endpoint.host, "ws.example.com")
    }))

  it.effect("fails with ConfigurationError for a custom domain and no region anywhere", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(postVia(customDomainEvent))
      assert.strictEqual(error._tag, "ConfigurationError")
      assert.strictEqual(error._tag === "ConfigurationError" && error.option, "region")
    }))

  it.effect("talks http to a local emulator, signing for us-east-1 unless told otherwise", () =>
    Effect.gen(function*() {
      const result = yield* postVia(emulatorEvent)
      assert.strictEqual(result.url, "http://127.0.0.1:3001/local/@connections/aGVsbG8td29ybGQ%3D")
      assert.strictEqual(result.region, Lambda.LOCAL_REGION)
      const other = yield* postVia(emulatorEvent, {}, { AWS_REGION: "eu-north-1" })
      assert.strictEqual(other.region, "eu-north-1")
    }))

  it.effect("passes the client options through", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(postVia(messageEvent, { maxAttempts: 0 }))
      assert.strictEqual(error._tag === "ConfigurationError" && error.option, "maxAttempts")
      const tooLarge = yield* Effect.flip(
        ApiGatewayManagementApi.postToConnection({ ConnectionId: "x", Data: "12345" }).pipe(
          Effect.provide(Lambda.layerFromEvent(messageEvent, { maxPayloadBytes: 4 }).pipe(Layer.provide(httpLayer)))
        )
      )
      assert.strictEqual(tooLarge._tag, "PayloadTooLargeException")
    }))
})

describe("Lambda.layerFromEvent, emulator events", () => {
  it.effect("posts to the emulator's endpoint, signing for the local region", () =>
    Effect.gen(function*() {
      const result = yield* postVia(emulatorEvent, {}, {})
      assert.strictEqual(result.url, "http://127.0.0.1:3001/local/@connections/aGVsbG8td29ybGQ%3D")
      assert.strictEqual(result.region, Lambda.LOCAL_REGION)
    }))
})
