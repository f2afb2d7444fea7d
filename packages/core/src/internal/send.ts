import type { TransportError, UnexpectedResponseError } from "@effect-apigw/schema/Errors"
import type { ResponseMetadata } from "@effect-apigw/schema/ResponseMetadata"
import * as Effect from "effect/Effect"
import type * as Endpoint from "../Endpoint.js"
import type * as HttpTransport from "../HttpTransport.js"
import { type RawResponse, transportFailure } from "./response.js"

/** Sends one signed request and reads its response; the client's only way out. */
export type Send = (
  method: "POST" | "GET" | "DELETE",
  path: string,
  headers: Record<string, string>,
  body: Uint8Array | undefined,
  metadata: ResponseMetadata
) => Effect.Effect<RawResponse, TransportError | UnexpectedResponseError>

/** What a `Send` needs to know of the client. */
export interface SendContext {
  readonly endpoint: Endpoint.Endpoint
  readonly hostname: string
  readonly port: number | undefined
  readonly timeoutMillis: number
  readonly maxResponseBytes: number
  readonly tooLarge: (metadata: ResponseMetadata) => UnexpectedResponseError
  readonly timedOut: (metadata: ResponseMetadata) => TransportError
}

/** Sends through an `HttpTransport`: one `Effect.async` around its callback. */
export const fromTransport = (transport: HttpTransport.HttpTransport) => (context: SendContext): Send => {
  const { endpoint, hostname, maxResponseBytes, port, timeoutMillis } = context
  return (method, path, headers, body, metadata) =>
    Effect.async((resume) => {
      const abort = transport.send({
        method,
        protocol: endpoint.protocol,
        hostname,
        port,
        path,
        headers,
        body,
        timeoutMillis,
        maxResponseBytes
      }, (result) => {
        switch (result._tag) {
          case "Response":
            return resume(Effect.succeed(result))
          case "TooLarge":
            return resume(Effect.fail(context.tooLarge({ ...metadata, httpStatusCode: result.status })))
          case "Timeout":
            return resume(Effect.fail(context.timedOut(metadata)))
          case "Error":
            return resume(Effect.fail(transportFailure(result.code, result.message, metadata)))
        }
      })
      return Effect.sync(abort)
    })
}
