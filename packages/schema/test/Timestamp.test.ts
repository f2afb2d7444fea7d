import { Timestamp } from "@effect-apigw/schema"
import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck, Option, Schema } from "effect"

const decode = Schema.decodeUnknownEither(Timestamp.Timestamp)
const iso = (input: unknown) => Either.map(decode(input), (date) => date.toISOString())

describe("Timestamp", () => {
  it("decodes RFC 3339 strings with and without offsets and fractions", () => {
    const cases: Array<[string, string]> = [
      ["2024-05-01T12:00:00Z", "2024-05-01T12:00:00.000Z"],
      ["2024-05-01T12:00:00.5Z", "2024-05-01T12:00:00.500Z"],
      ["2024-05-01T12:00:00.123456789Z", "2024-05-01T12:00:00.123Z"],
      ["2024-05-01T14:30:00+02:30", "2024-05-01T12:00:00.000Z"],
      ["2024-05-01T07:00:00-0500", "2024-05-01T12:00:00.000Z"],
      ["2024-05-01t12:00:00z", "2024-05-01T12:00:00.000Z"],
      ["2024-05-01T12:00:00", "2024-05-01T12:00:00.000Z"],
      ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"],
      ["2016-12-31T23:59:60Z", "2017-01-01T00:00:00.000Z"]
    ]
    for (const [input, expected] of cases) {
      assert.deepStrictEqual(iso(input), Either.right(expected), input)
    }
  })

  it("decodes epoch seconds, fractional too", () => {
    assert.deepStrictEqual(iso(1714564800), Either.right("2024-05-01T12:00:00.000Z"))
    assert.deepStrictEqual(iso(1714564800.25), Either.right("2024-05-01T12:00:00.250Z"))
    assert.deepStrictEqual(iso(0), Either.right("1970-01-01T00:00:00.000Z"))
  })

  it("rejects anything that is not a real instant", () => {
    const bad: Array<unknown> = [
      "not-a-date",
      "",
      "2024-13-01T00:00:00Z",
      "2023-02-29T00:00:00Z",
      "2024-04-31T00:00:00Z",
      "2024-05-01T24:00:00Z",
      "2024-05-01T12:60:00Z",
      "2024-05-01",
      "2024-05-01T12:00:00+25:00",
      "1714564800",
      " 2024-05-01T12:00:00Z",
      NaN,
      Infinity,
      1e20,
      true,
      null,
      {},
      []
    ]
    for (const input of bad) assert.isTrue(Either.isLeft(decode(input)), String(input))
  })
})

describe("Timestamp, every year from 0000 to 9999", () => {
  /** The parsers the schema is built on, called directly. */
  const decodePlain = (input: string | number) =>
    Option.getOrUndefined(
      typeof input === "string" ? Timestamp.parseRfc3339(input) : Timestamp.fromEpochSeconds(input)
    )
  const encode = Schema.encodeSync(Timestamp.Timestamp)
  const pad = (n: number, width: number) => String(n).padStart(width, "0")

  /** The instant of a calendar date-time, computed without Date.UTC (which reads the years 0-99 as 1900-1999). */
  const instant = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number) => {
    const date = new Date(0)
    date.setUTCFullYear(y, mo - 1, d)
    date.setUTCHours(h, mi, s, ms)
    return date.getTime()
  }

  const daysIn = (year: number, month: number) => new Date(instant(year, month + 1, 0, 0, 0, 0, 0)).getUTCDate()

  const dateTime = FastCheck.record({
    year: FastCheck.integer({ min: 0, max: 9999 }),
    month: FastCheck.integer({ min: 1, max: 12 }),
    day: FastCheck.integer({ min: 1, max: 31 }),
    hour: FastCheck.integer({ min: 0, max: 23 }),
    minute: FastCheck.integer({ min: 0, max: 59 }),
    second: FastCheck.integer({ min: 0, max: 59 }),
    fraction: FastCheck.option(FastCheck.stringMatching(/^[0-9]{1,9}$/)),
    offset: FastCheck.oneof(
      FastCheck.constantFrom("Z", "z", ""),
      FastCheck.tuple(
        FastCheck.constantFrom("+", "-"),
        FastCheck.integer({ min: 0, max: 23 }),
        FastCheck.integer({ min: 0, max: 59 })
      )
    )
  }).map((t) => ({ ...t, day: Math.min(t.day, daysIn(t.year, t.month)) }))

  type DateTime = typeof dateTime extends FastCheck.Arbitrary<infer A> ? A : never

  const render = (t: DateTime) => {
    const offset = typeof t.offset === "string"
      ? t.offset
      : `${t.offset[0]}${pad(t.offset[1], 2)}:${pad(t.offset[2], 2)}`
    return `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}T${pad(t.hour, 2)}:${pad(t.minute, 2)}:` +
      `${pad(t.second, 2)}${t.fraction === null ? "" : `.${t.fraction}`}${offset}`
  }

  const expected = (t: DateTime) => {
    const ms = t.fraction === null ? 0 : Number(t.fraction.padEnd(3, "0").slice(0, 3))
    const offsetMinutes = typeof t.offset === "string"
      ? 0
      : (t.offset[0] === "-" ? -1 : 1) * (t.offset[1] * 60 + t.offset[2])
    return instant(t.year, t.month, t.day, t.hour, t.minute, t.second, ms) - offsetMinutes * 60_000
  }

  it("RFC 3339 strings, with or without an offset, decode to their exact instant in the schema and its parser", () =>
    FastCheck.assert(
      FastCheck.property(dateTime, (t) => {
        const text = render(t)
        const schema = decode(text)
        assert.isTrue(Either.isRight(schema), text)
        assert.strictEqual(Either.getOrThrow(schema).getTime(), expected(t), text)
        assert.strictEqual(decodePlain(text)?.getTime(), expected(t), text)
      }),
      {
        numRuns: 3000,
        examples: [[{ year: 50, month: 1, day: 1, hour: 0, minute: 0, second: 0, fraction: null, offset: "Z" }]]
      }
    ))

  const anyInstant = FastCheck.date({
    min: new Date("0000-01-01T00:00:00.000Z"),
    max: new Date("9999-12-31T23:59:59.999Z"),
    noInvalidDate: true
  })

  it("any instant of the years 0000-9999 round-trips through the schema, as a string and as epoch seconds", () =>
    FastCheck.assert(
      FastCheck.property(anyInstant, (date) => {
        const text = date.toISOString()
        assert.strictEqual(encode(date), text)
        assert.strictEqual(Either.getOrThrow(decode(text)).getTime(), date.getTime(), text)
        assert.strictEqual(decodePlain(text)?.getTime(), date.getTime(), text)
        const seconds = date.getTime() / 1000
        assert.strictEqual(Either.getOrThrow(decode(seconds)).getTime(), date.getTime(), String(seconds))
        assert.strictEqual(decodePlain(seconds)?.getTime(), date.getTime(), String(seconds))
      }),
      {
        numRuns: 3000,
        examples: [
          [new Date("0000-01-01T00:00:00.000Z")],
          [new Date("0050-06-15T12:34:56.789Z")],
          [new Date("0099-12-31T23:59:59.999Z")],
          [new Date("0100-03-01T00:00:00.000Z")],
          [new Date("9999-12-31T23:59:59.999Z")]
        ]
      }
    ))

  /** A real date-time made malformed in one of its fields. */
  const malformed = FastCheck.tuple(
    dateTime,
    FastCheck.constantFrom("month0", "month13", "day0", "dayAfterEnd", "hour24", "minute60", "second61", "offset24")
  ).map(([t, how]) => {
    const bad = { ...t }
    if (how === "month0") bad.month = 0
    if (how === "month13") bad.month = 13
    if (how === "day0") bad.day = 0
    if (how === "dayAfterEnd") bad.day = daysIn(t.year, t.month) + 1
    if (how === "hour24") bad.hour = 24
    if (how === "minute60") bad.minute = 60
    if (how === "second61") bad.second = 61
    if (how === "offset24") bad.offset = ["+", 24, 0]
    return render(bad)
  })

  it("a malformed date is an error in the schema and its parser", () =>
    FastCheck.assert(
      FastCheck.property(malformed, (input) => {
        assert.isTrue(Either.isLeft(decode(input)), input)
        assert.isUndefined(decodePlain(input), input)
      }),
      { numRuns: 2000 }
    ))

  it("any string or number decodes to a valid Date or to an error, never to an Invalid Date", () =>
    FastCheck.assert(
      FastCheck.property(FastCheck.oneof(FastCheck.string(), FastCheck.double(), FastCheck.integer()), (input) => {
        const schema = decode(input)
        const plain = decodePlain(input)
        if (Either.isRight(schema)) assert.isFalse(Number.isNaN(schema.right.getTime()), String(input))
        if (plain !== undefined) assert.isFalse(Number.isNaN(plain.getTime()), String(input))
        assert.strictEqual(Either.isRight(schema), plain !== undefined, String(input))
      }),
      { numRuns: 2000 }
    ))
})
