import { Decode, Models } from "@effect-apigw/schema"
import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck, Schema } from "effect"

// A seeded generator of GetConnection bodies, valid and not, as JSON.parse gives them.
const random = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
}

const pick = <A>(next: () => number, values: ReadonlyArray<A>): A => values[Math.floor(next() * values.length)]

const timestamps = [
  "2024-05-01T12:00:00Z",
  "2024-05-01T12:00:00.123456789+02:00",
  "2024-05-01 12:00:00",
  "2024-02-29T00:00:00z",
  "2023-02-29T00:00:00Z",
  "2024-05-01T24:00:00Z",
  "2024-05-01T12:00:00+24:00",
  "2016-12-31T23:59:60Z",
  "yesterday",
  "",
  1714564800,
  1714564800.5,
  -1,
  1e20,
  true,
  null,
  {},
  []
]

const identities = (next: () => number): unknown =>
  pick(next, [
    null,
    "1.2.3.4",
    [],
    {},
    { sourceIp: "1.2.3.4" },
    { sourceIp: "1.2.3.4", userAgent: "curl/8" },
    { sourceIp: "1.2.3.4", userAgent: null },
    { sourceIp: "1.2.3.4", userAgent: 7 },
    { sourceIp: 1, userAgent: "x" },
    { userAgent: "x" },
    { sourceIp: "::1", extra: true }
  ])

const body = (next: () => number): unknown => {
  const shape = next()
  if (shape < 0.05) return pick(next, [null, 1, "x", [], true])
  const out: Record<string, unknown> = {}
  if (next() < 0.8) out.connectedAt = pick(next, timestamps)
  if (next() < 0.6) out.lastActiveAt = pick(next, timestamps)
  if (next() < 0.7) out.identity = identities(next)
  if (next() < 0.3) out.extra = pick(next, [1, "x", null, { a: 1 }])
  return JSON.parse(JSON.stringify(out))
}

describe("Decode.getConnectionResponse", () => {
  it("gives the same answers as the GetConnectionResponse schema on 5,000 seeded bodies", () => {
    const next = random(20261125)
    const decodeSchema = Schema.decodeUnknownEither(Models.GetConnectionResponse)
    let accepted = 0
    for (let i = 0; i < 5000; i++) {
      const input = body(next)
      const plain = Decode.getConnectionResponse(input)
      const schema = decodeSchema(input, { onExcessProperty: "ignore" })
      assert.strictEqual(Either.isRight(plain), Either.isRight(schema), JSON.stringify(input))
      if (Either.isRight(plain) && Either.isRight(schema)) {
        assert.deepStrictEqual(plain.right, schema.right, JSON.stringify(input))
        accepted++
      }
    }
    // Both outcomes are well represented, so the comparison means something either way.
    assert.isAbove(accepted, 500)
    assert.isBelow(accepted, 4500)
  })

  it("names the field that does not fit", () => {
    const left = Decode.getConnectionResponse({ identity: { sourceIp: 1 } })
    assert.deepStrictEqual(left, Either.left("identity.sourceIp: expected a string"))
  })
})

describe("Decode.isData", () => {
  it("accepts strings and binary data, nothing else", () => {
    for (const ok of ["", "x", new Uint8Array(1), new ArrayBuffer(1), new DataView(new ArrayBuffer(1)), new Blob([])]) {
      assert.isTrue(Decode.isData(ok))
    }
    for (const bad of [undefined, null, 1, {}, [1], true]) assert.isFalse(Decode.isData(bad))
  })
})

describe("Decode.getConnectionResponse with hostile keys", () => {
  const hostile = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf"] as const
  const field = FastCheck.constantFrom("connectedAt", "lastActiveAt", "identity", "sourceIp", "userAgent")
  const fieldValue = FastCheck.constantFrom<unknown>(
    "2024-05-01T12:00:00Z",
    "0050-05-01T12:00:00Z",
    1714564800,
    "yesterday",
    null,
    "1.2.3.4",
    7,
    { sourceIp: "1.2.3.4", userAgent: "curl/8" },
    { sourceIp: "1.2.3.4", userAgent: 7 },
    {}
  )
  const members = FastCheck.array(
    FastCheck.tuple(FastCheck.oneof(field, FastCheck.constantFrom(...hostile)), fieldValue),
    {
      maxLength: 6
    }
  )

  /** JSON text written by hand, so that `__proto__` is in it as a key. */
  const text = (entries: ReadonlyArray<readonly [string, unknown]>) =>
    `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`

  /** An object whose fields are partly its own and partly its prototype's. */
  const withPrototype = (
    own: ReadonlyArray<readonly [string, unknown]>,
    inherited: ReadonlyArray<readonly [string, unknown]>
  ) => {
    const proto: Record<string, unknown> = {}
    for (const [k, v] of inherited) Object.defineProperty(proto, k, { value: v, enumerable: true, configurable: true })
    const out = Object.create(proto) as Record<string, unknown>
    for (const [k, v] of own) Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true })
    return out
  }

  const input = FastCheck.oneof(
    members.map((entries) => JSON.parse(text(entries)) as unknown),
    FastCheck.tuple(members, members).map(([own, inherited]) => withPrototype(own, inherited)),
    FastCheck.tuple(members, members, members).map(([own, identity, inherited]) =>
      withPrototype([...own, ["identity", withPrototype(identity, inherited)]], [])
    )
  )

  it("gives the same answers as the schema, and pollutes nothing", () => {
    const decodeSchema = Schema.decodeUnknownEither(Models.GetConnectionResponse)
    const before = Object.getOwnPropertyNames(Object.prototype)
    FastCheck.assert(
      FastCheck.property(input, (body) => {
        const plain = Decode.getConnectionResponse(body)
        const schema = decodeSchema(body, { onExcessProperty: "ignore" })
        assert.strictEqual(Either.isRight(plain), Either.isRight(schema))
        if (Either.isRight(plain) && Either.isRight(schema)) assert.deepStrictEqual(plain.right, schema.right)
      }),
      { numRuns: 3000 }
    )
    assert.deepStrictEqual(Object.getOwnPropertyNames(Object.prototype), before)
  })
})
