"""Text to SVG, here and in what a user would pick instead, in one warm process: medians and ratios.

Usage:
    .venv/bin/python bench/bench_peers.py --quick     # this project only, each case once (CI runs this)
    .venv/bin/python bench/bench_peers.py             # this project beside its peers; the first run
                                                      # makes bench/.venv-peers with them (a few GB:
                                                      # torch), later runs reuse it

Peers, each from an expression to SVG bytes (graph, forward, backward, Graphviz `dot` layout):
    micrograd  micrograd's Value graph and a draw_dot in the style of its notebook (the package has
               none): record nodes "data | grad", separate op nodes, left to right
    torchviz   float64 scalar tensors, backward(), torchviz.make_dot (draws no numbers)
    dotprint   sympy.printing.dot.dotprint of the expression tree (draws no numbers)
This project is timed uncached (parse, evaluate, DOT, layout) and cached (the same URL again,
through the app). The expressions are the benchmark's own constants: the peers' helpers below
evaluate them with Python, which the project itself never does with any text.
"""

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PEERS_VENV = ROOT / "bench" / ".venv-peers"
PEER_PACKAGES = ["micrograd==0.1.0", "torchviz==0.0.3", "torch==2.13.0"]


def neuron_sum(count):
    return " + ".join(f"1/(1+exp(-(w{i}*x{i}+b{i})))" for i in range(count))


def fan_out(count):
    return " + ".join(f"sin(x*y*{i + 1})" for i in range(count))


def neuron_values(count):
    return {**{f"w{i}": 0.5 for i in range(count)}, **{f"x{i}": -1.0 for i in range(count)},
            **{f"b{i}": 0.1 for i in range(count)}}


PRODUCT = "*".join((["a", "b", "c", "d"] * 40)[:121])
CASES = {
    "figure 1 (x+y)*z": ("(x+y)*z", dict(x=-2, y=5, z=-4)),
    "figure 2 neuron": ("1/(1+exp(-(w0*x0+w1*x1+w2)))", dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)),
    "10 sigmoid neurons": (neuron_sum(10), neuron_values(10)),
    "sin(x*y*k), k=1..60": (fan_out(60), dict(x=0.3, y=0.7)),
    "120-gate product, 4 vars": (PRODUCT, dict(a=0.9, b=1.1, c=-0.9, d=1.05)),
}


# --- this project -----------------------------------------------------------------------------


def ours_uncached(expr, values):
    from graphlib.circuit import build_circuit
    from graphlib.drawing import draw

    fields = {"expr": [expr], **{name: [repr(float(value))] for name, value in values.items()}}
    return draw(build_circuit(fields).document, "svg")


def ours_cached_client():
    from app import create_app

    client = create_app({"RATELIMIT_ENABLED": False}).test_client()

    def cached(expr, values):
        response = client.get("/graph.svg?" + urlencode({"expr": expr, **values}))
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response.data

    return cached


# --- the peers --------------------------------------------------------------------------------


def run_micrograd(expr, values):
    import graphviz
    from micrograd.engine import Value

    def unary(name, forward, slope):
        def apply(operand):
            operand = operand if isinstance(operand, Value) else Value(operand)
            out = Value(forward(operand.data), (operand,), name)

            def _backward():
                operand.grad += slope(operand.data, out.data) * out.grad
            out._backward = _backward
            return out
        return apply

    functions = {"exp": unary("exp", math.exp, lambda a, out: out),
                 "sin": unary("sin", math.sin, lambda a, out: math.cos(a))}
    variables = {name: Value(float(value)) for name, value in values.items()}
    out = eval(expr, {"__builtins__": {}}, {**functions, **variables})  # the benchmark's constants
    out.backward()
    nodes, edges, stack = set(), set(), [out]
    while stack:
        node = stack.pop()
        if node not in nodes:
            nodes.add(node)
            for child in node._prev:
                edges.add((child, node))
                stack.append(child)
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    for node in nodes:
        uid = str(id(node))
        dot.node(name=uid, label="{ data %.4f | grad %.4f }" % (node.data, node.grad), shape="record")
        if node._op:
            dot.node(name=uid + node._op, label=node._op)
            dot.edge(uid + node._op, uid)
    for child, parent in edges:
        dot.edge(str(id(child)), str(id(parent)) + parent._op)
    return dot.pipe(format="svg")


def run_torchviz(expr, values):
    import torch
    from torchviz import make_dot

    variables = {name: torch.tensor(float(value), dtype=torch.float64, requires_grad=True)
                 for name, value in values.items()}
    out = eval(expr, {"__builtins__": {}}, {"exp": torch.exp, "sin": torch.sin, **variables})
    out.backward()
    return make_dot(out, params=variables).pipe(format="svg")


def run_dotprint(expr, values):
    import graphviz
    import sympy
    from sympy.printing.dot import dotprint

    symbols = {name: sympy.Symbol(name) for name in values}
    tree = eval(expr, {"__builtins__": {}}, {"exp": sympy.exp, "sin": sympy.sin, **symbols})
    return graphviz.Source(dotprint(tree)).pipe(format="svg")


PEERS = {"micrograd": run_micrograd, "torchviz": run_torchviz, "dotprint": run_dotprint}
# Not timed, with what one run took here: micrograd's backward() sorts the graph by walking every
# path, so a product of 4 variables used 30 times each never finishes in a benchmark's time.
SKIPPED = {("micrograd", "120-gate product, 4 vars"): "1,197 s for one run (2026-11-30)"}


# --- timing -----------------------------------------------------------------------------------


PEER_BUDGET_SECONDS = 20  # micrograd's draw takes minutes on the fork-heavy product


def median_ms(function, expr, values, runs):
    started = time.perf_counter()
    function(expr, values)  # warm-up
    warm_up = time.perf_counter() - started
    if warm_up > PEER_BUDGET_SECONDS / (runs + 1):  # one run is all the budget allows
        return warm_up * 1000
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function(expr, values)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def ensure_peers():
    """Re-run this script in bench/.venv-peers (made on first use) unless the peers import."""
    try:
        import micrograd  # noqa: F401
        import torch  # noqa: F401
        import torchviz  # noqa: F401
        return
    except ImportError:
        pass
    python = PEERS_VENV / "bin" / "python"
    if not python.exists():
        print(f"making {PEERS_VENV.relative_to(ROOT)} with the peers (once): {', '.join(PEER_PACKAGES)}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(ROOT / "requirements.txt"),
                        *PEER_PACKAGES], check=True)
    os.execv(str(python), [str(python), *sys.argv])


def main(argv=None):
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--quick", action="store_true", help="this project only, each case once")
    arguments.add_argument("--runs", type=int, default=7)
    options = arguments.parse_args(argv)
    runs = 1 if options.quick else options.runs
    peers = {} if options.quick else PEERS
    if peers:
        ensure_peers()
    cached = ours_cached_client()
    print(f"median of {runs} warm runs, ms; ratio = this project / the fastest peer")
    print(f"{'case':28} {'ours':>8} {'cached':>8} " + " ".join(f"{peer:>10}" for peer in peers) + f" {'ratio':>7}")
    for case, (expr, values) in CASES.items():
        try:
            ours = median_ms(ours_uncached, expr, values, runs)
            ours_hit = median_ms(cached, expr, values, runs)
        except Exception as error:  # noqa: BLE001 - a refused circuit is reported, the rest goes on
            print(f"{case:28} refused: {str(error)[:90]}")
            continue
        timings = {}
        for peer, function in peers.items():
            if (peer, case) in SKIPPED:
                timings[peer] = math.nan
                print(f"  {peer} not timed on {case}: {SKIPPED[peer, case]}")
                continue
            try:
                timings[peer] = median_ms(function, expr, values, runs)
            except Exception as error:  # noqa: BLE001
                timings[peer] = math.nan
                print(f"  {peer} failed on {case}: {type(error).__name__}: {str(error)[:80]}")
        fastest = min((value for value in timings.values() if not math.isnan(value)), default=math.nan)
        cells = " ".join(f"{timings[peer]:10.1f}" for peer in peers)
        ratio = f"{ours / fastest:7.2f}" if fastest == fastest else f"{'':7}"
        print(f"{case:28} {ours:8.1f} {ours_hit:8.2f} {cells} {ratio}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
