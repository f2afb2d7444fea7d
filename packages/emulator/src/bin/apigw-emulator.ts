#!/usr/bin/env node
/**
 * The `apigw-emulator` command: a local API Gateway WebSocket API on one port, until SIGINT or SIGTERM.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import * as Emulator from "../Emulator.js"
import type { Handler } from "../Event.js"

const USAGE = `Usage: apigw-emulator [options]

A local API Gateway WebSocket API: WebSocket clients connect to ws://HOST:PORT/STAGE, the management API
(PostToConnection, GetConnection, DeleteConnection) answers at http://HOST:PORT/STAGE/@connections/{id}.

Options:
  --port <n>                      port to listen on (default 3001; 0 picks a free one)
  --host <address>                interface to listen on (default 127.0.0.1: loopback only)
  --stage <name>                  stage name (default local)
  --handler <module>[#export]     Lambda-style handler for every route (export default: handler)
  --route-selection <expr>        route selection expression (default $request.body.action)
  --access-key-id <id>            with --secret-access-key: check SigV4 signatures against these credentials
  --secret-access-key <secret>
  --region <region>               signing region (default us-east-1)
  --idle-timeout <seconds>        close connections idle this long (default 600)
  --max-duration <seconds>        close connections open this long (default 7200)
  --verbose                       log every connection, message and management request
  --help                          show this help
`

/** The parsed command line, or a usage error message. */
const parse = (argv: ReadonlyArray<string>) => {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      stage: { type: "string" },
      handler: { type: "string" },
      "route-selection": { type: "string" },
      "access-key-id": { type: "string" },
      "secret-access-key": { type: "string" },
      region: { type: "string" },
      "idle-timeout": { type: "string" },
      "max-duration": { type: "string" },
      verbose: { type: "boolean" },
      help: { type: "boolean" }
    }
  })
  return values
}

const number = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const n = Number(value)
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new Error(`--${name}: "${value}" is not a number`)
  return n
}

/** `.ts`, `.mts`, `.cts` (and `x` variants): modules that plain Node loads only where it strips types. */
const TYPESCRIPT = /\.[cm]?tsx?$/

/**
 * Imports the handler's module: JavaScript natively; TypeScript through `tsx` where it is installed (an optional peer
 * dependency), else natively where this Node strips types (22.18+, 24), else not at all, saying what would work.
 */
const importModule = async (file: string): Promise<Record<string, unknown>> => {
  const url = pathToFileURL(resolve(file)).href
  if (!TYPESCRIPT.test(file)) return import(url)
  const tsx = await import("tsx/esm/api").catch((error) => {
    if ((error as { code?: unknown }).code === "ERR_MODULE_NOT_FOUND") return undefined
    throw error
  })
  if (tsx !== undefined) return tsx.tsImport(url, import.meta.url)
  const hint = "install tsx beside the emulator (npm install --save-dev tsx), or point --handler at the compiled .js"
  if (!(process.features as { typescript?: unknown }).typescript) {
    throw new Error(`--handler: ${file} is TypeScript, which Node ${process.version} does not load: ${hint}`)
  }
  return import(url).catch((error: Error) => {
    throw new Error(`--handler: Node ${process.version} could not load ${file} (${error.message}); ${hint}`)
  })
}

const loadHandler = async (spec: string): Promise<Handler<never>> => {
  const at = spec.lastIndexOf("#")
  const file = at === -1 ? spec : spec.slice(0, at)
  const name = at === -1 ? "handler" : spec.slice(at + 1)
  const module = await importModule(file)
  const fallback = module.default as Record<string, unknown> | undefined
  const handler = module[name] ?? fallback?.[name] ?? (at === -1 ? fallback : undefined)
  if (typeof handler !== "function") throw new Error(`--handler: ${file} has no function export "${name}"`)
  return handler as Handler<never>
}

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  let args: ReturnType<typeof parse>
  try {
    args = parse(argv)
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (args.help === true) {
    console.log(USAGE)
    return 0
  }
  let options: Emulator.Options
  try {
    if ((args["access-key-id"] === undefined) !== (args["secret-access-key"] === undefined)) {
      throw new Error("--access-key-id and --secret-access-key go together")
    }
    const idle = number("idle-timeout", args["idle-timeout"])
    const max = number("max-duration", args["max-duration"])
    options = {
      port: number("port", args.port) ?? 3001,
      host: args.host ?? Emulator.defaults.host,
      stage: args.stage ?? Emulator.defaults.stage,
      region: args.region ?? Emulator.defaults.region,
      ...(args["route-selection"] === undefined ? {} : { routeSelectionExpression: args["route-selection"] }),
      ...(idle === undefined ? {} : { idleTimeout: idle * 1000 }),
      ...(max === undefined ? {} : { maxConnectionDuration: max * 1000 }),
      ...(args["access-key-id"] === undefined || args["secret-access-key"] === undefined ? {} : {
        credentials: { accessKeyId: args["access-key-id"], secretAccessKey: args["secret-access-key"] }
      }),
      ...(args.handler === undefined ? {} : { handler: await loadHandler(args.handler) })
    }
  } catch (error) {
    console.error((error as Error).message)
    return 2
  }

  const program = Effect.gen(function*() {
    const emulator = yield* Emulator.make(options)
    console.log(`apigw-emulator listening`)
    console.log(`  WebSocket URL:        ${emulator.url}`)
    console.log(`  management endpoint:  ${emulator.endpoint}   (region ${emulator.region})`)
    console.log(
      options.credentials === undefined ?
        "  signatures:           any well-formed SigV4 signature accepted" :
        `  signatures:           checked against access key ${options.credentials.accessKeyId}`
    )
    console.log(`  handler:              ${args.handler ?? "none (messages are answered Forbidden)"}`)
    console.log("Press Ctrl-C to stop.")
    return yield* Effect.never
  }).pipe(
    Effect.scoped,
    Logger.withMinimumLogLevel(args.verbose === true ? LogLevel.Debug : LogLevel.Info)
  )

  const fiber = Effect.runFork(program)
  const stop = (signal: string) => {
    console.log(`\n${signal}: closing every connection`)
    Effect.runFork(Fiber.interrupt(fiber))
  }
  process.once("SIGINT", () => stop("SIGINT"))
  process.once("SIGTERM", () => stop("SIGTERM"))
  const exit = await Effect.runPromise(Fiber.await(fiber))
  if (Exit.isFailure(exit) && !Exit.isInterrupted(exit)) {
    const failure = exit.cause._tag === "Fail" ? (exit.cause.error as Error).message : String(exit.cause)
    console.error(`apigw-emulator: ${failure}`)
    return 1
  }
  console.log("stopped")
  return 0
}

main(process.argv.slice(2)).then((code) => process.exit(code), (error) => {
  console.error(error)
  process.exit(1)
})
