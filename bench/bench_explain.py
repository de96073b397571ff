"""Times GET /api/explain and GET /code/staged.py in-process (warm, no answer cache) for circuits of
vectors and matrices, against a baseline measured in the same run: figure 2 of the notes, a circuit
of numbers, whose explanation SymPy's formulas dominate.

Usage: .venv/bin/python bench/bench_explain.py [--repeat N] [--quick]
A circuit of arrays has no SymPy work (symbolic.ARRAYS): its explanation is the chain rule with
each array gate's rule, the two programs and the gradient check, which runs two forward passes per
sampled entry (gradcheck.ENTRIES_PER_ARRAY per vector or matrix). The heaviest cases fill the
limits: 256 numbers in 16 matrices of 4 x 4 (every one checked at 4 entries), and 4 variables of
64 numbers through about a hundred gates. `--quick` times each case once (CI runs it so that the script cannot rot).
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from graphlib.gallery import GALLERY  # noqa: E402
from graphlib.parse import parse  # noqa: E402

W32 = "[[0.1,-0.2],[0.3,0.4],[-0.5,0.6]]"


def matrix(size, seed):
    return json.dumps([[round(((seed * 7 + row * 3 + column) % 11 - 5) / 10, 2) for column in range(size)]
                       for row in range(size)])


def cases():
    figure_2 = next(example for example in GALLERY if example.slug == "figure-2")
    chain = " @ ".join(f"A{i}" for i in range(16))
    eights = {name: matrix(8, seed) for seed, name in enumerate("ABCD")}
    deep = "sum(" + " + ".join(f"relu(A @ B * {k} - C) * tanh(D)" for k in range(1, 15)) + ")"
    return [
        ("figure 2, numbers (baseline)", {"expr": figure_2.expr, **figure_2.values}),
        ("linear layer sum((X @ W - Y)**2)", {"expr": "sum((X @ W - Y)**2)", "X": "[[1,2,3],[4,5,6],[0.5,-1,2],[-2,0,1]]",
                                              "W": W32, "Y": "[[1,0],[0,1],[1,1],[-1,2]]"}),
        ("2-layer net", {"expr": "sum((W2 @ relu(W1 @ x + b1) + b2 - y)**2)", "W1": W32, "x": "[1,-2]",
                         "b1": "[0,0.1,0.2]", "W2": "[[1,2,3],[-1,0,1]]", "b2": "[0.5,-0.5]", "y": "[1,2]"}),
        ("softmax cross-entropy", {"expr": "-log_softmax(W @ x + b)[2]", "W": W32, "x": "[1,-2]", "b": "[0,0.1,0.2]"}),
        ("multiclass SVM", {"expr": "s = W @ x; sum(relu(s - s[1] + 1)) - 1", "W": W32, "x": "[1,-2]"}),
        ("16 matrices 4x4 multiplied (256 numbers)", {"expr": f"sum({chain})",
                                                      **{f"A{i}": matrix(4, i) for i in range(16)}}),
        (f"{len(parse(deep).gates)} gates on 4 matrices 8x8 (256 numbers)", {"expr": deep, **eights}),
    ]


def median_ms(client, path, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path[:80], response.get_data(as_text=True)[:300])
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="each case once")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    client = create_app({"TESTING": True, "RATELIMIT_ENABLED": False, "ANSWER_CACHE_ENTRIES": 0}).test_client()
    print(f"median of {repeat} warm requests, ms")
    print(f"{'circuit':45} {'/api/explain':>13} {'/code/staged.py':>16}")
    for title, query in cases():
        query = urlencode(query)
        client.get(f"/api/explain?{query}")  # warm: the parsed graph, SymPy's caches
        explain = median_ms(client, f"/api/explain?{query}", repeat)
        staged = median_ms(client, f"/code/staged.py?{query}", repeat)
        print(f"{title:45} {explain:13.1f} {staged:16.1f}")


if __name__ == "__main__":
    main()
