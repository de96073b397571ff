"""Times gradient descent's longest run: GET /api/graph with steps=MAX_STEPS (every variable a
parameter) for the worst shapes the limits accept (bench_render.py's, up to 500 gates) and the
gallery's figure 2 with a squared error, against a baseline in the same run: the same request
at step 0 (one evaluation, the document and the JSON).

Usage: .venv/bin/python bench/bench_descent.py [--repeat N] [--quick]
In-process, through Flask's test client, without the answer cache. Each step is one evaluation,
so steps=MAX_STEPS costs about MAX_STEPS evaluations more than step 0; the request's time limit
is 15 s (graphlib/deadline.py, app.py's TIME_LIMIT_SECONDS).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from bench_render import worst_shapes  # noqa: E402
from graphlib.descent import MAX_STEPS  # noqa: E402
from graphlib.gallery import GALLERY  # noqa: E402
from graphlib.parse import parse  # noqa: E402

TIME_LIMIT_SECONDS = 15


def median_ms(client, url, repeat):
    client.get(url)  # warm-up: the graph's parse and its formulas, kept per graph
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    return statistics.median(times)


def cases(quick):
    example = next(example for example in GALLERY if example.slug == "figure-2-descent")
    found = [(example.title, {"expr": example.expr, **example.values})]
    shapes = worst_shapes()
    for title, fields, _, _ in shapes[:2] if quick else shapes:
        found.append((title, fields))
    return found


def main():
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--repeat", type=int, default=5)
    arguments.add_argument("--quick", action="store_true", help="three circuits, once each (CI runs this)")
    options = arguments.parse_args()
    repeat = 1 if options.quick else options.repeat
    client = create_app({"RATELIMIT_ENABLED": False, "ANSWER_CACHE_ENTRIES": 0}).test_client()
    print(f"GET /api/graph in-process, median of {repeat}; every variable a parameter, lr 0.001")
    print(f"{'circuit':60} {'gates':>5} {'step 0':>9} {f'step {MAX_STEPS}':>10} {'per step':>9}")
    slowest = 0.0
    for title, fields in cases(options.quick):
        graph = parse(fields["expr"])
        descent = {"params": ",".join(graph.variables), "lr": "0.001"}
        baseline = median_ms(client, "/api/graph?" + urlencode({**fields, **descent, "steps": 0}), repeat)
        longest = median_ms(client, "/api/graph?" + urlencode({**fields, **descent, "steps": MAX_STEPS}), repeat)
        slowest = max(slowest, longest)
        print(f"{title[:60]:60} {len(graph.gates):5} {baseline:7.1f} ms {longest:8.1f} ms "
              f"{(longest - baseline) / MAX_STEPS:6.2f} ms")
    print(f"slowest run of {MAX_STEPS} steps: {slowest / 1000:.2f} s, "
          f"{100 * slowest / 1000 / TIME_LIMIT_SECONDS:.0f}% of the {TIME_LIMIT_SECONDS} s request limit")


if __name__ == "__main__":
    main()
