/**
 * What the tests over untrusted keys share: the names of `Object.prototype`'s own properties, and, for the SigV4
 * tests with such names (`SigV4.hostile.test.ts` here and in the emulator), their credentials, time and drawn requests.
 */
import { assert } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as Redacted from "effect/Redacted"
import type { AwsCredentialIdentity } from "../src/AwsCredentials.js"

/**
 * Text that breaks code using ordinary objects as maps: the names of `Object.prototype`'s own properties, for
 * property tests over keys that come from outside (query strings, headers, files, JSON).
 */
export const HOSTILE = [
  "__proto__",
  "constructor",
  "prototype",
  "hasOwnProperty",
  "toString",
  "valueOf",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
  "__lookupGetter__",
  "__lookupSetter__"
]

/** The credentials the hostile-name tests sign and verify with. */
export const credentials: AwsCredentialIdentity = {
  accessKeyId: "AKIDHOSTILE",
  secretAccessKey: Redacted.make("hostile-secret")
}
/** The signing time of the hostile-name tests, its `x-amz-date` and the scope it signs in. */
export const TIME = Date.UTC(2024, 0, 2, 3, 4, 5)
export const AMZ_DATE = "20240102T030405Z"
export const SCOPE = "20240102/us-east-1/execute-api/aws4_request"

/** An object with these own properties, whatever their names (a literal `__proto__:` would set the prototype). */
export const record = <A>(entries: ReadonlyArray<readonly [string, A]>): Record<string, A> =>
  Object.fromEntries(entries)

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

/** One drawn request: its header `entries` (hostile names among them), those `headers` with `host`, query and body. */
export interface HostileRequest {
  readonly entries: ReadonlyArray<readonly [string, string]>
  readonly headers: Record<string, string>
  readonly query: Record<string, string | Array<string>>
  readonly body: string
}

/**
 * Runs `property` on 300 requests with hostile header names and query keys, and checks after each one that
 * `Object.prototype` is as it was before the first.
 */
export const forHostileRequests = (property: (request: HostileRequest) => Promise<void>): Promise<void> => {
  const before = prototypeSnapshot()
  return fc.assert(
    fc.asyncProperty(headersArb, queryArb, fc.string({ maxLength: 20 }), async (entries, query, body) => {
      await property({ entries, headers: record([["host", "example.com"], ...entries]), query, body })
      assertPrototypeIntact(before)
    }),
    { numRuns: 300 }
  )
}
