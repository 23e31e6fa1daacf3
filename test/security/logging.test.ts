/**
 * Section L of docs/security-model.md (and A.6): nothing secret ever
 * leaves in an event, an error message, a warning or a log line. One capture
 * runs a full login → regenerate → logout cycle, plus the hostile and failing
 * paths, in cookie mode and with a store, on all six adapters (R79) with each
 * framework's own error logging on, and greps everything it caught.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { createSessions, type SessionEvent, type Store } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { SqliteStore } from "../../src/stores/sqlite.js";
import { ADAPTERS, SECRET, OLD_SECRET, cookieOf, startApp } from "../helpers/security-server.js";

/** Everything sessionkit could say, captured. */
interface Capture {
  events: SessionEvent[];
  errors: string[];
  warnings: string[];
  output: string[];
  stop(): void;
}

function capture(): Capture {
  const c: Capture = { events: [], errors: [], warnings: [], output: [], stop: () => {} };
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const keep = (chunk: unknown): void => void c.output.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
  // Record and pass through: the test runner reports over this process's stdout, so nothing may be swallowed.
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => (keep(chunk), (out as (...a: unknown[]) => boolean)(chunk, ...rest))) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => (keep(chunk), (err as (...a: unknown[]) => boolean)(chunk, ...rest))) as typeof process.stderr.write;
  const onWarning = (w: Error): void => void c.warnings.push(`${w.name} ${(w as { code?: string }).code ?? ""} ${w.message}`);
  process.on("warning", onWarning);
  c.stop = () => {
    process.stdout.write = out;
    process.stderr.write = err;
    process.off("warning", onWarning);
  };
  return c;
}

/** A store that fails with an error whose message quotes the id hash it was given (as a careless driver might). */
function leakyFailingStore(inner: Store): Store {
  return new Proxy(inner, {
    get(target, key, receiver) {
      if (key === "apply") return async (idHash: string) => Promise.reject(new Error(`driver failed for key ${idHash} with password ${SECRET}`));
      const value = Reflect.get(target, key, receiver);
      // Bind to the real store: its methods use private fields, which a Proxy receiver does not have.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const EVENT_TYPES = new Set(["cookie_rejected", "duplicate_cookie", "resigned", "regenerated", "destroyed", "interrupted", "store_error", "not_saved"]);

for (const adapter of ADAPTERS) {
  for (const mode of ["cookie", "sqlite"] as const) {
    describe(`L. capture (${mode}) [${adapter}]`, () => {
      it(`R6 R76 R77 R78 no secret, cookie value or raw id in any event, error, warning or log line across login, regenerate and logout (${mode}) [${adapter}]`, async () => {
        const db = new Database(":memory:");
        const store = mode === "sqlite" ? new SqliteStore({ db, table: "capture" }) : undefined;
        const cap = capture();
        const seen: string[] = [];
        const frameworkErrors: unknown[] = [];
        try {
          const sessions = createSessions({
            secrets: [SECRET, OLD_SECRET],
            ...(store ? { store, regenerateGraceSeconds: 0 } : {}),
            onEvent: (e) => cap.events.push(e),
          });
          const failing = createSessions({ secret: SECRET, store: leakyFailingStore(new MemoryStore()), onEvent: (e) => cap.events.push(e) });
          // Each framework's own error log is on: what it prints is captured and checked too.
          const app = await startApp(
            sessions,
            async ({ session, url }) => {
              if (url === "/login") {
                await session.regenerate();
                session.set("user", "alice");
                if (store) session.setUser("alice");
              } else if (url === "/again") await session.regenerate();
              else if (url === "/logout") await session.destroy();
              else if (url === "/boom") throw new Error("handler bug");
              else session.set("n", Number(session.get("n") ?? 0) + 1);
              return "ok";
            },
            { adapter, logErrors: true },
          );
          const failingApp = await startApp(
            failing,
            ({ session }) => {
              session.set("n", 1);
              return "ok";
            },
            { adapter, logErrors: true },
          );
          try {
            let cookie = "";
            const step = async (path: string, extra = ""): Promise<void> => {
              const res = await app.get(path, { cookie: cookie + extra });
              const next = cookieOf(res);
              if (next) {
                seen.push(next.slice("session=".length));
                cookie = next.endsWith("=") ? "" : next;
              }
            };
            await step("/");
            await step("/login");
            await step("/again");
            await step("/", `; session=${seen.at(-1)}`); // duplicate
            const oldCookie = cookie;
            await step("/logout");
            // Replays and forgeries, with log-injection text in them.
            for (const hostile of [oldCookie, "session=evil\r\nFAKE LOG LINE", `session=${randomBytes(32).toString("base64url")}`, `session=${"A".repeat(60)}.x.y`]) {
              await app.get("/", { cookie: hostile.replace(/[\r\n]/g, "") });
            }
            await app.get("/boom");
            // A store failure whose cause message holds secrets: the 503 and every log line stay clean.
            const first = await failingApp.get("/");
            const failingCookie = cookieOf(first);
            assert.ok(failingCookie, "the failing store still creates sessions");
            {
              seen.push(failingCookie.slice("session=".length));
              const res = await failingApp.get("/", { cookie: failingCookie });
              assert.equal(res.status, 503);
              assert.ok(!res.body.includes(SECRET));
            }
            // Errors thrown to the caller of load/commit.
            try {
              const s = await failing.load(failingCookie ?? "");
              s.set("n", 2);
              await failing.commit(s);
              cap.errors.push("no error");
            } catch (error) {
              cap.errors.push(`${(error as Error).name}: ${(error as Error).message} ${String((error as { cause?: Error }).cause?.name ?? "")}`);
            }
          } finally {
            frameworkErrors.push(...app.errors, ...failingApp.errors);
            await app.close();
            await failingApp.close();
          }
        } finally {
          cap.stop();
          db.close();
        }
        assert.ok(seen.length >= 3, "the cycle issued cookies");
        const types = new Set(cap.events.map((e) => e.type));
        for (const type of [...(store ? ["regenerated", "destroyed"] : []), "cookie_rejected", "duplicate_cookie", "store_error"]) {
          assert.ok(types.has(type as SessionEvent["type"]), `a ${type} event was captured`);
        }
        assert.ok(cap.output.some((l) => l.includes("handler bug")), "the log capture works");
        assert.ok(cap.errors.some((l) => l.startsWith("StoreError")), `errors: ${cap.errors.join(" | ")}`);
        const secrets = [SECRET, OLD_SECRET, ...seen.filter((v) => v.length > 0), ...seen.flatMap((v) => v.split(".")).filter((p) => p.length >= 16)];
        const everything = [
          ...cap.events.map((e) => JSON.stringify(e)),
          ...cap.errors,
          ...cap.warnings,
          ...cap.output,
          ...frameworkErrors.map((e) => (e instanceof Error ? `${e.name}: ${e.message} ${e.stack ?? ""}` : String(e))),
        ];
        for (const line of everything) {
          for (const s of secrets) assert.ok(!line.includes(s), `a secret, cookie or id leaked into: ${line.slice(0, 120)}`);
          assert.ok(!line.includes("FAKE LOG LINE"), "cookie text reached a log line");
        }
        // R77 R78: events are structured objects with known fields; ids only as an 8-character hash prefix.
        for (const e of cap.events) {
          assert.ok(EVENT_TYPES.has(e.type));
          for (const [k, v] of Object.entries(e)) {
            assert.ok(typeof v === "string" || typeof v === "number" || typeof v === "boolean", `${k} is a scalar`);
            if (k === "idHashPrefix") assert.match(String(v), /^[A-Za-z0-9_-]{8}$/);
          }
        }
      });
    });
  }
}
