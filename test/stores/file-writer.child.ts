// Child process for test/stores/file.test.ts: a second (third, …) process
// writing to the same FileStore directory. Not a test file itself.
//
//   keys   <dir> <idHash> <prefix> <count>   apply <count> changes concurrently, each setting <prefix><i>
//   hammer <dir> <idHash> <bytes>            rewrite {a, b, big} forever, printing "committed <i>" after each
//   locks  <dir> <idHash> <loops>            <loops> writers (fsync off), each on its own session, forever:
//                                            lock files and their temporary files come and go all the time
import { FileStore } from "../../src/stores/file.js";
import { ctx } from "../../src/testing/index.js";

const [mode, dir, idHash, arg3, arg4] = process.argv.slice(2);
if (dir === undefined || idHash === undefined) throw new Error("usage: keys|hammer <dir> <idHash> ...");
const store = new FileStore({ directory: dir });

function set(entries: Record<string, string>): Record<string, string> {
  return Object.assign(Object.create(null) as Record<string, string>, entries);
}

if (mode === "keys") {
  const prefix = arg3 ?? "c";
  const count = Number(arg4 ?? "50");
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) => store.apply(idHash, { set: set({ [`${prefix}${i}`]: String(i) }), delete: [] }, ctx())),
  );
  process.stdout.write(`${JSON.stringify(results.filter((r) => r !== "ok"))}\n`);
} else if (mode === "hammer") {
  const filler = "x".repeat(Number(arg3 ?? "1000000"));
  // Bounded: the parent SIGKILLs this process; the cap only stops a runaway if it never does.
  for (let i = 1; i <= 100_000; i += 1) {
    const result = await store.apply(idHash, { set: set({ a: String(i), b: String(i), big: `${filler}${i}` }), delete: [] }, ctx());
    if (result !== "ok") throw new Error(`apply returned ${result}`);
    process.stdout.write(`committed ${i}\n`);
  }
} else if (mode === "locks") {
  const fast = new FileStore({ directory: dir, fsync: false });
  const loops = Number(arg3 ?? "8");
  const ids = Array.from({ length: loops }, (_, i) => `${idHash.slice(0, 41)}${String(i).padStart(2, "0")}`);
  for (const id of ids) await fast.create(id, { data: set({}), createdAtMs: Date.now(), expiresAtMs: Date.now() + 3_600_000 }, ctx());
  process.stdout.write("ready\n");
  // Bounded: the parent SIGKILLs this process; the cap only stops a runaway if it never does.
  await Promise.all(
    ids.map(async (id) => {
      for (let i = 0; i < 1_000_000; i += 1) await fast.apply(id, { set: set({ n: String(i) }), delete: [] }, ctx());
    }),
  );
} else {
  throw new Error(`unknown mode ${mode}`);
}
