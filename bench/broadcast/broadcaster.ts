// The broadcast benchmark's sender, a fresh process: our client with its recommended layers, `broadcast` of one 1 KiB
// message to every id, `times` times in a row. Prints one JSON line: each broadcast's ms and outcome counts, as
// measured around `api.broadcast` (the client's layer is built before the first).
import * as ApiGatewayManagementApi from "@effect-apigw/core/ApiGatewayManagementApi"
import * as Credentials from "@effect-apigw/layers/Credentials"
import * as Http from "@effect-apigw/layers/Http"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { readFileSync } from "node:fs"

const [endpoint, idsFile, timesArg] = process.argv.slice(2)
const ids: Array<string> = JSON.parse(readFileSync(idsFile!, "utf8"))
const times = Number(timesArg ?? 3)
const Data = "x".repeat(1024)

const Client = ApiGatewayManagementApi.layer({ endpoint: endpoint!, region: "us-east-1" }).pipe(
  Layer.provide([Credentials.layerStatic({ accessKeyId: "AKID", secretAccessKey: "secret" }), Http.layer])
)

const program = Effect.gen(function*() {
  const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
  const runs = []
  for (let i = 0; i < times; i++) {
    const start = performance.now()
    const cpu = process.cpuUsage()
    const result = yield* api.broadcast({
      ConnectionIds: ids,
      Data,
      ...(process.env.BENCH_CONCURRENCY ? { concurrency: Number(process.env.BENCH_CONCURRENCY) } : {})
    })
    const used = process.cpuUsage(cpu)
    runs.push({
      ms: performance.now() - start,
      cpuUsPerMessage: (used.user + used.system) / ids.length,
      endedAt: Date.now(),
      delivered: result.delivered.length,
      gone: result.gone.length,
      failed: result.failed.length,
      firstFailure: result.failed[0] === undefined ? undefined : String(result.failed[0].error)
    })
  }
  return runs
}).pipe(Effect.provide(Client))

Effect.runPromise(program).then((runs) => {
  process.stdout.write(JSON.stringify(runs) + "\n")
  process.exit(0)
}, (error) => {
  console.error(error)
  process.exit(1)
})
