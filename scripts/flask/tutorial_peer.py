#!/usr/bin/env python3
"""A minimal Flask 3 app sharing a login with the sessionkit tutorial.

    python3 tutorial_peer.py PORT SECRET_KEY

It is Flask's own tutorial login, nothing more: the username is kept under
``session["username"]`` in Flask's default signed cookie. Started with the
tutorial's SECRET_KEY, each app accepts the other's login cookie
(test/tutorial/flask-interop.test.ts).

GET  /login?username=NAME  and  POST /login (form field ``username``)
     set session["username"] and redirect to /
GET  /whoami   {"username": NAME or null, "keys": [...]} as JSON
GET  /         "Logged in as NAME" or "You are not logged in"
GET  /logout   pops the username
"""
import sys

from flask import Flask, jsonify, redirect, request, session

app = Flask(__name__)
app.secret_key = sys.argv[2]


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
    app.run(host="127.0.0.1", port=int(sys.argv[1]), debug=False, use_reloader=False)
