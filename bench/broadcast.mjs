// The broadcast benchmark: our client's `broadcast` of one 1 KiB message to N connections of
// @effect-apigw/emulator (10,000 in the full run). Three processes besides this one, so no process holds more than
// N sockets: the emulator, the fleet of N `ws` clients, and a fresh sender process running `api.broadcast` twice (a first,
// then a warm one). Environment: BENCH_BROADCAST_TIMES (broadcasts per sender, default 2), BENCH_CONCURRENCY (the
// broadcast's concurrency, default the client's), BENCH_BROADCAST_CPU_PROF=DIR (profile the sender),
// BENCH_EMULATOR_CPU_PROF=DIR (profile the emulator).
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildDir } from "./build.mjs"

const TIMES = Number(process.env.BENCH_BROADCAST_TIMES ?? 2)

/** A child whose stdout is read line by line; `next(pred)` waits for the next line that matches. */
const child = (argv, name) => {
  const proc = spawn(process.execPath, argv, { stdio: ["pipe", "pipe", "pipe"] })
  const lines = []
  const waiters = []
  let buffered = ""
  let stderr = ""
  let exited
  const settle = () => {
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i]
      const found = lines.findIndex(w.pred)
      if (found !== -1) {
        waiters.splice(i--, 1)
        w.resolve(lines.splice(found, 1)[0])
      } else if (exited !== undefined) {
        waiters.splice(i--, 1)
        w.reject(new Error(`${name} exited (${exited}) before answering\n${stderr.slice(-2000)}`))
      }
    }
  }
  proc.stdout.setEncoding("utf8")
  proc.stdout.on("data", (chunk) => {
    buffered += chunk
    let newline
    while ((newline = buffered.indexOf("\n")) !== -1) {
      lines.push(buffered.slice(0, newline))
      buffered = buffered.slice(newline + 1)
    }
    settle()
  })
  proc.stderr.on("data", (chunk) => stderr += chunk)
  proc.on("exit", (code, signal) => {
    exited = code ?? signal
    settle()
  })
  return {
    next: (pred, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no answer within ${timeoutMs} ms`)), timeoutMs)
        waiters.push({
          pred,
          resolve: (line) => (clearTimeout(timer), resolve(line)),
          reject: (error) => (clearTimeout(timer), reject(error))
        })
        settle()
      }),
    send: (line) => proc.stdin.write(line + "\n"),
    stop: () => {
      proc.stdin.end()
      setTimeout(() => exited === undefined && proc.kill("SIGKILL"), 2000).unref()
    }
  }
}

export const broadcast = async ({ connections, log }) => {
  const dir = join(buildDir, "modules", "broadcast")
  const emulatorProf = process.env.BENCH_EMULATOR_CPU_PROF
  const emulator = child([
    ...(emulatorProf ? ["--cpu-prof", `--cpu-prof-dir=${emulatorProf}`] : []),
    join(dir, "emulator.mjs")
  ], "emulator")
  let fleet
  const tmp = mkdtempSync(join(tmpdir(), "bench-broadcast-"))
  try {
    const { url, endpoint } = JSON.parse(await emulator.next((line) => line.startsWith("{")))
    const t0 = Date.now()
    fleet = child([join(dir, "fleet.mjs"), url, String(connections)], "fleet")
    await fleet.next((line) => line.startsWith("open "), 300_000)
    log(`broadcast: ${connections} WebSocket connections open in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    emulator.send("ids")
    const ids = JSON.parse(await emulator.next((line) => line.startsWith("[")))
    if (ids.length !== connections) throw new Error(`the emulator holds ${ids.length} connections, not ${connections}`)
    const idsFile = join(tmp, "ids.json")
    writeFileSync(idsFile, JSON.stringify(ids))
    emulator.send("cpu")
    const cpuBefore = JSON.parse(await emulator.next((line) => line.startsWith("{\"cpuUs\""))).cpuUs
    // BENCH_BROADCAST_CPU_PROF=DIR profiles the sender (node --cpu-prof) into DIR.
    const prof = process.env.BENCH_BROADCAST_CPU_PROF
    const sender = child([
      ...(prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : []),
      join(dir, "broadcaster.mjs"),
      endpoint,
      idsFile,
      String(TIMES)
    ], "broadcaster")
    const runs = JSON.parse(await sender.next((line) => line.startsWith("["), 300_000))
    for (let k = 1; k <= TIMES; k++) {
      const at = Number((await fleet.next((line) => line.startsWith(`received ${k} `))).split(" at ")[1])
      const run = runs[k - 1]
      run.allReceivedMs = at - (run.endedAt - run.ms)
    }
    emulator.send("cpu")
    const cpuAfter = JSON.parse(await emulator.next((line) => line.startsWith("{\"cpuUs\""))).cpuUs
    const emulatorCpuUsPerMessage = (cpuAfter - cpuBefore) / (connections * TIMES)
    log(`broadcast: ${runs.map((r) => `${r.ms.toFixed(0)} ms (${r.delivered} delivered)`).join(", ")}`)
    return { connections, runs, emulatorCpuUsPerMessage }
  } finally {
    fleet?.stop()
    emulator.stop()
    rmSync(tmp, { recursive: true, force: true })
  }
}
