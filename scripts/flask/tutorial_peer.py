#!/usr/bin/env python3
"""A minimal Flask 3 app sharing a login with the sessionkit tutorial.

    python3 tutorial_peer.py PORT SECRET_KEY
    .venv/bin/python tutorial_peer.py PORT SECRET_KEY --flask-session-redis REDIS_PORT --prefix SESSION_KEY_PREFIX

It is Flask's own tutorial login, nothing more: the username is kept under
``session["username"]``, in Flask's default signed cookie, or with
``--flask-session-redis`` in Flask-Session 0.8's Redis records
(SESSION_TYPE="redis", the given SESSION_KEY_PREFIX). Started with the
tutorial's SECRET_KEY (and, for Flask-Session, the tutorial started with
SESSION_STORE=flask-session+redis://…), each app accepts the other's login
(test/tutorial/flask-interop.test.ts, test/tutorial/flask-session-interop.test.ts).

GET  /login?username=NAME  and  POST /login (form field ``username``)
     set session["username"] and redirect to /
GET  /whoami   {"username": NAME or null, "keys": [...]} as JSON
GET  /         "Logged in as NAME" or "You are not logged in"
GET  /logout   pops the username
"""
import argparse

from flask import Flask, jsonify, redirect, request, session

parser = argparse.ArgumentParser()
parser.add_argument("port", type=int)
parser.add_argument("secret")
parser.add_argument("--flask-session-redis", type=int, help="a Redis port: keep sessions with Flask-Session there")
parser.add_argument("--prefix", default="session:", help="Flask-Session's SESSION_KEY_PREFIX")
args = parser.parse_args()

app = Flask(__name__)
app.secret_key = args.secret
if args.flask_session_redis is not None:
    import redis
    from flask_session import Session

    app.config.update(
        SESSION_TYPE="redis",
        SESSION_REDIS=redis.Redis(host="127.0.0.1", port=args.flask_session_redis),
        SESSION_KEY_PREFIX=args.prefix,
    )
    Session(app)


@app.route("/login", methods=["GET", "POST"])
def login():
    username = request.values.get("username", "")
    if not username:
        return "username required", 400
    session["username"] = username
    return redirect("/")


@app.get("/whoami")
def whoami():
    return jsonify(username=session.get("username"), keys=sorted(session.keys()))


@app.get("/")
def index():
    if "username" in session:
        return f"Logged in as {session['username']}"
    return "You are not logged in"


@app.get("/logout")
def logout():
    session.pop("username", None)
    return redirect("/")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=args.port, debug=False, use_reloader=False)
