#!/usr/bin/env node
// CPU profile of one client's hot path: `node bench/profile.mjs [client] [requests]` (default: ours, 20000 at 64 in
// flight after 2000 warm-up calls). Runs the worker under `--cpu-prof`, writes the .cpuprofile to bench/results/ (open
// it in Chrome DevTools or speedscope) and prints self time by package and by function.
import { spawn } from "node:child_process"
import { readdirSync, readFileSync, renameSync, rmSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { build, buildDir } from "./build.mjs"

const here = dirname(fileURLToPath(import.meta.url))
const client = process.argv[2] ?? "ours"
const requests = Number(process.argv[3] ?? 20000)

const run = (argv, stdio) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio })
    child.on("exit", (code) => code === 0 ? resolve() : reject(new Error(`exit ${code}`)))
  })

await build()
const server = spawn(process.execPath, [join(here, "server.mjs")], {
  stdio: ["pipe", "pipe", "inherit"],
  env: { ...process.env, BENCH_PARENT: "1" }
})
const port = await new Promise((resolve) =>
  server.stdout.once("data", (chunk) => resolve(JSON.parse(String(chunk).split("\n")[0]).port))
)
const dir = join(here, "results", "profile-tmp")
rmSync(dir, { recursive: true, force: true })
try {
  await run([
    "--cpu-prof",
    `--cpu-prof-dir=${dir}`,
    "--cpu-prof-interval=100",
    "--expose-gc",
    join(here, "worker.mjs"),
    JSON.stringify({
      adapter: join(buildDir, "modules", "clients", `${client}.mjs`),
      endpoint: `http://127.0.0.1:${port}/prod`,
      connectionId: "L0SM9cOFvHcCIhw=",
      payloadBytes: 1024,
      warmup: 2000,
      phases: [{ concurrency: 64, requests }]
    })
  ], ["ignore", "inherit", "inherit"])
} finally {
  server.stdin.end()
}
const file = join(here, "results", `${client}.cpuprofile`)
renameSync(join(dir, readdirSync(dir)[0]), file)
rmSync(dir, { recursive: true, force: true })

// Self time per node, from the sample counts.
const profile = JSON.parse(readFileSync(file, "utf8"))
const counts = new Map()
for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1)
const total = profile.samples.length
const packageOf = (url) => {
  if (url === "") return "(native/V8)"
  if (url.includes("/bench-build/")) return `${client} adapter + inlined workspace sources (packages/*/src)`
  const nm = url.lastIndexOf("node_modules/")
  if (nm !== -1) {
    const rest = url.slice(nm + 13).split("/")
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  if (url.startsWith("node:")) return "node:" + url.slice(5).split("/")[0]
  return url
}
const byPackage = new Map()
const byFunction = new Map()
for (const node of profile.nodes) {
  const n = counts.get(node.id) ?? 0
  if (n === 0) continue
  const { functionName, url, lineNumber } = node.callFrame
  const pkg = packageOf(url)
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + n)
  const file = url.split("/").slice(-2).join("/")
  const key = `${functionName || "(anonymous)"}  ${file}:${lineNumber + 1}`
  byFunction.set(key, (byFunction.get(key) ?? 0) + n)
}
const top = (map, limit) =>
  [...map].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([k, n]) =>
    `${(100 * n / total).toFixed(1).padStart(5)}%  ${k}`
  )
console.log(`\n${client}: ${total} samples; profile in ${file}\n\nself time by package:`)
console.log(top(byPackage, 15).join("\n"))
console.log("\nself time by function:")
console.log(top(byFunction, 40).join("\n"))

// Inclusive (total) time: each sample counted once for every distinct function on its stack.
const parent = new Map()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
const nodeById = new Map(profile.nodes.map((node) => [node.id, node]))
const keyOf = (node) => {
  const { functionName, url, lineNumber } = node.callFrame
  return `${functionName || "(anonymous)"}  ${url.split("/").slice(-2).join("/")}:${lineNumber + 1}`
}
const inclusive = new Map()
for (const [id, n] of counts) {
  const seen = new Set()
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const node = nodeById.get(cur)
    if (node.callFrame.url.includes("/bench-build/") || node.callFrame.url.includes("@effect/platform")) {
      seen.add(keyOf(node))
    }
  }
  for (const key of seen) inclusive.set(key, (inclusive.get(key) ?? 0) + n)
}
console.log("\ntotal (inclusive) time of functions in the client's own code and @effect/platform:")
console.log(top(inclusive, 45).join("\n"))
