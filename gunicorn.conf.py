"""gunicorn's settings for `make run`: the request and worker limits the README promises."""

import ctypes
import os
import resource
import socket
import struct
import threading

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
# One worker process of many threads: a thread waiting on a slow client or on the compute pool
# holds nothing else up, and the rate limits and the drawing cache, kept in the worker's memory,
# count once. (More processes need a shared store: see the README's BACKPROP_RATELIMIT_STORAGE_URI.)
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "128"))
M_ARENA_MAX = -8  # malloc.h
MALLOC_ARENAS = 2
THREAD_STACK_BYTES = 2 * 1024 * 1024  # Python's request handling is shallow; 128 threads x 8 MiB would not fit the memory limit

# A worker whose main loop stops answering for this long (stuck in C code) is killed and
# replaced; its clients get a 502 from any proxy.
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
    of the machine swapping. Its threads, started after this, get small stacks."""
    resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    threading.stack_size(THREAD_STACK_BYTES)
    # glibc reserves a 64 MiB malloc arena per thread, up to 8 per core: 1 GiB of address space
    # on this machine, and new threads failed ("can't start new thread") under the limit.
    ctypes.CDLL(None).mallopt(M_ARENA_MAX, MALLOC_ARENAS)


def post_worker_init(worker):
    """Start the worker's compute processes before it serves, so no first request waits for them."""
    from graphlib import compute

    compute.default_pool().warm()
