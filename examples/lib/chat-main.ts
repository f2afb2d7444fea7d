/**
 * The runnable part of the chat handlers (`examples/chat.ts`, `examples/lambda-chat.ts`): with `APIGW_ENDPOINT`
 * unset, serve the handler on an emulator in this process until Ctrl-C; with it set, play a short chat against that
 * gateway, which runs the handler (`apigw-emulator --handler ...`, or the API on AWS), and exit.
 */
import { Emulator } from "@effect-apigw/emulator"
import { Effect, type Layer } from "effect"
import { playShortChat } from "./chat-client.js"
import * as Gateway from "./gateway.js"
import { runMain } from "./main.js"

/** Serves the handler on an emulator on `PORT` (default 3001) until interrupted. */
const serve = <R>(name: string, options: Emulator.Options<R>) =>
  Effect.gen(function*() {
    const port = yield* Gateway.port
    const region = yield* Gateway.embeddedRegion
    const emulator = yield* Emulator.make({ ...options, port, region })
    console.log(`examples/${name}.ts on the emulator, until Ctrl-C`)
    console.log(`   WebSocket URL        ${emulator.url}`)
    console.log(`   management endpoint  ${emulator.endpoint}  (region ${emulator.region})`)
    console.log(`Try: npx wscat -c "${emulator.url}?name=alice"   then send {"action":"sendmessage","text":"hi"}`)
    return yield* Effect.never
  }).pipe(
    Effect.scoped,
    Effect.onInterrupt(() => Effect.sync(() => console.log("stopped")))
  )

/** Runs a chat handler's example as the process's main program. */
export const chatMain = <R>(name: string, options: Emulator.Options<R>, context: Layer.Layer<R>): void =>
  runMain(
    name,
    Gateway.match({
      onEmbedded: serve(name, options),
      onOutside: (gateway) => playShortChat(gateway.url, `examples/${name}.ts`)
    }).pipe(Effect.provide(context))
  )
