// Diagnostic, not a peer: @effect/platform's Node HttpClient (our recommended `Http.layer`) sending the same unsigned
// POST, `runPromise` per call. The least any client built on that HttpClient can cost: the Effect HTTP floor.
import { Http } from "@effect-apigw/layers"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type { Adapter, AdapterOptions } from "./types.js"

const encoder = new TextEncoder()

export const make = async (options: AdapterOptions): Promise<Adapter> => {
  const runtime = ManagedRuntime.make(Http.layer)
  const client = await runtime.runPromise(HttpClient.HttpClient)
  const base = `${options.endpoint}/@connections/`
  return {
    post: (connectionId, data) =>
      runtime.runPromise(
        client.execute(
          HttpClientRequest.post(base + encodeURIComponent(connectionId), {
            body: HttpBody.uint8Array(encoder.encode(data), "application/octet-stream")
          })
        ).pipe(
          Effect.flatMap((response) =>
            Effect.flatMap(response.arrayBuffer, () =>
              response.status === 200 ? Effect.void : Effect.fail(new Error(`status ${response.status}`)))
          )
        )
      ),
    close: () => runtime.dispose()
  }
}
