#!/usr/bin/env python3
"""Golden vectors for sessionkit's `flask` cookie format, made by real Flask.

Run with `npm run vectors:flask`; writes test/fixtures/flask-vectors.json.
Every cookie here comes from Flask's own SecureCookieSessionInterface
(`get_signing_serializer`, inside an app context so Flask's JSON settings
apply) with fixed secrets and a frozen clock, and every verdict from Flask's
own `open_session` / `serializer.loads`.

Values that JSON cannot carry are described with `$`-wrappers that the
TypeScript test turns back into sessionkit values: $dict, $tuple, $bytes (hex),
$markup, $uuid, $datetime (Unix seconds), $int (decimal text, past 2^53),
$float (Python repr).
"""
import datetime
import json
import math
import sys
import uuid
from pathlib import Path

import flask
import itsdangerous
import itsdangerous.timed
from flask import Flask
from markupsafe import Markup

NOW = 1_700_000_000  # 2023-11-14T22:13:20Z, the spec's example time
MAX_AGE = 31 * 24 * 3600  # Flask's default PERMANENT_SESSION_LIFETIME
frozen = [NOW]
# Freeze itsdangerous's clock: both signing and max_age checks read get_timestamp.
itsdangerous.timed.TimestampSigner.get_timestamp = lambda self: frozen[0]


def describe(v):
    if isinstance(v, Markup):  # before str: Markup is a str subclass
        return {"$markup": str(v)}
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v if abs(v) <= 2**53 - 1 else {"$int": str(v)}
    if isinstance(v, float):
        return {"$float": repr(v)}
    if isinstance(v, dict):
        return {"$dict": {k: describe(x) for k, x in v.items()}}
    if isinstance(v, tuple):
        return {"$tuple": [describe(x) for x in v]}
    if isinstance(v, list):
        return [describe(x) for x in v]
    if isinstance(v, bytes):
        return {"$bytes": v.hex()}
    if isinstance(v, uuid.UUID):
        return {"$uuid": str(v)}
    if isinstance(v, datetime.datetime):
        return {"$datetime": int(v.timestamp())}
    raise TypeError(type(v))


def make_app(secret, fallbacks=None):
    app = Flask(__name__)
    app.secret_key = secret
    if fallbacks:
        app.config["SECRET_KEY_FALLBACKS"] = fallbacks
    return app


def serializer(app):
    return app.session_interface.get_signing_serializer(app)


def flask_verdict(app, cookie, now):
    """What Flask does with this cookie: the itsdangerous class it raises, and what open_session yields."""
    frozen[0] = now
    try:
        with app.app_context():
            data = serializer(app).loads(cookie, max_age=MAX_AGE)
        verdict = "ok"
    except itsdangerous.BadData as e:
        verdict, data = type(e).__name__, None
    except Exception as e:  # noqa: BLE001 - a non-dict payload etc. is a 500 in Flask
        verdict, data = "error:" + type(e).__name__, None
    try:
        # Pushing a request context is what opens the session, as in a real request.
        with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
            opened = "data" if flask.session else "empty"
    except Exception as e:  # noqa: BLE001 - Flask lets BadPayload through: a 500
        opened = "500:" + type(e).__name__
    frozen[0] = NOW
    return verdict, opened, data


SECRET = "sessionkit-test-secret-0123456789abcdef"
UUID1 = uuid.UUID("12345678-1234-5678-1234-567812345678")
DT = datetime.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc)

CASES = {
    "spec-example": ({"user": "Tom", "pwd": "password"}, "dev"),
    "ascii": ({"username": "alice", "user_id": 42, "_permanent": True}, SECRET),
    "chinese": ({"name": "张伟", "city": "北京市"}, SECRET),
    "emoji": ({"mood": "😀🎉", "flag": "🇫🇷"}, SECRET),
    "emoji-many": ({"e": "😀" * 40}, SECRET),
    "escapes": ({"s": "quote\" back\\ nl\n tab\t cr\r bs\b ff\f nul\x00 del\x7f slash/ <&>'"}, SECRET),
    "key-order": ({"b": 1, "a": 2, "A": 3, "_": 4, "1": 5, " sp": 6, "\uff01": 7, "😀": 8, "é": 9}, SECRET),
    "nested": ({"cart": [{"sku": "A1", "qty": 2, "tags": ["x", {"deep": [1, [2, [3]]]}]}], "empty": {}, "list": []}, SECRET),
    "scalars": ({"t": True, "f": False, "n": None, "zero": 0, "neg": -17, "s": ""}, SECRET),
    "big-ints": ({"a": 2**64, "b": -(2**63), "c": 2**53 - 1, "d": 2**53 + 1, "e": 10**30}, SECRET),
    "floats": ({"a": 1.5, "b": 0.1, "c": 1e-05, "d": 1e100, "e": 5e-324, "f": -0.0, "g": 1.2345678901234568e17, "h": 0.0001, "i": 123456.789, "j": 1e16}, SECRET),
    "non-finite": ({"nan": float("nan"), "inf": float("inf"), "ninf": float("-inf")}, SECRET),
    "tag-tuple": ({"t": (1, "two", (3,))}, SECRET),
    "tag-bytes": ({"b": b"\x00\x01\xff binary"}, SECRET),
    "tag-markup": ({"m": Markup("<b>Saved</b>")}, SECRET),
    "tag-uuid": ({"u": UUID1}, SECRET),
    "tag-datetime": ({"d": DT}, SECRET),
    "tag-di": ({"x": {" t": "not a tuple"}}, SECRET),
    "tag-di-top": ({" t": "top-level tag key"}, SECRET),
    "tag-di-double": ({"x": {" di": {" t__": [1]}}}, SECRET),
    "tag-lookalikes": ({"x": {" x": 1}, "y": {" t__": 2}, "z": {" t": 1, "other": 2}}, SECRET),
    "flashes": ({"_flashes": [("message", "Hello"), ("success", Markup("<b>Saved</b>"))]}, SECRET),
    "proto-keys": ({"__proto__": {"admin": True}, "constructor": {"prototype": 1}, "toString": "x"}, SECRET),
    "all-tags": ({"t": (b"x", Markup("m"), UUID1, DT, {" b": "z"})}, SECRET),
    "compressible": ({"text": "lorem ipsum dolor sit amet " * 20, "n": list(range(30))}, SECRET),
    "compressible-tags": ({"items": [(i, UUID1, Markup("<i>%d</i>" % i)) for i in range(12)]}, SECRET),
    "bytes-secret": ({"user": "bytes"}, b"\x00\xffraw-bytes-secret\x80"),
    "long-secret": ({"user": "long"}, "k" * 100),
    "unicode-secret": ({"user": "unicode"}, "clé-secrète-密钥"),
}

# Floats that do not survive a JS round trip byte for byte (integral floats become ints).
DECODE_ONLY = {"floats-integral": ({"one": 1.0, "hundred": 100.0, "big": 1e15}, SECRET)}


def main():
    out = {
        "generator": "scripts/flask/make_vectors.py",
        "flask": flask.__version__ if hasattr(flask, "__version__") else "",
        "itsdangerous": itsdangerous.__version__ if hasattr(itsdangerous, "__version__") else "",
        "python": sys.version.split()[0],
        "now": NOW,
        "max_age": MAX_AGE,
        "encode": [],
        "decode_only": [],
        "reject": [],
        "rotation": [],
    }
    for group, cases in (("encode", CASES), ("decode_only", DECODE_ONLY)):
        for name, (data, secret) in cases.items():
            app = make_app(secret)
            with app.app_context():
                s = serializer(app)
                cookie = s.dumps(data)
                tagged = s.serializer.dumps(data)
            verdict, opened, loaded = flask_verdict(app, cookie, NOW)
            assert verdict == "ok", (name, verdict)
            out[group].append({
                "name": name,
                "secret": secret if isinstance(secret, str) else {"$bytes": secret.hex()},
                "derived_key_hex": s.make_signer().derive_key().hex(),
                "data": describe(data),
                "loaded": describe(loaded),
                "tagged": tagged,
                "cookie": cookie,
                "compressed": cookie.startswith("."),
            })
    add_rejections(out)
    add_rotation(out)
    Path("test/fixtures/flask-vectors.json").write_text(json.dumps(out, indent=1, ensure_ascii=False, allow_nan=False) + "\n")
    print(f"wrote {len(out['encode'])} encode, {len(out['decode_only'])} decode-only, "
          f"{len(out['reject'])} rejection and {len(out['rotation'])} rotation vectors")


def raw_signed(app, payload):
    """MAC an arbitrary text with Flask's key, salt, derivation and digest, adding no timestamp
    (for authentic-but-bad timestamps and payloads)."""
    s = serializer(app)
    signer = itsdangerous.Signer(app.secret_key, salt=s.salt, **s.signer_kwargs)
    return signer.sign(payload.encode() if isinstance(payload, str) else payload).decode()


def add_rejections(out):
    import zlib
    app = make_app(SECRET)
    with app.app_context():
        good = serializer(app).dumps({"user": "alice", "role": "admin"})
        big = serializer(app).dumps({"text": "lorem ipsum " * 40})
    wrong = make_app("another-secret-entirely")
    with wrong.app_context():
        wrong_key = serializer(wrong).dumps({"user": "alice", "role": "admin"})
    payload, ts, sig = good.split(".")
    flip = lambda s, i: s[:i] + ("A" if s[i] != "A" else "B") + s[i + 1:]
    b64 = lambda b: itsdangerous.encoding.base64_encode(b).decode()
    bomb = b64(zlib.compress(b"{\"a\":\"" + b"a" * 5_000_000 + b"\"}"))
    cases = [
        ("valid-control", good, NOW),
        ("tampered-payload", flip(payload, 5) + "." + ts + "." + sig, NOW),
        ("tampered-timestamp", payload + "." + flip(ts, 2) + "." + sig, NOW),
        ("tampered-signature", payload + "." + ts + "." + flip(sig, 3), NOW),
        ("tampered-compressed", big[:10] + flip(big, 10)[10] + big[11:], NOW),
        ("wrong-key", wrong_key, NOW),
        ("expired", good, NOW + MAX_AGE + 1),
        ("age-equals-max", good, NOW + MAX_AGE),
        ("future-5s", good, NOW - 5),
        ("truncated-signature", good[:-1], NOW),
        ("signature-removed", payload + "." + ts, NOW),
        ("payload-only", payload, NOW),
        ("padded-1", good + "=", NOW),
        ("padded-2", good + "==", NOW),
        ("junk-in-signature", good[:-3] + "!" + good[-3:], NOW),
        ("non-canonical-signature-bits", payload + "." + ts + "." + sig[:-1] + chr(ord(sig[-1]) ^ 1), NOW),
        ("empty-segments", "..", NOW),
        ("garbage", "this is not a cookie", NOW),
        ("timestamp-missing", raw_signed(app, payload), NOW),
        ("timestamp-malformed", raw_signed(app, payload + ".!!!!"), NOW),
        ("mac-valid-bad-zlib", raw_signed(app, ".AAAAAAAA." + ts), NOW),
        ("mac-valid-bad-json", raw_signed(app, b64(b"{not json") + "." + ts), NOW),
        ("mac-valid-bad-utf8", raw_signed(app, b64(b"{\"a\":\"\xff\"}") + "." + ts), NOW),
        ("mac-valid-not-object", raw_signed(app, b64(b"[1,2,3]") + "." + ts), NOW),
        ("mac-valid-zip-bomb", raw_signed(app, "." + bomb + "." + ts), NOW),
        ("mac-valid-bad-tag", raw_signed(app, b64(b"{\"x\":{\" u\":\"not-a-uuid\"}}") + "." + ts), NOW),
    ]
    for name, cookie, now in cases:
        verdict, opened, _ = flask_verdict(app, cookie, now)
        out["reject"].append({"name": name, "secret": SECRET, "cookie": cookie, "now": now,
                              "flask_error": verdict, "flask_session": opened})


def add_rotation(out):
    keys = {"current": "rotation-current-key", "fallbacks": ["rotation-oldest-key", "rotation-older-key"]}
    app = make_app(keys["current"], keys["fallbacks"])
    entries = []
    for signer_key in [keys["current"], *keys["fallbacks"], "rotation-removed-key"]:
        minted = make_app(signer_key)
        with minted.app_context():
            cookie = serializer(minted).dumps({"signed_by": signer_key})
        verdict, opened, loaded = flask_verdict(app, cookie, NOW)
        entries.append({"signed_by": signer_key, "cookie": cookie, "flask_error": verdict,
                        "loaded": describe(loaded) if loaded is not None else None})
    with app.app_context():
        resigned = serializer(app).dumps({"signed_by": "whoever"})
    out["rotation"].append({
        "secret_key": keys["current"],
        "secret_key_fallbacks": keys["fallbacks"],
        "itsdangerous_order": list(keys["fallbacks"]) + [keys["current"]],
        "cookies": entries,
        "app_signs": resigned,
        "app_signs_with": keys["current"],
    })


if __name__ == "__main__":
    main()
