/**
 * Every server the benchmark runs: which script, on which framework, from
 * which library, keeping its state where, and which scenarios it gets.
 */

/** The framework a row runs on; each row's ratio is to that framework bare. */
export type Framework = "node" | "express" | "fastify" | "hono" | "koa";
/** Where the session lives; rows beat or lose only within a family. */
export type Family = "none" | "cookie" | "memory" | "redis" | "sqlite";
/** A measured route: `read-cold` sends each request a cookie the server has not seen yet. */
export type Scenario = "read" | "write" | "read-cold";

/** One benchmark server. */
export interface ServerSpec {
  /** Unique row id, such as `sk-node-signed`. */
  id: string;
  /** What the table prints. */
  label: string;
  /** The script under `bench/servers/` (without `.ts`). */
  script: string;
  framework: Framework;
  /**
   * `floor`: the bare framework plus only the store round trips a session needs (no session logic).
   * `baseline`: a sessionkit row's same server bundled against `--baseline=<ref>` (bench/baseline.ts).
   */
  library: "bare" | "floor" | "sessionkit" | "peer" | "baseline";
  family: Family;
  /** Extra environment for the server (`SK_MODE`, …); the harness adds the store's prefix or file. */
  env?: Record<string, string>;
  /** sessionkit cookie rows also get a cold-read scenario; this is the format the cookie pool is made in. */
  coldFormat?: "signed" | "encrypted";
}

const bare = (framework: Framework): ServerSpec => ({ id: `bare-${framework}`, label: `${framework} (bare)`, script: `bare-${framework}`, framework, library: "bare", family: "none" });

const sk = (framework: Framework, mode: "signed" | "encrypted" | "memory" | "redis" | "sqlite"): ServerSpec => ({
  id: `sk-${framework}-${mode}`,
  label: `sessionkit ${mode === "signed" || mode === "encrypted" ? `${mode} cookie` : `${mode} store`}`,
  script: `sk-${framework}`,
  framework,
  library: "sessionkit",
  family: mode === "signed" || mode === "encrypted" ? "cookie" : mode,
  env: { SK_MODE: mode },
  ...(mode === "signed" || mode === "encrypted" ? { coldFormat: mode } : {}),
});

const peer = (script: string, label: string, framework: Framework, family: Family): ServerSpec => ({ id: script, label, script, framework, library: "peer", family });

/**
 * The full list, bare first (every ratio needs its bare row).
 *
 * @example
 * for (const spec of SERVERS.filter((s) => s.framework === "fastify")) console.log(spec.label);
 */
export const SERVERS: readonly ServerSpec[] = [
  bare("node"),
  bare("express"),
  bare("fastify"),
  bare("hono"),
  bare("koa"),
  { id: "floor-node-redis", label: "node:http + Redis GET/SET only", script: "floor-node-redis", framework: "node", library: "floor", family: "redis" },
  { id: "floor-node-sqlite", label: "node:http + SQLite SELECT/UPDATE only", script: "floor-node-sqlite", framework: "node", library: "floor", family: "sqlite" },
  sk("node", "signed"),
  sk("node", "encrypted"),
  sk("node", "redis"),
  sk("node", "sqlite"),
  sk("express", "signed"),
  sk("express", "memory"),
  sk("fastify", "signed"),
  sk("fastify", "encrypted"),
  sk("fastify", "memory"),
  sk("fastify", "redis"),
  sk("fastify", "sqlite"),
  sk("hono", "signed"),
  sk("koa", "signed"),
  peer("peer-express-session", "express-session (MemoryStore)", "express", "memory"),
  peer("peer-express-session-redis", "express-session + connect-redis", "express", "redis"),
  peer("peer-cookie-session", "cookie-session", "express", "cookie"),
  peer("peer-iron-session", "iron-session", "node", "cookie"),
  peer("peer-fastify-secure-session", "@fastify/secure-session", "fastify", "cookie"),
  peer("peer-fastify-session", "@fastify/session (memory store)", "fastify", "memory"),
  peer("peer-hono-sessions", "hono-sessions (CookieStore)", "hono", "cookie"),
  peer("peer-koa-session", "koa-session", "koa", "cookie"),
];

/**
 * The `--baseline` twin of a sessionkit row: the same script and settings, id `<id>@base`.
 *
 * @example
 * baselineTwin(sk-node-signed spec, "4a05fee").id; // "sk-node-signed@base"
 */
export function baselineTwin(spec: ServerSpec, commit: string): ServerSpec {
  return { ...spec, id: `${spec.id}@base`, label: `${spec.label} @ ${commit}`, library: "baseline" };
}

/**
 * The scenarios a server is measured on.
 *
 * @example
 * scenariosOf(SERVERS[0]); // ["read", "write"]
 */
export function scenariosOf(spec: ServerSpec): Scenario[] {
  return spec.coldFormat ? ["read", "write", "read-cold"] : ["read", "write"];
}
