#!/usr/bin/env python3
"""Real Flask-Session 0.8 (SESSION_TYPE="redis") one request at a time, for
the server-side differential harness (test/flask-diff/server*.ts).

Run with the venv that has Flask-Session: `.venv/bin/python
diff_session_peer.py --redis-port 6379`; then one JSON command per line on
stdin, one JSON answer per line on stdout:

  {"cmd": "step", "config": {...}, "atMs": N, "cookie": HEADER|null, "ops": [...]}
      one GET through Flask's request cycle with Flask-Session's interface
      (open_session, the view, save_session). Answers status, op results,
      Set-Cookie lines, Vary and the session's sid at the end of the request.
  {"cmd": "peek", "config": {...}, "sids": [...]}
      each record as Flask-Session reads it: its serializer's decode of
      `SESSION_KEY_PREFIX + sid`, described, and the key's TTL.

The clock of Expires is the step's (`flask.sessions.datetime` replaced);
Redis TTLs run on Redis's own clock. Apps are cached per configuration.
"""
import argparse
import datetime as _dt
import json
import sys
import traceback

import flask.sessions
import redis
from flask import Flask
from flask.globals import request_ctx
from flask_session import Session

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import diff_values  # noqa: E402

_now = [0.0]


class FrozenDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return _dt.datetime.fromtimestamp(_now[0], tz or _dt.timezone.utc)


flask.sessions.datetime = FrozenDatetime

_ops = []
_results = []
_seen = {}
_apps = {}


def make_app(config, redis_port):
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config["secret"],
        SESSION_TYPE="redis",
        SESSION_REDIS=redis.Redis(host="127.0.0.1", port=redis_port),
        SESSION_KEY_PREFIX=config["prefix"],
        SESSION_PERMANENT=config["permanent"],
        SESSION_ID_LENGTH=config["idLength"],
        SESSION_REFRESH_EACH_REQUEST=config["refresh"],
        PERMANENT_SESSION_LIFETIME=config["lifetime"],
        SESSION_COOKIE_NAME=config["name"],
        SESSION_COOKIE_PATH=config.get("path", "/"),
        SESSION_COOKIE_SECURE=config["secure"],
        SESSION_COOKIE_HTTPONLY=config["httpOnly"],
        SESSION_COOKIE_SAMESITE=config.get("sameSite"),
    )
    Session(app)

    @app.get("/")
    def view():
        # Read past the `session` proxy, so that Vary stays untouched.
        _seen["loadedKeys"] = len(request_ctx._session)
        for op in _ops:
            if op[0] == "regenerate":
                app.session_interface.regenerate(request_ctx.session)
                _results.append(None)
            else:
                _results.append(diff_values.run_op(op))
        _seen["sid"] = request_ctx._session.sid
        return "ok"

    return app, app.test_client(use_cookies=False)


def app_for(config, redis_port):
    key = json.dumps(config, sort_keys=True)
    if key not in _apps:
        _apps[key] = make_app(config, redis_port)
    return _apps[key]


def step(command, redis_port):
    app, client = app_for(command["config"], redis_port)
    _now[0] = command["atMs"] / 1000
    _ops[:] = command["ops"]
    _results.clear()
    _seen.clear()
    header = command["cookie"]
    response = client.get("/", headers={"Cookie": header} if header is not None else {})
    return {
        "status": response.status_code,
        "loadedKeys": _seen.get("loadedKeys"),
        "results": list(_results),
        "setCookie": response.headers.getlist("Set-Cookie"),
        "vary": response.headers.get("Vary"),
        "sid": _seen.get("sid"),
    }


def peek(command, redis_port):
    app, _ = app_for(command["config"], redis_port)
    interface = app.session_interface
    records = []
    for sid in command["sids"]:
        key = interface.key_prefix + sid
        raw = interface.client.get(key)
        if raw is None:
            records.append(None)
            continue
        records.append({"data": diff_values.describe(interface.serializer.decode(raw)), "ttl": interface.client.ttl(key)})
    return {"records": records}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis-port", type=int, default=6379)
    args = parser.parse_args()
    for line in sys.stdin:
        command = json.loads(line)
        try:
            answer = step(command, args.redis_port) if command["cmd"] == "step" else peek(command, args.redis_port)
        except Exception:  # noqa: BLE001 - the harness prints it
            answer = {"error": traceback.format_exc()}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
