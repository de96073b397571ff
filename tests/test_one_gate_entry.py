"""A gate is one entry of `ops.OPS`: a function registered there, and nowhere else, is parsed,
evaluated, drawn, explained, written as staged Python and as PyTorch, and listed in the page's
help; and the README's list of functions is the table's.

The function is softsign(x) = x/(1 + |x|), which the app does not have: the fixture adds its
entry to OPS for one test and takes it out again.
"""

import math
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import sympy

from app import create_app
from graphlib import compute
from graphlib.codegen import program_names, pytorch_code, staged_python
from graphlib.compute import ComputePool
from graphlib.errors import ExpressionSyntaxError
from graphlib.evaluate import evaluate
from graphlib.gatecode import PythonGate, TorchGate
from graphlib.language import COMMAND, README, functions, readme_list, with_readme_list
from graphlib.ops import CALLS, FUNCTIONS, OPS, Op
from graphlib.parse import RESERVED_NAMES, parse
from graphlib.symbolic import gradient_expressions, variable_symbols

INTUITION = "A softsign gate passes the gradient on shrunk by (1 + |x|)², the more the further x is from 0."

SOFTSIGN = Op(
    "softsign", 1,
    lambda a: a / (1.0 + np.abs(a)),
    lambda a, out: (1.0 / (1.0 + np.abs(a)) ** 2,),
    lambda a: a / (1 + sympy.Abs(a)),
    python=PythonGate("softsign", "{0} / (1.0 + np.abs({0}))", ("1.0 / (1.0 + np.abs({0})) ** 2",)),
    torch=TorchGate("torch.nn.functional.softsign({0})"),
    help="x/(1 + abs(x))",
    intuition=INTUITION,
    local_formulas=lambda a: ((1 + sympy.Abs(a)) ** -2,),
)

EXPRESSION = "softsign(x*y) + x"
POINTS = [dict(x=0.75, y=-2.0), dict(x=-1.5, y=0.25), dict(x=3.0, y=4.0)]
QUERY = {"expr": EXPRESSION, **{name: str(value) for name, value in POINTS[0].items()}}


def input_id(graph, name):
    return next(node.id for node in graph.inputs if node.name == name)


@pytest.fixture
def softsign(monkeypatch):
    """softsign in OPS, and the app's computations (SymPy's) in this process, which has it:
    a compute process is a fresh interpreter, which has only the gates of ops.py."""
    monkeypatch.setitem(OPS, "softsign", SOFTSIGN)
    pool = ComputePool(processes=0)
    previous = compute.use(pool)
    yield SOFTSIGN
    compute.use(previous)
    pool.close()


@pytest.fixture
def client(softsign):
    return create_app({"TESTING": True}).test_client()


def test_it_is_parsed_as_a_function_and_its_name_is_reserved(softsign):
    graph = parse(EXPRESSION)
    assert [node.op for node in graph.gates] == ["mul", "softsign", "add"]
    assert FUNCTIONS["softsign"] is softsign
    assert "softsign" in RESERVED_NAMES
    with pytest.raises(ExpressionSyntaxError, match="softsign at column 1 is a function: write softsign"):
        parse("softsign + 1")
    with pytest.raises(ExpressionSyntaxError, match="softsign takes 1 argument, but got 2"):
        parse("softsign(x, y)")


@pytest.mark.parametrize("point", POINTS)
def test_it_is_evaluated_as_sympy_and_finite_differences_say(softsign, point):
    graph = parse(EXPRESSION)
    result = evaluate(graph, point)
    x, y = point["x"], point["y"]
    assert result.values[graph.output.id] == x * y / (1 + abs(x * y)) + x
    symbols = variable_symbols(graph)
    at_point = {symbols[name]: sympy.Float(value, 30) for name, value in point.items()}
    for name, formula in gradient_expressions(graph).items():
        gradient = result.grads[input_id(graph, name)]
        assert math.isclose(gradient, float(formula.evalf(30, subs=at_point)), rel_tol=1e-12)
        h = 1e-6
        up, down = evaluate(graph, {**point, name: point[name] + h}), evaluate(graph, {**point, name: point[name] - h})
        centred = (up.values[graph.output.id] - down.values[graph.output.id]) / (2 * h)
        assert math.isclose(gradient, centred, rel_tol=1e-6)


def test_it_is_drawn_with_its_label(client):
    response = client.get("/graph.svg", query_string=QUERY)
    assert response.status_code == 200
    texts = [element.text for element in ET.fromstring(response.data).iter("{http://www.w3.org/2000/svg}text")]
    assert "softsign" in texts


def test_it_is_explained_with_its_intuition_and_local_formula(client):
    response = client.get("/api/explain", query_string=QUERY)
    assert response.status_code == 200
    rows = [row for row in response.get_json()["chain_rule"] if row["label"] == "softsign"]
    assert len(rows) == 1
    assert rows[0]["expr"] == "softsign(x*y)"
    assert rows[0]["intuition"] == INTUITION
    [operand] = rows[0]["operands"]
    assert operand["local_formula"] == "(abs(α) + 1)**(-2)"
    assert operand["local"] == 1 / (1 + 1.5) ** 2


@pytest.mark.parametrize("point", POINTS)
def test_its_staged_python_reproduces_the_gradients_bit_for_bit(softsign, point):
    graph = parse(EXPRESSION)
    result = evaluate(graph, point)
    names = program_names(graph, "np")
    program = staged_python(graph, point)
    assert "mul0 = x * y\nsoftsign0 = mul0 / (1.0 + np.abs(mul0))\n" in program
    namespace = {}
    with np.errstate():
        exec(program, namespace)  # the test process only: generated code never runs in the server
    assert namespace[names.output] == result.values[graph.output.id]
    for node in graph.nodes:
        assert namespace[names.grads[node.id]] == result.grads[node.id], names.grads[node.id]


@pytest.mark.parametrize("point", POINTS)
def test_its_pytorch_program_reproduces_the_gradients(softsign, point):
    torch = pytest.importorskip("torch")
    graph = parse(EXPRESSION)
    result = evaluate(graph, point)
    program = pytorch_code(graph, point, result)
    assert "torch.nn.functional.softsign(mul0)" in program
    namespace = {}
    exec(program, namespace)  # the test process only
    assert isinstance(namespace["f"], torch.Tensor)
    assert math.isclose(namespace["f"].item(), result.values[graph.output.id], rel_tol=1e-12)
    for name in point:
        assert math.isclose(namespace[name].grad.item(), result.grads[input_id(graph, name)], rel_tol=1e-12)


def test_it_is_listed_in_the_pages_help(client):
    page = client.get("/", query_string=QUERY).get_data(as_text=True)
    assert "<li><code>softsign(x)</code>: x/(1 + abs(x))</li>" in page
    assert [function.usage for function in functions()][-1] == "softsign(x)"


def test_every_function_is_listed_in_the_pages_help_in_the_tables_order():
    page = create_app({"TESTING": True}).test_client().get("/", query_string=QUERY | {"expr": "x"})
    html = page.get_data(as_text=True)
    listed = [f"<li><code>{op.usage}</code>: {op.help}</li>" for op in CALLS.values()]
    positions = [html.find(item) for item in listed]
    assert -1 not in positions, [item for item, position in zip(listed, positions) if position < 0]
    assert positions == sorted(positions)


def test_the_readme_lists_the_functions_of_the_table():
    text = README.read_text(encoding="utf-8")
    assert with_readme_list(text) == text, (
        f"README.md's list of functions is not the gate table's (graphlib/ops.py): run `{COMMAND}`")


def test_the_command_prints_the_list_it_writes_into_the_readme():
    done = subprocess.run([sys.executable, "-m", "graphlib.language"], capture_output=True, text=True,
                          cwd=README.parent, timeout=60, check=True)
    assert done.stdout == readme_list() + "\n"


def test_a_readme_without_the_markers_is_refused_by_name():
    with pytest.raises(ValueError, match="no list of functions between the lines"):
        with_readme_list("# A README\n\n- Functions: exp\n")
