"""Forward and backward passes: the lecture's golden circuits (CONVENTIONS §2), SymPy and finite
differences as oracles for whole expressions, forks, and the number policy (CONVENTIONS §4)."""

import copy
import functools
import math
import random
import warnings

import mpmath
import pytest
import sympy

import mp_oracle
from graphlib.evaluate import Evaluation, evaluate, forward_mode
from graphlib.graph import Const
from graphlib.ops import FUNCTIONS, OPS
from graphlib.parse import parse
from graphlib.symbolic import gradient_expressions, node_expressions
from random_circuits import random_circuit


def run(source, **inputs):
    graph = parse(source)
    return graph, evaluate(graph, {name: float(value) for name, value in inputs.items()})


def fixed(number, decimals):
    return f"{number:.{decimals}f}"


def same_number(got, expected):
    if math.isnan(expected):
        return math.isnan(got)
    return got == expected


# ---------------------------------------------------------------------------------------------
# Golden circuits of CONVENTIONS §2, every number.

def test_figure_1_plain_integers():
    graph, result = run("(x+y)*z", x=-2, y=5, z=-4)
    x, y, z, q, f = graph.nodes
    assert (result.values[q.id], result.values[f.id]) == (3.0, -12.0)
    assert [result.grads[node.id] for node in (x, y, z, q, f)] == [-4.0, -4.0, 3.0, -4.0, 1.0]


FIGURE_2 = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
FIGURE_2_INPUTS = dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)


def test_figure_2_forward_values_in_gate_order():
    graph, result = run(FIGURE_2, **FIGURE_2_INPUTS)
    values = [fixed(result.values[node.id], 2) for node in graph.gates]
    assert values == ["-2.00", "6.00", "4.00", "1.00", "-1.00", "0.37", "1.37", "0.73"]


def test_figure_2_variable_gradients():
    graph, result = run(FIGURE_2, **FIGURE_2_INPUTS)
    grads = {node.name: fixed(result.grads[node.id], 2) for node in graph.inputs}
    assert grads == {"w0": "-0.20", "x0": "0.39", "w1": "-0.39", "x1": "-0.59", "w2": "0.20"}
    assert [fixed(result.values[node.id], 2) for node in graph.inputs] == [
        "2.00", "-1.00", "-3.00", "-2.00", "-3.00"]


def test_figure_2_gate_gradients_as_drawn_in_the_notes():
    graph, result = run(FIGURE_2, **FIGURE_2_INPUTS)
    grads = [fixed(result.grads[node.id], 2) for node in graph.gates]
    assert grads == ["0.20", "0.20", "0.20", "0.20", "-0.20", "-0.53", "-0.53", "1.00"]


def test_figure_3_forward_and_gradients():
    graph, result = run("2*(x*y + max(z,w))", x=3, y=-4, z=2, w=-1)
    assert [fixed(result.values[node.id], 2) for node in graph.gates] == [
        "-12.00", "2.00", "-10.00", "-20.00"]
    assert {node.name: fixed(result.grads[node.id], 2) for node in graph.inputs} == {
        "x": "-8.00", "y": "6.00", "z": "2.00", "w": "0.00"}
    assert [fixed(result.grads[node.id], 2) for node in graph.gates] == [
        "2.00", "2.00", "2.00", "1.00"]


def test_staged_sigmoid_example_to_six_decimals():
    graph, result = run("(x+sigmoid(y))/(sigmoid(x)+(x+y)**2)", x=3, y=-4)
    assert fixed(result.values[graph.output.id], 6) == "1.545645"
    assert {node.name: fixed(result.grads[node.id], 6) for node in graph.inputs} == {
        "x": "2.059570", "y": "1.592233"}


# ---------------------------------------------------------------------------------------------
# Whole expressions against SymPy's diff and against finite differences of the forward pass.
# Points are away from kinks (relu, abs, max/min ties) and inside the real domain.

EXPRESSIONS = [
    pytest.param("x*x", dict(x=3.0), id="square-by-fork"),
    pytest.param("x*y+x", dict(x=-1.5, y=2.0), id="fork-into-two-gates"),
    pytest.param("(x+y)*z", dict(x=-2.0, y=5.0, z=-4.0), id="figure-1"),
    pytest.param(FIGURE_2, FIGURE_2_INPUTS, id="figure-2"),
    pytest.param("2*(x*y + max(z,w))", dict(x=3.0, y=-4.0, z=2.0, w=-1.0), id="figure-3"),
    pytest.param("(x+sigmoid(y))/(sigmoid(x)+(x+y)**2)", dict(x=3.0, y=-4.0), id="staged"),
    pytest.param("log(x*y) - sqrt(x)/y", dict(x=2.5, y=1.3), id="log-sqrt"),
    pytest.param("sin(x)*cos(y) + tan(x*y)", dict(x=0.4, y=0.9), id="trigonometry"),
    pytest.param("tanh(x - 2*y) * relu(x + y)", dict(x=1.2, y=0.3), id="tanh-relu"),
    pytest.param("abs(x - y) / (1 + x**2)", dict(x=-0.7, y=1.1), id="abs-quotient"),
    pytest.param("min(x, y) * max(x*y, 1)", dict(x=2.0, y=3.0), id="min-max"),
    pytest.param("max(x, y) - min(x, y)", dict(x=-0.2, y=0.6), id="max-minus-min"),
    pytest.param("x**y", dict(x=1.7, y=2.3), id="variable-power"),
    pytest.param("2**x * x**3", dict(x=1.3), id="constant-base-and-exponent"),
    pytest.param("e**x - pi*x", dict(x=0.8), id="named-constants"),
    pytest.param("exp(sin(x))^2", dict(x=0.6), id="caret-nested"),
    pytest.param("sqrt(x*x + y*y)", dict(x=3.0, y=4.0), id="norm"),
    pytest.param("sigmoid(x*w + b)", dict(x=0.5, w=-1.2, b=0.3), id="neuron"),
    pytest.param("-x**2 + 3*x - 1/x", dict(x=1.7), id="polynomial-and-reciprocal"),
    pytest.param("x/y/z", dict(x=2.0, y=-3.0, z=0.5), id="left-associative-division"),
    pytest.param("x - y - z", dict(x=1.0, y=2.0, z=4.0), id="left-associative-subtraction"),
    pytest.param("log(1 + exp(x))", dict(x=-0.4), id="softplus"),
    pytest.param("relu(x)*relu(-x) + abs(x)", dict(x=0.9), id="relu-both-sides"),
    pytest.param("tan(x)/(x^2 + 1)^0.5", dict(x=0.3), id="fractional-power"),
    pytest.param("cos(x*y*z) + x*y*z", dict(x=0.5, y=-1.1, z=2.0), id="repeated-subexpression"),
    pytest.param("(x*(2*pi) + y*.5)**2", dict(x=0.1, y=-0.3), id="folded-constants"),
    pytest.param("x*(x*(x*(x+1)+1)+1)", dict(x=0.7), id="horner-nested-forks"),
    pytest.param("tanh(tanh(tanh(x)))*x", dict(x=0.35), id="deep-chain-with-fork"),
    pytest.param("x*1.5e-3 + exp(-x*x/2)/sqrt(2*pi)", dict(x=-0.8), id="gaussian"),
]


def test_the_expression_table_uses_every_function_of_numbers():
    used = {node.op for case in EXPRESSIONS for node in parse(case.values[0]).gates}
    elementwise = {name for name, op in FUNCTIONS.items() if op.elementwise}
    assert elementwise <= used, elementwise - used


def sympy_number(expression, point):
    value = expression.subs({sympy.Symbol(n, real=True): sympy.Float(v, 30) for n, v in point.items()})
    value = complex(sympy.N(value, 30))
    assert value.imag == 0, expression
    return value.real


@pytest.mark.parametrize("source, point", EXPRESSIONS)
def test_forward_value_matches_sympy(source, point):
    graph, result = run(source, **point)
    expected = sympy_number(node_expressions(graph)[graph.output.id], point)
    assert math.isclose(result.values[graph.output.id], expected, rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.parametrize("source, point", EXPRESSIONS)
def test_gradients_match_sympy_diff(source, point):
    graph, result = run(source, **point)
    for name, derivative in gradient_expressions(graph).items():
        (node,) = [node for node in graph.inputs if node.name == name]
        expected = sympy_number(derivative, point)
        got = result.grads[node.id]
        assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12), (
            f"d({source})/d{name} at {point}: got {got}, SymPy says {expected}")


@pytest.mark.parametrize("source, point", EXPRESSIONS)
def test_gradients_match_centred_finite_differences(source, point):
    graph, result = run(source, **point)

    def output(inputs):
        return evaluate(graph, inputs).values[graph.output.id]

    for node in graph.inputs:
        h = 1e-6 * max(1.0, abs(point[node.name]))
        up = {**point, node.name: point[node.name] + h}
        down = {**point, node.name: point[node.name] - h}
        estimate = (output(up) - output(down)) / (up[node.name] - down[node.name])
        got = result.grads[node.id]
        assert math.isclose(got, estimate, rel_tol=1e-5, abs_tol=1e-7), (
            f"d({source})/d{node.name} at {point}: got {got}, finite difference {estimate}")


# ---------------------------------------------------------------------------------------------
# Forks: gradients add up.

def test_x_times_x_gives_two_x_with_equal_branches():
    graph, result = run("x*x", x=3)
    (x,) = graph.inputs
    (gate,) = graph.gates
    assert result.grads[x.id] == 6.0
    assert result.wire_grads[(gate.id, 0)] == 3.0
    assert result.wire_grads[(gate.id, 1)] == 3.0


def test_x_times_y_plus_x_branches_show_their_own_share():
    graph, result = run("x*y+x", x=-1.5, y=2)
    x, y, product, total = graph.nodes
    assert result.wire_grads[(product.id, 0)] == 2.0  # through x*y: y
    assert result.wire_grads[(total.id, 1)] == 1.0  # straight into +
    assert result.grads[x.id] == 3.0


@pytest.mark.parametrize("source, point", EXPRESSIONS)
def test_each_nodes_gradient_is_the_sum_of_its_wire_gradients(source, point):
    graph, result = run(source, **point)
    for node_id, uses in graph.consumers().items():
        if node_id == graph.output.id:
            assert uses == () and result.grads[node_id] == 1.0
            continue
        branches = [result.wire_grads[use] for use in uses]
        assert math.isclose(sum(branches), result.grads[node_id], rel_tol=1e-12, abs_tol=1e-300)


def test_every_wire_has_a_gradient_and_every_node_a_value_and_gradient():
    graph, result = run(FIGURE_2, **FIGURE_2_INPUTS)
    ids = {node.id for node in graph.nodes}
    assert set(result.values) == ids and set(result.grads) == ids
    assert set(result.wire_grads) == {(gate.id, index) for gate in graph.gates for index, _ in gate.sources}


# ---------------------------------------------------------------------------------------------
# A zero upstream gradient contributes exactly zero, even into an infinite local derivative.

ZERO_UPSTREAM = [
    pytest.param("0*sqrt(x)", dict(x=0), "x", 0.0, id="zero-times-sqrt-at-0"),
    pytest.param("max(sqrt(x), y)", dict(x=0, y=1), "x", 0.0, id="max-routes-around-sqrt'(0)=inf"),
    pytest.param("max(log(x), y)", dict(x=0, y=1), "x", 0.0, id="max-routes-around-log'(0)=inf"),
    pytest.param("min(1/x, y)", dict(x=0, y=1), "x", 0.0, id="min-routes-around-1/0"),
    pytest.param("relu(sqrt(x) - 1)", dict(x=0), "x", 0.0, id="relu-blocks-sqrt'(0)"),
    pytest.param("sqrt(x)*0 + x", dict(x=0), "x", 1.0, id="fork-with-one-dead-branch"),
    pytest.param("2*(x*y + max(z,w))", dict(x=3, y=-4, z=2, w=-1), "w", 0.0, id="figure-3-loser"),
]


@pytest.mark.parametrize("source, inputs, name, expected", ZERO_UPSTREAM)
def test_zero_upstream_contributes_exactly_zero(source, inputs, name, expected):
    graph, result = run(source, **inputs)
    (node,) = [node for node in graph.inputs if node.name == name]
    assert result.grads[node.id] == expected
    for gate in graph.gates:
        if result.grads[gate.id] == 0.0:
            assert all(result.wire_grads[(gate.id, i)] == 0.0 for i, _ in gate.sources)


# ---------------------------------------------------------------------------------------------
# IEEE results: never an exception, a warning or a complex number. (value, {variable: grad});
# None where the policy fixes no number.

INF, NAN = math.inf, math.nan
IEEE = [
    pytest.param("1/x", dict(x=0), INF, dict(x=-INF), id="1/0=inf"),
    pytest.param("x/y", dict(x=0, y=0), NAN, None, id="0/0=nan"),
    pytest.param("log(x)", dict(x=-1), NAN, dict(x=-1.0), id="log(-1)=nan-slope-1/x"),
    pytest.param("log(x)", dict(x=0), -INF, dict(x=INF), id="log(0)=-inf"),
    pytest.param("sqrt(x)", dict(x=0), 0.0, dict(x=INF), id="sqrt'(0)=inf"),
    pytest.param("sqrt(x)", dict(x=-4), NAN, dict(x=NAN), id="sqrt(-4)=nan"),
    pytest.param("exp(x)", dict(x=1000), INF, dict(x=INF), id="exp(1000)=inf"),
    pytest.param("exp(x)-exp(x)", dict(x=1000), NAN, None, id="inf-minus-inf"),
    pytest.param("x**(1/3)", dict(x=-8), NAN, dict(x=NAN), id="(-8)**(1/3)=nan"),
    pytest.param("x**y", dict(x=0, y=2), 0.0, dict(x=0.0, y=0.0), id="0**2"),
    pytest.param("x**y", dict(x=0, y=0.5), 0.0, dict(x=INF, y=0.0), id="0**0.5"),
    pytest.param("x**y", dict(x=0, y=-1), INF, None, id="0**-1"),
    pytest.param("x**y", dict(x=0, y=0), 1.0, dict(x=0.0, y=0.0), id="0**0"),
    pytest.param("x**0", dict(x=0), 1.0, dict(x=0.0), id="x**0-at-0"),
    pytest.param("x/y", dict(x=1e300, y=1e200), 1e100, dict(x=1e-200, y=-1e-100), id="huge-quotient"),
    pytest.param("x/y", dict(x=1e-300, y=1e-200), 1e-100, dict(x=1e200, y=-1e100), id="tiny-quotient"),
    pytest.param("x**y", dict(x=-2, y=3), -8.0, None, id="negative-base-integer-exponent"),
    pytest.param("sigmoid(x)", dict(x=-1000), 0.0, dict(x=0.0), id="sigmoid(-1000)=0"),
    pytest.param("sigmoid(x)", dict(x=1000), 1.0, dict(x=0.0), id="sigmoid(1000)=1"),
    pytest.param("x*1e308*10", dict(x=1), INF, dict(x=INF), id="overflow"),
    pytest.param("relu(x)", dict(x=0), 0.0, dict(x=0.0), id="relu'(0)=0"),
    pytest.param("abs(x)", dict(x=0), 0.0, dict(x=0.0), id="abs'(0)=0"),
    pytest.param("max(x, y)", dict(x=1, y=1), 1.0, dict(x=0.5, y=0.5), id="max-tie"),
    pytest.param("min(x, y)", dict(x=1, y=1), 1.0, dict(x=0.5, y=0.5), id="min-tie"),
]


@pytest.mark.parametrize("source, inputs, value, grads", IEEE)
def test_ieee_results_without_exceptions_or_warnings(source, inputs, value, grads):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        graph, result = run(source, **inputs)
    for number in [*result.values.values(), *result.grads.values(), *result.wire_grads.values()]:
        assert type(number) is float, (source, number)
    assert same_number(result.values[graph.output.id], value)
    for name, expected in (grads or {}).items():
        (node,) = [node for node in graph.inputs if node.name == name]
        assert same_number(result.grads[node.id], expected), (name, result.grads[node.id])


# ---------------------------------------------------------------------------------------------
# Evaluation is pure.

def as_text(result):
    return repr((sorted(result.values.items()), sorted(result.grads.items()),
                 sorted(result.wire_grads.items())))


@pytest.mark.parametrize("source, inputs", [
    pytest.param(FIGURE_2, FIGURE_2_INPUTS, id="figure-2"),
    pytest.param("log(x)*sqrt(y)+x", dict(x=-1, y=0), id="with-nan-and-inf"),
])
def test_evaluation_is_pure(source, inputs):
    graph = parse(source)
    snapshot = copy.deepcopy(graph)
    given = dict(inputs)
    first = evaluate(graph, given)
    second = evaluate(graph, given)
    assert isinstance(first, Evaluation)
    assert as_text(first) == as_text(second)
    assert first.values is not second.values
    assert graph == snapshot
    assert given == inputs


def test_a_lone_variable_is_its_own_output_with_gradient_one():
    graph, result = run("x", x=2.5)
    assert graph.gates == ()
    assert result.values == {"n0": 2.5}
    assert result.grads == {"n0": 1.0}
    assert result.wire_grads == {}


FORWARD_MODE = [
    "(x+y)*z", "1/(1+exp(-(w0*x0+w1*x1+w2)))", "2*(x*y + max(z,w))", "x*x + sin(x*y)",
    "(x+sigmoid(y))/(sigmoid(x)+(x+y)**2)", "a = x*y; a*a + tanh(a)",
]


@pytest.mark.parametrize("source", FORWARD_MODE)
def test_forward_mode_at_the_output_equals_the_backward_gradient(source):
    graph = parse(source)
    point = {name: 0.7 - 0.45 * index for index, name in enumerate(graph.variables)}
    evaluation = evaluate(graph, point)
    for node in graph.inputs:
        tangents = forward_mode(graph, evaluation, node.name)
        assert tangents[node.id] == 1.0
        assert tangents[graph.output.id] == pytest.approx(evaluation.grads[node.id], rel=1e-12)


def test_forward_mode_skips_a_zero_tangent_through_an_infinite_slope():
    graph = parse("sqrt(x) + y")
    evaluation = evaluate(graph, {"x": 0.0, "y": 1.0})
    assert forward_mode(graph, evaluation, "y")[graph.output.id] == 1.0  # not 0 * inf = nan


# ---------------------------------------------------------------------------------------------
# Full precision through whole circuits: 1,000 seeded random expressions at random points, the
# backward pass against 50-digit mpmath. The oracle takes each gate's float64 inputs as the
# forward pass computed them (cancellation already in the values is not the backward pass's
# doing), takes every local gradient from mp_oracle, and does the chain rule exactly. Each input's
# gradient must be within 1e-12 of the sum of the absolute values of its chain-rule terms: that
# is 1e-12 relative wherever the branches of a fork do not cancel each other (and where they
# do, no float64 sum can promise more).

CIRCUIT_COUNT = 1000
CIRCUIT_PRECISION = 1e-12


@functools.cache
def circuit_cases(seed=2026, count=CIRCUIT_COUNT):
    """(expression, point) pairs whose values are finite and whose gates sit at no kink and no
    pole, so that every local gradient is a number to get right."""
    rng = random.Random(seed)
    cases = []
    while len(cases) < count:
        graph = random_circuit(rng, 2, 6)
        point = {name: rng.choice([rng.uniform(-3.0, 3.0), 10.0 ** rng.uniform(-8.0, 8.0)])
                 for name in graph.variables}
        if exact_backward(graph, evaluate(graph, point)) is not None:
            cases.append((graph.source, point))
    return cases


def exact_backward(graph, result):
    """{input name: (exact gradient, sum of |terms|)} in mpmath, or None where a value is not
    finite, a gate sits at its kink, or a local gradient is not a real number."""
    if not all(math.isfinite(value) for value in result.values.values()):
        return None
    with mpmath.workdps(mp_oracle.WORKING_DIGITS):
        grads = {graph.output.id: mpmath.mpf(1)}
        magnitudes = {graph.output.id: mpmath.mpf(1)}
        for node in reversed(graph.gates):
            operands = [arg.value if isinstance(arg, Const) else result.values[arg] for arg in node.args]
            kink = OPS[node.op].kink
            if kink is not None and kink(*operands) == 0.0:
                return None
            upstream, magnitude = grads.get(node.id, 0), magnitudes.get(node.id, 0)
            if upstream == 0:  # the evaluator's rule: a zero upstream gradient contributes 0
                continue
            locals_ = mp_oracle.local_gradients(node.op, operands)
            for index, source_id in node.sources:
                if locals_[index] is None:
                    return None
                grads[source_id] = grads.get(source_id, 0) + upstream * locals_[index]
                magnitudes[source_id] = magnitudes.get(source_id, 0) + abs(magnitude * locals_[index])
        return {node.name: (grads.get(node.id, mpmath.mpf(0)), magnitudes.get(node.id, mpmath.mpf(0)))
                for node in graph.inputs}


def circuit_error(source, point):
    """The largest error of an input's gradient, as a fraction of its terms' absolute sum."""
    graph = parse(source)
    result = evaluate(graph, point)
    worst = 0.0
    for node in graph.inputs:
        exact, magnitude = exact_backward(graph, result)[node.name]
        if magnitude == 0 or not mp_oracle.representable(magnitude):
            continue
        got = result.grads[node.id]
        error = math.inf if not math.isfinite(got) else float(abs(mpmath.mpf(got) - exact) / magnitude)
        worst = max(worst, error)
    return worst


def test_random_circuits_keep_full_precision_against_mpmath():
    cases = circuit_cases()
    errors = [(circuit_error(source, point), source, point) for source, point in cases]
    worst = max(errors)
    assert worst[0] <= CIRCUIT_PRECISION, worst


def test_the_random_circuits_use_every_elementwise_gate():
    used = {node.op for source, _ in circuit_cases() for node in parse(source).gates}
    assert used == {name for name, op in OPS.items() if op.elementwise}
