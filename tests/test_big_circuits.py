"""Bigger circuits (issue 9): 500 gates, 100 variables, 3,000 characters, an 8,000-byte query.

The worst shapes the limits accept (bench/bench_render.py's, which also times them: times are
measured there, not asserted here) are accepted and drawn with every number the JSON has, once,
under its wire id. Past the thresholds of render.drawn_at_uses a value is drawn as stubs at its
gates; a circuit deeper than render.MAX_ROW_COLUMNS is drawn in rows. Just past each limit, the
exact message.
"""

import re
import sys
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest

from app import MAX_QUERY_BYTES
from graphlib.circuit import parse_value
from graphlib.document import build_document
from graphlib.evaluate import evaluate
from graphlib.gallery import GALLERY
from graphlib.parse import MAX_GATES, MAX_LENGTH, MAX_STEPS, MAX_VARIABLES, parse
from graphlib.drawing import render_svg
from graphlib.render import MAX_FORK_BRANCHES, MAX_FORKING_GATES, MAX_ROW_COLUMNS, drawn_at_uses, to_dot
from live_server import ROOT
from test_views_agree import check_json_and_drawings

sys.path.insert(0, str(ROOT / "bench"))
from bench_render import worst_shapes  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
WORST = worst_shapes()


# --- the worst shapes at the limits -----------------------------------------------------------------

@pytest.mark.parametrize("title, fields, gates, variables", WORST, ids=[shape[0][:40] for shape in WORST])
def test_the_worst_shapes_are_accepted_and_every_number_is_drawn_once(client, title, fields, gates, variables):
    body, _ = check_json_and_drawings(client, list(fields.items()))
    assert len([node for node in body["nodes"] if node["op"] != "input"]) == gates
    assert len(body["variables"]) == variables


def test_the_worst_shapes_are_at_the_new_limits():
    assert max(gates for _, _, gates, _ in WORST) == MAX_GATES
    assert max(variables for _, _, _, variables in WORST) == MAX_VARIABLES


def test_a_500_gate_expression_over_100_variables_and_their_values_fits_in_a_url(client):
    """The query limit leaves room for the biggest circuits with all their values, typed with
    ten characters each, and stays under gunicorn's request line with the longest path."""
    title, fields, _, _ = next(shape for shape in WORST if shape[0].startswith("many variables"))
    pairs = [("expr", fields["expr"]), *((f"x{i}", "-0.1234567") for i in range(1, 101))]
    query = urlencode(pairs)
    assert len(query) < MAX_QUERY_BYTES
    assert len(f"GET /code/pytorch.py?{'q' * MAX_QUERY_BYTES} HTTP/1.1") <= 8190
    response = client.get(f"/graph.svg?{query}")
    assert response.status_code == 200, response.text


# --- just past each limit: the exact message --------------------------------------------------------

def expanded_sigmoids(count):
    return "+".join(["sigmoid(x)"] * count)


LIMITS = [
    # (id, query fields, the message past the limit or None for accepted, its field, its position)
    ("length-at-the-limit", {"expr": "x" + " " * (MAX_LENGTH - 1)}, None, None, None),
    ("length-past-the-limit", {"expr": "x+" * 1500 + "x"},
     "The expression is 3001 characters long; the limit is 3000.", "expr", 3000),
    ("gates-at-the-limit", {"expr": "x" + "+x" * MAX_GATES}, None, None, None),
    ("gates-past-the-limit", {"expr": "x" + "+x" * (MAX_GATES + 1)},
     "Too many gates: the operation at column 1002 would be gate number 501; the limit is 500.", "expr", 1001),
    ("variables-at-the-limit", {"expr": "+".join(f"v{i}" for i in range(MAX_VARIABLES))}, None, None, None),
    ("variables-past-the-limit", {"expr": "+".join(f"v{i}" for i in range(MAX_VARIABLES + 1))},
     "Too many variables: 'v100' at column 391 would be number 101; the limit is 100.", "expr", 390),
    ("named-steps-still-20", {"expr": "".join(f"s{i}={'x' if i == 0 else f's{i - 1}'}*2;" for i in range(21)) + "s20"},
     "Too many named steps: 's20' at column 179 would be number 21; the limit is 20.", "expr", 178),
    ("expanded-at-the-limit", {"expr": expanded_sigmoids(100), "composites": "expanded"}, None, None, None),
    ("expanded-past-the-limit", {"expr": expanded_sigmoids(101), "composites": "expanded"},
     "With composites=expanded, the circuit has 504 gates (201 as typed); the limit is 500. Use "
     "composites=typed, which draws sigmoid and tanh as one gate each, or a shorter expression.",
     "composites", None),
    ("query-at-the-limit", {"expr": "x*2", "pad": "p" * (MAX_QUERY_BYTES - len("expr=x%2A2&pad="))},
     None, None, None),
    ("query-past-the-limit", {"expr": "x*2", "pad": "p" * (MAX_QUERY_BYTES + 1 - len("expr=x%2A2&pad="))},
     "The URL's query is 8001 bytes; the limit is 8000.", None, None),
]


@pytest.mark.parametrize("fields, message, field, position", [case[1:] for case in LIMITS],
                         ids=[case[0] for case in LIMITS])
def test_each_limit_accepts_its_value_and_refuses_one_more_with_the_exact_message(client, fields, message,
                                                                                  field, position):
    query = urlencode(fields)
    response = client.get(f"/api/graph?{query}")
    if message is None:
        assert response.status_code == 200, response.text
        return
    assert response.status_code == 400
    assert response.json == {"error": {"message": message, "field": field, "position": position}}


def test_the_limits_are_the_promised_numbers():
    assert (MAX_LENGTH, MAX_GATES, MAX_VARIABLES, MAX_STEPS, MAX_QUERY_BYTES) == (3000, 500, 100, 20, 8000)


def test_the_form_allows_the_whole_length(client):
    assert f'maxlength="{MAX_LENGTH}"' in client.get("/", follow_redirects=True).text


# --- the stub threshold --------------------------------------------------------------------------

def uses_of_x(count):
    """x used `count` times, each by its own gate, in a shallow circuit."""
    return "+".join(f"x*{k}" for k in range(1, count + 1))


def chain(gates):
    """A chain of `gates` gates *2 after the expression it follows."""
    return "*2" * gates


STUB_THRESHOLD = [
    # (id, expression, the names drawn as stubs)
    ("fork-of-2", "x*y+x", set()),
    ("fork-of-16-branches", uses_of_x(MAX_FORK_BRANCHES), set()),
    ("stubs-past-16-branches", uses_of_x(MAX_FORK_BRANCHES + 1), {"x"}),
    ("named-step-fork-of-16", "q = x*y; " + "+".join(["q"] * 16), set()),
    ("named-step-stubs-past-16", "q = x*y; " + "+".join(["q"] * 17), {"q"}),
    # Up to MAX_FORKING_GATES gates the inputs stay on the left and forks fork, however far
    # their wires reach; past it, every input and every value used twice is drawn at its gates.
    ("far-input-in-120-gates", "x" + chain(MAX_FORKING_GATES - 1) + "+y", set()),
    ("far-fork-in-120-gates", "x*y" + chain(MAX_FORKING_GATES - 2) + "+y", set()),
    ("inputs-in-121-gates", "x" + chain(MAX_FORKING_GATES) + "+y", {"x", "y"}),
    ("fork-of-2-in-121-gates", "x*x" + chain(MAX_FORKING_GATES), {"x"}),
    ("named-step-in-121-gates", "q = x*2; q*q" + chain(MAX_FORKING_GATES - 1), {"x", "q"}),
]


@pytest.mark.parametrize("source, stubbed", [case[1:] for case in STUB_THRESHOLD],
                         ids=[case[0] for case in STUB_THRESHOLD])
def test_the_stub_threshold(source, stubbed):
    graph = parse(source)
    names = {graph.node(node_id).name for node_id in drawn_at_uses(graph)}
    assert names == stubbed


def test_the_threshold_constants():
    assert (MAX_FORK_BRANCHES, MAX_FORKING_GATES, MAX_ROW_COLUMNS) == (16, 120, 40)


@pytest.mark.parametrize("example", GALLERY, ids=[example.title[:30] for example in GALLERY])
def test_the_lectures_circuits_keep_their_forks(example):
    from urllib.parse import parse_qs

    graph = parse(parse_qs(example.query)["expr"][0])
    assert drawn_at_uses(graph) == set()
    values = {name: parse_value(name, text) for name, text in example.values.items()}  # vectors and matrices too
    dot = to_dot(build_document(graph, evaluate(graph, values)))
    assert "stub" not in dot and "wrap-" not in dot


def svg_groups(svg):
    """{id: [texts]} of every node group of the SVG."""
    root = ET.fromstring(svg)
    return {group.get("id"): ["".join(text.itertext()) for text in group.iter(f"{SVG}text")]
            for group in root.iter(f"{SVG}g") if "node" in (group.get("class") or "").split()}


def test_stubs_carry_their_name_and_use_and_the_value_its_sum(client):
    count = MAX_FORK_BRANCHES + 1
    pairs = [("expr", uses_of_x(count)), ("x", "2")]
    body, nodes = check_json_and_drawings(client, pairs)  # every number once, under its wire id
    dot = client.get(f"/graph.dot?{urlencode(pairs)}").text
    groups = svg_groups(client.get(f"/graph.svg?{urlencode(pairs)}").data)
    # x's own wire: its name, its value and the sum of the 17 branches' gradients (1 + 2 + ... + 17).
    assert groups["wire-n0"] == ["x", "2.00", "153.00"]
    assert groups["fork-n0"] == ["17 uses,", "gradient: their sum"]
    branches = [wire for wire in body["wires"] if wire["consumer"] is not None]
    assert len(branches) == count
    for number, wire in enumerate(branches, start=1):
        assert groups[wire["id"]] == ["x", f"{number} of {count}", "2.00", f"{number}.00"]
        assert f'"{wire["id"]}" [label=' in dot
    assert dot.count('class="wire of-n0 branch stub"') == count
    # A stub starts at its gate: no wire comes to it from the fork. Only an invisible edge keeps
    # x's own wire just before its first use.
    into_stubs = re.findall(r'"fork-n0" -> "(wire-[\w-]+)":line:w \[([^\]]*)\]', dot)
    assert into_stubs == [(branches[0]["id"], "style=invis")]


# --- rows -----------------------------------------------------------------------------------------

def marker_positions(svg):
    """{marker id: (x, y)} of the row markers in the SVG."""
    root = ET.fromstring(svg)
    found = {}
    for group in root.iter(f"{SVG}g"):
        if (group.get("id") or "").startswith("wrap-"):
            text = group.find(f"{SVG}text")
            found[group.get("id")] = (float(text.get("x")), float(text.get("y")))
    return found


def draw(source, **style):
    from graphlib.options import Style

    graph = parse(source)
    return render_svg(to_dot(build_document(graph, evaluate(graph, {name: 1.0 for name in graph.variables}), Style(**style))))


def test_a_circuit_of_the_row_width_is_one_row():
    assert marker_positions(draw("x" + chain(MAX_ROW_COLUMNS))) == {}


@pytest.mark.parametrize("direction, across, along", [("LR", 1, 0), ("TB", 0, 1)])
def test_a_deep_circuit_is_drawn_in_rows_in_order(direction, across, along):
    """101 columns: three rows of 34, joined by markers 1 and 2; in LR the rows go down the page
    and each starts at the left, top to bottom they are strips from left to right."""
    markers = marker_positions(draw("x" + chain(MAX_ROW_COLUMNS * 2 + 21), direction=direction))
    assert sorted(markers) == ["wrap-1-in", "wrap-1-out", "wrap-2-in", "wrap-2-out"]
    starts = [markers["wrap-1-in"], markers["wrap-2-in"]]
    ends = [markers["wrap-1-out"], markers["wrap-2-out"]]
    assert starts[0][across] < starts[1][across]  # row 2 after row 1
    assert ends[0][across] < starts[0][across]  # the wire goes on in the next row
    assert starts[0][along] == starts[1][along] < ends[0][along]  # each row starts at the start
