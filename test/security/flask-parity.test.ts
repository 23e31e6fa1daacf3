/**
 * K. Flask compatibility at the byte level, through `createSessions` in the
 * `flask` format (core load/commit; no adapter is involved):
 * - K.71 golden vectors from real Flask 3.1.3 both ways (Node reads the
 *   fixture Flask wrote; Flask reads what sessionkit wrote), and a
 *   differential fast-check against Flask's own serializer;
 * - K.72 every tag survives a load and a commit byte for byte;
 * - K.73 Flask's session semantics.
 * Python runs once per batch. With CI=true a missing Flask fails the test.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { inflateSync } from "node:zlib";
import fc from "fast-check";
import { createSessions, type SessionManager } from "../../src/index.js";
import { flaskAvailable, flaskReads, loadVectors, requireService, revive, secretOf, type Described } from "../codec/helpers.js";

const vectors = loadVectors();
const NOW = vectors.now;
const LIFETIME = vectors.max_age;
const SECRET = "sessionkit-test-secret-0123456789abcdef"; // the vectors' usual secret
const SCRIPTS = new URL("../../scripts/flask/", import.meta.url).pathname;
const available = flaskAvailable();

function flaskSessions(secret: string | Uint8Array, now: () => number, extra: Record<string, unknown> = {}): SessionManager<Record<string, unknown>> {
  return createSessions({ secret, format: "flask", lifetime: LIFETIME, now, ...extra });
}

/** The value of the one Set-Cookie line, and the line. */
function only(setCookies: string[]): { value: string; line: string } {
  assert.equal(setCookies.length, 1, `one Set-Cookie, got ${setCookies.length}`);
  const line = setCookies[0]!;
  assert.ok(line.startsWith("session="), line.slice(0, 8));
  return { value: line.slice("session=".length, line.indexOf(";")), line };
}

/** The tagged-JSON text inside a flask cookie (inflated when it starts with "."). */
function payloadText(cookie: string): string {
  const compressed = cookie.startsWith(".");
  const body = compressed ? cookie.slice(1) : cookie;
  const bytes = Buffer.from(body.slice(0, body.indexOf(".")), "base64url");
  return (compressed ? inflateSync(bytes) : bytes).toString("latin1");
}

/** Described data (scripts/flask/make_vectors.py's `$` forms) → the session's data, permanence and flashes. */
function dataOf(described: Described): { data: Record<string, unknown>; permanent: boolean; flashes: unknown[] | undefined } {
  const all = revive(described) as Record<string, unknown>;
  const data = Object.create(null) as Record<string, unknown>; // "__proto__" is a key like any other
  for (const [k, v] of Object.entries(all)) if (k !== "_permanent" && k !== "_flashes") data[k] = v;
  return { data, permanent: all._permanent === true, flashes: all._flashes as unknown[] | undefined };
}

/** Write a session of `data` through createSessions at NOW; the cookie value. */
async function writeCookie(secret: string | Uint8Array, data: Record<string, unknown>, permanent = false): Promise<string> {
  const sessions = flaskSessions(secret, () => NOW * 1000);
  const s = await sessions.load(undefined);
  for (const [k, v] of Object.entries(data)) s.set(k, v);
  if (permanent) s.permanent = true;
  return only((await sessions.commit(s)).setCookie).value;
}

/**
 * Flask's SecureCookieSessionInterface serializer (clock frozen at NOW) on a
 * batch: for each item, Flask's own cookie for the described data, and
 * whether Flask loads sessionkit's cookie to the same data and types.
 */
const DIFFERENTIAL_PY = `
import base64, json, sys
sys.path.insert(0, ${JSON.stringify(SCRIPTS)})
from make_vectors import NOW, MAX_AGE, describe, frozen
from flask import Flask

def undescribe(d):
    if isinstance(d, list):
        return [undescribe(x) for x in d]
    if isinstance(d, dict):
        if "$dict" in d:
            return {k: undescribe(v) for k, v in d["$dict"].items()}
        if "$tuple" in d:
            return tuple(undescribe(x) for x in d["$tuple"])
        if "$bytes" in d:
            return bytes.fromhex(d["$bytes"])
        if "$float" in d:
            return float(d["$float"])
        raise ValueError(sorted(d))
    return d

app = Flask(__name__)
app.secret_key = ${JSON.stringify(SECRET)}
frozen[0] = NOW
out = []
with app.app_context():
    s = app.session_interface.get_signing_serializer(app)
    for item in json.load(sys.stdin):
        data = undescribe(item["data"])
        try:
            ours = s.loads(item["ours"], max_age=MAX_AGE)
            same = describe(ours) == describe(data)
        except Exception as e:
            same = type(e).__name__
        out.append({"flask": s.dumps(data), "reads_ours": same})
json.dump(out, sys.stdout)
`;

describe("K.71 Flask cookie format, both ways", () => {
  it("R71 Node reads Flask: every golden vector Flask 3.1.3 wrote loads through createSessions to Flask's data and permanence", async () => {
    const all = [...vectors.encode, ...vectors.decode_only];
    assert.ok(all.length >= 25);
    for (const v of all) {
      const sessions = flaskSessions(secretOf(v.secret), () => NOW * 1000);
      const s = await sessions.load(`session=${v.cookie}`);
      const { data, permanent, flashes } = dataOf(v.loaded);
      assert.equal(s.isNew, false, `${v.name}: accepted`);
      assert.deepStrictEqual(s.toJSON(), data, `${v.name}: Flask's data`);
      assert.equal(s.permanent, permanent, `${v.name}: permanent`);
      // Flask's flashes are (category, message) tuples; the message may be Markup.
      const got = (s.consumeFlashes({ withCategories: true }) as [string, unknown][]).map(([c, m]) => [c, String(m)]);
      assert.deepStrictEqual(got, (flashes ?? []).map((f) => [String((f as unknown[])[0]), String((f as unknown[])[1])]), `${v.name}: flashes`);
    }
  });

  it("R71 Flask reads Node: real Flask loads every cookie createSessions wrote for the golden data, to the same data", async (t) => {
    if (!requireService(t, available, "python3 with Flask")) return;
    const items: { cookie: string; secret: string | { $bytes: string }; now: number }[] = [];
    // The "flashes" vector holds a Markup message, which session.flash() (strings only) cannot write.
    const written = vectors.encode.filter((v) => v.name !== "flashes");
    for (const v of written) {
      const { data, permanent } = dataOf(v.data);
      const cookie = await writeCookie(secretOf(v.secret), data, permanent);
      assert.equal(cookie, v.cookie, `${v.name}: byte-identical to Flask's cookie${v.compressed ? " (compressed)" : ""}`);
      items.push({ cookie, secret: v.secret, now: NOW });
    }
    const answers = flaskReads(items);
    assert.equal(answers.length, written.length);
    answers.forEach((answer, i) => {
      const v = written[i]!;
      assert.equal(answer.verdict, "ok", v.name);
      assert.deepStrictEqual(answer.loaded, v.loaded, v.name);
    });
  });

  it("R71 differential: for 200 random sessions the cookie is Flask's byte for byte (compressed ones too), and Flask reads every one back", async (t) => {
    if (!requireService(t, available, "python3 with Flask")) return;
    // Described values, so that Python rebuilds the very same types (tuple, bytes, float) from JSON.
    const leaf: fc.Arbitrary<Described> = fc.oneof(
      fc.string({ maxLength: 10 }),
      fc.string({ unit: "binary", maxLength: 3 }),
      fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
      fc.boolean(),
      fc.constant(null),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)).map((d) => ({ $float: String(d) })),
      fc.uint8Array({ maxLength: 8 }).map((b) => ({ $bytes: Buffer.from(b).toString("hex") })),
    );
    const { value } = fc.letrec<{ value: Described }>((tie) => ({
      value: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        leaf,
        fc.array(tie("value"), { maxLength: 3 }),
        fc.array(tie("value"), { maxLength: 3 }).map((xs) => ({ $tuple: xs })),
        fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.string({ unit: "binary", maxLength: 2 })), tie("value"), { maxKeys: 3 }).map((d) => ({ $dict: d })),
      ),
    }));
    const key = fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ unit: "binary", minLength: 1, maxLength: 2 })).filter((k) => !k.startsWith("_"));
    const sessionsData = fc.sample(fc.dictionary(key, value, { minKeys: 1, maxKeys: 4 }), { numRuns: 200, seed: 71 });

    const items: { data: Described; ours: string }[] = [];
    for (const described of sessionsData) {
      const data = revive({ $dict: described }) as Record<string, unknown>;
      items.push({ data: { $dict: described }, ours: await writeCookie(SECRET, { ...data }) });
    }
    const py = spawnSync("python3", ["-W", "ignore", "-c", DIFFERENTIAL_PY], { input: JSON.stringify(items), encoding: "utf8", timeout: 120_000 });
    assert.equal(py.status, 0, py.stderr);
    const answers = JSON.parse(py.stdout) as { flask: string; reads_ours: boolean | string }[];
    assert.equal(answers.length, items.length);
    let compressed = 0;
    answers.forEach((answer, i) => {
      const ours = items[i]!.ours;
      assert.equal(answer.reads_ours, true, `#${i}: Flask reads our cookie to the same data (${JSON.stringify(items[i]!.data)})`);
      const what = JSON.stringify(items[i]!.data);
      // The tagged-JSON text is Python's, byte for byte, compressed or not.
      assert.equal(payloadText(ours), payloadText(answer.flask), `#${i}: Flask's JSON text (${what})`);
      // Same zlib decision and same zlib bytes as CPython's: the whole cookie is Flask's.
      assert.equal(ours, answer.flask, `#${i}: the whole cookie is byte-identical to Flask's (${what})`);
      if (ours.startsWith(".")) compressed += 1;
    });
    assert.ok(compressed >= 20 && compressed <= 180, `${compressed} of 200 compressed: both kinds must be exercised`);
  });
});

describe("K.72 tagged JSON round-trips unmodified", () => {
  const TAGGED = ["tag-tuple", "tag-bytes", "tag-markup", "tag-uuid", "tag-datetime", "tag-di", "tag-di-top", "tag-di-double", "tag-lookalikes", "all-tags", "floats"];

  for (const readFirst of [false, true]) {
    it(`R72 every tag (t u b m d di) and an unknown tag survive load, an unrelated write and commit byte for byte${readFirst ? ", values read by the app" : ""}`, async (t) => {
      const vs = TAGGED.map((name) => vectors.encode.find((v) => v.name === name)!);
      assert.ok(vs.every(Boolean));
      const tags = vs.map((v) => v.tagged).join("");
      for (const tag of ['" t"', '" u"', '" b"', '" m"', '" d"', '" di"', '" x"']) assert.ok(tags.includes(tag), `the vectors carry ${tag}`);
      const items: { cookie: string; secret: string | { $bytes: string }; now: number }[] = [];
      for (const v of vs) {
        const sessions = flaskSessions(secretOf(v.secret), () => NOW * 1000);
        const s = await sessions.load(`session=${v.cookie}`);
        assert.equal(s.isNew, false, v.name);
        if (readFirst) for (const k of s.keys()) s.get(k);
        s.set("~added", 1); // "~" sorts after every key of these vectors
        const cookie = only((await sessions.commit(s)).setCookie).value;
        // The text is Flask's, with only the new key appended: every tagged value kept its exact bytes.
        // (tag-di-top is the session {" t": …} itself, escaped with " di" only while " t" is its one key;
        // with a second key Flask writes it plain, and so do we.)
        const expected = v.name === "tag-di-top" ? '{" t":"top-level tag key","~added":1}' : `${v.tagged.slice(0, -1)},"~added":1}`;
        assert.equal(payloadText(cookie), expected, v.name);
        items.push({ cookie, secret: v.secret, now: NOW });
      }
      // And Flask gets the same types back (a tuple is still a tuple, bytes are bytes, " x" is a plain dict).
      if (!requireService(t, available, "python3 with Flask")) return;
      flaskReads(items).forEach((answer, i) => {
        assert.equal(answer.verdict, "ok", vs[i]!.name);
        const expected = vs[i]!.loaded as { $dict: Record<string, unknown> };
        assert.deepStrictEqual(answer.loaded, { $dict: { ...expected.$dict, "~added": 1 } }, vs[i]!.name);
      });
    });
  }

  it("R72 an unknown tag is plain data: {\" x\": 1} reads as an object and is written back as it came", async () => {
    const v = vectors.encode.find((e) => e.name === "tag-lookalikes")!;
    const s = await flaskSessions(secretOf(v.secret), () => NOW * 1000).load(`session=${v.cookie}`);
    assert.deepStrictEqual({ ...(s.get("x") as object) }, { " x": 1 });
    assert.deepStrictEqual({ ...(s.get("y") as object) }, { " t__": 2 });
    assert.deepStrictEqual({ ...(s.get("z") as object) }, { " t": 1, other: 2 });
    const cookie = await writeCookie(SECRET, { x: { " x": 1 } });
    assert.equal(payloadText(cookie), '{"x":{" x":1}}');
  });
});

describe("K.73 Flask session semantics", () => {
  it("R73 the signature's max age is the lifetime for every session, permanent or not; a permanent cookie expires after the lifetime", async () => {
    let nowMs = NOW * 1000;
    const sessions = flaskSessions(SECRET, () => nowMs);
    const plain = await writeCookie(SECRET, { a: 1 });
    const s = await sessions.load(undefined);
    s.set("a", 1);
    s.permanent = true;
    const { value: permanent, line } = only((await sessions.commit(s)).setCookie);
    assert.match(line, new RegExp(`; Expires=${new Date((NOW + LIFETIME) * 1000).toUTCString()}(;|$)`), "Expires = now + lifetime");
    assert.doesNotMatch(line, /Max-Age/i, "Flask sends Expires only");
    assert.doesNotMatch(`session=${plain}`, /Expires/, "a non-permanent cookie is a browser-session cookie");
    for (const cookie of [plain, permanent]) {
      nowMs = (NOW + LIFETIME) * 1000;
      assert.equal((await sessions.load(`session=${cookie}`)).get("a"), 1, "accepted at exactly the lifetime");
      nowMs = (NOW + LIFETIME + 1) * 1000;
      const late = await sessions.load(`session=${cookie}`);
      assert.equal(late.isNew, true, "refused one second after the lifetime");
      assert.equal(late.size, 0);
    }
  });

  it("R73 a modified empty session deletes the cookie; an unmodified empty one sends no cookie", async () => {
    const sessions = flaskSessions(SECRET, () => NOW * 1000);
    const cookie = await writeCookie(SECRET, { a: 1 });
    const cleared = await sessions.load(`session=${cookie}`);
    cleared.clear();
    const { value, line } = only((await sessions.commit(cleared)).setCookie);
    assert.equal(value, "");
    assert.match(line, /Expires=Thu, 01 Jan 1970 00:00:00 GMT/);
    // As in Flask, the deletion goes out even when the browser sent no cookie.
    const fresh = await sessions.load(undefined);
    fresh.set("a", 1);
    fresh.delete("a");
    assert.equal(only((await sessions.commit(fresh)).setCookie).value, "");

    const untouched = await sessions.load(undefined);
    assert.deepEqual((await sessions.commit(untouched)).setCookie, []);
    const readOnly = await sessions.load(undefined);
    assert.equal(readOnly.get("a"), undefined);
    assert.deepEqual((await sessions.commit(readOnly)).setCookie, []);
  });

  it("R73 refresh each request applies only to permanent sessions", async () => {
    let nowMs = NOW * 1000;
    const sessions = flaskSessions(SECRET, () => nowMs);
    const plain = await writeCookie(SECRET, { a: 1 });
    const permanent = await writeCookie(SECRET, { a: 1 }, true);
    nowMs += 60_000;
    const p = await sessions.load(`session=${plain}`);
    assert.equal(p.get("a"), 1);
    assert.deepEqual((await sessions.commit(p)).setCookie, [], "a non-permanent read-only session is not re-sent");
    const q = await sessions.load(`session=${permanent}`);
    assert.equal(q.get("a"), 1);
    const refreshed = only((await sessions.commit(q)).setCookie);
    assert.notEqual(refreshed.value, permanent, "re-signed now");
    assert.match(refreshed.line, new RegExp(`Expires=${new Date(nowMs + LIFETIME * 1000).toUTCString()}`), "the expiry moved");

    const noRefresh = flaskSessions(SECRET, () => nowMs, { refreshEachRequest: false });
    const r = await noRefresh.load(`session=${permanent}`);
    assert.equal(r.get("a"), 1);
    assert.deepEqual((await noRefresh.commit(r)).setCookie, [], "SESSION_REFRESH_EACH_REQUEST = False");
  });

  it("R73 a bad signature gives an empty session, and nothing of the old cookie is written back", async () => {
    const sessions = flaskSessions(SECRET, () => NOW * 1000);
    const cookie = await writeCookie(SECRET, { user: "alice" }, true);
    const last = cookie.length - 1;
    const forged = cookie.slice(0, last) + (cookie[last] === "A" ? "B" : "A");
    const other = await writeCookie("another-secret-0123456789abcdefghijklmnop", { user: "alice" }, true);
    for (const bad of [forged, other]) {
      const s = await sessions.load(`session=${bad}`);
      assert.equal(s.isNew, true);
      assert.equal(s.size, 0);
      assert.equal(s.permanent, false);
      assert.deepEqual((await sessions.commit(s)).setCookie, [], "an empty, unmodified session sends nothing");
      const w = await sessions.load(`session=${bad}`);
      w.set("n", 1);
      assert.equal(payloadText(only((await sessions.commit(w)).setCookie).value), '{"n":1}');
    }
  });
});
