import { AwsCredentials } from "@effect-apigw/core"
import { Credentials, FixedClock, TestHttp } from "@effect-apigw/layers"
import { CredentialsError } from "@effect-apigw/schema/Errors"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Either, Exit, Fiber, Layer, Option, Redacted, Scope, TestClock } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
const TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const resolve = Effect.flatMap(AwsCredentials.AwsCredentials, (service) => service.resolve)

/** A provider that counts its calls; `answer(n)` gives the n-th result (1-based). */
const counting = (answer: (n: number) => Credentials.ProviderCredentials | Error, delayMs = 0) => {
  let calls = 0
  const provider: Credentials.CredentialProvider = async () => {
    calls++
    const n = calls
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs))
    const result = answer(n)
    if (result instanceof Error) throw result
    return result
  }
  return { provider, calls: () => calls }
}

const minutes = (n: number) => n * 60_000

/** A temporary directory, removed when the scope closes. */
const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "apigw-creds-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

const write = (dir: string, name: string, text: string) => {
  const file = path.join(dir, name)
  fs.writeFileSync(file, text)
  return file
}

/**
 * A `credential_process` script: it counts its runs in `count` beside it and behaves by its first argument: `ok`
 * (prints credentials; the second argument is the Expiration), `fail` (exits 3 after writing secrets to stderr),
 * `garbage` (prints non-JSON holding the secret), `v2` (a wrong Version), `partial` (no SecretAccessKey), `hang`.
 */
const processScript = `
const fs = require("node:fs")
const path = require("node:path")
const countFile = path.join(__dirname, "count")
const count = (fs.existsSync(countFile) ? Number(fs.readFileSync(countFile, "utf8")) : 0) + 1
fs.writeFileSync(countFile, String(count))
const [mode, expiration] = process.argv.slice(2)
const SECRET = ${JSON.stringify(SECRET)}
const TOKEN = ${JSON.stringify(TOKEN)}
if (mode === "ok") {
  const out = { Version: 1, AccessKeyId: "AKIDPROCESS" + count, SecretAccessKey: SECRET, SessionToken: TOKEN }
  if (expiration) out.Expiration = expiration
  process.stdout.write(JSON.stringify(out))
} else if (mode === "fail") {
  process.stderr.write("cannot do it: " + SECRET + " " + TOKEN)
  process.exit(3)
} else if (mode === "garbage") {
  process.stdout.write("AccessKeyId=AKID SecretAccessKey=" + SECRET)
} else if (mode === "v2") {
  process.stdout.write(JSON.stringify({ Version: 2, AccessKeyId: "AKID", SecretAccessKey: SECRET }))
} else if (mode === "partial") {
  process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: "AKID", SessionToken: TOKEN }))
} else if (mode === "hang") {
  fs.writeFileSync(path.join(__dirname, "pid"), String(process.pid))
  setTimeout(() => {}, 5000)
}
`

const processCommand = (dir: string, ...args: Array<string>) => {
  const script = write(dir, "process.cjs", processScript)
  return [process.execPath, script, ...args].map((part) => JSON.stringify(part)).join(" ")
}

const runs = (dir: string) => {
  const file = path.join(dir, "count")
  return fs.existsSync(file) ? Number(fs.readFileSync(file, "utf8")) : 0
}

const assertSecretsAbsent = (value: unknown) => {
  const texts = [String(value), JSON.stringify(value)]
  for (const text of texts) {
    assert.notInclude(text, SECRET)
    assert.notInclude(text, TOKEN)
  }
}

describe("Credentials.layerEnv and fromEnv", () => {
  it.effect("reads the keys through Config with the secrets Redacted", () =>
    Effect.gen(function*() {
      const identity = yield* resolve.pipe(
        Effect.provide(Credentials.layerEnv),
        withEnv({ AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN })
      )
      assert.strictEqual(identity.accessKeyId, "AKIDENV")
      assert.isTrue(Redacted.isRedacted(identity.secretAccessKey))
      assert.strictEqual(Redacted.value(identity.secretAccessKey), SECRET)
      assert.strictEqual(Redacted.value(identity.sessionToken!), TOKEN)
      assert.strictEqual(identity.expiration, undefined)
      assertSecretsAbsent(identity)
    }))

  it.effect("reads AWS_CREDENTIAL_EXPIRATION", () =>
    Effect.gen(function*() {
      const identity = yield* Credentials.fromEnv.pipe(withEnv({
        AWS_ACCESS_KEY_ID: "AKIDENV",
        AWS_SECRET_ACCESS_KEY: SECRET,
        AWS_CREDENTIAL_EXPIRATION: "2030-01-01T00:00:00Z"
      }))
      assert.strictEqual(identity.expiration?.toISOString(), "2030-01-01T00:00:00.000Z")
    }))

  it.effect("a missing secret fails on resolve with a CredentialsError naming the variable", () =>
    Effect.gen(function*() {
      const error = yield* resolve.pipe(
        Effect.provide(Credentials.layerEnv),
        withEnv({ AWS_ACCESS_KEY_ID: "AKIDENV" }),
        Effect.flip
      )
      assert.strictEqual(error._tag, "CredentialsError")
      assert.include(error.message, "AWS_SECRET_ACCESS_KEY is not")
      assert.deepStrictEqual(error.sources, ["environment"])
    }))

  it.effect("nothing set fails naming both variables", () =>
    Effect.gen(function*() {
      const error = yield* Credentials.fromEnv.pipe(withEnv({}), Effect.flip)
      assert.include(error.message, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not")
    }))
})

describe("Credentials.fromProvider and layerProvider", () => {
  it.effect("adapts an SDK-style provider, redacting at once", () =>
    Effect.gen(function*() {
      const identity = yield* Credentials.fromProvider(async () => ({
        accessKeyId: "AKIDSDK",
        secretAccessKey: SECRET,
        sessionToken: TOKEN,
        expiration: new Date("2030-01-01T00:00:00Z"),
        accountId: "123456789012"
      }))
      assert.strictEqual(identity.accessKeyId, "AKIDSDK")
      assert.strictEqual(Redacted.value(identity.secretAccessKey), SECRET)
      assert.strictEqual(Redacted.value(identity.sessionToken!), TOKEN)
      assert.strictEqual(identity.expiration?.getTime(), Date.parse("2030-01-01T00:00:00Z"))
      assertSecretsAbsent(identity)
    }))

  it.effect("a rejection becomes a CredentialsError with the provider's message", () =>
    Effect.gen(function*() {
      const error = yield* Credentials.fromProvider(() => Promise.reject(new Error("SSO session expired")), {
        name: "sso"
      }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "CredentialsError")
      assert.strictEqual(error.message, "sso: the provider failed: Error: SSO session expired")
      assert.deepStrictEqual(error.sources, ["sso"])
    }))

  it.effect("a synchronous throw is a CredentialsError, not a defect", () =>
    Effect.gen(function*() {
      const error = yield* Credentials.fromProvider(() => {
        throw new TypeError("boom")
      }).pipe(Effect.flip)
      assert.include(error.message, "TypeError: boom")
    }))

  it.effect("a malformed result names the fields, never their values", () =>
    Effect.gen(function*() {
      const error = yield* Credentials.fromProvider(async () =>
        ({ accessKeyId: "", secretAccessKey: SECRET, sessionToken: 42, expiration: new Date(Number.NaN) }) as any
      ).pipe(Effect.flip)
      assert.strictEqual(
        error.message,
        "provider: the provider resolved with no valid accessKeyId, sessionToken, expiration"
      )
    }))

  it.effect("many concurrent callers share one fetch; long-term keys are fetched once", () =>
    Effect.gen(function*() {
      const { calls, provider } = counting((n) => ({ accessKeyId: `AKID${n}`, secretAccessKey: SECRET }), 30)
      yield* Effect.gen(function*() {
        const results = yield* Effect.all(Array.from({ length: 200 }, () => resolve), { concurrency: "unbounded" })
        assert.strictEqual(calls(), 1)
        assert.isTrue(results.every((identity) => identity.accessKeyId === "AKID1"))
        yield* TestClock.adjust("1000 days")
        assert.strictEqual((yield* resolve).accessKeyId, "AKID1")
        assert.strictEqual(calls(), 1)
      }).pipe(Effect.provide(Credentials.layerProvider(provider)))
    }))

  it.effect("expiring credentials are refreshed 5 minutes ahead of expiry, once for all callers", () =>
    Effect.gen(function*() {
      // TestClock starts at 0: the n-th credentials expire n hours after the epoch
      const { calls, provider } = counting(
        (n) => ({ accessKeyId: `AKID${n}`, secretAccessKey: SECRET, expiration: new Date(n * minutes(60)) }),
        10
      )
      yield* Effect.gen(function*() {
        assert.strictEqual((yield* resolve).accessKeyId, "AKID1")
        yield* TestClock.adjust(minutes(55) - 1)
        assert.strictEqual((yield* resolve).accessKeyId, "AKID1")
        assert.strictEqual(calls(), 1)
        yield* TestClock.adjust(2)
        const results = yield* Effect.all(Array.from({ length: 100 }, () => resolve), { concurrency: "unbounded" })
        assert.strictEqual(calls(), 2)
        assert.isTrue(results.every((identity) => identity.accessKeyId === "AKID2"))
        yield* TestClock.adjust(minutes(60))
        assert.strictEqual((yield* resolve).accessKeyId, "AKID3")
        assert.strictEqual(calls(), 3)
      }).pipe(Effect.provide(Credentials.layerProvider(provider)))
    }))

  it.effect("refreshBefore is configurable", () =>
    Effect.gen(function*() {
      const { calls, provider } = counting((n) => ({
        accessKeyId: `AKID${n}`,
        secretAccessKey: SECRET,
        expiration: new Date(n * minutes(60))
      }))
      yield* Effect.gen(function*() {
        yield* resolve
        yield* TestClock.adjust(minutes(45) + 1)
        assert.strictEqual((yield* resolve).accessKeyId, "AKID2")
        assert.strictEqual(calls(), 2)
      }).pipe(Effect.provide(Credentials.layerProvider(provider, { refreshBefore: "15 minutes" })))
    }))

  it.effect("short-lived credentials are refreshed half-way, not on every call", () =>
    Effect.gen(function*() {
      const { calls, provider } = counting((n) => ({
        accessKeyId: `AKID${n}`,
        secretAccessKey: SECRET,
        expiration: new Date((n - 1) * minutes(1) + minutes(2))
      }))
      yield* Effect.gen(function*() {
        yield* resolve
        yield* resolve
        yield* TestClock.adjust(minutes(1) - 1)
        yield* resolve
        assert.strictEqual(calls(), 1)
        yield* TestClock.adjust(1)
        assert.strictEqual((yield* resolve).accessKeyId, "AKID2")
      }).pipe(Effect.provide(Credentials.layerProvider(provider)))
    }))

  it.effect("a failed refresh serves the still-valid credentials, retries later, and fails once they expired", () =>
    Effect.gen(function*() {
      const { calls, provider } = counting((n) =>
        n === 1 ?
          { accessKeyId: "AKID1", secretAccessKey: SECRET, expiration: new Date(minutes(60)) } :
          new Error("endpoint down")
      )
      yield* Effect.gen(function*() {
        yield* resolve
        yield* TestClock.adjust(minutes(56))
        assert.strictEqual((yield* resolve).accessKeyId, "AKID1")
        assert.strictEqual(calls(), 2)
        assert.strictEqual((yield* resolve).accessKeyId, "AKID1")
        assert.strictEqual(calls(), 2)
        yield* TestClock.adjust("11 seconds")
        assert.strictEqual((yield* resolve).accessKeyId, "AKID1")
        assert.strictEqual(calls(), 3)
        yield* TestClock.adjust(minutes(4))
        const error = yield* Effect.flip(resolve)
        assert.include(error.message, "endpoint down")
        assert.strictEqual(calls(), 4)
      }).pipe(Effect.provide(Credentials.layerProvider(provider)))
    }))

  it.effect("failures are not cached", () =>
    Effect.gen(function*() {
      const { calls, provider } = counting((n) =>
        n === 1 ? new Error("not yet") : { accessKeyId: "AKID2", secretAccessKey: SECRET }
      )
      yield* Effect.gen(function*() {
        const first = yield* Effect.either(resolve)
        assert.isTrue(Either.isLeft(first))
        assert.strictEqual((yield* resolve).accessKeyId, "AKID2")
        assert.strictEqual(calls(), 2)
      }).pipe(Effect.provide(Credentials.layerProvider(provider)))
    }))

  it.live("interrupting one caller does not cancel the shared fetch for the others", () =>
    Effect.gen(function*() {
      const { calls, provider } = counting((n) => ({ accessKeyId: `AKID${n}`, secretAccessKey: SECRET }), 100)
      yield* Effect.gen(function*() {
        const first = yield* Effect.fork(resolve)
        yield* Effect.sleep("10 millis")
        const second = yield* Effect.fork(resolve)
        yield* Fiber.interrupt(first)
        const identity = yield* Fiber.join(second)
        assert.strictEqual(identity.accessKeyId, "AKID1")
        assert.strictEqual(calls(), 1)
      }).pipe(Effect.provide(Credentials.layerProvider(provider)))
    }))

  it.effect("cached wraps any fetch effect", () =>
    Effect.gen(function*() {
      const { calls, provider } = counting((n) => ({ accessKeyId: `AKID${n}`, secretAccessKey: SECRET }))
      const layer = Layer.scoped(
        AwsCredentials.AwsCredentials,
        Effect.map(Credentials.cached(Credentials.fromProvider(provider)), (resolve) => ({ resolve }))
      )
      yield* Effect.all([resolve, resolve, resolve]).pipe(Effect.provide(layer))
      assert.strictEqual(calls(), 1)
    }))
})

describe("Credentials.layerProfile", () => {
  const credentialsFile = `# a comment
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = ${SECRET}

[dev]
aws_access_key_id=AKIDDEV   ; trailing comment
aws_secret_access_key=${SECRET}
aws_session_token = ${TOKEN}
s3 =
  max_concurrent_requests = 10

[both]
aws_access_key_id = AKIDFROMCREDENTIALS
aws_secret_access_key = ${SECRET}
`
  const configFile = `[default]
region = eu-west-1

[profile cfg]
aws_access_key_id = AKIDCONFIG
aws_secret_access_key = ${SECRET}

[profile both]
aws_access_key_id = AKIDFROMCONFIG
region = eu-west-1

[profile role]
role_arn = arn:aws:iam::123456789012:role/deploy
source_profile = default

[profile empty]
region = eu-west-1

[profile half]
aws_access_key_id = AKIDHALF

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
`
  const files = Effect.map(tempDir, (dir) => ({
    dir,
    credentials: write(dir, "credentials", credentialsFile),
    config: write(dir, "config", configFile)
  }))
  const envFor = (f: { credentials: string; config: string }, extra: Record<string, string> = {}) =>
    withEnv({ AWS_SHARED_CREDENTIALS_FILE: f.credentials, AWS_CONFIG_FILE: f.config, ...extra })

  it.scoped("uses the default profile of the files named by the environment", () =>
    Effect.gen(function*() {
      const f = yield* files
      const identity = yield* resolve.pipe(Effect.provide(Credentials.layerProfile()), envFor(f))
      assert.strictEqual(identity.accessKeyId, "AKIDDEFAULT")
      assert.strictEqual(Redacted.value(identity.secretAccessKey), SECRET)
      assert.strictEqual(identity.sessionToken, undefined)
    }))

  it.scoped("AWS_PROFILE selects the profile; comments and sub-properties are handled", () =>
    Effect.gen(function*() {
      const f = yield* files
      const identity = yield* resolve.pipe(
        Effect.provide(Credentials.layerProfile()),
        envFor(f, { AWS_PROFILE: "dev" })
      )
      assert.strictEqual(identity.accessKeyId, "AKIDDEV")
      assert.strictEqual(Redacted.value(identity.secretAccessKey), SECRET)
      assert.strictEqual(Redacted.value(identity.sessionToken!), TOKEN)
    }))

  it.scoped("[profile x] sections of the config file; the credentials file wins for the same profile", () =>
    Effect.gen(function*() {
      const f = yield* files
      const cfg = yield* Credentials.fromProfile({ profile: "cfg" }).pipe(envFor(f))
      assert.strictEqual(cfg.accessKeyId, "AKIDCONFIG")
      const both = yield* Credentials.fromProfile({ profile: "both" }).pipe(envFor(f))
      assert.strictEqual(both.accessKeyId, "AKIDFROMCREDENTIALS")
    }))

  it.scoped("options win over the environment", () =>
    Effect.gen(function*() {
      const f = yield* files
      const identity = yield* Credentials.fromProfile({
        profile: "dev",
        credentialsFile: f.credentials,
        configFile: path.join(f.dir, "nope")
      }).pipe(withEnv({ AWS_PROFILE: "cfg", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials" }))
      assert.strictEqual(identity.accessKeyId, "AKIDDEV")
    }))

  it.scoped("~ in a file path is the home directory", () =>
    Effect.gen(function*() {
      const error = yield* Credentials.fromProfile({
        credentialsFile: "~/.no-such-dir-apigw/credentials",
        configFile: "~/.no-such-dir-apigw/config"
      }).pipe(withEnv({}), Effect.flip)
      assert.include(error.message, path.join(os.homedir(), ".no-such-dir-apigw", "credentials"))
    }))

  it.scoped("errors: missing files, unknown profile, role_arn, no keys, half keys", () =>
    Effect.gen(function*() {
      const f = yield* files
      const failure = (options: Credentials.ProfileOptions, env: Record<string, string> = {}) =>
        Credentials.fromProfile(options).pipe(envFor(f, env), Effect.flip)

      const missing = yield* Credentials.fromProfile({
        credentialsFile: path.join(f.dir, "a"),
        configFile: path.join(f.dir, "b")
      }).pipe(withEnv({}), Effect.flip)
      assert.include(missing.message, "no shared credentials or config file")
      assert.deepStrictEqual(missing.sources, ["profile"])

      assert.include((yield* failure({}, { AWS_PROFILE: "nope" })).message, `profile "nope" not found in`)
      const role = yield* failure({ profile: "role" })
      assert.include(role.message, "role_arn")
      assert.include(role.message, "layerProvider")
      assert.include((yield* failure({ profile: "empty" })).message, `profile "empty" has no credentials`)
      assert.include(
        (yield* failure({ profile: "half" })).message,
        "has aws_access_key_id but no aws_secret_access_key"
      )
      // sections that are not profiles are not found as profiles
      assert.include((yield* failure({ profile: "corp" })).message, "not found")
    }))

  it.scoped("a directory instead of a file is an error naming the path and code", () =>
    Effect.gen(function*() {
      const f = yield* files
      const error = yield* Credentials.fromProfile({ credentialsFile: f.dir, configFile: f.config }).pipe(
        withEnv({}),
        Effect.flip
      )
      assert.include(error.message, `cannot read ${f.dir} (EISDIR)`)
    }))

  it.scoped("the environment is read when the layer is built, the files on each fetch", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const env = withEnv({
        AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "credentials"),
        AWS_CONFIG_FILE: path.join(dir, "config")
      })
      const context = yield* Layer.build(Credentials.layerProfile()).pipe(env)
      const resolveIt = Context.get(context, AwsCredentials.AwsCredentials).resolve
      assert.isTrue(Either.isLeft(yield* Effect.either(resolveIt)))
      write(dir, "credentials", `[default]\naws_access_key_id = AKIDLATE\naws_secret_access_key = ${SECRET}\n`)
      // the environment seen when resolving does not matter any more
      assert.strictEqual((yield* resolveIt.pipe(withEnv({}))).accessKeyId, "AKIDLATE")
    }))
})

describe("Credentials.layerProfile with credential_process", () => {
  const profileWith = (dir: string, command: string) => {
    write(dir, "config", `[profile proc]\ncredential_process = ${command}\n`)
    return withEnv({
      AWS_PROFILE: "proc",
      AWS_CONFIG_FILE: path.join(dir, "config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "credentials")
    })
  }

  it.scoped("runs the command and decodes its JSON, incl. Expiration; refreshes ahead of it", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      // TestClock starts at 1970-01-01T00:00:00Z; these credentials expire an hour later
      const env = profileWith(dir, processCommand(dir, "ok", "1970-01-01T01:00:00Z"))
      yield* Effect.gen(function*() {
        const identity = yield* resolve
        assert.strictEqual(identity.accessKeyId, "AKIDPROCESS1")
        assert.strictEqual(Redacted.value(identity.secretAccessKey), SECRET)
        assert.strictEqual(Redacted.value(identity.sessionToken!), TOKEN)
        assert.strictEqual(identity.expiration?.toISOString(), "1970-01-01T01:00:00.000Z")
        yield* Effect.all(Array.from({ length: 20 }, () => resolve), { concurrency: "unbounded" })
        assert.strictEqual(runs(dir), 1)
        yield* TestClock.adjust(minutes(56))
        assert.strictEqual((yield* resolve).accessKeyId, "AKIDPROCESS2")
        assert.strictEqual(runs(dir), 2)
      }).pipe(Effect.provide(Credentials.layerProfile()), env)
    }))

  it.scoped("without Expiration the command runs once", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        yield* resolve
        yield* TestClock.adjust("100 days")
        yield* resolve
        assert.strictEqual(runs(dir), 1)
      }).pipe(Effect.provide(Credentials.layerProfile()), profileWith(dir, processCommand(dir, "ok")))
    }))

  it.scoped("a failing command: the exit code, never its output", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const error = yield* Credentials.fromProfile().pipe(profileWith(dir, processCommand(dir, "fail")), Effect.flip)
      assert.strictEqual(error.message, `profile: credential_process of profile "proc" exited with code 3`)
      assertSecretsAbsent(error)
    }))

  it.scoped("output that is not JSON, a wrong Version, a missing key", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const garbage = yield* Credentials.fromProfile().pipe(
        profileWith(dir, processCommand(dir, "garbage")),
        Effect.flip
      )
      assert.include(garbage.message, "did not print valid JSON")
      const v2 = yield* Credentials.fromProfile().pipe(profileWith(dir, processCommand(dir, "v2")), Effect.flip)
      assert.include(v2.message, "unsupported Version")
      const partial = yield* Credentials.fromProfile().pipe(
        profileWith(dir, processCommand(dir, "partial")),
        Effect.flip
      )
      assert.include(partial.message, "its output has no valid SecretAccessKey")
      for (const error of [garbage, v2, partial]) assertSecretsAbsent(error)
    }))

  it.scopedLive("a command that hangs is stopped after processTimeout", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const started = performance.now()
      const error = yield* Credentials.fromProfile({ processTimeout: "300 millis" }).pipe(
        profileWith(dir, processCommand(dir, "hang")),
        Effect.flip
      )
      const elapsed = performance.now() - started
      assert.include(error.message, "did not finish within 300ms")
      assert.isBelow(elapsed, 2000)
      // the command itself (not only the shell around it) is gone
      const pid = Number(fs.readFileSync(path.join(dir, "pid"), "utf8"))
      const alive = () => {
        try {
          process.kill(pid, 0)
        } catch {
          return false
        }
        // a killed process whose parent is gone stays a zombie until init reaps it (not all containers' inits do)
        try {
          return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z"
        } catch {
          return true
        }
      }
      for (let i = 0; i < 50 && alive(); i++) yield* Effect.sleep("10 millis")
      assert.isFalse(alive(), "the credential_process was stopped")
    }))

  it.scoped("a command that does not exist fails with its exit code", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const error = yield* Credentials.fromProfile().pipe(
        profileWith(dir, path.join(dir, "no-such-command")),
        Effect.flip
      )
      assert.match(error.message, /exited with code 12[67]/)
    }))
})

describe("Credentials caches after the scope of their layer closed", () => {
  // A frozen clock that sleeps in real time: the cache's notion of "due" is under the test's control, and a
  // timeout still fires, so a hang shows as a timeout instead of a stuck test.
  const start = Date.parse("2030-01-01T00:00:00Z")
  const expiringAt = (n: number) => new Date(start + n * minutes(60))

  /** Builds `layer` in a scope of its own; `close` closes it. */
  const build = <E>(layer: Layer.Layer<AwsCredentials.AwsCredentials, E>) =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(layer, scope)
      return {
        resolve: Context.get(context, AwsCredentials.AwsCredentials).resolve,
        close: Scope.close(scope, Exit.void)
      }
    })

  /** `effect` must end within a second with a `CredentialsError` (a timeout means it hung). */
  const assertTypedFailure = <A>(effect: Effect.Effect<A, CredentialsError>, label: string) =>
    Effect.gen(function*() {
      const outcome = yield* effect.pipe(Effect.either, Effect.timeoutOption("1 second"))
      assert.isTrue(Option.isSome(outcome), `${label}: it ended within a second`)
      const result = Option.getOrThrow(outcome)
      assert.isTrue(Either.isLeft(result), `${label}: it failed`)
      const error = Either.getLeft(result).pipe(Option.getOrThrow)
      assert.instanceOf(error, CredentialsError)
      return error
    })

  const provider = () =>
    counting((n) => ({ accessKeyId: `AKID${n}`, secretAccessKey: SECRET, expiration: expiringAt(n) }))

  const containerBody = (n: number) => ({
    json: { AccessKeyId: `AKIDC${n}`, SecretAccessKey: SECRET, Token: TOKEN, Expiration: expiringAt(n).toISOString() }
  })
  const containerEnv = withEnv({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/creds" })
  const testHttp = () => {
    let n = 0
    return TestHttp.layer((request) =>
      request.url.pathname === "/latest/api/token" ?
        { status: 200, body: "imds-session-token" } :
        request.url.pathname === "/latest/meta-data/iam/security-credentials/" ?
        { status: 200, body: "role" } :
        { status: 200, body: containerBody(++n) }
    )
  }

  /** Every cache-backed layer, with expiring credentials. */
  const layers: ReadonlyArray<readonly [string, () => Layer.Layer<AwsCredentials.AwsCredentials>]> = [
    ["layerProvider", () => Credentials.layerProvider(provider().provider)],
    ["cached", () =>
      Layer.scoped(
        AwsCredentials.AwsCredentials,
        Effect.map(Credentials.cached(Credentials.fromProvider(provider().provider)), (resolve) => ({ resolve }))
      )],
    [
      "layerContainer",
      () => Credentials.layerContainer({ baseUrl: "http://127.0.0.1:9" }).pipe(Layer.provide(testHttp()))
    ],
    ["layerImds", () => Credentials.layerImds({ endpoint: "http://127.0.0.1:9" }).pipe(Layer.provide(testHttp()))],
    ["layerDefaultWith", () =>
      Credentials.layerDefaultWith({
        profile: { credentialsFile: "/nonexistent/credentials", configFile: "/nonexistent/config" },
        container: { baseUrl: "http://127.0.0.1:9" }
      }).pipe(Layer.provide(testHttp()))]
  ]

  for (const [name, layer] of layers) {
    it.live(`${name}: a refresh due after the scope closed fails with a CredentialsError, never hangs`, () =>
      Effect.gen(function*() {
        const clock = FixedClock.make(start)
        yield* Effect.gen(function*() {
          const { close, resolve: resolveIt } = yield* build(layer())
          const first = yield* resolveIt
          yield* close
          // still valid and not due: served from the cache
          assert.strictEqual((yield* resolveIt).accessKeyId, first.accessKeyId)
          clock.adjust(minutes(56))
          const error = yield* assertTypedFailure(resolveIt, "the due refresh")
          assert.include(error.message, "scope of its layer closed")
          yield* assertTypedFailure(resolveIt, "a later call")
        }).pipe(Effect.withClock(clock), containerEnv)
      }))

    it.live(`${name}: a first fetch after the scope closed fails with a CredentialsError, never hangs`, () =>
      Effect.gen(function*() {
        const { close, resolve: resolveIt } = yield* build(layer()).pipe(containerEnv)
        yield* close
        yield* assertTypedFailure(resolveIt, "the first fetch")
      }))
  }

  it.live("a fetch in flight when the scope closes fails its callers with a CredentialsError", () =>
    Effect.gen(function*() {
      const slow = counting((n) => ({ accessKeyId: `AKID${n}`, secretAccessKey: SECRET }), 200)
      const { close, resolve: resolveIt } = yield* build(Credentials.layerProvider(slow.provider))
      const waiting = yield* Effect.fork(Effect.all([resolveIt, resolveIt], { concurrency: "unbounded" }))
      yield* Effect.sleep("20 millis")
      yield* close
      yield* assertTypedFailure(Fiber.join(waiting), "the callers waiting")
      yield* assertTypedFailure(resolveIt, "a later call")
    }))

  it.live("a scope that closes before the forked fetch has started still releases its callers", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 20; i++) {
        const { close, resolve: resolveIt } = yield* build(Credentials.layerProvider(provider().provider))
        // the fetch is forked, but the forked fiber has not run yet when the scope closes
        const waiting = yield* Effect.fork(resolveIt)
        yield* Effect.yieldNow()
        yield* close
        const outcome = yield* Fiber.join(waiting).pipe(Effect.either, Effect.timeoutOption("1 second"))
        assert.isTrue(Option.isSome(outcome), "resolve returned within a second")
        const result = Option.getOrThrow(outcome)
        if (Either.isLeft(result)) assert.instanceOf(result.left, CredentialsError)
      }
    }))
})
