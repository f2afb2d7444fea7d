// The installed packages from an ES module on plain Node: the emulator started from code, then the installed
// `apigw-emulator` bin with a JavaScript, a CommonJS and (where this runtime can) a TypeScript handler.
// Argument: "code", "bin" or both (default). EXPECT_TS=load|refuse says what the .ts handler must do here.
import { Emulator } from "@effect-apigw/emulator"
import { Effect } from "effect"
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { handler } from "./handler.mjs"
import { roundTrip, wirings } from "./roundtrip.mjs"

const fromCode = async () => {
  for (const wiring of Object.keys(wirings)) {
    const line = await Effect.runPromise(
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ port: 0, handler })
        return yield* Effect.promise(() => roundTrip({ ...emulator, wiring, from: "mjs" }))
      }).pipe(Effect.scoped)
    )
    console.log(`emulator from code, ${line}`)
  }
}

/** Runs the installed bin (node_modules/.bin, as `npx apigw-emulator` does) until it prints its URLs. */
const startBin = (args) =>
  new Promise((resolve, reject) => {
    const child = spawn("node_modules/.bin/apigw-emulator", ["--port", "0", ...args], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    const exited = new Promise((done) => child.once("exit", (code) => done(code)))
    const onData = (chunk) => {
      output += chunk
      const url = /WebSocket URL:\s+(\S+)/.exec(output)?.[1]
      const endpoint = /management endpoint:\s+(\S+)\s+\(region (\S+)\)/.exec(output)
      if (url !== undefined && endpoint !== null && output.includes("Ctrl-C")) {
        resolve({ child, url, endpoint: endpoint[1], region: endpoint[2], exited, output: () => output })
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    exited.then((code) =>
      reject(Object.assign(new Error(`apigw-emulator exited ${code}: ${output}`), { code, output }))
    )
  })

const fromBin = async () => {
  const handlers = [["handler.mjs", "mjs"], ["handler.cjs", "cjs"]]
  const ts = process.env.EXPECT_TS ?? "refuse"
  if (ts === "load") handlers.push(["handler.ts", "ts"])
  for (const [file, from] of handlers) {
    const bin = await startBin(["--handler", file])
    const line = await roundTrip({ ...bin, wiring: "Http.layer", from })
    bin.child.kill("SIGINT")
    assert.equal(await bin.exited, 0, "SIGINT stops the bin with exit code 0")
    console.log(`apigw-emulator --handler ${file}, ${line}`)
  }
  if (ts === "refuse") {
    const refused = await startBin(["--handler", "handler.ts"]).then(
      () => assert.fail("a .ts handler started"),
      (e) => e
    )
    assert.equal(refused.code, 2)
    assert.match(refused.output, /handler\.ts is TypeScript.*install tsx/s)
    console.log(`apigw-emulator --handler handler.ts refused: ${refused.output.trim()}`)
  }
}

const parts = process.argv.slice(2)
if (parts.length === 0 || parts.includes("code")) await fromCode()
if (parts.length === 0 || parts.includes("bin")) await fromBin()
