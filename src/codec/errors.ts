/**
 * The codec's errors, mirroring itsdangerous's `exc.py` class for class:
 *
 * ```
 * BadData
 * ├── BadSignature
 * │   └── BadTimeSignature
 * │       └── SignatureExpired
 * └── BadPayload
 * ```
 *
 * `decode`/`open` throw only `BadSignature`, `BadTimeSignature`,
 * `SignatureExpired` or `BadPayload`, whatever the input. Unlike
 * itsdangerous, no error carries the payload or the cookie: errors end up in
 * logs, and a cookie (or its data) must never reach a log line. Messages are
 * fixed strings chosen here; `reason` is a stable sub-code for events.
 *
 * `codec/` imports nothing from the rest of the package (a boundaries rule),
 * so these classes do not extend core's `SessionkitError`; they follow the
 * same shape (`code`, `name`, optional `cause`).
 */

/** Stable codes of the codec's errors: match on these (or the class), never on the message. */
export type CodecErrorCode =
  | "BAD_DATA"
  | "BAD_SIGNATURE"
  | "BAD_TIME_SIGNATURE"
  | "SIGNATURE_EXPIRED"
  | "BAD_PAYLOAD"
  | "CODEC_CONFIG_INVALID"
  | "UNSERIALIZABLE_VALUE"
  | "PAYLOAD_TOO_LARGE";

/** Why a value was refused, finer than the class; safe to put in an event. */
export type BadDataReason =
  | "malformed" // not the shape of a cookie: separators, lengths, alphabet
  | "mismatch" // well formed, but no secret produced this MAC / tag
  | "timestamp" // the timestamp segment is missing or malformed
  | "expired" // older than maxAgeSeconds
  | "future" // signed after "now"
  | "payload"; // authentic, but the payload cannot be decoded

/**
 * Base of every "this value is not acceptable" error (itsdangerous `BadData`).
 *
 * @example
 * try { codec.decode(cookie) } catch (e) { if (e instanceof BadData) startFreshSession() }
 */
export class BadData extends Error {
  readonly code: CodecErrorCode;
  readonly reason: BadDataReason;
  constructor(message: string, reason: BadDataReason, code: CodecErrorCode = "BAD_DATA", options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.reason = reason;
    this.name = new.target.name;
  }
}

/**
 * The signature does not match, or the value is not shaped like a signed value.
 *
 * @example
 * assert.throws(() => codec.decode("not-a-cookie"), BadSignature);
 */
export class BadSignature extends BadData {
  constructor(message: string, reason: BadDataReason = "mismatch", code: CodecErrorCode = "BAD_SIGNATURE") {
    super(message, reason, code);
  }
}

/**
 * A timed signature is wrong, or its timestamp is missing or malformed.
 *
 * @example
 * catch (e) { if (e instanceof BadTimeSignature) console.log(e.reason) } // "mismatch" | "timestamp"
 */
export class BadTimeSignature extends BadSignature {
  constructor(message: string, reason: BadDataReason = "mismatch", code: CodecErrorCode = "BAD_TIME_SIGNATURE") {
    super(message, reason, code);
  }
}

/**
 * The signature is authentic but older than `maxAgeSeconds`, or from the
 * future (itsdangerous ≥ 2.0 rejects a negative age the same way).
 *
 * @example
 * catch (e) { if (e instanceof SignatureExpired) console.log(e.dateSigned.toISOString()) }
 */
export class SignatureExpired extends BadTimeSignature {
  /** When the value was signed (authentic: the MAC was checked first). */
  readonly dateSigned: Date;
  constructor(message: string, dateSigned: Date, reason: "expired" | "future" = "expired") {
    super(message, reason, "SIGNATURE_EXPIRED");
    this.dateSigned = dateSigned;
  }
}

/**
 * The value is authentic but its payload cannot be decoded: bad base64, a
 * zlib stream that is broken or inflates past the cap, bad UTF-8, bad JSON,
 * a bad tag, too deep or too many keys. Flask answers 500 here; sessionkit
 * starts a fresh session. `cause` holds the underlying error, if any.
 *
 * @example
 * catch (e) { if (e instanceof BadPayload) log.warn("undecodable session", e.cause) }
 */
export class BadPayload extends BadData {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "payload", "BAD_PAYLOAD", options);
  }
}

/**
 * `createCookieCodec` was given unusable options (no secret, unknown format).
 * Thrown at creation, never per request.
 *
 * @example
 * assert.throws(() => createCookieCodec({ secrets: [] }), CodecConfigError);
 */
export class CodecConfigError extends Error {
  readonly code: CodecErrorCode = "CODEC_CONFIG_INVALID";
  /** The option at fault, such as `secrets` or `format`. */
  readonly option: string;
  constructor(option: string, message: string) {
    super(`sessionkit/codec: invalid option \`${option}\`: ${message}`);
    this.option = option;
    this.name = new.target.name;
  }
}

/** The reader's limits a writer checks first, so that nothing is written that would be read back as garbage. */
export type PayloadLimit = "maxDepth" | "maxKeys" | "maxDecompressedBytes" | "maxValueLength";

/**
 * Session data too big or too deep for the reader's limits: refused when it
 * is written, since a cookie or record the reader refuses would silently
 * come back as a fresh session (a logout the visitor never asked for). The
 * message names the limit, never the data.
 *
 * @example
 * assert.throws(() => dumps(Array.from({ length: 10_001 }, () => 0)), PayloadTooLargeError);
 */
export class PayloadTooLargeError extends RangeError {
  readonly code: CodecErrorCode = "PAYLOAD_TOO_LARGE";
  /** The limit that was exceeded. */
  readonly limit: PayloadLimit;
  /** Its value. */
  readonly max: number;
  constructor(limit: PayloadLimit, max: number) {
    const what =
      limit === "maxDepth"
        ? "nested deeper than"
        : limit === "maxKeys"
          ? "made of more keys and list items than"
          : limit === "maxValueLength"
            ? "longer, as a cookie value, than"
            : "longer, serialized, than";
    super(`sessionkit/codec: the session data is ${what} ${max} (${limit}), which sessionkit would refuse to read back; store less, or split it.`);
    this.limit = limit;
    this.max = max;
    this.name = new.target.name;
  }
}

/**
 * A value given to `dumps`/`encode` has no tagged-JSON form (a function, a
 * symbol, a Map, a class instance…). Python raises `TypeError` here.
 * The message names the type and the path of keys, never the value.
 *
 * @example
 * assert.throws(() => dumps({ when: new Map() }), UnserializableValueError);
 */
export class UnserializableValueError extends TypeError {
  readonly code: CodecErrorCode = "UNSERIALIZABLE_VALUE";
  /** What was found, e.g. `Map` or `function`. */
  readonly valueType: string;
  constructor(valueType: string, reason = "has no tagged-JSON form") {
    super(
      `sessionkit/codec: a value of type ${valueType} ${reason}; store plain objects, arrays, strings, numbers, ` +
        "booleans, null, BigInt, Date, Uint8Array, Tuple, Markup or UUID.",
    );
    this.valueType = valueType;
    this.name = new.target.name;
  }
}
