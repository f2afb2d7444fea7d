/**
 * The Effect client for the API Gateway Management API: the `ApiGatewayManagementApi` service, its credentials
 * service, endpoint handling, SigV4 signing and Lambda helpers.
 *
 * @since 0.1.0
 */
/**
 * The client: `postToConnection`, `getConnection`, `deleteConnection`, `broadcast` and the rest.
 *
 * @since 0.1.0
 */
export * as ApiGatewayManagementApi from "./ApiGatewayManagementApi.js"
/**
 * The credentials service the client signs with.
 *
 * @since 0.1.0
 */
export * as AwsCredentials from "./AwsCredentials.js"
/**
 * Parsing and validation of the management API endpoint.
 *
 * @since 0.1.0
 */
export * as Endpoint from "./Endpoint.js"
/**
 * Time limits that an `HttpClient` enforces itself, so that the client needs no timer fiber per attempt.
 *
 * @since 0.1.0
 */
export * as HttpDeadline from "./HttpDeadline.js"
/**
 * The input checks made before any request.
 *
 * @since 0.1.0
 */
export * as Input from "./Input.js"
/**
 * Lambda helpers: WebSocket event types, the endpoint and the client layer from an event.
 *
 * @since 0.1.0
 */
export * as Lambda from "./Lambda.js"
/**
 * Reading a response body with a size limit.
 *
 * @since 0.1.0
 */
export * as ResponseBody from "./ResponseBody.js"
/**
 * AWS Signature Version 4 signing and presigning for `execute-api`.
 *
 * @since 0.1.0
 */
export * as SigV4 from "./SigV4.js"
