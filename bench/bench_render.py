"""Times GET /graph.svg and GET /graph.png in-process (warm) for the lecture's figures and the
heaviest circuits the limits accept, against a baseline measured in the same run: Graphviz alone
(render_svg) on the same DOT.

Usage: .venv/bin/python bench/bench_render.py [--repeat N] [--quick]
The difference between the SVG and the baseline is our own work: parsing, evaluation, DOT, HTTP.
`--quick` times each case once (CI runs it so that the script cannot rot).

The worst shapes (worst_shapes()) are the ones the drawing was tuned on (render.drawn_at_uses):
variables used by hundreds of gates, wide sums, deep chains, many variables, neurons; every
accepted SVG is to finish within 1 s at the default settings. tests/test_big_circuits.py checks
that each of them is accepted and drawn; the times are only measured here.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from graphlib.circuit import build_circuit  # noqa: E402
from graphlib.gallery import GALLERY  # noqa: E402
from graphlib.parse import MAX_DEPTH, MAX_GATES, MAX_VARIABLES  # noqa: E402
from graphlib.drawing import DOT_TIMEOUT_SECONDS, render_svg  # noqa: E402
from graphlib.render import to_dot  # noqa: E402


def heavy_circuits():
    """The largest circuits the old limits (120 gates, 20 variables) accepted."""
    names = [f"v{i}" for i in range(20)]
    products = "+".join(f"{names[i % len(names)]}*{names[(i + 1) % len(names)]}" for i in range(60))
    two_forks = "*".join((["x", "y"] * 120)[:121])
    four_forks = "*".join((["a", "b", "c", "d"] * 120)[:121])
    return [
        ("119 gates, 20 variables", {"expr": products}),
        ("120 gates, x and y used 60 times each", {"expr": two_forks}),
        ("120 gates, 4 variables used 30 times each", {"expr": four_forks}),
    ]


def _balanced(terms):
    """terms summed as a balanced tree: ((t1+t2)+(t3+t4))+..."""
    while len(terms) > 1:
        terms = [f"({terms[i]}+{terms[i + 1]})" if i + 1 < len(terms) else terms[i]
                 for i in range(0, len(terms), 2)]
    return terms[0][1:-1] if terms[0].startswith("(") else terms[0]


def _neurons(count=10, products=23, variables=30):
    """`count` sigmoid neurons, each over `products` products of the same `variables` variables:
    469 gates as typed, 499 with composites=expanded (a sigmoid is 4 gates)."""
    v = [f"v{i}" for i in range(variables)]
    return "+".join(
        "sigmoid(" + "+".join(f"{v[(2 * j + k) % variables]}*{v[(2 * j + 1 + 3 * k) % variables]}"
                              for j in range(products)) + ")"
        for k in range(count))


def _shuffled_products(uses, variables, group, seed=1):
    """Each of `variables` variables in `uses` products, in a random order, summed `group`
    products at a time and the groups in a balanced tree: wires that reach just past the stub
    threshold beside forks that stay, the slowest shape found for dot."""
    rng = random.Random(seed)
    names = [f"x{i}" for i in range(1, variables + 1)] * uses
    rng.shuffle(names)
    products = [f"{names[2 * i]}*{names[2 * i + 1]}" for i in range(len(names) // 2)]
    return _balanced(["(" + "+".join(products[i:i + group]) + ")" for i in range(0, len(products), group)])


def worst_shapes():
    """(title, query fields, gates, variables): the worst shapes at the limits, as measured."""
    x = [f"x{i}" for i in range(1, MAX_VARIABLES + 1)]
    chain = MAX_GATES + 1
    pairs = [f"x{2 * i % MAX_VARIABLES + 1}*x{(2 * i + 1) % MAX_VARIABLES + 1}" for i in range(200)]
    nested = [f"{'sin(' * MAX_DEPTH}x{i}{')' * MAX_DEPTH}" for i in range(1, 13)]
    return [
        ("fork-heavy product a*b*c*d*a*...: 4 variables used 125 times each",
         {"expr": "*".join((["a", "b", "c", "d"] * chain)[:chain])}, 500, 4),
        ("x*y*x*y*...: 2 variables used 250 times each",
         {"expr": "*".join((["x", "y"] * chain)[:chain])}, 500, 2),
        ("the same product top to bottom (direction=TB)",
         {"expr": "*".join((["a", "b", "c", "d"] * chain)[:chain]), "direction": "TB"}, 500, 4),
        ("wide sum x1+...+x100, then 200 products of them",
         {"expr": "+".join(x) + "+" + "+".join(pairs)}, 499, 100),
        ("many variables: 100, each in 5 of 250 products, a balanced sum",
         {"expr": _balanced([f"x{i % 100 + 1}*x{(i * 7 + 3) % 100 + 1}" for i in range(250)])}, 499, 100),
        ("100 variables, each in 5 products, summed 5 at a time",
         {"expr": _shuffled_products(5, 100, 5)}, 499, 100),
        ("100 inputs used once, after a 400-gate chain",
         {"expr": "x100" + "*2" * 400 + "+" + "+".join(x[:99])}, 499, 100),
        (f"deep: 12 sines nested {MAX_DEPTH} deep, summed",
         {"expr": "+".join(nested)}, 491, 12),
        ("deepest: a 500-gate chain x*2*2*...",
         {"expr": "x" + "*2" * MAX_GATES}, 500, 1),
        ("10 sigmoid neurons over 30 variables",
         {"expr": _neurons()}, 469, 30),
        ("the same neurons, composites=expanded",
         {"expr": _neurons(), "composites": "expanded"}, 499, 30),
        ("sin(x*y*1)+...+sin(x*y*60)",
         {"expr": "+".join(f"sin(x*y*{k})" for k in range(1, 61))}, 239, 2),
        ("sin(x*y*1)+...+sin(x*y*125)",
         {"expr": "+".join(f"sin(x*y*{k})" for k in range(1, 126))}, 499, 2),
    ]


def tensor_circuits():
    """(title, query fields): the heaviest drawings of vectors and matrices, whose wires are tables
    of up to 4 x 4 entries (three tables each in forward mode) and, past that, summaries."""
    matrix = "[[1,2,3,4],[5,6,7,8],[1,0,1,0],[0.5,0.25,0.125,2]]"
    sixteen = {f"A{i}": matrix for i in range(16)}  # 256 numbers, the most a circuit takes
    tree = "sum(" + _balanced([f"relu(A{i} @ A{(i + 1) % 16})" for i in range(16)]) + ")"
    chain = "sum(" + "tanh(0.9*" * 35 + "A0" + ")" * 35 + ")"
    big = str([[(row - column) / 8 for column in range(8)] for row in range(8)])
    return [
        ("16 matrices 4x4, 16 products and relus summed (4x4 tables)", {"expr": tree, **sixteen}),
        ("the same in forward mode (wrt=A3[1,2]: three tables a wire)", {"expr": tree, **sixteen, "wrt": "A3[1,2]"}),
        ("a 71-gate chain of 4x4 tables, in rows", {"expr": chain, "A0": matrix}),
        ("4 matrices 8x8 (summaries), 12 gates",
         {"expr": "sum(relu(B0 @ B1) * (B2 @ B3.T) + B0 * B3)", **{f"B{i}": big for i in range(4)}}),
    ]


def median_seconds(action, repeat, warm=True):
    if warm:
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
    arguments.add_argument("--quick", action="store_true", help="each case once (CI runs this)")
    options = arguments.parse_args()
    client = create_app({"RATELIMIT_ENABLED": False, "RENDER_CACHE_ENTRIES": 0,
                         "ANSWER_CACHE_ENTRIES": 0}).test_client()
    cases = [(example.title, example.query) for example in GALLERY]
    cases += [(title, urlencode(fields)) for title, fields in heavy_circuits()]
    cases += [(title, urlencode(fields)) for title, fields, _, _ in worst_shapes()]
    cases += [(title, urlencode(fields)) for title, fields in tensor_circuits()]

    runs_said = "each case once" if options.quick else f"median of {options.repeat} warm runs"
    print(f"{runs_said}; Graphviz's timeout {DOT_TIMEOUT_SECONDS} s")
    print(f"{'circuit':66} {'/graph.svg':>10} {'/graph.png':>10} {'png/svg':>7} {'Graphviz':>9}")
    for title, query in cases:
        fields = client.get(f"/api/graph?{query}")  # fails loudly here if the circuit is refused
        assert fields.status_code == 200, fields.text
        circuit = build_circuit(parse_qs(query, keep_blank_values=True))
        dot_source = to_dot(circuit.document)
        # Heavy circuits take a second or more per run; fewer repeats keep the script short.
        if options.quick:
            runs = 1
        else:
            runs = options.repeat if len(circuit.graph.gates) < 50 else max(3, options.repeat // 5)
        warm = not options.quick
        svg = median_seconds(lambda: _ok(client.get(f"/graph.svg?{query}")), runs, warm)
        png = median_seconds(lambda: _ok(client.get(f"/graph.png?{query}")), runs, warm)
        baseline = median_seconds(lambda: render_svg(dot_source), runs, warm)
        print(f"{title[:66]:66} {svg * 1000:8.0f}ms {png * 1000:8.0f}ms {png / svg:6.1f}x "
              f"{baseline * 1000:7.0f}ms", flush=True)


def _ok(response):
    assert response.status_code == 200, response.text


if __name__ == "__main__":
    main()
