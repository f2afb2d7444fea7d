/**
 * Every example runs where the README says it does, as a real process (`node` + tsx, from the repository root):
 * `demo.ts`, `chat.ts` (its runnable part, and as the handler of `apigw-emulator`), `inspect.ts` and `lambda-chat.ts`
 *
 * 1. on the emulator the example starts itself (no `APIGW_ENDPOINT`);
 * 2. against `apigw-emulator` on the command line without signature checks;
 * 3. against `apigw-emulator` with signature checks, the handler and the example given the same keys through
 *    `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and the command's `--region` through `AWS_REGION`): the path
 *    a real API takes, with `APIGW_ENDPOINT` pointed at AWS instead;
 *
 * and a misconfiguration (a custom domain without `AWS_REGION`, a bad or unreachable endpoint, refused keys) prints
 * one readable line, without a fiber dump or a stack, and exits 1.
 */
import { assert, describe, it } from "@effect/vitest"
import { Data, Effect, Queue } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import WebSocket from "ws"

const ROOT = join(import.meta.dirname, "..")
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs")
const CLI = join(ROOT, "packages", "emulator", "src", "bin", "apigw-emulator.ts")
const KEYS = { AWS_ACCESS_KEY_ID: "AKIDEVERYWHERE", AWS_SECRET_ACCESS_KEY: "everywhere-secret" }
const REGION = "eu-central-1"

class TestError extends Data.TaggedError("TestError")<{ readonly message: string }> {}

/** The test runner's environment without anything that configures the examples, plus `env`. */
const environment = (env: Record<string, string>): NodeJS.ProcessEnv => {
  const clean: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(APIGW_|AWS_|PORT$)/.test(key)) clean[key] = value
  }
  return { ...clean, NODE_NO_WARNINGS: "1", ...env }
}

interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const collect = (child: ChildProcess) => {
  const out = { stdout: "", stderr: "" }
  child.stdout!.on("data", (c) => out.stdout += c)
  child.stderr!.on("data", (c) => out.stderr += c)
  const exited = new Promise<Finished>((resolve) =>
    child.once("exit", (code) => resolve({ code, stdout: out.stdout, stderr: out.stderr }))
  )
  return { out, exited }
}

/** Runs an example to its end (killed after 30 seconds). */
const run = (file: string, env: Record<string, string> = {}, args: ReadonlyArray<string> = []) =>
  Effect.promise(() => {
    const child = spawn(process.execPath, [TSX, file, ...args], { cwd: ROOT, env: environment(env) })
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
    return collect(child).exited.finally(() => clearTimeout(timer))
  })

interface Served {
  readonly url: string
  readonly output: () => string
  /** Sends SIGINT; resolves with how the process ended. */
  readonly stop: Effect.Effect<Finished>
}

/**
 * Starts a long-running process (the CLI, or an example serving on its own emulator) and resolves once it has printed
 * its WebSocket URL; it is killed with the scope if still running.
 */
const serve = (argv: ReadonlyArray<string>, env: Record<string, string>, urlLine: RegExp) =>
  Effect.acquireRelease(
    Effect.async<Served & { readonly child: ChildProcess }, TestError>((resume) => {
      const child = spawn(process.execPath, [TSX, ...argv], { cwd: ROOT, env: environment(env) })
      const { exited, out } = collect(child)
      const output = () => out.stdout + out.stderr
      child.stdout!.on("data", () => {
        const url = urlLine.exec(out.stdout)?.[1]
        if (url !== undefined && /Ctrl-C/.test(out.stdout)) {
          const stop = Effect.promise(() => {
            child.kill("SIGINT")
            return exited
          })
          resume(Effect.succeed({ child, url, output, stop }))
        }
      })
      void exited.then((end) => resume(Effect.fail(new TestError({ message: `exited ${end.code}: ${output()}` }))))
    }).pipe(
      Effect.timeoutFail({ duration: 20_000, onTimeout: () => new TestError({ message: `${argv} did not start` }) })
    ),
    // SIGTERM, which tsx passes on to the program (a SIGKILL would leave tsx's child running), then SIGKILL.
    ({ child }) =>
      child.exitCode !== null ? Effect.void : Effect.promise(() =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill("SIGKILL"), 5_000)
          child.once("exit", () => resolve(clearTimeout(timer)))
          child.kill("SIGTERM")
        })
      )
  )

/** `apigw-emulator --handler <file>` on a free port; with `signed`, signature checks on and the keys in its env. */
const cli = (
  handler: string,
  signed: boolean,
  env: Record<string, string> = signed ? { ...KEYS, AWS_REGION: REGION } : {}
) =>
  serve(
    [
      CLI,
      "--port",
      "0",
      "--handler",
      handler,
      ...(signed ?
        [
          "--access-key-id",
          KEYS.AWS_ACCESS_KEY_ID,
          "--secret-access-key",
          KEYS.AWS_SECRET_ACCESS_KEY,
          "--region",
          REGION
        ] :
        [])
    ],
    env,
    /WebSocket URL:\s+(\S+)/
  )

/** The environment that points an example at a CLI. */
const pointedAt = (url: string, signed: boolean): Record<string, string> => ({
  APIGW_ENDPOINT: url.replace(/^ws:/, "http:"),
  ...(signed ? { ...KEYS, AWS_REGION: REGION } : {})
})

/** A real WebSocket client of the test, with its JSON frames in a queue. */
const client = (url: string) =>
  Effect.gen(function*() {
    const frames = yield* Queue.unbounded<any>()
    const ws = yield* Effect.acquireRelease(
      Effect.async<WebSocket, TestError>((resume) => {
        const ws = new WebSocket(url, { headers: { "User-Agent": "everywhere-test/1.0" } })
        ws.on("message", (data) => Queue.unsafeOffer(frames, JSON.parse(String(data))))
        ws.once("open", () => resume(Effect.succeed(ws)))
        ws.once("error", (error) => resume(Effect.fail(new TestError({ message: error.message }))))
      }),
      (ws) => Effect.sync(() => ws.terminate())
    )
    return {
      send: (value: unknown) => ws.send(JSON.stringify(value)),
      next: Queue.take(frames).pipe(
        Effect.timeoutFail({ duration: 5_000, onTimeout: () => new TestError({ message: "no frame" }) })
      )
    }
  })

/** The chat protocol of the README, from the test's own clients: a message to everyone, a report to the sender. */
const chatsByTheReadme = (url: string) =>
  Effect.gen(function*() {
    const ann = yield* client(`${url}?name=ann`)
    const ben = yield* client(`${url}?name=ben`)
    ben.send({ action: "sendmessage", text: "hello" })
    assert.deepStrictEqual(yield* ann.next, { type: "message", from: "ben", text: "hello" })
    assert.deepStrictEqual(yield* ben.next, { type: "message", from: "ben", text: "hello" })
    const report = yield* ben.next
    assert.strictEqual(report.type, "report")
    assert.strictEqual(report.delivered, 2)
    assert.deepStrictEqual(report.failed, [])
    ben.send({ action: "sendmessage", message: "the other protocol" })
    const refused = yield* ben.next
    assert.strictEqual(refused.type, "error")
    assert.include(refused.message, "{\"action\":\"sendmessage\",\"text\":\"...\"}")
  }).pipe(Effect.scoped)

/** No fiber dump, no stack: the failure is one line on stderr, and the exit code 1. */
const failsInOneLine = (name: string, end: Finished, pattern: RegExp) => {
  const all = end.stdout + end.stderr
  assert.strictEqual(end.code, 1, all)
  assert.notInclude(all, "FiberFailure")
  assert.notMatch(all, /^\s+at /m)
  const lines = end.stderr.trim().split("\n")
  assert.lengthOf(lines, 1, end.stderr)
  assert.match(lines[0]!, new RegExp(`^${name}: `))
  assert.match(lines[0]!, pattern)
}

const succeeded = (end: Finished) => {
  assert.strictEqual(end.code, 0, end.stdout + end.stderr)
  assert.strictEqual(end.stderr, "", end.stderr)
}

/** The demo, where carol's $disconnect is lost on the emulator it runs, and delivered by an outside gateway. */
const assertDemo = (end: Finished, outside: boolean) => {
  succeeded(end)
  const out = end.stdout
  assert.include(out, "report to alice: delivered 4, gone 0, failed 0")
  assert.include(out, "report to bob: delivered 4, gone 0, failed 0")
  assert.match(out, /alice received "Hi everyone!" from alice/)
  assert.match(out, /dave's socket closed with code 1000/)
  assert.match(out, /alice: connected at \d{4}-/)
  assert.match(out, /user agent example-alice\/1\.0/)
  assert.include(out, "carol: GoneException (HTTP 410)")
  assert.include(out, "report to alice: delivered 2, gone 0, failed 0")
  if (outside) {
    assert.include(out, "the gateway has noticed: GetConnection for her answers 410")
    assert.include(out, "report to bob: delivered 3, gone 0, failed 0")
    assert.include(out, "her $disconnect had already removed her from the room: the broadcast went to the 3 left")
    assert.include(out, "pruned as gone: none")
    assert.include(out, "left through $disconnect: carol, dave")
    assert.notInclude(out, "drops it on purpose")
  } else {
    assert.include(out, "here the demo drops it on purpose")
    assert.match(out, /report to bob: delivered 3, gone 1 -> pruned carol \(\S+\), failed 0/)
    assert.include(out, "the broadcast found her gone (410 GoneException) and pruned her from the room")
    assert.include(out, "pruned as gone: carol")
    assert.include(out, "left through $disconnect: dave")
  }
  assert.include(out, "broadcasts: 4; deliveries: 4 + 4 + 3 + 2 = 13")
  assert.notInclude(out, "undefined")
}

const assertShortChat = (end: Finished, handler: string) => {
  succeeded(end)
  assert.include(end.stdout, `(the API runs examples/${handler}.ts's handler)`)
  assert.include(end.stdout, "bob received \"hello from alice\" from alice")
  assert.include(end.stdout, "alice received \"hi alice, bob here\" from bob")
  assert.include(end.stdout, "report to alice: delivered 2, gone 0, failed 0")
  assert.include(end.stdout, "Done: 2 messages, 4 deliveries.")
}

/** `inspect.ts ID...` against a CLI running the chat handler, on two connections of the test and an unknown id. */
const inspectsTheCli = (url: string, env: Record<string, string>) =>
  Effect.gen(function*() {
    const ann = yield* client(`${url}?name=ann`)
    const ben = yield* client(`${url}?name=ben`)
    const ids: Array<string> = []
    for (const c of [ann, ben]) {
      c.send({ action: "whoami" })
      ids.push((yield* c.next).connectionId)
    }
    const end = yield* run("examples/inspect.ts", env, [...ids, "GoneConnId000="])
    succeeded(end)
    for (const id of ids) assert.include(end.stdout, `${id}  open\n    connected at  `)
    assert.include(end.stdout, "user agent    everywhere-test/1.0")
    assert.include(end.stdout, "GoneConnId000=  gone (410)")
    assert.include(end.stdout, "2 open, 1 gone, 0 not a connection id")
  }).pipe(Effect.scoped)

describe("the examples, everywhere the README says they run", () => {
  it.scopedLive("1. on the emulator each starts itself", () =>
    Effect.gen(function*() {
      const [demo, inspect] = yield* Effect.all([run("examples/demo.ts"), run("examples/inspect.ts")], {
        concurrency: 2
      })
      assertDemo(demo, false)
      succeeded(inspect)
      assert.match(inspect.stdout, /open\n\s+connected at/)
      assert.include(inspect.stdout, "user agent    MyChatApp/2.3 (iPhone; iOS 18.0)")
      assert.include(inspect.stdout, "NotAConnId0=  gone (410)")
      assert.include(
        inspect.stdout,
        "\"\"  not a connection id, nothing sent (Invalid ConnectionId: must not be empty)"
      )
      assert.include(inspect.stdout, "2 open, 2 gone, 1 not a connection id")

      // The two chat backends serve the same protocol on their own emulator until Ctrl-C, then exit 0.
      yield* Effect.forEach(["chat", "lambda-chat"], (name) =>
        Effect.gen(function*() {
          const served = yield* serve([`examples/${name}.ts`], { PORT: "0" }, /WebSocket URL\s+(\S+)/)
          yield* chatsByTheReadme(served.url)
          const end = yield* served.stop
          succeeded(end)
          assert.include(end.stdout, "stopped")
        }), { concurrency: 2 })
    }), 60_000)

  for (const signed of [false, true]) {
    it.scopedLive(
      `${signed ? "3" : "2"}. against apigw-emulator on the command line, signature checks ${signed ? "on" : "off"}`,
      () =>
        Effect.gen(function*() {
          const [chat, lambda] = yield* Effect.all([
            cli("examples/chat.ts", signed),
            cli("examples/lambda-chat.ts", signed)
          ], { concurrency: 2 })
          assert.include(
            chat.output(),
            signed ? `checked against access key ${KEYS.AWS_ACCESS_KEY_ID}` : "any well-formed"
          )
          const env = pointedAt(chat.url, signed)
          yield* Effect.all([
            // One room per CLI: the examples that join the chat handler's room take turns.
            Effect.gen(function*() {
              assertDemo(yield* run("examples/demo.ts", env), true)
              assertShortChat(yield* run("examples/chat.ts", env), "chat")
              yield* inspectsTheCli(chat.url, env)
            }),
            Effect.map(
              run("examples/lambda-chat.ts", pointedAt(lambda.url, signed)),
              (end) => assertShortChat(end, "lambda-chat")
            )
          ], { concurrency: 2 })
          if (signed) {
            // The example with the wrong secret: the gateway refuses it, and it says which variables to check.
            const wrong = { ...env, AWS_SECRET_ACCESS_KEY: "not-the-secret" }
            failsInOneLine(
              "inspect",
              yield* run("examples/inspect.ts", wrong, ["GoneConnId000="]),
              /ForbiddenException: .*\(check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_REGION/
            )
          }
          for (const running of [chat, lambda]) assert.strictEqual((yield* running.stop).code, 0, running.output())
        }),
      60_000
    )
  }

  it.scopedLive(
    "a handler without the keys the command checks: the example says what to fix, in one line",
    () =>
      Effect.gen(function*() {
        const chat = yield* cli("examples/chat.ts", true, {})
        failsInOneLine(
          "chat",
          yield* run("examples/chat.ts", pointedAt(chat.url, true)),
          /ExampleError: the chat backend could not post alice's message to 2 of 2 connections: ForbiddenException: .*\(the handler signs its PostToConnection calls with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION from its own environment/
        )
        assert.strictEqual((yield* chat.stop).code, 0, chat.output())
      }),
    60_000
  )

  it.live("a misconfiguration prints one readable line and exits 1", () =>
    Effect.gen(function*() {
      const examples = ["demo", "chat", "inspect", "lambda-chat"] as const
      const cases = [
        ...examples.map((name) => ({
          name,
          env: { APIGW_ENDPOINT: "https://ws.example.com/chat" },
          pattern: /ConfigurationError: Invalid region: .*\(set AWS_REGION or use an execute-api endpoint\)$/
        })),
        {
          name: "inspect",
          env: { APIGW_ENDPOINT: "ftp://ws.example.com/chat", AWS_REGION: "eu-west-1" },
          pattern: /ConfigurationError: Invalid endpoint: .*\(set APIGW_ENDPOINT to https:\/\/\{api-id\}/
        },
        {
          name: "inspect",
          env: { APIGW_ENDPOINT: "http://127.0.0.1:9/local" },
          pattern: /TransportError: ConnectionRefused: .*\(check APIGW_ENDPOINT: is the gateway running there\?\)$/
        },
        {
          name: "chat",
          env: { APIGW_ENDPOINT: "http://127.0.0.1:9/local" },
          pattern: /ClientError: alice: cannot connect to ws:\/\/127\.0\.0\.1:9\/local.*APIGW_WS_URL/
        },
        {
          name: "demo",
          env: { APIGW_ENDPOINT: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod" },
          pattern: /CredentialsError: .*\(set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/
        }
      ]
      const ends = yield* Effect.forEach(cases, (c) => run(`examples/${c.name}.ts`, c.env, ["SomeConnId00="]), {
        concurrency: 2
      })
      cases.forEach((c, i) => failsInOneLine(c.name, ends[i]!, c.pattern))
    }), 60_000)
})
