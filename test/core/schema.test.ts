// createSessions({ schema }): Standard Schema validation of session data, with
// zod and valibot, in cookie mode and on a real store (memory and Redis).
// The generated tests draw data and changes at random and check that
// sessionkit accepts exactly what the schema itself accepts.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import fc from "fast-check";
import * as v from "valibot";
import { z } from "zod";
import { ConfigError, createSessions, SessionDataError, type SessionEvent, type SessionOptions, type Store } from "sessionkit";
import { MemoryStore } from "sessionkit/stores/memory";
import { cookieFrom } from "sessionkit/testing";

const secret = randomBytes(32).toString("base64url");

const zodSchema = z.object({
  username: z.string().min(1).max(20).optional(),
  visits: z.number().int().nonnegative().optional(),
  tags: z.array(z.string()).max(3).optional(),
});
const valibotSchema = v.object({
  username: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(20))),
  visits: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  tags: v.optional(v.pipe(v.array(v.string()), v.maxLength(3))),
});
const SCHEMAS = { zod: zodSchema, valibot: valibotSchema } as const;
const accepts = (schema: (typeof SCHEMAS)[keyof typeof SCHEMAS], data: unknown): boolean => {
  const result = schema["~standard"].validate(data);
  assert.ok(!(result instanceof Promise));
  return result.issues === undefined;
};

/** Each mode the schema is tested in: the signed and flask cookie formats, and a store. */
const MODES: Record<string, () => Partial<SessionOptions>> = {
  "signed cookie": () => ({}),
  "flask cookie": () => ({ format: "flask" }),
  "memory store": () => ({ store: new MemoryStore() }),
};

/** A manager without a schema (an older app version) and one with it, sharing secret and store. */
function pair(schemaName: keyof typeof SCHEMAS, mode: Partial<SessionOptions>) {
  const events: SessionEvent[] = [];
  const plain = createSessions<Record<string, unknown>>({ secret, ...mode } as SessionOptions);
  const checked = createSessions({ secret, ...mode, schema: SCHEMAS[schemaName], onEvent: (e) => events.push(e) });
  return { plain, checked, events };
}

async function written(sessions: ReturnType<typeof createSessions<Record<string, unknown>>>, data: Record<string, unknown>): Promise<string> {
  const session = await sessions.load(undefined);
  for (const [key, value] of Object.entries(data)) session.set(key, value);
  return cookieFrom((await sessions.commit(session, { status: 200 })).setCookie);
}

for (const schemaName of Object.keys(SCHEMAS) as (keyof typeof SCHEMAS)[]) {
  for (const [modeName, mode] of Object.entries(MODES)) {
    describe(`schema (${schemaName}, ${modeName})`, () => {
      test("data the schema refuses loads as a fresh session and an invalid_data event, never the data", async () => {
        const { plain, checked, events } = pair(schemaName, mode());
        const cookie = await written(plain, { username: "ada", visits: -3 });
        const session = await checked.load(cookie);
        assert.equal(session.isNew, true);
        assert.deepEqual({ ...session.toJSON() }, {});
        assert.equal(session.get("username"), undefined);
        assert.equal(events.length, 1);
        assert.equal(events[0]!.type, "cookie_rejected");
        assert.equal((events[0] as { reason: string }).reason, "invalid_data");
        assert.deepEqual((await checked.commit(session, { status: 200 })).setCookie, [], "nothing is written back");
        const good = await checked.load(await written(plain, { username: "ada", visits: 3 }));
        assert.equal(good.isNew, false);
        assert.equal(good.get("visits"), 3);
      });

      test("set() of a refused value throws SessionDataError at the call and changes nothing", async () => {
        const { checked } = pair(schemaName, mode());
        const session = await checked.load(undefined);
        session.set("username", "ada");
        const error = (() => {
          try {
            session.set("visits", 1.5);
          } catch (e) {
            return e;
          }
          return undefined;
        })();
        assert.ok(error instanceof SessionDataError);
        assert.equal(error.code, "SESSION_DATA_INVALID");
        assert.equal(error.method, "set");
        assert.deepEqual(error.issues.map((i) => i.path), [["visits"]]);
        assert.match(error.message, /at `visits` \(the validator's words are in `error.issues`\)\. Store a value the schema accepts/);
        assert.doesNotMatch(error.message, /1\.5/, "sessionkit does not print the value itself");
        assert.equal(session.has("visits"), false);
        assert.deepEqual({ ...session.toJSON() }, { username: "ada" });
        // Reserved keys stay out of the schema's sight: permanence, flashes and CSRF work under a strict schema.
        session.permanent = true;
        session.flash("hi");
        session.csrfToken();
        const cookie = cookieFrom((await checked.commit(session, { status: 200 })).setCookie);
        const next = await checked.load(cookie);
        assert.equal(next.get("username"), "ada");
        assert.deepEqual(next.consumeFlashes(), ["hi"]);
      });

      test("a value changed in place into one the schema refuses fails the commit, typed", async () => {
        const { checked } = pair(schemaName, mode());
        const session = await checked.load(undefined);
        session.set("tags", ["a"]);
        session.get("tags")!.push("b", "c", "d");
        await assert.rejects(checked.commit(session, { status: 200 }), (e: unknown) => e instanceof SessionDataError && e.method === "commit");
      });

      test("generated: data loads iff the schema accepts it, and set() succeeds iff the schema accepts the result", async () => {
        const { plain, checked } = pair(schemaName, mode());
        const value = fc.oneof(fc.string({ maxLength: 25 }), fc.integer({ min: -5, max: 5 }), fc.double({ min: -2, max: 2, noNaN: true }), fc.boolean(), fc.array(fc.string({ maxLength: 3 }), { maxLength: 5 }), fc.array(fc.integer(), { maxLength: 2 }));
        const data = fc.dictionary(fc.constantFrom("username", "visits", "tags"), value, { minKeys: 1 });
        await fc.assert(
          fc.asyncProperty(data, fc.constantFrom("username", "visits", "tags"), value, async (stored, key, next) => {
            const session = await checked.load(await written(plain, stored));
            const loadable = accepts(SCHEMAS[schemaName], stored);
            assert.equal(!session.isNew, loadable);
            const before = session.toJSON();
            const wouldBe = { ...before, [key]: next };
            let threw = false;
            try {
              session.set(key as "username", next as string);
            } catch (error) {
              assert.ok(error instanceof SessionDataError);
              threw = true;
            }
            assert.equal(threw, !accepts(SCHEMAS[schemaName], wouldBe));
            assert.deepEqual({ ...session.toJSON() }, threw ? { ...before } : wouldBe);
          }),
          { numRuns: 150 },
        );
      });
    });
  }
}

describe("schema: refusals at creation", () => {
  test("something that is not a Standard Schema is a ConfigError naming the option", () => {
    assert.throws(() => createSessions({ secret, schema: { parse: () => ({}) } as never }), (e: unknown) => e instanceof ConfigError && e.option === "schema" && /Standard Schema v1/.test(e.message));
  });

  test("an async schema is refused at createSessions, or at its first use when the probe cannot tell", async () => {
    const asyncSchema = z.object({ username: z.string().optional() }).refine(async () => true);
    assert.throws(() => createSessions({ secret, schema: asyncSchema }), (e: unknown) => e instanceof ConfigError && /synchronous/.test(e.message));
    const lazy = z.object({ username: z.string().refine(async () => true).optional() });
    const sessions = createSessions({ secret, schema: lazy });
    const session = await sessions.load(undefined);
    assert.throws(() => session.set("username", "ada"), (e: unknown) => e instanceof ConfigError && e.option === "schema");
  });

  test("an empty session always passes, even under required keys: clear, destroy and login keep working", async () => {
    const sessions = createSessions({ secret, store: new MemoryStore() as Store, schema: z.object({ username: z.string(), cart: z.array(z.string()).optional() }) });
    const session = await sessions.load(undefined);
    assert.throws(() => session.set("cart", ["x"]), SessionDataError);
    session.set("username", "ada");
    session.set("cart", ["x"]);
    assert.throws(() => session.delete("username"), SessionDataError);
    await session.login("u1", { keep: ["cart"] });
    await assert.rejects(sessions.commit(session, { status: 200 }), SessionDataError, "what the commit would save is checked too");
    session.set("username", "ada");
    const cookie = cookieFrom((await sessions.commit(session, { status: 200 })).setCookie);
    const next = await sessions.load(cookie);
    assert.deepEqual({ ...next.toJSON() }, { cart: ["x"], username: "ada" });
    next.clear();
    await sessions.commit(next, { status: 200 });
    assert.equal((await sessions.load(cookie)).size, 0, "the cleared (still logged-in) session saved, under a schema with a required key");
  });
});
