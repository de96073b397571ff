"""The gate table `graphlib.ops.OPS`: every gate's forward, local derivatives and SymPy formula
agree with each other, and the documented conventions and IEEE cases of CONVENTIONS §4 hold.

The tests iterate the table, so a gate added to `OPS` is checked without editing this file
(sample points for it default to `DEFAULT_POINTS`; add a row to `SAMPLE_POINTS` if its domain
needs other ones).
"""

import itertools
import random
import math
import warnings

import numpy as np
import pytest
import sympy

from graphlib.ops import CALLS, CONSTANTS, FUNCTIONS, INFIX_OPS, OPS, Op
import mp_oracle

# Points away from kinks (relu, abs, max/min ties) and singularities (tan at pi/2), and inside the
# real domain (log and sqrt need positive arguments, pow a positive base).
SAMPLE_POINTS = {
    "add": [(-2.0, 5.0), (0.3, -1.7), (3.0, 4.0)],
    "sub": [(-2.0, 5.0), (0.3, -1.7), (3.0, 4.0)],
    "mul": [(-2.0, 5.0), (0.3, -1.7), (3.0, 4.0)],
    "div": [(1.0, 2.0), (-3.0, 0.5), (2.5, -4.0)],
    "pow": [(2.0, 3.0), (0.5, 2.5), (3.0, -1.5), (1.7, 0.3)],
    "exp": [(-2.0,), (0.0,), (1.5,)],
    "log": [(0.1,), (1.0,), (5.0,)],
    "sqrt": [(0.25,), (2.0,), (9.0,)],
    "sin": [(-1.0,), (0.5,), (2.0,)],
    "cos": [(-1.0,), (0.5,), (2.0,)],
    "tan": [(-1.0,), (0.3,), (1.2,)],
    "tanh": [(-2.0,), (0.0,), (0.7,)],
    "sigmoid": [(-3.0,), (0.0,), (2.0,)],
    "relu": [(-1.5,), (0.5,), (3.0,)],
    "abs": [(-2.0,), (0.5,), (3.0,)],
    "max": [(1.0, 2.0), (3.0, -1.0), (-0.5, -0.7)],
    "min": [(1.0, 2.0), (3.0, -1.0), (-0.5, -0.7)],
}
# For a gate without a row: positive, away from 0 and 1, distinct arguments.
DEFAULT_POINTS = [(0.3, 0.8), (1.3, 2.1), (2.6, 0.45)]


def points_for(name):
    op = OPS[name]
    rows = SAMPLE_POINTS.get(name, [row[: op.arity] for row in DEFAULT_POINTS])
    return [tuple(row) for row in rows]


# The elementwise gates, each a function of numbers; the array gates are tests/test_arrays.py's.
ELEMENTWISE = [name for name, op in OPS.items() if op.elementwise]

SAMPLES = [
    pytest.param(name, point, id=f"{name}{point}".replace(" ", ""))
    for name in ELEMENTWISE
    for point in points_for(name)
]


def ieee(function, *args):
    """Call a gate function as the evaluator does: float64 arguments, numpy errors ignored,
    and any Python warning turned into a failure."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="ignore"):
            return function(*(np.float64(arg) for arg in args))


def forward(name, *args):
    return ieee(OPS[name].forward, *args)


def local_grads(name, *args):
    out = forward(name, *args)
    return ieee(OPS[name].local_grads, *args, out)


def symbols_for(op):
    return [sympy.Symbol(f"a{i}", real=True) for i in range(op.arity)]


def sympy_value(expression, symbols, point):
    value = expression.subs({s: sympy.Float(v, 30) for s, v in zip(symbols, point)})
    return complex(sympy.N(value, 30))


def same_number(got, expected, rel=1e-12, abs_tol=0.0):
    """Equal as IEEE numbers: nan matches nan, inf matches inf of the same sign."""
    got, expected = float(got), float(expected)
    if math.isnan(expected):
        return math.isnan(got)
    if math.isinf(expected):
        return got == expected
    return math.isclose(got, expected, rel_tol=rel, abs_tol=abs_tol)


def test_the_table_is_keyed_by_name_and_arities_are_one_or_two():
    assert OPS, "the gate table is empty"
    for name, op in OPS.items():
        assert isinstance(op, Op)
        assert op.name == name
        assert op.arity in (1, 2)
        assert op.elementwise != bool(op.vjp and op.jvp and op.shape), f"{name}: local_grads, or vjp, jvp and shape"


def test_sample_points_name_only_existing_gates():
    assert set(SAMPLE_POINTS) <= set(OPS)


def test_every_function_says_what_it_computes_for_the_help_and_the_readme():
    for name, op in FUNCTIONS.items():
        assert op.help, f"{name} has no help: the page's help and the README's list of functions show it"


@pytest.mark.parametrize("name, usage", [("exp", "exp(x)"), ("sigmoid", "sigmoid(x)"), ("max", "max(a, b)")])
def test_a_function_is_shown_as_typed_with_the_parameters_its_help_names(name, usage):
    assert OPS[name].usage == usage


def test_the_derived_tables_split_the_gates_into_functions_and_operators():
    overloads = {name for name, op in OPS.items() if op.typed_as}
    indexing = {name for name, op in OPS.items() if op.indexing}
    assert list(FUNCTIONS) == [name for name, op in OPS.items()
                               if op.infix is None and name not in overloads | indexing]
    assert {op.name for op in INFIX_OPS.values()} == set(OPS) - set(FUNCTIONS) - overloads - indexing
    assert INFIX_OPS["**"] is OPS["pow"]
    assert INFIX_OPS["@"] is OPS["matmul"]


@pytest.mark.parametrize("typed, arity, name", [("sum", 1, "sum"), ("sum", 2, "sum_axis"), ("max", 2, "max"),
                                                ("max", 1, "amax"), ("transpose", 1, "transpose")])
def test_a_function_name_with_one_or_two_arguments_names_two_gates(typed, arity, name):
    assert CALLS[(typed, arity)] is OPS[name]


def test_the_named_constants_are_exact_and_read_as_float64_as_the_maths_module_has_them():
    assert CONSTANTS == {"pi": sympy.pi, "e": sympy.E}
    assert float(CONSTANTS["pi"]) == math.pi
    assert float(CONSTANTS["e"]) == math.e


@pytest.mark.parametrize("name, point", SAMPLES)
def test_local_grads_match_sympy_diff_of_the_formula(name, point):
    op = OPS[name]
    symbols = symbols_for(op)
    formula = op.formula(*symbols)
    grads = local_grads(name, *point)
    assert len(grads) == op.arity
    for index, symbol in enumerate(symbols):
        expected = sympy_value(sympy.diff(formula, symbol), symbols, point)
        assert expected.imag == 0
        assert same_number(grads[index], expected.real, rel=1e-9, abs_tol=1e-12), (
            f"d {name} / d input {index} at {point}: got {grads[index]}, SymPy says {expected.real}"
        )


@pytest.mark.parametrize("name, point", SAMPLES)
def test_local_grads_match_centred_finite_differences_of_forward(name, point):
    grads = local_grads(name, *point)
    for index in range(len(point)):
        h = 1e-6 * max(1.0, abs(point[index]))
        up = list(point)
        down = list(point)
        up[index] += h
        down[index] -= h
        estimate = (forward(name, *up) - forward(name, *down)) / (up[index] - down[index])
        assert math.isclose(grads[index], estimate, rel_tol=1e-6, abs_tol=1e-8), (
            f"d {name} / d input {index} at {point}: got {grads[index]}, finite difference {estimate}"
        )


@pytest.mark.parametrize("name, point", SAMPLES)
def test_forward_matches_the_sympy_formula(name, point):
    op = OPS[name]
    symbols = symbols_for(op)
    expected = sympy_value(op.formula(*symbols), symbols, point)
    assert expected.imag == 0
    assert same_number(forward(name, *point), expected.real, rel=1e-12, abs_tol=1e-300)


# Documented conventions (CONVENTIONS §4, ops.CONVENTIONS) and IEEE results: (gate, inputs, forward,
# local derivatives). None means "not specified here".
INF, NAN = math.inf, math.nan
CONVENTIONS = [
    pytest.param("relu", (0.0,), 0.0, (0.0,), id="relu'(0)=0"),
    pytest.param("abs", (0.0,), 0.0, (0.0,), id="abs'(0)=0"),
    pytest.param("max", (2.0, 2.0), 2.0, (0.5, 0.5), id="max-tie-splits-evenly"),
    pytest.param("min", (-1.0, -1.0), -1.0, (0.5, 0.5), id="min-tie-splits-evenly"),
    pytest.param("max", (3.0, -1.0), 3.0, (1.0, 0.0), id="max-routes-to-winner"),
    pytest.param("min", (3.0, -1.0), -1.0, (0.0, 1.0), id="min-routes-to-winner"),
    pytest.param("sqrt", (0.0,), 0.0, (INF,), id="sqrt'(0)=inf"),
    pytest.param("sqrt", (-1.0,), NAN, (NAN,), id="sqrt(-1)=nan"),
    pytest.param("log", (-1.0,), NAN, (-1.0,), id="log(-1)=nan-with-slope-1/x"),
    pytest.param("log", (0.0,), -INF, (INF,), id="log(0)=-inf"),
    pytest.param("div", (1.0, 0.0), INF, (INF, -INF), id="1/0=inf"),
    pytest.param("div", (-1.0, 0.0), -INF, (INF, INF), id="-1/0=-inf"),
    pytest.param("div", (0.0, 0.0), NAN, None, id="0/0=nan"),
    pytest.param("exp", (1000.0,), INF, (INF,), id="exp(1000)=inf"),
    pytest.param("exp", (-1000.0,), 0.0, (0.0,), id="exp(-1000)=0"),
    pytest.param("pow", (-8.0, 1.0 / 3.0), NAN, (NAN, NAN), id="(-8)**(1/3)=nan"),
    pytest.param("pow", (0.0, 2.0), 0.0, (0.0, 0.0), id="0**2=0-with-zero-slopes"),
    pytest.param("pow", (0.0, 0.5), 0.0, (INF, 0.0), id="0**0.5=0-base-slope-inf"),
    pytest.param("pow", (10.0, 400.0), INF, None, id="10**400=inf"),
    pytest.param("sigmoid", (-1000.0,), 0.0, (0.0,), id="sigmoid(-1000)=0"),
    pytest.param("sigmoid", (1000.0,), 1.0, (0.0,), id="sigmoid(1000)=1"),
    pytest.param("tanh", (1000.0,), 1.0, (0.0,), id="tanh(1000)=1"),
    pytest.param("pow", (0.0, 0.0), 1.0, (0.0, 0.0), id="0**0=1-with-zero-slopes"),
    pytest.param("pow", (3.0, 0.0), 1.0, (0.0, math.log(3.0)), id="x**0-has-slope-0-in-x"),
    pytest.param("pow", (0.0, -1.0), INF, (-INF, -INF), id="0**-1=inf"),
    pytest.param("div", (1e300, 1e200), 1e100, (1e-200, -1e-100), id="huge-quotient-slope"),
    pytest.param("div", (1e-300, 1e-200), 1e-100, (1e200, -1e100), id="tiny-quotient-slope"),
    # nan in, as PyTorch: relu and max pass the gradient (nan is not <= 0, not < 1), abs blocks it.
    pytest.param("relu", (NAN,), NAN, (1.0,), id="relu(nan)=nan-passes-gradient"),
    pytest.param("abs", (NAN,), NAN, (0.0,), id="abs(nan)=nan-slope-0"),
    pytest.param("max", (NAN, 1.0), NAN, (1.0, 1.0), id="max(nan,1)=nan-passes-to-both"),
    pytest.param("min", (NAN, 1.0), NAN, (1.0, 1.0), id="min(nan,1)=nan-passes-to-both"),
]


@pytest.mark.parametrize("name, args, expected_out, expected_grads", CONVENTIONS)
def test_conventions_and_ieee_results(name, args, expected_out, expected_grads):
    out = forward(name, *args)
    assert same_number(out, expected_out), f"{name}{args} = {out}, expected {expected_out}"
    if expected_grads is not None:
        grads = local_grads(name, *args)
        assert len(grads) == len(expected_grads)
        for got, expected in zip(grads, expected_grads):
            assert same_number(got, expected), f"{name}'{args} = {grads}, expected {expected_grads}"


SPECIAL_VALUES = [-INF, -1000.0, -8.0, -1.0, -0.5, -0.0, 0.0, 1.0 / 3.0, 0.5, 1.0, 2.0, 1000.0, INF, NAN]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_never_an_exception_a_warning_or_a_complex_number(name):
    """Every gate on every combination of awkward float64 inputs gives real float64 numbers."""
    op = OPS[name]
    for args in itertools.product(SPECIAL_VALUES, repeat=op.arity):
        out = forward(name, *args)
        grads = local_grads(name, *args)
        for number in (out, *grads):
            assert not isinstance(number, complex) and not np.iscomplexobj(number), (name, args)
            assert isinstance(float(number), float), (name, args)


# Op.label: the text in the circle, as the lecture writes it. `constants[i]` is operand i's typed
# text when it is a constant, None when it is a wire.
LABELS = [
    pytest.param("mul", [None, "-1"], "*-1", id="negation"),
    pytest.param("add", [None, "1"], "+1", id="x+1"),
    pytest.param("add", ["1", None], "+1", id="1+x-commutes"),
    pytest.param("div", ["1", None], "1/x", id="reciprocal"),
    pytest.param("mul", ["2", None], "*2", id="2*x-commutes"),
    pytest.param("mul", [None, "2"], "*2", id="x*2"),
    pytest.param("pow", [None, "2"], "**2", id="square"),
    pytest.param("pow", ["2", None], "2**x", id="2**x"),
    pytest.param("sub", ["2", None], "2-x", id="2-x-keeps-order"),
    pytest.param("sub", [None, "1.5e-3"], "-1.5e-3", id="x-1.5e-3"),
    pytest.param("div", [None, "2"], "/2", id="x/2"),
    pytest.param("mul", [None, "pi"], "*pi", id="named-constant"),
    pytest.param("max", [None, "0"], "max(x,0)", id="max(x,0)"),
    pytest.param("min", ["0", None], "min(0,x)", id="min(0,x)"),
    pytest.param("mul", [None, "2*pi"], "*(2*pi)", id="bracketed-non-atomic-constant"),
    pytest.param("sub", ["(1+2)", None], "((1+2))-x", id="typed-brackets-kept-and-bracketed"),
    pytest.param("add", [None, None], "+", id="wires-only-infix"),
    pytest.param("mul", [None, None], "*", id="wires-only-mul"),
    pytest.param("exp", [None], "exp", id="wires-only-function"),
    pytest.param("max", [None, None], "max", id="wires-only-max"),
]


@pytest.mark.parametrize("name, constants, expected", LABELS)
def test_label(name, constants, expected):
    assert OPS[name].label(constants) == expected


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_label_without_constants_is_the_operator_or_the_function_name(name):
    op = OPS[name]
    assert op.label([None] * op.arity) == (op.infix or op.typed_name)


# ---------------------------------------------------------------------------------------------
# Full float64 precision: every gate's local gradients at float64 inputs, against 50-digit
# mpmath (tests/mp_oracle.py), to 1e-12 relative wherever the gate's value and the true slope are
# normal float64 numbers (subnormal or overflowing answers cannot carry 12 digits). The inputs
# mix every magnitude float64 has, moderate numbers, and the saturated ends of sigmoid and tanh.

PRECISION_POINTS = 3000
PRECISION = 1e-12


def precision_sample(rng):
    kind = rng.random()
    if kind < 0.35:
        magnitude = 10.0 ** rng.uniform(-300.0, 300.0)
    elif kind < 0.7:
        magnitude = rng.uniform(0.0, 60.0)
    else:
        magnitude = rng.uniform(0.0, 3.0)
    return magnitude if rng.random() < 0.5 else -magnitude


def precision_cases(name, seed=12):
    rng = random.Random(f"{name}-{seed}")
    return [tuple(precision_sample(rng) for _ in range(OPS[name].arity)) for _ in range(PRECISION_POINTS)]


def worst_relative_error(name):
    """The largest relative error of the gate's local gradients over its precision cases, with
    the operands where it occurs, and how many gradients were compared."""
    op = OPS[name]
    worst, where, compared = 0.0, None, 0
    for operands in precision_cases(name):
        out = forward(name, *operands)
        if not math.isfinite(out) or (op.kink and op.kink(*operands) == 0.0):
            continue
        for got, true in zip(local_grads(name, *operands), mp_oracle.local_gradients(name, operands)):
            if true is None or not mp_oracle.representable(true):
                continue
            compared += 1
            error = mp_oracle.relative_error(float(got), true)
            if error > worst:
                worst, where = error, operands
    return worst, where, compared


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_local_gradients_keep_full_precision_against_mpmath(name):
    worst, where, compared = worst_relative_error(name)
    assert compared > PRECISION_POINTS // 3, f"{name}: only {compared} gradients compared"
    assert worst <= PRECISION, f"{name}'{where}: relative error {worst:.3g}"


SATURATED = [
    pytest.param("sigmoid", (20.0,), id="sigmoid-at-20"),
    pytest.param("sigmoid", (40.0,), id="sigmoid-at-40"),
    pytest.param("sigmoid", (-40.0,), id="sigmoid-at-minus-40"),
    pytest.param("sigmoid", (700.0,), id="sigmoid-at-700"),
    pytest.param("tanh", (10.0,), id="tanh-at-10"),
    pytest.param("tanh", (20.0,), id="tanh-at-20"),
    pytest.param("tanh", (-300.0,), id="tanh-at-minus-300"),
    pytest.param("div", (1e300, 1e200), id="huge-quotient"),
    pytest.param("div", (1e-300, 1e-200), id="tiny-quotient"),
    pytest.param("pow", (1e-100, 2.5), id="tiny-base"),
    pytest.param("pow", (1e50, -2.5), id="huge-base-negative-exponent"),
]


@pytest.mark.parametrize("name, operands", SATURATED)
def test_the_reported_losses_of_precision_are_gone(name, operands):
    for got, true in zip(local_grads(name, *operands), mp_oracle.local_gradients(name, operands)):
        assert mp_oracle.relative_error(float(got), true) <= PRECISION, (name, operands, got, true)
