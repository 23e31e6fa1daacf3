/**
 * The limits are symmetric (issue #14, item 5): whatever the reader refuses,
 * the writer refuses first, with a typed error naming the limit. Before, a
 * cookie that encoded small but held more than 10,000 items, or inflated past
 * 64 KiB, was written without error and read back as a fresh session (a
 * silent logout); a stored value the parser refused was a 500 on every
 * request. Generated near every limit: nesting depth (with tags, which add
 * levels), item counts (with tags, which add keys), and highly compressible
 * payloads around the inflate cap, in every cookie format and in store mode.
 */
import { describe, it } from "node:test";
import { randomBytes } from "node:crypto";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PayloadTooLargeError, Tuple, UUID, Markup } from "../../src/codec/index.js";
import { createSessions, CookieTooLargeError, hashSessionId, storeContext, type SessionEvent } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { SECRET } from "../helpers/security-server.js";

const FC_RUNS = Number(process.env.FC_RUNS ?? 150);

/** fc.assert, with a short report: the counterexamples here are 10,000-item lists. */
async function check<T>(arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>): Promise<void> {
  const out = await fc.check(fc.asyncProperty(arbitrary, predicate), { numRuns: FC_RUNS });
  if (out.failed) assert.fail(`seed ${out.seed}, path ${out.counterexamplePath}: ${String(out.errorInstance).slice(0, 600)}`);
}

/** A value nested `depth` levels, each level one of the containers that nest differently in JSON. */
function nested(depth: number, kinds: number[], leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) {
    switch (kinds[i % kinds.length]) {
      case 0:
        value = [value];
        break;
      case 1:
        value = { k: value };
        break;
      case 2:
        value = Tuple.from([value]); // {" t": [ … ]}: two JSON levels
        break;
      default:
        value = { " t": value }; // a dict escaped with " di": two JSON levels
    }
  }
  return value;
}

const leaf = fc.constantFrom<unknown>(1, "x", null, new Uint8Array([1, 2]), new UUID("12345678123456781234567812345678"), new Markup("<b>"), new Date(0));

const nearLimits = fc.oneof(
  fc.record({ depth: fc.integer({ min: 20, max: 70 }), kinds: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }), leaf }).map(
    ({ depth, kinds, leaf: l }) => nested(depth, kinds, l),
  ),
  fc.record({ n: fc.integer({ min: 9_980, max: 10_010 }), tagged: fc.boolean() }).map(({ n, tagged }) =>
    Array.from({ length: n }, (_, i) => (tagged && i % 7 === 0 ? Tuple.from([i]) : i % 3)),
  ),
  fc.integer({ min: 60_000, max: 70_000 }).map((n) => "a".repeat(n)),
);

describe("R31 R51 whatever the reader refuses, the writer refuses first", () => {
  for (const format of ["flask", "signed", "encrypted"] as const) {
    it(`R31 R51 a cookie either loads back as written or is refused at commit with the limit named (${format})`, async () => {
      const sessions = createSessions({ secret: SECRET, format, cookie: { maxBytes: 0 } });
      await check(nearLimits, async (value) => {
        const s = await sessions.load(undefined);
        s.set("v", value);
        let setCookie: string[];
        try {
          ({ setCookie } = await sessions.commit(s));
        } catch (error) {
          assert.ok(error instanceof PayloadTooLargeError, `a typed error, not ${String(error)}`);
          assert.match(error.message, /maxDepth|maxKeys|maxDecompressedBytes|maxValueLength/);
          return;
        }
        const events: SessionEvent[] = [];
        const reader = createSessions({ secret: SECRET, format, onEvent: (e) => events.push(e) });
        const back = await reader.load(setCookie[0]!.split(";")[0]!);
        assert.deepEqual(events, [], "the reader accepted what the writer wrote");
        assert.equal(back.isNew, false);
      });
    });
  }

  it("R31 R51 a stored value either loads back or is refused at commit (store mode)", async () => {
    const store = new MemoryStore();
    const sessions = createSessions({ secret: SECRET, store });
    await check(nearLimits, async (value) => {
      const s = await sessions.load(undefined);
      s.set("v", value);
      s.set("user", "alice");
      let setCookie: string[];
      try {
        ({ setCookie } = await sessions.commit(s));
      } catch (error) {
        assert.ok(error instanceof PayloadTooLargeError, `a typed error, not ${String(error)}`);
        return;
      }
      const back = await sessions.load(setCookie[0]!.split(";")[0]!);
      assert.equal(back.get("user"), "alice", "the reader accepted what the writer stored");
    });
  });

  it("R56 a stored value the parser refuses (a Flask app's 10,001-item list, _permanent included) loads as a fresh session with an event, never a throw", async () => {
    const store = new MemoryStore();
    const events: SessionEvent[] = [];
    const sessions = createSessions({ secret: SECRET, store, onEvent: (e) => events.push(e) });
    const s = await sessions.load(undefined);
    s.set("user", "alice");
    s.permanent = true;
    const cookie = (await sessions.commit(s)).setCookie[0]!.split(";")[0]!;
    const idHash = hashSessionId(cookie.slice("session=".length));
    for (const [key, text] of [
      ["big", `[${Array.from({ length: 10_001 }, () => "0").join(",")}]`],
      ["deep", `${"[".repeat(70)}${"]".repeat(70)}`],
      ["_permanent", "tru"],
    ] as const) {
      events.length = 0;
      assert.equal(await store.apply(idHash, { set: Object.assign(Object.create(null), { [key]: text }), delete: [] }, storeContext()), "ok");
      const loaded = await sessions.load(cookie);
      assert.equal(loaded.isNew, true, key);
      assert.equal(loaded.get("user"), undefined, key);
      assert.deepEqual(events.map((e) => e.type === "cookie_rejected" && e.reason), ["bad_payload"], key);
      // The route may not even use the session: its commit must not throw either.
      assert.deepEqual((await sessions.commit(loaded)).setCookie, [], key);
      assert.equal(await store.apply(idHash, { set: Object.create(null), delete: [key] }, storeContext()), "ok");
    }
  });

  it("R31 a cookie too big for the browser is still CookieTooLargeError, before any limit of the reader", async () => {
    const sessions = createSessions({ secret: SECRET });
    const s = await sessions.load(undefined);
    s.set("v", randomBytes(4_000).toString("base64")); // incompressible
    await assert.rejects(sessions.commit(s), CookieTooLargeError);
  });
});
