// The heap a minimal program holds once it has done its work: `node --expose-gc bench/weigh.mjs PROGRAM.mjs` runs the
// program (as built in bench-build/modules/programs) and, when it calls `process.exit` after its first call, collects
// garbage three times and prints `WEIGHT {"heapUsedBytes":N}`. Run by run.mjs for the "effect" program (the Effect
// modules our wiring needs, nothing of ours) and for ours (the quick start's client built, one call made).
import { pathToFileURL } from "node:url"

const exit = process.exit.bind(process)
process.exit = (code) => {
  for (let i = 0; i < 3; i++) globalThis.gc()
  process.stdout.write(`WEIGHT ${JSON.stringify({ heapUsedBytes: process.memoryUsage().heapUsed })}\n`)
  exit(code)
}
await import(pathToFileURL(process.argv[2]).href)
