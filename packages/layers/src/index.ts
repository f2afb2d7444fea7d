/**
 * @since 0.1.0
 */
export * as Credentials from "./Credentials.js"
/**
 * @since 0.1.0
 */
export * as FixedClock from "./FixedClock.js"
/**
 * @since 0.1.0
 */
export * as Http from "./Http.js"
/**
 * @since 0.1.0
 */
export * as TestHttp from "./TestHttp.js"
