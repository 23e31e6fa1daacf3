// Child process for test/stores/sqlite-processes.test.ts: another process on
// the same SQLite file. Not a test file itself. `writers` prints "ready" when
// set up and waits for a line on stdin before writing, so that the parent can
// start every child at the same moment; `lock` prints "locked" once it holds
// the lock and releases it at the next line.
//
//   writers <file> <secret> <cookie> <prefix> <count>
//       <count> concurrent requests through createSessions on one session,
//       each setting <prefix><i>; prints a JSON list of the errors (empty when none)
//   lock <file>
//       take SQLite's write lock (BEGIN IMMEDIATE) and hold it until the next line
import { createInterface } from "node:readline";
import Database from "better-sqlite3";
import { createSessions } from "../../src/index.js";
import { SqliteStore } from "../../src/stores/sqlite.js";

const [mode, file, ...rest] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: writers|lock <file> ...");
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const nextLine = async (): Promise<void> => void (await lines.next());
const unhandled: string[] = [];
process.on("unhandledRejection", (error) => unhandled.push(`unhandled ${(error as Error)?.name}`));

if (mode === "writers") {
  const [secret, cookie, prefix, count] = rest as [string, string, string, string];
  const db = new Database(file);
  const sessions = createSessions({ secret, store: new SqliteStore({ db }) });
  process.stdout.write("ready\n");
  await nextLine();
  const errors: string[] = [];
  await Promise.all(
    Array.from({ length: Number(count) }, async (_, i) => {
      try {
        const session = await sessions.load(cookie);
        if (session.isNew) throw new Error("the session was not found");
        session.set(`${prefix}${i}`, i);
        await sessions.commit(session, { status: 200 });
      } catch (error) {
        errors.push(`${(error as Error).name}: ${(error as Error).message}`);
      }
    }),
  );
  db.close();
  process.stdout.write(`${JSON.stringify([...errors, ...unhandled])}\n`);
  process.exit(0);
} else if (mode === "lock") {
  const db = new Database(file);
  db.exec("BEGIN IMMEDIATE");
  process.stdout.write("locked\n");
  await nextLine();
  db.exec("COMMIT");
  db.close();
  process.stdout.write("released\n");
  process.exit(0);
} else {
  throw new Error(`unknown mode ${mode}`);
}
