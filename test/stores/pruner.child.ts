/**
 * A second process for test/stores/prune-exclusive.test.ts: prunes a SQLite
 * file (`sqlite PATH`) or a file store folder (`file DIR`) one record per
 * batch through pruneExclusive, and prints `removed N` (or `skipped`).
 */
import Database from "better-sqlite3";
import { FileStore } from "../../src/stores/file.js";
import { SqliteStore } from "../../src/stores/sqlite.js";

const [kind, path] = process.argv.slice(2);
const store = kind === "sqlite" ? new SqliteStore({ db: new Database(path!), pruneBatchSize: 1 }) : new FileStore({ directory: path!, fsync: false, pruneBatchSize: 1 });
const removed = await store.pruneExclusive(Date.now());
process.stdout.write(removed === undefined ? "skipped\n" : `removed ${removed}\n`);
