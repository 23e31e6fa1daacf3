/**
 * Profile one benchmark server under load and print where its CPU goes:
 * `node --conditions=source --import tsx bench/profile.ts sk-node-signed read [seconds]`.
 *
 * Starts the bundled server with `--cpu-prof`, drives one scenario with the
 * same load generator as `npm run bench`, stops it, and prints the top
 * functions by self time (the .cpuprofile stays in a temp folder for Chrome
 * DevTools). It is how a missed target is explained.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundle } from "./build.js";
import { detectPinning, startLoadGenerator } from "./processes.js";
import { SERVERS } from "./registry.js";
import { checkServer } from "./sanity.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const [id, scenario = "read", secondsArg = "5"] = process.argv.slice(2);
const spec = SERVERS.find((s) => s.id === id);
if (!spec) throw new Error(`unknown server id ${id}; one of ${SERVERS.map((s) => s.id).join(", ")}`);
const pin = detectPinning();
const file = (await bundle([`bench/servers/${spec.script}.ts`])).get(spec.script);
const loadFile = (await bundle(["bench/loadgen.ts"])).get("loadgen");
if (!file || !loadFile) throw new Error("bundle failed");
const dir = mkdtempSync(join(tmpdir(), "sessionkit-prof-"));
const sqliteFile = join(dir, "s.db");
const child = spawn(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, file], {
  env: { ...process.env, ...spec.env, PORT: "0", NODE_ENV: "production", BENCH_PREFIX: `bench:prof:${process.pid}:`, BENCH_SQLITE_FILE: sqliteFile },
  stdio: ["ignore", "pipe", "inherit"],
});
const port = await new Promise<number>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("server did not start")), 20_000);
  child.stdout?.setEncoding("utf8").once("data", (line: string) => {
    clearTimeout(timer);
    resolve(Number(/ready (\d+)/.exec(line)?.[1]));
  });
});
const baseUrl = `http://127.0.0.1:${port}`;
const verdict = await checkServer({ baseUrl, kind: "bare" === spec.library ? "bare" : "session", family: spec.family === "cookie" ? "cookie" : "store", probe: { name: "none", snapshot: async () => ({ entries: new Map() }) } });
const load = await startLoadGenerator(loadFile, pin);
const result = await load.run({ url: baseUrl, path: `/${scenario}`, cookieHeader: verdict.cookieHeader, durationSec: Number(secondsArg), connections: 16 });
await load.stop();
await new Promise((resolve) => {
  child.once("exit", resolve);
  child.kill("SIGTERM");
});
const profileFile = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
if (!profileFile) throw new Error("no profile written");
const profile = JSON.parse(readFileSync(join(dir, profileFile), "utf8")) as { nodes: ProfileNode[]; samples: number[] };
const byFunction = new Map<string, number>();
const hits = new Map<number, number>();
for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
for (const node of profile.nodes) {
  const frame = node.callFrame;
  const where = frame.url ? `${frame.url.split("/").slice(-2).join("/")}:${frame.lineNumber + 1}` : "";
  const key = `${frame.functionName || "(anonymous)"} ${where}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + (hits.get(node.id) ?? 0));
}
const total = profile.samples.length;
console.log(`${id} /${scenario}: ${result.requests} requests in ${result.durationSec} s; profile ${join(dir, profileFile)}`);
for (const [key, n] of [...byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${key}`);
