#!/usr/bin/env python3
"""A tiny real Flask app for test/codec/flask-live.test.ts: `python3 live_app.py PORT SECRET [FALLBACK...]`.

GET  /login  sets a session holding every tagged type (Flask writes the cookie);
GET  /show   answers the session it read, described as make_vectors.describe does;
GET  /touch  adds a key (Flask re-signs what it read, with the current key).
"""
import datetime
import sys
import uuid

from flask import Flask, jsonify, session
from markupsafe import Markup

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import make_vectors  # noqa: E402

# This app runs on the real clock: undo make_vectors' frozen one.
import itsdangerous.timed  # noqa: E402
import time  # noqa: E402
itsdangerous.timed.TimestampSigner.get_timestamp = lambda self: int(time.time())

app = Flask(__name__)
app.secret_key = sys.argv[2]
app.config["SECRET_KEY_FALLBACKS"] = sys.argv[3:]


@app.get("/login")
def login():
    session["user"] = "张伟 😀"
    session["flash"] = ("success", Markup("<b>Saved</b>"))
    session["blob"] = b"\x00\xff"
    session["id"] = uuid.UUID("12345678-1234-5678-1234-567812345678")
    session["at"] = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    session["big"] = 2**70
    session["pi"] = 3.14159
    session["nested"] = {"list": [1, {" t": "escaped"}], "__proto__": {"admin": True}}
    return "ok"


@app.get("/show")
def show():
    return jsonify(make_vectors.describe(dict(session)))


@app.get("/touch")
def touch():
    session["touched"] = True
    return "ok"


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]), debug=False, use_reloader=False)
