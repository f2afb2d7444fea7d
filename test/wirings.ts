import type { AwsCredentials, Errors } from "@effect-apigw/core"
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Http, NodeTransport } from "@effect-apigw/layers"
import { Layer } from "effect"

/** A client layer for the given options, with its HTTP wiring provided and the credentials still to provide. */
export type Wiring = (
  options: ApiGatewayManagementApi.Options
) => Layer.Layer<
  ApiGatewayManagementApi.ApiGatewayManagementApi,
  Errors.ConfigurationError,
  AwsCredentials.AwsCredentials
>

/** Every way requests leave: the lean transport alone, the lean transport of `Http.layer`, any plain `HttpClient`. */
export const wirings: ReadonlyArray<readonly [string, Wiring]> = [
  [
    "NodeTransport.layer",
    (options) => ApiGatewayManagementApi.layerTransport(options).pipe(Layer.provide(NodeTransport.layer))
  ],
  ["Http.layer (lean transport)", (options) => ApiGatewayManagementApi.layer(options).pipe(Layer.provide(Http.layer))],
  [
    "a plain HttpClient (platform Node)",
    (options) => ApiGatewayManagementApi.layer(options).pipe(Layer.provide(Http.layerPlatformNode()))
  ]
]
