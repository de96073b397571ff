"""Gradient check (issue 4): centred finite differences against the backward pass, the relative
error, the cs231n verdicts, and the warning for inputs at or near a kink."""

import dataclasses
import math

import numpy as np
import pytest

from graphlib.gradcheck import ENTRIES_PER_ARRAY, GradientCheck, check_gradients, relative_error, sampled_entries, verdict
from graphlib.ops import OPS
from graphlib.parse import parse


def checks(source, **point):
    return {check.name: check for check in check_gradients(parse(source), point)}


# ---------------------------------------------------------------------------------------------
# The golden circuits of CONVENTIONS §2: the backward pass is right, so every input is "good".

GOLDEN = [
    pytest.param("(x+y)*z", dict(x=-2, y=5, z=-4), id="figure-1"),
    pytest.param("1/(1+exp(-(w0*x0+w1*x1+w2)))", dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3), id="figure-2"),
    pytest.param("2*(x*y + max(z,w))", dict(x=3, y=-4, z=2, w=-1), id="figure-3"),
    pytest.param("(x+sigmoid(y))/(sigmoid(x)+(x+y)**2)", dict(x=3, y=-4), id="staged-sigmoid-example"),
]


@pytest.mark.parametrize("source, point", GOLDEN)
def test_golden_circuits_are_good_for_every_input(source, point):
    result = checks(source, **point)
    assert list(result) == list(point)
    for name, check in result.items():
        assert check.verdict == "good", check
        assert check.relative_error < 1e-7
        assert (check.kinks, check.warning) == ((), "")
        assert check.value == point[name]


def test_the_analytic_gradient_is_the_backward_pass_and_the_numeric_one_the_centred_difference():
    (check,) = check_gradients(parse("x*x*x"), {"x": 1.0}, h=1e-3)
    assert check.analytic == 3.0
    # ((1+h)^3 - (1-h)^3) / 2h = 3 + h^2, up to rounding.
    assert math.isclose(check.numeric, 3.0 + 1e-6, rel_tol=1e-9)
    assert math.isclose(check.relative_error, 1e-6 / (3.0 + 1e-6), rel_tol=1e-6)
    assert check.verdict == "ok near kinks"


def test_results_are_immutable_and_in_the_graphs_input_order():
    result = check_gradients(parse("y*x + z"), {"x": 1.0, "y": 2.0, "z": 3.0})
    assert isinstance(result, tuple) and [check.name for check in result] == ["y", "x", "z"]
    assert all(isinstance(check, GradientCheck) for check in result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result[0].verdict = "good"


# ---------------------------------------------------------------------------------------------
# A wrong derivative rule is caught: each row swaps in a broken local gradient for one gate.

WRONG_RULES = [
    pytest.param("sin", lambda a, out: (-np.cos(a),), "sin(x) * y", dict(x=0.4, y=2.0), "x",
                 id="sin-slope-sign"),
    pytest.param("mul", lambda a, b, out: (a, b), "x * y", dict(x=0.5, y=3.0), "x",
                 id="mul-not-swapped"),
    pytest.param("div", lambda a, b, out: (1.0 / b, a / (b * b)), "x / y", dict(x=1.0, y=2.0), "y",
                 id="div-slope-sign"),
    pytest.param("sigmoid", lambda a, out: (out,), "sigmoid(x)", dict(x=0.3), "x",
                 id="sigmoid-forgets-1-minus"),
    pytest.param("exp", lambda a, out: (2 * out,), "exp(x) + x", dict(x=0.3), "x",
                 id="exp-doubled"),
]


@pytest.mark.parametrize("op, local_grads, source, point, name", WRONG_RULES)
def test_a_wrong_derivative_rule_is_judged_wrong(monkeypatch, op, local_grads, source, point, name):
    monkeypatch.setitem(OPS, op, dataclasses.replace(OPS[op], local_grads=local_grads))
    check = checks(source, **point)[name]
    assert check.verdict == "wrong", check
    assert check.relative_error > 1e-2


# ---------------------------------------------------------------------------------------------
# The thresholds of the cs231n notes; an error equal to a bound gets the better verdict.

VERDICTS = [
    (0.0, "good"),
    (1e-12, "good"),
    (1e-7, "good"),
    (2e-7, "ok near kinks"),
    (1e-5, "ok near kinks"),
    (1e-4, "ok near kinks"),
    (2e-4, "suspicious"),
    (1e-3, "suspicious"),
    (1e-2, "suspicious"),
    (2e-2, "wrong"),
    (1.0, "wrong"),
    (2.0, "wrong"),
    (math.inf, "wrong"),
    (math.nan, "undefined"),
]


@pytest.mark.parametrize("error, expected", VERDICTS)
def test_verdict_thresholds(error, expected):
    assert verdict(error) == expected


INF, NAN = math.inf, math.nan
RELATIVE_ERRORS = [
    pytest.param(0.0, 0.0, 0.0, id="both-zero"),
    pytest.param(1.5, 1.5, 0.0, id="equal"),
    pytest.param(1.0, 0.0, 1.0, id="numeric-zero"),
    pytest.param(0.0, -1.0, 1.0, id="analytic-zero"),
    pytest.param(2.0, 1.0, 0.5, id="twice"),
    pytest.param(-1.0, 1.0, 2.0, id="opposite-signs"),
    pytest.param(1e308, -1e308, 2.0, id="opposite-huge-without-overflow"),
    pytest.param(INF, INF, 0.0, id="same-infinity"),
    pytest.param(INF, 1.0, 1.0, id="infinite-against-finite"),
    pytest.param(-5.0, -INF, 1.0, id="finite-against-infinite"),
    pytest.param(INF, -INF, 2.0, id="opposite-infinities"),
    pytest.param(NAN, 1.0, NAN, id="analytic-nan"),
    pytest.param(1.0, NAN, NAN, id="numeric-nan"),
]


@pytest.mark.parametrize("analytic, numeric, expected", RELATIVE_ERRORS)
def test_relative_error(analytic, numeric, expected):
    got = relative_error(analytic, numeric)
    assert math.isnan(got) if math.isnan(expected) else got == expected


def test_non_finite_gradients_are_undefined_not_an_exception():
    # sqrt'(0) = inf, while sqrt(0 - h) is nan: nothing to compare.
    (check,) = check_gradients(parse("sqrt(x)"), {"x": 0.0})
    assert (check.analytic, math.isnan(check.numeric), check.verdict) == (INF, True, "undefined")


def test_a_step_lost_to_rounding_gives_no_estimate():
    # At 1e12 the floats are 1.2e-4 apart: x + 1e-5 rounds back to x.
    (check,) = check_gradients(parse("x*2"), {"x": 1e12})
    assert math.isnan(check.numeric) and check.verdict == "undefined"


# ---------------------------------------------------------------------------------------------
# Kinks: the input is at or near (within two steps of) a kink of a gate it feeds.

KINKS = [
    pytest.param("relu(x)", dict(x=0.0), {"x": ["relu(x)"]}, id="relu-at-0"),
    pytest.param("relu(x)", dict(x=1e-5), {"x": ["relu(x)"]}, id="relu-one-step-away"),
    pytest.param("relu(x)", dict(x=1.9e-5), {"x": ["relu(x)"]}, id="relu-within-two-steps"),
    pytest.param("relu(x)", dict(x=2.1e-5), {"x": []}, id="relu-beyond-two-steps"),
    pytest.param("relu(x)", dict(x=1e-3), {"x": []}, id="relu-far"),
    pytest.param("abs(x)", dict(x=0.0), {"x": ["abs(x)"]}, id="abs-at-0"),
    pytest.param("max(x, y)", dict(x=1.0, y=1.0), {"x": ["max(x, y)"], "y": ["max(x, y)"]}, id="max-tie"),
    pytest.param("min(x, y)", dict(x=1.0, y=1.0), {"x": ["min(x, y)"], "y": ["min(x, y)"]}, id="min-tie"),
    pytest.param("max(x, y)", dict(x=1.0, y=1.0 + 1e-5), {"x": ["max(x, y)"], "y": ["max(x, y)"]},
                 id="max-near-tie"),
    pytest.param("max(x, y)", dict(x=1.0, y=1.001), {"x": [], "y": []}, id="max-no-tie"),
    pytest.param("max(x, 2)", dict(x=2.0), {"x": ["max(x, 2)"]}, id="max-tie-with-constant"),
    # Steps are measured along the input: 1000*x is 1e-3 from the kink but moves 1e-2 a step.
    pytest.param("relu(1000*x)", dict(x=1e-6), {"x": ["relu(1000*x)"]}, id="kink-behind-a-steep-wire"),
    pytest.param("relu(x/1000)", dict(x=1e-3), {"x": []}, id="far-behind-a-flat-wire"),
    # Only gates the input feeds: y does not feed relu(x).
    pytest.param("relu(x) + y", dict(x=0.0, y=1.0), {"x": ["relu(x)"], "y": []}, id="only-what-it-feeds"),
    pytest.param("exp(relu(x - y)) * z", dict(x=1.0, y=1.0, z=2.0),
                 {"x": ["relu(x - y)"], "y": ["relu(x - y)"], "z": []}, id="kink-deep-inside"),
    pytest.param("2*(x*y + max(z,w))", dict(x=3, y=-4, z=2, w=-1), {"x": [], "y": [], "z": [], "w": []},
                 id="figure-3"),
]


@pytest.mark.parametrize("source, point, expected", KINKS)
def test_kink_warnings(source, point, expected):
    graph = parse(source)
    result = {check.name: check for check in check_gradients(graph, point)}
    for name, gates in expected.items():
        check = result[name]
        assert [graph.text(graph.node(node_id)) for node_id in check.kinks] == gates
        if gates:
            assert check.warning.startswith(f"{name} is at or near a kink of {', '.join(gates)}")
        else:
            assert check.warning == ""


def test_relu_at_zero_is_flagged_although_its_verdict_looks_wrong():
    # relu'(0) = 0 by convention, while the centred difference sees half a slope: 0.5.
    check = checks("relu(x)", x=0.0)["x"]
    assert (check.analytic, check.verdict) == (0.0, "wrong")
    assert math.isclose(check.numeric, 0.5)
    assert "not the derivative" in check.warning


# ---------------------------------------------------------------------------------------------
# Vectors and matrices: a few entries of each, drawn as the notes' grad_check_sparse draws them.

W32 = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]
TENSORS = [
    pytest.param("sum((X @ W - Y)**2)",
                 dict(X=[[1, 2, 3], [4, 5, 6], [0.5, -1, 2], [-2, 0, 1]], W=W32, Y=[[1, 0], [0, 1], [1, 1], [-1, 2]]),
                 id="gallery-linear-least-squares"),
    pytest.param("sum((W2 @ relu(W1 @ x + b1) + b2 - y)**2)",
                 dict(W1=W32, x=[1, -2], b1=[0, 0.1, 0.2], W2=[[1, 2, 3], [-1, 0, 1]], b2=[0.5, -0.5], y=[1, 2]),
                 id="gallery-two-layer-net"),
    pytest.param("-log_softmax(W @ x + b)[2]", dict(W=W32, x=[1, -2], b=[0, 0.1, 0.2]), id="gallery-softmax"),
    pytest.param("s = W @ x; sum(relu(s - s[1] + 1)) - 1", dict(W=W32, x=[1, -2]), id="gallery-svm"),
    pytest.param("logsumexp(W.T @ v) + mean(W) * c + max(sum(W, 1))", dict(W=W32, v=[0.5, -1, 2], c=3.0),
                 id="every-array-gate-and-a-number"),
]


def as_arrays(point):
    return {name: np.array(value, dtype=np.float64) if isinstance(value, list) else float(value)
            for name, value in point.items()}


@pytest.mark.parametrize("source, point", TENSORS)
def test_sampled_entries_of_every_array_are_good(source, point):
    graph = parse(source)
    point = as_arrays(point)
    result = check_gradients(graph, point)
    expected = [name + (f"[{','.join(map(str, entry))}]" if entry else "")
                for name in graph.variables for entry in sampled_entries(name, np.shape(point[name]))]
    assert [check.name for check in result] == expected
    for check in result:
        assert check.verdict == "good" and check.relative_error < 1e-7, check
        variable, _, entry = check.name.partition("[")
        if entry:
            assert check.value == point[variable][tuple(int(index) for index in entry.rstrip("]").split(","))]


def test_entries_are_a_few_per_array_drawn_the_same_way_every_time():
    assert sampled_entries("x", ()) == [()]
    assert sampled_entries("v", (3,)) == [(0,), (1,), (2,)]  # a small array: every entry
    assert sampled_entries("W", (2, 2)) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    drawn = sampled_entries("W", (8, 8))
    assert len(drawn) == ENTRIES_PER_ARRAY == len(set(drawn)) and drawn == sorted(drawn)
    assert drawn == sampled_entries("W", (8, 8))  # the same draw, request after request
    assert sampled_entries("V", (8, 8)) != drawn  # each variable its own


def test_an_array_entry_moved_is_that_entry_alone():
    # d/dv[1] of v[0] * v[1] is v[0]: one entry moved at a time, as grad_check_sparse moves it.
    result = check_gradients(parse("v[0] * v[1] + sum(v)"), {"v": np.array([3.0, -2.0])})
    assert [(check.name, check.analytic) for check in result] == [("v[0]", -1.0), ("v[1]", 4.0)]
    assert all(check.verdict == "good" for check in result)


def test_a_wrong_array_rule_is_judged_wrong(monkeypatch):
    # dx = W @ dh instead of W.T @ dh: the shapes of W (2, 2) let it run, the numbers are wrong.
    def transposed_wrong(upstream, a, b, out):
        return np.outer(upstream, b), a @ upstream
    monkeypatch.setitem(OPS, "matmul", dataclasses.replace(OPS["matmul"], vjp=transposed_wrong))
    result = check_gradients(parse("sum((W @ x)**2)"), as_arrays(dict(W=[[1, 2], [3, 4]], x=[0.5, -1])))
    assert {check.name: check.verdict for check in result}["x[0]"] == "wrong"


def test_an_array_entry_near_a_kink_is_warned_of_and_only_the_entries_it_moves():
    graph = parse("sum(relu(v))")
    result = {check.name: check for check in check_gradients(graph, {"v": np.array([0.0, 2.0])})}
    assert result["v[0]"].kinks == (graph.gates[0].id,) and "v[0] is at or near a kink" in result["v[0]"].warning
    # v[1] moves only the entry at 2, far from its kink; v[0]'s entry at 0 is not moved by it.
    assert result["v[1]"].kinks == () and result["v[1]"].verdict == "good"


@pytest.mark.parametrize("entries, warned", [
    ([1.0, 1.000001], {"v[0]", "v[1]"}),  # a near tie: each of the two largest moves the winner
    ([1.0, 1.000001, -3.0], {"v[0]", "v[1]"}),  # the smallest entry moves no tie
    ([1.0, 2.0], set()),  # a clear winner: no kink within reach
    ([3.0], set()),  # one entry never ties
])
def test_max_of_a_vector_warns_of_a_near_tie_of_its_largest_entries(entries, warned):
    """max(v)'s kink is a tie of its two largest entries, as max(a, b)'s is a tie of a and b."""
    graph = parse("max(v)")
    result = check_gradients(graph, {"v": np.array(entries)})
    assert {check.name for check in result if check.kinks} == warned
    assert all(check.verdict == "good" for check in result if not check.kinks)
