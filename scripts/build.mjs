#!/usr/bin/env node
// `npm run build`: every package's dist/ from scratch. Emptied first, so that no output of a deleted source module is
// left to be packed (tsc -b only ever adds and updates files).
import { execFileSync } from "node:child_process"
import { readdirSync, rmSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
for (const name of readdirSync(join(root, "packages"))) {
  rmSync(join(root, "packages", name, "dist"), { recursive: true, force: true })
}
execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-b", "tsconfig.build.json"], {
  cwd: root,
  stdio: "inherit"
})
