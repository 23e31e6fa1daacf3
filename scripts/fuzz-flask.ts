/**
 * `npm run fuzz:flask` (also run by `npm run fuzz`): the Flask differential
 * harness of test/flask-diff at scale. 100,000 cookie-session scripts against
 * real Flask 3.1.3 (FUZZ_FLASK_SCRIPTS to change), then 10,000 server-side
 * scripts against real Flask-Session 0.8 on the local Redis
 * (FUZZ_FLASK_SERVER_SCRIPTS; skipped, loudly, without Redis or the venv).
 * A fresh seed is printed so that a failure can be replayed
 * (FUZZ_SEED=… npm run fuzz:flask); a difference prints the shrunk script.
 *
 * Run with the source condition and tsx (the npm script does):
 *   node --conditions=source --import tsx scripts/fuzz-flask.ts
 */
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import fc from "fast-check";
import { FlaskSessionRedisStore } from "../src/stores/flask-session.js";
import { flaskUnavailable } from "../test/helpers/flask-app.js";
import { flaskVenv } from "../test/helpers/flask-venv.js";
import { AGREED, checkScript, scriptArb } from "../test/flask-diff/cookie-script.js";
import { startPeer } from "../test/flask-diff/peer.js";
import { SERVER_AGREED, checkServerScript, serverScriptArb } from "../test/flask-diff/server-script.js";

const cookieRuns = Number(process.env.FUZZ_FLASK_SCRIPTS ?? 100_000);
const serverRuns = Number(process.env.FUZZ_FLASK_SERVER_SCRIPTS ?? 10_000);
const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
const root = new URL("../", import.meta.url).pathname;

/** Run one harness property; counts scripts and requests, reports progress, exits 1 on a difference. */
async function run<S extends { steps: unknown[] }>(name: string, runs: number, arb: fc.Arbitrary<S>, check: (script: S) => Promise<unknown>): Promise<void> {
  let scripts = 0;
  let requests = 0;
  const started = Date.now();
  const property = fc.asyncProperty(arb, async (script) => {
    await check(script);
    scripts += 1;
    requests += script.steps.length;
    if (scripts % 10_000 === 0) console.log(`fuzz:flask: ${name}: ${scripts.toLocaleString("en")} scripts, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });
  try {
    await fc.assert(property, { numRuns: runs, seed, endOnFailure: true });
  } catch (error) {
    console.error(`fuzz:flask: ${name}: DIFFERENCE after ${scripts.toLocaleString("en")} scripts (seed ${seed})`);
    console.error((error as Error).message);
    const cause = (error as Error).cause;
    if (cause instanceof Error) console.error(cause.message);
    process.exit(1);
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`fuzz:flask: ${name}: ${scripts.toLocaleString("en")} scripts, ${requests.toLocaleString("en")} requests, ${seconds.toFixed(1)} s, no difference`);
}

console.log(`fuzz:flask: seed ${seed}`);
const noFlask = flaskUnavailable();
if (noFlask) {
  console.error(`fuzz:flask: cannot run the cookie harness: ${noFlask}`);
  process.exit(1);
}
const peer = await startPeer("python3", [`${root}scripts/flask/diff_peer.py`]);
await run("cookie sessions vs Flask 3.1.3", cookieRuns, scriptArb(AGREED), (script) => checkScript(peer, script));
await peer.stop();

if (serverRuns === 0) process.exit(0);
const venv = await flaskVenv();
const client = createClient({ url: "redis://127.0.0.1:6379", socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
client.on("error", () => {});
const redisUp = await client.connect().then(
  () => true,
  () => false,
);
if (venv.skip || !redisUp) {
  console.error(`\n!!! fuzz:flask: SKIPPING the server-side harness: ${venv.skip ?? "Redis at 127.0.0.1:6379 is not reachable"}\n`);
} else {
  const base = `sk-fuzz:flaskdiff:${process.pid}:${randomBytes(4).toString("hex")}:`;
  const store = new FlaskSessionRedisStore({ client, keyPrefix: `${base}session:`, metaPrefix: `${base}meta:` });
  const sessionPeer = await startPeer(venv.python!, [`${root}scripts/flask/diff_session_peer.py`, "--redis-port", "6379"]);
  try {
    await run("server-side vs Flask-Session 0.8", serverRuns, serverScriptArb(`${base}session:`, SERVER_AGREED), (script) => checkServerScript(sessionPeer, store, script));
  } finally {
    await sessionPeer.stop();
    for await (const keys of client.scanIterator({ MATCH: `${base}*`, COUNT: 1000 })) if (keys.length > 0) await client.del(keys);
  }
}
client.destroy();
