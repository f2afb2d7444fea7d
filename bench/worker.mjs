// One client in one fresh process: imports the adapter, warms up, measures at each concurrency, then GC and memory.
// Run by run.mjs with `node --expose-gc worker.mjs '<json config>'`; prints one line `RESULT {json}` on stdout.
import { performance } from "node:perf_hooks"
import { pathToFileURL } from "node:url"

const config = JSON.parse(process.argv[2])
const { adapter: adapterPath, endpoint, connectionId, payloadBytes, warmup, phases } = config
const data = "x".repeat(payloadBytes)

const { make } = await import(pathToFileURL(adapterPath).href)
const client = await make({ endpoint, region: "us-east-1", accessKeyId: "AKID", secretAccessKey: "secret" })

/** `count` calls with `concurrency` in flight; per-call latency in ms into `latencies`. */
const load = async (count, concurrency, latencies) => {
  if (client.loop !== undefined) return client.loop(count, concurrency, connectionId, data, latencies)
  let next = 0
  const lane = async () => {
    while (next < count) {
      const i = next++
      const start = performance.now()
      await client.post(connectionId, data)
      latencies[i] = performance.now() - start
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane))
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]

const measure = async (count, concurrency) => {
  const latencies = new Float64Array(count)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await load(count, concurrency, latencies)
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  latencies.sort()
  return {
    concurrency,
    requests: count,
    wallMs,
    throughput: count / (wallMs / 1000),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cpuUsPerRequest: (cpu.user + cpu.system) / count,
    cpuUserUsPerRequest: cpu.user / count
  }
}

const gcFully = () => {
  for (let i = 0; i < 3; i++) globalThis.gc()
}

if (warmup > 0) {
  const latencies = new Float64Array(warmup)
  await load(warmup, 64, latencies)
}
const results = []
for (const phase of phases) results.push(await measure(phase.requests, phase.concurrency))
gcFully()
await new Promise((resolve) => setTimeout(resolve, 50))
gcFully()
const memory = process.memoryUsage()
process.stdout.write(
  "RESULT " + JSON.stringify({ phases: results, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed }) + "\n"
)
await client.close()
process.exit(0)
