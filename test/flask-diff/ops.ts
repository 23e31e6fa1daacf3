/**
 * The step vocabulary of the differential harness, sessionkit side: each op
 * is one call on `Session`, mirroring one use of `flask.session` in
 * scripts/flask/diff_values.py (`run_op`), with its fast-check arbitrary.
 */
import fc from "fast-check";
import { isTuple } from "sessionkit/codec";
import type { Session } from "sessionkit";
import { KEYS, build, codePointCompare, describe, valueArb, type Desc } from "./values.js";

/** One use of the session inside a request. */
export type Op =
  | ["set", string, Desc]
  | ["get", string]
  | ["has", string]
  | ["pop", string]
  | ["pop", string, Desc]
  | ["delete", string]
  | ["clear"]
  | ["setdefault", string, Desc]
  | ["setPermanent", boolean]
  | ["permanent"]
  | ["modified"]
  | ["markModified"]
  | ["append", string, Desc]
  | ["keys"]
  | ["items"]
  | ["flash", string, string]
  | ["flashes", boolean, string[]];

const CATEGORIES = ["message", "info", "error", "é"] as const;

/**
 * Run one op on a sessionkit session; answers the described result, as the Python peer does.
 *
 * @example
 * runOp(session, ["set", "user", "Tom"]); // null
 */
export function runOp(session: Session<Record<string, unknown>>, op: Op): Desc {
  switch (op[0]) {
    case "set":
      session.set(op[1], build(op[2]));
      return null;
    case "get":
      return describe(session.get(op[1]));
    case "has":
      return session.has(op[1]);
    case "pop":
      return describe(op.length > 2 ? session.pop(op[1], build(op[2]!)) : session.pop(op[1], null));
    case "delete":
      return session.delete(op[1]);
    case "clear":
      session.clear();
      return null;
    case "setdefault":
      return describe(session.setdefault(op[1], build(op[2])));
    case "setPermanent":
      session.permanent = op[1];
      return null;
    case "permanent":
      return session.permanent;
    case "modified":
      return session.modified;
    case "markModified":
      session.modified = true;
      return null;
    case "append": {
      const value = session.get(op[1]);
      if (Array.isArray(value) && !isTuple(value)) {
        value.push(build(op[2]));
        session.modified = true;
      }
      return null;
    }
    case "keys":
      return [...session.keys()].sort(codePointCompare);
    case "items":
      return describe(session.toJSON());
    case "flash":
      session.flash(op[1], op[2]);
      return null;
    case "flashes":
      return op[1]
        ? session.consumeFlashes({ withCategories: true, categoryFilter: op[2] }).map(([c, m]) => [c, m])
        : session.consumeFlashes({ categoryFilter: op[2] });
  }
}

/** Which ops the generator may use (the known differences are left out unless asked for). */
export interface OpOptions {
  /** `session.modified` read on its own: Flask 3.1.3 then sends `Vary: Cookie`, sessionkit does not. */
  modifiedAlone: boolean;
  /** Only values Flask-Session (msgspec) can store. */
  msgspec?: boolean;
}

/**
 * Arbitrary ops, weighted toward the ones that change what is stored.
 *
 * @example
 * fc.sample(opArb({ modifiedAlone: false }), 3);
 */
export function opArb(options: OpOptions): fc.Arbitrary<Op> {
  const key = fc.constantFrom(...KEYS);
  // Values a JavaScript app can write: a number 1 is an int, so no float 1.0 (see pyFloatOpArb).
  const value = valueArb({ integralFloats: false, msgspec: options.msgspec === true });
  const category = fc.constantFrom(...CATEGORIES);
  const message = fc.oneof(fc.constantFrom("saved", "bad input", "<b>ok</b>", ""), fc.string({ maxLength: 6 }));
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constant("set" as const), key, value) },
    { weight: 3, arbitrary: fc.tuple(fc.constant("get" as const), key) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("has" as const), key) },
    { weight: 2, arbitrary: fc.tuple(fc.constant("pop" as const), key) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("pop" as const), key, value) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("delete" as const), key) },
    { weight: 1, arbitrary: fc.constant(["clear"] as Op) },
    { weight: 2, arbitrary: fc.tuple(fc.constant("setdefault" as const), key, value) },
    { weight: 2, arbitrary: fc.tuple(fc.constant("setPermanent" as const), fc.boolean()) },
    { weight: 1, arbitrary: fc.constant(["permanent"] as Op) },
    { weight: 1, arbitrary: fc.constant(["markModified"] as Op) },
    { weight: 2, arbitrary: fc.tuple(fc.constant("append" as const), key, value) },
    { weight: 1, arbitrary: fc.constant(["keys"] as Op) },
    { weight: 1, arbitrary: fc.constant(["items"] as Op) },
    { weight: 3, arbitrary: fc.tuple(fc.constant("flash" as const), message, category) },
    { weight: 3, arbitrary: fc.tuple(fc.constant("flashes" as const), fc.boolean(), fc.subarray([...CATEGORIES])) },
  ) as fc.Arbitrary<Op>;
}

/**
 * The ops of one request. `session.modified` read on its own is a known
 * difference (Vary), so unless asked for it only follows another use of the session.
 *
 * @example
 * fc.sample(requestOpsArb({ modifiedAlone: false }), 1);
 */
export function requestOpsArb(options: OpOptions): fc.Arbitrary<Op[]> {
  const ops = fc.array(opArb(options), { maxLength: 5 });
  return fc.tuple(ops, fc.boolean()).map(([list, readModified]) =>
    readModified && (options.modifiedAlone || list.length > 0) ? [...list, ["modified"] as Op] : list,
  );
}

/**
 * The key under which only the Flask app writes values holding Python
 * floats such as 1.0 (not in KEYS: no sessionkit op writes it, so the only
 * way the float could be lost is sessionkit rewriting a value it did not change).
 */
export const PY_FLOAT_KEY = "py_float";

/**
 * A Flask-only op storing a value with Python floats such as 1.0.
 *
 * @example
 * fc.sample(pyFloatOpArb(false), 1); // [["set", "py_float", { $float: "1.0" }]]
 */
export function pyFloatOpArb(msgspec: boolean): fc.Arbitrary<Op> {
  return valueArb({ integralFloats: true, msgspec }).map((value): Op => ["set", PY_FLOAT_KEY, value]);
}
