"""Vectors and matrices in every view but the diagram (issue 12, item 6): /api/graph writes each
node's and wire's shape and its numbers as nested lists (inf and nan by name, as for numbers),
the same as the document's; a wire larger than 4 x 4 also gets the summary the diagram draws; a
POST takes JSON arrays; the page without JavaScript shows the tables (summary, chain rule),
offers forward mode per entry and says how to write a matrix; and no route answers 500 for the
gallery's four circuits in any mode."""

import json
import math
from urllib.parse import urlencode

import numpy as np
import pytest

from graphlib.api import json_number
from graphlib.circuit import build_circuit
from graphlib.document import format_value, summary_text
from graphlib.gallery import GALLERY

# The four gallery circuits (item 4), with the values of its 2-layer net.
CIRCUITS = {
    "linear": ("sum((X @ W - Y)**2)",
               {"X": "[[1, 2, 0], [0, 1, -1], [2, 0, 1], [-1, 1, 1]]", "W": "[[0.5, -1], [1, 0.5], [-0.5, 2]]",
                "Y": "[[1, 0], [0, 1], [1, 1], [0, 0]]"}),
    "two-layer": ("sum((W2 @ relu(W1 @ x + b1) + b2 - y)**2)",
                  {"W1": "[[0.1,-0.2],[0.3,0.4],[-0.5,0.6]]", "x": "[1,-2]", "b1": "[0,0.1,0.2]",
                   "W2": "[[1,2,3],[-1,0,1]]", "b2": "[0.5,-0.5]", "y": "[1,2]"}),
    "softmax": ("-log_softmax(W @ x + b)[2]",
                {"W": "[[1, 2], [0, -1], [0.5, 0.5]]", "x": "[1, -1]", "b": "[0, 0.1, 0.2]"}),
    "svm": ("s = W @ x; sum(relu(s - s[1] + 1)) - 1", {"W": "[[1, 2], [0, -1], [0.5, 0.5]]", "x": "[1, -1]"}),
}
# Forward mode follows one entry of the first variable.
WRT = {"linear": "X[3,2]", "two-layer": "W1[1,0]", "softmax": "W[2,1]", "svm": "x[1]"}
MODES = {"plain": {}, "practice-values": {"practice": "values"}, "practice-grads": {"practice": "grads"},
         "forward-mode": "wrt", "precision-4": {"precision": "4"}}
ROUTES = ["/", "/api/graph", "/api/explain", "/graph.svg", "/graph.png", "/graph.dot", "/code/staged.py",
          "/code/pytorch.py"]
# 5 x 6 weights: their wires are wider than the diagram draws whole.
BIG = ("sum(W @ x)", {"W": str(np.arange(30.0).reshape(5, 6).tolist()), "x": "[1, -1, 1, 1, 1, 0.5]"})


def query(name, mode="plain", **more):
    expr, values = CIRCUITS[name]
    options = {"wrt": WRT[name]} if MODES[mode] == "wrt" else MODES[mode]
    return urlencode({"expr": expr, **values, **options, **more})


def circuit_of(expr, values, **options):
    return build_circuit({"expr": [expr], **{name: [text] for name, text in {**values, **options}.items()}})


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", CIRCUITS)
def test_no_route_fails_on_a_gallery_circuit_in_any_mode(client, name, mode, route):
    response = client.get(f"{route}?{query(name, mode)}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]


NETWORKS = [example for example in GALLERY if "[" in "".join(example.values.values())]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("mode", ["", "&practice=values", "&practice=grads", "&steps=3"])
@pytest.mark.parametrize("example", NETWORKS, ids=lambda example: example.slug)
def test_no_route_fails_on_the_gallerys_networks_with_their_gradient_descent(client, example, mode, route):
    response = client.get(f"{route}?{example.query}{mode}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    if route == "/api/graph" and mode == "&steps=3":
        losses = response.get_json()["descent"]["losses"]
        assert len(losses) == 4 and losses[-1] < losses[0]  # the loss falls


def test_the_gallery_has_the_four_networks():
    assert [example.expr for example in NETWORKS] == [expr for expr, _ in CIRCUITS.values()]


@pytest.mark.parametrize("name", CIRCUITS)
def test_the_json_gives_each_node_and_wire_its_shape_and_the_documents_numbers(client, name):
    body = client.get(f"/api/graph?{query(name)}").get_json()
    expr, values = CIRCUITS[name]
    document = circuit_of(expr, values).document
    for node in body["nodes"]:
        trunk = document.trunk(node["id"])
        assert node["shape"] == list(np.shape(trunk.value.number))
        assert node["value"] == json_number(trunk.value.number)
        assert node["grad"] == json_number(trunk.grad.number)
    for wire in body["wires"]:
        numbers = document.wires[wire["id"]]
        assert wire["shape"] == list(numbers.value.shape)
        assert wire["value"] == _lists(numbers.value.text) and wire["grad"] == _lists(numbers.grad.text)
        assert np.shape(wire["value"]) == np.shape(wire["grad"]) == tuple(wire["shape"])
    assert body["variables"] == {name: json.loads(text) for name, text in values.items()}
    assert body["gradients"] == {node.name: json_number(document.trunk(node.id).grad.number)
                                 for node in document.graph.inputs}


def test_a_gradient_has_the_shape_of_its_variable_and_the_output_is_one_number(client):
    body = client.get(f"/api/graph?{query('two-layer')}").get_json()
    shapes = {node["label"]: node["shape"] for node in body["nodes"] if node["op"] == "input"}
    assert shapes == {"W2": [2, 3], "W1": [3, 2], "x": [2], "b1": [3], "b2": [2], "y": [2]}
    assert {name: list(np.shape(grad)) for name, grad in body["gradients"].items()} == shapes
    output = next(node for node in body["nodes"] if node["id"] == body["output"])
    assert output["shape"] == [] and body["value"] == 9.0
    assert body["gradients"]["W1"] == [[6.0, -12.0], [0.0, -0.0], [0.0, -0.0]]


def test_a_number_keeps_an_empty_shape_and_no_summary(client):
    body = client.get("/api/graph?expr=(x%2By)*z&x=-2&y=5&z=-4").get_json()
    assert {wire["id"]: wire["shape"] for wire in body["wires"]} == {f"wire-n{i}": [] for i in range(5)}
    assert all("summary" not in wire for wire in body["wires"])


def test_inf_and_nan_inside_a_matrix_are_named_as_for_numbers(client):
    body = client.get("/api/graph?" + urlencode({"expr": "sum(log(v))", "v": "[0, -1, 2]"})).get_json()
    log = next(node for node in body["nodes"] if node["op"] == "log")
    assert log["value"] == ["-Infinity", "NaN", math.log(2)]
    wire = next(wire for wire in body["wires"] if wire["node"] == log["id"])
    assert wire["value"] == ["-inf", "nan", "0.69"] and wire["flagged"] == [True, False]
    assert body["value"] == "NaN"


def test_a_wire_larger_than_4_by_4_has_the_summary_the_diagram_draws(client):
    body = client.get("/api/graph?" + urlencode({"expr": BIG[0], **BIG[1]})).get_json()
    wires = {wire["node"]: wire for wire in body["wires"]}
    weights = next(node for node in body["nodes"] if node["label"] == "W")
    assert wires[weights["id"]]["summary"] == [summary_text(np.arange(30.0).reshape(5, 6)),
                                               summary_text(np.outer(np.ones(5), [1, -1, 1, 1, 1, 0.5]))]
    assert wires[weights["id"]]["summary"][0] == "min 0.00, max 29.00, norm 92.49"  # sqrt(0² + 1² + ... + 29²) = sqrt(8555)
    assert len(wires[weights["id"]]["value"]) == 5  # the whole table, for the page's inspect panel
    assert [node["label"] for node in body["nodes"] if "summary" in wires[node["id"]]] == ["W", "x", "@"]  # (5, 6), (6,) and (5,)


def test_while_practising_a_summary_hides_what_its_numbers_hide(client):
    body = client.get("/api/graph?" + urlencode({"expr": BIG[0], **BIG[1], "practice": "grads"})).get_json()
    weights = next(wire for wire in body["wires"] if wire["id"] == "wire-n0")
    assert weights["summary"][0].startswith("min 0.00") and weights["summary"][1] is None
    assert weights["grad"] is None


def test_forward_mode_follows_one_entry_and_its_tangents_have_the_shapes(client):
    body = client.get(f"/api/graph?{query('two-layer', 'forward-mode')}").get_json()
    assert body["options"]["wrt"] == "W1[1,0]"
    shapes = {node["id"]: node["shape"] for node in body["nodes"]}
    assert all(list(np.shape(tangent)) == shapes[node] for node, tangent in body["tangents"].items())
    # The output's tangent is the gradient's entry.
    assert body["tangents"][body["output"]] == body["gradients"]["W1"][1][0]
    assert all(np.shape(wire["tangent"]) == tuple(wire["shape"]) for wire in body["wires"])


def test_a_post_takes_json_arrays_and_answers_as_the_query_does(client):
    expr, values = CIRCUITS["two-layer"]
    posted = client.post("/api/graph", json={"expr": expr, **{name: json.loads(text) for name, text in values.items()}})
    assert posted.status_code == 200
    assert posted.get_json() == client.get(f"/api/graph?{query('two-layer')}").get_json()


@pytest.mark.parametrize("values, field, message", [
    ({"W": "[[1, 2], [3, 4]]", "x": "[1, 2, 3]"}, "expr", "W @ x: (2, 2) @ (3,)"),
    ({"W": "[[1, 2], [3, 4]]", "x": "[1, 2"}, "x", "every '[' closed"),
])
def test_a_shape_mistake_is_a_400_that_names_its_field_and_place(client, values, field, message):
    response = client.get("/api/graph?" + urlencode({"expr": "sum(W @ x)", **values}))
    error = response.get_json()["error"]
    assert response.status_code == 400 and error["field"] == field and message in error["message"]
    if field == "expr":
        assert error["position"] == "sum(W @ x)".index("@")
    page = client.get("/?" + urlencode({"expr": "sum(W @ x)", **values})).get_data(as_text=True)
    assert message.replace("'", "&#39;") in page
    if field == "expr":
        assert "sum(W @ x)\n      ^</pre>" in page


# --- the page without JavaScript -------------------------------------------------------------------

def test_the_page_draws_each_inputs_value_and_gradient_as_tables(client):
    page = client.get(f"/?{query('two-layer')}").get_data(as_text=True)
    summary = page[page.index('<table class="numbers" id="summary">'):page.index('id="wire-table"')]
    row = summary[summary.index('<th scope="row">W1</th>'):]
    row = row[:row.index("</tr></tbody></table></td></tr>")]
    assert ('<td class="value tensor-cell"><table class="tensor"><tbody><tr><td title="0.1">0.10</td>'
            '<td title="-0.2">-0.20</td></tr>') in row
    assert '<td class="gradient tensor-cell"><table class="tensor"><tbody><tr><td title="6.0">6.00</td>' in row
    assert '<td title="-0.0">0.00</td>' in row  # -0.0 shown as the diagram shows it, in full on hover


def test_the_page_flags_inf_and_nan_entry_by_entry(client):
    page = client.get("/?" + urlencode({"expr": "sum(1/v)", "v": "[0, 2]"})).get_data(as_text=True)
    assert '<td class="flagged" title="-inf">-inf</td><td title="-0.25">-0.25</td>' in page


def test_the_page_chain_rule_shows_tables_and_an_array_gates_rule(client):
    page = client.get(f"/?{query('two-layer')}").get_data(as_text=True)
    chain = page[page.index('id="chain-rule"'):page.index('id="chain-rule-more"')]
    # sum: upstream 1 becomes a table of ones; relu: upstream x local = downstream, entry by entry.
    assert ('<span class="gradient number">1.00</span> → <table class="tensor gradient number"><tbody><tr>'
            '<td>1.00</td><td>1.00</td></tr></tbody></table>') in chain
    assert ('× <table class="tensor number"><tbody><tr><td>1.00</td><td>0.00</td><td>0.00</td></tr>'
            '</tbody></table> = <table class="tensor gradient number"><tbody><tr><td>6.00</td><td>0.00</td>'
            '<td>0.00</td></tr></tbody></table>') in chain


def test_the_variable_fields_of_arrays_are_wide_text_fields_with_help(client):
    response = client.get(f"/?{query('two-layer')}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert ('<input id="var-W1" name="W1" value="[[0.1,-0.2],[0.3,0.4],[-0.5,0.6]]" class="array-value" '
            'aria-describedby="array-help"') in page
    assert ('id="array-help">A vector is a list, <code>[1, -2]</code>; a matrix is a list of its rows: '
            '<code>[[1, 2], [3, 4], [5, 6]]</code> has 3 rows') in page
    scalar = client.get("/?expr=(x%2By)*z&x=-2&y=5&z=-4").get_data(as_text=True)
    assert 'id="array-help" hidden>' in scalar and 'inputmode="decimal"' in scalar


def test_forward_mode_offers_every_entry_of_a_vector_or_matrix(client):
    response = client.get(f"/?{query('two-layer', 'forward-mode')}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    select = page[page.index('<select id="option-wrt"'):]
    select = select[:select.index("</select>")]
    assert '<optgroup label="d/dW1, one entry">' in select
    entries = [f"W1[{i},{j}]" for i in range(3) for j in range(2)]
    assert "".join(f'<option value="{entry}"{" selected" if entry == "W1[1,0]" else ""}>d/d{entry}</option>'
                   for entry in entries) in select
    assert '<option value="x[0]">d/dx[0]</option><option value="x[1]">d/dx[1]</option>' in select


def test_forward_mode_keeps_its_entries_on_a_page_with_a_mistake(client):
    expr, values = CIRCUITS["two-layer"]
    page = client.get("/?" + urlencode({"expr": expr + " +", **values, "wrt": "x[1]"})).get_data(as_text=True)
    assert '<option value="x[1]" selected>d/dx[1]</option>' in page


def _lists(text):
    """A Shown's text as JSON carries it: nested tuples become lists."""
    return json.loads(json.dumps(text))


def test_the_texts_are_the_documents_at_the_chosen_decimals(client):
    body = client.get(f"/api/graph?{query('softmax', 'precision-4')}").get_json()
    expr, values = CIRCUITS["softmax"]
    circuit = circuit_of(expr, values, precision="4")
    for wire in body["wires"]:
        assert wire["value"] == _lists(format_value(circuit.evaluation.values[wire["node"]], 4))


@pytest.mark.parametrize("typed", ["W[1,0]", "W[1, 0]", "W[ 1 , 0 ]"])
def test_wrt_names_an_entry_as_the_expression_indexes_it_with_or_without_spaces(client, typed):
    body = client.get("/api/graph", query_string={"expr": "sum(W @ x)", "W": "[[1, 2], [3, 4]]", "x": "[1, -1]",
                                                  "wrt": typed}).get_json()
    assert body["options"]["wrt"] == "W[1,0]"
    assert body["tangents"]["n0"] == [[0, 0], [1, 0]]
