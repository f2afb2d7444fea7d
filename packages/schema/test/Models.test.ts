import { Models } from "@effect-apigw/schema"
import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"

/** What a field of a generated body should decode to: a value, nothing (absent or `null`), or a refusal. */
type Expect<A> =
  | { readonly _tag: "Value"; readonly value: A }
  | { readonly _tag: "Absent" }
  | { readonly _tag: "Refused"; readonly description: string }

const value = <A>(a: A): Expect<A> => ({ _tag: "Value", value: a })
const absent: Expect<never> = { _tag: "Absent" }
const refused = (description: string): Expect<never> => ({ _tag: "Refused", description })

/** A generated wire value with what the decoder must make of it. */
type Case<A> = readonly [wire: unknown, expect: Expect<A>]

const TIMESTAMP = "expected an RFC 3339 date or epoch seconds"

/** Timestamps, good and bad, as JSON has them: RFC 3339 variants, epoch seconds, and what is neither. */
const timestamp = (field: string): fc.Arbitrary<Case<Date>> => {
  const bad = refused(`${field}: ${TIMESTAMP}`)
  const at = (iso: string) => value(new Date(iso))
  return fc.oneof(
    fc.constantFrom<Case<Date>>(
      ["2024-05-01T12:00:00Z", at("2024-05-01T12:00:00.000Z")],
      ["2024-05-01T12:00:00.123456789+02:00", at("2024-05-01T10:00:00.123Z")],
      ["2024-05-01 12:00:00", at("2024-05-01T12:00:00.000Z")],
      ["2024-02-29T00:00:00z", at("2024-02-29T00:00:00.000Z")],
      ["2024-05-01T07:00:00-0500", at("2024-05-01T12:00:00.000Z")],
      ["2016-12-31T23:59:60Z", at("2017-01-01T00:00:00.000Z")],
      ["2023-02-29T00:00:00Z", bad],
      ["2024-05-01T24:00:00Z", bad],
      ["2024-05-01T12:00:00+24:00", bad],
      ["2024-05-01", bad],
      ["yesterday", bad],
      ["", bad],
      [1714564800, at("2024-05-01T12:00:00.000Z")],
      [1714564800.5, at("2024-05-01T12:00:00.500Z")],
      [-1, at("1969-12-31T23:59:59.000Z")],
      [1e20, bad],
      [true, bad],
      [null, absent],
      [{}, bad],
      [[], bad]
    ),
    // Any instant, as the gateway (a string) or an emulator (epoch seconds) sends it.
    fc.date({
      min: new Date("0000-01-01T00:00:00.000Z"),
      max: new Date("9999-12-31T23:59:59.999Z"),
      noInvalidDate: true
    })
      .chain((date) =>
        fc.constantFrom<Case<Date>>([date.toISOString(), value(date)], [date.getTime() / 1000, value(date)])
      )
  )
}

/** Identities, good and bad: `sourceIp` is required, `userAgent` optional (and `null` is absent), extras ignored. */
const identity: fc.Arbitrary<Case<Models.Identity>> = fc.oneof(
  fc.constantFrom<Case<Models.Identity>>(
    [null, absent],
    ["1.2.3.4", refused("identity: expected an object")],
    [[], refused("identity: expected an object")],
    [{}, refused("identity.sourceIp: is missing")],
    [{ userAgent: "x" }, refused("identity.sourceIp: is missing")],
    [{ sourceIp: 1, userAgent: "x" }, refused("identity.sourceIp: expected a string")],
    [{ sourceIp: "1.2.3.4", userAgent: 7 }, refused("identity.userAgent: expected a string")],
    [{ sourceIp: "1.2.3.4", userAgent: null }, value({ SourceIp: "1.2.3.4" })],
    [{ sourceIp: "::1", extra: true }, value({ SourceIp: "::1" })]
  ),
  fc.tuple(fc.string(), fc.option(fc.string(), { nil: undefined })).map((
    [SourceIp, UserAgent]
  ): Case<Models.Identity> =>
    UserAgent === undefined ?
      [{ sourceIp: SourceIp }, value({ SourceIp })] :
      [{ sourceIp: SourceIp, userAgent: UserAgent }, value({ SourceIp, UserAgent })]
  )
)

/** An optional member, present in `tenths` of ten bodies. */
const member = <A>(arbitrary: fc.Arbitrary<A>, tenths: number): fc.Arbitrary<A | undefined> =>
  fc.oneof({ weight: tenths, arbitrary }, { weight: 10 - tenths, arbitrary: fc.constant(undefined) })

type Decoded = Either.Either<Models.GetConnectionResponse, ReadonlyArray<string>>

/** A body that is not an object at all. */
const notAnObject = fc.constantFrom(null, 1, "x", [], true).map((wire) =>
  [wire, Either.left(["expected an object"]) as Decoded] as const
)

/** An object body as `JSON.parse` gives it, with the model it decodes to or the refusals it may be described by. */
const anObject = fc.record({
  connectedAt: member(timestamp("connectedAt"), 8),
  lastActiveAt: member(timestamp("lastActiveAt"), 6),
  identity: member(identity, 7),
  extra: member(fc.constantFrom(1, "x", null, { a: 1 }), 3)
}).map((fields) => {
  const wire: Record<string, unknown> = {}
  const model: Record<string, unknown> = {}
  const refusals: Array<string> = []
  const names = { connectedAt: "ConnectedAt", lastActiveAt: "LastActiveAt", identity: "Identity" } as const
  for (const key of ["connectedAt", "lastActiveAt", "identity"] as const) {
    const field = fields[key]
    if (field === undefined) continue
    const [value, expect]: Case<unknown> = field
    wire[key] = value
    if (expect._tag === "Value") model[names[key]] = expect.value
    if (expect._tag === "Refused") refusals.push(expect.description)
  }
  if (fields.extra !== undefined) wire.extra = fields.extra
  const decoded: Decoded = refusals.length > 0 ?
    Either.left(refusals) :
    Either.right(model as Models.GetConnectionResponse)
  return [JSON.parse(JSON.stringify(wire)) as unknown, decoded] as const
})

/** A GetConnection body, valid or not, with what the decoder must make of it. */
const body = fc.oneof({ weight: 1, arbitrary: notAnObject }, { weight: 19, arbitrary: anObject })

describe("Models.decodeGetConnection", () => {
  it("decodes 5,000 generated bodies, valid and not, to their model or to a description of a refused field", () => {
    let accepted = 0
    let refused = 0
    fc.assert(
      fc.property(body, ([wire, expected]) => {
        const decoded = Models.decodeGetConnection(wire)
        if (Either.isRight(expected)) {
          assert.deepStrictEqual(decoded, Either.right(expected.right))
          accepted++
        } else {
          assert.isTrue(Either.isLeft(decoded))
          // The description names one of the fields that do not fit (the first the schema meets).
          if (Either.isLeft(decoded)) assert.include(expected.left, decoded.left)
          refused++
        }
      }),
      { numRuns: 5000 }
    )
    // Both outcomes are well represented, so the checks mean something either way.
    assert.isAbove(accepted, 500)
    assert.isAbove(refused, 500)
  })

  it("maps the wire's names to the model's, with Dates, null as absent", () => {
    assert.deepStrictEqual(
      Models.decodeGetConnection({
        connectedAt: "2024-05-01T12:00:00.000Z",
        lastActiveAt: 1714564860,
        identity: { sourceIp: "192.0.2.1", userAgent: null }
      }),
      Either.right({
        ConnectedAt: new Date("2024-05-01T12:00:00.000Z"),
        LastActiveAt: new Date("2024-05-01T12:01:00.000Z"),
        Identity: { SourceIp: "192.0.2.1" }
      })
    )
    assert.deepStrictEqual(Models.decodeGetConnection({}), Either.right({}))
    assert.deepStrictEqual(
      Models.decodeGetConnection({ connectedAt: null, identity: null, lastActiveAt: null }),
      Either.right({})
    )
  })

  it("names the field that does not fit and what was expected, never the value found", () => {
    const cases: Array<[unknown, string]> = [
      [null, "expected an object"],
      [[], "expected an object"],
      [{ identity: { sourceIp: 1 } }, "identity.sourceIp: expected a string"],
      [{ identity: {} }, "identity.sourceIp: is missing"],
      [{ identity: { sourceIp: "1.2.3.4", userAgent: 7 } }, "identity.userAgent: expected a string"],
      [{ identity: "secret-token" }, "identity: expected an object"],
      [{ connectedAt: "secret-token" }, `connectedAt: ${TIMESTAMP}`],
      [{ lastActiveAt: true }, `lastActiveAt: ${TIMESTAMP}`],
      [{ lastActiveAt: 1e20 }, `lastActiveAt: ${TIMESTAMP}`]
    ]
    for (const [input, description] of cases) {
      assert.deepStrictEqual(Models.decodeGetConnection(input), Either.left(description), JSON.stringify(input))
    }
  })

  it("gives the GetConnectionResponse schema's answers", () => {
    const decode = Schema.decodeUnknownEither(Models.GetConnectionResponse)
    fc.assert(
      fc.property(body, ([wire]) => {
        assert.deepStrictEqual(Either.getRight(Models.decodeGetConnection(wire)), Either.getRight(decode(wire)))
      }),
      { numRuns: 500 }
    )
  })
})

describe("Models.isData", () => {
  it("accepts strings and binary data, nothing else", () => {
    for (const ok of ["", "x", new Uint8Array(1), new ArrayBuffer(1), new DataView(new ArrayBuffer(1)), new Blob([])]) {
      assert.isTrue(Models.isData(ok))
    }
    for (const bad of [undefined, null, 1, {}, [1], true]) assert.isFalse(Models.isData(bad))
  })
})

describe("Models.decodeGetConnection with hostile keys", () => {
  const hostile = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf"] as const
  const field = fc.constantFrom("connectedAt", "lastActiveAt", "identity", "sourceIp", "userAgent")
  const fieldValue = fc.constantFrom<unknown>(
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
  type Members = ReadonlyArray<readonly [string, unknown]>
  const members: fc.Arbitrary<Members> = fc.array(fc.tuple(fc.oneof(field, fc.constantFrom(...hostile)), fieldValue), {
    maxLength: 6
  })

  /** JSON text written by hand, so that `__proto__` is in it as a key. */
  const text = (entries: Members) =>
    `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`

  /** An object whose fields are partly its own and partly its prototype's. */
  const withPrototype = (own: Members, inherited: Members) => {
    const proto: Record<string, unknown> = {}
    for (const [k, v] of inherited) Object.defineProperty(proto, k, { value: v, enumerable: true, configurable: true })
    const out = Object.create(proto) as Record<string, unknown>
    for (const [k, v] of own) Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true })
    return out
  }

  /** The last value given to a key, as both `JSON.parse` and a redefined property keep it. */
  const last = (entries: Members, key: string): { readonly value: unknown } | undefined => {
    for (let i = entries.length - 1; i >= 0; i--) if (entries[i][0] === key) return { value: entries[i][1] }
    return undefined
  }

  /** What one of the values above decodes to as a timestamp: `undefined` when absent, `null` when refused. */
  const asTimestamp = (v: unknown): Date | undefined | null =>
    v === null ?
      undefined :
      v === "2024-05-01T12:00:00Z" || v === "0050-05-01T12:00:00Z" ?
      new Date(v) :
      typeof v === "number" ?
      new Date(v * 1000) :
      null

  /**
   * What an identity decodes to: optional `userAgent` only from the object's own members, required `sourceIp` from
   * wherever the object has it, its prototype included (as the schema reads them); `null` when refused.
   */
  const asIdentity = (own: Members, inherited: Members): Models.Identity | null => {
    const sourceIp = last(own, "sourceIp") ?? last(inherited, "sourceIp")
    const userAgent = last(own, "userAgent")
    if (typeof sourceIp?.value !== "string") return null
    if (userAgent === undefined || userAgent.value === null) return { SourceIp: sourceIp.value }
    return typeof userAgent.value === "string" ? { SourceIp: sourceIp.value, UserAgent: userAgent.value } : null
  }

  /** A plain identity value of the list above. */
  const identityOf = (v: unknown): Models.Identity | undefined | null =>
    v === null ?
      undefined :
      typeof v === "object" && !Array.isArray(v) ?
      asIdentity(Object.entries(v as object), []) :
      null

  /** What a body with these own members (and this identity, when given) decodes to; `undefined` when refused. */
  const expected = (
    own: Members,
    identity: Models.Identity | undefined | null = identityOf(last(own, "identity")?.value ?? null)
  ): Models.GetConnectionResponse | undefined => {
    const connectedAt = asTimestamp(last(own, "connectedAt")?.value ?? null)
    const lastActiveAt = asTimestamp(last(own, "lastActiveAt")?.value ?? null)
    if (connectedAt === null || lastActiveAt === null || identity === null) return undefined
    return {
      ...(connectedAt === undefined ? {} : { ConnectedAt: connectedAt }),
      ...(identity === undefined ? {} : { Identity: identity }),
      ...(lastActiveAt === undefined ? {} : { LastActiveAt: lastActiveAt })
    }
  }

  const input: fc.Arbitrary<readonly [unknown, Models.GetConnectionResponse | undefined]> = fc.oneof(
    members.map((entries) => [JSON.parse(text(entries)), expected(entries)] as const),
    fc.tuple(members, members).map(([own, inherited]) => [withPrototype(own, inherited), expected(own)] as const),
    fc.tuple(members, members, members).map(([own, identity, inherited]) =>
      [
        withPrototype([...own, ["identity", withPrototype(identity, inherited)]], []),
        expected(own, asIdentity(identity, inherited))
      ] as const
    )
  )

  it("reads only the body's own optional fields, and pollutes nothing", () => {
    const before = Object.getOwnPropertyNames(Object.prototype)
    fc.assert(
      fc.property(input, ([body, model]) => {
        const decoded = Models.decodeGetConnection(body)
        if (model === undefined) assert.isTrue(Either.isLeft(decoded))
        else assert.deepStrictEqual(decoded, Either.right(model))
      }),
      { numRuns: 3000 }
    )
    assert.deepStrictEqual(Object.getOwnPropertyNames(Object.prototype), before)
  })
})
