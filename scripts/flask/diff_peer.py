#!/usr/bin/env python3
"""Real Flask's cookie sessions, one script at a time, for the differential
harness (test/flask-diff/): `python3 diff_peer.py`, then one JSON script per
line on stdin, one JSON answer per line on stdout.

A script is {"config": {...}, "steps": [{"atMs": N, "cookie": MODE, "ops": [...]}]}.
Each step is one GET request through Flask's own request cycle (the test
client: open_session, the view, save_session, Werkzeug's dump_cookie), at
the step's clock: `time.time` (itsdangerous signs and checks ages with it)
and `flask.sessions.datetime` (Flask's Expires) are replaced by a clock the
script sets; Flask itself runs unmodified. The peer keeps the browser's
cookie jar: a Set-Cookie with a value stores it, a deletion removes it.

MODE says which Cookie header the step sends, built from the jar: "jar",
"none", "garbage", "tamper" (a signature character changed),
"noncanonical" (the signature's last character with other unused bits), "dupBadFirst"
(`n=bad; n=jar`), "dupBadLast", "quoted" (`n="jar"`), "others" (other
cookies around it), or {"raw": HEADER} to send HEADER as it is. The answer gives, per step, the exact Cookie header sent,
so that sessionkit can be fed the same bytes, and what Flask did: status, how
many keys it loaded, op results, every Set-Cookie line, Vary.
"""
import datetime as _dt
import json
import sys
import time
import traceback

import flask.sessions
from flask import Flask
from flask.globals import request_ctx

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import diff_values  # noqa: E402

_now = [0.0]


class FrozenDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return _dt.datetime.fromtimestamp(_now[0], tz or _dt.timezone.utc)


time.time = lambda: _now[0]
flask.sessions.datetime = FrozenDatetime

_ops = []
_results = []
_loaded = [0]
_apps = {}


def make_app(config):
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config["secret"],
        SECRET_KEY_FALLBACKS=config.get("fallbacks"),
        PERMANENT_SESSION_LIFETIME=config["lifetime"],
        SESSION_REFRESH_EACH_REQUEST=config["refresh"],
        SESSION_COOKIE_NAME=config["name"],
        SESSION_COOKIE_DOMAIN=config.get("domain"),
        SESSION_COOKIE_PATH=config.get("path", "/"),
        SESSION_COOKIE_SECURE=config["secure"],
        SESSION_COOKIE_HTTPONLY=config["httpOnly"],
        SESSION_COOKIE_SAMESITE=config.get("sameSite"),
        SESSION_COOKIE_PARTITIONED=config.get("partitioned", False),
        MAX_COOKIE_SIZE=0,
    )

    @app.get("/")
    def view():
        # How many keys Flask loaded, read past the `session` proxy so that Vary stays untouched.
        _loaded[0] = len(request_ctx._session)
        for op in _ops:
            _results.append(diff_values.run_op(op))
        return "ok"

    return app, app.test_client(use_cookies=False)


def cookie_header(name, jar, mode):
    if isinstance(mode, dict):
        return mode["raw"]
    if mode == "none":
        return None
    if mode == "garbage":
        return f"{name}=garbage.not.a.cookie"
    if jar is None:
        return None
    if mode == "jar":
        return f"{name}={jar}"
    if mode == "tamper":
        # A character inside the signature: its bits all count.
        c = jar[-5]
        return f"{name}={jar[:-5]}{'A' if c != 'A' else 'B'}{jar[-4:]}"
    if mode == "noncanonical":
        # The last signature character with other unused low bits: the same MAC to a lenient base64 decoder.
        c = jar[-1]
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return f"{name}={jar[:-1]}{alphabet[alphabet.index(c) ^ 1]}"
    if mode == "dupBadFirst":
        return f"{name}=bad; {name}={jar}"
    if mode == "dupBadLast":
        return f"{name}={jar}; {name}=bad"
    if mode == "quoted":
        return f'{name}="{jar}"'
    if mode == "others":
        return f"theme=dark; {name}={jar}; lang=en"
    raise ValueError(f"unknown cookie mode {mode}")


def update_jar(name, jar, set_cookies):
    for line in set_cookies:
        pair = line.split(";", 1)[0]
        key, _, value = pair.partition("=")
        if key != name:
            continue
        jar = None if value == "" or "Max-Age=0" in line else value
    return jar


def run_script(script):
    config = script["config"]
    key = json.dumps(config, sort_keys=True)
    if key not in _apps:
        _apps[key] = make_app(config)
    app, client = _apps[key]
    name = config["name"]
    jar = None
    out = []
    for step in script["steps"]:
        _now[0] = step["atMs"] / 1000
        header = cookie_header(name, jar, step["cookie"])
        _ops[:] = step["ops"]
        _results.clear()
        response = client.get("/", headers={"Cookie": header} if header is not None else {})
        set_cookies = response.headers.getlist("Set-Cookie")
        out.append(
            {
                "cookieHeader": header,
                "status": response.status_code,
                "loadedKeys": _loaded[0],
                "results": list(_results),
                "setCookie": set_cookies,
                "vary": response.headers.get("Vary"),
            }
        )
        jar = update_jar(name, jar, set_cookies)
    return out


def main():
    for line in sys.stdin:
        script = json.loads(line)
        try:
            answer = {"steps": run_script(script)}
        except Exception:  # noqa: BLE001 - the harness prints it
            answer = {"error": traceback.format_exc()}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
