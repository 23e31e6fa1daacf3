/**
 * Tagged JSON text against Python's own, for the corners the differential
 * harness (test/flask-diff) found: key order with lone surrogates, and
 * Python floats that JavaScript holds as integers.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import fc from "fast-check";
import { dumps } from "../../src/codec/index.js";
import { flaskAvailable, requireService } from "./helpers.js";

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
