"""What sharing costs: a request's time with the answer cache in the process, in Redis, and through nginx, on loopback.

Usage:
    .venv/bin/python bench/bench_scale_out.py --quick   # 20 requests a case (CI runs this)
    .venv/bin/python bench/bench_scale_out.py           # 300 a case

Starts what tests/test_scale_out.py starts (a redis-server, gunicorn instances, nginx with
deploy/nginx.conf) plus one instance keeping answers in its own memory, and times, one request
at a time over a new connection each:
    hit    the same drawing again (served from the cache)
    miss   a new drawing each time (x takes a new value): computed, then kept
Medians and 95th percentiles in milliseconds, as the client sees them.
"""

import argparse
import http.client
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from live_server import HOST, LiveServer  # noqa: E402
from real_servers import NginxServer, RedisServer  # noqa: E402

DRAWING = "/graph.svg?expr=tanh(x*w%2Bb)&w=-1.25&b=2&x="


def timed_get(port, path):
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}")
    return (time.perf_counter() - started) * 1000


def measure(port, count, first_x):
    timed_get(port, f"{DRAWING}0.5")  # the drawing to hit, kept; and the instance warmed
    hits = [timed_get(port, f"{DRAWING}0.5") for _ in range(count)]
    misses = [timed_get(port, f"{DRAWING}{first_x + number}") for number in range(count)]
    return hits, misses


def summary(times):
    ordered = sorted(times)
    return f"median {statistics.median(ordered):6.2f}  p95 {ordered[int(0.95 * (len(ordered) - 1))]:6.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 requests a case instead of 300")
    count = 20 if parser.parse_args().quick else 300
    unlimited = {"BACKPROP_COMPUTE_PROCESSES": "1"}
    with RedisServer() as redis_server:
        shared = {**unlimited, "BACKPROP_RATELIMIT_STORAGE_URI": redis_server.url,
                  "BACKPROP_CACHE_URI": f"{redis_server.url}/1", "BACKPROP_PROXY_HOPS": "1"}
        with LiveServer(env=unlimited) as alone, LiveServer(env=shared) as app1, LiveServer(env=shared) as app2, \
                NginxServer([app1.port, app2.port]) as proxy:
            cases = {
                "one instance, cache in memory": alone.port,
                "instance, cache in Redis": app1.port,
                "nginx, two instances, Redis": proxy.port,
            }
            print(f"{count} requests a case, milliseconds as the client sees them")
            for number, (name, port) in enumerate(cases.items()):
                hits, misses = measure(port, count, first_x=1000 * (number + 1))
                print(f"{name:32s} hit  {summary(hits)}   miss {summary(misses)}")


if __name__ == "__main__":
    main()
