#!/usr/bin/env node
// `npm run pack`: the tarballs a release would publish, one per workspace package, into $PACK_DESTINATION
// (default dist-packages/). Run after `npm run build`; prints one line per tarball.
import { execFileSync } from "node:child_process"
import { mkdirSync, readdirSync, rmSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")

/** Packs every workspace into `destination` (emptied of older tarballs first); the tarballs' absolute paths. */
export const pack = (destination = resolve(root, process.env.PACK_DESTINATION ?? "dist-packages")) => {
  mkdirSync(destination, { recursive: true })
  for (const file of readdirSync(destination)) if (file.endsWith(".tgz")) rmSync(join(destination, file))
  const output = execFileSync("npm", ["pack", "--workspaces", "--json", "--pack-destination", destination], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"]
  })
  return JSON.parse(output).map((entry) => ({
    name: entry.name,
    file: join(destination, entry.filename),
    size: entry.size,
    unpackedSize: entry.unpackedSize,
    files: entry.files.map((f) => f.path)
  }))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const tarball of pack()) {
    console.log(`${tarball.file}  ${tarball.files.length} files, ${tarball.size} B packed, ${tarball.unpackedSize} B`)
  }
}
