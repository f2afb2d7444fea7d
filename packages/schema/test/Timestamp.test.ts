import { Timestamp } from "@effect-apigw/schema"
import { GetConnectionResponse } from "@effect-apigw/schema/Models"
import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"

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

  it("parses the GetConnection body into model names", () => {
    const decoded = Schema.decodeUnknownSync(GetConnectionResponse)({
      connectedAt: "2024-05-01T12:00:00.000Z",
      lastActiveAt: 1714564860,
      identity: { sourceIp: "192.0.2.1", userAgent: null }
    })
    assert.deepStrictEqual(decoded, {
      ConnectedAt: new Date("2024-05-01T12:00:00.000Z"),
      LastActiveAt: new Date("2024-05-01T12:01:00.000Z"),
      Identity: { SourceIp: "192.0.2.1" }
    })
    assert.isTrue(
      Either.isLeft(Schema.decodeUnknownEither(GetConnectionResponse)({ connectedAt: "yesterday" }))
    )
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(GetConnectionResponse)({ identity: {} })))
  })
})
