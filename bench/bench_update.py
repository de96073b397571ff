"""Times the value-only update the page makes while a value is scrubbed: GET /api/graph
in-process (warm) for a 50-gate circuit, against a baseline in the same run: a full redraw,
GET /graph.svg, which the page would need if it could not reuse the layout.

Usage: .venv/bin/python bench/bench_update.py [--repeat N] [--quick]
Target (issue 3): the value-only update under 5 ms of server time.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from graphlib.parse import parse  # noqa: E402

TARGET_MS = 5.0


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


def main():
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--repeat", type=int, default=200)
    arguments.add_argument("--quick", action="store_true", help="a few runs only (CI runs this)")
    options = arguments.parse_args()
    repeat = 5 if options.quick else options.repeat
    expression = fifty_gate_circuit()
    graph = parse(expression)
    # Server time only: no rate limit, and every request a different value (no cache hits).
    client = create_app({"RATELIMIT_ENABLED": False}).test_client()
    updates = []
    for step in range(repeat):  # a scrub: a different value of x0 each time
        query = urlencode({"expr": expression, **{name: 0.5 for name in graph.variables},
                           "x0": f"{-2 + step * 0.01:.2f}"})
        updates.append(query)

    value_only = median_ms(client, f"/api/graph?{updates[0]}", repeat)  # the same query again
    scrub = []
    for query in updates:
        start = time.perf_counter()
        client.get(f"/api/graph?{query}")
        scrub.append((time.perf_counter() - start) * 1000)
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
    print(f"baseline: full redraw, GET /graph.svg:              {redraw:6.2f} ms median")
    verdict = "meets" if statistics.median(scrub) < TARGET_MS else "MISSES"
    print(f"{verdict} the {TARGET_MS:.0f} ms target")


if __name__ == "__main__":
    main()
