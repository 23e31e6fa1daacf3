#!/usr/bin/env python3
"""Record the Set-Cookie and Vary headers real Flask emits for a set of
request sequences, at a frozen clock, into test/fixtures/flask-parity.json.

test/parity/flask-parity.test.ts replays every step through sessionkit's
`flask` format and node adapter and asserts the same headers.

Run: python3 scripts/flask/parity_headers.py   (npm run fixtures:flask)

The clock is frozen by replacing `time.time` (itsdangerous signs and checks
ages with it) and `flask.sessions.datetime` (Flask computes Expires with it):
Flask itself runs unmodified. Each step records the Cookie it sent, so the
replay feeds sessionkit exactly the cookie Flask received.
"""
import datetime as _dt
import importlib.metadata
import json
import os
import sys
import time

import flask
import flask.sessions
from flask import Flask, flash, get_flashed_messages, request, session

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z
SECRET = "parity-secret-0123456789abcdef-0123456789abcdef"
OLD_SECRET = "parity-old-secret-0123456789abcdef-0123456789ab"
SHORT_SECRET = "dev"  # Flask apps in the wild use short keys; sharing with them must work

_now = [T0]


class FrozenDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return _dt.datetime.fromtimestamp(_now[0], tz or _dt.timezone.utc)


time.time = lambda: float(_now[0])
flask.sessions.datetime = FrozenDatetime


def make_app(config):
    app = Flask(__name__)
    app.config["SECRET_KEY"] = config["secret"]
    app.config["SECRET_KEY_FALLBACKS"] = config.get("fallbacks") or None
    app.config["SESSION_REFRESH_EACH_REQUEST"] = config.get("refresh", True)
    app.config["PERMANENT_SESSION_LIFETIME"] = config.get("lifetime", 2_678_400)

    @app.get("/set")
    def set_value():
        session[request.args["key"]] = request.args["value"]
        return "ok"

    @app.get("/get")
    def get_value():
        return json.dumps(session.get(request.args["key"]))

    @app.get("/pop")
    def pop_value():
        return json.dumps(session.pop(request.args["key"], None))

    @app.get("/clear")
    def clear():
        session.clear()
        return "cleared"

    @app.get("/permanent")
    def permanent():
        session.permanent = request.args["on"] == "1"
        if "key" in request.args:
            session[request.args["key"]] = request.args["value"]
        return "ok"

    @app.get("/flash")
    def add_flash():
        flash(request.args["msg"], request.args.get("cat", "message"))
        return "ok"

    @app.get("/flashes")
    def flashes():
        return json.dumps(get_flashed_messages(with_categories=True))

    @app.get("/static")
    def static_page():
        return "static"

    return app


BASE = {"secret": SECRET}
BIG = "abc" * 300

SEQUENCES = [
    ("set", [dict(path="/set?key=user&value=Tom")]),
    ("read-only", [dict(path="/set?key=user&value=Tom"), dict(path="/get?key=user", at=T0 + 30)]),
    ("untouched", [dict(path="/set?key=user&value=Tom"), dict(path="/static", at=T0 + 30)]),
    (
        "pop",
        [
            dict(path="/set?key=user&value=Tom"),
            dict(path="/set?key=cart&value=3"),
            dict(path="/pop?key=user", at=T0 + 10),
            dict(path="/pop?key=missing", at=T0 + 20),
            dict(path="/pop?key=cart", at=T0 + 30),
        ],
    ),
    ("clear", [dict(path="/set?key=user&value=Tom"), dict(path="/clear", at=T0 + 5)]),
    ("clear-without-cookie", [dict(path="/clear")]),
    (
        "permanent-on",
        [
            dict(path="/permanent?on=1&key=user&value=Tom"),
            dict(path="/get?key=user", at=T0 + 60),
            dict(path="/static", at=T0 + 120),
        ],
    ),
    ("permanent-off", [dict(path="/permanent?on=1&key=user&value=Tom"), dict(path="/permanent?on=0", at=T0 + 60), dict(path="/get?key=user", at=T0 + 90)]),
    (
        "refresh-off",
        [dict(path="/permanent?on=1&key=user&value=Tom", config={"refresh": False}), dict(path="/get?key=user", at=T0 + 60, config={"refresh": False})],
    ),
    (
        "expiry",
        [
            dict(path="/set?key=user&value=Tom", config={"lifetime": 3600}),
            dict(path="/get?key=user", at=T0 + 3600, config={"lifetime": 3600}),
            dict(path="/get?key=user", at=T0 + 3601, config={"lifetime": 3600}),
        ],
    ),
    (
        "rotation",
        [
            dict(path="/set?key=user&value=Tom", config={"secret": OLD_SECRET}),
            dict(path="/set?key=cart&value=1", at=T0 + 10, config={"secret": SECRET, "fallbacks": [OLD_SECRET]}),
            dict(path="/get?key=user", at=T0 + 20, config={"secret": SECRET}, cookie_from=0),
        ],
    ),
    (
        "flash",
        [
            dict(path="/flash?msg=Hello"),
            dict(path="/flash?msg=Saved&cat=success", at=T0 + 1),
            dict(path="/flashes", at=T0 + 2),
        ],
    ),
    ("compressed", [dict(path="/set?key=big&value=" + BIG), dict(path="/get?key=big", at=T0 + 5)]),
    ("short-secret", [dict(path="/set?key=user&value=Tom", config={"secret": SHORT_SECRET}), dict(path="/clear", at=T0 + 5, config={"secret": SHORT_SECRET})]),
]


def cookie_from_set_cookie(line):
    pair = line.split(";", 1)[0]
    name, _, value = pair.partition("=")
    return name, value


def run_sequence(name, steps):
    jar = None
    sent = []
    out = []
    for step in steps:
        config = {**BASE, **step.get("config", {})}
        _now[0] = step.get("at", T0)
        cookie = sent[step["cookie_from"]] if "cookie_from" in step else jar
        sent.append(cookie)
        client = make_app(config).test_client(use_cookies=False)
        headers = {"Cookie": f"session={cookie}"} if cookie else {}
        response = client.get(step["path"], headers=headers)
        set_cookie = response.headers.getlist("Set-Cookie")
        for line in set_cookie:
            cname, value = cookie_from_set_cookie(line)
            if cname == "session":
                jar = value or None
        out.append(
            {
                "at": _now[0],
                "config": {
                    "secret": config["secret"],
                    "fallbacks": config.get("fallbacks", []),
                    "refresh": config.get("refresh", True),
                    "lifetime": config.get("lifetime", 2_678_400),
                },
                "path": step["path"],
                "cookie": cookie,
                "status": response.status_code,
                "body": response.get_data(as_text=True),
                "set_cookie": set_cookie,
                "vary": response.headers.get("Vary"),
            }
        )
    return {"name": name, "steps": out}


def main():
    fixture = {
        "generated_by": "scripts/flask/parity_headers.py",
        "flask": importlib.metadata.version("flask"),
        "werkzeug": importlib.metadata.version("werkzeug"),
        "itsdangerous": importlib.metadata.version("itsdangerous"),
        "frozen_at": T0,
        "sequences": [run_sequence(name, steps) for name, steps in SEQUENCES],
    }
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "test", "fixtures", "flask-parity.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(fixture, f, indent=2, sort_keys=False)
        f.write("\n")
    print(f"wrote {sum(len(s['steps']) for s in fixture['sequences'])} steps to {os.path.relpath(path, root)}", file=sys.stderr)


if __name__ == "__main__":
    main()
