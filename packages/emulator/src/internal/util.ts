import { isUtf8 } from "node:buffer"
import { randomBytes, randomUUID } from "node:crypto"
import { types } from "node:util"

/** A connection id in API Gateway's style: 16 characters of base64 ending in `=`, such as `L0SM9cOFvHcCIhw=`. */
export const connectionId = (): string => randomBytes(11).toString("base64")

/** A message or request id in API Gateway's event style (`Ffz_TFnDIAMFm8Q=`). */
export const eventId = (): string => randomBytes(11).toString("base64url") + "="

/** A management API request id (`x-amzn-RequestId`). */
export const requestId = (): string => randomUUID()

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const pad = (n: number) => String(n).padStart(2, "0")

/** `09/Feb/2024:12:00:00 +0000`, as `requestContext.requestTime`. */
export const requestTime = (time: number): string => {
  const d = new Date(time)
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${
    pad(d.getUTCMinutes())
  }:${pad(d.getUTCSeconds())} +0000`
}

/**
 * Parses a route selection expression of the form `$request.body.a.b`, returning the property path, or `undefined`
 * for any other expression (every message then goes to `$default`).
 */
export const parseSelectionExpression = (expression: string): ReadonlyArray<string> | undefined => {
  const m = /^\$request\.body\.([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)$/.exec(expression.trim())
  return m === null ? undefined : m[1].split(".")
}

/** Evaluates a parsed selection expression on a text message: the selected value when it is a string or number. */
export const selectRoute = (path: ReadonlyArray<string> | undefined, body: string): string | undefined => {
  if (path === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return undefined
  }
  for (const key of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined
}

/** Whether bytes are valid UTF-8 (and so go out as a text frame). */
export const isText = (bytes: Uint8Array): boolean => isUtf8(bytes)

/** Decodes one raw path segment, or `undefined` when its percent-encoding or UTF-8 is malformed. */
export const decodeSegment = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

/** Host for a URL: IPv6 in brackets, wildcard addresses as loopback. */
export const urlHost = (address: string): string =>
  address === "0.0.0.0" || address === "" ? "127.0.0.1" : address === "::" ? "[::1]" : address.includes(":") ?
    `[${address}]` :
    address

/** The description of an unknown thrown value, for logs; never throws, whatever getters or proxies it meets. */
export const describe = (u: unknown): string => {
  if (typeof u === "string") return u
  try {
    return u instanceof Error ? `${u.name}: ${u.message}` : JSON.stringify(u) ?? String(u)
  } catch {
    try {
      return String(u)
    } catch {
      return "(a value that cannot be described)"
    }
  }
}

/**
 * Sets `record[key]` as an own property whatever the key: a plain assignment of `__proto__` would change the
 * record's prototype instead (and lose the value).
 */
export const put = <A>(record: Record<string, A>, key: string, value: A): void => {
  if (key === "__proto__") {
    Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true })
  } else record[key] = value
}

/** Resolves when `promise` settles or after `millis`, whichever is first, on a real timer. */
export const settledWithin = (promise: Promise<unknown>, millis: number): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, millis)
    const done = () => {
      clearTimeout(timer)
      resolve()
    }
    promise.then(done, done)
  })

/** Whether a value is a Proxy (told without running any of its traps). */
export const isProxy = (u: unknown): boolean => types.isProxy(u)
