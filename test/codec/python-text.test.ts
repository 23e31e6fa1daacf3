/**
 * Tagged JSON text against Python's own, for the corners the differential
 * harness (test/flask-diff) found: key order with lone surrogates, and
 * Python floats that JavaScript holds as integers.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import fc from "fast-check";
import { createCookieCodec, dumps, loads, PyFloat } from "../../src/codec/index.js";
import { KEYS, build, valueArb, type Desc } from "../flask-diff/values.js";
import { flaskAvailable, requireService } from "./helpers.js";

const PEER_DIR = new URL("../../scripts/flask/", import.meta.url).pathname;

/** Python's text for each line of tagged JSON: loads, then dumps as Flask does (sorted keys, ASCII, compact). */
function pythonRedumps(texts: string[]): string[] {
  const program = [
    "import json, sys",
    "for line in sys.stdin.read().split('\\n'):",
    "    print(json.dumps(json.loads(line), sort_keys=True, ensure_ascii=True, separators=(',', ':')))",
  ].join("\n");
  const py = spawnSync("python3", ["-c", program], { input: texts.join("\n"), encoding: "utf8", timeout: 60_000 });
  assert.equal(py.status, 0, py.stderr);
  return py.stdout.trimEnd().split("\n");
}

// Units around the surrogate range: lone high and low surrogates, valid pairs, and the BMP on both sides of it.
const unit = fc.constantFrom("a", "\ud7ff", "\ud800", "\udbff", "\udc00", "\udfff", "\ue000", "\uffff", "\ud83d\ude00", "\udbff\udfff");
const key = fc.array(unit, { maxLength: 3 }).map((parts) => parts.join(""));

describe("tagged JSON keys sort as Python's str", () => {
  test("dicts keyed by lone surrogates, pairs and their neighbours: Python's sort_keys order, byte for byte", (t) => {
    if (!requireService(t, flaskAvailable(), "python3")) return;
    const dicts = fc.sample(fc.dictionary(key, fc.nat(9), { minKeys: 2, maxKeys: 6, noNullPrototype: false }), { numRuns: 400, seed: 16 });
    const texts = dicts.map((d) => dumps(d));
    const python = pythonRedumps(texts);
    texts.forEach((text, i) => assert.equal(text, python[i], `dict #${i}`));
  });

  test("a lone low surrogate sorts before U+E000, a surrogate pair after U+FFFF", () => {
    assert.equal(dumps({ "\ue000": 1, "\udfff": 2 }), '{"\\udfff":2,"\\ue000":1}');
    assert.equal(dumps({ "\ud83d\ude00": 1, "\uffff": 2 }), '{"\\uffff":2,"\\ud83d\\ude00":1}');
    assert.equal(dumps({ "\ud800x": 1, "\ud800\udc00": 2, "\ud800\ue000": 3 }), '{"\\ud800x":1,"\\ud800\\ue000":3,"\\ud800\\udc00":2}');
  });
});

/** A session as Flask holds it, and a change an app makes to it: keys set (to values JavaScript can write) and deleted. */
interface Case {
  session: Record<string, Desc>;
  set: Record<string, Desc>;
  delete: string[];
}

/** What Flask writes after loading `text` and making the change: its TaggedJSONSerializer, inside an app context. */
function flaskAfterChange(items: { text: string; set: Record<string, Desc>; delete: string[] }[]): string[] {
  const program = [
    "import json, sys",
    `sys.path.insert(0, ${JSON.stringify(PEER_DIR)})`,
    "from diff_values import build",
    "from flask import Flask",
    "from flask.json.tag import TaggedJSONSerializer",
    "s = TaggedJSONSerializer()",
    "with Flask(__name__).app_context():",
    "    for line in sys.stdin.read().split('\\n'):",
    "        item = json.loads(line)",
    "        d = s.loads(item['text'])",
    "        for k in item['delete']: d.pop(k, None)",
    "        for k, v in item['set'].items(): d[k] = build(v)",
    "        print(s.dumps(d))",
  ].join("\n");
  const py = spawnSync("python3", ["-c", program], { input: items.map((i) => JSON.stringify(i)).join("\n"), encoding: "utf8", timeout: 60_000 });
  assert.equal(py.status, 0, py.stderr);
  return py.stdout.trimEnd().split("\n");
}

describe("a Python float sessionkit did not change keeps being a float (issue #16 item 5)", () => {
  test("the number 1 read from 1.0 is written 1.0 while the app leaves it, and the int 1 once the app sets it", () => {
    const read = loads('{"n":1,"ratio":1.0,"scores":[2.0,2.5],"z":-0.0}') as Record<string, unknown>;
    assert.equal(read.ratio, 1, "JavaScript reads a number");
    assert.equal(dumps(read), '{"n":1,"ratio":1,"scores":[2,2.5],"z":-0.0}', "without the original, the int");
    assert.equal(dumps({ ...read, n: 2 }, { original: read }), '{"n":2,"ratio":1.0,"scores":[2.0,2.5],"z":-0.0}');
    assert.equal(dumps({ ...read, ratio: 3 }, { original: read }), '{"n":1,"ratio":3,"scores":[2.0,2.5],"z":-0.0}');
    assert.equal(dumps({ ...read, scores: [2, 2.5, 4] }, { original: read }), '{"n":1,"ratio":1.0,"scores":[2,2.5,4],"z":-0.0}', "a changed value is written from JavaScript");
    assert.equal(dumps({ ratio: new PyFloat(1) }), '{"ratio":1.0}');
    assert.equal(loads("[1.0, 1.5]", { exactFloats: true })!.toString(), "1,1.5");
    assert.ok((loads("[1.0]", { exactFloats: true }) as unknown[])[0] instanceof PyFloat);
  });

  test("the cookie codec: a Flask cookie holding 1.0, opened and re-encoded with its original, holds 1.0", () => {
    const codec = createCookieCodec({ format: "flask", secrets: ["float-secret-0123456789abcdef-0123456789"] });
    const cookie = codec.encode({ ratio: new PyFloat(1), user: "ada" }, { nowSeconds: 1_700_000_000 });
    const opened = codec.open(cookie, { nowSeconds: 1_700_000_001 });
    const again = codec.encode({ ...opened.data, seen: true }, { nowSeconds: 1_700_000_001, original: opened.data });
    assert.deepEqual(codec.decode(again, { nowSeconds: 1_700_000_001 }), Object.assign(Object.create(null), { ratio: 1, seen: true, user: "ada" }));
    assert.match(Buffer.from(again.split(".")[0]!, "base64url").toString(), /"ratio":1\.0/);
  });

  test("generated sessions with floats Flask wrote, changed by the app: sessionkit's text is Flask's after the same change", (t) => {
    if (!requireService(t, flaskAvailable(), "python3 with Flask")) return;
    const key = fc.constantFrom(...KEYS);
    const cases = fc.sample(
      fc.record({
        session: fc.dictionary(key, valueArb({ integralFloats: true }), { minKeys: 1, maxKeys: 5 }),
        set: fc.dictionary(key, valueArb({ integralFloats: false }), { maxKeys: 2 }),
        delete: fc.subarray([...KEYS], { maxLength: 2 }),
      }) as fc.Arbitrary<Case>,
      { numRuns: 400, seed: 5 },
    );
    const items = cases.map((c) => {
      const session = Object.create(null) as Record<string, unknown>;
      for (const [k, v] of Object.entries(c.session)) session[k] = build(v, true);
      return { text: dumps(session), set: c.set, delete: c.delete };
    });
    const flask = flaskAfterChange(items);
    let floatsKept = 0;
    items.forEach((item, i) => {
      const read = loads(item.text) as Record<string, unknown>;
      const changed = Object.assign(Object.create(null), read) as Record<string, unknown>;
      for (const k of item.delete) delete changed[k];
      for (const [k, v] of Object.entries(item.set)) changed[k] = build(v);
      const ours = dumps(changed, { original: read });
      assert.equal(ours, flask[i], `case #${i}: ${item.text} with ${JSON.stringify({ set: item.set, delete: item.delete })}`);
      if (/\d\.0\b/.test(ours) && ours !== dumps(changed)) floatsKept += 1;
    });
    assert.ok(floatsKept >= 50, `only ${floatsKept} cases kept a float 1.0 that a plain dumps would have lost`);
  });
});
