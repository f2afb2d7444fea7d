/**
 * @since 0.1.0
 */
export * as Errors from "./Errors.js"
/**
 * @since 0.1.0
 */
export * as Models from "./Models.js"
/**
 * @since 0.1.0
 */
export * as ResponseMetadata from "./ResponseMetadata.js"
/**
 * @since 0.1.0
 */
export * as Timestamp from "./Timestamp.js"
