"""Times GET /graph.svg in-process (warm) for the lecture's figures and the heaviest circuits
the limits accept, against a baseline measured in the same run: `dot` alone on the same DOT.

Usage: .venv/bin/python bench/bench_render.py [--repeat N]
The difference between the two columns is our own work: parsing, evaluation, DOT, HTTP.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from graphlib.circuit import build_circuit  # noqa: E402
from graphlib.gallery import GALLERY  # noqa: E402
from graphlib.parse import MAX_GATES, MAX_VARIABLES  # noqa: E402
from graphlib.render import DOT_TIMEOUT_SECONDS, render_svg, to_dot  # noqa: E402


def heavy_circuits():
    """The largest circuits the limits accept, including variables used dozens of times."""
    names = [f"v{i}" for i in range(MAX_VARIABLES)]
    products = "+".join(f"{names[i % len(names)]}*{names[(i + 1) % len(names)]}" for i in range(MAX_GATES // 2))
    two_forks = "*".join((["x", "y"] * MAX_GATES)[: MAX_GATES + 1])
    four_forks = "*".join((["a", "b", "c", "d"] * MAX_GATES)[: MAX_GATES + 1])
    return [
        (f"{MAX_GATES // 2 * 2 - 1} gates, {MAX_VARIABLES} variables", products),
        (f"{MAX_GATES} gates, x and y used {MAX_GATES // 2} times each", two_forks),
        (f"{MAX_GATES} gates, 4 variables used {MAX_GATES // 4} times each", four_forks),
    ]


def median_seconds(action, repeat):
    action()  # warm-up: imports, caches, the first dot start
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--repeat", type=int, default=15)
    repeat = arguments.parse_args().repeat
    client = create_app({"RATELIMIT_ENABLED": False, "RENDER_CACHE_ENTRIES": 0}).test_client()
    cases = [(example.title, example.query) for example in GALLERY]
    cases += [(title, urlencode({"expr": expr})) for title, expr in heavy_circuits()]

    print(f"median of {repeat} warm runs; dot timeout {DOT_TIMEOUT_SECONDS} s")
    print(f"{'circuit':58} {'/graph.svg':>11} {'dot alone':>10} {'ours':>8}")
    for title, query in cases:
        fields = client.get(f"/api/graph?{query}")  # fails loudly below if the circuit is refused
        assert fields.status_code == 200, fields.text
        circuit = build_circuit(parse_qs(query, keep_blank_values=True))
        dot_source = to_dot(circuit.graph, circuit.evaluation, circuit.style)
        # Heavy circuits take seconds per run; fewer repeats keep the script under a few minutes.
        runs = repeat if len(circuit.graph.gates) < 50 else max(3, repeat // 5)
        full = median_seconds(lambda: _ok(client.get(f"/graph.svg?{query}")), runs)
        baseline = median_seconds(lambda: render_svg(dot_source), runs)
        print(f"{title[:58]:58} {full * 1000:9.1f}ms {baseline * 1000:8.1f}ms {(full - baseline) * 1000:6.1f}ms")


def _ok(response):
    assert response.status_code == 200, response.text


if __name__ == "__main__":
    main()
