/**
 * SigV4 signing with names that are also `Object.prototype`'s (`__proto__`, `constructor`, `toString`...) as header
 * names and query keys, which come from requests: `sign` and `presign` keep them as own properties with their values,
 * sign them as the specification says (`test/sigv4-reference.ts`, `node:crypto` only, apart from smithy), and leave
 * `Object.prototype` alone. A `__proto__` query key, which `@smithy/signature-v4` 5.7 canonicalises as
 * `[object Object]`, is refused. Verification with such names is the emulator's
 * (`packages/emulator/test/SigV4.hostile.test.ts`).
 */
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as Redacted from "effect/Redacted"
import { signatureFor } from "../../../test/sigv4-reference.js"
import type { AwsCredentialIdentity } from "../src/AwsCredentials.js"
import * as SigV4 from "../src/SigV4.js"
import { HOSTILE } from "./hostile.js"

const credentials: AwsCredentialIdentity = {
  accessKeyId: "AKIDHOSTILE",
  secretAccessKey: Redacted.make("hostile-secret")
}
const TIME = Date.UTC(2024, 0, 2, 3, 4, 5)

/** What `Object.prototype` holds, to compare before and after. */
const prototypeSnapshot = () =>
  Object.getOwnPropertyNames(Object.prototype).map((name) => {
    const d = Object.getOwnPropertyDescriptor(Object.prototype, name)!
    return [name, d.value ?? d.get] as const
  })

const assertPrototypeIntact = (before: ReturnType<typeof prototypeSnapshot>) => {
  const after = prototypeSnapshot()
  assert.strictEqual(after.length, before.length, "Object.prototype gained properties")
  for (let i = 0; i < before.length; i++) {
    assert.strictEqual(after[i][0], before[i][0])
    assert.isTrue(after[i][1] === before[i][1], `Object.prototype.${before[i][0]} changed`)
  }
  assert.strictEqual(Object.getPrototypeOf({}), Object.prototype)
}

/** An object with these own properties, whatever their names (a literal `__proto__:` would set the prototype). */
const record = <A>(entries: ReadonlyArray<readonly [string, A]>): Record<string, A> => Object.fromEntries(entries)

/** Names the signers treat apart (never signed, or moved to the query) are left out: they are not what is tested. */
const SPECIAL =
  /^(authorization|cache-control|connection|date|expect|from|host|keep-alive|max-forwards|pragma|referer|te|trailer|transfer-encoding|upgrade|user-agent|x-amzn-trace-id|proxy-.*|sec-.*|x-amz-.*)$/
const key = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/).filter((name) => !SPECIAL.test(name))
)
const headerValue = fc.stringMatching(/^[!-~]([ !-~]{0,18}[!-~])?$/)
const queryValue = fc.string({ maxLength: 12 })

/** Distinct header names (lower case, as received), `host` apart. */
const headersArb = fc.uniqueArray(fc.tuple(key, headerValue), {
  minLength: 1,
  maxLength: 5,
  selector: ([name]) => name.toLowerCase()
})

/** A query with repeated keys allowed: repeated keys become arrays. */
const queryKey = fc.oneof(key, fc.string({ minLength: 1, maxLength: 6 }).filter((k) => !/^x-amz-/i.test(k)))
const queryArb = fc.array(fc.tuple(queryKey, queryValue), { minLength: 1, maxLength: 6 }).map((pairs) => {
  const map = new Map<string, Array<string>>()
  for (const [k, v] of pairs) map.set(k, [...(map.get(k) ?? []), v])
  return record([...map].map(([k, values]) => [k, values.length === 1 ? values[0] : values] as const))
})

const AMZ_DATE = "20240102T030405Z"
const SCOPE = "20240102/us-east-1/execute-api/aws4_request"

/** The spec's signature, by the test's own reference: secret, scope and time are this file's. */
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

/** Whether the promise rejected; `Object.prototype` is checked either way. */
const rejects = (promise: Promise<unknown>) => promise.then(() => false, () => true)

describe("SigV4 signing with hostile names", () => {
  it("sign keeps every header and query key as an own property, signs them as the spec says, and leaves Object.prototype alone", async () => {
    const before = prototypeSnapshot()
    let signedCount = 0
    await fc.assert(
      fc.asyncProperty(headersArb, queryArb, fc.string({ maxLength: 20 }), async (entries, query, body) => {
        const headers = record([["host", "example.com"], ...entries])
        const request = { method: "POST", hostname: "example.com", path: "/stage/@connections/a%3D", query, body }
        const signing = SigV4.sign({ ...request, headers }, { credentials, region: "us-east-1", time: TIME })
        if (Object.hasOwn(query, "__proto__")) {
          assert.isTrue(await rejects(signing), "a __proto__ query key is refused")
          assertPrototypeIntact(before)
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
        assertPrototypeIntact(before)
      }),
      { numRuns: 300 }
    )
    assert.isAbove(signedCount, 150)
  })

  it("presign keeps every query key and signed header, signs them as the spec says, and leaves Object.prototype alone", async () => {
    const before = prototypeSnapshot()
    let signedCount = 0
    await fc.assert(
      fc.asyncProperty(headersArb, queryArb, fc.string({ maxLength: 20 }), async (entries, query, body) => {
        const headers = record([["host", "example.com"], ...entries])
        const request = { method: "POST", hostname: "example.com", path: "/stage/@connections/a%3D", body }
        const presigning = SigV4.presign(
          { ...request, query, headers },
          { credentials, region: "us-east-1", time: TIME, expiresIn: 60 }
        )
        if (Object.hasOwn(query, "__proto__")) {
          assert.isTrue(await rejects(presigning), "a __proto__ query key is refused")
          assertPrototypeIntact(before)
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
        assertPrototypeIntact(before)
      }),
      { numRuns: 300 }
    )
    assert.isAbove(signedCount, 150)
  })
})
