import type { AwsCredentials } from "@effect-apigw/core"
import { Credentials, TestHttp } from "@effect-apigw/layers"
import type { CredentialsError } from "@effect-apigw/schema/Errors"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, FastCheck, Layer, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

// Text from outside (section names, keys, JSON fields) that an ordinary object would confuse with its own machinery.
const hostile = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "isPrototypeOf",
  "__defineGetter__",
  "toLocaleString"
] as const

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

// ---------------------------------------------------------------------------------------------------------------
// a guard on the objects a polluting write could reach
// ---------------------------------------------------------------------------------------------------------------

/** `Object.prototype`, `Object`, `Function.prototype` and the methods of `Object.prototype`. */
const reachable = (): ReadonlyArray<readonly [string, object]> => {
  const out: Array<readonly [string, object]> = [
    ["Object.prototype", Object.prototype],
    ["Object", Object],
    ["Function.prototype", Function.prototype]
  ]
  for (const name of Object.getOwnPropertyNames(Object.prototype)) {
    const value: unknown = Object.getOwnPropertyDescriptor(Object.prototype, name)?.value
    if (typeof value === "function") out.push([`Object.prototype.${name}`, value])
  }
  return out
}

type Snapshot = ReadonlyArray<readonly [string, object, ReadonlyMap<PropertyKey, PropertyDescriptor>]>

const snapshot = (): Snapshot =>
  reachable().map(([name, target]) => [
    name,
    target,
    new Map(Reflect.ownKeys(target).map((key) => [key, Object.getOwnPropertyDescriptor(target, key)!]))
  ])

const sameDescriptor = (a: PropertyDescriptor, b: PropertyDescriptor) =>
  a.value === b.value && a.get === b.get && a.set === b.set && a.writable === b.writable &&
  a.enumerable === b.enumerable && a.configurable === b.configurable

/** Puts back what was changed since `before` and names it (empty when nothing was). */
const restore = (before: Snapshot): ReadonlyArray<string> => {
  const changed: Array<string> = []
  for (const [name, target, descriptors] of before) {
    for (const key of Reflect.ownKeys(target)) {
      if (!descriptors.has(key)) {
        changed.push(`${name}.${String(key)} added`)
        Reflect.deleteProperty(target, key)
      }
    }
    for (const [key, descriptor] of descriptors) {
      const now = Object.getOwnPropertyDescriptor(target, key)
      if (now === undefined || !sameDescriptor(now, descriptor)) {
        changed.push(`${name}.${String(key)} changed`)
        Object.defineProperty(target, key, descriptor)
      }
    }
  }
  // the prototype chain of Object.prototype itself
  if (Object.getPrototypeOf(Object.prototype) !== null) {
    changed.push("Object.prototype has a prototype")
    Object.setPrototypeOf(Object.prototype, null)
  }
  return changed
}

/** Runs `f`, then fails if it polluted anything (after repairing it, so the other tests still run). */
const guarded = async <A>(f: () => Promise<A>): Promise<A> => {
  const before = snapshot()
  let result: A
  try {
    result = await f()
  } finally {
    const changed = restore(before)
    assert.deepStrictEqual(changed, [], "nothing outside the parsed data changed")
  }
  return result
}

// ---------------------------------------------------------------------------------------------------------------
// shared files
// ---------------------------------------------------------------------------------------------------------------

const normalKeys = ["aws_access_key_id", "aws_secret_access_key", "aws_session_token", "region", "output"] as const
const normalNames = ["default", "dev", "prod"] as const

const word = FastCheck.stringMatching(/^[a-z][a-z0-9_-]{0,7}$/).filter((w) => w !== "role_arn")
const name = FastCheck.oneof(FastCheck.constantFrom(...hostile), FastCheck.constantFrom(...normalNames), word)
const key = FastCheck.oneof(
  { weight: 2, arbitrary: FastCheck.constantFrom(...hostile) },
  { weight: 3, arbitrary: FastCheck.constantFrom(...normalKeys) },
  { weight: 1, arbitrary: word }
)
const value = FastCheck.stringMatching(/^[A-Za-z0-9/+=_.:-]{1,16}$/)

interface IniSection {
  readonly name: string
  readonly entries: ReadonlyArray<readonly [string, string]>
}

const sections = (sectionName: FastCheck.Arbitrary<string>) =>
  FastCheck.array(
    FastCheck.record({ name: sectionName, entries: FastCheck.array(FastCheck.tuple(key, value), { maxLength: 6 }) }),
    { maxLength: 6 }
  )

const render = (file: ReadonlyArray<IniSection>): string =>
  file.map((section) =>
    [`[${section.name}]`, ...section.entries.map(([k, v], i) => i % 2 === 0 ? `${k} = ${v}` : `${k}=${v}`)].join("\n")
  ).join("\n\n") + "\n"

/** What a section name resolves to: every entry of every section of that name, later ones winning. */
const settingsOf = (file: ReadonlyArray<IniSection>, accept: (name: string) => boolean) => {
  let found = false
  const settings = new Map<string, string>()
  for (const section of file) {
    if (!accept(section.name)) continue
    found = true
    for (const [k, v] of section.entries) settings.set(k, v)
  }
  return found ? settings : undefined
}

/** The expected profile, by the rules of the AWS CLI: credentials file over config file, `[profile x]` over
 * `[default]` for `default`. */
const expectedProfile = (
  credentials: ReadonlyArray<IniSection>,
  config: ReadonlyArray<IniSection>,
  profile: string
): Map<string, string> | undefined => {
  const fromCredentials = settingsOf(credentials, (n) => n === profile)
  const fromDefault = profile === "default" ? settingsOf(config, (n) => n === "default") : undefined
  const fromProfile = settingsOf(config, (n) => /^profile\s+(.+)$/.exec(n)?.[1].trim() === profile)
  if (fromCredentials === undefined && fromDefault === undefined && fromProfile === undefined) return undefined
  return new Map([...(fromDefault ?? []), ...(fromProfile ?? []), ...(fromCredentials ?? [])])
}

const configName = FastCheck.oneof(name, name.map((n) => `profile ${n}`), FastCheck.constant("sso-session corp"))

const checkProfiles = async (
  credentials: ReadonlyArray<IniSection>,
  config: ReadonlyArray<IniSection>
): Promise<void> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "apigw-keys-"))
  try {
    const credentialsFile = path.join(dir, "credentials")
    const configFile = path.join(dir, "config")
    fs.writeFileSync(credentialsFile, render(credentials))
    fs.writeFileSync(configFile, render(config))
    const candidates = new Set<string>([
      ...hostile,
      ...normalNames,
      ...credentials.map((section) => section.name),
      ...config.flatMap((section) => /^profile\s+(.+)$/.exec(section.name)?.[1].trim() ?? [])
    ])
    for (const profile of candidates) {
      const result = await guarded(() =>
        Effect.runPromise(
          Credentials.fromProfile({ profile, credentialsFile, configFile }).pipe(Effect.either, withEnv({}))
        )
      )
      const expected = expectedProfile(credentials, config, profile)
      const label = `profile ${JSON.stringify(profile)} of\n${render(credentials)}---\n${render(config)}`
      if (expected === undefined) {
        // a missing profile never resolves, whatever its name
        assert.isTrue(Either.isLeft(result), label)
        assert.include(Either.isLeft(result) ? result.left.message : "", "not found", label)
        continue
      }
      const accessKeyId = expected.get("aws_access_key_id")
      const secret = expected.get("aws_secret_access_key")
      if (accessKeyId === undefined || secret === undefined) {
        assert.isTrue(Either.isLeft(result), label)
        continue
      }
      // the values of the normal keys come through intact
      assert.isTrue(Either.isRight(result), label)
      if (Either.isRight(result)) {
        assert.strictEqual(result.right.accessKeyId, accessKeyId, label)
        assert.strictEqual(Redacted.value(result.right.secretAccessKey), secret, label)
        const token = expected.get("aws_session_token")
        assert.strictEqual(result.right.sessionToken && Redacted.value(result.right.sessionToken), token, label)
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

describe("shared files with hostile section names and keys", () => {
  it("a [__proto__] section pollutes nothing, and an empty [default] does not resolve", () =>
    checkProfiles(
      [
        { name: "__proto__", entries: [["aws_access_key_id", "AKIDPROTO"], ["aws_secret_access_key", "s3cret"]] },
        { name: "constructor", entries: [["aws_access_key_id", "AKIDCTOR"], ["aws_secret_access_key", "s3cret"]] },
        { name: "default", entries: [] },
        { name: "dev", entries: [["__proto__", "x"], ["aws_access_key_id", "AKIDDEV"], ["toString", "y"]] }
      ],
      [{ name: "profile __proto__", entries: [["aws_access_key_id", "AKIDCFG"], ["aws_secret_access_key", "s"]] }]
    ))

  it("generated files never pollute Object.prototype, never resolve a missing profile, keep normal values", () =>
    FastCheck.assert(
      FastCheck.asyncProperty(sections(name), sections(configName), checkProfiles),
      { numRuns: 60 }
    ))
})

// ---------------------------------------------------------------------------------------------------------------
// JSON credential documents
// ---------------------------------------------------------------------------------------------------------------

const fieldNames = ["AccessKeyId", "SecretAccessKey", "Token", "SessionToken", "Expiration", "Version", "Code"]

/**
 * Runs `f` with `Object.prototype` carrying a value for every field of a credentials document, as a polluted
 * process would: a document that lacks a field must still lack it.
 */
const withPollutedPrototype = async <A>(f: () => Promise<A>): Promise<A> => {
  const before = snapshot()
  const evil: Record<string, unknown> = {
    AccessKeyId: "AKIDEVIL",
    SecretAccessKey: "EVIL",
    Token: "EVIL",
    SessionToken: "EVIL",
    Expiration: "2999-01-01T00:00:00Z",
    Version: 1,
    Code: "Success"
  }
  try {
    // non-enumerable, so that only reads of a missing field can see them (not every for-in loop of the runtime)
    for (const field of fieldNames) {
      Object.defineProperty(Object.prototype, field, {
        value: evil[field],
        writable: true,
        configurable: true,
        enumerable: false
      })
    }
    return await f()
  } finally {
    for (const field of fieldNames) delete (Object.prototype as Record<string, unknown>)[field]
    restore(before)
  }
}

const fieldValue = FastCheck.oneof(
  FastCheck.stringMatching(/^[A-Za-z0-9/+=]{1,12}$/),
  FastCheck.constant(""),
  FastCheck.integer(),
  FastCheck.constant(null)
)

/** A document: some of the real fields (maybe), and hostile keys whose values look like credentials. */
const document = FastCheck.record({
  fields: FastCheck.array(FastCheck.tuple(FastCheck.constantFrom("AccessKeyId", "SecretAccessKey"), fieldValue), {
    maxLength: 3
  }),
  tokenField: FastCheck.constantFrom("Token", "SessionToken"),
  token: FastCheck.option(FastCheck.stringMatching(/^[A-Za-z0-9]{1,12}$/)),
  hostileKeys: FastCheck.array(FastCheck.constantFrom(...hostile), { maxLength: 4 })
})

type Doc = typeof document extends FastCheck.Arbitrary<infer A> ? A : never

/** The JSON text, written by hand so that a `__proto__` key is in it as a key. */
const jsonText = (doc: Doc, extra: ReadonlyArray<string>) => {
  const members = [
    ...extra,
    ...doc.fields.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`),
    ...(doc.token === null ? [] : [`${JSON.stringify(doc.tokenField)}:${JSON.stringify(doc.token)}`]),
    ...doc.hostileKeys.map((k) =>
      `${JSON.stringify(k)}:${
        JSON.stringify({ AccessKeyId: "AKIDEVIL", SecretAccessKey: "EVIL", Token: "EVIL", SessionToken: "EVIL" })
      }`
    )
  ]
  return `{${members.join(",")}}`
}

/** What the document must decode to: its own fields, last one winning (as `JSON.parse` reads them). */
const expectedIdentity = (doc: Doc, tokenField: string) => {
  const own = new Map<string, unknown>(doc.fields)
  const accessKeyId = own.get("AccessKeyId")
  const secret = own.get("SecretAccessKey")
  if (typeof accessKeyId !== "string" || accessKeyId === "" || typeof secret !== "string" || secret === "") {
    return undefined
  }
  return { accessKeyId, secret, token: doc.tokenField === tokenField ? doc.token ?? undefined : undefined }
}

const assertDecoded = (
  result: Either.Either<AwsCredentials.AwsCredentialIdentity, CredentialsError>,
  expected: ReturnType<typeof expectedIdentity>,
  label: string
) => {
  if (expected === undefined) {
    assert.isTrue(Either.isLeft(result), label)
    return
  }
  assert.isTrue(Either.isRight(result), label)
  if (Either.isLeft(result)) return
  const identity = result.right
  assert.strictEqual(identity.accessKeyId, expected.accessKeyId, label)
  assert.strictEqual(Redacted.value(identity.secretAccessKey), expected.secret, label)
  assert.strictEqual(identity.sessionToken && Redacted.value(identity.sessionToken), expected.token, label)
  assert.strictEqual(identity.expiration, undefined, label)
}

const container = (text: string) =>
  Credentials.fromContainer({ baseUrl: "http://127.0.0.1:9", maxAttempts: 1 }).pipe(
    Effect.provide(TestHttp.layer(() => ({ status: 200, body: text }))),
    withEnv({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/creds" }),
    Effect.either
  )

const imds = (text: string) =>
  Credentials.fromImds({ endpoint: "http://127.0.0.1:9" }).pipe(
    Effect.provide(TestHttp.layer((request) =>
      request.url.pathname === "/latest/api/token" ?
        { status: 200, body: "token" } :
        request.url.pathname.endsWith("/security-credentials/") ?
        { status: 200, body: "role" } :
        { status: 200, body: text }
    )),
    withEnv({}),
    Effect.either
  )

describe("credential documents with hostile keys", () => {
  it("container and IMDS answers: only the document's own fields count, with a polluted prototype too", () =>
    FastCheck.assert(
      FastCheck.asyncProperty(document, FastCheck.boolean(), async (doc, polluted) => {
        const text = jsonText(doc, [])
        const expected = expectedIdentity(doc, "Token")
        const run = () => Promise.all([Effect.runPromise(container(text)), Effect.runPromise(imds(text))])
        const [fromContainer, fromImds] = await guarded(() => polluted ? withPollutedPrototype(run) : run())
        assertDecoded(fromContainer, expected, `container ${text} (polluted: ${polluted})`)
        assertDecoded(fromImds, expected, `imds ${text} (polluted: ${polluted})`)
      }),
      { numRuns: 200 }
    ))

  it("credential_process output: only its own fields count, with a polluted prototype too", () =>
    FastCheck.assert(
      FastCheck.asyncProperty(document, FastCheck.boolean(), FastCheck.boolean(), async (doc, polluted, version) => {
        const text = jsonText(doc, version ? [`"Version":1`] : [])
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "apigw-keys-process-"))
        try {
          fs.writeFileSync(path.join(dir, "out.json"), text)
          const configFile = path.join(dir, "config")
          fs.writeFileSync(configFile, `[profile proc]\ncredential_process = cat ${path.join(dir, "out.json")}\n`)
          const run = () =>
            Effect.runPromise(
              Credentials.fromProfile({ profile: "proc", configFile, credentialsFile: path.join(dir, "none") }).pipe(
                withEnv({}),
                Effect.either
              )
            )
          const result = await guarded(() => polluted ? withPollutedPrototype(run) : run())
          const label = `credential_process ${text} (polluted: ${polluted})`
          if (!version) {
            // without its own Version the output is refused, inherited Version or not
            assert.isTrue(Either.isLeft(result), label)
            assert.include(Either.isLeft(result) ? result.left.message : "", "unsupported Version", label)
          } else {
            assertDecoded(result, expectedIdentity(doc, "SessionToken"), label)
          }
        } finally {
          fs.rmSync(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: 30 }
    ))
})

// ---------------------------------------------------------------------------------------------------------------
// headers
// ---------------------------------------------------------------------------------------------------------------

describe("recorded headers with hostile names", () => {
  it.effect("TestHttp records every header name as data, and a name that was not sent is not there", () =>
    Effect.gen(function*() {
      const http = yield* TestHttp.TestHttp
      const client = yield* HttpClient.HttpClient
      const names = ["__proto__", "constructor", "toString"]
      const request = names.reduce(
        (req, header, i) => HttpClientRequest.setHeader(req, header, `v${i}`),
        HttpClientRequest.get("http://127.0.0.1:9/")
      )
      yield* client.execute(request)
      const [recorded] = yield* http.requests
      assert.isNull(Object.getPrototypeOf(recorded.headers))
      names.forEach((header, i) => assert.strictEqual(recorded.headers[header.toLowerCase()], `v${i}`, header))
      for (const missing of ["hasOwnProperty", "valueOf", "prototype"]) {
        assert.isUndefined(recorded.headers[missing], missing)
      }
    }).pipe(Effect.provide(Layer.fresh(TestHttp.layer()))))
})
