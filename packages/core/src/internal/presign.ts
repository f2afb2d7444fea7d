import { CredentialsError } from "@effect-apigw/schema/Errors"
import type { PostToConnectionRequest } from "@effect-apigw/schema/Models"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { GeneratePresignedUrlError, GeneratePresignedUrlRequest } from "../ApiGatewayManagementApi.js"
import type { AwsCredentials } from "../AwsCredentials.js"
import * as Endpoint from "../Endpoint.js"
import * as Input from "../Input.js"
import * as SigV4 from "../SigV4.js"
import type { ClockSkew } from "./call.js"

const escapeQuery = (value: string): string => Endpoint.encodeSegment(value) ?? ""

/** `generatePresignedUrl`: the URL of one operation, signed in its query, as boto3's `generate_presigned_url`. */
export const make = (
  { credentials, endpoint, maxPayloadBytes, skew }: {
    readonly endpoint: Endpoint.Endpoint
    readonly credentials: AwsCredentials["Type"]
    readonly maxPayloadBytes: number | false
    readonly skew: ClockSkew
  }
) => {
  const origin = `${endpoint.protocol}//${endpoint.host}`
  return (input: GeneratePresignedUrlRequest): Effect.Effect<string, GeneratePresignedUrlError> =>
    Either.match(Input.presignTarget(input), {
      onLeft: Effect.fail,
      onRight: ({ clientMethod, expiresIn, method, segment }) =>
        Effect.gen(function*() {
          const path = `${endpoint.basePath}/@connections/${segment}`
          const body = clientMethod === "postToConnection" ?
            yield* Input.data((input.Params as PostToConnectionRequest).Data, maxPayloadBytes) :
            undefined
          const identity = yield* credentials.resolve
          const time = yield* skew.now
          const query = yield* Effect.tryPromise({
            try: () =>
              SigV4.presign(
                { method, hostname: endpoint.hostname, path, headers: { host: endpoint.host }, body },
                { credentials: identity, region: endpoint.region, time, expiresIn }
              ),
            catch: () => new CredentialsError({ message: "the resolved credentials cannot sign a request" })
          })
          const search = Object.keys(query).sort().flatMap((key) =>
            [query[key]].flat().map((value) => `${escapeQuery(key)}=${escapeQuery(value)}`)
          )
          return `${origin}${path}?${search.join("&")}`
        })
    })
}
