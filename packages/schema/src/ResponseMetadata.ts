/**
 * The `$metadata` that every output and every AWS error carries.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * What the client knows about the HTTP exchange behind a result: status, request id, attempts and time spent
 * waiting between attempts.
 *
 * @since 0.1.0
 * @category models
 */
export const ResponseMetadata = /* @__PURE__ */ Schema.Struct({
  httpStatusCode: Schema.optional(Schema.Number),
  requestId: Schema.optional(Schema.String),
  extendedRequestId: Schema.optional(Schema.String),
  cfId: Schema.optional(Schema.String),
  attempts: Schema.Number,
  totalRetryDelay: Schema.Number
})

/**
 * What the client knows about the HTTP exchange behind a result (see the schema of the same name).
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseMetadata extends Schema.Schema.Type<typeof ResponseMetadata> {}

/**
 * Metadata for a failure that happened before any request was sent.
 *
 * @since 0.1.0
 * @category constructors
 */
export const none: ResponseMetadata = { attempts: 0, totalRetryDelay: 0 }
