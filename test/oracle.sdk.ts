/**
 * Test helper for `oracle.test.ts`: drives `@aws-sdk/client-apigatewaymanagementapi` (a devDependency used only as
 * a test oracle) with a request handler that captures the outgoing request instead of sending it, and FastCheck
 * arbitraries of inputs.
 */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand
} from "@aws-sdk/client-apigatewaymanagementapi"
// `@smithy/protocol-http` is folded into `@smithy/core` in the SDK version installed; it comes with the SDK.
import { buildQueryString, HttpRequest, HttpResponse } from "@smithy/core/protocols"
import { SignatureV4 } from "@smithy/signature-v4"
import { FastCheck as fc } from "effect"
import { vi } from "vitest"

export type Operation = "postToConnection" | "getConnection" | "deleteConnection"

export interface SdkSetup {
  readonly endpoint: string
  readonly region: string
  readonly credentials: {
    readonly accessKeyId: string
    readonly secretAccessKey: string
    readonly sessionToken?: string | undefined
  }
}

export const CONNECTION_JSON = {
  connectedAt: "2024-01-01T00:00:00.000Z",
  lastActiveAt: "2024-01-01T00:01:00.000Z",
  identity: { sourceIp: "192.0.2.1", userAgent: "test" }
}

const makeClient = (setup: SdkSetup, onRequest: (request: HttpRequest) => void) =>
  new ApiGatewayManagementApiClient({
    endpoint: setup.endpoint,
    region: setup.region,
    credentials: {
      accessKeyId: setup.credentials.accessKeyId,
      secretAccessKey: setup.credentials.secretAccessKey,
      ...(setup.credentials.sessionToken === undefined ? {} : { sessionToken: setup.credentials.sessionToken })
    },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: HttpRequest) => {
        onRequest(request)
        const operationIsGet = request.method === "GET"
        return {
          response: new HttpResponse({
            statusCode: operationIsGet ? 200 : request.method === "DELETE" ? 204 : 200,
            headers: operationIsGet ? { "content-type": "application/json" } : {},
            body: new TextEncoder().encode(operationIsGet ? JSON.stringify(CONNECTION_JSON) : "")
          })
        }
      }
    } as any
  })

/**
 * Runs one operation through the SDK at `time` (epoch ms) and returns the request its handler received (signed).
 * The SDK reads the signing time from `Date.now()`, so `Date` is faked for the call.
 */
export const sdkRequest = async (
  setup: SdkSetup,
  operation: Operation,
  input: { readonly ConnectionId: string; readonly Data?: string | Uint8Array },
  time: number
): Promise<{ readonly request: HttpRequest; readonly client: ApiGatewayManagementApiClient }> => {
  let captured: HttpRequest | undefined
  const client = makeClient(setup, (request) => {
    captured = request
  })
  vi.useFakeTimers({ toFake: ["Date"], now: time })
  try {
    if (operation === "postToConnection") {
      await client.send(new PostToConnectionCommand({ ConnectionId: input.ConnectionId, Data: input.Data ?? "" }))
    } else if (operation === "getConnection") {
      await client.send(new GetConnectionCommand({ ConnectionId: input.ConnectionId }))
    } else {
      await client.send(new DeleteConnectionCommand({ ConnectionId: input.ConnectionId }))
    }
  } finally {
    vi.useRealTimers()
  }
  if (captured === undefined) throw new Error("the SDK sent no request")
  return { request: captured, client }
}

/** The SDK's own signer instance, as its auth scheme builds it (`config.signer(authScheme)`). */
export const sdkSigner = async (client: ApiGatewayManagementApiClient, region: string): Promise<SignatureV4> =>
  (client.config as any).signer({ name: "sigv4", signingName: "execute-api", signingRegion: region, properties: {} })

/**
 * A `SignatureV4` configured as the SDK configures its own (credentials, region, service, `sha256`, `uriEscapePath`)
 * except that it does not add `x-amz-content-sha256`, which we do not send.
 */
export const sdkLikeSigner = async (client: ApiGatewayManagementApiClient, region: string): Promise<SignatureV4> => {
  const config = client.config as any
  return new SignatureV4({
    credentials: config.credentials,
    region,
    service: "execute-api",
    sha256: config.sha256,
    uriEscapePath: config.signingEscapePath,
    applyChecksum: false
  })
}

/** A copy of a request the SDK signed, without what signing and the SDK's middleware added: what to presign. */
export const unsignedCopy = (signed: HttpRequest): HttpRequest => {
  const request = HttpRequest.clone(signed)
  for (
    const name of [
      "authorization",
      "x-amz-date",
      "x-amz-content-sha256",
      "x-amz-security-token",
      "x-amz-user-agent",
      "user-agent",
      "amz-sdk-invocation-id",
      "amz-sdk-request"
    ]
  ) delete request.headers[name]
  return request
}

/**
 * Presigns the SDK-serialised request the generic way (as `@aws-sdk/s3-request-presigner` does, minus its S3-only
 * `UNSIGNED-PAYLOAD`): the SDK's bookkeeping and signing headers are removed, content headers are not signed, so only
 * `host` is; then formats the URL as `@aws-sdk/util-format-url` does.
 */
export const sdkPresignedUrl = async (
  client: ApiGatewayManagementApiClient,
  signed: HttpRequest,
  region: string,
  time: number,
  expiresIn: number
): Promise<string> => {
  const request = unsignedCopy(signed)
  const signer = await sdkSigner(client, region)
  const presigned = await signer.presign(request, {
    signingDate: new Date(time),
    expiresIn,
    unsignableHeaders: new Set(["content-type", "content-length"])
  })
  const port = presigned.port === undefined || presigned.port === null ? "" : `:${presigned.port}`
  const query = buildQueryString(presigned.query ?? {})
  return `${presigned.protocol}//${presigned.hostname}${port}${presigned.path}${query === "" ? "" : `?${query}`}`
}

const BASE64 = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="]

/** Code point ranges random ids are drawn from: ASCII (reserved characters included), Latin-1, CJK, emoji. */
const RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x20, 0x7e],
  [0x20, 0x7e],
  [0x00, 0x1f],
  [0xa0, 0xff],
  [0x100, 0x17f],
  [0x4e00, 0x4fff],
  [0xe000, 0xe0ff],
  [0xfff0, 0xfffd],
  [0x1f300, 0x1f6ff],
  [0x10000, 0x10ffff]
]

/** Ids of the shape API Gateway hands out: `length` characters of base64. */
export const base64Id = (length: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...BASE64), { minLength: length, maxLength: length }).map((chars) => chars.join(""))

/**
 * Well-formed Unicode strings of 1 to `maxLength` code points from {@link RANGES} (none is a surrogate), never `.` or
 * `..`.
 */
export const unicodeId = (maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.oneof(...RANGES.map(([min, max]) => fc.integer({ min, max }))), { minLength: 1, maxLength, size: "max" })
    .map((codePoints) => String.fromCodePoint(...codePoints))
    .filter((id) => id !== "." && id !== "..")

/** The same `length` arbitrary bytes on every run (FastCheck's, drawn with `seed`). */
export const fixedBytes = (seed: number, length: number): Uint8Array =>
  fc.sample(fc.uint8Array({ minLength: length, maxLength: length }), { seed, numRuns: 1 })[0]
