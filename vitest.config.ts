import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const roots = ["packages/schema", "packages/core", "packages/layers", "packages/emulator", "test"]
const packages = fileURLToPath(new URL("packages", import.meta.url))

export default defineConfig({
  // Tests run on the sources, as tsconfig.json's `paths` do for tsc and tsx: no build step before `npm test`.
  resolve: {
    alias: [
      { find: /^@effect-apigw\/([a-z]+)$/, replacement: `${packages}/$1/src/index.ts` },
      { find: /^@effect-apigw\/([a-z]+)\/(?!internal\/)(.+)$/, replacement: `${packages}/$1/src/$2.ts` }
    ]
  },
  test: {
    projects: roots.map((root) => ({
      extends: true,
      test: { name: root.replace("packages/", ""), dir: root, include: ["**/*.test.ts"] }
    })),
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
