/**
 * The tagged errors of the API Gateway Management API client. The four modelled AWS errors carry the AWS names as
 * their `_tag`; the others are this project's own, one per thing a caller would handle differently.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import type { ResponseMetadata } from "./ResponseMetadata.js"

/*
 * `Data.TaggedError` rather than `Schema.TaggedError`: the same tagged, yieldable, structurally equal errors, without
 * pulling `effect/Schema` (about 13 KB gzip) into every bundle of the client, nor validating fields on each failure.
 */

interface AwsFields {
  readonly Message?: string | undefined
  readonly $metadata: ResponseMetadata
}

interface ReasonFields<Reason extends string> {
  readonly reason: Reason
  readonly description: string
  readonly $metadata: ResponseMetadata
}

const describe = (name: string, message: string | undefined, metadata: ResponseMetadata): string => {
  const parts = [message ?? name]
  if (metadata.httpStatusCode !== undefined) parts.push(`status ${metadata.httpStatusCode}`)
  if (metadata.requestId !== undefined) parts.push(`request id ${metadata.requestId}`)
  return parts.length === 1 ? parts[0] : `${parts[0]} (${parts.slice(1).join(", ")})`
}

/** The class of a modelled AWS error: the AWS name as `_tag`, the message with the status and the request id. */
type ModelledErrorClass<Tag extends string> = new(
  args: AwsFields
) => Cause.YieldableError & { readonly _tag: Tag } & Readonly<AwsFields>

const ModelledError = <Tag extends string>(tag: Tag): ModelledErrorClass<Tag> =>
  class extends Data.TaggedError(tag)<AwsFields> {
    override get message(): string {
      return describe(this._tag, this.Message, this.$metadata)
    }
  }

/**
 * The caller may not use this connection or the signature was refused (HTTP 403).
 *
 * @since 0.1.0
 * @category errors
 */
export class ForbiddenException extends ModelledError("ForbiddenException") {}

/**
 * The connection no longer exists (HTTP 410): the client disconnected or the connection was deleted.
 *
 * @since 0.1.0
 * @category errors
 */
export class GoneException extends ModelledError("GoneException") {}

/**
 * The message is larger than the 128 KiB the API accepts (HTTP 413, or refused before sending).
 *
 * @since 0.1.0
 * @category errors
 */
export class PayloadTooLargeException extends ModelledError("PayloadTooLargeException") {}

/**
 * The caller was throttled (HTTP 429), for example because the client's send buffer is full.
 *
 * @since 0.1.0
 * @category errors
 */
export class LimitExceededException extends ModelledError("LimitExceededException") {}

/**
 * An AWS error that the API model does not list, such as `AccessDeniedException`,
 * `InvalidSignatureException` or `ThrottlingException`; `code` holds its name.
 *
 * @since 0.1.0
 * @category errors
 */
export class AwsServiceError extends Data.TaggedError("AwsServiceError")<AwsFields & { readonly code: string }> {
  override get message(): string {
    return describe(this.code, this.Message === undefined ? undefined : `${this.code}: ${this.Message}`, this.$metadata)
  }
}

/**
 * No usable HTTP response arrived: the connection was refused or reset, the request timed out, or the URL could not be
 * used.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Data.TaggedError("TransportError")<
  ReasonFields<"ConnectionRefused" | "ConnectionReset" | "Timeout" | "InvalidUrl" | "Other">
> {
  override get message(): string {
    return `${this.reason}: ${this.description}`
  }
}

/**
 * The server answered with a status or a body that does not fit the API model.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedResponseError
  extends Data.TaggedError("UnexpectedResponseError")<ReasonFields<"Status" | "Body">>
{
  override get message(): string {
    return describe(
      this.reason === "Status" ? "Unexpected status" : "Unexpected body",
      this.description,
      this.$metadata
    )
  }
}

/**
 * Credentials could not be obtained. `sources` names the providers that were tried; no secret is ever included.
 *
 * @since 0.1.0
 * @category errors
 */
export class CredentialsError extends Data.TaggedError("CredentialsError")<{
  readonly message: string
  readonly sources?: ReadonlyArray<string> | undefined
}> {}

/**
 * The input was refused before any request was sent (empty `ConnectionId`, `Data` of the wrong type, ...).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidInputError
  extends Data.TaggedError("InvalidInputError")<{ readonly field: string; readonly description: string }>
{
  override get message(): string {
    return `Invalid ${this.field}: ${this.description}`
  }
}

/**
 * The client options are unusable (a bad endpoint, no region, an invalid retry setting, ...).
 *
 * @since 0.1.0
 * @category errors
 */
export class ConfigurationError
  extends Data.TaggedError("ConfigurationError")<{ readonly option: string; readonly description: string }>
{
  override get message(): string {
    return `Invalid ${this.option}: ${this.description}`
  }
}

/**
 * `getPaginator` was called: no operation of this API is pageable.
 *
 * @since 0.1.0
 * @category errors
 */
export class OperationNotPageableError
  extends Data.TaggedError("OperationNotPageableError")<{ readonly operation: string }>
{
  override get message(): string {
    return `Operation cannot be paginated: ${this.operation}`
  }
}

/**
 * `getWaiter` was called: this API defines no waiters.
 *
 * @since 0.1.0
 * @category errors
 */
export class WaiterDoesNotExistError
  extends Data.TaggedError("WaiterDoesNotExistError")<{ readonly waiterName: string }>
{
  override get message(): string {
    return `Waiter does not exist: ${this.waiterName}`
  }
}

/**
 * The errors an AWS response can be mapped to.
 *
 * @since 0.1.0
 * @category errors
 */
export type ServiceError =
  | ForbiddenException
  | GoneException
  | PayloadTooLargeException
  | LimitExceededException
  | AwsServiceError

/**
 * A broadcast was stopped early because the endpoint itself keeps failing (refused connections, bad credentials,
 * a refused signature, server errors), rather than failing every remaining id one by one. `error` is the last
 * failure; the counts say how far the broadcast got.
 *
 * @since 0.1.0
 * @category errors
 */
export class BroadcastAbortedError extends Data.TaggedError("BroadcastAbortedError")<{
  readonly description: string
  readonly error: unknown
  readonly delivered: number
  readonly gone: number
  readonly failed: number
}> {
  override get message(): string {
    return `Broadcast stopped: ${this.description} (${this.delivered} delivered, ${this.gone} gone, ${this.failed} failed)`
  }
}
