"""One number, one answer: random expressions at random points, poles and kinks included, through
every route of the app; no answer is a 500, and every view shows the same numbers.

The fast routes (`/api/graph`, `/graph.svg`, `/graph.dot`, `/code/staged.py`, `/code/pytorch.py`)
take FAST_EXAMPLES examples; the routes that run SymPy (`/api/explain`, the page) take
SYMBOLIC_EXAMPLES. For each: the diagram's texts, wire by wire, in the SVG and in the DOT source,
are the JSON's; the JSON's texts are its numbers at the chosen decimals; the staged program,
run here, computes the JSON's every value and gradient to the bit; the chain-rule table reads
the same upstream, local and downstream numbers; and the symbolic table agrees to 1e-12 or says
why not. The edge cases of the README's table are checked the same way, by name.
"""

import html
import json
import math
import pathlib
import random
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import numpy as np
import pytest

from graphlib.circuit import build_circuit
from graphlib.codegen import program_names
from graphlib.document import format_number
from graphlib.render import PALETTES
from random_circuits import random_circuit, wild_point

SVG = "{http://www.w3.org/2000/svg}"
FAST_EXAMPLES = 2000
SYMBOLIC_EXAMPLES = 200
TORCH_EVERY = 10  # the PyTorch program is run for one example in this many, where torch is installed


def examples(seed, count):
    """(query pairs, expression) for `count` random circuits at wild points with random options."""
    rng = random.Random(seed)
    found = []
    while len(found) < count:
        graph = random_circuit(rng, 1, 5)
        point = wild_point(rng, graph)
        pairs = [("expr", graph.source), *((name, repr(value)) for name, value in point.items()),
                 ("precision", str(rng.randint(0, 10))),
                 ("composites", rng.choice(["typed", "collapsed", "expanded"])),
                 ("direction", rng.choice(["LR", "TB"]))]
        found.append(pairs)
    return found


def number(value):
    """A JSON number back to a float: "NaN", "Infinity" and "-Infinity" are strings there."""
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(value, value)


def same_float(got, expected):
    """The same float64 to the bit (0.0 and -0.0 differ), any nan matching any nan."""
    if math.isnan(expected):
        return math.isnan(got)
    return np.float64(got).tobytes() == np.float64(expected).tobytes()


def fetch(client, path, pairs):
    response = client.get(f"{path}?{urlencode(pairs)}")
    assert response.status_code == 200, (path, pairs, response.status_code, response.get_data(as_text=True)[:500])
    return response


def svg_wire_texts(svg_bytes, palette):
    """{wire id: ([value texts], [gradient texts])} of every wire drawn in the SVG."""
    root = ET.fromstring(svg_bytes)  # also proves the SVG well formed
    drawn = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("id", "").startswith("wire-"):
            texts = [(text.get("fill"), "".join(text.itertext())) for text in group.iter(f"{SVG}text")]
            drawn[group.get("id")] = ([text for fill, text in texts if fill == palette.value],
                                      [text for fill, text in texts if fill == palette.gradient])
    return drawn


def dot_wire_texts(dot_source, palette):
    """The same, read from the DOT source's HTML labels."""
    drawn = {}
    for wire_id, label in re.findall(r'^\s*"(wire-[\w-]+)" \[label=<(.*?)>\s', dot_source, re.MULTILINE):
        drawn[wire_id] = tuple([html.unescape(re.sub(r"<[^>]*>", "", text))
                                for text in re.findall(rf'<font color="{colour}"[^>]*>(.*?)</font>', label)]
                               for colour in (palette.value, palette.gradient))
    return drawn


def check_json_and_drawings(client, pairs):
    """The JSON's texts are its numbers; the SVG and the DOT draw exactly those texts."""
    body = json.loads(fetch(client, "/api/graph", pairs).get_data(as_text=True))
    precision = body["options"]["precision"]
    palette = PALETTES[(body["options"]["colors"], body["options"]["theme"])]
    nodes = {node["id"]: node for node in body["nodes"]}
    expected = {}
    for wire in body["wires"]:
        value = number(nodes[wire["node"]]["value"])
        if wire["consumer"] is None:
            grad = number(nodes[wire["node"]]["grad"])
        else:
            grad = number(nodes[wire["consumer"]]["operands"][wire["operand"]]["grad"])
        assert (wire["value"], wire["grad"]) == (format_number(value, precision), format_number(grad, precision))
        expected[wire["id"]] = ([wire["value"]], [wire["grad"]])
    svg = fetch(client, "/graph.svg", pairs).data
    assert svg_wire_texts(svg, palette) == expected
    dot = fetch(client, "/graph.dot", pairs).get_data(as_text=True)
    assert dot_wire_texts(dot, palette) == expected
    return body, nodes


def run_program(source):
    namespace = {}
    with np.errstate():
        exec(source, namespace)  # the test process only: generated code never runs in the server
    return namespace


def check_staged_python(client, pairs, nodes):
    """The staged program computes every value and gradient of the JSON, to the bit."""
    program = fetch(client, "/code/staged.py", pairs).get_data(as_text=True)
    namespace = run_program(program)
    graph = build_circuit({name: [value] for name, value in pairs}).graph
    names = program_names(graph, "np")
    for node in graph.nodes:
        shown = nodes[node.id]
        assert same_float(namespace[names.values[node.id]], number(shown["value"])), (node.id, program)
        assert same_float(namespace[names.grads[node.id]], number(shown["grad"])), (node.id, program)


def check_pytorch(client, pairs, body):
    pytest.importorskip("torch")
    program = fetch(client, "/code/pytorch.py", pairs).get_data(as_text=True)
    namespace = run_program(program)
    for name, grad in body["gradients"].items():
        tensor = namespace[name]
        got = math.nan if tensor.grad is None else tensor.grad.item()
        expected = number(grad)
        if same_float(got, expected) or "# torch: " in program and math.isnan(got):
            continue
        scale = max([1.0] + [abs(number(node["value"])) for node in body["nodes"] if math.isfinite(number(node["value"]))])
        assert math.isfinite(expected) and math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12 * scale), (
            name, got, expected, program)


FAST = examples(seed=88, count=FAST_EXAMPLES)


@pytest.mark.parametrize("index, pairs", list(enumerate(FAST)))
def test_fast_routes_answer_and_agree(client, index, pairs):
    body, nodes = check_json_and_drawings(client, pairs)
    check_staged_python(client, pairs, nodes)
    if index % TORCH_EVERY == 0:
        check_pytorch(client, pairs, body)


def check_explanation(client, pairs, body, nodes):
    """The chain-rule table, the fork sums, the programs, the gradient check and the symbolic
    table of /api/explain read the same numbers, and write them as the diagram does; the page
    answers too."""
    explain = json.loads(fetch(client, "/api/explain", pairs).get_data(as_text=True))
    for row in explain["chain_rule"]:
        gate = nodes[row["gate"]]
        assert row["upstream"] == gate["grad"]
        wired = [operand for operand in gate["operands"] if "node" in operand]
        assert [(operand["local"], operand["downstream"]) for operand in row["operands"]] == [
            (operand["local"], operand["grad"]) for operand in wired]
    for fork in explain["forks"]:
        assert fork["total"] == nodes[fork["node"]]["grad"]
    assert explain["code"]["python"] == fetch(client, "/code/staged.py", pairs).get_data(as_text=True)
    assert explain["code"]["pytorch"] == fetch(client, "/code/pytorch.py", pairs).get_data(as_text=True)
    precision = body["options"]["precision"]
    for check in explain["gradcheck"]:  # the texts the tables show are the numbers at the chosen decimals
        for key in ("value", "analytic", "numeric"):
            assert check[key + "_text"] == format_number(number(check[key]), precision), (key, check)
    for name, entry in (explain["symbolic"] or {}).items():
        if entry["value"] is not None:
            assert entry["value_text"] == format_number(number(entry["value"]), precision), (name, entry)
        if entry.get("agrees"):
            symbolic, backward = number(entry["value"]), number(body["gradients"][name])
            assert symbolic == backward or math.isclose(symbolic, backward, rel_tol=1e-12), (name, entry)
        else:
            assert entry["differs"], (name, entry)
    page = fetch(client, "/", pairs).get_data(as_text=True)
    assert "Something went wrong" not in page


SYMBOLIC = examples(seed=231, count=SYMBOLIC_EXAMPLES)


@pytest.mark.parametrize("pairs", SYMBOLIC)
def test_symbolic_routes_answer_and_agree(client, pairs):
    body, nodes = check_json_and_drawings(client, pairs)
    check_explanation(client, pairs, body, nodes)


# The README's table of edge cases ("Numbers"), row by row: the value and the gradients it
# states, through every view.
INF, NAN = math.inf, math.nan
EDGES = [
    ("relu(x)", dict(x=0), 0.0, dict(x=0.0)),
    ("abs(x)", dict(x=0), 0.0, dict(x=0.0)),
    ("max(x, y)", dict(x=1, y=1), 1.0, dict(x=0.5, y=0.5)),
    ("min(x, y)", dict(x=1, y=1), 1.0, dict(x=0.5, y=0.5)),
    ("sqrt(x)", dict(x=0), 0.0, dict(x=INF)),
    ("sqrt(x)", dict(x=-1), NAN, dict(x=NAN)),
    ("log(x)", dict(x=0), -INF, dict(x=INF)),
    ("log(x)", dict(x=-1), NAN, dict(x=-1.0)),
    ("1/x", dict(x=0), INF, dict(x=-INF)),
    ("x/y", dict(x=0, y=0), NAN, dict(x=INF, y=NAN)),
    ("x**0", dict(x=0), 1.0, dict(x=0.0)),
    ("x**y", dict(x=0, y=2), 0.0, dict(x=0.0, y=0.0)),
    ("x**y", dict(x=0, y=-1), INF, dict(x=-INF, y=-INF)),
    ("x**(1/3)", dict(x=-8), NAN, dict(x=NAN)),
    ("exp(x)", dict(x=1000), INF, dict(x=INF)),
    ("sigmoid(x)", dict(x=40), 1.0, dict(x=4.248354255291589e-18)),
    ("tanh(x)", dict(x=20), 1.0, dict(x=1.6993417021166355e-17)),
    ("sqrt(relu(x)**0.5)", dict(x=-3), 0.0, dict(x=0.0)),
    ("max(sqrt(x), y)", dict(x=0, y=1), 1.0, dict(x=0.0, y=1.0)),
]


@pytest.mark.parametrize("source, point, value, grads", EDGES, ids=[f"{row[0]}@{row[1]}" for row in EDGES])
def test_the_readmes_edge_cases_in_every_view(client, source, point, value, grads):
    pairs = [("expr", source), *((name, str(number)) for name, number in point.items())]
    body, nodes = check_json_and_drawings(client, pairs)
    assert same_float(number(body["value"]), value)
    for name, grad in grads.items():
        assert math.isclose(number(body["gradients"][name]), grad, rel_tol=1e-15) or same_float(
            number(body["gradients"][name]), grad), (name, body["gradients"])
    check_staged_python(client, pairs, nodes)
    check_explanation(client, pairs, body, nodes)


def test_the_readme_lists_each_edge_case():
    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    for source, _, _, _ in EDGES:
        assert f"`{source}`" in readme, source
