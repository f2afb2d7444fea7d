/**
 * Implementations of the client's services for production and for tests: credential providers, HTTP clients, a
 * fixed clock, a scripted HTTP client and an in-memory fake of the whole API.
 *
 * @since 0.1.0
 */
/**
 * Credential providers: static, environment, profile, container, IMDS, any SDK provider, the default chain.
 *
 * @since 0.1.0
 */
export * as Credentials from "./Credentials.js"
/**
 * A frozen clock for tests.
 *
 * @since 0.1.0
 */
export * as FixedClock from "./FixedClock.js"
/**
 * The `HttpClient` for Node and AWS Lambda.
 *
 * @since 0.1.0
 */
export * as Http from "./Http.js"
/**
 * A recording, scriptable `HttpClient` for tests.
 *
 * @since 0.1.0
 */
export * as TestHttp from "./TestHttp.js"
/**
 * An in-memory fake of the whole client, for unit tests with no HTTP.
 *
 * @since 0.1.0
 */
export * as TestApi from "./TestApi.js"
