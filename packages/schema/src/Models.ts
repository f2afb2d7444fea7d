/**
 * Inputs and outputs of the three operations, with the AWS model's member names, and the wire form of the
 * `GetConnection` response.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Decode from "./Decode.js"
import { ResponseMetadata } from "./ResponseMetadata.js"
import { Timestamp } from "./Timestamp.js"

/**
 * What `Data` may be: a string (sent as UTF-8) or binary data, sent byte for byte.
 *
 * @since 0.1.0
 * @category models
 */
export type Data = string | Uint8Array | ArrayBuffer | ArrayBufferView | Blob

/**
 * Tells whether a value can be sent as `Data`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isData: (u: unknown) => u is Data = Decode.isData

/**
 * `Data` as a schema: accepts exactly the values {@link isData} accepts.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DataSchema: Schema.Schema<Data> = /* @__PURE__ */ Schema.declare(isData, {
  identifier: "Data",
  description: "a string, Uint8Array, ArrayBuffer, ArrayBufferView or Blob"
})

/**
 * A connection id, as API Gateway hands it out (e.g. `L0SM9cOFvHcCIhw=`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ConnectionId = /* @__PURE__ */ Schema.String.annotations({ identifier: "ConnectionId" })

/**
 * The input of `PostToConnection`: the connection and the message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PostToConnectionRequest = /* @__PURE__ */ Schema.Struct({ ConnectionId, Data: DataSchema })

/**
 * The input of `PostToConnection`: the connection and the message.
 *
 * @since 0.1.0
 * @category models
 */
export interface PostToConnectionRequest extends Schema.Schema.Type<typeof PostToConnectionRequest> {}

/**
 * The input of `GetConnection`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const GetConnectionRequest = /* @__PURE__ */ Schema.Struct({ ConnectionId })

/**
 * The input of `GetConnection`.
 *
 * @since 0.1.0
 * @category models
 */
export interface GetConnectionRequest extends Schema.Schema.Type<typeof GetConnectionRequest> {}

/**
 * The input of `DeleteConnection`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DeleteConnectionRequest = /* @__PURE__ */ Schema.Struct({ ConnectionId })

/**
 * The input of `DeleteConnection`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DeleteConnectionRequest extends Schema.Schema.Type<typeof DeleteConnectionRequest> {}

/**
 * Who is on the other end of a connection.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Identity = /* @__PURE__ */ Schema.Struct({
  SourceIp: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("sourceIp")),
  UserAgent: Schema.optionalWith(Schema.String, { nullable: true, exact: true }).pipe(Schema.fromKey("userAgent"))
})

/**
 * Who is on the other end of a connection: the source IP and, when known, the user agent.
 *
 * @since 0.1.0
 * @category models
 */
export interface Identity extends Schema.Schema.Type<typeof Identity> {}

/**
 * The `GetConnection` response body: decodes the wire's camelCase JSON (`connectedAt`, `identity.sourceIp`, ...)
 * into the model's names, with the timestamps as `Date`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const GetConnectionResponse = /* @__PURE__ */ Schema.Struct({
  ConnectedAt: Schema.optionalWith(Timestamp, { nullable: true, exact: true }).pipe(Schema.fromKey("connectedAt")),
  Identity: Schema.optionalWith(Identity, { nullable: true, exact: true }).pipe(Schema.fromKey("identity")),
  LastActiveAt: Schema.optionalWith(Timestamp, { nullable: true, exact: true }).pipe(Schema.fromKey("lastActiveAt"))
})

/**
 * The decoded `GetConnection` response body.
 *
 * @since 0.1.0
 * @category models
 */
export interface GetConnectionResponse extends Schema.Schema.Type<typeof GetConnectionResponse> {}

/**
 * The output of `PostToConnection`: only the response metadata.
 *
 * @since 0.1.0
 * @category models
 */
export interface PostToConnectionOutput {
  readonly $metadata: ResponseMetadata
}

/**
 * The output of `DeleteConnection`: only the response metadata.
 *
 * @since 0.1.0
 * @category models
 */
export interface DeleteConnectionOutput {
  readonly $metadata: ResponseMetadata
}

/**
 * The output of `GetConnection`: the connection's times and identity, with the response metadata.
 *
 * @since 0.1.0
 * @category models
 */
export interface GetConnectionOutput extends GetConnectionResponse {
  readonly $metadata: ResponseMetadata
}

/**
 * The wire body of an AWS error, as far as the client reads it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ErrorBody = /* @__PURE__ */ Schema.Struct({
  code: Schema.optional(Schema.Unknown),
  __type: Schema.optional(Schema.Unknown),
  message: Schema.optional(Schema.Unknown),
  Message: Schema.optional(Schema.Unknown)
})
