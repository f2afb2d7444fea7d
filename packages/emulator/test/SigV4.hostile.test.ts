/**
 * The emulator's verifier with names that are also `Object.prototype`'s (`__proto__`, `constructor`, `toString`...)
 * as header names and query keys, which come from requests: requests signed and presigned by the client's `SigV4`
 * (through `@smithy/signature-v4`), and, for a `__proto__` query key (which smithy cannot sign), by the
 * specification's reference (`test/sigv4-reference.ts`), verify; nothing lands on `Object.prototype`, and a
 * signed-header list naming an inherited property is refused, not thrown on. And `verifyPresigned` on URLs presigned
 * by `@smithy/signature-v4` configured as the AWS SDK configures it, and by ours.
 */
import * as SigV4 from "@effect-apigw/core/SigV4"
import { assert, describe, it } from "@effect/vitest"
import { Sha256 } from "@smithy/core/checksum"
import { SignatureV4 } from "@smithy/signature-v4"
import { Effect } from "effect"
import { presignRequest, signRequest } from "../../../test/sigv4-reference.js"
import { AMZ_DATE, credentials, forHostileRequests, HOSTILE, record, SCOPE, TIME } from "../../core/test/hostile.js"
import * as Verifier from "../src/internal/sigv4.js"

/** The spec's reference signs what smithy cannot: a request whose query has a `__proto__` key. */
const reference = {
  accessKeyId: "AKIDHOSTILE",
  secretAccessKey: "hostile-secret",
  region: "us-east-1",
  service: "execute-api",
  amzDate: AMZ_DATE
}

/** The received headers of a request signed as the client signs it (by the reference when smithy cannot). */
const signedHeaders = async (
  request: {
    method: string
    hostname: string
    path: string
    query: Record<string, string | Array<string>>
    body: string
  },
  headers: Record<string, string>
): Promise<Record<string, string>> =>
  Object.hasOwn(request.query, "__proto__") ?
    signRequest({ ...request, headers }, reference) :
    SigV4.sign({ ...request, headers }, { credentials, region: "us-east-1", time: TIME })

/** A presigned query as the client makes it (by the reference when smithy cannot). */
const presignedQuery = async (
  request: { method: string; hostname: string; path: string; body: string },
  query: Record<string, string | Array<string>>,
  headers: Record<string, string>
): Promise<Record<string, string | Array<string>>> =>
  Object.hasOwn(query, "__proto__") ?
    presignRequest({ ...request, query, headers }, { ...reference, expiresIn: 60 }) :
    SigV4.presign({ ...request, query, headers }, { credentials, region: "us-east-1", time: TIME, expiresIn: 60 })

describe("verifying with hostile names", () => {
  it("verify keeps every header and query key as an own property, and leaves Object.prototype alone", async () => {
    let byReference = 0
    await forHostileRequests(async ({ body, entries, headers, query }) => {
      const request = { method: "POST", hostname: "example.com", path: "/stage/@connections/a%3D", query, body }
      const signed = await signedHeaders(request, headers)
      for (const [name, value] of entries) {
        assert.isTrue(Object.hasOwn(signed, name.toLowerCase()), name)
        assert.strictEqual(signed[name.toLowerCase()], value, name)
      }
      const auth = Verifier.parseAuthorization(signed["authorization"])!
      for (const [name] of entries) assert.include(auth.signedHeaders, name.toLowerCase())
      const failure = await Verifier.verify({ ...request, headers: signed }, {
        credentials,
        region: "us-east-1",
        now: TIME
      })
      assert.isUndefined(failure)
      // Each hostile value is covered: changing it is a mismatch (a computed key is an own property, `__proto__` too).
      const [name, value] = entries[0]
      const changed = { ...signed, [name.toLowerCase()]: `${value}x` }
      assert.strictEqual(
        await Verifier.verify({ ...request, headers: changed }, { credentials, region: "us-east-1", now: TIME }),
        "SignatureMismatch",
        name
      )
      if (Object.hasOwn(query, "__proto__")) byReference++
    })
    assert.isAbove(byReference, 0, "no __proto__ query key was drawn")
  })

  it("verifyPresigned keeps every query key and signed header, and leaves Object.prototype alone", async () => {
    let byReference = 0
    await forHostileRequests(async ({ body, entries, headers, query }) => {
      const request = { method: "POST", hostname: "example.com", path: "/stage/@connections/a%3D", body }
      const presigned = await presignedQuery(request, query, headers)
      for (const k of Object.keys(query)) assert.deepStrictEqual(presigned[k], query[k], k)
      const signedHeaders = String(presigned["X-Amz-SignedHeaders"]).split(";")
      for (const [name] of entries) assert.include(signedHeaders, name.toLowerCase(), name)
      const received = record(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v] as const))
      const failure = Verifier.verifyPresigned(
        { ...request, query: presigned, headers: received },
        { credentials, region: "us-east-1", now: TIME }
      )
      assert.isUndefined(failure)
      if (Object.hasOwn(query, "__proto__")) byReference++
    })
    assert.isAbove(byReference, 0, "no __proto__ query key was drawn")
  })

  it.effect("a signed-header list naming inherited properties is a mismatch, not an exception", () =>
    Effect.promise(async () => {
      const base = { method: "GET", hostname: "example.com", path: "/stage/@connections/a%3D" }
      const signed = await SigV4.sign({ ...base, headers: { host: "example.com" } }, {
        credentials,
        region: "us-east-1",
        time: TIME
      })
      const signature = Verifier.parseAuthorization(signed["authorization"])!.signature
      for (const name of HOSTILE.map((n) => n.toLowerCase())) {
        const headers = {
          ...signed,
          authorization: `AWS4-HMAC-SHA256 Credential=AKIDHOSTILE/${SCOPE}, ` +
            `SignedHeaders=${name};host;x-amz-date, Signature=${signature}`
        }
        assert.strictEqual(
          await Verifier.verify({ ...base, headers }, { credentials, region: "us-east-1", now: TIME }),
          "SignatureMismatch",
          name
        )
        const query = record([
          ...Object.entries(
            await SigV4.presign({ ...base, headers: { host: "example.com" } }, {
              credentials,
              region: "us-east-1",
              time: TIME,
              expiresIn: 60
            })
          ),
          ["X-Amz-SignedHeaders", `host;${name}`] as const
        ])
        assert.strictEqual(
          Verifier.verifyPresigned({ ...base, query, headers: { host: "example.com" } }, { credentials, now: TIME }),
          "SignatureMismatch",
          name
        )
      }
    }))
})

describe("verifyPresigned", () => {
  const smithy = (service = "execute-api", region = "us-east-1", secret = "hostile-secret") =>
    new SignatureV4({
      credentials: { accessKeyId: "AKIDHOSTILE", secretAccessKey: secret },
      region,
      service,
      sha256: Sha256,
      uriEscapePath: true
    })

  /** A URL presigned by the SDK's signer, as the request the server receives. */
  const sdkPresigned = async (
    body: string,
    options: { service?: string; region?: string; secret?: string; time?: number; expiresIn?: number } = {}
  ) => {
    const signed = await smithy(options.service, options.region, options.secret).presign({
      method: "POST",
      protocol: "https:",
      hostname: "abc.execute-api.us-east-1.amazonaws.com",
      path: "/prod/@connections/a%3D",
      query: {},
      headers: { host: "abc.execute-api.us-east-1.amazonaws.com", "x-custom": "signed too" },
      body
    }, { signingDate: new Date(options.time ?? TIME), expiresIn: options.expiresIn ?? 60 })
    return {
      method: "POST",
      hostname: "abc.execute-api.us-east-1.amazonaws.com",
      path: "/prod/@connections/a%3D",
      query: signed.query as Record<string, string>,
      headers: { host: "abc.execute-api.us-east-1.amazonaws.com", "x-custom": "signed too" }
    }
  }

  const verify = (request: SigV4.SignableRequest, now = TIME) =>
    Verifier.verifyPresigned(request, { credentials, region: "us-east-1", now })

  it.effect("checks the body received against the one signed, every signed header, the scope and the expiry", () =>
    Effect.promise(async () => {
      const hello = await sdkPresigned("hello")
      assert.deepStrictEqual(hello.query["X-Amz-SignedHeaders"], "host;x-custom")
      assert.isUndefined(verify({ ...hello, body: "hello" }))
      assert.isUndefined(verify({ ...hello, body: new TextEncoder().encode("hello") }))
      assert.strictEqual(verify({ ...hello, body: "hellp" }), "SignatureMismatch")
      assert.strictEqual(verify({ ...hello, body: "" }), "SignatureMismatch")
      assert.strictEqual(verify({ ...hello, body: undefined }), "SignatureMismatch")
      const empty = await sdkPresigned("")
      assert.isUndefined(verify({ ...empty, body: undefined }))
      assert.isUndefined(verify({ ...empty, body: "" }))
      assert.strictEqual(verify({ ...empty, body: "anything" }), "SignatureMismatch")
      assert.strictEqual(
        verify({ ...hello, body: "hello", headers: { ...hello.headers, "x-custom": "changed" } }),
        "SignatureMismatch"
      )
      assert.strictEqual(
        verify({ ...hello, body: "hello", headers: { host: hello.headers.host } }),
        "SignatureMismatch"
      )
      assert.strictEqual(
        verify({ ...hello, body: "hello", query: { ...hello.query, extra: "1" } }),
        "SignatureMismatch"
      )
      assert.strictEqual(verify({ ...hello, body: "hello", method: "GET" }), "SignatureMismatch")
      assert.strictEqual(verify({ ...hello, body: "hello", path: "/prod/@connections/b%3D" }), "SignatureMismatch")
      // A signed claim of the body's hash must be the hash of the body received.
      const claimed = { ...hello.query, "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD" }
      assert.strictEqual(verify({ ...hello, query: claimed, body: "hello" }), "SignatureMismatch")
      // Within its expiry a presigned URL is good, however old (the 5 minutes of skew are for signed headers).
      assert.isUndefined(verify({ ...hello, body: "hello" }, TIME + 59_000))
      assert.strictEqual(verify({ ...hello, body: "hello" }, TIME + 61_000), "Expired")
      const later = await sdkPresigned("hello", { time: TIME - 3_600_000, expiresIn: 7200 })
      assert.isUndefined(verify({ ...later, body: "hello" }))
      const ahead = await sdkPresigned("hello", { time: TIME + 3_600_000 })
      assert.strictEqual(verify({ ...ahead, body: "hello" }), "StaleDate")
      assert.strictEqual(
        verify({ ...(await sdkPresigned("hello", { region: "eu-west-1" })), body: "hello" }),
        "WrongScope"
      )
      assert.strictEqual(verify({ ...(await sdkPresigned("hello", { service: "s3" })), body: "hello" }), "WrongScope")
      assert.strictEqual(
        verify({ ...(await sdkPresigned("hello", { secret: "wrong" })), body: "hello" }),
        "SignatureMismatch"
      )
      assert.strictEqual(
        verify({
          ...hello,
          body: "hello",
          query: {
            ...hello.query,
            "X-Amz-Credential": hello.query["X-Amz-Credential"].replace("AKIDHOSTILE", "AKIDOTHER")
          }
        }),
        "UnknownAccessKey"
      )
      assert.strictEqual(
        verify({ ...hello, query: { ...hello.query, "X-Amz-Expires": "604801" } }),
        "MalformedAuthorization"
      )
      assert.strictEqual(verify({ ...hello, query: { "X-Amz-Signature": "0".repeat(64) } }), "MalformedAuthorization")
      assert.strictEqual(verify({ ...hello, query: { a: "1" } }), "MissingAuthentication")
    }))

  it.effect("accepts what our own presign produces, with a body, and refuses another body", () =>
    Effect.promise(async () => {
      const request = {
        method: "POST",
        hostname: "127.0.0.1",
        path: "/local/@connections/a%3D",
        headers: { host: "127.0.0.1:3001" }
      }
      const query = await SigV4.presign({ ...request, body: "hello" }, {
        credentials,
        region: "us-east-1",
        time: TIME,
        expiresIn: 900
      })
      assert.isUndefined(verify({ ...request, query, body: "hello" }))
      assert.strictEqual(verify({ ...request, query, body: "" }), "SignatureMismatch")
      assert.strictEqual(verify({ ...request, query, body: "HELLO" }), "SignatureMismatch")
    }))
})
