"""gunicorn's settings for `make run`: the request and worker limits the README promises."""

import os
import resource
import socket
import struct

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"

# A worker busy longer than this (stuck in C code, past the app's own 15 s limit) is killed
# and replaced; its client gets a 502 from any proxy, and the other workers carry on.
timeout = 30
graceful_timeout = 10
keepalive = 2

# Request size limits, checked before the app sees anything.
limit_request_line = 8190
limit_request_fields = 50
limit_request_field_size = 8190

# No control socket: gunicorn 27 would open one at a fixed path (~/.gunicorn/gunicorn.ctl, or
# $XDG_RUNTIME_DIR/gunicorn.ctl) for every server, so that two `make run` on different ports
# removed each other's; nothing here uses it.
control_socket_disable = True

# Recycle workers now and then, so that slow leaks (in any library) cannot accumulate.
max_requests = 2000
max_requests_jitter = 200

WORKER_MEMORY_BYTES = 1024 * 1024 * 1024

# A sync worker serves one connection at a time, so a client that sends half a request and then
# waits would hold it. Connections inherit this receive timeout from the listening socket: a
# client silent this long in the middle of its request is cut off. (A client dripping a byte at
# a time still holds a worker until `timeout`; on the open internet, put a buffering proxy such
# as nginx in front, as gunicorn's documentation advises.)
CLIENT_SILENCE_SECONDS = 3


def when_ready(server):
    for listener in server.LISTENERS:
        listener.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                                 struct.pack("ll", CLIENT_SILENCE_SECONDS, 0))


def post_fork(server, worker):
    """Each worker may use at most 1 GiB: past it, allocations fail (MemoryError, a 503) instead
    of the machine swapping."""
    resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
