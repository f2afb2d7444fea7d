/**
 * Keys that come from clients (query strings, header names) may be `Object.prototype`'s names: `__proto__`,
 * `constructor`, `prototype`, `hasOwnProperty`, `toString`... Property tests (effect/FastCheck) over such keys, on the
 * `$connect` event (`queryStringParameters`, `multiValueQueryStringParameters`, `headers`, `multiValueHeaders`) and on
 * the management API's signature checks (header-signed and presigned, with the keys in the query and the signed
 * headers): every value arrives intact as an own property, signatures over them verify, and `Object.prototype` is
 * untouched.
 */
import { SigV4 } from "@effect-apigw/core"
import type { Event } from "@effect-apigw/emulator"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Redacted } from "effect"
import { presignRequest, signRequest } from "../../../test/sigv4-reference.js"
import { HOSTILE } from "../../core/test/hostile.js"
import { parseAuthorization } from "../src/internal/sigv4.js"
import { connectWithId, CREDENTIALS, quietEmulator, raw } from "./utils.js"

const prototypeSnapshot = () =>
  Object.getOwnPropertyNames(Object.prototype).map((name) => {
    const d = Object.getOwnPropertyDescriptor(Object.prototype, name)!
    return `${name}:${String(d.value ?? d.get)}:${(d.value ?? d.get) === (Object.prototype as any)[name]}`
  }).join("\n")

/** An object with these own properties whatever their names (`{ __proto__: x }` would set the prototype). */
const record = <A>(entries: Iterable<readonly [string, A]>): Record<string, A> => Object.fromEntries(entries)

const queryKey = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ minLength: 1, maxLength: 6 }))
const queryArb = fc.array(fc.tuple(queryKey, fc.string({ maxLength: 10 })), { minLength: 1, maxLength: 6 })
const headerName = fc.oneof(fc.constantFrom(...HOSTILE), fc.stringMatching(/^x-[a-z0-9]{1,6}$/))
const headersArb = fc.uniqueArray(fc.tuple(headerName, fc.stringMatching(/^[!-~]([ !-~]{0,12}[!-~])?$/)), {
  minLength: 1,
  maxLength: 4,
  selector: ([name]) => name.toLowerCase()
})

const get = (port: number, path: string, headers: Record<string, string>) => raw(port, "GET", path, headers)

const signing = {
  credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: Redacted.make(CREDENTIALS.secretAccessKey) },
  region: "us-east-1"
}

describe("hostile keys", () => {
  it.scopedLive(
    "query keys and header names arrive intact on $connect and in signature checks",
    () =>
      Effect.gen(function*() {
        const events = new Map<string, Event.WebSocketEvent>()
        const emulator = yield* quietEmulator({
          credentials: CREDENTIALS,
          routes: { $connect: (event) => void events.set(event.requestContext.connectionId, event) }
        })
        const before = prototypeSnapshot()
        const property = fc.asyncProperty(queryArb, headersArb, (pairs, headerPairs) =>
          Effect.runPromise(Effect.scoped(Effect.gen(function*() {
            const params = new URLSearchParams()
            for (const [k, v] of pairs) {
              params.append(k, v)
            }
            const search = `?${params}`
            const multi = new Map<string, Array<string>>()
            for (const [k, v] of pairs) {
              multi.set(k, [...(multi.get(k) ?? []), v])
            }
            const headers = record(headerPairs)

            // $connect: the event's maps hold every key as an own property, with its values.
            const { id } = yield* connectWithId({ ...emulator, url: emulator.url + search }, { headers })
            const event = events.get(id)!
            for (const [k, values] of multi) {
              assert.isTrue(Object.hasOwn(event.queryStringParameters!, k), k)
              assert.strictEqual(event.queryStringParameters![k], values[values.length - 1], k)
              assert.isTrue(Object.hasOwn(event.multiValueQueryStringParameters!, k), k)
              assert.deepStrictEqual(event.multiValueQueryStringParameters![k], values, k)
            }
            for (const [name, value] of headerPairs) {
              assert.isTrue(Object.hasOwn(event.headers!, name), name)
              assert.strictEqual(event.headers![name], value, name)
              assert.deepStrictEqual(event.multiValueHeaders![name], [value], name)
            }

            // A header-signed GetConnection with the keys in its query and its signed headers.
            const path = `/local/@connections/${encodeURIComponent(id)}`
            const query = record(
              Array.from(multi, ([k, values]) =>
                [k, values.length === 1 ? values[0] : values] as const)
            )
            const host = `127.0.0.1:${emulator.port}`
            // smithy cannot sign a `__proto__` query key (SigV4 refuses it): the spec's reference signs those.
            const byReference = Object.hasOwn(query, "__proto__")
            const reference = {
              ...signing,
              ...CREDENTIALS,
              service: "execute-api",
              amzDate: SigV4.formatAmzDate(Date.now())
            }
            const request = { method: "GET", hostname: "127.0.0.1", path, query, headers: { host, ...headers } }
            const signed = byReference ?
              signRequest(request, reference) :
              yield* Effect.promise(() =>
                SigV4.sign(request, { ...signing, time: Date.now() })
              )
            for (const [name] of headerPairs) {
              assert.include(parseAuthorization(signed.authorization)!.signedHeaders, name.toLowerCase())
            }
            const headerSigned = yield* get(emulator.port, path + search, signed)
            assert.strictEqual(headerSigned.status, 200, headerSigned.body)

            // A presigned one, with the same query.
            const presigned = byReference ?
              presignRequest({ ...request, headers: { host } }, { ...reference, expiresIn: 60 }) :
              yield* Effect.promise(() =>
                SigV4.presign({ ...request, headers: { host } }, { ...signing, time: Date.now(), expiresIn: 60 })
              )
            const presignedSearch = new URLSearchParams()
            for (const [k, v] of Object.entries(presigned)) {
              for (const item of [v].flat()) {
                presignedSearch.append(k, item)
              }
            }
            const presignedGet = yield* get(emulator.port, `${path}?${presignedSearch}`, headers)
            assert.strictEqual(presignedGet.status, 200, presignedGet.body)

            assert.strictEqual(prototypeSnapshot(), before, "Object.prototype changed")
          }))))
        yield* Effect.promise(() => fc.assert(property, { numRuns: 60 }))
      }),
    { timeout: 60_000 }
  )

  it.scopedLive("a signature naming inherited properties among its signed headers is a 403, not a 500", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({ credentials: CREDENTIALS })
      const { id } = yield* connectWithId(emulator)
      const path = `/local/@connections/${encodeURIComponent(id)}`
      const host = `127.0.0.1:${emulator.port}`
      const signed = yield* Effect.promise(() =>
        SigV4.sign({ method: "GET", hostname: "127.0.0.1", path, headers: { host } }, {
          ...signing,
          time: Date.now()
        })
      )
      const statuses: Array<string> = []
      for (const name of HOSTILE.map((n) => n.toLowerCase())) {
        const authorization = signed.authorization.replace("SignedHeaders=host;", `SignedHeaders=${name};host;`)
        statuses.push(`${name} ${(yield* get(emulator.port, path, { ...signed, authorization })).status}`)
        const presigned = yield* Effect.promise(() =>
          SigV4.presign({ method: "GET", hostname: "127.0.0.1", path, headers: { host } }, {
            ...signing,
            time: Date.now(),
            expiresIn: 60
          })
        )
        const search = new URLSearchParams(record(Object.entries(presigned).map(([k, v]) => [k, String(v)] as const)))
        search.set("X-Amz-SignedHeaders", `host;${name}`)
        statuses.push(`${name} presigned ${(yield* get(emulator.port, `${path}?${search}`, {})).status}`)
      }
      assert.deepStrictEqual(
        statuses,
        HOSTILE.flatMap((n) => [`${n.toLowerCase()} 403`, `${n.toLowerCase()} presigned 403`])
      )
    }))
})
