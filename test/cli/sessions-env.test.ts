/**
 * `sessionkit sessions` as a newcomer meets it: the tutorial's variables
 * instead of flags, stores that must exist rather than be created by a typo,
 * and user ids or data that try to rewrite the terminal.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import { createSessions, hashSessionId, type Store } from "sessionkit";
import { SqliteStore } from "../../src/stores/sqlite.js";
import { withStorePrefix } from "../../src/cli/stores/open-store.js";
import { cliInProcess } from "./run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "sk-cli-env-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = "cli-env-test-secret-0123456789abcdefgh";
/** Characters that act on a terminal: C0 but \n, DEL, C1, bidi overrides and isolates. */
const TERMINAL_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

async function seed(store: Store, user: string, data: Record<string, string>): Promise<string> {
  const sessions = createSessions({ secret: SECRET, store });
  const session = await sessions.load(undefined);
  for (const [k, v] of Object.entries(data)) session.set(k, v);
  session.setUser(user);
  const cookie = (await sessions.commit(session, { status: 200 })).setCookie[0]!;
  return cookie.slice("session=".length, cookie.indexOf(";"));
}

describe("control characters from the store never reach the terminal raw", () => {
  const path = join(dir, "hostile.db");
  const db = new Database(path);
  after(() => db.close());
  const user = "eve\u001b[2J\u009b31m\u202egnp.exe";
  const note = "\u001b]0;pwned\u0007";
  let prefix = "";
  test("seeded", async () => {
    prefix = hashSessionId(await seed(new SqliteStore({ db }), user, { note })).slice(0, 10);
  });

  test("show, as text: escaped", async () => {
    const run = await cliInProcess(["sessions", "show", prefix, "--store", `sqlite:${path}`]);
    assert.equal(run.code, 0, run.err);
    assert.doesNotMatch(run.out, TERMINAL_CONTROL);
    assert.match(run.out, /^user {5}eve\\u001b\[2J\\u009b31m\\u202egnp\.exe$/m);
    assert.match(run.out, /^ {2}"note": "\\u001b\]0;pwned\\u0007"$/m, "the value: tagged JSON text, its escapes as stored");
  });

  test("list and show as JSON: escaped, and still the same JSON", async () => {
    for (const argv of [["list"], ["show", prefix]]) {
      const run = await cliInProcess(["sessions", ...argv, "--json", "--store", `sqlite:${path}`]);
      assert.equal(run.code, 0, run.err);
      assert.doesNotMatch(run.out, TERMINAL_CONTROL);
      const parsed = JSON.parse(run.out) as { userId: string } | Array<{ userId: string }>;
      assert.equal(Array.isArray(parsed) ? parsed[0]!.userId : parsed.userId, user, "parses back to the exact user id");
    }
  });

  test("list, as a table: escaped", async () => {
    const run = await cliInProcess(["sessions", "list", "--store", `sqlite:${path}`]);
    assert.doesNotMatch(run.out, TERMINAL_CONTROL);
    assert.ok(run.out.includes("eve\\u001b[2J\\u009b31m\\u202egnp.exe"));
  });
});

describe("a store that does not exist is reported, never created", () => {
  test("file:/typo: no folder is made, exit 69, ENOENT in words", async () => {
    const typo = join(dir, "sesions");
    const run = await cliInProcess(["sessions", "list", "--store", `file:${typo}`]);
    assert.equal(run.code, 69);
    assert.equal(run.err, `sessionkit sessions: could not open the file store at ${typo}: no such file or folder (ENOENT): create it, or correct the path\n`);
    assert.equal(existsSync(typo), false);
  });

  test("file: naming a file: not a folder (ENOTDIR)", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const run = await cliInProcess(["sessions", "list", "--store", `file:${file}`]);
    assert.equal(run.code, 69);
    assert.match(run.err, /the path is not a folder|a part of the path is not a folder \(ENOTDIR\)/);
  });

  test("sqlite: a table that is not there is not created (the name is shown), nor the file switched to WAL", async () => {
    const path = join(dir, "other-app.db");
    const db = new Database(path);
    db.exec("CREATE TABLE other (x)");
    db.close();
    const run = await cliInProcess(["sessions", "list"], { SESSION_STORE: `sqlite:${path}` });
    assert.equal(run.code, 69);
    assert.equal(
      run.err,
      `sessionkit sessions: could not open the sqlite store at ${path} (table sessionkit_sessions): the statement failed (SQLITE_ERROR): the table is missing or has another shape; check the table name and the file\n`,
    );
    const after = new Database(path, { readonly: true });
    assert.deepEqual(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all(), [{ name: "other" }]);
    assert.equal(after.pragma("journal_mode", { simple: true }), "delete");
    after.close();
  });
});

describe("the tutorial's variables", () => {
  test("SESSION_STORE_PREFIX names the tables and keys as the tutorial does; flags win", () => {
    assert.deepEqual(withStorePrefix({}, "shop-1"), { table: "sessionkit_shop_1", prefix: "shop-1:sess:", userPrefix: "shop-1:user:" });
    assert.deepEqual(withStorePrefix({ table: "mine" }, "shop"), { table: "mine", prefix: "shop:sess:", userPrefix: "shop:user:" });
    assert.deepEqual(withStorePrefix({ prefix: "p:" }, undefined), { prefix: "p:" });
    assert.deepEqual(withStorePrefix({}, "session:", "flask-session"), { prefix: "session:" }, "Flask-Session's SESSION_KEY_PREFIX, as is");
    assert.throws(() => withStorePrefix({}, "bad prefix!"), /SESSION_STORE_PREFIX: use 1 to 64 letters/);
  });

  test("SESSION_STORE and SESSION_STORE_PREFIX find a store with no flag at all", async () => {
    const path = join(dir, "prefixed.db");
    const db = new Database(path);
    const id = await seed(new SqliteStore({ db, table: "sessionkit_shop_1" }), "alice", { cart: "book" });
    db.close();
    const run = await cliInProcess(["sessions", "list", "--json"], { SESSION_STORE: `sqlite:${path}`, SESSION_STORE_PREFIX: "shop-1" });
    assert.equal(run.code, 0, run.err);
    assert.deepEqual((JSON.parse(run.out) as Array<{ idHashPrefix: string }>).map((r) => r.idHashPrefix), [hashSessionId(id).slice(0, 12)]);
  });

  test("settings that name no store say what to give instead (exit 64)", async () => {
    const cases: Array<[string | undefined, RegExp]> = [
      [undefined, /--store URL is required, or set SESSION_STORE \(the tutorial's default store is sqlite:\.\/sessionkit-tutorial\.db\)/],
      ["sqlite", /a bare `sqlite` names no file: give sqlite:PATH/],
      ["cookie", /keeps sessions in the cookies, not in a store/],
      ["memory", /inside the app's process: the CLI cannot reach them/],
      ["redis://:hunter2@127.0.0.1:99999", /the store URL is malformed/],
    ];
    for (const [store, message] of cases) {
      const run = await cliInProcess(["sessions", "list"], store === undefined ? {} : { SESSION_STORE: store });
      assert.equal(run.code, 64, `${store}: ${run.err}`);
      assert.match(run.err, message);
      assert.ok(!run.err.includes("hunter2"));
    }
  });
});
