/**
 * The fuzzing properties, shared by the bounded CI run
 * (`test/fuzz/manager.property.test.ts`, `FC_RUNS` cases each) and the long
 * run (`npm run fuzz`, a million cases in total). They cover the layers
 * above the codec (which has its own properties in test/codec/): the
 * manager's load/commit in every format and in store mode, Cookie header
 * parsing (`findCookie`) and session id parsing (`isSessionIdSyntax`).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { createSessions, findCookie, isSessionIdSyntax, RESERVED_KEYS, type Store } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";

const SECRET = "fuzz-suite-secret-0123456789abcdef-0123456789";
const MODES = ["signed", "flask", "encrypted", "store"] as const;
type Mode = (typeof MODES)[number];

function managerFor(mode: Mode, store?: Store) {
  return mode === "store"
    ? createSessions({ secret: SECRET, store: store ?? new MemoryStore({ maxEntries: 1_000 }), cookie: { maxBytes: 0 } })
    : createSessions({ secret: SECRET, format: mode, cookie: { maxBytes: 0 } });
}

/** One named property and its share of the long run. */
export interface FuzzProperty {
  name: string;
  /** Fraction of `npm run fuzz`'s million cases. */
  share: number;
  property: () => fc.IAsyncPropertyWithHooks<any> | fc.IPropertyWithHooks<any>;
}

const reserved = new Set<string>(Object.values(RESERVED_KEYS));
const sessionData = fc.dictionary(
  fc.string({ maxLength: 12 }).filter((k) => !reserved.has(k)),
  fc.jsonValue({ maxDepth: 3 }),
  { maxKeys: 6 },
);

/** Cookie-header-shaped text: pairs joined by ";", with spaces, quotes, '=' and junk mixed in. */
const headerish = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constantFrom("session", " session", "session ", "Session", "__Host-session", "", "=session"), fc.string({ maxLength: 80 })).map(([n, v]) => `${n}=${v}`),
      fc.string({ maxLength: 40 }),
      fc.string({ unit: "binary", maxLength: 40 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(fc.sample(fc.constantFrom(";", "; ", " ;", ";;"), 1)[0]));

/** Objects as sorted entry lists, so null-prototype and plain objects compare by content. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    return Object.entries(value)
      .map(([k, v]) => [k, plain(v)])
      .sort(([a], [b]) => (String(a) < String(b) ? -1 : 1));
  }
  return value;
}

const managers = new Map<Mode, ReturnType<typeof managerFor>>();
const cached = (mode: Mode) => {
  let m = managers.get(mode);
  if (!m) managers.set(mode, (m = managerFor(mode)));
  return m;
};

export const PROPERTIES: FuzzProperty[] = [
  {
    name: "R54 any session data round-trips through commit and load in every format and in store mode",
    share: 0.15,
    property: () =>
      fc.asyncProperty(fc.constantFrom(...MODES), sessionData, async (mode, data) => {
        const sessions = cached(mode);
        const s = await sessions.load(undefined);
        for (const [k, v] of Object.entries(data)) s.set(k, v);
        const [line] = (await sessions.commit(s)).setCookie;
        if (Object.keys(data).length === 0) return assert.equal(line, undefined);
        const back = await sessions.load(line!.split(";")[0]);
        assert.deepEqual(plain(back.toJSON()), plain(s.toJSON()));
        assert.equal(back.isNew, false);
      }),
  },
  {
    name: "R55 any Cookie header gives a session and never throws, in every format and in store mode",
    share: 0.3,
    property: () =>
      fc.asyncProperty(fc.constantFrom(...MODES), fc.oneof(headerish, fc.string({ unit: "binary", maxLength: 300 })), async (mode, header) => {
        const s = await cached(mode).load(header);
        assert.equal(typeof s.get, "function");
        assert.equal(({} as Record<string, unknown>).admin, undefined);
      }),
  },
  {
    name: "R55 a valid cookie with any one character changed, removed or added is FRESH or still the same data",
    share: 0.2,
    property: () =>
      fc.asyncProperty(
        fc.constantFrom("signed", "flask", "encrypted" as const),
        fc.nat(),
        fc.constantFrom("change", "remove", "insert"),
        fc.string({ minLength: 1, maxLength: 1, unit: "binary-ascii" }),
        async (mode, at, op, ch) => {
          const sessions = cached(mode);
          const s = await sessions.load(undefined);
          s.set("user", "alice");
          const value = ((await sessions.commit(s)).setCookie)[0]!.split(";")[0]!.slice("session=".length);
          const i = at % value.length;
          const mutated = op === "change" ? value.slice(0, i) + ch + value.slice(i + 1) : op === "remove" ? value.slice(0, i) + value.slice(i + 1) : value.slice(0, i) + ch + value.slice(i);
          const back = await sessions.load(`session=${mutated}`);
          // Either refused, or the mutation was a no-op for the parser (e.g. trailing space, same char).
          if (!back.isNew) assert.equal(back.get("user"), "alice");
        },
      ),
  },
  {
    name: "R3 store mode never calls the store for a value that is not an id's exact syntax",
    share: 0.15,
    property: () =>
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 60 }), fc.base64String({ minLength: 40, maxLength: 48 })), async (value) => {
        let calls = 0;
        const inner = new MemoryStore();
        const store = new Proxy(inner, {
          get(target, key) {
            const v = Reflect.get(target, key, target);
            if (typeof v !== "function") return v;
            return (...args: unknown[]) => {
              calls += 1;
              return (v as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        });
        const s = await managerFor("store", store).load(`session=${value}`);
        assert.equal(s.isNew, true);
        const trimmed = value.trim().replace(/^"(.*)"$/, "$1");
        if (!isSessionIdSyntax(trimmed)) assert.equal(calls, 0, "no store call for a malformed id");
      }),
  },
  {
    name: "findCookie returns the first value and the count of a name, for any list of pairs",
    share: 0.1,
    property: () =>
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom("session", "sessio", "sessions", "a", "__Host-session", "x"),
            fc.stringMatching(/^[!#-+\--:<-[\]-~]{0,30}$/),
          ),
          { maxLength: 20 },
        ),
        fc.constantFrom("; ", ";", " ; "),
        (pairs, sep) => {
          const header = pairs.map(([n, v]) => `${n}=${v}`).join(sep);
          const found = findCookie(header, "session");
          const matches = pairs.filter(([n]) => n === "session");
          assert.equal(found.count, matches.length);
          const first = matches[0]?.[1];
          assert.equal(found.value, first === undefined ? undefined : first.trim().replace(/^"(.*)"$/s, "$1"));
        },
      ),
  },
  {
    name: "isSessionIdSyntax accepts exactly the canonical base64url of 32 bytes",
    share: 0.1,
    property: () =>
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("base64url")),
          fc.stringMatching(/^[A-Za-z0-9_-]{41,45}$/),
          fc.string({ minLength: 43, maxLength: 43 }),
        ),
        (value) => {
          const canonical = /^[A-Za-z0-9_-]{43}$/.test(value) && Buffer.from(value, "base64url").toString("base64url") === value;
          assert.equal(isSessionIdSyntax(value), canonical);
        },
      ),
  },
];
