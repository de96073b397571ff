"""Times gradient descent's longest run: GET /api/graph with steps=MAX_STEPS (every variable a
parameter) for the worst shapes the limits accept (bench_render.py's, up to 500 gates) and the
gallery's figure 2 with a squared error, against a baseline in the same run: the same request
at step 0 (one evaluation, the document and the JSON). Then the page's Play: the requests for
steps 1, 2, ... N one after the other, each going on from the run kept by the one before,
against the same requests each computed from step 0 (descent.forget_runs before each).

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
from graphlib.descent import MAX_STEPS, forget_runs  # noqa: E402
from graphlib.gallery import GALLERY  # noqa: E402
from graphlib.parse import parse  # noqa: E402

TIME_LIMIT_SECONDS = 15


def median_ms(client, url, repeat):
    """Each request's run computed from step 0: the worst case, a link opened afresh."""
    client.get(url)  # warm-up: the graph's parse and its formulas, kept per graph
    times = []
    for _ in range(repeat):
        forget_runs()
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
    play(client, cases(options.quick)[1], 10 if options.quick else 100)


def play(client, case, steps):
    """The page's Play of `steps` steps, one request each, with and without the runs kept."""
    title, fields = case
    graph = parse(fields["expr"])
    descent = {"params": ",".join(graph.variables), "lr": "0.001"}
    urls = ["/api/graph?" + urlencode({**fields, **descent, "steps": step}) for step in range(1, steps + 1)]
    forget_runs()
    kept = _seconds(lambda: [client.get(url) for url in urls])
    afresh = _seconds(lambda: [(forget_runs(), client.get(url)) for url in urls])
    print(f"Play of {steps} steps, {title[:40]}: {kept:.2f} s going on from each step kept, "
          f"{afresh:.2f} s computing each from step 0 (the baseline)")


def _seconds(action):
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
