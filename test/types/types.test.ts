// Compile-time guarantees, checked with the compiler under the repo's
// tsconfig.json and under what a fresh `tsc --init` writes (strict,
// exactOptionalPropertyTypes, verbatimModuleSyntax: tsconfig.strict.json).
//
// app/ is an app that declares its SessionData the documented way: each
// adapter's session must carry it, with no type argument and no cast. plain/
// declares none: createSessions<Data>() types the manager, the node and Web
// handlers and typed Hono Variables; the global request types read `unknown`.
// Each fixture's `// @ts-expect-error` lines must really be errors: tsc
// reports an unused one (TS2578), so a type that loosens fails this test.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { compilerOptions, typecheck } from "../helpers/typecheck.js";

const here = new URL(".", import.meta.url).pathname;
const repo = new URL("../../", import.meta.url).pathname;
const configs = {
  "tsconfig.json": compilerOptions(join(repo, "tsconfig.json")),
  "tsconfig.strict.json": compilerOptions(join(here, "tsconfig.strict.json")),
};
const fixtures = (dir: string): string[] =>
  readdirSync(join(here, dir))
    .filter((name) => name.endsWith(".ts"))
    .map((name) => join(here, dir, name));

const ADAPTERS = ["express", "fastify", "hono", "koa", "node", "web"];

test("every adapter has a fixture that refuses an unknown key and a wrong value type", () => {
  for (const adapter of ADAPTERS) {
    const text = readFileSync(join(here, "app", `${adapter}.ts`), "utf8");
    assert.match(text, /@ts-expect-error[^\n]*\n[^\n]*\.get\("nope"\)/, `${adapter}: get("nope") is expected to fail`);
    assert.match(text, /@ts-expect-error[^\n]*\n[^\n]*\.set\("visits", "two"\)/, `${adapter}: a string for a number is expected to fail`);
  }
  assert.match(readFileSync(join(here, "app", "session-data.ts"), "utf8"), /declare module "sessionkit" \{\s*interface SessionData \{/);
});

for (const [name, options] of Object.entries(configs)) {
  test(`an app's SessionData reaches every adapter's session (${name})`, () => {
    const files = fixtures("app");
    assert.deepEqual(files.map((f) => f.slice(here.length + 4)).sort(), [...ADAPTERS.map((a) => `${a}.ts`), "session-data.ts"].sort());
    assert.deepEqual(typecheck(files, options), []);
  });

  test(`without SessionData, createSessions<Data>() types what it can reach and nothing reads as any (${name})`, () => {
    assert.deepEqual(typecheck(fixtures("plain"), options), []);
  });
}

test("the checker notices an expected error that is not one", () => {
  // The mechanism every fixture relies on, proved once: a loosened type would leave this directive unused.
  const dir = mkdtempSync(join(tmpdir(), "sessionkit-types-"));
  try {
    const file = join(dir, "loose.mts");
    writeFileSync(file, `export const visits: number = 1;\n// @ts-expect-error this line has no error\nexport const name: string = "x";\n`);
    const errors = typecheck([file], configs["tsconfig.strict.json"]);
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0]!, /loose\.mts\(2,1\): error TS2578: Unused '@ts-expect-error' directive/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
