/**
 * `npm run bench:micro`: the cost of each step of sessionkit's hot path
 * beside the floors the machine sets (one HMAC, one hash, 32 random bytes),
 * so that a regression shows which step it is in. Writes the "micro" section
 * of `bench/RESULTS.md`.
 *
 * Each step runs in batches for about `MICRO_MS` (default 300) ms in total;
 * the table shows the median batch's ns per call. Run it pinned to one core
 * (`taskset -c 0`) on a quiet machine for steady numbers.
 *
 * With `--baseline=<git ref>`, runs bench/micro-ab.ts instead: every step
 * on the current tree and on the ref's, interleaved, printed only.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import { cpus } from "node:os";
import { join } from "node:path";
import { createSessions } from "sessionkit";
import { EncryptedBox, TimestampSigner, decodePayload, dumps, encodePayload } from "sessionkit/codec";
import { findCookie } from "../src/core/cookie-header.js";
import { CookieWriter } from "../src/core/set-cookie.js";
import { baselineArg } from "./baseline.js";
import { ROOT } from "./build.js";
import { writeSection } from "./report.js";
import { median } from "./stats.js";
import { SECRET } from "./servers/shared.js";

// `--baseline=<ref>`: each step A/B against an older commit instead (micro-ab.ts), printed only.
if (baselineArg(process.argv) ?? process.env.npm_config_baseline) {
  await import("./micro-ab.js");
  process.exit();
}

const budgetMs = Number(process.env.MICRO_MS ?? 300);
let sink: unknown;

/** ns per call of `fn`: the median of 7 batches sized to fill the time budget. */
function measure(fn: () => unknown): number {
  // Calibrate: grow the batch until one takes ~1/10 of a batch slot (bounded at 2^24 calls).
  let batch = 16;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink = fn();
    const ns = Number(process.hrtime.bigint() - t0);
    if (ns > (budgetMs * 1e6) / 70 || batch >= 1 << 24) break;
    batch *= 2;
  }
  const perCall: number[] = [];
  for (let b = 0; b < 7; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink = fn();
    perCall.push(Number(process.hrtime.bigint() - t0) / batch);
  }
  return median(perCall);
}

/** Same, for steps that return a promise (the manager's load and commit). */
async function measureAsync(fn: () => Promise<unknown>, calls = 20_000): Promise<number> {
  for (let i = 0; i < 2_000; i++) sink = await fn();
  const perCall: number[] = [];
  for (let b = 0; b < 5; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls / 5; i++) sink = await fn();
    perCall.push(Number(process.hrtime.bigint() - t0) / (calls / 5));
  }
  return median(perCall);
}

const data = Object.assign(Object.create(null) as Record<string, unknown>, { user: "alice", n: 42 });
const key32 = Buffer.from(SECRET.slice(0, 32));
const signer = new TimestampSigner({ secrets: [SECRET], salt: "cookie-session", digest: "sha256" });
const payload = encodePayload(dumps(data), 256);
const cookieValue = signer.sign(payload);
const header = `_ga=GA1.2.3.4; theme=dark; session=${cookieValue}; csrftoken=abcdef0123456789`;
const box = new EncryptedBox({ secrets: [SECRET], purpose: "cookie-session" });
const sealed = box.seal(dumps(data));
const writer = new CookieWriter({ name: "session", path: "/", domain: undefined, httpOnly: true, secure: "auto", sameSite: "Lax", partitioned: false, maxBytes: 4093, maxChunks: 1 }, 2_678_400);

const rows: [string, string, number][] = [];
const add = (group: string, step: string, ns: number): void => {
  rows.push([group, step, ns]);
  process.stderr.write(`${group.padEnd(10)} ${step.padEnd(58)} ${(ns / 1000).toFixed(2)} µs\n`);
};

add("floor", "createHmac('sha256', 32-byte key) over 60 bytes, digest", measure(() => createHmac("sha256", key32).update(payload).digest()));
add("floor", "createHash('sha256') over 43 bytes, digest", measure(() => createHash("sha256").update(cookieValue.slice(0, 43)).digest()));
add("floor", "randomBytes(32)", measure(() => randomBytes(32)));
add("floor", "JSON.stringify + base64url of the session", measure(() => Buffer.from(JSON.stringify({ user: "alice", n: 42 })).toString("base64url")));
add("step", "parse: find the session cookie in a 4-cookie header", measure(() => findCookie(header, "session")));
// R32 in time (test/security/cookie-header-cost.test.ts counts the work instead): 16 KB, Node's header limit.
add("step", "parse: find it in a 16 KB hostile header (R32: the name repeated)", measure(() => findCookie("session ".repeat(2_048), "session")));
add("step", "verify: TimestampSigner.unsign (HMAC-SHA256)", measure(() => signer.unsign(cookieValue, { maxAgeSeconds: 2_678_400 })));
add("step", "decode: payload → data (base64url + tagged JSON)", measure(() => decodePayload(payload)));
add("step", "encode: data → payload (tagged JSON + base64url)", measure(() => encodePayload(dumps(data), 256)));
add("step", "sign: TimestampSigner.sign (HMAC-SHA256)", measure(() => signer.sign(payload)));
add("step", "encrypted: seal (AES-256-GCM)", measure(() => box.seal(dumps(data))));
add("step", "encrypted: open", measure(() => box.open(sealed, { maxAgeSeconds: 2_678_400 })));
add("step", "Set-Cookie: serialize from the precomputed template", measure(() => writer.set(cookieValue, false, 0, false)));

for (const format of ["signed", "encrypted"] as const) {
  const sessions = createSessions<{ user?: string; n?: number }>({ secret: SECRET, format });
  const first = await sessions.load(undefined, { secure: false });
  first.set("user", "alice");
  first.set("n", 0);
  const cookie = ((await sessions.commit(first, { status: 200 })).setCookie)[0]?.split(";", 1)[0] ?? "";
  add("manager", `${format}: load, warm (cookie already verified) + commit, no change`, await measureAsync(async () => sessions.commit(await sessions.load(cookie, { secure: false }), { status: 200 })));
  let n = 0;
  add(
    "manager",
    `${format}: load, warm + set n + commit (a write)`,
    await measureAsync(async () => {
      const s = await sessions.load(cookie, { secure: false });
      s.set("n", ++n);
      return sessions.commit(s, { status: 200 });
    }),
  );
}
{
  const sessions = createSessions({ secret: SECRET });
  const hostile = "session=" + "\u00ff\u00fe\u00c3\u0028".repeat(4_094); // 16 KB of non-UTF-8 bytes: the most work per character of a load
  add("manager", "signed: load of a 16 KB hostile Cookie header (R32: a fresh session)", await measureAsync(() => sessions.load(hostile, { secure: false }), 2_000));
}
if (sink === Symbol.for("never")) process.stderr.write("\n"); // keep `sink` observable so no call is optimized away

const table = [
  "## Hot path, step by step (`npm run bench:micro`)",
  "",
  `${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${cpus()[0]?.model ?? "unknown CPU"}. Median of 7 batches, µs per call.`,
  "",
  "| kind | step | µs per call |",
  "|---|---|---|",
  ...rows.map(([group, step, ns]) => `| ${group} | ${step} | ${(ns / 1000).toFixed(2)} |`),
].join("\n");
writeSection(join(ROOT, "bench", "RESULTS.md"), "micro", table);
process.stderr.write("wrote the micro section of bench/RESULTS.md\n");
