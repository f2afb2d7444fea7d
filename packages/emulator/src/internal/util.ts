/**
 * Small helpers the emulator's modules share: ids in API Gateway's styles, path segments, descriptions for logs.
 */
import { isUtf8 } from "node:buffer"
import { randomBytes, randomUUID } from "node:crypto"
import { types } from "node:util"

/** A connection id in API Gateway's style: 16 characters of base64 ending in `=`, such as `L0SM9cOFvHcCIhw=`. */
export const connectionId = (): string => randomBytes(11).toString("base64")

/** A message or request id in API Gateway's event style (`Ffz_TFnDIAMFm8Q=`). */
export const eventId = (): string => randomBytes(11).toString("base64url") + "="

/** A management API request id (`x-amzn-RequestId`). */
export const requestId = (): string => randomUUID()

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
