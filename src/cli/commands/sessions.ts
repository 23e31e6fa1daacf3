/**
 * `sessionkit sessions list|show|revoke|prune --store URL`: look after a
 * server-side store from the shell. It uses only the store's public
 * methods (`list`, `listForUser`, `load`, `destroy`, `destroyForUser`,
 * `prune`), so it works on any store that has them, and says which one is
 * missing when a store lacks it. A store keyed by raw ids (Flask-Session's)
 * lists hashes like every other; `show` and `revoke` reach such a session
 * through the store's `loadListed`/`destroyListed`, by the hash.
 */
import { storeContext, type StoreContext, type StoreRecord, type StoredSessionInfo, type Store } from "../../core/store.js";
import { lastOption, parseArgs, type ParsedArgs, UsageError } from "../args.js";
import { ConfigError } from "../../core/errors.js";
import { describeStoreCause } from "../../core/store-cause.js";
import { formatSession, formatTable, printable, progressFrame, safeJson, shortId, toRow } from "../stores/format.js";
import { openStore, StoreCallError, storeKind, storeWhere, withStorePrefix, type OpenedStore } from "../stores/open-store.js";
import { type CliCommand, type CliIo, EXIT } from "../types.js";

const SPEC = {
  valued: ["store", "user", "limit", "table", "prefix", "user-prefix", "meta-prefix", "batch"],
  flags: ["json", "help"],
} as const;

/** A prefix shorter than this could match many sessions by accident. */
const MIN_PREFIX = 6;
/** "No limit" for stores whose `list` has a default cap. */
const LIST_ALL = 1_000_000_000;
/** Upper bound of prune batches (a store that never reports 0 must not loop forever). */
const MAX_BATCHES = 1_000_000;

/** What a subcommand gets. */
interface Context {
  args: ParsedArgs;
  io: CliIo;
  opened: OpenedStore;
  json: boolean;
}

function missing(opened: OpenedStore, method: string, hint = ""): UsageError {
  return new UsageError(`the ${opened.kind} store has no \`${method}\`${hint}`);
}

function positiveInt(args: ParsedArgs, name: string): number | undefined {
  const text = lastOption(args, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number ≥ 1`);
  return n;
}

/** What a raw-id store offers to reach a session by the hash a listing gave. */
interface ListedAccess {
  loadListed(userId: string, idHash: string, ctx: StoreContext): Promise<StoreRecord | undefined>;
  destroyListed(userId: string, idHash: string, ctx: StoreContext): Promise<boolean>;
}

/** For a store keyed by raw ids: how to reach a listed session, or a usage error saying why it cannot be. */
function listedAccess(ctx: Context, found: StoredSessionInfo): ListedAccess & { userId: string } {
  const store = ctx.opened.store as Store & Partial<ListedAccess>;
  if (typeof store.loadListed !== "function" || typeof store.destroyListed !== "function") {
    throw missing(ctx.opened, "loadListed/destroyListed", " (it keys sessions by raw id, so a listed hash cannot be looked up)");
  }
  if (found.userId === undefined) throw new UsageError("this store finds a listed session within its user's index: pass --user");
  return { loadListed: store.loadListed.bind(store), destroyListed: store.destroyListed.bind(store), userId: found.userId };
}

async function listSessions(ctx: Context, options: { limit?: number | undefined; userId?: string | undefined }): Promise<StoredSessionInfo[]> {
  const { store } = ctx.opened;
  const nowMs = Date.now();
  // Ask for everything live, then apply --limit here.
  let found: StoredSessionInfo[];
  if (store.list) found = await store.list({ nowMs, limit: LIST_ALL, ...(options.userId === undefined ? {} : { userId: options.userId }) });
  else if (options.userId !== undefined && store.listForUser) found = await store.listForUser(options.userId, storeContext(nowMs));
  else throw missing(ctx.opened, "list", options.userId === undefined ? " (it can only list one user's sessions: pass --user)" : "");
  const live = found.filter((s) => s.expiresAtMs > nowMs);
  return options.limit === undefined ? live : live.slice(0, options.limit);
}

/** The one session whose id hash starts with `prefix`, or an explanation. */
async function resolvePrefix(ctx: Context, prefix: string): Promise<StoredSessionInfo | string> {
  if (!/^[A-Za-z0-9_-]+$/.test(prefix) || prefix.length < MIN_PREFIX) {
    throw new UsageError(`give at least ${MIN_PREFIX} characters of the id hash, as \`list\` prints them`);
  }
  const matches = (await listSessions(ctx, { userId: lastOption(ctx.args, "user") })).filter((s) => s.idHash.startsWith(prefix));
  if (matches.length === 1) return matches[0]!;
  return matches.length === 0 ? "no session matches that id hash prefix" : `${matches.length} sessions match that prefix: give more characters`;
}

async function list(ctx: Context): Promise<number> {
  if (ctx.args.positionals.length > 1) throw new UsageError("list takes no argument (filter with --user)");
  const sessions = await listSessions(ctx, { limit: positiveInt(ctx.args, "limit"), userId: lastOption(ctx.args, "user") });
  ctx.io.out(ctx.json ? safeJson(sessions.map(toRow)) : formatTable(sessions));
  return EXIT.OK;
}

async function show(ctx: Context): Promise<number> {
  const prefix = ctx.args.positionals[1];
  if (prefix === undefined || ctx.args.positionals.length > 2) throw new UsageError("show takes one id hash prefix");
  const found = await resolvePrefix(ctx, prefix);
  if (typeof found === "string") {
    ctx.io.err(`sessionkit sessions show: ${found}`);
    return EXIT.DATA_ERROR;
  }
  const { store } = ctx.opened;
  let record: StoreRecord | undefined;
  if (store.rawIds === true) {
    const access = listedAccess(ctx, found);
    record = await access.loadListed(access.userId, found.idHash, storeContext());
  } else {
    record = await store.load(found.idHash, storeContext());
  }
  if (!record) {
    ctx.io.err("sessionkit sessions show: the session ended while it was being looked up");
    return EXIT.DATA_ERROR;
  }
  if (ctx.json) {
    const data = Object.create(null) as Record<string, string>;
    for (const key of Object.keys(record.data)) data[key] = record.data[key]!;
    const row = { ...toRow({ ...found, createdAtMs: record.createdAtMs, expiresAtMs: record.expiresAtMs, userId: record.userId }), frozen: record.frozen === true };
    ctx.io.out(safeJson({ ...row, data }));
    return EXIT.OK;
  }
  for (const line of formatSession(found, record)) ctx.io.out(line);
  return EXIT.OK;
}

async function revoke(ctx: Context): Promise<number> {
  const { store } = ctx.opened;
  const user = lastOption(ctx.args, "user");
  const prefix = ctx.args.positionals[1];
  if (ctx.args.positionals.length > 2) throw new UsageError("revoke takes one id hash prefix");
  if (prefix === undefined) {
    if (user === undefined) throw new UsageError("revoke needs an id hash prefix or --user USER");
    if (!store.destroyForUser) throw missing(ctx.opened, "destroyForUser");
    const n = await store.destroyForUser(user, undefined, storeContext());
    ctx.io.out(ctx.json ? JSON.stringify({ revoked: n }) : `revoked ${n} session${n === 1 ? "" : "s"} of that user`);
    return EXIT.OK;
  }
  const found = await resolvePrefix(ctx, prefix);
  if (typeof found === "string") {
    ctx.io.err(`sessionkit sessions revoke: ${found}`);
    return EXIT.DATA_ERROR;
  }
  if (store.rawIds === true) {
    const access = listedAccess(ctx, found);
    await access.destroyListed(access.userId, found.idHash, storeContext());
  } else {
    await store.destroy(found.idHash, storeContext());
  }
  ctx.io.out(ctx.json ? JSON.stringify({ revoked: 1, idHashPrefix: toRow(found).idHashPrefix }) : `revoked session ${shortId(found.idHash)}`);
  return EXIT.OK;
}

async function prune(ctx: Context, store: Store, isTTY: boolean, writeErr: (s: string) => void): Promise<number> {
  if (ctx.args.positionals.length > 1) throw new UsageError("prune takes no argument");
  if (!store.prune) {
    // Redis expires records itself (TTL); there is nothing to prune.
    ctx.io.out(ctx.json ? JSON.stringify({ pruned: 0, native: true }) : `the ${ctx.opened.kind} store expires sessions itself: nothing to prune`);
    return EXIT.OK;
  }
  const batch = positiveInt(ctx.args, "batch") ?? 1_000;
  const started = Date.now();
  // The file store also says what it could not read; the last pass (the one that found nothing left) saw every file.
  const reporting = store as Store & { pruneReport?: (nowMs: number, limit?: number) => Promise<{ removed: number; unreadable: number }> };
  let removed = 0;
  let batches = 0;
  let unreadable: number | undefined;
  for (; batches < MAX_BATCHES; batches++) {
    let n: number;
    if (typeof reporting.pruneReport === "function") {
      const report = await reporting.pruneReport(Date.now(), batch);
      n = report.removed;
      unreadable = report.unreadable;
    } else {
      n = await store.prune(Date.now(), batch);
    }
    removed += n;
    if (isTTY) writeErr(progressFrame(batches + 1, removed, Date.now() - started));
    if (n === 0) break;
  }
  if (isTTY) writeErr("\n");
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ pruned: removed, batches: batches + 1, ...(unreadable === undefined ? {} : { unreadable }) }));
    return EXIT.OK;
  }
  ctx.io.out(`pruned ${removed} expired session${removed === 1 ? "" : "s"}`);
  if (unreadable) ctx.io.out(`${unreadable} session file${unreadable === 1 ? "" : "s"} could not be read and ${unreadable === 1 ? "was" : "were"} left in place`);
  return EXIT.OK;
}

/** A store failure in words (a driver's message may hold the URL and its password: never printed). */
function describeFailure(error: unknown): string {
  return describeStoreCause(error).text;
}

export const command: CliCommand = {
  name: "sessions",
  summary: "list, show, revoke or prune server-side sessions in a store",
  help: `usage: sessionkit sessions list   [--store URL] [--user USER] [--limit N] [--json]
       sessionkit sessions show   [--store URL] <id-hash-prefix> [--json]
       sessionkit sessions revoke [--store URL] <id-hash-prefix> | --user USER
       sessionkit sessions prune  [--store URL] [--batch N]

The store is --store URL, else the SESSION_STORE environment variable (the
tutorial's own setting; it keeps a password out of \`ps\`):
  sqlite:PATH        a SqliteStore database file (it must exist)
  redis://…          a RedisStore
  flask-session+redis://…
                     a FlaskSessionRedisStore (Flask-Session's records)
  postgres://…       a PostgresStore (its table must exist)
  file:DIR           a FileStore folder (it must exist)
SESSION_STORE_PREFIX=P, as in the tutorial, means the Redis key prefixes
P:sess: and P:user: and the table sessionkit_P (on a flask-session store, P
is Flask-Session's SESSION_KEY_PREFIX itself). --table NAME, --prefix,
--user-prefix and --meta-prefix (the flask-session store's metadata)
override them when the app uses other names.

list     one row per live session (expired ones are left out): id hash
         prefix, user, created, expires.
         Ids are shown only as the first characters of their SHA-256 hash,
         never whole. --user filters by user id (on Redis, which has no
         list of every session, --user is needed); --json prints JSON.
show     one session's metadata and data (values as Flask tagged JSON).
revoke   end one session (by id hash prefix, at least ${MIN_PREFIX} characters,
         matching exactly one session) or every session of --user.
prune    delete expired sessions in batches of --batch (default 1000)
         until none is left; a progress bar on stderr when it is a terminal.
         The file store also reports session files it could not read.
Control characters in user ids and data are printed escaped (\\u001b).`,
  exitCodes: [
    [EXIT.OK, "done"],
    [EXIT.USAGE, "usage error (unknown option, no store given, a store URL the CLI cannot open, a store without the method the command needs)"],
    [EXIT.DATA_ERROR, "no session matches the id hash prefix, or several do"],
    [EXIT.UNAVAILABLE, "the store cannot be used: its file or folder does not exist, its server is unreachable or refuses the credentials, its table is missing"],
  ],
  async run(argv, io) {
    const args = parseArgs(argv, SPEC);
    const sub = args.positionals[0];
    if (sub !== "list" && sub !== "show" && sub !== "revoke" && sub !== "prune") {
      throw new UsageError("give a subcommand: list, show, revoke or prune");
    }
    const url = (lastOption(args, "store") ?? io.env.SESSION_STORE)?.trim();
    if (url === undefined || url === "") {
      throw new UsageError("--store URL is required, or set SESSION_STORE (the tutorial's default store is sqlite:./sessionkit-tutorial.db)");
    }
    const kind = storeKind(url);
    const names = withStorePrefix(
      { table: lastOption(args, "table"), prefix: lastOption(args, "prefix"), userPrefix: lastOption(args, "user-prefix"), metaPrefix: lastOption(args, "meta-prefix") },
      io.env.SESSION_STORE_PREFIX,
      kind,
    );
    // The table a SQL store looks in: a missing one is most often the wrong name (SESSION_STORE_PREFIX, --table).
    const where = `${kind} store at ${kind === undefined ? "?" : storeWhere(url)}${kind === "postgres" || kind === "sqlite" ? ` (table ${printable(names.table ?? "sessionkit_sessions")})` : ""}`;
    let opened: OpenedStore;
    try {
      opened = await openStore(url, names);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      // A store's own option check (a table name it refuses): its message says what to change.
      if (error instanceof ConfigError) throw new UsageError(error.message.replace(/^sessionkit: /, ""));
      io.err(`sessionkit sessions: could not open the ${where}: ${describeFailure(error)}`);
      return EXIT.UNAVAILABLE;
    }
    const ctx: Context = { args, io, opened, json: args.flags.has("json") };
    try {
      if (sub === "list") return await list(ctx);
      if (sub === "show") return await show(ctx);
      if (sub === "revoke") return await revoke(ctx);
      return await prune(ctx, opened.store, process.stderr.isTTY === true, (s) => void process.stderr.write(s));
    } catch (error) {
      // Anything but a store's failure is the CLI's own: main reports it as an internal error (70).
      if (!(error instanceof StoreCallError)) throw error;
      io.err(`sessionkit sessions ${sub}: the ${where} failed: ${describeFailure(error.cause)}`);
      return EXIT.UNAVAILABLE;
    } finally {
      await opened.close();
    }
  },
};
