/**
 * The rows of the in-process benchmark and how one child process measures
 * them: per framework and cookie format, per store (on node:http), `/read`
 * (warm: the same verified cookie every time) and `/write` (the login
 * cookie every time, as the side-by-side run sends it, so each write
 * verifies nothing new and signs one new cookie).
 */
import { createSessions } from "sessionkit";
import { SECRET } from "../servers/shared.js";
import { buildApp, FRAMEWORKS, type Inject } from "./apps.js";
import { measureRow, type MeasureOptions, type RoundSamples, type Variant } from "./measure.js";
import { setupStore, STORES } from "./stores.js";

/** One measured row of one run. */
export interface RowResult {
  id: string;
  framework: string;
  mode: string;
  scenario: "read" | "write";
  samples: RoundSamples;
}

interface Row {
  id: string;
  framework: string;
  mode: string;
  open: () => Promise<{ bare: Inject; floor: Inject | undefined; sk: Inject; close: () => Promise<void> }>;
}

const cookieOptions = { httpOnly: true, sameSite: "lax" as const, secure: "auto" as const };

function rows(): Row[] {
  const out: Row[] = [];
  for (const framework of FRAMEWORKS) {
    for (const format of ["signed", "encrypted"] as const) {
      out.push({
        id: `${framework}-${format}`,
        framework,
        mode: format,
        open: async () => ({
          bare: await buildApp(framework),
          floor: framework === "hono" || framework === "web" ? undefined : await buildApp(framework, undefined, true),
          sk: await buildApp(framework, createSessions({ secret: SECRET, format, cookie: cookieOptions })),
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
      open: async () => {
        const setup = await setupStore(store);
        return { bare: await buildApp("node"), floor: setup.floor, sk: await buildApp("node", setup.sessions), close: setup.close };
      },
    });
  }
  return out;
}

function variant(name: Variant["name"], send: Inject, path: string, cookie: string): Variant {
  return {
    name,
    run: async () => {
      const answer = await send(path, cookie);
      if (answer.status !== 200) throw new Error(`${name} ${path} answered ${answer.status}`);
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
 * Measure every row whose id matches `only`, in this process.
 *
 * @example
 * const results = await runRows(/node-/, { rounds: 15, batchMs: 25, warmupRequests: 2000 });
 */
export async function runRows(only: RegExp, options: MeasureOptions, log: (line: string) => void): Promise<RowResult[]> {
  const results: RowResult[] = [];
  for (const row of rows().filter((r) => only.test(r.id))) {
    const { bare, floor, sk, close } = await row.open();
    try {
      const cookie = await login(row.id, sk);
      for (const scenario of ["read", "write"] as const) {
        const path = `/${scenario}`;
        const variants = [variant("bare", bare, path, cookie), variant("sk", sk, path, cookie)];
        if (floor) variants.splice(1, 0, variant("floor", floor, path, cookie));
        const samples = await measureRow(variants, options);
        results.push({ id: row.id, framework: row.framework, mode: row.mode, scenario, samples });
        log(`${row.id} ${scenario} done`);
      }
    } finally {
      await close();
    }
  }
  return results;
}
