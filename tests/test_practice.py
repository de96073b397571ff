"""Practice mode keeps its answers: with practice=values or practice=grads, no answer the page can
get holds a number to find, in any spelling, until the student asks for it (POST /api/answer) or
finds it (POST /api/check, which answers right or wrong at the precision shown). seed=N draws a
worksheet's values, the same on every request, and seed is a reserved word.

The numbers to find are worked out here from the evaluation alone, as the README defines them:
finding the values, every gate's value and every gradient but the output's 1 (the gradients would
give the values away); finding the gradients, every gradient but the output's 1. A number to find
that is also given (figure 1's gradient of x is -4, z's value) cannot be kept back and is left out.
"""

import json
import math
import re
from urllib.parse import urlencode

import pytest

from app import create_app
from graphlib.circuit import SEED_VALUES, build_circuit, seeded_value
from graphlib.graph import Const
from graphlib.document import drawn_wires, format_number

FIGURE_1 = ("(x+y)*z", {"x": "-2", "y": "5", "z": "-4"})
FIGURE_2 = ("1/(1+exp(-(w0*x0+w1*x1+w2)))", {"w0": "2", "x0": "-1", "w1": "-3", "x1": "-2", "w2": "-3"})
# The lecture's staged example: x and y each fork into three gates.
FORKS = ("(x+sigmoid(y))/(sigmoid(x)+(x+y)**2)", {"x": "3", "y": "-4"})
CIRCUITS = {
    "figure-1-whole-numbers": (*FIGURE_1, 0),
    "figure-1": (*FIGURE_1, 2),
    "figure-2": (*FIGURE_2, 2),
    "forks": (*FORKS, 2),
    "forks-4-decimals": (*FORKS, 4),
}
MODES = ["values", "grads"]
# Every answer the page can get for a circuit (the PNG is pixels: its labels are the SVG's).
GET_ROUTES = ["/", "/api/graph", "/api/explain", "/graph.svg", "/graph.dot", "/code/staged.py", "/code/pytorch.py"]
POST_ROUTES = ["/api/graph", "/api/explain"]


def query_pairs(expr, values, precision, **options):
    return [("expr", expr), *values.items(), ("precision", str(precision)), *options.items()]


def strict_json(response):
    assert response.mimetype == "application/json", response.mimetype
    return json.loads(response.get_data(as_text=True))


# --- what is hidden ------------------------------------------------------------------------------

def numbers_of(expr, values, mode):
    """(hidden, given): the numbers to find in this mode, and the numbers the student is given."""
    circuit = build_circuit({"expr": [expr], **{name: [text] for name, text in values.items()}})
    graph, evaluation = circuit.graph, circuit.evaluation
    given = {1.0} | {float(text) for text in values.values()}
    given |= {arg.value for node in graph.gates for arg in node.args if isinstance(arg, Const)}
    hidden = set()
    for wire, kind in to_find(graph, mode):
        if kind == "value":
            hidden.add(evaluation.values[wire.source])
        elif wire.consumer is None:
            hidden.add(evaluation.grads[wire.source])
        else:
            hidden.add(evaluation.wire_grads[(wire.consumer, wire.operand)])
    if mode == "grads":
        given |= set(evaluation.values.values())
    return hidden - given, given


def to_find(graph, mode):
    """(wire, kind) of every number drawn as "?"."""
    found = []
    for wire in drawn_wires(graph):
        if mode == "values" and not graph.node(wire.source).is_input:
            found.append((wire, "value"))
        if wire.source != graph.output.id or wire.consumer is not None:
            found.append((wire, "grad"))
    return found


def spellings(number):
    """Every way an answer could write the number: Python's repr and every precision the
    diagram offers (JSON and JavaScript write the same digits as repr or as these)."""
    return {repr(number), *(format_number(number, precision) for precision in range(11))}


def distinctive(spelling):
    """Long enough to search for in a text: at least two digits after any leading zeros."""
    return len(re.sub(r"^[-0.]*", "", spelling).replace(".", "")) >= 2


def occurs(spelling, text):
    """Whether the text holds the spelling as a number of its own (0.20, but not in -0.20 or 10.205)."""
    return re.search(r"(?<![-0-9.])" + re.escape(spelling) + r"(?![0-9])", text) is not None


@pytest.fixture(scope="module")
def scaffolding():
    """The page without a circuit (an empty expression: `/` alone shows one), whose help, gallery
    and examples have numbers of their own."""
    return create_app({"TESTING": True}).test_client().get("/?expr=").get_data(as_text=True)


def forbidden(expr, values, mode, scaffolding):
    """The spellings of the numbers to find that no answer may hold."""
    hidden, given = numbers_of(expr, values, mode)
    allowed = set().union(*(spellings(number) for number in given))
    return {spelling for number in hidden for spelling in spellings(number)
            if spelling not in allowed and distinctive(spelling) and not occurs(spelling, scaffolding)}, hidden


def json_leaks(data, hidden, spelled):
    """Every number or string of a JSON answer that is a number to find."""
    if isinstance(data, dict):
        return [leak for value in data.values() for leak in json_leaks(value, hidden, spelled)]
    if isinstance(data, list):
        return [leak for value in data for leak in json_leaks(value, hidden, spelled)]
    if isinstance(data, float) and data in hidden:
        return [data]
    if isinstance(data, str) and data in spelled:
        return [data]
    return []


# --- nothing holds a number to find --------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", CIRCUITS)
def test_no_answer_holds_a_number_to_find_in_any_spelling(client, scaffolding, name, mode):
    expr, values, precision = CIRCUITS[name]
    # Figure 1's gradients are all given numbers (-4 is z's value, 3 is x+y's): there only the
    # diagram's question marks and the JSON's nulls below say anything.
    spelled, hidden = forbidden(expr, values, mode, scaffolding)
    pairs = query_pairs(expr, values, precision, practice=mode)
    answers = {route: client.get(f"{route}?{urlencode(pairs)}") for route in GET_ROUTES}
    body = {"expr": expr, **values, "precision": precision, "practice": mode}
    answers.update({f"POST {route}": client.post(route, json=body) for route in POST_ROUTES})
    for route, response in answers.items():
        assert response.status_code == 200, (route, response.get_data(as_text=True)[:300])
        text = response.get_data(as_text=True)
        leaks = sorted(spelling for spelling in spelled if occurs(spelling, text))
        assert not leaks, f"{route} holds {leaks}"
        if route == "/graph.svg":
            graph = build_circuit({"expr": [expr]}).graph
            assert text.count(">?</text>") == len(to_find(graph, mode))
        if response.mimetype == "application/json":
            all_spellings = {spelling for number in hidden for spelling in spellings(number)}
            assert not json_leaks(strict_json(response), hidden, all_spellings - _given_spellings(expr, values, mode)), route


def _given_spellings(expr, values, mode):
    _, given = numbers_of(expr, values, mode)
    return set().union(*(spellings(number) for number in given))


@pytest.mark.parametrize("mode", MODES)
def test_the_same_circuit_without_practice_shows_them_all(client, scaffolding, mode):
    """The search above finds the numbers where they are: a worksheet, not an exam."""
    expr, values, precision = CIRCUITS["figure-2"]
    spelled, _ = forbidden(expr, values, mode, scaffolding)
    text = client.get(f"/api/graph?{urlencode(query_pairs(expr, values, precision))}").get_data(as_text=True)
    shown_at_precision = {format_number(number, precision) for number in numbers_of(expr, values, mode)[0]}
    assert shown_at_precision & spelled
    assert all(occurs(spelling, text) for spelling in shown_at_precision & spelled)


@pytest.mark.parametrize("mode, warned", [("", True), ("grads", True), ("values", False)])
def test_the_page_warns_of_inf_or_nan_only_where_it_shows_them(client, mode, warned):
    """log(0) is -inf: a value a student finding the values must not be told of."""
    page = client.get(f"/?{urlencode({'expr': 'log(x)*y+y', 'x': '0', 'y': '1', 'practice': mode})}")
    warning = re.search(r'<p class="warning" id="non-finite" role="status"( hidden)?>', page.get_data(as_text=True))
    assert warning and (warning.group(1) is None) == warned


@pytest.mark.parametrize("route", ["/code/pytorch.py", "/api/explain"])
def test_the_pytorch_program_says_where_torch_differs_except_while_practising(client, route):
    """Its comment names an infinite local gradient (sqrt's at 0), which a student would find."""
    query = urlencode({"expr": "sqrt(x)*0", "x": "0"})
    comment = "the local gradient into x is inf"
    assert comment in client.get(f"{route}?{query}").get_data(as_text=True)
    for mode in MODES:
        assert comment not in client.get(f"{route}?{query}&practice={mode}").get_data(as_text=True)


@pytest.mark.parametrize("mode, hidden_kinds", [("values", [True, True]), ("grads", [False, True])])
def test_the_json_nulls_each_number_to_find_and_every_local_gradient(client, mode, hidden_kinds):
    expr, values, precision = CIRCUITS["figure-1"]
    body = strict_json(client.get(f"/api/graph?{urlencode(query_pairs(expr, values, precision, practice=mode))}"))
    q = next(wire for wire in body["wires"] if wire["id"] == "wire-n3")
    assert q["hidden"] == hidden_kinds
    assert [q["value"] is None, q["grad"] is None] == hidden_kinds
    assert body["gradients"] == {"x": None, "y": None, "z": None}
    assert body["value"] == (None if mode == "values" else -12.0)
    output = next(wire for wire in body["wires"] if wire["id"] == "wire-n4")
    assert output["grad"] == "1.00"  # given: where the backward pass starts
    for node in body["nodes"]:
        for operand in node["operands"]:
            assert operand["local"] is None and operand["local_text"] is None and operand["grad"] is None
            assert operand["local_formula"]  # the formulas stay
    explain = strict_json(client.get(f"/api/explain?{urlencode(query_pairs(expr, values, precision, practice=mode))}"))
    assert explain["gradcheck"] == [] and explain["forks"] == [] and explain["symbolic"] is None
    assert [entry["label"] for entry in explain["chain_rule"]] == ["*", "+"]
    assert explain["chain_rule"][0]["intuition"].startswith("A multiply gate swaps")


# --- checking an answer ----------------------------------------------------------------------------

def wire_of(client, expr, values, name):
    """The id of the wire of the input or gate whose expression is `name`."""
    body = strict_json(client.get(f"/api/graph?{urlencode(query_pairs(expr, values, 2))}"))
    return "wire-" + next(node["id"] for node in body["nodes"] if node["expr"] == name)


def check(client, expr, values, precision, mode, question):
    return client.post(f"/api/check?{urlencode(query_pairs(expr, values, precision, practice=mode))}", json=question)


# expr, values, precision, mode, the wire's input or gate, kind, typed, right?
CHECKS = [
    (*FIGURE_2, 2, "grads", "w0", "grad", "-0.20", True),  # -0.19661193324148188
    (*FIGURE_2, 2, "grads", "w0", "grad", "-0.2", True),
    (*FIGURE_2, 2, "grads", "w0", "grad", "-0.196", True),
    (*FIGURE_2, 2, "grads", "w0", "grad", "-0.19", False),
    (*FIGURE_2, 2, "grads", "w0", "grad", "0.20", False),
    (*FIGURE_2, 2, "grads", "w0", "grad", "\u22120.20", True),  # a typographic minus
    (*FIGURE_2, 4, "grads", "w0", "grad", "-0.20", False),  # at 4 decimals, -0.1966
    (*FIGURE_2, 4, "grads", "w0", "grad", "-0.1966", True),
    (*FIGURE_2, 2, "values", "1/(1+exp(-(w0*x0+w1*x1+w2)))", "value", "0.73", True),
    (*FIGURE_2, 2, "values", "1/(1+exp(-(w0*x0+w1*x1+w2)))", "value", "0.74", False),
    (*FIGURE_1, 0, "grads", "x", "grad", " -4 ", True),
    (*FIGURE_1, 0, "grads", "x", "grad", "-4.4", True),
    (*FIGURE_1, 0, "grads", "x", "grad", "-4.6", False),
    (*FIGURE_1, 0, "values", "x+y", "value", "3", True),
    ("x*y", {"x": "0.125", "y": "1"}, 2, "grads", "y", "grad", "0.13", True),  # a tie takes either side
    ("x*y", {"x": "0.125", "y": "1"}, 2, "grads", "y", "grad", "0.12", True),
    ("x*y", {"x": "-0.001", "y": "1"}, 2, "grads", "y", "grad", "-0.00", True),  # shown as 0.00
    ("x*y", {"x": "1.5e9", "y": "1"}, 2, "grads", "y", "grad", "1500000000", True),  # shown as 1.50e+09
    ("x*y", {"x": "1.5e9", "y": "1"}, 2, "grads", "y", "grad", "1.504e9", True),
    ("x*y", {"x": "1.5e9", "y": "1"}, 2, "grads", "y", "grad", "1.51e9", False),
    ("sqrt(x)*y", {"x": "-1", "y": "1"}, 2, "values", "sqrt(x)", "value", "nan", True),
    ("sqrt(x)*y", {"x": "0", "y": "1"}, 2, "grads", "x", "grad", "inf", True),
    ("sqrt(x)*y", {"x": "0", "y": "1"}, 2, "grads", "x", "grad", "1e400", False),
    (*FIGURE_1, 0, "grads", "x", "grad", "0x10", False),
    (*FIGURE_1, 0, "grads", "x", "grad", "abc", False),
]


@pytest.mark.parametrize("expr, values, precision, mode, name, kind, typed, right", CHECKS)
def test_an_answer_is_right_when_it_rounds_to_the_number_shown(client, expr, values, precision, mode, name, kind, typed,
                                                                right):
    wire = wire_of(client, expr, values, name)
    response = check(client, expr, values, precision, mode, {"wire": wire, "kind": kind, "answer": typed})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = strict_json(response)
    assert body["right"] is right
    assert body["wire"] == wire and body["kind"] == kind
    if right:  # the number as the diagram shows it, now that the student has it
        circuit = build_circuit({"expr": [expr], **{k: [v] for k, v in values.items()}, "precision": [str(precision)]})
        node_id = wire[len("wire-"):]
        number = circuit.evaluation.values[node_id] if kind == "value" else circuit.evaluation.grads[node_id]
        assert body["shown"] == format_number(number, precision)
        assert body["flagged"] is (not math.isfinite(number))
        assert body["number"] == (number if math.isfinite(number) else "Infinity" if number > 0 else "NaN")
    else:
        assert body["shown"] is None and body["flagged"] is None and body["number"] is None


# question (JSON body), practice mode, field, message
BAD_QUESTIONS = [
    ({"wire": "wire-n0", "kind": "grad", "answer": ""}, "grads", "answer", "Give the answer as text"),
    ({"wire": "wire-n0", "kind": "grad", "answer": "  "}, "grads", "answer", "Give the answer as text"),
    ({"wire": "wire-n0", "kind": "grad", "answer": -4}, "grads", "answer", "Give the answer as text"),
    ({"wire": "wire-n0", "kind": "grad"}, "grads", "answer", "Give the answer as text"),
    ({"wire": "wire-n0", "kind": "grad", "answer": "1" * 41}, "grads", "answer", "longer than 40 characters"),
    ({"kind": "grad", "answer": "-4"}, "grads", "wire", "Name the wire"),
    ({"wire": "wire-n9", "kind": "grad", "answer": "-4"}, "grads", "wire", "The circuit has no wire 'wire-n9'"),
    ({"wire": "wire-n0", "kind": "grads", "answer": "-4"}, "grads", "kind", "kind must be one of value, grad"),
    ({"wire": "wire-n0", "kind": "value", "answer": "-2"}, "grads", "kind", "not a number to find"),
    ({"wire": "wire-n4", "kind": "grad", "answer": "1"}, "grads", "kind", "not a number to find"),
    ({"wire": "wire-n0", "kind": "grad", "answer": "-4"}, "", "practice", "Answers are for practice mode"),
    ({"wire": "wire-n0", "kind": "grad", "answer": "-4", "wire ": 1}, "grads", None, None),  # unknown fields: ignored
]


@pytest.mark.parametrize("question, mode, field, message", BAD_QUESTIONS)
def test_a_question_that_cannot_be_checked_is_a_400_that_says_why(client, question, mode, field, message):
    expr, values, precision = CIRCUITS["figure-1-whole-numbers"]
    pairs = query_pairs(expr, values, precision, **({"practice": mode} if mode else {}))
    response = client.post(f"/api/check?{urlencode(pairs)}", json=question)
    if message is None:
        assert response.status_code == 200
        return
    assert response.status_code == 400
    error = strict_json(response)["error"]
    assert error["field"] == field and message in error["message"], error


def test_the_check_refuses_what_is_not_a_json_question_and_a_broken_circuit(client):
    expr, values, precision = CIRCUITS["figure-1"]
    url = f"/api/check?{urlencode(query_pairs(expr, values, precision, practice='grads'))}"
    assert client.post(url, data="wire=wire-n0", content_type="application/x-www-form-urlencoded").status_code == 415
    assert client.post(url, data="{", content_type="application/json").status_code == 400
    assert client.post(url, data="[]", content_type="application/json").status_code == 400
    broken = client.post("/api/check?expr=(x%2B&practice=grads", json={"wire": "wire-n0", "kind": "grad", "answer": "1"})
    assert broken.status_code == 400 and strict_json(broken)["error"]["field"] == "expr"
    assert client.get(url).status_code == 405


def test_the_check_is_rate_limited_as_the_numbers_are():
    limited = create_app({"TESTING": True, "NUMBERS_RATE_LIMIT": "2 per minute"})
    client = limited.test_client()
    expr, values, precision = CIRCUITS["figure-1"]
    url = f"/api/check?{urlencode(query_pairs(expr, values, precision, practice='grads'))}"
    question = {"wire": "wire-n0", "kind": "grad", "answer": "-4"}
    assert [client.post(url, json=question).status_code for _ in range(3)] == [200, 200, 429]


# --- asking for an answer --------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["figure-2", "forks"])
def test_show_all_gives_every_number_to_find_as_the_diagram_would_show_it(client, name, mode):
    expr, values, precision = CIRCUITS[name]
    pairs = query_pairs(expr, values, precision)
    full = strict_json(client.get(f"/api/graph?{urlencode(pairs)}"))
    practice = strict_json(client.get(f"/api/graph?{urlencode([*pairs, ('practice', mode)])}"))
    response = client.post(f"/api/answer?{urlencode([*pairs, ('practice', mode)])}", json={"all": True})
    answers = strict_json(response)["answers"]
    expected = [(wire["id"], kind, full_wire[kind], full_wire["flagged"][index])
                for wire, full_wire in zip(practice["wires"], full["wires"])
                for index, kind in enumerate(["value", "grad"]) if wire["hidden"][index]]
    assert [(a["wire"], a["kind"], a["shown"], a["flagged"]) for a in answers] == expected
    nodes = {node["id"]: node for node in full["nodes"]}
    for answer in answers:  # each in full too
        wire = next(wire for wire in full["wires"] if wire["id"] == answer["wire"])
        if answer["kind"] == "value":
            assert answer["number"] == nodes[wire["node"]]["value"]
        elif wire["consumer"] is None:
            assert answer["number"] == nodes[wire["node"]]["grad"]
        else:
            assert answer["number"] == nodes[wire["consumer"]]["operands"][wire["operand"]]["grad"]
    assert len(expected) == sum(wire["hidden"].count(True) for wire in practice["wires"]) > 0


def test_show_one_gives_just_that_number(client):
    expr, values, precision = CIRCUITS["figure-2"]
    url = f"/api/answer?{urlencode(query_pairs(expr, values, precision, practice='grads'))}"
    w0 = wire_of(client, expr, values, "w0")
    assert strict_json(client.post(url, json={"wire": w0, "kind": "grad"})) == {
        "answers": [{"wire": w0, "kind": "grad", "shown": "-0.20", "flagged": False, "number": -0.19661193324148188}]}
    refused = client.post(url, json={"wire": w0, "kind": "value"})
    assert refused.status_code == 400 and "not a number to find" in strict_json(refused)["error"]["message"]
    assert client.post(url, json={"all": "yes"}).status_code == 400  # only true asks for all


# --- worksheets from a seed ------------------------------------------------------------------------

def graph_values(client, pairs):
    return strict_json(client.get(f"/api/graph?{urlencode(pairs)}"))["variables"]


def test_a_seed_draws_the_same_small_whole_numbers_on_every_request(client):
    pairs = [("expr", "(x+y)*z"), ("practice", "grads"), ("seed", "7")]
    drawn = graph_values(client, pairs)
    assert drawn == {"x": 5.0, "y": -2.0, "z": -1.0}  # pinned: a teacher's handed-out set stays the same
    assert graph_values(client, pairs) == drawn
    assert build_circuit({"expr": ["(x+y)*z"], "seed": ["7"]}).values == drawn  # in any process
    others = [graph_values(client, [("expr", "(x+y)*z"), ("seed", str(seed))]) for seed in range(20)]
    assert len({tuple(values.items()) for values in others}) > 15
    assert all(value in SEED_VALUES for values in others for value in values.values())
    assert strict_json(client.get(f"/api/graph?{urlencode(pairs)}"))["options"]["seed"] == 7
    assert strict_json(client.get(f"/api/graph?{urlencode(pairs)}"))["defaults"] == {}


def test_a_seeded_value_depends_on_the_seed_and_the_name_alone(client):
    drawn = graph_values(client, [("expr", "(x+y)*z"), ("seed", "7")])
    elsewhere = graph_values(client, [("expr", "sigmoid(w*x) + q"), ("seed", "7"), ("w", "3")])
    assert elsewhere["x"] == drawn["x"]


def test_a_seeded_value_outside_a_functions_domain_gives_nan_as_anywhere_else(client):
    seed = next(seed for seed in range(100) if seeded_value(seed, "x") < 0)
    body = strict_json(client.get(f"/api/graph?{urlencode([('expr', 'log(x)*2'), ('seed', str(seed))])}"))
    assert body["value"] == "NaN"


def test_values_given_in_the_url_win_over_the_seed(client):
    drawn = graph_values(client, [("expr", "(x+y)*z"), ("seed", "7"), ("x", "-2")])
    assert drawn == {"x": -2.0, "y": -2.0, "z": -1.0}


def test_the_page_of_a_seeded_worksheet_puts_the_drawn_values_in_its_fields(client):
    page = client.get("/?expr=(x%2By)*z&practice=grads&seed=7").get_data(as_text=True)
    for name, text in [("x", "5"), ("y", "-2"), ("z", "-1")]:
        assert re.search(rf'<input id="var-{name}" name="{name}" value="{re.escape(text)}"', page)
    assert 'class="note">default<' not in page


@pytest.mark.parametrize("seed", ["-1", "abc", "1e3", "1.5", str(10**9 + 1), "\u0663"])
def test_a_seed_that_is_not_a_worksheet_number_is_a_400(client, seed):
    response = client.get(f"/api/graph?{urlencode([('expr', 'x*y'), ('seed', seed)])}")
    assert response.status_code == 400
    error = strict_json(response)["error"]
    assert error["field"] == "seed" and "seed must be a whole number from 0 to 1000000000" in error["message"]


def test_seed_is_a_reserved_word_and_an_old_link_using_it_says_so(client):
    # An old link with a variable named seed: the expression is refused first, not its value.
    response = client.get(f"/api/graph?{urlencode([('expr', 'seed*x'), ('seed', '-2'), ('x', '3')])}")
    assert response.status_code == 400
    error = strict_json(response)["error"]
    assert error == {"message": "'seed' at column 1 is a reserved word and cannot be a variable name; choose another name.",
                     "field": "expr", "position": 0}
    step = strict_json(client.get(f"/api/graph?{urlencode([('expr', 'seed = x*2; seed+1')])}"))["error"]
    assert step["message"] == "'seed' at column 1 is a reserved word and cannot be a step name; choose another name."
    page = client.get(f"/?{urlencode([('expr', 'seed*x'), ('seed', '-2'), ('x', '3')])}")
    assert page.status_code == 400 and "is a reserved word" in page.get_data(as_text=True)


# --- vectors and matrices: a gradient table, entry by entry ----------------------------------------

TWO_LAYER = ("sum((W2 @ relu(W1 @ x + b1) + b2 - y)**2)",
             {"W1": "[[0.1,-0.2],[0.3,0.4],[-0.5,0.6]]", "x": "[1,-2]", "b1": "[0,0.1,0.2]",
              "W2": "[[1,2,3],[-1,0,1]]", "b2": "[0.5,-0.5]", "y": "[1,2]"})
# W1's gradient is [[6, -12], [0, -0], [0, -0]]: entry, answer, right, shown
TABLE_CHECKS = [
    ([0, 0], "6", True, "6.00"),
    ([0, 1], "-12.00", True, "-12.00"),
    ([0, 1], "12", False, None),
    ([1, 1], "0", True, "0.00"),  # -0.0, shown as 0.00
    ([2, 0], "0.004", True, "0.00"),
    ([2, 0], "0.006", False, None),
]


def two_layer_url(route, mode="grads"):
    expr, values = TWO_LAYER
    return f"{route}?{urlencode({'expr': expr, **values, 'practice': mode})}"


@pytest.mark.parametrize("entry, typed, right, shown", TABLE_CHECKS)
def test_each_entry_of_a_gradient_table_is_checked_on_its_own(client, entry, typed, right, shown):
    w1 = wire_of(client, *TWO_LAYER, "W1")
    body = strict_json(client.post(two_layer_url("/api/check"),
                                   json={"wire": w1, "kind": "grad", "entry": entry, "answer": typed}))
    assert body["wire"] == w1 and body["entry"] == entry and body["right"] is right and body["shown"] == shown
    if right:
        grad = build_circuit({"expr": [TWO_LAYER[0]], **{k: [v] for k, v in TWO_LAYER[1].items()}}).document
        assert body["number"] == grad.trunk(w1[len("wire-"):]).grad.number[tuple(entry)] and body["flagged"] is False


def test_a_value_table_is_checked_entry_by_entry_when_finding_the_values(client):
    hidden = strict_json(client.get(two_layer_url("/api/graph", "values")))
    relu = next(wire for wire in hidden["wires"] if wire["id"] == "wire-" + next(
        node["id"] for node in hidden["nodes"] if node["op"] == "relu"))
    assert relu["value"] is None and relu["shape"] == [3] and relu["hidden"] == [True, True]
    answers = [strict_json(client.post(two_layer_url("/api/check", "values"),
                                       json={"wire": relu["id"], "kind": "value", "entry": [i], "answer": typed}))
               for i, typed in enumerate(["0.5", "0", "0.1"])]
    assert [(answer["right"], answer["shown"]) for answer in answers] == [(True, "0.50"), (True, "0.00"), (False, None)]


@pytest.mark.parametrize("entry, message", [
    (None, "This wire carries an array of shape (3, 2): name one entry in the field entry, such as [0, 0]."),
    ([3, 0], "such as [0, 0]"),
    ([0], "such as [0, 0]"),
    ([0, -1], "such as [0, 0]"),
    ([0, True], "such as [0, 0]"),
    ("0,0", "such as [0, 0]"),
])
def test_an_entry_that_names_none_of_the_table_is_a_400(client, entry, message):
    question = {"wire": wire_of(client, *TWO_LAYER, "W1"), "kind": "grad", "answer": "6"}
    if entry is not None:
        question["entry"] = entry
    response = client.post(two_layer_url("/api/check"), json=question)
    error = strict_json(response)["error"]
    assert response.status_code == 400 and error["field"] == "entry" and message in error["message"]


def test_a_number_takes_no_entry(client):
    expr, values, precision = CIRCUITS["figure-1"]
    url = f"/api/check?{urlencode(query_pairs(expr, values, precision, practice='grads'))}"
    response = client.post(url, json={"wire": "wire-n0", "kind": "grad", "entry": [0], "answer": "-4"})
    assert response.status_code == 400 and strict_json(response)["error"]["field"] == "entry"


def test_show_gives_a_whole_table_or_one_of_its_entries(client):
    w1 = wire_of(client, *TWO_LAYER, "W1")
    whole = strict_json(client.post(two_layer_url("/api/answer"), json={"wire": w1, "kind": "grad"}))
    assert whole == {"answers": [{"wire": w1, "kind": "grad", "shown": [["6.00", "-12.00"], ["0.00", "0.00"], ["0.00", "0.00"]],
                                  "flagged": False, "number": [[6.0, -12.0], [0.0, -0.0], [0.0, -0.0]]}]}
    one = strict_json(client.post(two_layer_url("/api/answer"), json={"wire": w1, "kind": "grad", "entry": [0, 1]}))
    assert one == {"answers": [{"wire": w1, "kind": "grad", "entry": [0, 1], "shown": "-12.00", "flagged": False,
                                "number": -12.0}]}


def test_show_all_gives_each_hidden_table_whole(client):
    answers = strict_json(client.post(two_layer_url("/api/answer"), json={"all": True}))["answers"]
    full = strict_json(client.get(two_layer_url("/api/graph", "")))
    shown = {wire["id"]: wire["grad"] for wire in full["wires"]}
    assert {answer["wire"]: answer["shown"] for answer in answers} == {
        wire_id: grad for wire_id, grad in shown.items() if wire_id != "wire-" + full["output"]}


def test_a_table_with_inf_is_flagged_and_named_as_json_names_it(client):
    url = "/api/answer?" + urlencode({"expr": "sum(log(v))", "v": "[0, 2]", "practice": "values"})
    log = strict_json(client.post(url, json={"wire": "wire-n1", "kind": "value"}))["answers"][0]
    assert log["shown"] == ["-inf", "0.69"] and log["flagged"] is True and log["number"] == ["-Infinity", math.log(2)]
