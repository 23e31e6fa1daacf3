/**
 * How the `sessions` commands print: session rows as a table or JSON, and
 * prune's progress bar. Ids are never printed whole: stores key sessions by
 * the SHA-256 of the id (not a live cookie), and even that is cut to
 * {@link ID_PREFIX_LENGTH} characters, enough to pick one session out.
 */
import type { StoredSessionInfo } from "../../core/store.js";

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

/** Control characters (and the bidi overrides) would let a user id rewrite the terminal: show them escaped. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
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
