/**
 * The rows of the in-process benchmark and how one child process measures
 * them: the manager alone (`core-*`: load + route + commit, no framework),
 * per framework and cookie format, per store (on node:http); `/read` (warm:
 * the same verified cookie every time), `/write` (the login cookie every
 * time, as the side-by-side run sends it, so each write verifies nothing new
 * and signs one new cookie) and, on the manager and node:http cookie rows,
 * `read-cold` (a pool of distinct valid cookies, more than the verified
 * cache holds, sent in turn: every request verifies an HMAC or decrypts).
 *
 * With a baseline module (`--baseline=<ref>`), every row also measures
 * `base`: the same app around the older sessionkit, in the same rounds.
 */
import { createSessions } from "sessionkit";
import { SECRET, USER } from "../servers/shared.js";
import { buildApp, FRAMEWORKS, managerInject, type Inject } from "./apps.js";
import { measureRow, turn, TURN_EVERY, type MeasureOptions, type RoundSamples, type RowHealth, type Variant } from "./measure.js";
import { setupStore, STORES } from "./stores.js";

export type Scenario = "read" | "write" | "read-cold";

/** One measured row of one run. */
export interface RowResult {
  id: string;
  framework: string;
  mode: string;
  scenario: Scenario;
  samples: RoundSamples;
  /** Requests per batch, the heap at the row's start and end, and the GC share per variant. */
  health?: RowHealth;
  /** Why the row has no `base` samples although a baseline was given. */
  noBaseline?: string;
}

/** The baseline bundle's exports (bench/inprocess/baseline-entry.ts). */
export interface BaselineModule {
  createSessions: typeof createSessions;
  buildApp: typeof buildApp;
  managerInject: typeof managerInject;
  setupStore: typeof setupStore;
}

interface Opened {
  bare: Inject;
  floor: Inject | undefined;
  sk: Inject;
  close: () => Promise<void>;
}

interface Row {
  id: string;
  framework: string;
  mode: string;
  cold: boolean;
  /** The row's variants around `kit` (the current sessionkit, or the baseline's). */
  open: (kit: BaselineModule, suffix: string) => Promise<Opened>;
}

const cookieOptions = { httpOnly: true, sameSite: "lax" as const, secure: "auto" as const };
const CURRENT: BaselineModule = { createSessions, buildApp, managerInject, setupStore };
/** Distinct cookies for cold reads: more than the verified cache's 10,000 entries. */
const COLD_POOL = 12_000;

function rows(): Row[] {
  const out: Row[] = [];
  for (const format of ["signed", "encrypted"] as const) {
    out.push({
      id: `core-${format}`,
      framework: "core",
      mode: format,
      cold: true,
      open: async (kit) => ({ bare: kit.managerInject(), floor: undefined, sk: kit.managerInject(kit.createSessions({ secret: SECRET, format, cookie: cookieOptions })), close: async () => {} }),
    });
  }
  for (const framework of FRAMEWORKS) {
    for (const format of ["signed", "encrypted"] as const) {
      out.push({
        id: `${framework}-${format}`,
        framework,
        mode: format,
        cold: framework === "node",
        open: async (kit) => ({
          bare: await kit.buildApp(framework),
          floor: framework === "hono" || framework === "web" ? undefined : await kit.buildApp(framework, undefined, true),
          sk: await kit.buildApp(framework, kit.createSessions({ secret: SECRET, format, cookie: cookieOptions })),
          close: async () => {},
        }),
      });
    }
  }
  for (const store of STORES) {
    out.push({
      id: `node-${store}`,
      framework: "node",
      mode: store,
      cold: false,
      open: async (kit, suffix) => {
        const setup = await kit.setupStore(store, suffix);
        return { bare: await kit.buildApp("node"), floor: setup.floor, sk: await kit.buildApp("node", setup.sessions), close: setup.close };
      },
    });
  }
  return out;
}

/**
 * One variant; `cookies` is one cookie (warm) or a pool sent in turn (cold).
 * Every `/read` must answer the logged-in user: a store that lost the
 * session answers 200 with no user, and a read of nothing is another, cheaper
 * path (4a05fee's Redis store gave every key a TTL of 1 s, so its read row
 * measured a missing key). With `lost`, such answers are counted there (the
 * baseline's: the row is then reported without it); without, they throw.
 *
 * @example
 * const lost = { reads: 0 };
 * await variant("base", base.sk, "/read", [baseCookie], lost).run(); // lost.reads: 1 if it answered no user
 */
export function variant(name: Variant["name"], send: Inject, path: string, cookies: string[], lost?: { reads: number }): Variant {
  let next = 0;
  return {
    name,
    run: async () => {
      const cookie = cookies[next]!;
      next = next + 1 === cookies.length ? 0 : next + 1;
      const answer = await send(path, cookie);
      if (answer.status !== 200) throw new Error(`${name} ${path} answered ${answer.status}`);
      if (path === "/read" && answer.body !== USER) {
        if (!lost) throw new Error(`${name} /read answered no user: the session was lost, so the row would measure another path`);
        lost.reads += 1;
      }
    },
  };
}

/** Log in on `sk`, and refuse a row that breaks the contract (a fast wrong row would look good). */
async function login(id: string, sk: Inject): Promise<string> {
  const first = await sk("/login", undefined);
  const cookie = first.setCookie[0]?.split(";", 1)[0];
  if (!cookie) throw new Error(`${id}: /login set no cookie`);
  const read = await sk("/read", cookie);
  if (read.body !== "alice" || read.setCookie.length > 0) throw new Error(`${id}: /read must answer alice and set no cookie`);
  return cookie;
}


/**
 * The cold pool, made by a third instance of the row (same secret and
 * format), not by the measured one: making it loads 12,000 login cookies,
 * which would fill the measured manager's verified cache (the encrypted
 * format's logins are all distinct) while the baseline's stayed empty, and
 * the two would then be measured in different states (a full cache evicts on
 * every miss). This way both start empty.
 */
async function coldPoolApart(row: Row): Promise<string[]> {
  const maker = await row.open(CURRENT, "_pool");
  try {
    return await coldPool(maker.sk);
  } finally {
    await maker.close();
  }
}

/**
 * Distinct valid cookies: each a login then a write, so each holds its own counter value (two logins in one second sign the same bytes).
 * The event loop turns every TURN_EVERY pairs, as in the measurement: without a turn, the 24,000 injected requests stayed alive (measure.ts).
 */
async function coldPool(sk: Inject): Promise<string[]> {
  const first = (answer: { setCookie: string[] }): string => answer.setCookie[0]!.split(";", 1)[0]!;
  const pool = new Set<string>();
  for (let i = 1; pool.size < COLD_POOL; i++) {
    pool.add(first(await sk("/write", first(await sk("/login", undefined)))));
    if (i % TURN_EVERY === 0) await turn();
  }
  return [...pool];
}

/**
 * Measure every row whose id matches `only`, in this process; with
 * `baseline`, beside the same row around the baseline's sessionkit.
 *
 * @example
 * const results = await runRows(/node-/, { rounds: 15, batchMs: 25, warmupRequests: 2000 }, console.log);
 */
export async function runRows(only: RegExp, options: MeasureOptions, log: (line: string) => void, baseline?: BaselineModule): Promise<RowResult[]> {
  const results: RowResult[] = [];
  for (const row of rows().filter((r) => only.test(r.id))) {
    const { bare, floor, sk, close } = await row.open(CURRENT, "");
    let base: Opened | undefined;
    let baseCookie = "";
    let noBaseline: string | undefined;
    try {
      if (baseline) {
        try {
          base = await row.open(baseline, "_base");
          // Its own login: a store row's baseline has its own store. A cookie row's cold pool is shared (same secret, same format).
          baseCookie = await login(`${row.id} at the baseline`, base.sk);
        } catch (error) {
          noBaseline = `the baseline cannot run this row (${error instanceof Error ? error.message.slice(0, 160) : "error"})`;
          log(`${row.id}: ${noBaseline}`);
          await base?.close();
          base = undefined;
        }
      }
      const cookie = await login(row.id, sk);
      const pool = row.cold ? await coldPoolApart(row) : [];
      for (const scenario of row.cold ? (["read", "write", "read-cold"] as const) : (["read", "write"] as const)) {
        const path = scenario === "write" ? "/write" : "/read";
        const cookies = scenario === "read-cold" ? pool : [cookie];
        const variants = [variant("bare", bare, path, cookies), variant("sk", sk, path, cookies)];
        if (floor && scenario !== "read-cold") variants.splice(1, 0, variant("floor", floor, path, cookies));
        const lost = { reads: 0 };
        if (base) variants.push(variant("base", base.sk, path, scenario === "read-cold" ? pool : [baseCookie], lost));
        const { samples, health } = await measureRow(variants, options);
        // After the rounds, each side's session must still be there (a write's answer does not show it).
        if ((await sk("/read", cookie)).body !== USER) throw new Error(`${row.id} ${scenario}: the session was lost during the rounds`);
        if (base && (await base.sk("/read", baseCookie)).body !== USER) lost.reads += 1;
        let why = baseline && !base ? noBaseline : undefined;
        if (lost.reads > 0) {
          delete samples.base;
          why = `the baseline lost its session during the rounds (${lost.reads} reads answered no user): not comparable`;
          log(`${row.id} ${scenario}: ${why}`);
        }
        results.push({ id: row.id, framework: row.framework, mode: row.mode, scenario, samples, health, ...(why ? { noBaseline: why } : {}) });
        const share = Object.entries(health.gcShare).map(([name, x]) => `${name} ${(x * 100).toFixed(1)}%`).join(", ");
        log(`${row.id} ${scenario} done: ${health.requests} requests per batch, heap ${health.heapStartMB.toFixed(1)} → ${health.heapEndMB.toFixed(1)} MB, GC in the batches ${share}`);
      }
    } finally {
      await close();
      await base?.close();
    }
  }
  return results;
}
