/**
 * The wire decoders of the client, in plain functions: the client's hot path and its bundles stay free of
 * `effect/Schema`. The schemas of `Models` and `Timestamp` give the same answers (a test holds them to it).
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { Data, GetConnectionResponse } from "./Models.js"

/**
 * Tells whether a value can be sent as `Data`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isData = (u: unknown): u is Data =>
  typeof u === "string" || u instanceof ArrayBuffer || ArrayBuffer.isView(u) ||
  (typeof Blob !== "undefined" && u instanceof Blob)

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

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** An optional field, read as the schema reads it: only if the object itself has it, never from its prototype. */
const own = (record: Readonly<Record<string, unknown>>, key: string): unknown =>
  Object.hasOwn(record, key) ? record[key] : undefined

const timestamp = (value: unknown): Option.Option<Date> =>
  typeof value === "string" ? parseRfc3339(value) : typeof value === "number" ? fromEpochSeconds(value) : Option.none()

/**
 * Decodes a `GetConnection` response body exactly as the `GetConnectionResponse` schema of `Models` does (a test holds them to the same
 * answers), without `Schema`: the client's hot path and bundles stay free of it. `Left` holds what does not fit.
 *
 * @since 0.1.0
 * @category decoding
 */
export const getConnectionResponse = (json: unknown): Either.Either<GetConnectionResponse, string> => {
  if (!isObject(json)) return Either.left("expected an object")
  const out: { -readonly [K in keyof GetConnectionResponse]: GetConnectionResponse[K] } = {}
  for (const [key, name] of [["connectedAt", "ConnectedAt"], ["lastActiveAt", "LastActiveAt"]] as const) {
    const value = own(json, key)
    if (value === undefined || value === null) continue
    const date = timestamp(value)
    if (Option.isNone(date)) return Either.left(`${key}: expected an RFC 3339 date or epoch seconds`)
    out[name] = date.value
  }
  const identity = own(json, "identity")
  if (identity !== undefined && identity !== null) {
    if (!isObject(identity)) return Either.left("identity: expected an object")
    // `sourceIp` is required, and the schema reads a required field wherever it is; `userAgent` is optional.
    const sourceIp = identity.sourceIp
    const userAgent = own(identity, "userAgent")
    if (typeof sourceIp !== "string") return Either.left("identity.sourceIp: expected a string")
    if (userAgent !== undefined && userAgent !== null && typeof userAgent !== "string") {
      return Either.left("identity.userAgent: expected a string")
    }
    out.Identity = typeof userAgent === "string" ? { SourceIp: sourceIp, UserAgent: userAgent } : { SourceIp: sourceIp }
  }
  return Either.right(out)
}
