import {
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand
} from "@aws-sdk/client-apigatewaymanagementapi"
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Effect } from "effect"
import { CREDENTIALS, ourClient, sdkClient } from "./utils.js"

/** The result of one management call, the same shape for both clients. */
export type Outcome =
  | { readonly ok: true; readonly status: number; readonly value: any }
  | { readonly ok: false; readonly tag: string; readonly status: number | undefined }

export interface DriverOptions {
  readonly credentials?: { accessKeyId: string; secretAccessKey: string }
  readonly region?: string
}

/** A management API client under test. */
export interface Driver {
  readonly name: string
  readonly post: (endpoint: string, id: string, data: string | Uint8Array, o?: DriverOptions) => Effect.Effect<Outcome>
  readonly get: (endpoint: string, id: string, o?: DriverOptions) => Effect.Effect<Outcome>
  readonly delete: (endpoint: string, id: string, o?: DriverOptions) => Effect.Effect<Outcome>
}

const ours = <A extends { $metadata: { httpStatusCode?: number | undefined } }, E extends { _tag: string }>(
  effect: Effect.Effect<A, E, ApiGatewayManagementApi.ApiGatewayManagementApi>,
  endpoint: string,
  o: DriverOptions = {}
): Effect.Effect<Outcome> =>
  effect.pipe(
    Effect.provide(ourClient(endpoint, { ...o, maxAttempts: 1, maxPayloadBytes: false })),
    Effect.match({
      onSuccess: (value): Outcome => ({ ok: true, status: value.$metadata.httpStatusCode ?? 0, value }),
      onFailure: (error: any): Outcome => ({
        ok: false,
        tag: error._tag === "AwsServiceError" ? error.code : error._tag,
        status: error.$metadata?.httpStatusCode
      })
    })
  )

export const Ours: Driver = {
  name: "effect client",
  post: (endpoint, id, data, o) =>
    ours(ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: data }), endpoint, o),
  get: (endpoint, id, o) => ours(ApiGatewayManagementApi.getConnection({ ConnectionId: id }), endpoint, o),
  delete: (endpoint, id, o) => ours(ApiGatewayManagementApi.deleteConnection({ ConnectionId: id }), endpoint, o)
}

const sdk = (endpoint: string, o: DriverOptions = {}, command: any): Effect.Effect<Outcome> =>
  Effect.promise(async (): Promise<Outcome> => {
    const client = sdkClient(endpoint, o.credentials ?? CREDENTIALS, o.region)
    try {
      const value = await client.send(command)
      return { ok: true, status: value.$metadata.httpStatusCode ?? 0, value }
    } catch (error: any) {
      return { ok: false, tag: error.name, status: error.$metadata?.httpStatusCode }
    } finally {
      client.destroy()
    }
  })

export const Sdk: Driver = {
  name: "AWS SDK v3",
  post: (endpoint, id, data, o) =>
    sdk(
      endpoint,
      o,
      new PostToConnectionCommand({
        ConnectionId: id,
        Data: typeof data === "string" ? new TextEncoder().encode(data) : data
      })
    ),
  get: (endpoint, id, o) => sdk(endpoint, o, new GetConnectionCommand({ ConnectionId: id })),
  delete: (endpoint, id, o) => sdk(endpoint, o, new DeleteConnectionCommand({ ConnectionId: id }))
}

export const drivers: ReadonlyArray<Driver> = [Ours, Sdk]
