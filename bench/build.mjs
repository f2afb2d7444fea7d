// Builds what run.mjs runs, into node_modules/.cache/bench-build/:
// - modules/: each client adapter and minimal program as it runs from an installed node_modules: the file itself
//   compiled, every package left as an import, ours included (bench/install.mjs installs our packed tarballs into
//   bench/node_modules). All clients are run this way for throughput, CPU, memory and the "node_modules" cold start.
// - bundle/: each minimal program bundled as a Lambda deployment would be (esbuild --bundle --minify --platform=node
//   --format=esm --main-fields=module,main); its gzip (level 6) size is the "bundle" row.
// - bundle-run/: the same bundles plus a `require` shim banner, so CommonJS dependencies (aws-lite) can run as ESM,
//   for the "bundle" cold start.
// - bundle-clients/: each client adapter bundled whole (with the same shim), for the memory of bundled code. bundle/NAME.meta.json is esbuild's metafile (what each input weighs).
import * as esbuild from "esbuild"
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

const here = dirname(fileURLToPath(import.meta.url))
// Under node_modules so that ESLint and tsc (which skip node_modules) never see generated code; `npm ci` wipes it.
export const buildDir = join(here, "node_modules", ".cache", "bench-build")

const entries = (folder) =>
  Object.fromEntries(
    readdirSync(join(here, folder))
      .filter((file) => /\.(ts|mjs)$/.test(file) && file !== "types.ts")
      .map((file) => [file.replace(/\.(ts|mjs)$/, ""), join(here, folder, file)])
  )

// bench/tsconfig.json's `paths` point @effect-apigw/* at the workspace sources (for type-checking): esbuild must not
// read it, so that every build resolves our packages as installed.
const tsconfigRaw = "{}"

const requireShim = "import { createRequire as __benchCreateRequire } from \"node:module\";" +
  "const require = __benchCreateRequire(import.meta.url);"

export const build = async () => {
  rmSync(buildDir, { recursive: true, force: true })
  const common = { bundle: true, platform: "node", format: "esm", target: "node20", logLevel: "warning", tsconfigRaw }
  for (const folder of ["clients", "programs", "broadcast"]) {
    await esbuild.build({
      ...common,
      entryPoints: entries(folder),
      outdir: join(buildDir, "modules", folder),
      outExtension: { ".js": ".mjs" },
      packages: "external"
    })
  }
  // bundle-clients/: each client adapter bundled whole (as deployed to AWS Lambda), for the memory of bundled code.
  await esbuild.build({
    bundle: true,
    minify: true,
    platform: "node",
    format: "esm",
    mainFields: ["module", "main"],
    entryPoints: entries("clients"),
    outdir: join(buildDir, "bundle-clients"),
    outExtension: { ".js": ".mjs" },
    banner: { js: requireShim },
    logLevel: "warning",
    tsconfigRaw
  })
  const programs = entries("programs")
  const sizes = {}
  for (const [name, entry] of Object.entries(programs)) {
    const exact = {
      bundle: true,
      minify: true,
      platform: "node",
      format: "esm",
      mainFields: ["module", "main"],
      tsconfigRaw
    }
    const outfile = join(buildDir, "bundle", `${name}.mjs`)
    const { metafile } = await esbuild.build({
      ...exact,
      entryPoints: [entry],
      outfile,
      metafile: true,
      logLevel: "warning"
    })
    writeFileSync(join(buildDir, "bundle", `${name}.meta.json`), JSON.stringify(metafile))
    await esbuild.build({
      ...exact,
      entryPoints: [entry],
      outfile: join(buildDir, "bundle-run", `${name}.mjs`),
      banner: { js: requireShim },
      logLevel: "warning"
    })
    const bytes = readFileSync(outfile)
    sizes[name] = { raw: statSync(outfile).size, gzip: gzipSync(bytes, { level: 6 }).length }
  }
  return sizes
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await build())
}
