"""Load against gunicorn on loopback: concurrent clients sending a mix of valid, heavy and hostile
requests for a bounded time, then throughput, latency percentiles and status counts per kind.

Usage:
    .venv/bin/python bench/load.py                       # starts its own gunicorn (as make run does)
    .venv/bin/python bench/load.py --url http://127.0.0.1:5000   # a server already running
    .venv/bin/python bench/load.py --clients 8 --duration 10 --max-requests 20000 --seed 1

Kinds of request:
    valid    the gallery's circuits with random values: JSON, SVG (mostly not cached) and the page
    heavy    the largest circuits the limits accept, drawn with random values (dot takes ~2 s)
    hostile  refused inputs with their exact status: syntax errors, limits, bad JSON, methods...

Exit status 1 when any request failed: a 5xx (except 503 for a heavy request, the deliberate
"too complex" answer), a status other than the one expected, or no answer at all. A 429 (rate
limit) is counted and shown but is not a failure: a server started with its defaults may apply it.

Only loopback is ever contacted: --url must name 127.0.0.1, localhost or ::1.
"""

import argparse
import http.client
import json
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from app import MAX_QUERY_BYTES  # noqa: E402
from graphlib.circuit import parse_value  # noqa: E402
from graphlib.gallery import GALLERY  # noqa: E402
from graphlib.parse import MAX_GATES  # noqa: E402

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
DEFAULT_MIX = {"valid": 85, "heavy": 2, "hostile": 13}
REQUEST_TIMEOUT = 60


# --- what is sent ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    kind: str
    label: str
    method: str
    path: str
    expected: frozenset  # statuses that are right for this request
    body: bytes = None
    headers: tuple = ()


def _number(rng):
    """A random number as a link writes it."""
    return f"{rng.uniform(-5, 5):.3f}"


def _value(rng, example_value):
    """A random value of the example's shape: a number, or a vector or matrix of them."""
    shape = np.shape(parse_value("value", example_value))
    if not shape:
        return _number(rng)
    entries = np.array([rng.uniform(-5, 5) for _ in range(int(np.prod(shape)))]).reshape(shape)
    return json.dumps(np.round(entries, 3).tolist())


def valid_request(rng):
    example = rng.choice(GALLERY)
    values = {name: _value(rng, value) for name, value in example.values.items()}
    query = urlencode({"expr": example.expr, **values})
    target = rng.choices(["/api/graph", "/graph.svg", "/"], weights=[5, 3, 2])[0]
    if target == "/api/graph" and rng.random() < 0.3:
        body = json.dumps({"expr": example.expr, **values}).encode()
        return Planned("valid", "POST /api/graph", "POST", "/api/graph", frozenset({200}), body,
                       (("Content-Type", "application/json"),))
    return Planned("valid", f"GET {target}", "GET", f"{target}?{query}", frozenset({200}))


HEAVY_CIRCUITS = {
    # 120 gates with 4 variables used 30 times each: the slowest layout the limits allow.
    "4 variables x 30 uses": "*".join((["a", "b", "c", "d"] * 40)[:121]),
    "20 variables, 120 gates": "+".join(f"v{i % 20}*v{(i + 1) % 20}" for i in range(60)),
    "one variable, 120 gates": "*".join(["x"] * 121),
}


def heavy_request(rng):
    label, expr = rng.choice(list(HEAVY_CIRCUITS.items()))
    names = sorted({token for token in expr.replace("+", "*").split("*")})
    query = urlencode({"expr": expr, **{name: _number(rng) for name in names}})
    # 503 is the deliberate answer when a drawing runs past its time limit under load.
    return Planned("heavy", label, "GET", f"/graph.svg?{query}", frozenset({200, 503}))


def _hostile(label, path, status, method="GET", body=None, headers=()):
    return Planned("hostile", label, method, path, frozenset({status}), body, headers)


JSON = (("Content-Type", "application/json"),)
HOSTILE = [
    _hostile("code", "/api/graph?" + urlencode({"expr": "__import__('os').system('id')"}), 400),
    _hostile("unknown function", "/api/graph?" + urlencode({"expr": "eval(x)"}), 400),
    _hostile("nesting", "/api/graph?" + urlencode({"expr": "(" * 60 + "x" + ")" * 60}), 400),
    _hostile("too many gates", "/graph.svg?" + urlencode({"expr": "x+" * (MAX_GATES + 1) + "x"}), 400),
    _hostile("query over the limit", "/api/graph?" + urlencode({"expr": "x", "pad": "p" * (MAX_QUERY_BYTES + 50)}), 400),
    _hostile("request line over 8 KiB", "/api/graph?" + urlencode({"expr": "x", "pad": "p" * 9000}), 414),
    _hostile("markup", "/?" + urlencode({"expr": "<script>alert(1)</script>"}), 400),
    _hostile("value not a number", "/api/graph?" + urlencode({"expr": "x*y", "x": "nan"}), 400),
    _hostile("huge constant", "/api/graph?" + urlencode({"expr": "x*9**9**9**9", "x": "2"}), 200),
    _hostile("1/0", "/graph.svg?" + urlencode({"expr": "1/x", "x": "0"}), 200),
    _hostile("deep JSON", "/api/graph", 400, "POST", b"[" * 5000 + b"]" * 5000, JSON),
    _hostile("body over 16 KiB", "/api/graph", 413, "POST",
             json.dumps({"expr": "x", "pad": "p" * 20000}).encode(), JSON),
    _hostile("form body", "/api/graph", 415, "POST", b"expr=x",
             (("Content-Type", "application/x-www-form-urlencoded"),)),
    _hostile("method", "/api/graph", 405, "DELETE"),
    _hostile("route", "/api/nothing-here", 404),
]


def hostile_request(rng):
    return rng.choice(HOSTILE)


PLANNERS = {"valid": valid_request, "heavy": heavy_request, "hostile": hostile_request}


# --- sending -----------------------------------------------------------------------------------------


@dataclass
class Result:
    kind: str
    label: str
    status: int | None  # None: no answer (refused, reset, timed out)
    seconds: float
    error: str = ""
    ok: bool = True


@dataclass
class Report:
    url: str
    clients: int
    elapsed: float
    results: list = field(default_factory=list)

    @property
    def failures(self):
        return [result for result in self.results if not result.ok]

    @property
    def throughput(self):
        return len(self.results) / self.elapsed if self.elapsed else 0.0

    def by_kind(self):
        grouped = defaultdict(list)
        for result in self.results:
            grouped[result.kind].append(result)
        return grouped

    def statuses(self, kind=None):
        return Counter(result.status for result in self.results if kind in (None, result.kind))


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, int(round(fraction * len(sorted_values) + 0.5)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def send(host, port, planned, timeout=REQUEST_TIMEOUT):
    started = time.perf_counter()
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request(planned.method, planned.path, body=planned.body, headers=dict(planned.headers))
        response = connection.getresponse()
        response.read()
        status = response.status
        error = ""
    except (OSError, http.client.HTTPException) as failure:
        status, error = None, f"{type(failure).__name__}: {failure}"
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    ok = status in planned.expected or status == 429
    if not ok and not error:
        error = f"status {status}, expected {sorted(planned.expected)}"
    return Result(planned.kind, planned.label, status, seconds, error, ok)


def check_loopback(url):
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK:
        raise SystemExit(f"load.py only talks to a server on this machine (http://127.0.0.1:PORT); "
                         f"refusing {url!r}")
    return parts.hostname, parts.port or 80


def run_load(url, clients=8, duration=10.0, max_requests=20000, seed=0, mix=None):
    """Run the load and return a Report; nothing is printed."""
    host, port = check_loopback(url)
    mix = mix or DEFAULT_MIX
    kinds, weights = zip(*[(kind, weight) for kind, weight in mix.items() if weight > 0])
    budget = threading.Semaphore(max_requests)
    results, lock = [], threading.Lock()
    deadline = time.monotonic() + duration

    def client(number):
        rng = random.Random(seed * 1000 + number)
        while time.monotonic() < deadline and budget.acquire(blocking=False):
            kind = rng.choices(kinds, weights=weights)[0]
            result = send(host, port, PLANNERS[kind](rng))
            with lock:
                results.append(result)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(number,), daemon=True) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + REQUEST_TIMEOUT + 5)
    return Report(url, clients, time.monotonic() - started, results)


def format_report(report):
    lines = [
        f"load: {report.clients} clients for {report.elapsed:.1f} s against {report.url}",
        f"requests: {len(report.results)} = {report.throughput:.1f} req/s",
        f"{'kind':8} {'count':>6} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  statuses",
    ]
    for kind, results in sorted(report.by_kind().items()):
        latencies = sorted(result.seconds * 1000 for result in results)
        statuses = ", ".join(f"{status}: {count}" for status, count in
                             sorted(Counter(result.status for result in results).items(), key=lambda item: str(item[0])))
        lines.append(f"{kind:8} {len(results):6d} {len(results) / report.elapsed:7.1f} "
                     f"{percentile(latencies, 0.50):8.1f} {percentile(latencies, 0.99):8.1f} "
                     f"{latencies[-1]:8.1f}  {statuses}")
    failures = report.failures
    five_hundreds = sum(1 for result in failures if result.status is not None and result.status >= 500)
    no_answer = sum(1 for result in failures if result.status is None)
    lines.append(f"errors: {len(failures)} (5xx: {five_hundreds}, no answer: {no_answer}, "
                 f"other unexpected status: {len(failures) - five_hundreds - no_answer}); "
                 f"429s: {report.statuses()[429]}")
    for label, count in Counter(f"{result.kind} {result.label}: {result.error}" for result in failures).most_common(10):
        lines.append(f"  {count} x {label}")
    return "\n".join(lines)


def parse_mix(text):
    mix = {}
    for part in text.split(","):
        kind, _, weight = part.partition("=")
        if kind not in PLANNERS:
            raise argparse.ArgumentTypeError(f"unknown kind {kind!r}; the kinds are {', '.join(PLANNERS)}")
        mix[kind] = float(weight)
    return mix


def main(argv=None):
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                        formatter_class=argparse.RawDescriptionHelpFormatter)
    arguments.add_argument("--url", help="a running server on loopback; default: start one")
    arguments.add_argument("--clients", type=int, default=8)
    arguments.add_argument("--duration", type=float, default=10.0, help="seconds (default 10)")
    arguments.add_argument("--max-requests", type=int, default=20000)
    arguments.add_argument("--seed", type=int, default=0)
    arguments.add_argument("--mix", type=parse_mix, default=DEFAULT_MIX,
                           help="weights per kind, e.g. valid=85,heavy=2,hostile=13")
    options = arguments.parse_args(argv)
    if options.url:
        check_loopback(options.url)
        report = run_load(options.url, options.clients, options.duration, options.max_requests,
                          options.seed, options.mix)
        print(format_report(report))
    else:
        from live_server import LiveServer

        with LiveServer() as server:
            print(f"started gunicorn as `make run` does, on {server.url} "
                  f"({server.workers} workers, rate limit off for the load)")
            report = run_load(server.url, options.clients, options.duration, options.max_requests,
                              options.seed, options.mix)
            print(format_report(report))
            status, _, _ = server.get("/api/graph?expr=(x%2By)*z&x=-2&y=5&z=-4")
            print(f"afterwards: GET /api/graph answers {status}")
            if "Unexpected error" in server.log():
                print("the server logged unexpected errors:\n" + server.log()[-3000:])
                return 1
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
