/**
 * `decode` and `verify` on a session cut into chunks (`cookie.maxChunks`):
 * the chunks made by a real app, given as a Cookie header or as values, are
 * joined as the server joins them, and every answer is checked against what
 * the server itself loads from the same header.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { createSessions } from "sessionkit";
import { cliInProcess, cliProcess } from "./run-cli.js";

const SECRET = "cli-chunks-test-secret-0123456789abcdef";
const ENV = { SECRET_KEY: SECRET };

/** A real app's chunked cookies for `data`: the Set-Cookie pairs, in order. */
async function chunkedCookies(data: Record<string, string>, maxChunks = 3): Promise<Array<[string, string]>> {
  const sessions = createSessions({ secret: SECRET, cookie: { maxChunks } });
  const session = await sessions.load(undefined);
  for (const [key, value] of Object.entries(data)) session.set(key, value);
  const { setCookie } = await sessions.commit(session);
  return setCookie.map((line) => {
    const pair = line.slice(0, line.indexOf(";"));
    return [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
  });
}

/** What the server loads from a Cookie header, with the app's `maxChunks`. */
async function serverReads(header: string, maxChunks = 3): Promise<Record<string, unknown> | undefined> {
  const session = await createSessions({ secret: SECRET, cookie: { maxChunks } }).load(header);
  return session.isNew ? undefined : { ...session.toJSON() };
}

/** The `payload:` line of a run, parsed. */
const payloadOf = (out: string): unknown => JSON.parse(/^payload: (.*)$/m.exec(out)?.[1] ?? "null");

// Incompressible, so the session really needs three cookies.
const DATA = { blob: randomBytes(6_000).toString("base64url"), user: "Tom" };
const cookies = await chunkedCookies(DATA);
const header = cookies.map(([name, value]) => `${name}=${value}`).join("; ");
const values = cookies.map(([, value]) => value);

describe("a chunked session, through the real binary", () => {
  test("the app really wrote session.0 to session.2, and the server loads the data back", async () => {
    assert.deepEqual(cookies.map(([name]) => name), ["session.0", "session.1", "session.2"]);
    assert.deepEqual(await serverReads(header), DATA);
  });

  test("verify '<Cookie header>' joins the chunks as the server does: valid, with the server's data", async () => {
    const run = await cliProcess(["verify", `Cookie: theme=dark; ${header}; lang=fr`], ENV);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^cookie: session\.0 to session\.2 joined \(3 chunks\), as the server reads them\nvalid \(signed; signed at /);
    assert.deepEqual(payloadOf(run.out), await serverReads(`theme=dark; ${header}; lang=fr`));
  });

  test("decode '<Cookie header>' shows the joined payload, unverified", async () => {
    const run = await cliProcess(["decode", header]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /UNVERIFIED/);
    assert.deepEqual(payloadOf(run.out), DATA);
  });

  test("the chunks' values, in order, verify; out of order, they are refused like any altered cookie", async () => {
    const inOrder = await cliProcess(["verify", ...values], ENV);
    assert.equal(inOrder.code, 0, inOrder.err);
    assert.match(inOrder.out, /^joined 3 chunk values, in the order given\n/);
    assert.deepEqual(payloadOf(inOrder.out), DATA);
    const swapped = await cliInProcess(["verify", values[1]!, values[0]!, values[2]!], ENV);
    assert.equal(swapped.code, 1, swapped.out);
    assert.match(swapped.out, /bad signature/);
  });

  test("no answer prints a chunk's value or the secret", async () => {
    const runs = [
      await cliInProcess(["verify", header], ENV),
      await cliInProcess(["verify", values[1]!, values[0]!], ENV),
      await cliInProcess(["decode", `session.1=${values[1]}`]),
    ];
    for (const run of runs) {
      const text = `${run.out}${run.err}`;
      assert.ok(!text.includes(SECRET));
      for (const value of values) assert.ok(!text.includes(value.slice(0, 40)), "a chunk's value is printed");
    }
  });
});

describe("the header is read exactly as the server reads it", () => {
  test("a stale plain cookie beside the chunks: the chunks win, on the server and in the CLI", async () => {
    const [, old] = (await chunkedCookies({ user: "Old" }, 1))[0]!;
    const both = `session=${old}; ${header}`;
    assert.deepEqual(await serverReads(both), DATA);
    const run = await cliInProcess(["verify", both], ENV);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /also carries a plain session cookie: the server reads the chunks/);
    assert.deepEqual(payloadOf(run.out), DATA);
  });

  test("a gap (no session.0): the server starts a fresh session, and the CLI finds no cookie (exit 1)", async () => {
    const gap = cookies.slice(1).map(([name, value]) => `${name}=${value}`).join("; ");
    assert.equal(await serverReads(gap), undefined);
    const run = await cliInProcess(["decode", gap]);
    assert.equal(run.code, 1);
    assert.match(run.err, /carries no session cookie and no chunk session\.0 the server would read/);
  });

  test("--max-chunks is the app's cookie.maxChunks: with 2, the third chunk is not read, and the value fails as on the server", async () => {
    assert.equal(await serverReads(header, 2), undefined);
    const run = await cliInProcess(["verify", header, "--max-chunks", "2"], ENV);
    assert.equal(run.code, 1, run.out);
    assert.match(run.out, /^cookie: session\.0 to session\.1 joined \(2 chunks\)/);
    assert.match(run.out, /chunks up to session\.2 came, but only session\.0 to session\.1 are read/);
    assert.equal((await cliInProcess(["verify", header, "--max-chunks", "4"], ENV)).code, 64);
  });

  test("--cookie-name picks the app's cookie, and binds the MAC to it", async () => {
    const sessions = createSessions({ secret: SECRET, cookie: { name: "sid", maxChunks: 3 } });
    const session = await sessions.load(undefined);
    session.set("blob", DATA.blob);
    const { setCookie } = await sessions.commit(session);
    const sid = setCookie.map((line) => line.slice(0, line.indexOf(";"))).join("; ");
    assert.equal((await cliInProcess(["verify", sid, "--cookie-name", "sid"], ENV)).code, 0);
    assert.equal((await cliInProcess(["verify", sid], ENV)).code, 1, "no session cookie in it");
  });

  test("a repeated chunk: the first is read, as on the server, and the duplicate is reported", async () => {
    const doubled = `${header}; session.0=${values[1]}`;
    assert.deepEqual(await serverReads(doubled), DATA);
    const run = await cliInProcess(["verify", doubled], ENV);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /appears 2 times: the server reads the first/);
  });
});
