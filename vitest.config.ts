import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url))
const subpaths = ["numpy", "lax", "nn", "random", "relax", "implicit", "tree", "ir", "laws", "optim"]

export default defineConfig({
  resolve: {
    alias: [
      ...subpaths.map((s) => ({ find: `wengert/${s}`, replacement: src(`${s}/index.ts`) })),
      { find: /^wengert$/, replacement: src("index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts", "laws/**/*.test.ts"],
    testTimeout: 60_000,
    pool: "forks",
  },
})
