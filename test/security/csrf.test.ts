/**
 * CSRF protection on the wire, on all six adapters (R79), in cookie mode
 * (signed, flask, encrypted) and in store mode: each adapter's own
 * `csrfProtection`, mounted the framework's way (test/helpers/security-apps.ts),
 * against generated requests. For every request fast-check draws (method,
 * Origin, Sec-Fetch-Site, a visitor with a CSRF secret, a session without
 * one or no session, a token of any kind in the header, the form or both,
 * `allowMissingOrigin` on or off) the status must be the rule's
 * (test/helpers/csrf-model.ts): 403 and the handler not run for a refusal,
 * the handler's 200 otherwise. A second test runs a login → form → logout
 * story with every framework's error logging on and greps everything said
 * for the tokens and the secret.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { sessionInternals } from "../../src/core/session.js";
import { RESERVED_KEYS, createSessions, type SessionManager, type SessionOptions } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { expectedVerdict, type CsrfCase, type TokenKind } from "../helpers/csrf-model.js";
import { ADAPTERS, SECRET, cookieOf, startApp, type AppHandler, type TestApp, type WireResponse } from "../helpers/security-server.js";

const PARTNER = "https://partner.test";
const RUNS = Number(process.env.CSRF_RUNS ?? 40);

const MODES: [string, () => SessionOptions][] = [
  ["cookie, signed", () => ({ secret: SECRET })],
  ["cookie, flask", () => ({ secret: SECRET, format: "flask" })],
  ["cookie, encrypted", () => ({ secret: SECRET, format: "encrypted" })],
  ["store", () => ({ secret: SECRET, store: new MemoryStore() })],
];

/** The app: `/token` gives a token, `/plain` starts a session without a secret, anything else is the protected action. */
function app(): { handler: AppHandler; ran: () => number } {
  let ran = 0;
  const handler: AppHandler = ({ session, path }) => {
    if (path === "/token") return session.csrfToken();
    if (path === "/plain") {
      session.set("plain", true);
      return "plain";
    }
    ran += 1;
    session.set("acted", ran);
    return "ran";
  };
  return { handler, ran: () => ran };
}

/** A visitor whose session has a CSRF secret, with three tokens of it. */
async function visitorWithSecret(target: TestApp): Promise<{ cookie: string; tokens: string[] }> {
  const first = await target.get("/token");
  const cookie = cookieOf(first)!;
  assert.ok(cookie, "a token page starts the session");
  const tokens = [first.body];
  for (let i = 0; i < 2; i++) tokens.push((await target.get("/token", { cookie })).body);
  assert.equal(new Set(tokens).size, 3, "a fresh mask per token");
  return { cookie, tokens };
}

type OriginKind = "absent" | "own" | "own, upper case" | "allowed partner" | "other site" | "localhost" | "other port" | "null" | "empty";

/** One generated request; the Origin is named by kind, made concrete per server (its port). */
interface WireCase extends Omit<CsrfCase, "origin" | "allowMissingOrigin"> {
  originKind: OriginKind;
  /** Without a secret: no session at all, or a session that never asked for a token. */
  noSecretVisitor: "none" | "plain";
  lenient: boolean;
}

const tokenKind = fc.constantFrom<TokenKind>("absent", "empty", "valid", "other session", "truncated", "garbage", "twice", "number");
const wireCase: fc.Arbitrary<WireCase> = fc.record({
  method: fc.constantFrom("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "PROPFIND"),
  originKind: fc.constantFrom<OriginKind>("absent", "own", "own, upper case", "allowed partner", "other site", "localhost", "other port", "null", "empty"),
  secFetchSite: fc.constantFrom(undefined, "same-origin", "same-site", "cross-site", "none"),
  hasSecret: fc.boolean(),
  noSecretVisitor: fc.constantFrom<"none" | "plain">("none", "plain"),
  header: tokenKind,
  form: tokenKind,
  lenient: fc.boolean(),
});

function originOf(kind: OriginKind, port: number): string | undefined {
  const own = `http://127.0.0.1:${port}`;
  const origins: Record<OriginKind, string | undefined> = {
    absent: undefined,
    own,
    "own, upper case": own.toUpperCase(),
    "allowed partner": PARTNER,
    "other site": "https://evil.test",
    localhost: `http://localhost:${port}`,
    "other port": `http://127.0.0.1:${port + 1}`,
    null: "null",
    empty: "",
  };
  return origins[kind];
}

/** The wire value of a token kind (a list is sent as two header lines or two form fields). */
function tokenValue(kind: TokenKind, mine: string[], theirs: string): string | string[] | undefined {
  switch (kind) {
    case "absent":
      return undefined;
    case "empty":
      return "";
    case "valid":
      return mine[0]!;
    case "other session":
      return theirs;
    case "truncated":
      return mine[1]!.slice(0, 60);
    case "garbage":
      return "x".repeat(86);
    case "twice":
      return [mine[1]!, mine[2]!];
    case "number":
      return "42";
  }
}

async function send(target: TestApp, c: CsrfCase, cookie: string | undefined, mine: string[], theirs: string): Promise<WireResponse> {
  const headers: Record<string, string> = {};
  if (c.origin !== undefined) headers.origin = c.origin;
  if (c.secFetchSite !== undefined) headers["sec-fetch-site"] = c.secFetchSite;
  const header = tokenValue(c.header, mine, theirs);
  if (header !== undefined) (headers as Record<string, string | string[]>)["x-csrf-token"] = header;
  const form = tokenValue(c.form, mine, theirs);
  let body: string | undefined;
  if (!["GET", "HEAD", "OPTIONS"].includes(c.method)) {
    const params = new URLSearchParams({ note: "hello" });
    for (const value of form === undefined ? [] : [form].flat()) params.append("csrf_token", value);
    body = params.toString();
    headers["content-type"] = "application/x-www-form-urlencoded";
    headers["content-length"] = String(Buffer.byteLength(body));
  }
  return target.get("/act", { method: c.method, headers, body, ...(cookie ? { cookie } : {}) });
}

for (const adapter of ADAPTERS) {
  for (const [label, options] of MODES) {
    describe(`CSRF on the wire (${label}) [${adapter}]`, () => {
      it(`R81 generated cross-site, forged, absent, truncated and other-session requests are refused with 403 and same-site ones with a valid token pass (${label}) [${adapter}]`, async () => {
        const sessions = createSessions(options());
        const strict = app();
        const lenient = app();
        const apps = {
          strict: await startApp(sessions, strict.handler, { adapter, csrf: { allowedOrigins: [PARTNER] } }),
          lenient: await startApp(sessions, lenient.handler, { adapter, csrf: { allowedOrigins: [PARTNER], allowMissingOrigin: true } }),
        };
        try {
          const mine = await visitorWithSecret(apps.strict);
          const theirs = (await visitorWithSecret(apps.strict)).tokens[0]!;
          const plain = cookieOf(await apps.strict.get("/plain"))!;
          const verdicts = new Map<string, number>();
          await fc.assert(
            fc.asyncProperty(wireCase, async (w) => {
              const [target, counter] = w.lenient ? [apps.lenient, lenient] : [apps.strict, strict];
              const c: CsrfCase = { ...w, origin: originOf(w.originKind, target.port), allowMissingOrigin: w.lenient };
              const cookie = c.hasSecret ? mine.cookie : w.noSecretVisitor === "plain" ? plain : undefined;
              const before = counter.ran();
              const res = await send(target, c, cookie, mine.tokens, theirs);
              const verdict = expectedVerdict(c, `http://127.0.0.1:${target.port}`, [PARTNER]);
              verdicts.set(String(verdict), (verdicts.get(String(verdict)) ?? 0) + 1);
              const story = `${JSON.stringify(w)} → ${res.status} ${res.body.slice(0, 200)}`;
              if (verdict === undefined) {
                assert.equal(res.status, 200, story);
                assert.equal(counter.ran(), before + 1, `the handler ran: ${story}`);
              } else {
                assert.equal(res.status, 403, story);
                assert.equal(counter.ran(), before, `the handler did not run: ${story}`);
                for (const token of [...mine.tokens, theirs]) assert.ok(!res.body.includes(token), `no token in the 403: ${story}`);
              }
            }),
            { numRuns: RUNS, seed: 79 },
          );
          assert.ok((verdicts.get("undefined") ?? 0) > 0 && verdicts.size >= 4, `passes and several refusals were drawn: ${JSON.stringify([...verdicts])}`);
        } finally {
          await apps.strict.close();
          await apps.lenient.close();
        }
      });

      it(`a same-origin form or header with the session's token passes for every unsafe method, and the session sees the change (${label}) [${adapter}]`, async () => {
        const sessions = createSessions(options());
        const { handler } = app();
        const target = await startApp(sessions, handler, { adapter, csrf: {} });
        try {
          const { cookie, tokens } = await visitorWithSecret(target);
          const own = `http://127.0.0.1:${target.port}`;
          for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
            for (const place of ["header", "form"] as const) {
              const body = place === "form" ? `csrf_token=${tokens[0]}` : "";
              const res = await target.get("/act", {
                method,
                cookie,
                body,
                headers: {
                  origin: own,
                  "sec-fetch-site": "same-origin",
                  "content-type": "application/x-www-form-urlencoded",
                  "content-length": String(body.length),
                  ...(place === "header" ? { "x-csrf-token": tokens[1]! } : {}),
                },
              });
              assert.equal(res.status, 200, `${method} ${place}: ${res.body.slice(0, 200)}`);
              assert.equal(res.body, "ran");
            }
          }
        } finally {
          await target.close();
        }
      });
    });
  }
}

/** Everything written to stdout and stderr while `run` runs (passed through too). */
async function captured(run: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const keep = (chunk: unknown): void => void chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => (keep(chunk), (out as (...a: unknown[]) => boolean)(chunk, ...rest))) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => (keep(chunk), (err as (...a: unknown[]) => boolean)(chunk, ...rest))) as typeof process.stderr.write;
  try {
    await run();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return chunks.join("");
}

/** The session's secret, read the way the check reads it. */
async function secretOf(sessions: SessionManager<any>, cookie: string): Promise<string> {
  const secret = sessionInternals(await sessions.load(cookie)).data.values.get(RESERVED_KEYS.csrf);
  assert.equal(typeof secret, "string");
  return secret as string;
}

for (const adapter of ADAPTERS) {
  it(`R84 no token or CSRF secret appears in a 403, an error the framework saw, or a log line (cookie and store) [${adapter}]`, async () => {
    for (const [label, options] of [MODES[0]!, MODES[3]!]) {
      const sessions = createSessions(options());
      const { handler } = app();
      const said: string[] = [];
      let target: TestApp | undefined;
      const secrets: string[] = [];
      const tokens: string[] = [];
      said.push(
        await captured(async () => {
          target = await startApp(sessions, handler, { adapter, csrf: {}, logErrors: true });
          const mine = await visitorWithSecret(target);
          const other = await visitorWithSecret(target);
          tokens.push(...mine.tokens, ...other.tokens);
          secrets.push(await secretOf(sessions, mine.cookie), await secretOf(sessions, other.cookie));
          const own = `http://127.0.0.1:${target.port}`;
          const attempts: [Record<string, string>, string][] = [
            [{ origin: own, "x-csrf-token": other.tokens[0]! }, ""],
            [{ origin: own, "x-csrf-token": mine.tokens[0]!.slice(0, 80) }, ""],
            [{ origin: own }, `csrf_token=${other.tokens[1]}`],
            [{ origin: "https://evil.test", "x-csrf-token": mine.tokens[0]! }, `csrf_token=${mine.tokens[1]}`],
            [{ "sec-fetch-site": "cross-site" }, `csrf_token=${mine.tokens[2]}`],
            [{ origin: own, "x-csrf-token": `${mine.tokens[0]}\u00e9` }, ""],
          ];
          for (const [headers, body] of attempts) {
            const res = await target.get("/act", {
              method: "POST",
              cookie: mine.cookie,
              body,
              headers: { ...headers, "content-type": "application/x-www-form-urlencoded", "content-length": String(Buffer.byteLength(body)) },
            });
            assert.equal(res.status, 403, `${label}: ${JSON.stringify(headers)}`);
            said.push(res.body, JSON.stringify(res.headers));
          }
        }),
      );
      for (const error of target!.errors) said.push(String(error), (error as Error)?.stack ?? "", JSON.stringify(error));
      await target!.close();
      const text = said.join("\n");
      for (const secret of secrets) assert.ok(!text.includes(secret), `${label}: the CSRF secret was said`);
      for (const token of tokens) {
        assert.ok(!text.includes(token.slice(0, 40)), `${label}: a token (or its start) was said`);
      }
    }
  });
}
