/**
 * One session value, both ways between what core hands a store (Flask's
 * tagged JSON text, made by the codec's `dumps`) and what Flask-Session keeps
 * in its record (a msgspec msgpack value).
 *
 * What does not survive the trip is what msgspec itself cannot keep
 * (docs/flask-format.md §10.6): a tuple comes back as a list, Markup and UUID as
 * strings, an integral float (`1.0`) as the int `1`, a datetime to the second.
 * That is the same loss a Flask app sees with Flask-Session.
 */
import { BadPayload, UnserializableValueError, dumps, loads } from "../../codec/index.js";
import { MsgpackDecodeError, MsgpackEncodeError, MsgpackExt, decodeMsgpack, encodeMsgpack } from "./msgpack.js";

/**
 * Extension type that carries value text verbatim when it is not canonical
 * tagged JSON (core never produces such text; a caller of the raw Store API
 * may). Flask-Session shows it to the app as a `msgspec.msgpack.Ext`, which is
 * better than silently changing the text. 83 is ASCII "S".
 */
export const VERBATIM_EXT_TYPE = 83;

const utf8 = new TextDecoder("utf-8", { fatal: true });

function verbatim(text: string): Buffer {
  return encodeMsgpack(new MsgpackExt(VERBATIM_EXT_TYPE, Buffer.from(text, "utf8")));
}

/**
 * The msgpack bytes Flask-Session would store for one value, given as tagged JSON text.
 *
 * @example
 * valueTextToMsgpack('"alice"').toString("hex"); // "a5616c696365"
 */
export function valueTextToMsgpack(text: string): Buffer {
  let value: unknown;
  try {
    value = loads(text);
    // Only text that `dumps` writes back identically is mapped to native
    // msgpack: anything else would come back from a load changed.
    if (dumps(value) !== text) return verbatim(text);
    return encodeMsgpack(value);
  } catch (error) {
    if (error instanceof BadPayload || error instanceof UnserializableValueError || error instanceof MsgpackEncodeError) {
      return verbatim(text);
    }
    throw error;
  }
}

/**
 * The tagged JSON text core expects for one stored msgpack value. Throws
 * {@link MsgpackDecodeError} for bytes that are not a value a Flask session
 * can hold (a foreign extension type, invalid msgpack).
 *
 * @example
 * msgpackToValueText(Buffer.from("920102", "hex")); // "[1,2]"
 */
export function msgpackToValueText(bytes: Buffer): string {
  const value = decodeMsgpack(bytes);
  if (value instanceof MsgpackExt) {
    if (value.type !== VERBATIM_EXT_TYPE) throw new MsgpackDecodeError(`an extension of type ${value.type}`, 0);
    try {
      return utf8.decode(value.data);
    } catch (error) {
      if (error instanceof TypeError) throw new MsgpackDecodeError("verbatim text that is not UTF-8", 0);
      throw error;
    }
  }
  try {
    return dumps(value);
  } catch (error) {
    // A nested extension value: tagged JSON has no form for it.
    if (error instanceof UnserializableValueError) throw new MsgpackDecodeError("a value tagged JSON cannot hold", 0);
    throw error;
  }
}
