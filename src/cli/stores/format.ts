/**
 * How the `sessions` commands print: session rows as a table or JSON, and
 * prune's progress bar. Ids are never printed whole: stores key sessions by
 * the SHA-256 of the id (not a live cookie), and even that is cut to
 * {@link ID_PREFIX_LENGTH} characters, enough to pick one session out.
 */
import type { StoredSessionInfo, StoreRecord } from "../../core/store.js";

/** Characters of an id hash the CLI shows (72 bits: unique in any real store). */
export const ID_PREFIX_LENGTH = 12;

/**
 * The shown form of an id hash.
 *
 * @example
 * shortId("Qm9vZ2xlIGlzIG5vdCBhIHZlcmIgb3IgaXMgaXQ_MTIz"); // "Qm9vZ2xlIGlz…"
 */
export function shortId(idHash: string): string {
  return `${idHash.slice(0, ID_PREFIX_LENGTH)}…`;
}

/** One row as `--json` prints it. */
export interface SessionRow {
  idHashPrefix: string;
  userId: string | null;
  createdAt: string;
  expiresAt: string;
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

/**
 * A session's summary for output.
 *
 * @example
 * toRow({ idHash, createdAtMs: 0, expiresAtMs: 1000 }).createdAt; // "1970-01-01T00:00:00.000Z"
 */
export function toRow(info: StoredSessionInfo): SessionRow {
  return {
    idHashPrefix: info.idHash.slice(0, ID_PREFIX_LENGTH),
    userId: info.userId ?? null,
    createdAt: iso(info.createdAtMs),
    expiresAt: iso(info.expiresAtMs),
  };
}

/**
 * Control characters (and the bidi overrides) would let a user id or a
 * stored value rewrite the terminal: show them escaped.
 *
 * @example
 * printable("bob\u001b[2J"); // "bob\\u001b[2J"
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * JSON for the terminal: `JSON.stringify` escapes C0 controls but leaves
 * DEL, the C1 controls and the bidi overrides raw; those become `\\uXXXX`
 * escapes too, so the output is the same JSON and rewrites no terminal.
 *
 * @example
 * safeJson({ user: "bob\u009b2J" }); // '{\n  "user": "bob\\u009b2J"\n}'
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * A readable, aligned table of sessions.
 *
 * @example
 * console.log(formatTable(await store.list()));
 */
export function formatTable(infos: readonly StoredSessionInfo[]): string {
  const header = ["ID (hash prefix)", "USER", "CREATED", "EXPIRES"];
  const rows = infos.map((info) => {
    const row = toRow(info);
    return [shortId(info.idHash), row.userId === null ? "-" : printable(row.userId), row.createdAt, row.expiresAt];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...r[i]!].length)));
  const line = (cells: string[]) => cells.map((c, i) => c + " ".repeat(widths[i]! - [...c].length)).join("  ").trimEnd();
  const out = [line(header), ...rows.map(line)];
  out.push(`${infos.length} session${infos.length === 1 ? "" : "s"}`);
  return out.join("\n");
}

/**
 * One session's metadata and data as `show` prints it, every line made
 * {@link printable}: the user id and the stored keys and values came from
 * whoever wrote the store.
 *
 * @example
 * for (const line of formatSession(info, record)) console.log(line);
 */
export function formatSession(info: StoredSessionInfo, record: StoreRecord): string[] {
  const row = toRow({ ...info, createdAtMs: record.createdAtMs, expiresAtMs: record.expiresAtMs, userId: record.userId });
  const keys = Object.keys(record.data);
  return [
    `session  ${shortId(info.idHash)}`,
    `user     ${row.userId === null ? "-" : printable(row.userId)}`,
    `created  ${row.createdAt}`,
    `expires  ${row.expiresAt}${record.frozen === true ? "  (frozen: regenerated, read-only)" : ""}`,
    `data     ${keys.length} key(s), values as Flask tagged JSON:`,
    ...keys.map((key) => `  ${printable(JSON.stringify(key))}: ${printable(record.data[key]!)}`),
  ];
}

/**
 * One frame of prune's progress bar. The store cannot count its expired
 * records ahead (they are invisible to `list`), so the bar is a moving
 * marker beside the running count and rate, drawn once per batch.
 *
 * @example
 * progressFrame(3, 3000, 1500); // "\r[   ===              ] pruned 3,000 (2,000/s)"
 */
export function progressFrame(batches: number, removed: number, elapsedMs: number, width = 20): string {
  const at = batches % (2 * (width - 3));
  const pos = at < width - 3 ? at : 2 * (width - 3) - at;
  const bar = `${" ".repeat(pos)}===`.padEnd(width, " ");
  const rate = elapsedMs > 0 ? Math.round((removed * 1000) / elapsedMs) : 0;
  return `\r[${bar}] pruned ${removed.toLocaleString("en-US")} (${rate.toLocaleString("en-US")}/s)`;
}
