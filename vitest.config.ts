import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    projects: ["packages/*", "test"].map((root) => ({
      extends: true,
      test: { name: root === "test" ? "e2e" : root.split("/")[1], dir: root, include: ["**/*.test.ts"] }
    })),
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
