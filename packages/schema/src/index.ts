/**
 * Wire schemas, models and tagged errors of the API Gateway Management API.
 *
 * @since 0.1.0
 */
/**
 * The tagged errors of the client.
 *
 * @since 0.1.0
 */
export * as Errors from "./Errors.js"
/**
 * Inputs and outputs of the operations, with the AWS model's member names, and the `GetConnection` decoder.
 *
 * @since 0.1.0
 */
export * as Models from "./Models.js"
/**
 * The `$metadata` of every output and AWS error.
 *
 * @since 0.1.0
 */
export * as ResponseMetadata from "./ResponseMetadata.js"
/**
 * The timestamps `GetConnection` returns: RFC 3339 and epoch-seconds parsing, and their schema.
 *
 * @since 0.1.0
 */
export * as Timestamp from "./Timestamp.js"
