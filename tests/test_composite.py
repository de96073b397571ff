"""Composite gates: sigmoid and tanh drawn as one gate, or as the chain of simple gates they are."""

import html
import xml.etree.ElementTree as ET

import pytest

from graphlib.composite import COMPOSITES, collapse, expand, transform
from graphlib.errors import LimitError
from graphlib.evaluate import evaluate
from graphlib.parse import MAX_GATES, parse


def labels(graph):
    return " ".join(gate.label for gate in graph.gates)


COLLAPSING = [
    pytest.param("1/(1+exp(-(w0*x0+w1*x1+w2)))", "* * + + sigmoid", id="figure-2-becomes-a-sigmoid-neuron"),
    pytest.param("1/(exp(-z)+1)", "sigmoid", id="constant-on-either-side-of-a-sum"),
    pytest.param("1/(1+exp(z*-1))", "sigmoid", id="negation-typed-as-a-product"),
    pytest.param("1/(1+exp(-1*z))", "sigmoid", id="negation-with-the-constant-first"),
    pytest.param("2/(1+exp(-2*z))-1", "tanh", id="tanh-chain"),
    pytest.param("sigmoid(x)*tanh(y)", "sigmoid tanh *", id="composites-stay-as-they-are"),
    pytest.param("1/(2+exp(-z))", "*-1 exp +2 1/x", id="another-constant-is-not-a-sigmoid"),
    pytest.param("1/(1+exp(z))", "exp +1 1/x", id="missing-negation-is-not-a-sigmoid"),
    pytest.param("a = exp(-x); 1/(1+a)", "*-1 exp +1 1/x", id="a-named-step-inside-is-kept"),
    pytest.param("e1 = exp(-x); e1 + 1/(1+e1)", "*-1 exp +1 1/x +", id="a-fork-inside-is-kept"),
]


@pytest.mark.parametrize("source, expected", COLLAPSING)
def test_collapsing_finds_the_composites_typed_as_chains(source, expected):
    assert labels(collapse(parse(source))) == expected


EXPANDING = [
    pytest.param("sigmoid(w0*x0+w1*x1+w2)", "* * + + *-1 exp +1 1/x", id="sigmoid-neuron-becomes-figure-2"),
    pytest.param("tanh(x)", "*-2 exp +1 2/x -1", id="tanh"),
    pytest.param("s = sigmoid(x); s*s", "*-1 exp +1 1/x *", id="named-composite-keeps-its-name-on-the-last-gate"),
]


@pytest.mark.parametrize("source, expected", EXPANDING)
def test_expanding_spells_each_composite_out(source, expected):
    assert labels(expand(parse(source))) == expected


def test_expanding_keeps_a_composites_name_on_its_output_wire():
    gates = expand(parse("s = sigmoid(x); s*s")).gates
    assert [gate.name for gate in gates] == ["", "", "", "s", ""]


SAME_NUMBERS = [
    "1/(1+exp(-(w0*x0+w1*x1+w2)))", "sigmoid(x)*tanh(y)", "tanh(sigmoid(x) - y)",
    "2/(1+exp(-2*x))-1 + 1/(1+exp(-y))", "s = sigmoid(x*y); s*(1-s)",
]


@pytest.mark.parametrize("mode", ["collapsed", "expanded"])
@pytest.mark.parametrize("source", SAME_NUMBERS)
def test_every_mode_computes_the_same_output_and_gradients(source, mode):
    typed = parse(source)
    changed = transform(typed, mode)
    point = {name: 0.3 - 0.7 * index for index, name in enumerate(typed.variables)}
    before, after = evaluate(typed, point), evaluate(changed, point)
    assert after.values[changed.output.id] == pytest.approx(before.values[typed.output.id], rel=1e-12)
    for old, new in zip(typed.inputs, changed.inputs):
        assert after.grads[new.id] == pytest.approx(before.grads[old.id], rel=1e-9)


def test_typed_mode_changes_nothing():
    graph = parse("1/(1+exp(-x))")
    assert transform(graph, "typed") is graph


def test_every_composite_is_a_gate_of_the_table():
    from graphlib.ops import OPS

    assert set(COMPOSITES) <= set(OPS)


@pytest.mark.parametrize("mode, expected", [
    ("typed", ["*", "*", "+", "+", "*-1", "exp", "+1", "1/x"]),
    ("collapsed", ["*", "*", "+", "+", "sigmoid"]),
])
def test_the_mode_is_a_url_option(client, mode, expected):
    body = client.get("/api/graph", query_string={
        "expr": "1/(1+exp(-(w0*x0+w1*x1+w2)))", "w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3,
        "composites": mode}).json
    assert [node["label"] for node in body["nodes"] if node["op"] != "input"] == expected
    assert round(body["gradients"]["x0"], 2) == 0.39
    sigmoid_local = [node for node in body["nodes"] if node["op"] == "sigmoid"]
    if sigmoid_local:  # the lecture's shortcut: the local gradient is s(1-s) = 0.73 * 0.27
        [operand] = sigmoid_local[0]["operands"]
        assert round(operand["local"], 4) == 0.1966


# The gate limit holds for what is drawn: expanding happens after the parser counted the gates as
# typed, so the limit is checked again on the transformed circuit.
TWO_HUNDRED_TANHS = "+".join(f"tanh(x{i % 20})" for i in range(200))  # 399 gates typed, 1199 expanded
HUNDRED_SIGMOIDS = "x" + "+sigmoid(x)" * 100  # 200 gates typed, 500 expanded
HUNDRED_AND_ONE_SIGMOIDS = "x" + "+sigmoid(x)" * 101  # 202 gates typed, 505 expanded

WITHIN_THE_LIMIT = [
    pytest.param(HUNDRED_SIGMOIDS, "expanded", 500, id="expanded-to-exactly-500"),
    pytest.param(TWO_HUNDRED_TANHS, "typed", 399, id="two-hundred-tanhs-typed"),
    pytest.param(TWO_HUNDRED_TANHS, "collapsed", 399, id="two-hundred-tanhs-collapsed"),
]


@pytest.mark.parametrize("source, mode, gates", WITHIN_THE_LIMIT)
def test_a_transformed_circuit_within_the_gate_limit_is_drawn(client, source, mode, gates):
    assert len(transform(parse(source), mode).gates) == gates
    response = client.get("/api/graph", query_string={"expr": source, "composites": mode})
    assert response.status_code == 200


OVER_THE_LIMIT = [
    pytest.param(TWO_HUNDRED_TANHS, 1199, 399, id="two-hundred-tanhs"),
    pytest.param(HUNDRED_AND_ONE_SIGMOIDS, 505, 202, id="a-hundred-and-one-sigmoids"),
]


@pytest.mark.parametrize("source, expanded, typed", OVER_THE_LIMIT)
@pytest.mark.parametrize("path", ["/api/graph", "/api/explain", "/graph.svg", "/graph.png", "/graph.dot", "/"])
def test_expanding_past_the_gate_limit_is_refused(client, source, expanded, typed, path):
    message = (f"With composites=expanded, the circuit has {expanded} gates ({typed} as typed); the limit "
               f"is {MAX_GATES}. Use composites=typed, which draws sigmoid and tanh as one gate each, "
               "or a shorter expression.")
    with pytest.raises(LimitError) as raised:
        transform(parse(source), "expanded")
    assert (raised.value.message, raised.value.field, raised.value.position) == (message, "composites", None)
    response = client.get(path, query_string={"expr": source, "composites": "expanded"})
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.json == {"error": {"message": message, "field": "composites", "position": None}}
    elif path.startswith("/graph."):  # an SVG with the message, wrapped into lines
        texts = ET.fromstring(response.data).iter("{http://www.w3.org/2000/svg}text")
        assert " ".join("".join(text.itertext()) for text in texts) == message
    else:
        assert message in html.unescape(response.text)
