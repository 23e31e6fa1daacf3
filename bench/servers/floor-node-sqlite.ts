/**
 * The floor of a SQLite-backed session on node:http: per request only the
 * statements a session needs at least (`/read`: one SELECT by key; `/write`:
 * a SELECT then an UPDATE), prepared once, with no session logic.
 */
import http from "node:http";
import Database from "better-sqlite3";
import { PORT, USER, announce, nextCounter, onShutdown } from "./shared.js";

const file = process.env.BENCH_SQLITE_FILE;
if (!file) throw new Error("floor-node-sqlite needs BENCH_SQLITE_FILE");
const db = new Database(file);
db.pragma("journal_mode = WAL");
db.exec("CREATE TABLE IF NOT EXISTS floor (id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at_ms INTEGER NOT NULL) WITHOUT ROWID");
db.prepare("INSERT OR REPLACE INTO floor VALUES ('k', ?, ?)").run(JSON.stringify({ user: USER, n: 0 }), Date.now() + 3_600_000);
const select = db.prepare<[string], { data: string; expires_at_ms: number }>("SELECT data, expires_at_ms FROM floor WHERE id = ?");
const update = db.prepare<[string, number, string]>("UPDATE floor SET data = ?, expires_at_ms = ? WHERE id = ?");

const server = http.createServer((req, res) => {
  res.setHeader("content-type", "text/plain; charset=utf-8");
  if (req.url === "/login") res.end("ok");
  else if (req.url === "/read") res.end(select.get("k") ? USER : "");
  else if (req.url === "/write") {
    const n = nextCounter();
    select.get("k");
    update.run(JSON.stringify({ user: USER, n }), Date.now() + 3_600_000, "k");
    res.end(String(n));
  } else {
    res.statusCode = 404;
    res.end("not found");
  }
});
server.listen(PORT, "127.0.0.1", () => announce(server));
onShutdown(() => {
  db.close();
});
