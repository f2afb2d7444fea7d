/**
 * The `_tag`s of the errors the client's methods may fail with, shared by the fuzz and the property tests. Each list
 * is typed against the operations' error unions: a tag missing from a list, or one that no union has, does not
 * compile.
 */
import type { ApiGatewayManagementApi } from "@effect-apigw/core"
import type { Effect } from "effect"

type OperationErrorTag =
  | ApiGatewayManagementApi.PostToConnectionError["_tag"]
  | ApiGatewayManagementApi.GetConnectionError["_tag"]
  | ApiGatewayManagementApi.DeleteConnectionError["_tag"]

const operationErrors: Record<OperationErrorTag, true> = {
  ForbiddenException: true,
  GoneException: true,
  PayloadTooLargeException: true,
  LimitExceededException: true,
  AwsServiceError: true,
  TransportError: true,
  UnexpectedResponseError: true,
  CredentialsError: true,
  InvalidInputError: true
}

/** What `postToConnection`, `getConnection` and `deleteConnection` may fail with. */
export const OPERATION_ERROR_TAGS: ReadonlySet<string> = new Set(Object.keys(operationErrors))

type ServiceErrorTag =
  | OperationErrorTag
  | ApiGatewayManagementApi.BroadcastError["_tag"]
  | ApiGatewayManagementApi.GeneratePresignedUrlError["_tag"]
  | Effect.Effect.Error<ReturnType<ApiGatewayManagementApi.ApiGatewayManagementApiService["getPaginator"]>>["_tag"]
  | Effect.Effect.Error<ReturnType<ApiGatewayManagementApi.ApiGatewayManagementApiService["getWaiter"]>>["_tag"]

const otherErrors: Record<Exclude<ServiceErrorTag, OperationErrorTag>, true> = {
  BroadcastAbortedError: true,
  OperationNotPageableError: true,
  WaiterDoesNotExistError: true
}

/** What any method of the service may fail with: the operations' errors, and broadcast's, paginators', waiters'. */
export const SERVICE_ERROR_TAGS: ReadonlySet<string> = new Set([...OPERATION_ERROR_TAGS, ...Object.keys(otherErrors)])
