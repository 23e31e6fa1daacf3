/**
 * The dependency rules of docs/architecture.md as data, and a checker that
 * applies them to a set of source texts (the real tree, or an in-memory one
 * in the checker's own tests).
 *
 * Every file belongs to a unit (`core`, `stores/redis`, `adapters/express`,
 * `examples/tutorial`…) and every unit to a layer, the folder it lives in.
 * Each layer lists the units, built-ins and packages it may import, and how:
 * `value` (any import), `type` (erased at compile time only), `lazy` (a type,
 * or `import()` at the moment it is needed). Anything not listed is refused,
 * including a file under src/ that belongs to no layer.
 */
import { builtinModules } from "node:module";
import { posix } from "node:path";
import { collectImports, type ImportKind, type ImportRef } from "./imports.js";

export type Layer = "root" | "runtime" | "codec" | "core" | "stores" | "adapters" | "testing" | "cli" | "examples";
export type Mode = "value" | "type" | "lazy";
type Allow = Readonly<Record<string, Mode>>;

/**
 * Node built-ins each layer may import. The codec and core import none: they
 * run on every runtime, and reach the platform only through the `#runtime`
 * seam, whose Node set alone (UNIT_BUILTINS) may use node:crypto and node:zlib.
 */
export const BUILTINS: Readonly<Record<Layer, Allow | "any">> = {
  root: {},
  runtime: {},
  codec: {},
  core: {},
  adapters: { "node:http": "type", "node:tls": "type" },
  stores: "any",
  cli: "any",
  testing: "any",
  examples: "any",
};

/** Built-ins one unit may import beyond its layer's: the Node primitives behind `#runtime`. */
export const UNIT_BUILTINS: Readonly<Record<string, Allow>> = {
  "runtime/node": { "node:crypto": "value", "node:zlib": "value" },
};

/**
 * The runtime seam (package.json `imports`): node.ts on Node, web.ts
 * elsewhere. The layers that may import it run on every runtime.
 */
export const SEAM = "#runtime";
export const SEAM_USERS: readonly Layer[] = ["codec", "core"];

/** A store's driver: only as a type, or loaded with `import()` (the app injects the client). */
export const DRIVERS: Readonly<Record<string, readonly string[]>> = {
  sqlite: ["better-sqlite3"],
  redis: ["redis", "ioredis"],
  postgres: ["pg"],
  mysql: ["mysql2"],
  memcached: ["memcache-client"],
  "flask-session": ["redis", "ioredis"],
};

/**
 * An adapter's framework: types only (the app passes its own instance),
 * except where the framework hands app code no request object and its own
 * module finds the request: Next.js's `cookies()` and `headers()`, loaded
 * with `import()` when first called (never at import, so `sessionkit/next`
 * loads without Next.js installed).
 */
export const FRAMEWORKS: Readonly<Record<string, { packages: readonly string[]; mode: Mode }>> = {
  express: { packages: ["express"], mode: "type" },
  fastify: { packages: ["fastify"], mode: "type" },
  hono: { packages: ["hono"], mode: "type" },
  koa: { packages: ["koa"], mode: "type" },
  next: { packages: ["next"], mode: "lazy" },
  h3: { packages: ["h3"], mode: "type" },
  sveltekit: { packages: ["@sveltejs/kit"], mode: "type" },
  "react-router": { packages: ["react-router"], mode: "type" },
};

/** Units each layer may import. `own` is the importer's unit; `stores/*` any store. */
export const UNITS: Readonly<Record<Layer, Allow>> = {
  root: { core: "value", codec: "value" },
  runtime: { own: "value", "runtime/types": "value" },
  codec: { own: "value", "runtime/types": "value" },
  core: { own: "value", codec: "value", "runtime/types": "value" },
  stores: { own: "value", core: "value", codec: "value", "stores/shared": "value" },
  adapters: { own: "value", core: "value", "adapters/shared": "value" },
  testing: { own: "value", root: "value", core: "value", codec: "value", "stores/memory": "value", "adapters/shared": "type" },
  cli: { own: "value", root: "value", core: "value", codec: "value", "stores/*": "value" },
  examples: { own: "value" },
};

export interface Project {
  /** Repository-relative POSIX path → source text, for every file to check (src/** and examples/**). */
  files: ReadonlyMap<string, string>;
  /** The package's public specifiers (`sessionkit`, `sessionkit/express`, …): all examples may import. */
  publicEntries: readonly string[];
}

export interface Unit {
  layer: Layer;
  name: string;
}

/**
 * The unit a file belongs to, or `undefined` when no rule covers it.
 *
 * @example
 * unitOf("src/stores/file/lock.ts"); // { layer: "stores", name: "stores/file" }
 */
export function unitOf(path: string): Unit | undefined {
  if (path === "src/index.ts") return { layer: "root", name: "root" };
  const parts = path.split("/");
  if (parts[0] === "examples" && parts.length > 2) return { layer: "examples", name: `examples/${parts[1]}` };
  if (parts[0] !== "src" || parts.length < 3) return undefined;
  const folder = parts[1]!;
  const stem = parts[2]!.replace(/\.[cm]?tsx?$/, "");
  switch (folder) {
    case "runtime":
      // node.ts and its helpers (node-*.ts) are the Node set; types.ts is the contract; the rest is the Web set.
      return { layer: "runtime", name: stem === "types" ? "runtime/types" : stem.startsWith("node") ? "runtime/node" : "runtime/web" };
    case "codec":
    case "core":
    case "testing":
    case "cli":
      return { layer: folder, name: folder };
    case "stores":
      return { layer: "stores", name: `stores/${stem}` };
    case "adapters":
      // shared.ts and the response hold (hold-*.ts) are what several adapters share.
      return { layer: "adapters", name: stem === "shared" || stem.startsWith("hold-") ? "adapters/shared" : `adapters/${stem}` };
    default:
      return undefined;
  }
}

type Target =
  | { type: "file"; path: string }
  | { type: "builtin"; name: string }
  | { type: "package"; name: string; specifier: string }
  | { type: "seam" }
  | { type: "computed" };

/** Where a specifier written in `from` points. Relative specifiers use the `.js` → `.ts` mapping of NodeNext. */
export function resolveTarget(from: string, specifier: string | undefined, files: ReadonlyMap<string, string>): Target {
  if (specifier === undefined) return { type: "computed" };
  if (specifier === SEAM) return { type: "seam" };
  if (specifier.startsWith(".") || specifier.startsWith("/")) {
    const joined = posix.normalize(specifier.startsWith("/") ? specifier.slice(1) : posix.join(posix.dirname(from), specifier));
    const candidates = [joined, joined.replace(/\.js$/, ".ts"), joined.replace(/\.mjs$/, ".mts"), joined.replace(/\.cjs$/, ".cts"), `${joined}.ts`, `${joined}/index.ts`];
    return { type: "file", path: candidates.find((c) => files.has(c)) ?? joined.replace(/\.js$/, ".ts") };
  }
  const bare = specifier.replace(/^node:/, "");
  if (specifier.startsWith("node:") || builtinModules.includes(bare)) return { type: "builtin", name: `node:${bare}` };
  const segments = specifier.split("/");
  const name = specifier.startsWith("@") ? segments.slice(0, 2).join("/") : segments[0]!;
  return { type: "package", name, specifier };
}

/** Does an import of this kind satisfy a mode? */
function fits(kind: ImportKind, mode: Mode): boolean {
  if (mode === "value") return true;
  if (mode === "type") return kind === "type";
  return kind === "type" || kind === "dynamic";
}

const MODE_WORDS: Record<Mode, string> = { value: "", type: " only as a type", lazy: " only as a type or with import()" };

/** The verdict on one import: `undefined` when allowed, else why not. */
function judge(from: Unit, ref: ImportRef, target: Target, publicEntries: readonly string[]): string | undefined {
  switch (target.type) {
    case "computed":
      return "a computed specifier cannot be checked; import a string literal";
    case "seam":
      return SEAM_USERS.includes(from.layer) ? undefined : `${from.layer} may not import ${SEAM} (only ${SEAM_USERS.join(" and ")} use the runtime seam)`;
    case "builtin": {
      const allow = BUILTINS[from.layer];
      const mode = allow === "any" ? "value" : (UNIT_BUILTINS[from.name]?.[target.name] ?? allow[target.name]);
      if (mode === undefined) return `${from.layer} may not import the built-in ${target.name} (see BUILTINS)`;
      return fits(ref.kind, mode) ? undefined : `${from.layer} may import ${target.name}${MODE_WORDS[mode]}`;
    }
    case "package":
      return judgePackage(from, ref.kind, target, publicEntries);
    case "file": {
      const to = unitOf(target.path);
      if (from.layer === "examples" && to?.name !== from.name) {
        return `an example imports sessionkit by its public entry points (sessionkit, sessionkit/…), never ${target.path}`;
      }
      if (!to) return `${target.path} is outside every layer ${from.layer} may import`;
      const allow = UNITS[from.layer];
      const mode = to.name === from.name ? allow.own : (allow[to.name] ?? (to.layer === "stores" && to.name !== "stores/shared" ? allow["stores/*"] : undefined));
      if (mode === undefined) return `${from.name} may not import ${to.name} (${target.path})`;
      return fits(ref.kind, mode) ? undefined : `${from.name} may import ${to.name}${MODE_WORDS[mode]}`;
    }
  }
}

function judgePackage(from: Unit, kind: ImportKind, target: { name: string; specifier: string }, publicEntries: readonly string[]): string | undefined {
  if (from.layer === "examples") {
    if (target.name !== "sessionkit" || publicEntries.includes(target.specifier)) return undefined;
    return `${target.specifier} is not a public entry point; import one of package.json's exports`;
  }
  const short = from.name.split("/")[1] ?? "";
  const own =
    from.layer === "stores"
      ? DRIVERS[short]
      : from.layer === "adapters"
        ? FRAMEWORKS[short]?.packages
        : from.layer === "cli"
          ? Object.values(DRIVERS).flat()
          : undefined;
  const mode: Mode = from.layer === "adapters" ? (FRAMEWORKS[short]?.mode ?? "type") : "lazy";
  if (!own?.includes(target.name)) return `${from.name} may not import the package ${target.name}`;
  return fits(kind, mode) ? undefined : `${from.name} may import ${target.name}${MODE_WORDS[mode]}`;
}

/**
 * Every import that breaks a rule, and every import cycle under src/, as
 * messages naming the file, the line and the import.
 *
 * @example
 * checkBoundaries({ files: new Map([["src/core/a.ts", `import "../stores/redis.js";`]]), publicEntries: [] });
 * // ['src/core/a.ts:1 imports "../stores/redis.js" (side-effect): core may not import stores/redis (src/stores/redis.ts)']
 */
export function checkBoundaries(project: Project): string[] {
  const problems: string[] = [];
  const graph = new Map<string, Set<string>>();
  for (const [path, text] of project.files) {
    const from = unitOf(path);
    if (!from) {
      problems.push(`${path} belongs to no layer: give its folder a rule in test/helpers/boundaries.ts`);
      continue;
    }
    const edges = new Set<string>();
    graph.set(path, edges);
    for (const ref of collectImports(path, text)) {
      const target = resolveTarget(path, ref.specifier, project.files);
      if (target.type === "file" && project.files.has(target.path)) edges.add(target.path);
      const why = judge(from, ref, target, project.publicEntries);
      const written = ref.specifier === undefined ? "a computed module" : JSON.stringify(ref.specifier);
      if (why) problems.push(`${path}:${ref.line} imports ${written} (${ref.kind}): ${why}`);
    }
  }
  const srcOnly = new Map([...graph].filter(([path]) => path.startsWith("src/")));
  for (const cycle of findCycles(srcOnly)) problems.push(`import cycle: ${cycle.join(" → ")}`);
  return problems;
}

/**
 * The shortest cycle through each file that lies on one, each listed once
 * (starting at its smallest path, and ending where it starts).
 *
 * @example
 * findCycles(new Map([["a", new Set(["b"])], ["b", new Set(["a"])]])); // [["a", "b", "a"]]
 */
export function findCycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const seen = new Set<string>();
  const cycles: string[][] = [];
  for (const start of [...graph.keys()].sort()) {
    const path = shortestPathBack(graph, start);
    if (!path) continue;
    const smallest = path.indexOf([...path].sort()[0]!);
    const rotated = [...path.slice(smallest), ...path.slice(0, smallest)];
    const key = rotated.join("\n");
    if (seen.has(key)) continue;
    seen.add(key);
    cycles.push([...rotated, rotated[0]!]);
  }
  return cycles;
}

/** Breadth-first from `start` back to it: the files of the shortest cycle, without the repeated start. */
function shortestPathBack(graph: ReadonlyMap<string, ReadonlySet<string>>, start: string): string[] | undefined {
  const parent = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(parent.get(path[0]!)!);
        return path;
      }
      if (parent.has(next) || next === start) continue;
      parent.set(next, node);
      queue.push(next);
    }
  }
  return undefined;
}
