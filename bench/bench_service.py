"""The service under pressure, against gunicorn on loopback: light requests beside heavy ones,
slow clients, a class of 30 behind one address, and mixed throughput; figures beside a baseline
measured in the same run (the light request alone, on the idle server).

Usage:
    .venv/bin/python bench/bench_service.py            # starts its own gunicorn, as `make run` does
    .venv/bin/python bench/bench_service.py --quick    # each scenario briefly (CI runs this)

Scenarios (each prints p50/p99 of the light request, `GET /api/graph` of a 50-gate circuit with
new values each time, and what else it counts):
    alone       the light request, one client: the baseline
    heavy       4 clients asking for heavy uncached PNGs at the same time
    drip        50 connections sending their request one byte a second
    classroom   30 clients behind one address open one worksheet (the page and what it loads),
                then scrub at 10 updates a second each: 429s and page times, with the real limits
    mixed       8 clients, bench/load.py's mix of valid, heavy and hostile requests: throughput

Only loopback is contacted.
"""

import argparse
import http.client
import random
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from app import create_app  # noqa: E402
from graphlib.gallery import GALLERY  # noqa: E402
from live_server import HOST, LiveServer  # noqa: E402
import load  # noqa: E402

LIGHT_EXPR = "+".join(f"sigmoid(w{i}*x{i}+b{i})" for i in range(6)) + "+" + "*".join(["w0"] * 13)
LIGHT_NAMES = sorted({f"{kind}{i}" for i in range(6) for kind in "wxb"})


def light_path(rng):
    values = {name: f"{rng.uniform(-2, 2):.6f}" for name in LIGHT_NAMES}
    return "/api/graph?" + urlencode({"expr": LIGHT_EXPR, **values})


def heavy_path(rng):
    expr = "*".join((["a", "b", "c", "d"] * 40)[:121])
    values = {name: f"{rng.uniform(-2, 2):.6f}" for name in "abcd"}
    return "/graph.png?" + urlencode({"expr": expr, **values})


def get(port, path, timeout=60):
    """(status, seconds, body) of one GET on a new connection."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        return response.status, time.perf_counter() - started, body
    except (OSError, http.client.HTTPException):
        return None, time.perf_counter() - started, b""
    finally:
        connection.close()


def light_latencies(port, seconds, rng):
    """Light requests one after another for `seconds`: their statuses and latencies."""
    statuses, times = [], []
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        status, elapsed, _ = get(port, light_path(rng))
        statuses.append(status)
        times.append(elapsed)
    return statuses, times


def summary(times):
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms  p99 {p99 * 1000:7.1f} ms  n={len(ordered)}"


def in_background(target, count, stop):
    threads = [threading.Thread(target=target, args=(number, stop), daemon=True) for number in range(count)]
    for thread in threads:
        thread.start()
    return threads


def scenario_alone(port, seconds):
    statuses, times = light_latencies(port, seconds, random.Random(1))
    print(f"alone      light {summary(times)}  statuses {sorted(set(statuses), key=str)}")


def scenario_heavy(port, seconds):
    stop = threading.Event()
    heavy_statuses = []

    def heavy(number, stop):
        rng = random.Random(100 + number)
        while not stop.is_set():
            heavy_statuses.append(get(port, heavy_path(rng))[0])

    threads = in_background(heavy, 4, stop)
    time.sleep(0.5)
    statuses, times = light_latencies(port, seconds, random.Random(2))
    stop.set()
    for thread in threads:
        thread.join(60)
    print(f"heavy      light {summary(times)}  heavy answers {dict(sorted(_count(heavy_statuses).items(), key=str))}")


def scenario_drip(port, seconds, connections=50):
    stop = threading.Event()
    request = f"GET {light_path(random.Random(3))} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()

    def drip(number, stop):
        with socket.create_connection((HOST, port), timeout=5) as sock:
            for byte in request:
                if stop.is_set():
                    return
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    return
                stop.wait(1.0)

    threads = in_background(drip, connections, stop)
    time.sleep(1.5)
    statuses, times = light_latencies(port, seconds, random.Random(4))
    stop.set()
    for thread in threads:
        thread.join(5)
    print(f"drip       light {summary(times)}  with {connections} dripping connections; "
          f"statuses {dict(_count(statuses))}")


def worksheet(port):
    """What a browser loads for a worksheet link: the page, its drawing, JSON and explanation."""
    example = GALLERY[1]
    query = example.query + "&practice=grads"
    return [f"/?{query}", f"/graph.svg?{query}", f"/api/graph?{query}", f"/api/explain?{query}",
            "/static/app.js", "/static/style.css"]


def scenario_classroom(port, seconds, students=30):
    page_times, statuses = [], []
    lock = threading.Lock()

    def open_worksheet(number, stop):
        started = time.perf_counter()
        answers = [get(port, path)[0] for path in worksheet(port)]
        with lock:
            page_times.append(time.perf_counter() - started)
            statuses.extend(answers)

    threads = in_background(open_worksheet, students, threading.Event())
    for thread in threads:
        thread.join(120)
    print(f"classroom  {students} open one worksheet: complete {summary(page_times)}  "
          f"statuses {dict(_count(statuses))}")

    scrub_times, scrub_statuses = [], []

    def scrub(number, stop):
        rng = random.Random(200 + number)
        while not stop.is_set():
            started = time.monotonic()
            status, elapsed, _ = get(port, light_path(rng))
            with lock:
                scrub_statuses.append(status)
                scrub_times.append(elapsed)
            stop.wait(max(0.0, 0.1 - (time.monotonic() - started)))  # 10 updates a second

    stop = threading.Event()
    threads = in_background(scrub, students, stop)
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(30)
    rate = len(scrub_times) / seconds
    print(f"classroom  {students} scrub at 10/s: {rate:.0f} req/s, light {summary(scrub_times)}  "
          f"statuses {dict(_count(scrub_statuses))}")


def scenario_mixed(port, seconds):
    """Steady throughput: each gallery circuit's first page (SymPy simplifying its formulas, up
    to 2 s) is asked for before the clock starts."""
    for example in GALLERY:
        get(port, f"/?{example.query}")
    report = load.run_load(f"http://{HOST}:{port}", clients=8, duration=seconds, seed=5)
    print(f"mixed      8 clients: {report.throughput:.0f} req/s, {len(report.failures)} failures; "
          f"statuses {dict(sorted(report.statuses().items(), key=str))}")


def _count(items):
    counts = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def real_limits():
    """The rate limits a `make run` server applies, so the classroom meets them."""
    config = create_app().config
    return {"BACKPROP_RATE_LIMIT": config["RATE_LIMIT"], "BACKPROP_NUMBERS_RATE_LIMIT": config["NUMBERS_RATE_LIMIT"]}


def main(argv=None):
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--quick", action="store_true", help="each scenario for a moment")
    options = arguments.parse_args(argv)
    seconds = 1.0 if options.quick else 5.0
    students = 5 if options.quick else 30
    with LiveServer() as server:
        print(f"gunicorn as `make run` starts it, on port {server.port}; rate limit off but in the classroom")
        scenario_alone(server.port, seconds)
        scenario_heavy(server.port, seconds)
        scenario_drip(server.port, seconds, connections=5 if options.quick else 50)
        scenario_mixed(server.port, seconds)
    with LiveServer(env=real_limits()) as server:
        scenario_classroom(server.port, seconds, students)
    return 0


if __name__ == "__main__":
    sys.exit(main())
