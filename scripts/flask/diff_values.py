"""The value language and the step vocabulary shared by the differential peers
(diff_peer.py for Flask's cookie sessions, diff_session_peer.py for
Flask-Session). test/flask-diff/ speaks the same language in TypeScript.

A value crosses the pipe as JSON with `$`-wrappers for what JSON cannot say:
{"$dict": {...}}, {"$tuple": [...]}, {"$float": "1.0"} (the text
json.dumps writes), {"$int": "2**70 in decimal"}, {"$bytes": hex},
{"$markup": str}, {"$uuid": str}, {"$datetime": ms since the epoch}. A plain
JSON number is an int; lists are lists.

Each op is a list [name, *args], run on `flask.session` inside a view, and
answers a described value. The names mirror sessionkit's Session API.
"""
import datetime
import json
import uuid

from flask import flash, get_flashed_messages, session
from markupsafe import Markup

SAFE = 2**53 - 1
UTC = datetime.timezone.utc
# The keys sessionkit keeps for itself (RESERVED_KEYS): its keys() hides them, and so do these ops.
RESERVED = {"_permanent", "_flashes", "_sk_created", "_sk_jti", "_sk_user", "_sk_auth"}


def build(d):
    """A Python value from its description."""
    if isinstance(d, list):
        return [build(x) for x in d]
    if not isinstance(d, dict):
        return d
    (tag, v), = d.items()
    if tag == "$dict":
        return {k: build(x) for k, x in v.items()}
    if tag == "$tuple":
        return tuple(build(x) for x in v)
    if tag == "$float":
        return float(v)
    if tag == "$int":
        return int(v)
    if tag == "$bytes":
        return bytes.fromhex(v)
    if tag == "$markup":
        return Markup(v)
    if tag == "$uuid":
        return uuid.UUID(v)
    if tag == "$datetime":
        return datetime.datetime.fromtimestamp(v / 1000, UTC)
    raise ValueError(f"unknown tag {tag}")


def describe(v):
    """The description of a Python value (the inverse of build)."""
    if isinstance(v, Markup):  # before str: Markup is a str
        return {"$markup": str(v)}
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v if -SAFE <= v <= SAFE else {"$int": str(v)}
    if isinstance(v, float):
        return {"$float": json.dumps(v)}
    if isinstance(v, dict):
        return {"$dict": {str(k): describe(x) for k, x in v.items()}}
    if isinstance(v, tuple):
        return {"$tuple": [describe(x) for x in v]}
    if isinstance(v, list):
        return [describe(x) for x in v]
    if isinstance(v, bytes):
        return {"$bytes": v.hex()}
    if isinstance(v, uuid.UUID):
        return {"$uuid": str(v)}
    if isinstance(v, datetime.datetime):
        aware = v if v.tzinfo else v.replace(tzinfo=UTC)
        return {"$datetime": round(aware.timestamp() * 1000)}
    return {"$type": type(v).__name__}


def _message_text(m):
    # sessionkit's consumeFlashes answers message text; Markup's text is its HTML.
    return str(m) if isinstance(m, str) else m


def run_op(op):
    """Run one op on flask.session; answer its described result."""
    name, args = op[0], op[1:]
    if name == "set":
        session[args[0]] = build(args[1])
        return None
    if name == "get":
        return describe(session.get(args[0]))
    if name == "has":
        return args[0] in session
    if name == "pop":
        return describe(session.pop(args[0], build(args[1]) if len(args) > 1 else None))
    if name == "delete":
        had = args[0] in session
        if had:
            del session[args[0]]
        return had
    if name == "clear":
        session.clear()
        return None
    if name == "setdefault":
        return describe(session.setdefault(args[0], build(args[1])))
    if name == "setPermanent":
        session.permanent = args[0]
        return None
    if name == "permanent":
        return session.permanent
    if name == "modified":
        return session.modified
    if name == "markModified":
        session.modified = True
        return None
    if name == "append":
        # The Flask way to change a value in place: change it, then say so.
        value = session.get(args[0])
        if isinstance(value, list):
            value.append(build(args[1]))
            session.modified = True
        return None
    if name == "keys":
        return sorted(k for k in session.keys() if k not in RESERVED)
    if name == "items":
        return describe({k: v for k, v in session.items() if k not in RESERVED})
    if name == "flash":
        flash(args[0], args[1])
        return None
    if name == "flashes":
        with_categories, category_filter = args[0], args[1]
        got = get_flashed_messages(with_categories=with_categories, category_filter=category_filter)
        if with_categories:
            return [[describe(c), describe(_message_text(m))] for c, m in got]
        return [describe(_message_text(m)) for m in got]
    raise ValueError(f"unknown op {name}")
