/**
 * Inputs and outputs of the three operations, with the AWS model's member names, and the wire form of the
 * `GetConnection` response with its decoder.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
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
export const isData = (u: unknown): u is Data =>
  typeof u === "string" || u instanceof ArrayBuffer || ArrayBuffer.isView(u) ||
  (typeof Blob !== "undefined" && u instanceof Blob)

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

const decodeGetConnectionResponse = /* @__PURE__ */ Schema.decodeUnknownEither(GetConnectionResponse)

/** What fits where a value did not: the schema's description (`a string`, a `Timestamp`'s), else its name. */
const expected = (ast: AST.AST): string => {
  const description = AST.getDescriptionAnnotation(ast)
  return description._tag === "Some" ? description.value : AST.isTypeLiteral(ast) ? "an object" : String(ast)
}

/**
 * The first thing in a decoding failure that does not fit, as `path: expected ...` with the wire's field names. It
 * names places and expectations only, never the value found (a response may quote anything). A failing
 * `X | null` (an optional, nullable field) reports X's failure, the first member of the union.
 */
const describeIssue = (issue: ParseResult.ParseIssue, path: ReadonlyArray<PropertyKey>): string => {
  const at = path.length === 0 ? "" : `${path.map(String).join(".")}: `
  switch (issue._tag) {
    case "Pointer":
      return describeIssue(issue.issue, path.concat(issue.path))
    case "Composite":
      return describeIssue(Array.isArray(issue.issues) ? issue.issues[0] : issue.issues, path)
    case "Refinement":
    case "Transformation": {
      const description = AST.getDescriptionAnnotation(issue.ast)
      return description._tag === "Some" ? `${at}expected ${description.value}` : describeIssue(issue.issue, path)
    }
    case "Missing":
      return `${at}is missing`
    case "Type":
      return `${at}expected ${expected(issue.ast)}`
    default:
      return `${at}is not allowed`
  }
}

/**
 * Decodes a `GetConnection` response body (parsed JSON) with the {@link GetConnectionResponse} schema: RFC 3339
 * timestamps (with or without an offset and fractions) and epoch seconds become valid `Date`s, a `null` field is read
 * as absent, unknown fields are ignored. `Left` is a short description of the first thing that does not fit, such as
 * `"identity.sourceIp: expected a string"` or `"connectedAt: expected an RFC 3339 date or epoch seconds"`: it names
 * the wire's field and what was expected, never the value found. The decoder is built once, when the module loads.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeGetConnection = (json: unknown): Either.Either<GetConnectionResponse, string> =>
  Either.mapLeft(decodeGetConnectionResponse(json), (error) => describeIssue(error.issue, []))

/**
 * What the gateway knows of a connection, with its id: one shape for the emulator's and the in-memory fake's view of
 * a connection (`GetConnection` answers the same fields, which the wire may leave out).
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection {
  readonly ConnectionId: string
  readonly ConnectedAt: Date
  readonly LastActiveAt: Date
  readonly Identity: Identity
}

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
