import type { ResponseMetadata } from "@effect-apigw/schema/ResponseMetadata"
import * as Effect from "effect/Effect"
import type * as Tracer from "effect/Tracer"
import type * as Endpoint from "../Endpoint.js"

/** Effect's built-in tracer, which keeps spans in memory only and exports nothing: found on first use. */
let nativeTracer: Tracer.Tracer | undefined

const isNative = (tracer: Tracer.Tracer): boolean => tracer === (nativeTracer ??= Effect.runSync(Effect.tracer))

const annotate = (metadata: ResponseMetadata | undefined): Effect.Effect<void> =>
  metadata === undefined ? Effect.void : Effect.annotateCurrentSpan({
    "http.response.status_code": metadata.httpStatusCode,
    "aws.request_id": metadata.requestId,
    "aws.attempts": metadata.attempts,
    "aws.total_retry_delay_ms": metadata.totalRetryDelay
  })

const metadataOf = (error: unknown): ResponseMetadata | undefined =>
  typeof error === "object" && error !== null && "$metadata" in error ?
    error.$metadata as ResponseMetadata :
    undefined

/**
 * Runs an operation in its span: service, operation, region, host and connection id, then the status, request id,
 * attempts and retry delay of its answer; no header and no secret. The span costs a tenth of a call's CPU: it is
 * made only when a tracer that can export it is installed.
 */
export const withOperationSpan = (
  { connectionId, endpoint, name }: {
    readonly name: string
    readonly endpoint: Endpoint.Endpoint
    readonly connectionId: string
  }
) =>
<A extends { readonly $metadata: ResponseMetadata }, E>(call: Effect.Effect<A, E>): Effect.Effect<A, E> =>
  Effect.tracerWith((tracer) =>
    isNative(tracer) ? call : call.pipe(
      Effect.tap((output) => annotate(output.$metadata)),
      Effect.tapError((error) => annotate(metadataOf(error))),
      Effect.withSpan(`ApiGatewayManagementApi.${name}`, {
        kind: "client",
        captureStackTrace: false,
        attributes: {
          "rpc.system": "aws-api",
          "rpc.service": "ApiGatewayManagementApi",
          "rpc.method": name,
          "cloud.region": endpoint.region,
          "server.address": endpoint.host,
          "aws.apigateway.connection_id": connectionId
        }
      })
    )
  )
