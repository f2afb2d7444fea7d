#!/usr/bin/env node
// The benchmark: our client against its peers, each in a fresh process, rounds interleaved, against a
// keep-alive node:http server in its own process. `node bench/run.mjs` (full, a few minutes on 2 cores) or
// `node bench/run.mjs --smoke` (a few requests per client, one round, no thresholds, for CI).
// Options: --rounds N, --requests N (calls at 64 in flight), --requests1 N (calls at 1 in flight), --warmup N,
// --cold N (cold starts per program and variant), --clients a,b,c, --json FILE, --markdown FILE.
import { execFileSync, spawn } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { broadcast } from "./broadcast.mjs"
import { build, buildDir } from "./build.mjs"

const here = dirname(fileURLToPath(import.meta.url))

/** The clients, in table order. `adapter` and `program` are file names under the build folder (build.mjs). */
export const CLIENTS = [
  { key: "ours", name: "ours (@effect-apigw)", program: "ours" },
  { key: "ours-platform", name: "ours on @effect/platform-node's HttpClient", program: undefined },
  { key: "ours-effect", name: "ours, loop in Effect", program: undefined },
  { key: "sdk-v3", name: "AWS SDK v3", program: "sdk-v3" },
  { key: "effect-aws", name: "@effect-aws", program: "effect-aws" },
  { key: "aws-lite", name: "aws-lite", program: "aws-lite" },
  { key: "http-sigv4", name: "node:http + smithy SigV4 (signed floor)", program: "http-sigv4" },
  { key: "http-floor", name: "node:http unsigned (floor)", program: "http-floor" }
]

const args = process.argv.slice(2)
const flag = (name) => args.includes(`--${name}`)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? fallback : args[i + 1]
}
const smoke = flag("smoke")
const settings = {
  mode: smoke ? "smoke" : "full",
  rounds: Number(option("rounds", smoke ? 1 : 5)),
  requests64: Number(option("requests", smoke ? 300 : 15000)),
  requests1: Number(option("requests1", smoke ? 50 : 1000)),
  warmup: Number(option("warmup", smoke ? 100 : 1000)),
  cold: Number(option("cold", smoke ? 1 : 7)),
  payloadBytes: 1024,
  connectionId: "L0SM9cOFvHcCIhw=",
  broadcastConnections: Number(option("connections", smoke ? 200 : 10000))
}
const only = option("clients", undefined)?.split(",")
const clients = only === undefined ? CLIENTS : CLIENTS.filter((client) => only.includes(client.key))

const log = (line) => process.stderr.write(line + "\n")

/** Runs `node ...argv`; resolves with stdout once it exits 0, rejects with its stderr otherwise. */
const runNode = (argv, { env = {}, timeoutMs = 300_000 } = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => stdout += chunk)
    child.stderr.on("data", (chunk) => stderr += chunk)
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve(stdout)
      else {reject(
          new Error(`node ${argv.join(" ").slice(0, 200)} exited with ${code ?? signal}\n${stderr.slice(-3000)}`)
        )}
    })
  })

const startServer = () =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, "server.mjs")], {
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, BENCH_PARENT: "1" }
    })
    child.stdout.once("data", (chunk) => {
      const { port } = JSON.parse(String(chunk).split("\n")[0])
      resolve({
        port,
        endpoint: `http://127.0.0.1:${port}/prod`,
        stats: () => fetch(`http://127.0.0.1:${port}/__stats`).then((response) => response.json()),
        stop: () => child.stdin.end()
      })
    })
    child.on("error", reject)
    child.on("exit", (code) => code !== 0 && reject(new Error(`server exited with ${code}`)))
  })

/**
 * One client, one fresh process: warm-up, 1 in flight, 64 in flight, then GC and memory. `bundled`: the adapter
 * bundled whole, and only the load at 64 in flight, for the memory of bundled code.
 */
const runWorker = async (client, server, bundled = false) => {
  const config = {
    adapter: join(buildDir, bundled ? "bundle-clients" : join("modules", "clients"), `${client.key}.mjs`),
    endpoint: server.endpoint,
    connectionId: settings.connectionId,
    payloadBytes: settings.payloadBytes,
    warmup: settings.warmup,
    phases: [
      ...(bundled ? [] : [{ concurrency: 1, requests: settings.requests1 }]),
      { concurrency: 64, requests: settings.requests64 }
    ]
  }
  const before = (await server.stats()).requests
  const stdout = await runNode(["--expose-gc", join(here, "worker.mjs"), JSON.stringify(config)])
  const line = stdout.split("\n").find((l) => l.startsWith("RESULT "))
  if (line === undefined) throw new Error(`${client.key}: the worker printed no result\n${stdout}`)
  const result = JSON.parse(line.slice(7))
  const calls = settings.warmup + (bundled ? 0 : settings.requests1) + settings.requests64
  const served = (await server.stats()).requests - before
  if (served !== calls) throw new Error(`${client.key}: ${calls} calls made but the server answered ${served} requests`)
  return result
}

/** Fresh process: spawn, import, first call; the time until it prints "done", as the parent sees it. */
const coldStart = (file, endpoint) =>
  new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(process.execPath, [file], {
      env: { ...process.env, APIGW_ENDPOINT: endpoint },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    let done = false
    child.stdout.on("data", (chunk) => {
      stdout += chunk
      if (!done && stdout.includes("done")) {
        done = true
        resolve(Number(process.hrtime.bigint() - start) / 1e6)
      }
    })
    child.stderr.on("data", (chunk) => stderr += chunk)
    child.on("exit", (code) => {
      if (!done) {
        reject(new Error(`${file} exited with ${code} before its first call completed\n${stderr.slice(-2000)}`))
      }
    })
  })

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const summary = (values) =>
  values.length === 0 ? undefined : {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    n: values.length
  }

// ---------------------------------------------------------------------------------------------------------------

const main = async () => {
  const started = Date.now()
  log(`bench (${settings.mode}): ${JSON.stringify(settings)}`)
  log("building clients and bundles (esbuild)...")
  const sizes = await build()
  const server = await startServer()
  log(`server on ${server.endpoint} (pid of its own)`)
  const raw = Object.fromEntries(clients.map((client) => [client.key, []]))
  const cold = { modules: {}, bundle: {} }
  const heap = {}
  let broadcastResult
  try {
    for (let round = 0; round < settings.rounds; round++) {
      // Rotate the order each round, so no client always runs first (or right after the same neighbour).
      const order = clients.map((_, i) => clients[(i + round) % clients.length])
      for (const client of order) {
        const t0 = Date.now()
        const result = await runWorker(client, server)
        result.bundled = await runWorker(client, server, true)
        raw[client.key].push(result)
        const p64 = result.phases[1]
        log(
          `round ${round + 1}/${settings.rounds} ${client.key.padEnd(12)} ${
            p64.throughput.toFixed(0).padStart(6)
          } req/s ` +
            `@64, ${p64.cpuUsPerRequest.toFixed(1).padStart(6)} µs CPU/req, rss ${
              (result.rssBytes / 2 ** 20).toFixed(1)
            } MB ` +
            `(${((Date.now() - t0) / 1000).toFixed(1)} s)`
        )
      }
    }
    const programs = ["baseline", "effect", ...clients.map((client) => client.program).filter((p) => p !== undefined)]
    for (let i = 0; i < settings.cold; i++) {
      for (const variant of ["modules", "bundle"]) {
        for (const program of programs) {
          const file = variant === "modules" ?
            join(buildDir, "modules", "programs", `${program}.mjs`) :
            join(buildDir, "bundle-run", `${program}.mjs`)
          const ms = await coldStart(file, server.endpoint)
          ;(cold[variant][program] ??= []).push(ms)
        }
      }
      log(
        `cold start ${i + 1}/${settings.cold}: ` +
          programs.map((p) => `${p} ${cold.modules[p].at(-1).toFixed(0)}/${cold.bundle[p].at(-1).toFixed(0)} ms`).join(
            ", "
          )
      )
    }
    for (let i = 0; i < settings.cold; i++) {
      for (const program of ["effect", "ours"]) {
        const file = join(buildDir, "modules", "programs", `${program}.mjs`)
        const stdout = await runNode(["--expose-gc", join(here, "weigh.mjs"), file], {
          env: { APIGW_ENDPOINT: server.endpoint }
        })
        const line = stdout.split("\n").find((l) => l.startsWith("WEIGHT "))
        if (line === undefined) throw new Error(`${program}: weigh.mjs printed no weight\n${stdout}`)
        ;(heap[program] ??= []).push(JSON.parse(line.slice(7)).heapUsedBytes / 2 ** 20)
      }
    }
    log(
      `heap after GC, program done: effect ${median(heap.effect).toFixed(1)} MB, ours ${
        median(heap.ours).toFixed(1)
      } MB`
    )
    broadcastResult = await broadcast({ connections: settings.broadcastConnections, log }).catch((error) => ({
      error: error instanceof Error ? error.message : String(error)
    }))
  } finally {
    server.stop()
  }

  const metric = (key, pick) => summary(raw[key].map(pick))
  const rows = clients.map((client) => {
    const program = client.program
    return {
      key: client.key,
      name: client.name,
      throughput64: metric(client.key, (r) => r.phases[1].throughput),
      p50_64: metric(client.key, (r) => r.phases[1].p50Ms),
      p99_64: metric(client.key, (r) => r.phases[1].p99Ms),
      cpu64: metric(client.key, (r) => r.phases[1].cpuUsPerRequest),
      throughput1: metric(client.key, (r) => r.phases[0].throughput),
      p50_1: metric(client.key, (r) => r.phases[0].p50Ms),
      p99_1: metric(client.key, (r) => r.phases[0].p99Ms),
      cpu1: metric(client.key, (r) => r.phases[0].cpuUsPerRequest),
      rssMB: metric(client.key, (r) => r.rssBytes / 2 ** 20),
      heapMB: metric(client.key, (r) => r.heapUsedBytes / 2 ** 20),
      rssBundledMB: metric(client.key, (r) => r.bundled.rssBytes / 2 ** 20),
      heapBundledMB: metric(client.key, (r) => r.bundled.heapUsedBytes / 2 ** 20),
      coldModules: program === undefined ? undefined : summary(cold.modules[program] ?? []),
      coldBundle: program === undefined ? undefined : summary(cold.bundle[program] ?? []),
      bundleGzipKB: program === undefined ? undefined : summary([sizes[program].gzip / 1000]),
      bundleRawKB: program === undefined ? undefined : summary([sizes[program].raw / 1000])
    }
  })
  const git = (...argv) => {
    try {
      return execFileSync("git", argv, { cwd: here, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
    } catch {
      return undefined
    }
  }
  const commit = git("rev-parse", "--short", "HEAD")
  const dirty = git("status", "--porcelain", "--", "../packages") ? " + uncommitted changes in packages/" : ""
  const report = {
    date: new Date().toISOString(),
    source: commit === undefined ? "unknown" : `${commit}${dirty}`,
    command: `node bench/run.mjs ${args.join(" ")}`.trim(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${
      (totalmem() / 2 ** 30).toFixed(0)
    } GiB, Node ${process.version}, ${process.platform}`,
    settings,
    seconds: (Date.now() - started) / 1000,
    rows,
    baseline: { coldModules: summary(cold.modules.baseline ?? []), coldBundle: summary(cold.bundle.baseline ?? []) },
    effect: {
      coldModules: summary(cold.modules.effect ?? []),
      coldBundle: summary(cold.bundle.effect ?? []),
      heapMB: summary(heap.effect ?? []),
      bundleGzipKB: sizes.effect === undefined ? undefined : summary([sizes.effect.gzip / 1000])
    },
    oursHeapMB: summary(heap.ours ?? []),
    broadcast: broadcastResult,
    raw
  }
  const markdown = render(report)
  mkdirSync(join(here, "results"), { recursive: true })
  writeFileSync(option("json", join(here, "results", `${settings.mode}.json`)), JSON.stringify(report, null, 2))
  writeFileSync(option("markdown", join(here, "results", `${settings.mode}.md`)), markdown)
  process.stdout.write(markdown)
  log(`done in ${report.seconds.toFixed(0)} s`)
  if (broadcastResult?.error !== undefined) {
    log(`the broadcast benchmark failed: ${broadcastResult.error}`)
    process.exitCode = 1
  }
}

// ---------------------------------------------------------------------------------------------------------------

const METRICS = [
  ["throughput64", "throughput @64 in flight (req/s)", 0, "higher"],
  ["cpu64", "CPU per request @64 (µs)", 1, "lower"],
  ["p50_64", "p50 latency @64 (ms)", 2, "lower"],
  ["p99_64", "p99 latency @64 (ms)", 2, "lower"],
  ["throughput1", "throughput @1 in flight (req/s)", 0, "higher"],
  ["cpu1", "CPU per request @1 (µs)", 1, "lower"],
  ["p50_1", "p50 latency @1 (ms)", 3, "lower"],
  ["p99_1", "p99 latency @1 (ms)", 3, "lower"],
  ["rssMB", "RSS after GC (MB)", 1, "lower"],
  ["heapMB", "heap used after GC (MB)", 2, "lower"],
  ["rssBundledMB", "RSS after GC, bundled (MB)", 1, "lower"],
  ["heapBundledMB", "heap used after GC, bundled (MB)", 2, "lower"],
  ["coldModules", "cold start, node_modules (ms)", 0, "lower"],
  ["coldBundle", "cold start, bundle (ms)", 0, "lower"],
  ["bundleGzipKB", "bundle, gzip -6 (KB)", 1, "lower"],
  ["bundleRawKB", "bundle, minified (KB)", 1, "lower"]
]

const cell = (s, digits) =>
  s === undefined ? "–" : s.n === 1 || s.min === s.max ?
    s.median.toFixed(digits) :
    `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`

const ratio = (a, b) => a === undefined || b === undefined || b.median === 0 ? "–" : (a.median / b.median).toFixed(2)

export const render = (report) => {
  const { rows } = report
  const byKey = Object.fromEntries(rows.map((row) => [row.key, row]))
  const head = `| metric | ${rows.map((row) => row.name).join(" | ")} |\n|---|${rows.map(() => "---:").join("|")}|\n`
  const lines = []
  lines.push(
    `Command: \`${report.command}\` · ${report.date} · source ${report.source} · ${report.machine} · ` +
      `${report.seconds.toFixed(0)} s`
  )
  lines.push("")
  const s = report.settings
  lines.push(
    `Per round and client, one fresh process: ${s.warmup} warm-up calls, ${s.requests1} calls at 1 in flight, ` +
      `${s.requests64} calls at 64 in flight, PostToConnection of ${s.payloadBytes} B; ${s.rounds} round(s), ` +
      `interleaved; cold starts ${s.cold} per program and variant. Cells: median (min–max) over rounds.`
  )
  lines.push("")
  lines.push(
    head +
      METRICS.map(([key, label, digits]) => `| ${label} | ${rows.map((row) => cell(row[key], digits)).join(" | ")} |`)
        .join("\n")
  )
  lines.push("")
  if (report.baseline.coldModules !== undefined) {
    lines.push(
      `Node alone (start, print, exit): ${cell(report.baseline.coldModules, 0)} ms from node_modules, ` +
        `${cell(report.baseline.coldBundle, 0)} ms bundled; it is included in every cold start above. ` +
        `The Effect modules our quick start's wiring needs, and nothing of ours (\`effect/Effect\`, \`effect/Schema\`, ` +
        `\`@effect/platform/HttpClient\`, each used once: bench/programs/effect.mjs): ${
          cell(report.effect.coldModules, 0)
        } ms from node_modules, ${cell(report.effect.coldBundle, 0)} ms bundled, ${
          cell(report.effect.bundleGzipKB, 1)
        } KB bundle (gzip), ${cell(report.effect.heapMB, 1)} MB heap after GC once done; ` +
        `ours (bench/programs/ours.ts, the quick start's wiring, one call made): ${cell(report.oursHeapMB, 1)} MB.`
    )
    lines.push("")
  }
  const floor = byKey["http-floor"]
  const signed = byKey["http-sigv4"]
  const sdk = byKey["sdk-v3"]
  lines.push(
    "Ratios of medians, same run: ×unsigned floor / ×signed floor / ×SDK v3 (for throughput, higher is better; " +
      "for everything else, lower is better)."
  )
  lines.push("")
  lines.push(
    head +
      METRICS.map(([key, label]) =>
        `| ${label} | ${
          rows.map((row) =>
            `${ratio(row[key], floor?.[key])} / ${ratio(row[key], signed?.[key])} / ${ratio(row[key], sdk?.[key])}`
          ).join(" | ")
        } |`
      ).join("\n")
  )
  lines.push("")
  const ours = byKey.ours
  const effectAws = byKey["effect-aws"]
  if (ours !== undefined && sdk !== undefined) {
    const r = (a, b) => a === undefined || b === undefined ? undefined : a.median / b.median
    // Ours over another client, round by round (both ran in the same round, one after the other).
    const perRound = (base, pick) => {
      const a = report.raw.ours
      const b = report.raw[base]
      return a === undefined || b === undefined ? undefined : summary(a.map((round, i) => pick(round) / pick(b[i])))
    }
    const cpu = (round) => round.phases[1].cpuUsPerRequest
    const throughput = (round) => round.phases[1].throughput
    const targets = [
      ["CPU per request @64 ≤ 0.3× SDK v3's", r(ours.cpu64, sdk.cpu64), (x) => x <= 0.3, perRound("sdk-v3", cpu)],
      [
        "CPU per request @64 ≤ 2× the signed floor's",
        r(ours.cpu64, signed?.cpu64),
        (x) => x <= 2,
        perRound("http-sigv4", cpu)
      ],
      [
        "throughput @64 ≥ 3× SDK v3's",
        r(ours.throughput64, sdk.throughput64),
        (x) => x >= 3,
        perRound("sdk-v3", throughput)
      ],
      ["bundle (gzip) < SDK v3's", r(ours.bundleGzipKB, sdk.bundleGzipKB), (x) => x < 1],
      ["bundle (gzip) ≤ 1/2 of @effect-aws's", r(ours.bundleGzipKB, effectAws?.bundleGzipKB), (x) => x <= 0.5],
      ["cold start (node_modules) ≤ SDK v3's", r(ours.coldModules, sdk.coldModules), (x) => x <= 1],
      ["cold start (bundle) ≤ SDK v3's", r(ours.coldBundle, sdk.coldBundle), (x) => x <= 1],
      ["RSS after GC (node_modules) ≤ SDK v3's", r(ours.rssMB, sdk.rssMB), (x) => x <= 1],
      ["RSS after GC (bundled) ≤ SDK v3's", r(ours.rssBundledMB, sdk.rssBundledMB), (x) => x <= 1]
    ]
    const effect = report.effect
    const over = (a, b) => a === undefined || b === undefined ? undefined : a.median - b.median
    targets.push(
      [
        "heap after GC, quick start's client built, − the Effect modules' program ≤ 2 MB",
        over(report.oursHeapMB, effect.heapMB),
        (x) => x <= 2
      ],
      [
        "cold start (node_modules) ≤ 1.3× the Effect modules' program's",
        r(ours.coldModules, effect.coldModules),
        (x) => x <= 1.3
      ],
      [
        "bundle (gzip) − the Effect modules' program's ≤ 25 KB",
        over(ours.bundleGzipKB, effect.bundleGzipKB),
        (x) => x <= 25
      ]
    )
    const b = report.broadcast
    if (b !== undefined && b.error === undefined) {
      const seconds = (run) => ({ median: run.ms / 1000 })
      targets.push(
        [`broadcast to ${b.connections} < 1 s, first in a fresh process (s)`, seconds(b.runs[0]).median, (x) => x < 1],
        [`broadcast to ${b.connections} < 1 s, warm (s)`, seconds(b.runs.at(-1)).median, (x) => x < 1]
      )
    }
    lines.push(
      "Targets (reported, not enforced): ours as a ratio of medians; for the per-call rows also ours over the other " +
        "client round by round (the same round, one process after the other): median (min–max) over rounds."
    )
    lines.push("")
    lines.push("| target | ratio of medians | per round | |\n|---|---:|---:|---|")
    for (const [label, value, ok, rounds] of targets) {
      lines.push(
        `| ${label} | ${value === undefined ? "–" : value.toFixed(2)} | ${cell(rounds, 2)} | ${
          value === undefined ? "–" : ok(value) ? "met" : "**missed**"
        } |`
      )
    }
    lines.push("")
  }
  const b = report.broadcast
  if (b !== undefined) {
    if (b.error !== undefined) {
      lines.push(`Broadcast to ${s.broadcastConnections} emulator connections: not run (${b.error}).`)
    } else {
      const [first, ...rest] = b.runs
      const warm = summary(rest.map((r) => r.ms))
      lines.push(
        `Broadcast (ours, \`api.broadcast\`, default concurrency) of 1 KiB to ${b.connections} emulator connections, ` +
          `fresh sender process, ${b.runs.length} in a row (2 cores shared by sender, emulator and the fleet of sockets): first ${
            first.ms.toFixed(0)
          } ms ` +
          `(every socket had it after ${first.allReceivedMs.toFixed(0)} ms; delivered ${first.delivered}, ` +
          `gone ${first.gone}, failed ${first.failed}${first.firstFailure ? `: ${first.firstFailure}` : ""}), ` +
          `then ${cell(warm, 0)} ms. CPU per message: sender ${first.cpuUsPerMessage.toFixed(0)} µs first, ` +
          `${rest.map((r) => r.cpuUsPerMessage.toFixed(0)).join(", ")} µs after; ` +
          `emulator ${b.emulatorCpuUsPerMessage.toFixed(0)} µs (mean).`
      )
    }
    lines.push("")
  }
  return lines.join("\n")
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
