import type { AwsCredentials } from "@effect-apigw/core"
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Http } from "@effect-apigw/layers"
import type { Errors } from "@effect-apigw/schema"
import { NodeHttpClient } from "@effect/platform-node"
import { Layer } from "effect"

/** A client layer for the given options, with its HTTP wiring provided and the credentials still to provide. */
export type Wiring = (
  options: ApiGatewayManagementApi.Options
) => Layer.Layer<
  ApiGatewayManagementApi.ApiGatewayManagementApi,
  Errors.ConfigurationError,
  AwsCredentials.AwsCredentials
>

/** The HttpClients requests leave through in the tests: ours for Node, and another library's. */
export const wirings: ReadonlyArray<readonly [string, Wiring]> = [
  ["Http.layer", (options) => ApiGatewayManagementApi.layer(options).pipe(Layer.provide(Http.layer))],
  [
    "@effect/platform-node's NodeHttpClient",
    (options) => ApiGatewayManagementApi.layer(options).pipe(Layer.provide(NodeHttpClient.layer))
  ]
]
