import type { UnexpectedResponseError } from "@effect-apigw/schema/Errors"
import { UnexpectedResponseError as Unexpected } from "@effect-apigw/schema/Errors"
import type { GetConnectionOutput } from "@effect-apigw/schema/Models"
import { decodeGetConnection } from "@effect-apigw/schema/Models"
import type { ResponseMetadata } from "@effect-apigw/schema/ResponseMetadata"
import * as Either from "effect/Either"
import type { ModelledCode, RawResponse } from "./response.js"

/**
 * What an operation sends and how it reads the answer: its method, the modelled errors it may fail with (other codes
 * become `AwsServiceError`), and the output of a 2xx response.
 */
export interface Plan<C extends ModelledCode, A> {
  readonly name: "PostToConnection" | "GetConnection" | "DeleteConnection"
  readonly method: "POST" | "GET" | "DELETE"
  readonly errors: ReadonlySet<C>
  readonly output: (response: RawResponse, $metadata: ResponseMetadata) => Either.Either<A, UnexpectedResponseError>
}

const metadataOnly = (_: RawResponse, $metadata: ResponseMetadata) => Either.right({ $metadata })

const decoder = new TextDecoder()

const connection = (
  response: RawResponse,
  $metadata: ResponseMetadata
): Either.Either<GetConnectionOutput, UnexpectedResponseError> => {
  const unexpected = (description: string) => Either.left(new Unexpected({ reason: "Body", description, $metadata }))
  let json: unknown
  try {
    json = JSON.parse(decoder.decode(response.body))
  } catch {
    return unexpected("the GetConnection response is not JSON")
  }
  return Either.match(decodeGetConnection(json), {
    onLeft: (error) => unexpected(`the GetConnection response does not fit the model: ${error}`),
    onRight: (output) => Either.right({ ...output, $metadata })
  })
}

export const postToConnection: Plan<
  "ForbiddenException" | "GoneException" | "PayloadTooLargeException" | "LimitExceededException",
  { readonly $metadata: ResponseMetadata }
> = {
  name: "PostToConnection",
  method: "POST",
  errors: new Set(["ForbiddenException", "GoneException", "PayloadTooLargeException", "LimitExceededException"]),
  output: metadataOnly
}

export const getConnection: Plan<
  "ForbiddenException" | "GoneException" | "LimitExceededException",
  GetConnectionOutput
> = {
  name: "GetConnection",
  method: "GET",
  errors: new Set(["ForbiddenException", "GoneException", "LimitExceededException"]),
  output: connection
}

export const deleteConnection: Plan<
  "ForbiddenException" | "GoneException" | "LimitExceededException",
  { readonly $metadata: ResponseMetadata }
> = {
  name: "DeleteConnection",
  method: "DELETE",
  errors: getConnection.errors,
  output: metadataOnly
}
