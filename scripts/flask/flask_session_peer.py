"""A real Flask-Session 0.8 app (SESSION_TYPE="redis") for sessionkit's live tests.

Run: python flask_session_peer.py --redis-port 6379 --prefix "sk-test:...:session:"
It serves on 127.0.0.1 (a free port) and prints one JSON line {"port": N}
when ready. The test drives it over HTTP with the same cookie sessionkit
uses, so the two share server-side sessions through one Redis.

Routes (all answer JSON):
  GET  /get         -> {"sid": ..., "data": dict(session)} (typed values described)
  POST /set         -> session.update(JSON body); answers like /get
  POST /set-typed   -> stores Python-only types: tuple, aware datetime, bytes, float 1.0
  POST /pop?key=k   -> session.pop(k)
  POST /regenerate  -> app.session_interface.regenerate(session)
  GET  /raw         -> {"msgspec_hex": hex of msgspec's msgpack of dict(session)}
"""

import argparse
import base64
import datetime
import json
import sys

import msgspec
import redis
from flask import Flask, jsonify, request, session
from flask_session import Session
from werkzeug.serving import make_server


def describe(value):
    """A JSON view of a session value that keeps the Python type visible."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, tuple):
        return {"tuple": [describe(v) for v in value]}
    if isinstance(value, list):
        return [describe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): describe(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode()}
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    return {"type": type(value).__name__}


def create_app(redis_port, prefix):
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="flask-session-peer-secret-not-used-for-ids",
        SESSION_TYPE="redis",
        SESSION_REDIS=redis.Redis(host="127.0.0.1", port=redis_port),
        SESSION_KEY_PREFIX=prefix,
        PERMANENT_SESSION_LIFETIME=datetime.timedelta(hours=1),
    )
    Session(app)

    def state():
        return jsonify({"sid": getattr(session, "sid", None), "data": {k: describe(v) for k, v in session.items()}})

    @app.get("/get")
    def get():
        return state()

    @app.post("/set")
    def set_():
        session.update(request.get_json(force=True))
        return state()

    @app.post("/set-typed")
    def set_typed():
        session["tuple"] = ("warning", "Saved")
        session["when"] = datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
        session["blob"] = b"\x00\xffsk"
        session["ratio"] = 1.0
        session["pi"] = 3.25
        session["big"] = 2**60
        return state()

    @app.post("/pop")
    def pop():
        session.pop(request.args["key"], None)
        return state()

    @app.post("/regenerate")
    def regenerate():
        app.session_interface.regenerate(session)
        return state()

    @app.get("/raw")
    def raw():
        return jsonify({"msgspec_hex": msgspec.msgpack.encode(dict(session)).hex()})

    return app


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis-port", type=int, default=6379)
    parser.add_argument("--prefix", required=True)
    args = parser.parse_args()
    server = make_server("127.0.0.1", 0, create_app(args.redis_port, args.prefix), threaded=True)
    print(json.dumps({"port": server.server_port}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
