/**
 * The emulator's verification of presigned requests, over real HTTP, for URLs presigned three ways: our client's
 * `generatePresignedUrl`, our `SigV4.presign`, and the AWS SDK v3's signer (`@smithy/signature-v4`'s
 * `SignatureV4.presign`, as the SDK configures it) on the SDK-serialised request. Every presigner goes through the
 * same matrix: the body sent equal to the one signed, tampered, empty, or sent where none was signed; an expired
 * URL, one dated ahead, one still good though hours old; the wrong region, service, secret or key id; a changed
 * query, path or method; and a signed header besides `host`, sent as signed, changed, or left out.
 */
import { ApiGatewayManagementApi, SigV4 } from "@effect-apigw/core"
import { FixedClock } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { buildQueryString } from "@smithy/core/protocols"
import { Effect, Layer, Redacted } from "effect"
import { connectWithId, CREDENTIALS, ourClient, quietEmulator, raw } from "../packages/emulator/test/utils.js"
import { sdkRequest, sdkSigner, unsignedCopy } from "./oracle.sdk.js"

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

interface Presign {
  readonly method: "GET" | "POST"
  readonly data?: string
  /** Signing time offset from now, ms. */
  readonly offset?: number
  readonly expiresIn?: number
  readonly region?: string
  readonly service?: string
  readonly secretAccessKey?: string
  readonly accessKeyId?: string
  /** Headers signed besides `host`. */
  readonly headers?: Record<string, string>
}

interface Presigner {
  readonly name: string
  /** Whether it can sign another service or extra headers. */
  readonly flexible: boolean
  readonly presign: (endpoint: string, id: string, o: Presign) => Effect.Effect<string>
}

const credentialsOf = (o: Presign) => ({
  accessKeyId: o.accessKeyId ?? CREDENTIALS.accessKeyId,
  secretAccessKey: o.secretAccessKey ?? CREDENTIALS.secretAccessKey
})

const escape = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())

const generatePresignedUrl: Presigner = {
  name: "generatePresignedUrl",
  flexible: false,
  presign: (endpoint, id, o) =>
    ApiGatewayManagementApi.generatePresignedUrl(
      o.method === "POST" ?
        {
          ClientMethod: "postToConnection",
          Params: { ConnectionId: id, Data: o.data ?? "" },
          ExpiresIn: o.expiresIn ?? 900
        } :
        { ClientMethod: "getConnection", Params: { ConnectionId: id }, ExpiresIn: o.expiresIn ?? 900 }
    ).pipe(
      Effect.provide(
        ourClient(endpoint, { credentials: credentialsOf(o), region: o.region ?? "us-east-1" }).pipe(
          Layer.provide(FixedClock.layer(Date.now() + (o.offset ?? 0)))
        )
      ),
      Effect.orDie
    )
}

const sigV4Presign: Presigner = {
  name: "SigV4.presign",
  flexible: true,
  presign: (endpoint, id, o) =>
    Effect.promise(async () => {
      const url = new URL(endpoint)
      const path = `${url.pathname}/@connections/${escape(id)}`
      const { accessKeyId, secretAccessKey } = credentialsOf(o)
      const query = await SigV4.presign({
        method: o.method,
        hostname: url.hostname,
        path,
        headers: { host: url.host, ...o.headers },
        body: o.data
      }, {
        credentials: { accessKeyId, secretAccessKey: Redacted.make(secretAccessKey) },
        region: o.region ?? "us-east-1",
        service: o.service,
        time: Date.now() + (o.offset ?? 0),
        expiresIn: o.expiresIn ?? 900
      })
      const search = Object.keys(query).sort().flatMap((k) => [query[k]].flat().map((v) => `${escape(k)}=${escape(v)}`))
      return `${url.origin}${path}?${search.join("&")}`
    })
}

/**
 * The SDK's request for the operation, presigned by a signer built as the SDK builds its own (`config.signer`), as
 * `@aws-sdk/s3-request-presigner` does for S3 minus its `UNSIGNED-PAYLOAD`: the SDK's own headers removed, content
 * headers not signed.
 */
const sdkPresign: Presigner = {
  name: "AWS SDK v3 SignatureV4.presign",
  flexible: true,
  presign: (endpoint, id, o) =>
    Effect.promise(async () => {
      const time = Date.now() + (o.offset ?? 0)
      const region = o.region ?? "us-east-1"
      const { client, request } = await sdkRequest(
        { endpoint, region, credentials: credentialsOf(o) },
        o.method === "POST" ? "postToConnection" : "getConnection",
        { ConnectionId: id, ...(o.method === "POST" ? { Data: o.data ?? "" } : {}) },
        time
      )
      const unsigned = unsignedCopy(request)
      Object.assign(unsigned.headers, o.headers)
      const signer = await sdkSigner(client, region)
      const presigned = await signer.presign(unsigned, {
        signingDate: new Date(time),
        ...(o.service === undefined ? {} : { signingService: o.service }),
        expiresIn: o.expiresIn ?? 900,
        unsignableHeaders: new Set(["content-type", "content-length"])
      })
      client.destroy()
      const port = presigned.port === undefined ? "" : `:${presigned.port}`
      return `${presigned.protocol}//${presigned.hostname}${port}${presigned.path}?${
        buildQueryString(presigned.query ?? {})
      }`
    })
}

const PRESIGNERS: ReadonlyArray<Presigner> = [generatePresignedUrl, sigV4Presign, sdkPresign]

interface Send {
  readonly method?: string
  readonly body?: string
  readonly headers?: Record<string, string>
  readonly editUrl?: (url: URL) => void
}

interface Case {
  readonly name: string
  readonly presign: Presign
  readonly send: Send
  readonly status: 200 | 403
  readonly needsFlexible?: boolean
}

const HOUR = 3_600_000

const CASES: ReadonlyArray<Case> = [
  { name: "POST, body as signed", presign: { method: "POST", data: "hello" }, send: { body: "hello" }, status: 200 },
  { name: "POST, body tampered", presign: { method: "POST", data: "hello" }, send: { body: "hellp" }, status: 403 },
  { name: "POST, body longer", presign: { method: "POST", data: "hello" }, send: { body: "hello!" }, status: 403 },
  { name: "POST, body left out", presign: { method: "POST", data: "hello" }, send: { body: "" }, status: 403 },
  { name: "POST signed empty, sent empty", presign: { method: "POST", data: "" }, send: { body: "" }, status: 200 },
  {
    name: "POST signed empty, sent a body",
    presign: { method: "POST", data: "" },
    send: { body: "evil" },
    status: 403
  },
  { name: "GET, no body", presign: { method: "GET" }, send: {}, status: 200 },
  { name: "GET, a body sent", presign: { method: "GET" }, send: { body: "x" }, status: 403 },
  { name: "POST URL used for GET", presign: { method: "POST", data: "" }, send: { method: "GET" }, status: 403 },
  {
    name: "expired",
    presign: { method: "POST", data: "hello", offset: -2 * HOUR, expiresIn: 60 },
    send: { body: "hello" },
    status: 403
  },
  {
    name: "hours old, still within its expiry",
    presign: { method: "POST", data: "hello", offset: -2 * HOUR, expiresIn: 3 * 3600 },
    send: { body: "hello" },
    status: 200
  },
  { name: "dated an hour ahead", presign: { method: "GET", offset: HOUR }, send: {}, status: 403 },
  { name: "wrong region", presign: { method: "GET", region: "eu-west-1" }, send: {}, status: 403 },
  { name: "wrong secret", presign: { method: "GET", secretAccessKey: "not-the-secret" }, send: {}, status: 403 },
  { name: "unknown key id", presign: { method: "GET", accessKeyId: "AKIDSOMEONEELSE" }, send: {}, status: 403 },
  {
    name: "a query parameter added",
    presign: { method: "GET" },
    send: { editUrl: (url) => url.searchParams.append("extra", "1") },
    status: 403
  },
  {
    name: "another connection's path",
    presign: { method: "GET" },
    send: { editUrl: (url) => url.pathname = url.pathname.replace(/[^/]+$/, "Other%3D") },
    status: 403
  },
  { name: "wrong service", presign: { method: "GET", service: "s3" }, send: {}, status: 403, needsFlexible: true },
  {
    name: "a signed header sent as signed",
    presign: { method: "POST", data: "hello", headers: { "x-signed": "yes" } },
    send: { body: "hello", headers: { "x-signed": "yes" } },
    status: 200,
    needsFlexible: true
  },
  {
    name: "a signed header changed",
    presign: { method: "POST", data: "hello", headers: { "x-signed": "yes" } },
    send: { body: "hello", headers: { "x-signed": "no" } },
    status: 403,
    needsFlexible: true
  },
  {
    name: "a signed header left out",
    presign: { method: "POST", data: "hello", headers: { "x-signed": "yes" } },
    send: { body: "hello" },
    status: 403,
    needsFlexible: true
  }
]

/** Sends the request the URL describes, with the method, body and headers given. */
const send = (url: URL, method: string, body: string | undefined, headers: Record<string, string>) =>
  raw(Number(url.port), method, url.pathname + url.search, {
    ...(body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }),
    ...headers
  }, body)

describe("presigned requests to the emulator", () => {
  for (const presigner of PRESIGNERS) {
    it.scopedLive(`${presigner.name}: body, expiry, scope, key, query, path and signed headers are all checked`, () =>
      Effect.gen(function*() {
        const emulator = yield* quietEmulator({ credentials: CREDENTIALS })
        const { id, socket } = yield* connectWithId(emulator)
        const wrong: Array<string> = []
        for (const c of CASES) {
          if (c.needsFlexible === true && !presigner.flexible) continue
          const url = new URL(yield* presigner.presign(emulator.endpoint, id, c.presign))
          c.send.editUrl?.(url)
          const method = c.send.method ?? c.presign.method
          const response = yield* send(url, method, c.send.body, c.send.headers ?? {})
          if (response.status !== c.status) {
            wrong.push(`${c.name}: ${response.status} ${response.body} (expected ${c.status})`)
            continue
          }
          if (c.status === 200 && method === "POST") {
            const message = yield* socket.next
            if (message.text !== (c.send.body ?? "")) wrong.push(`${c.name}: delivered ${JSON.stringify(message.text)}`)
          }
        }
        // Nothing refused was delivered: the next message is this one.
        const last = yield* presigner.presign(emulator.endpoint, id, { method: "POST", data: "last" })
        const lastStatus = (yield* send(new URL(last), "POST", "last", {})).status
        if (lastStatus === 200) {
          const message = (yield* socket.next).text
          if (message !== "last") wrong.push(`a refused body was delivered: ${JSON.stringify(message)}`)
        } else wrong.push(`the last POST: ${lastStatus}`)
        assert.deepStrictEqual(wrong, [])
      }))
  }
})
