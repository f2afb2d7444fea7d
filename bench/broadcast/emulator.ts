// The broadcast benchmark's gateway: @effect-apigw/emulator in its own process (no signature checks, so its CPU goes
// to WebSocket delivery). Prints `{"url","endpoint"}` on stdout once listening; on each `ids` line read from stdin it
// prints the open connection ids as one JSON line, on `cpu` its CPU time so far. Exits when stdin closes.
import { Emulator } from "@effect-apigw/emulator"
import * as Effect from "effect/Effect"

const program = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  process.stdout.write(JSON.stringify({ url: emulator.url, endpoint: emulator.endpoint }) + "\n")
  let buffered = ""
  process.stdin.setEncoding("utf8")
  process.stdin.on("data", (chunk: string) => {
    buffered += chunk
    let newline: number
    while ((newline = buffered.indexOf("\n")) !== -1) {
      const command = buffered.slice(0, newline).trim()
      buffered = buffered.slice(newline + 1)
      if (command === "cpu") {
        const { system, user } = process.cpuUsage()
        process.stdout.write(JSON.stringify({ cpuUs: user + system }) + "\n")
      } else if (command === "ids") {
        Effect.runPromise(emulator.connections).then((connections) =>
          process.stdout.write(JSON.stringify(connections.map((c) => c.ConnectionId)) + "\n")
        )
      }
    }
  })
  yield* Effect.async<void>((resume) => {
    process.stdin.on("end", () => resume(Effect.void))
  })
}).pipe(Effect.scoped, Effect.provide(Emulator.layer({ port: 0, stage: "prod" })))

Effect.runPromise(program).then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
