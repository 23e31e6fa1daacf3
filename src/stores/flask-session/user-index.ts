/**
 * The Flask-Session store's user index: one Redis set of raw session ids per
 * user (`metaBase + "u:" + "=" + userId`), with no cap. Walks over it go
 * SSCAN step by step (`batchSize` members at a time), so no user's set is
 * read whole into memory; each step drops stale members. Whatever leaves
 * this module names a session by the SHA-256 of its id, never the id (a
 * live cookie); Redis's Lua has no SHA-256, so the hashing happens here.
 */
import { hashSessionId } from "../../core/ids.js";
import type { StoredSessionInfo } from "../../core/store.js";
import { SCRIPTS, type LuaScript } from "./scripts.js";

type RedisArgument = string | Buffer;
type Run = (script: LuaScript, keys: string[], args: RedisArgument[]) => Promise<unknown>;

/** The key prefixes of one store, and the walk's step size. */
export interface UserIndexLayout {
  keyPrefix: string;
  metaPrefix: string;
  userPrefix: string;
  batchSize: number;
}

/** A live member of a user's set, as one SSCAN step reports it. */
interface LiveMember {
  id: string;
  createdAtMs: number | undefined;
  expiresAtMs: number | undefined;
  /** A regenerated session's old id: the link a log out everywhere follows, not a session of its own. */
  frozen: boolean;
}

/** Upper bound of SSCAN steps in one walk: far beyond any real set, it only guards a broken server. */
const MAX_STEPS = 10_000_000;

/**
 * The user id as the scripts keep it: prefixed with "=" so that an empty user
 * id stays distinct from "no user".
 *
 * @example
 * userArg("alice"); // "=alice"
 */
export function userArg(userId: string | undefined): string {
  return userId === undefined ? "" : `=${userId}`;
}

/** Whether `id` is the excepted session, named by its raw id (from core) or its hash (from a listing). */
function isExcepted(id: string, except: string | undefined): boolean {
  return except !== undefined && (id === except || hashSessionId(id) === except);
}

/**
 * List, end or find a user's sessions.
 *
 * @example
 * const index = new FlaskUserIndex(run, { keyPrefix: "session:", metaPrefix: "sessionkit:session:m:", userPrefix: "sessionkit:session:u:", batchSize: 1000 });
 * await index.list("alice", Date.now());
 */
export class FlaskUserIndex {
  readonly #run: Run;
  readonly #layout: UserIndexLayout;

  constructor(run: Run, layout: UserIndexLayout) {
    this.#run = run;
    this.#layout = layout;
  }

  /** Every live session of `userId`, under the SHA-256 of its id. */
  async list(userId: string, nowMs: number, progress?: () => void): Promise<StoredSessionInfo[]> {
    const out: StoredSessionInfo[] = [];
    const seen = new Set<string>(); // SSCAN may return a member twice
    await this.#walk(userId, nowMs, async (members) => {
      for (const { id, createdAtMs, expiresAtMs, frozen } of members) {
        if (frozen || seen.has(id)) continue;
        seen.add(id);
        out.push({ idHash: hashSessionId(id), createdAtMs: createdAtMs ?? nowMs, expiresAtMs: expiresAtMs ?? Number.MAX_SAFE_INTEGER, userId });
      }
    }, progress);
    return out.sort((a, b) => a.createdAtMs - b.createdAtMs || (a.idHash < b.idHash ? -1 : 1));
  }

  /** End every session of `userId` but the excepted one (raw id or listed hash), with their links; resolves how many were live. */
  async destroyAll(userId: string, except: string | undefined, nowMs: number, progress?: () => void): Promise<number> {
    const { keyPrefix, metaPrefix, userPrefix } = this.#layout;
    let removed = 0;
    // The raw id is what links hold, and the excepted session's old ids may come in any step of
    // the walk: find it first when the except came as a hash (a raw id has no listed hash to match).
    const stopAt = except === undefined ? "" : ((await this.find(userId, except, nowMs)) ?? except);
    await this.#walk(userId, nowMs, async (members) => {
      const ids = members.map((m) => m.id);
      const targets = ids.filter((id) => id !== stopAt && !isExcepted(id, except));
      if (targets.length === 0) return;
      const args = [String(nowMs), keyPrefix, metaPrefix, userArg(userId), userPrefix, stopAt, ...targets];
      removed += Number(await this.#run(SCRIPTS.userDestroy, [this.#key(userId)], args));
    }, progress);
    return removed;
  }

  /** The raw id of the live session of `userId` a listing named `idHash`, if any. */
  async find(userId: string, idHash: string, nowMs: number): Promise<string | undefined> {
    let found: string | undefined;
    await this.#walk(userId, nowMs, async (members) => {
      found ??= members.find((m) => !m.frozen && hashSessionId(m.id) === idHash)?.id;
    });
    return found;
  }

  #key(userId: string): string {
    return this.#layout.userPrefix + userArg(userId);
  }

  /** SSCAN the user's set one step at a time; `visit` gets each step's live members before the next step is read, then `progress` is called. */
  async #walk(userId: string, nowMs: number, visit: (members: LiveMember[]) => Promise<void>, progress?: () => void): Promise<void> {
    const { keyPrefix, metaPrefix, batchSize } = this.#layout;
    let cursor = "0";
    for (let step = 0; step < MAX_STEPS; step += 1) {
      const args = [String(nowMs), keyPrefix, metaPrefix, userArg(userId), cursor, String(batchSize)];
      const [next, rows] = (await this.#run(SCRIPTS.userScan, [this.#key(userId)], args)) as [Buffer, Buffer[][]];
      const members = rows.map(([id, c, e, f]) => {
        const created = c!.toString("utf8");
        const expires = e!.toString("utf8");
        return {
          id: id!.toString("utf8"),
          createdAtMs: created === "" ? undefined : Number(created),
          expiresAtMs: expires === "" ? undefined : Number(expires),
          frozen: f!.toString("utf8") === "1",
        };
      });
      if (members.length > 0) await visit(members);
      progress?.();
      cursor = next.toString("utf8");
      if (cursor === "0") return;
    }
  }
}
