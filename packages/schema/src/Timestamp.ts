/**
 * The schema of the timestamps that `GetConnection` returns (the parsing itself is in `Decode`).
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { fromEpochSeconds, parseRfc3339 } from "./Decode.js"

/**
 * A timestamp as the API and its emulators send it, an RFC 3339 string or epoch seconds, decoded to a valid `Date`.
 * Anything else (an unparseable string, `NaN`, a boolean) fails to decode. Encodes to an ISO 8601 string.
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
).annotations({ identifier: "Timestamp" })
