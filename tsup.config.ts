import { defineConfig } from "tsup";



// One bundle per public entry point, ESM and CommonJS, with declarations.
export default defineConfig({
  entry: {
    "index": "src/index.ts",
    "codec": "src/codec/index.ts",
    "node": "src/adapters/node.ts",
    "web": "src/adapters/web.ts",
    "express": "src/adapters/express.ts",
    "fastify": "src/adapters/fastify.ts",
    "hono": "src/adapters/hono.ts",
    "koa": "src/adapters/koa.ts",
    "stores/memory": "src/stores/memory.ts",
    "stores/sqlite": "src/stores/sqlite.ts",
    "stores/redis": "src/stores/redis.ts",
    "stores/postgres": "src/stores/postgres.ts",
    "stores/connect": "src/stores/connect.ts",
    "stores/file": "src/stores/file.ts",
    "stores/flask-session": "src/stores/flask-session.ts",
    "testing": "src/testing/index.ts",
    "cli/index": "src/cli/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  target: "node20",
  splitting: true,
  sourcemap: false,
  shims: true,
  // Keep "node:" prefixes: node:test has no unprefixed name.
  removeNodeProtocol: false,
  external: ["tsx", "tsx/esm/api", "node:test", "better-sqlite3", "redis", "ioredis", "pg", "express", "fastify", "hono", "koa"],
});
