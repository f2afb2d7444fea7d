/**
 * The timestamps that `GetConnection` returns: RFC 3339 strings or epoch seconds, parsed to valid `Date`s, and the
 * schema that decodes them.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/

/** Milliseconds in 400 Gregorian years (146,097 days): the calendar repeats with exactly this period. */
const gregorianCycle = 146_097 * 86_400_000

/**
 * `Date.UTC` for any year: on its own it reads the years 0-99 as 1900-1999, so the date is computed 400 years
 * later (where no year is two digits) and moved back by one whole calendar cycle.
 */
const utc = (year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number) =>
  Date.UTC(year + 400, month - 1, day, hour, minute, second, ms) - gregorianCycle

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month)
    ? 30
    : 31

/**
 * Parses an RFC 3339 / ISO 8601 date-time (`2024-05-01T12:00:00Z`, `2024-05-01T14:00:00.250+02:00`; without an
 * offset it is read as UTC, never as local time). Returns `None` for anything that is not a real instant.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseRfc3339 = (input: string): Option.Option<Date> => {
  const m = RFC3339.exec(input)
  if (m === null) return Option.none()
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]))
  if (
    month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 ||
    second > 60
  ) return Option.none()
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0").slice(0, 3))
  let offsetMinutes = 0
  if (m[9] !== undefined) {
    const offsetHours = Number(m[10])
    const offsetMins = Number(m[11])
    if (offsetHours > 23 || offsetMins > 59) return Option.none()
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMins)
  }
  // A leap second (:60) is folded into the next second, as Date cannot represent it.
  const time = utc(year, month, day, hour, minute, second, millis) - offsetMinutes * 60_000
  const date = new Date(time)
  return Number.isNaN(date.getTime()) ? Option.none() : Option.some(date)
}

/**
 * Converts epoch seconds (possibly fractional) to a `Date`, or `None` when out of range.
 *
 * @since 0.1.0
 * @category parsing
 */
export const fromEpochSeconds = (seconds: number): Option.Option<Date> => {
  if (!Number.isFinite(seconds)) return Option.none()
  const date = new Date(Math.round(seconds * 1000))
  return Number.isNaN(date.getTime()) ? Option.none() : Option.some(date)
}

/**
 * A timestamp as the API and its emulators send it, an RFC 3339 string ({@link parseRfc3339}) or epoch seconds
 * ({@link fromEpochSeconds}), decoded to a valid `Date`. Anything else (an unparseable string, `NaN`, a boolean) fails
 * to decode. Encodes to an ISO 8601 string.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Timestamp: Schema.Schema<Date, string | number> = /* @__PURE__ */ Schema.transformOrFail(
  Schema.Union(Schema.String, Schema.Number),
  Schema.ValidDateFromSelf,
  {
    strict: true,
    decode: (input, _, ast) =>
      Option.match(typeof input === "string" ? parseRfc3339(input) : fromEpochSeconds(input), {
        onNone: () => ParseResult.fail(new ParseResult.Type(ast, input, `Expected an RFC 3339 date or epoch seconds`)),
        onSome: ParseResult.succeed
      }),
    encode: (date) => ParseResult.succeed(date.toISOString())
  }
).annotations({ identifier: "Timestamp", description: "an RFC 3339 date or epoch seconds" })
