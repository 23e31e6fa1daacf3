#!/usr/bin/env python3
"""itsdangerous + Flask's TaggedJSONSerializer on the same session, for bench/codec/run.ts.

stdin: {"data": <JSON session>, "secret": str, "seconds": float}; stdout: {"dumps_us", "loads_us", "cookie"}.
"""
import json
import sys
import time

from flask import Flask


def per_call_us(fn, seconds):
    n, start = 0, time.perf_counter()
    while True:
        for _ in range(200):
            fn()
        n += 200
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return elapsed / n * 1e6


def main():
    job = json.load(sys.stdin)
    app = Flask(__name__)
    app.secret_key = job["secret"]
    with app.app_context():
        s = app.session_interface.get_signing_serializer(app)
        data = job["data"]
        cookie = s.dumps(data)
        per_call_us(lambda: s.dumps(data), 0.2)  # warm up
        dumps_us = per_call_us(lambda: s.dumps(data), job["seconds"])
        loads_us = per_call_us(lambda: s.loads(cookie, max_age=3600), job["seconds"])
    json.dump({"dumps_us": dumps_us, "loads_us": loads_us, "cookie": cookie}, sys.stdout)


if __name__ == "__main__":
    main()
