#!/usr/bin/env node
// Installs what the benchmark measures, as a user would have it: the other clients at the versions of bench's lock
// file (`npm ci`), then our packed tarballs (`npm run build` first) into bench/node_modules. Their peers (effect,
// @effect/platform, and @effect/platform-node for the ours-platform client) are not installed again (bench/.npmrc: legacy-peer-deps): they resolve
// to the root's node_modules, the versions a user gets, one copy per process shared with @effect-aws. Nothing of
// ours is compiled from the workspace sources: bench/build.mjs resolves @effect-apigw/* to these packages.
import { execFileSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { pack } from "../scripts/pack.mjs"

const here = dirname(fileURLToPath(import.meta.url))
const npm = (args) => execFileSync("npm", [...args, "--no-audit", "--no-fund"], { cwd: here, stdio: "inherit" })

npm(["ci"])
const tarballs = pack(join(here, "node_modules", ".cache", "packages"))
npm(["install", "--no-save", ...tarballs.map((tarball) => tarball.file)])
for (const { name, file } of tarballs) console.log(`bench: installed ${name} from ${file}`)
