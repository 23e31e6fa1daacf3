#!/usr/bin/env python3
"""Ask real Flask to read cookies that sessionkit wrote.

stdin: JSON list of {"cookie", "secret" (str, or {"$bytes": hex}), "now"};
stdout: JSON list of {"verdict": "ok" | itsdangerous error class, "loaded": described data}.
Uses Flask's own SecureCookieSessionInterface serializer, clock frozen at "now".
"""
import json
import sys

import itsdangerous.timed
from flask import Flask

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from make_vectors import MAX_AGE, describe, frozen  # noqa: E402  (also freezes the clock)


def main():
    out = []
    for item in json.load(sys.stdin):
        secret = item["secret"]
        app = Flask(__name__)
        app.secret_key = bytes.fromhex(secret["$bytes"]) if isinstance(secret, dict) else secret
        frozen[0] = item["now"]
        try:
            with app.app_context():
                data = app.session_interface.get_signing_serializer(app).loads(item["cookie"], max_age=MAX_AGE)
            out.append({"verdict": "ok", "loaded": describe(data)})
        except itsdangerous.BadData as e:
            out.append({"verdict": type(e).__name__, "loaded": None})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
