/**
 * @since 0.1.0
 */
export * as ApiGatewayManagementApi from "./ApiGatewayManagementApi.js"
/**
 * @since 0.1.0
 */
export * as AwsCredentials from "./AwsCredentials.js"
/**
 * @since 0.1.0
 */
export * as Endpoint from "./Endpoint.js"
/**
 * @since 0.1.0
 */
export * as SigV4 from "./SigV4.js"
/**
 * @since 0.1.0
 */
export * as Errors from "@effect-apigw/schema/Errors"
/**
 * @since 0.1.0
 */
export * as Models from "@effect-apigw/schema/Models"
