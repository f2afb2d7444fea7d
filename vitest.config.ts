import { defineConfig } from "vitest/config"

const roots = ["packages/schema", "packages/core", "packages/layers", "packages/emulator", "test"]

export default defineConfig({
  test: {
    projects: roots.map((root) => ({
      extends: true,
      test: { name: root.replace("packages/", ""), dir: root, include: ["**/*.test.ts"] }
    })),
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
