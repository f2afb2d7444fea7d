/**
 * SigV4 signing with names that are also `Object.prototype`'s (`__proto__`, `constructor`, `toString`...) as header
 * names and query keys, which come from requests: `sign` and `presign` keep them as own properties with their values,
 * sign them as the specification says (`test/sigv4-reference.ts`, `node:crypto` only, apart from smithy), and leave
 * `Object.prototype` alone. A `__proto__` query key, which `@smithy/signature-v4` 5.7 canonicalises as
 * `[object Object]`, is refused. Verification with such names is the emulator's
 * (`packages/emulator/test/SigV4.hostile.test.ts`).
 */
import { assert, describe, it } from "@effect/vitest"
import { signatureFor } from "../../../test/sigv4-reference.js"
import * as SigV4 from "../src/SigV4.js"
import { AMZ_DATE, credentials, forHostileRequests, record, SCOPE, TIME } from "./hostile.js"

/** The spec's signature, by the test's own reference: secret, scope and time are those of `./hostile.ts`. */
const reference = (
  request: { method: string; path: string; body: string },
  query: Record<string, string | Array<string>>,
  headers: Record<string, string>
) =>
  signatureFor({
    ...request,
    query,
    headers,
    amzDate: AMZ_DATE,
    region: "us-east-1",
    service: "execute-api",
    secretAccessKey: "hostile-secret"
  })

/** Whether the promise rejected; `Object.prototype` is checked either way (by `forHostileRequests`). */
const rejects = (promise: Promise<unknown>) => promise.then(() => false, () => true)

describe("SigV4 signing with hostile names", () => {
  it("sign keeps every header and query key as an own property, signs them as the spec says, and leaves Object.prototype alone", async () => {
    let signedCount = 0
    await forHostileRequests(async ({ body, entries, headers, query }) => {
      const request = { method: "POST", hostname: "example.com", path: "/stage/@connections/a%3D", query, body }
      const signing = SigV4.sign({ ...request, headers }, { credentials, region: "us-east-1", time: TIME })
      if (Object.hasOwn(query, "__proto__")) {
        assert.isTrue(await rejects(signing), "a __proto__ query key is refused")
        return
      }
      const signed = await signing
      signedCount++
      for (const [name, value] of entries) {
        assert.isTrue(Object.hasOwn(signed, name.toLowerCase()), name)
        assert.strictEqual(signed[name.toLowerCase()], value, name)
      }
      const lower = record([
        ["host", "example.com"],
        ...entries.map(([name, value]) => [name.toLowerCase(), value] as const),
        ["x-amz-date", AMZ_DATE]
      ])
      assert.strictEqual(signed["x-amz-date"], AMZ_DATE)
      assert.strictEqual(
        signed["authorization"],
        `AWS4-HMAC-SHA256 Credential=AKIDHOSTILE/${SCOPE}, SignedHeaders=${Object.keys(lower).sort().join(";")}, ` +
          `Signature=${reference(request, query, lower)}`
      )
    })
    assert.isAbove(signedCount, 150)
  })

  it("presign keeps every query key and signed header, signs them as the spec says, and leaves Object.prototype alone", async () => {
    let signedCount = 0
    await forHostileRequests(async ({ body, entries, headers, query }) => {
      const request = { method: "POST", hostname: "example.com", path: "/stage/@connections/a%3D", body }
      const presigning = SigV4.presign(
        { ...request, query, headers },
        { credentials, region: "us-east-1", time: TIME, expiresIn: 60 }
      )
      if (Object.hasOwn(query, "__proto__")) {
        assert.isTrue(await rejects(presigning), "a __proto__ query key is refused")
        return
      }
      const presigned = await presigning
      signedCount++
      for (const k of Object.keys(query)) assert.deepStrictEqual(presigned[k], query[k], k)
      const lower = record([
        ["host", "example.com"],
        ...entries.map(([name, value]) => [name.toLowerCase(), value] as const)
      ])
      assert.strictEqual(presigned["X-Amz-SignedHeaders"], Object.keys(lower).sort().join(";"))
      assert.strictEqual(presigned["X-Amz-Credential"], `AKIDHOSTILE/${SCOPE}`)
      assert.strictEqual(presigned["X-Amz-Signature"], reference(request, presigned, lower))
    })
    assert.isAbove(signedCount, 150)
  })
})
