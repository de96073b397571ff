"""The access log: one JSON object a line for every request the app answers, around the WSGI app."""

import datetime
import json
import sys
import threading
import time

CACHE_STATUS = "backprop.cache"  # the WSGI environ's key where the app says "hit" or "miss"
MAX_PATH_CHARACTERS = 200


class AccessLog:
    """Wraps a WSGI app; writes to `stream` (a text file), for each request:

    time (UTC, ISO 8601), instance, client (the address the app saw, after ProxyFix), method,
    path (at most 200 characters; never the query, which holds the user's expression and values:
    only its length, query_bytes), status, bytes (the body's Content-Length), ms (time in the
    app, to a tenth of a millisecond), cache ("hit", "miss", or null on routes without one).

    Every field is written by json.dumps, so no text a client sends can break a line."""

    def __init__(self, app, stream, instance):
        self.app = app
        self.stream = stream
        self.instance = instance
        self.lock = threading.Lock()

    @classmethod
    def to(cls, app, destination, instance):
        """`destination` "-" is standard output; anything else a file path, appended to."""
        stream = sys.stdout if destination == "-" else open(destination, "a", buffering=1, encoding="utf-8")
        return cls(app, stream, instance)

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        seen = {"status": 500, "bytes": None}

        def noting_start_response(status, headers, exc_info=None):
            seen["status"] = int(status[:3])
            seen["bytes"] = next((int(value) for name, value in headers if name.lower() == "content-length"), None)
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, noting_start_response)
        finally:
            self.write(environ, seen, time.perf_counter() - started)

    def write(self, environ, seen, seconds):
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        line = json.dumps({
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
            "instance": self.instance,
            "client": environ.get("REMOTE_ADDR"),
            "method": environ.get("REQUEST_METHOD"),
            "path": path[:MAX_PATH_CHARACTERS],
            "query_bytes": len(environ.get("QUERY_STRING", "")),
            "status": seen["status"],
            "bytes": seen["bytes"],
            "ms": round(seconds * 1000, 1),
            "cache": environ.get(CACHE_STATUS),
        }, ensure_ascii=True)
        with self.lock:
            self.stream.write(line + "\n")
            self.stream.flush()
