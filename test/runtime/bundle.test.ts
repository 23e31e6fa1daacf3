/**
 * The cookie path bundles for a runtime without Node: esbuild, platform
 * "neutral" with the conditions a Worker bundler uses (workerd, worker,
 * browser; and "source", to bundle this checkout's TypeScript), bundles an
 * app of `createSessions` with `sessionkit/web`, and one with
 * `sessionkit/hono`. Any `node:` import (or bare built-in) fails the build
 * here; the code must not mention Buffer or process, and must have taken
 * the Web primitives. The bundle is then run: it serves a request, sets a
 * cookie, and reads it back.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { build, type Plugin } from "esbuild";

const repo = new URL("../../", import.meta.url).pathname;
const SECRET = "bundle-test-secret-0123456789abcdef0123456789";

/** Fails the build on any Node built-in, with or without the `node:` prefix. */
const noNode: Plugin = {
  name: "no-node-builtins",
  setup(b) {
    const builtins = new Set(builtinModules);
    b.onResolve({ filter: /.*/ }, (args) => {
      const bare = args.path.replace(/^node:/, "");
      if (args.path.startsWith("node:") || builtins.has(bare)) return { errors: [{ text: `imports the Node built-in ${args.path} (from ${args.importer})` }] };
      return undefined;
    });
  },
};

const ENTRIES: Record<string, string> = {
  web: `
import { createSessions } from "sessionkit";
import { withSessions } from "sessionkit/web";
const sessions = createSessions<{ n?: number }>({ secret: "${SECRET}", format: "signed" });
export const fetch = withSessions(sessions, async (_request, session) => {
  session.set("n", (session.get("n") ?? 0) + 1);
  return new Response(String(session.get("n")));
});`,
  hono: `
import { Hono } from "hono";
import { createSessions } from "sessionkit";
import { sessionMiddleware, type SessionVariables } from "sessionkit/hono";
const sessions = createSessions<{ n?: number }>({ secret: "${SECRET}", format: "encrypted" });
const app = new Hono<{ Variables: SessionVariables<{ n?: number }> }>();
app.use(sessionMiddleware(sessions));
app.get("/", (c) => {
  const session = c.get("session");
  session.set("n", (session.get("n") ?? 0) + 1);
  return c.text(String(session.get("n")));
});
export const fetch = (request: Request) => app.fetch(request);`,
};

/** Each match of `pattern` in `code`, with a little context: what a failure shows (never the whole bundle). */
function uses(code: string, pattern: RegExp): string[] {
  return [...code.matchAll(new RegExp(pattern, "g"))].map((m) => code.slice(Math.max(0, m.index - 60), m.index + 40));
}

async function bundle(name: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "sessionkit-bundle-"));
  try {
    const entry = join(repo, `test/runtime/.bundle-${name}-${process.pid}.ts`);
    writeFileSync(entry, ENTRIES[name]!);
    try {
      const result = await build({
        entryPoints: [entry],
        bundle: true,
        write: false,
        format: "esm",
        platform: "neutral",
        mainFields: ["module", "main"],
        conditions: ["workerd", "worker", "browser", "source"],
        plugins: [noNode],
        logLevel: "silent",
        // Comments go (a JSDoc example may mention process.on); every identifier the code uses stays.
        minifyWhitespace: true,
        legalComments: "none",
        outfile: join(dir, "out.js"),
      });
      return result.outputFiles[0]!.text;
    } finally {
      rmSync(entry, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const name of Object.keys(ENTRIES)) {
  test(`createSessions + sessionkit/${name} bundles with no Node built-in, no Buffer, no process, and serves a session`, async () => {
    const code = await bundle(name); // throws, naming the import, if any Node built-in is reached
    assert.deepEqual(uses(code, /\bBuffer\b/), [], "the bundle uses Buffer");
    // Code that touches process (process.env, process[…], typeof process); the word in an error message is fine.
    assert.deepEqual(uses(code, /\bprocess\s*[.[]|typeof process\b/), [], "the bundle uses process");
    assert.match(code, /crypto\.subtle/, "the Web primitives were bundled");
    assert.deepEqual(uses(code, /createHmac|inflateSync/), [], "the Node primitives were not");
    // Run it: a data: URL module has no require, no file system, no package resolution.
    const mod = (await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)) as { fetch: (r: Request) => Promise<Response> };
    const first = await mod.fetch(new Request("https://app.example/"));
    assert.equal(await first.text(), "1");
    const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
    assert.match(cookie, /^session=/);
    const second = await mod.fetch(new Request("https://app.example/", { headers: { cookie } }));
    assert.equal(await second.text(), "2");
    const forged = await mod.fetch(new Request("https://app.example/", { headers: { cookie: `${cookie.slice(0, -2)}xx` } }));
    assert.equal(await forged.text(), "1", "a forged cookie is a fresh session");
  });
}

test("the check has teeth: the same app bundled with the node condition takes the Node primitives, and fails on node:crypto", async () => {
  await assert.rejects(
    build({
      stdin: { contents: ENTRIES.web!, resolveDir: join(repo, "test/runtime"), loader: "ts" },
      bundle: true,
      write: false,
      format: "esm",
      platform: "neutral",
      mainFields: ["module", "main"],
      conditions: ["node", "source"],
      plugins: [noNode],
      logLevel: "silent",
    }),
    /imports the Node built-in node:crypto \(from .*src\/runtime\/node\.ts\)/,
  );
});
