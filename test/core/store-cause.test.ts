// A store failure's cause in words, from codes only: real errors from Node's
// sockets, better-sqlite3, node-redis and ioredis's reply classes, and pg's
// DatabaseError shape; never a word of the driver's message.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SimpleError, SocketClosedUnexpectedlyError } from "@redis/client";
import Database from "better-sqlite3";
import { ReplyError } from "ioredis";
import { describeStoreCause, errorClassName, StoreError } from "sessionkit";

const SECRET_TEXT = "hunter2-password-in-a-url";

/** An error shaped as a driver makes it, whose message holds something that must never be repeated. */
function coded(code: string, name = "Error"): Error {
  const error = new Error(`connect to postgres://app:${SECRET_TEXT}@db.internal:5432 failed`);
  error.name = name;
  return Object.assign(error, { code });
}

/** A real ECONNREFUSED from Node: connect to a port that was just closed. */
async function refused(): Promise<Error> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return new Promise((resolve) => connect(port, "127.0.0.1").once("error", resolve));
}

test("a real refused connection: the words, the code, and what to change", async () => {
  const cause = describeStoreCause(await refused());
  assert.equal(cause.code, "ECONNREFUSED");
  assert.equal(cause.known, true);
  assert.equal(cause.text, "connection refused (ECONNREFUSED): nothing is listening at that host and port; start the server, or correct the host or port");
});

test("PostgreSQL SQLSTATEs: the usual ones by name, the rest by their class", () => {
  const cases: Array<[string, RegExp]> = [
    ["28P01", /^password authentication failed \(SQLSTATE 28P01\): correct the password/],
    ["28000", /^the server refused the role \(SQLSTATE 28000\): .*correct the user name/],
    ["3D000", /^the database does not exist \(SQLSTATE 3D000\): create it/],
    ["42P01", /^the table does not exist \(SQLSTATE 42P01\): create it \(the store's migrate\(\)\)/],
    ["42501", /^permission denied \(SQLSTATE 42501\): .*GRANT/],
    ["57P01", /^the server is shutting down \(SQLSTATE 57P01\)/],
    ["08P99", /^connection problem \(SQLSTATE 08P99\)/], // unknown code of a known class
    ["XX001", /^the server had an internal error \(SQLSTATE XX001\)/],
  ];
  for (const [code, expected] of cases) {
    const cause = describeStoreCause(coded(code, "error")); // pg's DatabaseError has name "error"
    assert.match(cause.text, expected, code);
    assert.equal(cause.code, code);
    assert.ok(!cause.text.includes(SECRET_TEXT));
  }
});

test("errno names that look like SQLSTATEs (five capitals) are read as errno", () => {
  assert.match(describeStoreCause(coded("EPERM")).text, /^operation not permitted \(EPERM\)/);
  assert.match(describeStoreCause(coded("EROFS")).text, /^read-only file system \(EROFS\)/);
});

test("SQLite: a real SQLITE_CANTOPEN, and extended codes by their primary code", () => {
  const dir = mkdtempSync(join(tmpdir(), "sk-cause-"));
  try {
    let error: unknown;
    try {
      new Database(dir); // a folder where the database file should be
    } catch (e) {
      error = e;
    }
    const cause = describeStoreCause(error);
    assert.equal(cause.code, "SQLITE_CANTOPEN");
    assert.match(cause.text, /^cannot open the database file \(SQLITE_CANTOPEN\): its folder must exist and be writable/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.match(describeStoreCause(coded("SQLITE_READONLY_DIRECTORY", "SqliteError")).text, /^the database is read-only \(SQLITE_READONLY_DIRECTORY\)/);
  assert.match(describeStoreCause(coded("SQLITE_IOERR_WRITE", "SqliteError")).text, /^disk I\/O error \(SQLITE_IOERR_WRITE\)/);
});

test("Redis replies (node-redis and ioredis classes): the reply's code, never its text", () => {
  const wrongpass = describeStoreCause(new SimpleError(`WRONGPASS invalid username-password pair ${SECRET_TEXT}`));
  assert.equal(wrongpass.code, "WRONGPASS");
  assert.match(wrongpass.text, /^the Redis server refused the user name or password \(WRONGPASS\): correct the password/);
  assert.ok(!wrongpass.text.includes(SECRET_TEXT));
  assert.match(describeStoreCause(new ReplyError("NOAUTH Authentication required.")).text, /^the Redis server requires a password \(NOAUTH\)/);
  assert.match(describeStoreCause(new SimpleError("READONLY You can't write against a read only replica.")).text, /read-only replica \(READONLY\)/);
  // An unknown reply code still says it was Redis refusing, with the code.
  assert.match(describeStoreCause(new SimpleError("FANCYNEW something")).text, /^the Redis server refused the command \(FANCYNEW\)/);
});

test("the first word of a message is never read on other classes", () => {
  const cause = describeStoreCause(new Error("WRONGPASS looks like a code but this is not a Redis reply"));
  assert.deepEqual(cause, { code: undefined, text: "Error", known: false });
});

test("node-redis's code-less connection classes are known by class", () => {
  assert.match(describeStoreCause(new SocketClosedUnexpectedlyError()).text, /^the server closed the connection \(SocketClosedUnexpectedlyError\)/);
});

test("causes and aggregated errors are followed; the first known code wins", () => {
  const wrapped = new Error("pool failed", { cause: new AggregateError([coded("ECONNREFUSED"), coded("ETIMEDOUT")], "all failed") });
  assert.equal(describeStoreCause(wrapped).code, "ECONNREFUSED");
  const looped: { cause?: unknown } & Error = new Error("loop");
  looped.cause = looped;
  assert.deepEqual(describeStoreCause(looped), { code: undefined, text: "Error", known: false }, "a cause loop ends");
});

test("an unknown error is its class and code only, marked unknown", () => {
  assert.deepEqual(describeStoreCause(coded("WEIRD_THING", "FooError")), { code: "WEIRD_THING", text: "FooError (WEIRD_THING)", known: false });
  assert.deepEqual(describeStoreCause(coded("has spaces: and a secret")), { code: undefined, text: "Error", known: false }, "free text in `code` is not printed");
  assert.deepEqual(describeStoreCause("a string"), { code: undefined, text: "string", known: false });
  assert.equal(errorClassName(new SimpleError("x")), "SimpleError", "node-redis leaves name as Error: the constructor names it");
});

test("StoreError's message says the cause in words, and asks to check the store only when the cause is unknown", () => {
  const known = new StoreError("postgres", "load", coded("3D000", "error"));
  assert.equal(
    known.message,
    "sessionkit: the postgres store failed on `load`: the database does not exist (SQLSTATE 3D000): create it (createdb NAME) or correct the database name in the URL.",
  );
  const unknown = new StoreError("redis", "apply", coded("ODD"));
  assert.equal(unknown.message, "sessionkit: the redis store failed on `apply`: Error (ODD). Check that it is up and reachable.");
  for (const e of [known, unknown]) assert.ok(!e.message.includes(SECRET_TEXT));
  // Described again (by a log or the CLI), a StoreError gives its cause's words, and a timeout says so.
  assert.equal(describeStoreCause(known).code, "3D000");
  assert.match(describeStoreCause(new StoreError("redis", "load", undefined, true)).text, /^no answer in time/);
});
