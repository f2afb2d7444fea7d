/**
 * Decoding of the JSON documents that carry credentials (`credential_process` output, the container endpoint and
 * IMDS), and the secret-free errors of the credential sources.
 *
 * @internal
 */
import type { AwsCredentialIdentity } from "@effect-apigw/core/AwsCredentials"
import { CredentialsError } from "@effect-apigw/schema/Errors"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"

/** @internal */
export const fail = (source: string, message: string): CredentialsError =>
  new CredentialsError({ message: `${source}: ${message}`, sources: [source] })

/** @internal */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * A field of a decoded document, if the document itself has it: never one inherited from a prototype (a polluted
 * `Object.prototype.AccessKeyId` cannot stand in for a missing one).
 *
 * @internal
 */
export const own = (record: Readonly<Record<string, unknown>>, key: string): unknown =>
  Object.hasOwn(record, key) ? record[key] : undefined

/**
 * Parses an expiration time. A string must be a parseable date (ISO 8601 in practice); the value itself is not
 * repeated in errors.
 *
 * @internal
 */
export const parseExpiration = (value: unknown): Either.Either<Date | undefined, string> => {
  if (value === undefined || value === null) return Either.right(undefined)
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? Either.left("expiration is an invalid Date") : Either.right(value)
  }
  if (typeof value !== "string" || value.trim() === "") return Either.left("Expiration is not a date string")
  const millis = Date.parse(value)
  return Number.isNaN(millis) ? Either.left("Expiration is not a valid date") : Either.right(new Date(millis))
}

/**
 * Field names of a credentials document: `credential_process` uses `SessionToken`, the container endpoint and IMDS
 * use `Token`.
 *
 * @internal
 */
export interface PayloadFields {
  readonly sessionToken: "SessionToken" | "Token"
}

/**
 * Turns the text of a credentials document into an identity. The secrets are wrapped in `Redacted` as soon as they
 * are read; error messages name fields, never values (a `JSON.parse` error would quote the text, so it is dropped).
 *
 * @internal
 */
export const decodePayload = (
  text: string,
  fields: PayloadFields
): Either.Either<AwsCredentialIdentity, string> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return Either.left("the response is not valid JSON")
  }
  return decodeObject(json, fields)
}

/** @internal */
export const decodeObject = (
  json: unknown,
  fields: PayloadFields
): Either.Either<AwsCredentialIdentity, string> => {
  if (!isRecord(json)) return Either.left("the response is not a JSON object")
  const accessKeyId = own(json, "AccessKeyId")
  const secret = own(json, "SecretAccessKey")
  const token = own(json, fields.sessionToken)
  const missing: Array<string> = []
  if (typeof accessKeyId !== "string" || accessKeyId === "") missing.push("AccessKeyId")
  if (typeof secret !== "string" || secret === "") missing.push("SecretAccessKey")
  if (token !== undefined && token !== null && typeof token !== "string") missing.push(fields.sessionToken)
  if (missing.length > 0) return Either.left(`the response has no valid ${missing.join(", ")}`)
  const secretAccessKey = Redacted.make(secret as string)
  const sessionToken = typeof token === "string" && token !== "" ? Redacted.make(token) : undefined
  return Either.map(parseExpiration(own(json, "Expiration")), (expiration) => ({
    accessKeyId: accessKeyId as string,
    secretAccessKey,
    ...(sessionToken === undefined ? {} : { sessionToken }),
    ...(expiration === undefined ? {} : { expiration })
  }))
}

/**
 * The system error code (`ECONNREFUSED`, `ENOENT`, ...) found on a thrown value or its causes: a secret-free hint of
 * what went wrong.
 *
 * @internal
 */
export const errorCode = (error: unknown): string | undefined => {
  let current = error
  for (let depth = 0; depth < 5; depth++) {
    if (typeof current !== "object" || current === null) return undefined
    const code = (current as { readonly code?: unknown }).code
    if (typeof code === "string" && /^E[A-Z0-9_]+$/.test(code)) return code
    current = (current as { readonly cause?: unknown }).cause
  }
  return undefined
}
