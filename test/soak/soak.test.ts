/**
 * The CI version of `npm run soak`: 60 seconds (SOAK_SECONDS to change) of
 * mixed load against the tutorial on the machine's Redis. Zero errors, what
 * the tutorial holds after a full collection growing under 10% after
 * warm-up (RSS under 50%: it follows the collector's sawtooth), and the
 * tutorial still alive.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createClient } from "redis";
import { probeService, serviceUnavailable } from "../../src/testing/index.js";

const seconds = Number(process.env.SOAK_SECONDS ?? 60);
const probe = createClient({ url: "redis://127.0.0.1:6379", socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
probe.on("error", () => {});
const skip = await probeService("Redis at 127.0.0.1:6379", async () => {
  await probe.connect();
  await probe.ping();
});
if (probe.isOpen) probe.destroy();

if (skip) {
  serviceUnavailable("soak", skip);
} else {
  it(`soak: ${seconds} s of mixed load on the tutorial (Redis) with zero errors and retained memory growing under 10% after warm-up`, { timeout: (seconds + 120) * 1000 }, async () => {
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "scripts/soak.ts"], {
      env: { ...process.env, SOAK_SECONDS: String(seconds) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => void (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => void (err += c.toString()));
    const killer = setTimeout(() => child.kill("SIGKILL"), (seconds + 110) * 1000);
    // "close", not "exit": only then has the result line been read (on a loaded machine "exit" can come first).
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    clearTimeout(killer);
    const line = out.split("\n").find((l) => l.startsWith("SOAK_RESULT "));
    assert.ok(line, `no result line; stderr: ${err.slice(-2_000)}`);
    const result = JSON.parse(line.slice("SOAK_RESULT ".length)) as Record<string, number | boolean>;
    assert.ok((result.requests as number) > seconds * 10, `only ${result.requests} requests`);
    assert.equal(result.errors, 0);
    assert.equal(result.timeouts, 0);
    assert.equal(result.status4xx, 0);
    assert.equal(result.status5xx, 0);
    assert.ok((result.status3xx as number) > 0, "the login/logout redirects ran");
    assert.ok((result.retainedGrowth as number) < 0.1, `retained memory after a full collection grew ${(result.retainedGrowth as number) * 100}% (${result.retainedWarmKb} → ${result.retainedEndKb} KiB)`);
    assert.ok((result.rssGrowth as number) < 0.5, `RSS grew ${(result.rssGrowth as number) * 100}%`);
    assert.equal(result.ok, true);
    assert.equal(code, 0, err.slice(-2_000));
  });
}
