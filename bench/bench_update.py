"""Times the value-only update the page makes while a value is scrubbed: GET /api/graph
in-process (warm) for a 50-gate circuit, against a baseline in the same run: a full redraw,
GET /graph.svg, which the page would need if it could not reuse the layout.

Usage: .venv/bin/python bench/bench_update.py [--repeat N] [--quick]
Server time is the WSGI application's, called as a server calls it (the request's environ made
beforehand); Flask's test client adds its own work, building and reading each request.
Targets: the value-only update within 1.5 ms of server time (issue 9; it was 3.2 ms), and within
5 ms through the test client (issue 3).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.test import EnvironBuilder  # noqa: E402

from app import create_app  # noqa: E402
from graphlib.parse import parse  # noqa: E402

TARGET_MS = 5.0
SERVER_TARGET_MS = 1.5


def fifty_gate_circuit():
    """A neuron-like sum of 10 tanh units over 6 variables, each unit 5 gates: 49 gates + 1."""
    names = ["w0", "x0", "w1", "x1", "b", "s"]
    units = [f"tanh({names[i % 4]}*{names[(i + 1) % 4]}+{names[4]})*{names[5]}" for i in range(10)]
    return "+".join(units) + "+s"


def median_ms(client, url, repeat):
    client.get(url)  # warm-up: caches, first dot start
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    return statistics.median(times)


def scrub_queries(expression, variables, start, count):
    """A scrub: x0 from `start` in steps of 0.01, a different query (no cache hit) each time."""
    return [urlencode({"expr": expression, **{name: 0.5 for name in variables}, "x0": f"{start + step * 0.01:.2f}"})
            for step in range(count)]


def server_ms(app, queries):
    """Per query, the milliseconds the WSGI application takes to answer it in full."""
    def start_response(status, headers):
        assert status.startswith("200"), status

    times = []
    for query in queries:
        environ = EnvironBuilder(path="/api/graph", query_string=query).get_environ()
        start = time.perf_counter()
        b"".join(app(environ, start_response))
        times.append((time.perf_counter() - start) * 1000)
    return times


def main():
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--repeat", type=int, default=200)
    arguments.add_argument("--quick", action="store_true", help="a few runs only (CI runs this)")
    options = arguments.parse_args()
    repeat = 5 if options.quick else options.repeat
    expression = fifty_gate_circuit()
    graph = parse(expression)
    # Server time only: no rate limit, and every request a different value (no cache hits).
    app = create_app({"RATELIMIT_ENABLED": False})
    client = app.test_client()
    updates = scrub_queries(expression, graph.variables, -2, repeat)

    value_only = median_ms(client, f"/api/graph?{updates[0]}", repeat)  # the same query again
    scrub = []
    for query in updates:
        start = time.perf_counter()
        client.get(f"/api/graph?{query}")
        scrub.append((time.perf_counter() - start) * 1000)
    # Past the values the test client asked for, which the answer cache now holds.
    server = server_ms(app, scrub_queries(expression, graph.variables, -2 + repeat * 0.01 + 1, repeat))
    redraws = []
    for query in updates[: max(5, repeat // 20)]:
        start = time.perf_counter()
        assert client.get(f"/graph.svg?{query}").status_code == 200
        redraws.append((time.perf_counter() - start) * 1000)
    redraw = statistics.median(redraws)

    print(f"circuit: {len(graph.gates)} gates, {len(graph.variables)} variables")
    print(f"value-only update, GET /api/graph (same query):     {value_only:6.2f} ms median")
    print(f"value-only update, GET /api/graph (scrubbing x0):   {statistics.median(scrub):6.2f} ms median, "
          f"{sorted(scrub)[int(len(scrub) * 0.99) - 1]:.2f} ms p99")
    print(f"value-only update, server time (scrubbing x0):      {statistics.median(server):6.2f} ms median, "
          f"{sorted(server)[int(len(server) * 0.99) - 1]:.2f} ms p99")
    print(f"baseline: full redraw, GET /graph.svg:              {redraw:6.2f} ms median")
    for name, times, target in (("test client", scrub, TARGET_MS), ("server time", server, SERVER_TARGET_MS)):
        verdict = "meets" if statistics.median(times) <= target else "MISSES"
        print(f"{name}: {verdict} the {target} ms target")


if __name__ == "__main__":
    main()
