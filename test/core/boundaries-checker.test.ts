// The boundaries checker on in-memory trees: each kind of forbidden import
// fails with a message naming the file, the line and the import, and a clean
// tree that uses every allowed form passes. Without these, a checker that
// parsed nothing would pass the real tree too.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkBoundaries, findCycles } from "../helpers/boundaries.js";
import { collectImports } from "../helpers/imports.js";

const ENTRIES = ["sessionkit", "sessionkit/express", "sessionkit/stores/redis"];

/** The problems the checker reports for a tree of `path → source`. */
function check(files: Record<string, string>): string[] {
  return checkBoundaries({ files: new Map(Object.entries(files)), publicEntries: ENTRIES });
}

/** A clean tree that uses every allowed form; each forbidden case adds one file to it. */
const CLEAN: Record<string, string> = {
  "src/index.ts": `export { createSessions } from "./core/manager.js";\nexport type { Codec } from "./codec/index.js";`,
  "src/codec/index.ts": `export * from "./signer.js";`,
  "src/runtime/types.ts": `export interface Runtime { sync: boolean }`,
  "src/runtime/node.ts": `import { createHmac } from "node:crypto";\nimport { deflateSync } from "zlib";\nimport { HmacKey } from "./node-hmac.js";\nimport type { Runtime } from "./types.js";\nexport const runtime = { createHmac, deflateSync, HmacKey } as unknown as Runtime;`,
  "src/runtime/node-hmac.ts": `import * as crypto from "node:crypto";\nexport const HmacKey = crypto.createHmac;`,
  "src/runtime/web.ts": `import { sha256 } from "./sha256.js";\nimport type { Runtime } from "./types.js";\nexport const runtime = { sha256 } as unknown as Runtime;`,
  "src/runtime/sha256.ts": `export const sha256 = (b: Uint8Array) => b;`,
  "src/codec/signer.ts": `import { runtime } from "#runtime";\nimport type { Runtime } from "../runtime/types.js";\nexport const s: Runtime[] = [runtime];`,
  "src/core/manager.ts": `import { s } from "../codec/index.js";\nimport type { Store } from "./store.js";\nimport "./session.js";\nexport const createSessions = s;`,
  "src/core/store.ts": `import { runtime } from "#runtime";\nexport interface Store { r: typeof runtime }`,
  "src/core/session.ts": `export const session = 1;`,
  "src/stores/shared/queue.ts": `import type { Store } from "../../core/store.js";\nexport type Q = Store;`,
  "src/stores/redis.ts": [
    `import type { RedisClientType } from "redis";`,
    `import { type Redis } from "ioredis";`,
    `import { q } from "./redis/scripts.js";`,
    `import type { Q } from "./shared/queue.js";`,
    `import { readFile } from "node:fs/promises";`,
    `export const load = () => import("redis");`,
    `export type C = import("ioredis").Redis | RedisClientType | Redis | Q | typeof q | typeof readFile;`,
  ].join("\n"),
  "src/stores/redis/scripts.ts": `import { s } from "../../codec/index.js";\nexport const q = s;`,
  "src/stores/memory.ts": `import { session } from "../core/session.js";\nexport const m = session;`,
  "src/adapters/shared.ts": `import { createSessions } from "../core/manager.js";\nexport const a = createSessions;`,
  "src/adapters/hold-response.ts": `import type { ServerResponse } from "node:http";\nimport { a } from "./shared.js";\nexport type H = ServerResponse | typeof a;`,
  "src/adapters/express.ts": `import type { Request } from "express";\nimport type { TLSSocket } from "node:tls";\nimport { a } from "./hold-response.js";\nexport type E = Request | TLSSocket | typeof a;`,
  "src/testing/suite.ts": `import assert from "node:assert/strict";\nimport { createSessions } from "../index.js";\nimport { m } from "../stores/memory.js";\nimport type { a } from "../adapters/shared.js";\nexport const t = [assert, createSessions, m];`,
  "src/cli/open.ts": `import { s } from "../codec/index.js";\nexport const open = async () => [s, await import("pg"), await import("../stores/redis.js")];`,
  "examples/app/server.ts": `import express from "express";\nimport { createSessions } from "sessionkit";\nimport { RedisStore } from "sessionkit/stores/redis";\nimport { views } from "./views.js";\nexport const app = [express, createSessions, RedisStore, views, () => import("sessionkit/express")];`,
  "examples/app/views.ts": `import type { Response } from "express";\nexport const views = (r: Response) => r;`,
};

/** Asserts that adding `files` to the clean tree gives exactly one problem, and that it matches `expected`. */
function assertOneProblem(files: Record<string, string>, expected: RegExp): void {
  const problems = check({ ...CLEAN, ...files });
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0]!, expected);
}

test("the clean tree, which uses every allowed form, passes", () => {
  assert.deepEqual(check(CLEAN), []);
});

describe("each kind of import is seen", () => {
  const cases: [string, string, RegExp][] = [
    ["static", `import { q } from "../stores/redis.js";`, /^src\/core\/bad\.ts:1 imports "\.\.\/stores\/redis\.js" \(static\): core may not import stores\/redis/],
    ["default", `import q from "../stores/redis.js";`, /^src\/core\/bad\.ts:1 imports "\.\.\/stores\/redis\.js" \(static\)/],
    ["namespace", `import * as q from "../stores/redis.js";`, /^src\/core\/bad\.ts:1 imports "\.\.\/stores\/redis\.js" \(static\)/],
    ["type-only", `import type { Q } from "../stores/redis.js";`, /^src\/core\/bad\.ts:1 imports "\.\.\/stores\/redis\.js" \(type\): core may not import stores\/redis/],
    ["all names typed", `import { type Q } from "../stores/redis.js";`, /\(type\): core may not import stores\/redis/],
    ["import() type", `export type Q = import("../stores/redis.js").C;`, /^src\/core\/bad\.ts:1 imports "\.\.\/stores\/redis\.js" \(type\)/],
    ["side-effect", `import "../stores/redis.js";`, /^src\/core\/bad\.ts:1 imports "\.\.\/stores\/redis\.js" \(side-effect\)/],
    ["re-export", `export { load } from "../stores/redis.js";`, /^src\/core\/bad\.ts:1 imports "\.\.\/stores\/redis\.js" \(re-export\)/],
    ["re-export all", `export * from "../stores/redis.js";`, /\(re-export\): core may not import stores\/redis/],
    ["type re-export", `export type { C } from "../stores/redis.js";`, /\(type\): core may not import stores\/redis/],
    ["dynamic", `export const f = () => import("../stores/redis.js");`, /^src\/core\/bad\.ts:1 imports "\.\.\/stores\/redis\.js" \(dynamic\)/],
    ["template literal", "export const f = () => import(`../stores/redis.js`);", /\(dynamic\): core may not import stores\/redis/],
    ["require", `export const r = require("../stores/redis.js");`, /^src\/core\/bad\.ts:1 imports "\.\.\/stores\/redis\.js" \(require\)/],
    ["import = require", `import r = require("../stores/redis.js");\nexport const x = r;`, /\(import-equals\): core may not import stores\/redis/],
    ["multi-line, on its line", `// one\n\nimport {\n  load,\n} from "../stores/redis.js";\nexport const x = load;`, /^src\/core\/bad\.ts:3 imports "\.\.\/stores\/redis\.js" \(static\)/],
    ["computed", `const name = "../stores/redis.js";\nexport const f = () => import(name);`, /^src\/core\/bad\.ts:2 imports a computed module \(dynamic\): a computed specifier cannot be checked/],
  ];
  for (const [kind, source, expected] of cases) {
    test(`${kind} import`, () => assertOneProblem({ "src/core/bad.ts": source }, expected));
  }

  test("an import written inside a string or a comment is not an import", () => {
    const source = `// import "../stores/redis.js";\nexport const s = "import('../stores/redis.js') require('pg')";`;
    assert.deepEqual(collectImports("src/core/ok.ts", source), []);
    assert.deepEqual(check({ ...CLEAN, "src/core/ok.ts": source }), []);
  });
});

describe("each rule refuses what it forbids", () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ["codec → core", { "src/codec/bad.ts": `import { session } from "../core/session.js";` }, /^src\/codec\/bad\.ts:1 imports "\.\.\/core\/session\.js" \(static\): codec may not import core/],
    ["codec → the root entry", { "src/codec/bad.ts": `import type { C } from "../index.js";` }, /codec may not import root \(src\/index\.ts\)/],
    ["codec → a built-in not on its list", { "src/codec/bad.ts": `import { readFileSync } from "node:fs";` }, /^src\/codec\/bad\.ts:1 imports "node:fs" \(static\): codec may not import the built-in node:fs/],
    ["codec → node:crypto (the runtime seam is the way)", { "src/codec/bad.ts": `import { createHmac } from "node:crypto";` }, /^src\/codec\/bad\.ts:1 imports "node:crypto" \(static\): codec may not import the built-in node:crypto/],
    ["codec → the Node primitives directly", { "src/codec/bad.ts": `import { runtime } from "../runtime/node.js";` }, /codec may not import runtime\/node/],
    ["core → node:crypto", { "src/core/bad.ts": `import { randomBytes } from "crypto";` }, /core may not import the built-in node:crypto/],
    ["core → node:zlib, lazily", { "src/core/bad.ts": `export const z = () => import("node:zlib");` }, /\(dynamic\): core may not import the built-in node:zlib/],
    ["runtime's Web set → a built-in", { "src/runtime/web-extra.ts": `import { inflateSync } from "node:zlib";` }, /^src\/runtime\/web-extra\.ts:1 .*runtime may not import the built-in node:zlib/],
    ["runtime's Web set → the Node set", { "src/runtime/web.ts": `import { runtime } from "./node.js";` }, /runtime\/web may not import runtime\/node/],
    ["runtime → the codec", { "src/runtime/sha256.ts": `import { s } from "../codec/signer.js";` }, /runtime\/web may not import codec/],
    ["adapter → the runtime seam", { "src/adapters/koa.ts": `import { runtime } from "#runtime";` }, /adapters may not import #runtime/],
    ["codec → a package", { "src/codec/bad.ts": `import pako from "pako";` }, /codec may not import the package pako/],
    ["core → an adapter", { "src/core/bad.ts": `import { a } from "../adapters/shared.js";` }, /^src\/core\/bad\.ts:1 imports "\.\.\/adapters\/shared\.js" \(static\): core may not import adapters\/shared/],
    ["core → a framework", { "src/core/bad.ts": `import type { Request } from "express";` }, /core may not import the package express/],
    ["core → a driver", { "src/core/bad.ts": `export const f = () => import("pg");` }, /\(dynamic\): core may not import the package pg/],
    ["core → testing", { "src/core/bad.ts": `import { t } from "../testing/suite.js";` }, /core may not import testing/],
    ["root entry → a store", { "src/index.ts": `export { MemoryStore } from "./stores/memory.js";` }, /^src\/index\.ts:1 imports "\.\/stores\/memory\.js" \(re-export\): root may not import stores\/memory/],
    ["store → store", { "src/stores/memory.ts": `import { load } from "./redis.js";` }, /^src\/stores\/memory\.ts:1 imports "\.\/redis\.js" \(static\): stores\/memory may not import stores\/redis/],
    ["store → another store's folder", { "src/stores/memory.ts": `import { q } from "./redis/scripts.js";` }, /stores\/memory may not import stores\/redis \(src\/stores\/redis\/scripts\.ts\)/],
    ["store's folder → another store", { "src/stores/redis/bad.ts": `import { m } from "../memory.js";` }, /^src\/stores\/redis\/bad\.ts:1 .*stores\/redis may not import stores\/memory/],
    ["store → its driver as a value", { "src/stores/redis.ts": `import { createClient } from "redis";` }, /^src\/stores\/redis\.ts:1 imports "redis" \(static\): stores\/redis may import redis only as a type or with import\(\)/],
    ["store → another store's driver", { "src/stores/memory.ts": `import type { Pool } from "pg";` }, /stores\/memory may not import the package pg/],
    ["store → an adapter", { "src/stores/memory.ts": `import type { E } from "../adapters/express.js";` }, /stores\/memory may not import adapters\/express/],
    ["stores/shared → a store", { "src/stores/shared/bad.ts": `import { m } from "../memory.js";` }, /stores\/shared may not import stores\/memory/],
    ["adapter → a store", { "src/adapters/koa.ts": `import { m } from "../stores/memory.js";` }, /^src\/adapters\/koa\.ts:1 .*adapters\/koa may not import stores\/memory/],
    ["adapter → another adapter", { "src/adapters/koa.ts": `import type { E } from "./express.js";` }, /adapters\/koa may not import adapters\/express/],
    ["adapter → another adapter's framework", { "src/adapters/koa.ts": `import type { Request } from "express";` }, /adapters\/koa may not import the package express/],
    ["adapter → its framework as a value", { "src/adapters/koa.ts": `import Koa from "koa";` }, /\(static\): adapters\/koa may import koa only as a type/],
    ["adapter → node:http as a value", { "src/adapters/node.ts": `import { STATUS_CODES } from "node:http";` }, /adapters may import node:http only as a type/],
    ["adapter → testing", { "src/adapters/koa.ts": `import { t } from "../testing/suite.js";` }, /adapters\/koa may not import testing/],
    ["adapter → cli", { "src/adapters/koa.ts": `import { open } from "../cli/open.js";` }, /adapters\/koa may not import cli/],
    ["testing → an adapter as a value", { "src/testing/bad.ts": `import { a } from "../adapters/shared.js";` }, /\(static\): testing may import adapters\/shared only as a type/],
    ["testing → a driver store", { "src/testing/bad.ts": `import { load } from "../stores/redis.js";` }, /testing may not import stores\/redis/],
    ["cli → an adapter", { "src/cli/bad.ts": `import { a } from "../adapters/shared.js";` }, /cli may not import adapters\/shared/],
    ["cli → a driver, eagerly", { "src/cli/bad.ts": `import pg from "pg";` }, /\(static\): cli may import pg only as a type or with import\(\)/],
    ["a folder without a rule", { "src/util/x.ts": `export const x = 1;` }, /^src\/util\/x\.ts belongs to no layer/],
    ["examples → the sources", { "examples/app/bad.ts": `import { createSessions } from "../../src/core/manager.js";` }, /^examples\/app\/bad\.ts:1 imports "\.\.\/\.\.\/src\/core\/manager\.js" \(static\): an example imports sessionkit by its public entry points/],
    ["examples → a deep package path", { "examples/app/bad.ts": `import { Session } from "sessionkit/src/core/session.js";` }, /^examples\/app\/bad\.ts:1 imports "sessionkit\/src\/core\/session\.js" \(static\): sessionkit\/src\/core\/session\.js is not a public entry point/],
    ["examples → dist", { "examples/app/bad.ts": `export const f = () => import("sessionkit/dist/index.js");` }, /\(dynamic\): sessionkit\/dist\/index\.js is not a public entry point/],
    ["examples → another example", { "examples/other/bad.ts": `import { views } from "../app/views.js";` }, /an example imports sessionkit by its public entry points .* examples\/app\/views\.ts/],
  ];
  for (const [name, files, expected] of cases) {
    test(name, () => assertOneProblem(files, expected));
  }
});

describe("cycles", () => {
  test("a two-file cycle is reported as its path", () => {
    const problems = check({ ...CLEAN, "src/core/b.ts": `import { a } from "./a.js";\nexport const b = a;`, "src/core/a.ts": `import { b } from "./b.js";\nexport const a = b;` });
    assert.deepEqual(problems, ["import cycle: src/core/a.ts → src/core/b.ts → src/core/a.ts"]);
  });

  test("a three-file cycle of type-only imports is reported as its path", () => {
    const problems = check({
      ...CLEAN,
      "src/stores/redis/x.ts": `import type { Y } from "./y.js";\nexport type X = Y;`,
      "src/stores/redis/y.ts": `export type { Z as Y } from "./z.js";`,
      "src/stores/redis/z.ts": `import type { X } from "./x.js";\nexport type Z = X;`,
    });
    assert.deepEqual(problems, ["import cycle: src/stores/redis/x.ts → src/stores/redis/y.ts → src/stores/redis/z.ts → src/stores/redis/x.ts"]);
  });

  test("a side-effect or dynamic import closes a cycle too, and a file may import itself", () => {
    const problems = check({
      ...CLEAN,
      "src/cli/a.ts": `import "./b.js";`,
      "src/cli/b.ts": `export const f = () => import("./a.js");`,
      "src/cli/self.ts": `export * from "./self.js";`,
    });
    assert.deepEqual(problems, ["import cycle: src/cli/a.ts → src/cli/b.ts → src/cli/a.ts", "import cycle: src/cli/self.ts → src/cli/self.ts"]);
  });

  test("each distinct cycle of a tangle is listed once, however it is entered", () => {
    const graph = new Map([
      ["a", new Set(["b"])],
      ["b", new Set(["c", "a"])],
      ["c", new Set(["a"])],
      ["d", new Set(["a"])],
    ]);
    assert.deepEqual(findCycles(graph), [
      ["a", "b", "a"],
      ["a", "b", "c", "a"],
    ]);
  });

  test("an acyclic diamond has no cycle", () => {
    const graph = new Map([
      ["a", new Set(["b", "c"])],
      ["b", new Set(["d"])],
      ["c", new Set(["d"])],
      ["d", new Set<string>()],
    ]);
    assert.deepEqual(findCycles(graph), []);
  });
});
