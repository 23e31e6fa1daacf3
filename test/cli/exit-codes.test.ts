/**
 * Every exit code a `--help` documents happens, for the reason it gives:
 * each command's table is read from its own `--help`, and each code in it
 * must have a case here that produces it (a code documented without a case,
 * or a case whose code is undocumented, fails).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { main } from "../../src/cli/index.js";
import { COMMANDS } from "../../src/cli/registry.js";
import { createCookieCodec, TimestampSigner } from "../../src/codec/index.js";
import { cookieSalt } from "../../src/core/cookie-mode.js";
import { SqliteStore } from "../../src/stores/sqlite.js";
import { cliInProcess, type CliRun } from "./run-cli.js";

const SECRET = "cli-exit-code-test-secret-0123456789abcd";
const NOW = Math.floor(Date.now() / 1000);
const codec = createCookieCodec({ format: "signed", secrets: [SECRET], salt: cookieSalt("signed", "session") });
const GOOD = codec.encode({ a: 1 }, { nowSeconds: NOW - 100 });
const signer = new TimestampSigner({ secrets: [SECRET], salt: cookieSalt("signed", "session"), digest: "sha256" });
const env = { SECRET_KEY: SECRET };

const dir = mkdtempSync(join(tmpdir(), "sk-exit-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const dbPath = join(dir, "sessions.db");
const db = new Database(dbPath);
new SqliteStore({ db }); // creates the table: an empty, working store
db.close();

/** A bug inside a command: the output channel throws, as a programming error would. */
async function withBug(argv: string[]): Promise<CliRun> {
  let err = "";
  const code = await main(argv, {
    out: () => {
      throw new TypeError("simulated bug");
    },
    err: (line) => void (err += `${line}\n`),
    env: { SESSION_STORE: "", SESSION_STORE_PREFIX: "", SECRET_KEY: SECRET, SESSION_FORMAT: "" },
    readSecret: async () => "",
  });
  return { code, out: "", err };
}

type Case = () => Promise<CliRun>;
const CASES: Record<string, Record<number, Case>> = {
  decode: {
    0: () => cliInProcess(["decode", GOOD]),
    1: () => cliInProcess(["decode", "not-a-cookie"]),
    2: () => cliInProcess(["decode", codec.encode({}, { nowSeconds: NOW + 86_400 })]),
    3: () => cliInProcess(["decode", `${Buffer.from([0xff]).toString("base64url")}.ZVPxAA.${"A".repeat(43)}`]),
    64: () => cliInProcess(["decode"]),
    70: () => withBug(["decode", GOOD]),
  },
  verify: {
    0: () => cliInProcess(["verify", GOOD], env),
    1: () => cliInProcess(["verify", `${GOOD.slice(0, -2)}AA`], env),
    2: () => cliInProcess(["verify", GOOD, "--max-age", "10"], env),
    // Authentic, but the payload is a JSON list, not a session: signed by the codec's own signer.
    3: () => cliInProcess(["verify", signer.sign(Buffer.from("[1]").toString("base64url"))], env),
    64: () => cliInProcess(["verify", GOOD, "--max-age", "soon"], env),
    70: () => withBug(["verify", GOOD]),
  },
  sign: {
    0: () => cliInProcess(["sign", "--data", "{}"], env),
    64: () => cliInProcess(["sign", "--data", "{}"], { SECRET_KEY: "keyboard cat" }),
    65: () => cliInProcess(["sign", "--data", "[1, 2]"], env),
    70: () => withBug(["sign", "--data", "{}"]),
  },
  sessions: {
    0: () => cliInProcess(["sessions", "list", "--store", `sqlite:${dbPath}`]),
    64: () => cliInProcess(["sessions", "list"]),
    65: () => cliInProcess(["sessions", "show", "--store", `sqlite:${dbPath}`, "zzzzzzzz"]),
    69: () => cliInProcess(["sessions", "list", "--store", `sqlite:${join(dir, "typo.db")}`]),
    70: () => withBug(["sessions", "list", "--store", `sqlite:${dbPath}`]),
  },
};

/** The codes an exit-code table lists. */
function documented(help: string): number[] {
  const table = help.slice(help.indexOf("Exit codes:"));
  return [...table.matchAll(/^ {2}(\d+) +\S/gm)].map((m) => Number(m[1]));
}

test("every command has a case for each exit code its --help documents, and no other", async () => {
  assert.deepEqual(Object.keys(CASES).sort(), [...COMMANDS.keys()].sort(), "a case table per command");
  for (const name of COMMANDS.keys()) {
    const help = await cliInProcess([name, "--help"]);
    assert.equal(help.code, 0);
    assert.deepEqual(documented(help.out), Object.keys(CASES[name]!).map(Number).sort((a, b) => a - b), `${name} --help`);
  }
});

for (const [name, cases] of Object.entries(CASES)) {
  test(`${name}: each documented exit code, for its documented reason`, async () => {
    for (const [code, run] of Object.entries(cases)) {
      const result = await run();
      assert.equal(result.code, Number(code), `${name} → ${code}: ${result.out}${result.err}`);
      if (Number(code) === 70) assert.match(result.err, new RegExp(`^sessionkit ${name}: internal error \\(TypeError\\); please report it`));
    }
  });
}

test("the top-level help documents 0, 64 and 70, and each happens", async () => {
  const help = await cliInProcess(["--help"]);
  assert.equal(help.code, 0);
  assert.deepEqual(documented(help.out), [0, 64, 70]);
  assert.equal((await cliInProcess(["--version"])).code, 0);
  assert.equal((await cliInProcess(["no-such-command"])).code, 64);
  assert.equal((await cliInProcess([])).code, 64, "no command: the usage, as an error");
  assert.equal((await withBug(["decode", GOOD])).code, 70);
});

test("sessions --help describes 65 as no match, not as bad --data", async () => {
  const help = (await cliInProcess(["sessions", "--help"])).out;
  assert.match(help, /^ {2}65 +no session matches the id hash prefix, or several do$/m);
  assert.doesNotMatch(help, /--data/);
});
