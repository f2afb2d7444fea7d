// Diagnostic: what @effect/platform's Node HttpClient alone weighs (unsigned POST, no AWS client).
import { Http } from "@effect-apigw/layers"
import { HttpBody, HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect } from "effect"

await Effect.runPromise(
  HttpClient.execute(
    HttpClientRequest.post(`${process.env.APIGW_ENDPOINT}/@connections/${encodeURIComponent("L0SM9cOFvHcCIhw=")}`, {
      body: HttpBody.text("hello", "application/octet-stream")
    })
  ).pipe(Effect.flatMap((response) => response.arrayBuffer), Effect.provide(Http.layer))
)
console.log("done")
process.exit(0)
