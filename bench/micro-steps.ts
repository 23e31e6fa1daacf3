/**
 * The steps of sessionkit's hot path as plain functions, for
 * `npm run bench:micro -- --baseline=<ref>` (bench/micro-ab.ts): this file
 * is bundled twice, against the current tree and against the ref's
 * (bench/baseline.ts), so each step is timed on both in one process.
 * Only public API, which both trees share.
 */
import { createSessions } from "sessionkit";
import { EncryptedBox, TimestampSigner, dumps } from "sessionkit/codec";
import { MemoryStore } from "sessionkit/stores/memory";
import { SECRET } from "./servers/shared.js";

/** One step: `run` does it once (a promise for the manager's async steps). */
export interface Step {
  name: string;
  run: () => unknown;
}

/** Distinct valid cookies, more than the verified cache's 10,000, for cold loads. */
const POOL = 12_000;

/**
 * Build the steps (async: cookies are made by the manager under test).
 *
 * @example
 * for (const step of await steps()) step.run();
 */
export async function steps(): Promise<Step[]> {
  const out: Step[] = [];
  const cookieOptions = { httpOnly: true, sameSite: "lax" as const, secure: "auto" as const };
  const setCookieOf = (result: unknown): string[] => (Array.isArray(result) ? result : (result as { setCookie: string[] }).setCookie);
  for (const format of ["signed", "encrypted"] as const) {
    const sessions = createSessions<{ user?: string; n?: number }>({ secret: SECRET, format, cookie: cookieOptions });
    const login = await sessions.load(undefined, { secure: false });
    login.set("user", "alice");
    login.set("n", 0);
    const warm = setCookieOf(await sessions.commit(login, { status: 200 }))[0]!.split(";", 1)[0]!;
    const pool: string[] = [];
    for (let i = 0; i < POOL; i++) {
      const s = await sessions.load(undefined, { secure: false });
      s.set("user", "alice");
      s.set("n", i);
      pool.push(setCookieOf(await sessions.commit(s, { status: 200 }))[0]!.split(";", 1)[0]!);
    }
    let next = 0;
    let n = 0;
    out.push(
      { name: `${format}: load warm`, run: () => sessions.load(warm, { secure: false }) },
      {
        name: `${format}: load warm + commit (read)`,
        run: async () => {
          const s = await sessions.load(warm, { secure: false });
          s.get("user");
          return sessions.commit(s, { status: 200 });
        },
      },
      {
        name: `${format}: load warm + set + commit (write)`,
        run: async () => {
          const s = await sessions.load(warm, { secure: false });
          s.set("n", ++n);
          return sessions.commit(s, { status: 200 });
        },
      },
      {
        name: `${format}: load cold`,
        run: () => {
          next = next + 1 === pool.length ? 0 : next + 1;
          return sessions.load(pool[next]!, { secure: false });
        },
      },
    );
  }
  {
    // Store mode on the memory store: what a store row pays in the manager (load, the store calls
    // under their deadline, commit), without a framework or a wire.
    const sessions = createSessions<{ user?: string; n?: number }>({ secret: SECRET, store: new MemoryStore(), cookie: cookieOptions });
    const login = await sessions.load(undefined, { secure: false });
    login.set("user", "alice");
    login.set("n", 0);
    const cookie = setCookieOf(await sessions.commit(login, { status: 200 }))[0]!.split(";", 1)[0]!;
    let n = 0;
    out.push(
      {
        name: "memory: load + commit (read)",
        run: async () => {
          const s = await sessions.load(cookie, { secure: false });
          s.get("user");
          return sessions.commit(s, { status: 200 });
        },
      },
      {
        name: "memory: load + set + commit (write)",
        run: async () => {
          const s = await sessions.load(cookie, { secure: false });
          s.set("n", ++n);
          return sessions.commit(s, { status: 200 });
        },
      },
    );
  }
  const data = { user: "alice", n: 42 };
  const signer = new TimestampSigner({ secrets: [SECRET], salt: "cookie-session:session", digest: "sha256" });
  const signed = signer.sign("eyJuIjo0MiwidXNlciI6ImFsaWNlIn0");
  const box = new EncryptedBox({ secrets: [SECRET], purpose: "cookie-session:session" });
  const sealed = box.seal(dumps(data));
  out.push(
    { name: "codec: TimestampSigner.sign", run: () => signer.sign("eyJuIjo0MiwidXNlciI6ImFsaWNlIn0") },
    { name: "codec: TimestampSigner.unsign", run: () => signer.unsign(signed, { maxAgeSeconds: 2_678_400 }) },
    { name: "codec: EncryptedBox.seal", run: () => box.seal('{"n":42,"user":"alice"}') },
    { name: "codec: EncryptedBox.open", run: () => box.open(sealed, { maxAgeSeconds: 2_678_400 }) },
  );
  return out;
}
