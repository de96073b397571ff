"""Staged code: the generated Python, which imports only numpy, and the generated PyTorch
program, run here in the test process, reproduce the evaluator's output and every input's
gradient: for a table of expressions that uses every gate, forks, constants and nesting, for the
lecture's golden circuits, for the evaluator's conventions at kinks, poles and outside the
domain, and for random expressions of the grammar at tame and at wild points; and for circuits of
vectors and matrices (the gallery's networks, every array gate, broadcasting, forks, ties, inf),
whose array gates are written as the lecture's rules. The staged Python agrees bit for bit and
never raises. Nothing outside the tests ever runs generated code."""

import ast
import math
import pathlib
import random
import re

import numpy as np
import pytest

from graphlib.codegen import HELPERS, PYTHON_GATES, TORCH_GATES, chain_rules, program_names, pytorch_code, staged_python
from graphlib.evaluate import evaluate
from graphlib.gatecode import ArrayGate
from graphlib.graph import Const, Graph, Node
from graphlib.gradcheck import KINKS
from graphlib.ops import OPS
from graphlib.parse import parse
from random_circuits import random_circuit, wild_point
from random_tensor_circuits import random_point, random_tensor_circuit

FIGURE_1 = "(x+y)*z"
FIGURE_2 = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
FIGURE_2_INPUTS = dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
FIGURE_3 = "2*(x*y + max(z,w))"
STAGED = "(x+sigmoid(y))/(sigmoid(x)+(x+y)**2)"

# ---------------------------------------------------------------------------------------------
# The expressions, each at a point away from kinks and singularities (checked below).

TABLE = [
    # every gate alone
    pytest.param("x + y", dict(x=0.3, y=-1.2), id="add"),
    pytest.param("x - y", dict(x=0.3, y=-1.2), id="sub"),
    pytest.param("x * y", dict(x=0.3, y=-1.2), id="mul"),
    pytest.param("x / y", dict(x=0.3, y=-1.2), id="div"),
    pytest.param("x ** y", dict(x=1.7, y=2.3), id="pow"),
    pytest.param("x ^ 3", dict(x=-1.4), id="caret-negative-base"),
    pytest.param("exp(x)", dict(x=0.8), id="exp"),
    pytest.param("log(x)", dict(x=2.5), id="log"),
    pytest.param("sqrt(x)", dict(x=2.5), id="sqrt"),
    pytest.param("sin(x)", dict(x=0.4), id="sin"),
    pytest.param("cos(x)", dict(x=0.4), id="cos"),
    pytest.param("tan(x)", dict(x=0.4), id="tan"),
    pytest.param("tanh(x)", dict(x=0.4), id="tanh"),
    pytest.param("sigmoid(x)", dict(x=-0.6), id="sigmoid"),
    pytest.param("relu(x)", dict(x=0.7), id="relu-open"),
    pytest.param("relu(x)", dict(x=-0.7), id="relu-closed"),
    pytest.param("abs(x)", dict(x=-1.3), id="abs"),
    pytest.param("max(x, y)", dict(x=0.3, y=-1.2), id="max"),
    pytest.param("min(x, y)", dict(x=0.3, y=-1.2), id="min"),
    # constants on either side, negative constants, named constants, folding
    pytest.param("2 - x", dict(x=0.6), id="constant-minus"),
    pytest.param("x - 2", dict(x=0.6), id="minus-constant"),
    pytest.param("x - -2", dict(x=0.6), id="minus-negative-constant"),
    pytest.param("2 / x", dict(x=0.6), id="constant-over"),
    pytest.param("x / 2", dict(x=0.6), id="over-constant"),
    pytest.param("1 / x", dict(x=1.37), id="reciprocal"),
    pytest.param("-1 / x", dict(x=1.37), id="negative-reciprocal"),
    pytest.param("2 ** x", dict(x=0.6), id="constant-base"),
    pytest.param("x ** 0.5", dict(x=0.6), id="fractional-exponent"),
    pytest.param("x ** -1", dict(x=0.6), id="negative-exponent"),
    pytest.param("-x", dict(x=0.6), id="negate"),
    pytest.param("-(x + y)", dict(x=0.6, y=0.1), id="negate-sum"),
    pytest.param("x + 1", dict(x=0.6), id="plus-one"),
    pytest.param("-2 * x", dict(x=0.6), id="negative-factor"),
    pytest.param("max(x, 0)", dict(x=0.6), id="max-constant"),
    pytest.param("min(1, x)", dict(x=0.6), id="constant-min"),
    pytest.param("pi * x + e", dict(x=0.6), id="named-constants"),
    pytest.param("1.5e-3 * x", dict(x=0.6), id="exponent-notation"),
    pytest.param("x * (2 * pi)", dict(x=0.6), id="folded-constant"),
    # forks: gradients add up
    pytest.param("x * x", dict(x=3.0), id="square-by-fork"),
    pytest.param("x * y + x", dict(x=-1.5, y=2.0), id="fork-into-two-gates"),
    pytest.param("x + x + x", dict(x=0.7), id="three-way-fork"),
    pytest.param("(x + y) * (x - y)", dict(x=0.7, y=0.2), id="two-forks"),
    pytest.param("x ** x", dict(x=1.3), id="fork-into-base-and-exponent"),
    pytest.param("max(x, x * y)", dict(x=0.7, y=0.5), id="fork-into-max"),
    pytest.param("sigmoid(x) * (1 - sigmoid(x))", dict(x=0.3), id="sigmoid-slope"),
    pytest.param("exp(x) / (1 + exp(x))", dict(x=-0.3), id="logistic-by-hand"),
    pytest.param("x * (x * (x * (x + 1) + 1) + 1)", dict(x=0.7), id="horner-nested-forks"),
    pytest.param("cos(x * y * z) + x * y * z", dict(x=0.5, y=-1.1, z=2.0), id="repeated-subexpression"),
    pytest.param("log(x) * sqrt(x) + x", dict(x=1.9), id="log-sqrt-fork"),
    # nesting
    pytest.param("tanh(tanh(tanh(x))) * x", dict(x=0.35), id="deep-chain-with-fork"),
    pytest.param("exp(sin(cos(tan(x))))", dict(x=0.35), id="four-functions-deep"),
    pytest.param("sqrt(x * x + y * y)", dict(x=3.0, y=4.0), id="norm"),
    pytest.param("log(1 + exp(x))", dict(x=-0.4), id="softplus"),
    pytest.param("sigmoid(w * x + b)", dict(x=0.5, w=-1.2, b=0.3), id="neuron"),
    pytest.param("relu(x * w1 + b1) * w2 + b2", dict(x=0.5, w1=1.2, b1=0.3, w2=-0.8, b2=0.1),
                 id="two-layers"),
    pytest.param("abs(x - y) / (1 + x ^ 2)", dict(x=-0.7, y=1.1), id="abs-quotient"),
    pytest.param("max(min(x, y), z)", dict(x=0.7, y=0.2, z=-0.5), id="max-of-min"),
    pytest.param("min(x, y) * max(x * y, 1)", dict(x=2.0, y=3.0), id="min-max"),
    pytest.param("x / y / z", dict(x=2.0, y=-3.0, z=0.5), id="left-associative-division"),
    pytest.param("x - y - z", dict(x=1.0, y=2.0, z=4.0), id="left-associative-subtraction"),
    pytest.param("x ** y ** z", dict(x=1.2, y=1.5, z=0.5), id="right-associative-power"),
    pytest.param("exp(-x * x / 2) / sqrt(2 * pi)", dict(x=-0.8), id="gaussian"),
    pytest.param("tan(x) / (x ^ 2 + 1) ^ 0.5", dict(x=0.3), id="fractional-power-of-sum"),
    pytest.param("relu(x) * relu(-x) + abs(x)", dict(x=0.9), id="relu-both-sides"),
    # the golden circuits of CONVENTIONS §2
    pytest.param(FIGURE_1, dict(x=-2, y=5, z=-4), id="figure-1"),
    pytest.param(FIGURE_2, FIGURE_2_INPUTS, id="figure-2"),
    pytest.param(FIGURE_3, dict(x=3, y=-4, z=2, w=-1), id="figure-3"),
    pytest.param(STAGED, dict(x=3, y=-4), id="staged-sigmoid-example"),
    # variable names that clash with the program's own names
    pytest.param("f * 2", dict(f=0.5), id="variable-called-f"),
    pytest.param("df + f", dict(f=0.5, df=1.5), id="variables-called-f-and-df"),
    pytest.param("x * dx", dict(x=0.5, dx=1.5), id="variables-called-x-and-dx"),
    pytest.param("el * 2 + ef", dict(el=0.5, ef=1.5), id="gradients-would-be-keywords"),
    pytest.param("mul0 * y + dmul0", dict(mul0=0.5, y=1.5, dmul0=2.0), id="variables-called-like-gates"),
    pytest.param("exp(math) * 2", dict(math=0.5), id="variable-called-math"),
    pytest.param("exp(torch) * 2", dict(torch=0.5), id="variable-called-torch"),
    pytest.param("x", dict(x=2.5), id="lone-variable"),
]

# ---------------------------------------------------------------------------------------------
# Circuits of vectors and matrices (values as nested lists), each at a point away from kinks.

W32 = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]
X43 = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [0.5, -1.0, 2.0], [-2.0, 0.0, 1.0]]
TWO_LAYERS = dict(W1=W32, x=[1.0, -2.0], b1=[0.0, 0.1, 0.2], W2=[[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]],
                  b2=[0.5, -0.5], y=[1.0, 2.0])
GALLERY = [
    pytest.param("sum((X @ W - Y)**2)", dict(X=X43, W=W32, Y=[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 2.0]]),
                 id="gallery-linear-least-squares"),
    pytest.param("sum((W2 @ relu(W1 @ x + b1) + b2 - y)**2)", TWO_LAYERS, id="gallery-two-layer-net"),
    pytest.param("-log_softmax(W @ x + b)[2]", dict(W=W32, x=[1.0, -2.0], b=[0.0, 0.1, 0.2]),
                 id="gallery-softmax-cross-entropy"),
    pytest.param("s = W @ x; sum(relu(s - s[1] + 1)) - 1", dict(W=W32, x=[1.0, -2.0]), id="gallery-svm"),
]
TENSORS = GALLERY + [
    # every array gate, and the matrix product's four cases
    pytest.param("sum(W @ x)", dict(W=W32, x=[0.7, -1.1]), id="matrix@vector"),
    pytest.param("sum(x @ W)", dict(W=W32, x=[0.7, -1.1, 0.4]), id="vector@matrix"),
    pytest.param("sum(X @ W)", dict(X=X43, W=W32), id="matrix@matrix"),
    pytest.param("x @ y", dict(x=[0.7, -1.1, 0.4], y=[2.0, 0.5, -3.0]), id="vector@vector"),
    pytest.param("sum(W.T @ y)", dict(W=W32, y=[1.0, -1.0, 2.0]), id="transpose"),
    pytest.param("sum(transpose(W) * W.T)", dict(W=W32), id="transposes-of-a-fork"),
    pytest.param("sum(W * 2) + sum(W.T)", dict(W=W32), id="transpose-of-a-fork-added-to-in-place"),
    pytest.param("sum(sum(W, 0) * v)", dict(W=W32, v=[1.5, -2.0]), id="sum-axis-0"),
    pytest.param("sum(sum(W, 1) ** 2)", dict(W=W32), id="sum-axis-1"),
    pytest.param("sum(v, 0) * 3", dict(v=[1.5, -2.0, 0.25]), id="sum-axis-0-of-a-vector"),
    pytest.param("mean(W) + mean(v)", dict(W=W32, v=[1.5, -2.0, 0.25]), id="mean"),
    pytest.param("max(v) * 2", dict(v=[1.5, -2.0, 0.25]), id="max"),
    pytest.param("max(W)", dict(W=[[1.0, 3.0], [3.0, -1.0]]), id="max-tie-shared"),
    pytest.param("sum(softmax(v) * w)", dict(v=[1.5, -2.0, 0.25], w=[1.0, 2.0, 3.0]), id="softmax"),
    pytest.param("logsumexp(v) + 1", dict(v=[1.5, -2.0, 0.25]), id="logsumexp"),
    pytest.param("log_softmax(v)[0] + softmax(v)[-1]", dict(v=[1.5, -2.0, 0.25]), id="softmax-family-fork"),
    pytest.param("W[1, 0] * W[2][1] + sum(W[0])", dict(W=W32), id="indexing-entries-and-a-row"),
    # elementwise gates on arrays, broadcasting numbers, vectors and rows
    pytest.param("sum(sigmoid(W @ x + b) * tanh(v))", dict(W=W32, x=[0.7, -1.1], b=[0.1, 0.2, 0.3],
                                                        v=[0.5, -0.5, 1.0]), id="elementwise-functions"),
    pytest.param("sum(exp(v) + log(v) + sqrt(v) + sin(v) + cos(v) + tan(v) + abs(v))",
                 dict(v=[0.5, 1.5, 0.75]), id="every-function-of-one-operand"),
    pytest.param("sum(relu(v) + abs(v - 1))", dict(v=[0.5, -1.5, 2.0]), id="routing-functions"),
    pytest.param("sum(max(v, w) + min(v, 0.3) + max(1, w))", dict(v=[0.5, -1.5, 2.0], w=[1.0, 2.0, -3.0]),
                 id="max-min-with-wires-and-constants"),
    pytest.param("sum(v ** w + v ** 2 + 2 ** v + v ** 0)", dict(v=[0.5, 1.5, 2.0], w=[1.0, 2.5, -1.0]),
                 id="powers"),
    pytest.param("sum(v / w - 3 / v + v / 4)", dict(v=[0.5, 1.5, 2.0], w=[1.0, 2.5, -1.0]), id="divisions"),
    pytest.param("sum(W * c + c)", dict(W=W32, c=1.5), id="number-broadcast-over-a-matrix"),
    pytest.param("sum(X @ W + b)", dict(X=X43, W=W32, b=[0.5, -0.5]), id="vector-broadcast-over-rows"),
    pytest.param("sum(W * r)", dict(W=W32, r=[[2.0, -1.0]]), id="row-broadcast"),
    pytest.param("sum(W * k)", dict(W=W32, k=[[2.0], [-1.0], [0.5]]), id="column-broadcast"),
    pytest.param("sum(v * u)", dict(v=[1.0, 2.0, 3.0], u=[2.0]), id="length-1-vector-broadcast"),
    # array gates of a number
    pytest.param("max(x) + sum(x) + mean(x) + x.T", dict(x=2.0), id="reductions-of-a-number"),
    pytest.param("max(relu(x)) + x", dict(x=2.0), id="reduction-of-a-number-into-a-fork"),
    # ties, kinks, inf and nan inside arrays: the conventions entry by entry
    pytest.param("sum(relu(v))", dict(v=[0.0, -1.0, 2.0]), id="relu-at-0-in-a-vector"),
    pytest.param("max(v)", dict(v=[2.0, 2.0, 1.0]), id="max-of-a-vector-tie"),
    pytest.param("sum(max(v, w))", dict(v=[1.0, 2.0], w=[1.0, 3.0]), id="elementwise-max-tie"),
    pytest.param("sum(max(sqrt(v), 1))", dict(v=[0.0, 4.0]), id="zero-upstream-through-sqrt'(0)"),
    pytest.param("sum(sqrt(v))", dict(v=[0.0, -1.0, 4.0]), id="sqrt-inf-and-nan-slopes"),
    pytest.param("sum(v ** 0)", dict(v=[0.0, -1.0]), id="zero-exponent-blocks"),
    pytest.param("max(log(v))", dict(v=[-1.0, 2.0]), id="max-of-a-nan-entry"),
    pytest.param("logsumexp(exp(v))", dict(v=[1000.0, 1.0]), id="logsumexp-of-inf"),
    pytest.param("sum(W * W) + sum(-0 * W)", dict(W=[[1.0, -2.0]]), id="negative-zeros"),
]


def arrays(point):
    return {name: np.array(value, dtype=np.float64) if np.ndim(value) else float(value)
            for name, value in point.items()}


# ---------------------------------------------------------------------------------------------
# Random expressions of the grammar, each at a random point away from kinks and singularities.

RANDOM_COUNT = 200

# Where a gate is singular (its operand or value blows up), as the function of its operands
# that is zero there; kinks come from graphlib.gradcheck.
SINGULAR = {"log": lambda a: a, "sqrt": lambda a: a, "div": lambda a, b: b, "pow": lambda a, b: a}
MARGIN = 1e-3
# Values stay below this size so that no `math.exp` (nor the sigmoid's) overflows.
LARGEST = 700.0


def is_tame(graph, result):
    """Every value and gradient finite, no value large enough to overflow `math.exp`, and every
    gate at least MARGIN away from a kink or a singularity."""
    numbers = [*result.values.values(), *result.grads.values()]
    if not all(math.isfinite(number) for number in numbers):
        return False
    if any(abs(value) > LARGEST for value in result.values.values()):
        return False
    for node in graph.gates:
        operands = [arg.value if isinstance(arg, Const) else result.values[arg] for arg in node.args]
        for table in (KINKS, SINGULAR):
            if node.op in table and abs(table[node.op](*operands)) < MARGIN:
                return False
    return True


def random_cases(seed=231, count=RANDOM_COUNT):
    """`count` distinct random expressions, each with the first of up to 20 random points that
    is tame; expressions without one are passed over. Deterministic for a seed."""
    rng = random.Random(seed)
    seen = set()
    cases = []
    while len(cases) < count:
        graph = random_circuit(rng, 2, 5)
        text = graph.source
        if text in seen:
            continue
        seen.add(text)
        for _ in range(20):
            point = {name: round(rng.uniform(-2.0, 2.0), 3) for name in graph.variables}
            result = evaluate(graph, point)
            if is_tame(graph, result):
                cases.append(pytest.param(text, point, id=f"random-{len(cases):03d}"))
                break
    return cases


WILD_COUNT = 300


def wild_cases(seed=8, count=WILD_COUNT):
    """`count` random expressions, each at a wild point (random_circuits.wild_point)."""
    rng = random.Random(seed)
    cases = []
    while len(cases) < count:
        graph = random_circuit(rng, 1, 5)
        cases.append(pytest.param(graph.source, wild_point(rng, graph), id=f"wild-{len(cases):03d}"))
    return cases


RANDOM = random_cases()
ALL = TABLE + RANDOM
WILD = wild_cases()

# ---------------------------------------------------------------------------------------------
# Running the programs.


def run(source):
    """Run a generated program in a fresh namespace; numpy's error state, which the staged
    program sets, is restored afterwards."""
    namespace = {}
    with np.errstate():
        exec(source, namespace)
    return namespace


def staged_results(source, point):
    """(graph, evaluation, {what: (got, expected)}) for every node's value and gradient: the
    output `f`, each gate's and each input's."""
    graph = parse(source)
    result = evaluate(graph, point)
    names = program_names(graph, "np")
    namespace = run(staged_python(graph, point))
    pairs = {"f": (namespace[names.output], result.values[graph.output.id])}
    for node in graph.nodes:
        pairs["d" + names.values[node.id]] = (namespace[names.grads[node.id]], result.grads[node.id])
        if not node.is_input:
            pairs[names.values[node.id]] = (namespace[names.values[node.id]], result.values[node.id])
    return graph, result, pairs


def same_number(got, expected):
    """The same float64 to the bit (so 0.0 and -0.0 differ), any nan matching any nan."""
    if math.isnan(expected):
        return math.isnan(got)
    return np.float64(got).tobytes() == np.float64(expected).tobytes()


def close(got, expected, result):
    """Equal to rel 1e-12, or to 1e-12 of the circuit's largest number where a sum cancels
    (a last-bit difference in one term is then all that is left)."""
    scale = max([1.0] + [abs(number) for number in [*result.values.values(), *result.grads.values()]])
    return math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-12 * scale)


# ---------------------------------------------------------------------------------------------
# The tables themselves.

# The gates of numbers, which the random expressions of numbers use.
ELEMENTWISE = {name for name, op in OPS.items() if op.elementwise}


def test_the_gate_tables_cover_every_gate_of_ops():
    assert set(PYTHON_GATES) == set(OPS), set(OPS) ^ set(PYTHON_GATES)
    assert set(TORCH_GATES) == set(OPS), set(OPS) ^ set(TORCH_GATES)


@pytest.mark.parametrize("op", sorted(PYTHON_GATES))
def test_each_gate_has_one_local_gradient_per_operand_and_known_helpers(op):
    gate = PYTHON_GATES[op]
    assert set(gate.helpers) <= set(HELPERS)
    if isinstance(gate, ArrayGate):  # a rule per operand, None for a constant parameter
        assert len(gate.rules) >= OPS[op].arity
        assert len(gate.local_formulas) == len([rule for rule in gate.rules if rule is not None])
        templates = [text for rule in gate.rules if rule is not None and not callable(rule)
                     for text in (rule.code, rule.lecture)]
    else:
        assert len(gate.slopes) == OPS[op].arity
        assert gate.array_slopes is None or len(gate.array_slopes) == OPS[op].arity
        templates = [getattr(slope, "template", slope) for slope in (*gate.slopes, *(gate.array_slopes or ()))
                     if not callable(slope)]  # not those written per node
        templates = [getattr(slope, "local", slope) for slope in templates]
    called = re.findall(r"\b(_\w+)\(", " ".join([gate.forward, *templates]))
    assert set(called) == set(gate.helpers)


def test_a_gate_without_an_entry_is_refused_by_name():
    graph = Graph("softplus(x)", (Node("n0", "input", name="x"), Node("n1", "softplus", ("n0",))))
    with pytest.raises(KeyError, match="softplus.*PYTHON_GATES"):
        staged_python(graph, {"x": 1.0})
    with pytest.raises(KeyError, match="softplus.*TORCH_GATES"):
        pytorch_code(graph, {"x": 1.0}, None)


def test_the_tables_use_every_gate():
    assert {node.op for case in TABLE for node in parse(case.values[0]).gates} == ELEMENTWISE
    used = {node.op for case in TABLE + TENSORS for node in parse(case.values[0]).gates}
    assert used == set(OPS), set(OPS) - used


def test_the_random_expressions_use_every_gate_and_are_distinct():
    sources = [case.values[0] for case in RANDOM]
    assert len(RANDOM) == RANDOM_COUNT and len(set(sources)) == RANDOM_COUNT
    assert {node.op for source in sources for node in parse(source).gates} == ELEMENTWISE


def test_the_random_expressions_are_not_trivial():
    gate_counts = [len(parse(case.values[0]).gates) for case in RANDOM]
    assert sum(gate_counts) >= 3 * RANDOM_COUNT
    assert max(gate_counts) >= 10


@pytest.mark.parametrize("source, point", TABLE)
def test_table_points_are_away_from_kinks_and_singularities(source, point):
    graph = parse(source)
    assert is_tame(graph, evaluate(graph, point))


# ---------------------------------------------------------------------------------------------
# The staged Python reproduces the evaluator.

@pytest.mark.parametrize("source, point", ALL + WILD)
def test_staged_python_does_the_evaluators_arithmetic_bit_for_bit(source, point):
    _, _, pairs = staged_results(source, point)
    for what, (got, expected) in pairs.items():
        assert same_number(got, expected), (
            f"{what} of {source} at {point}: program {got!r}, evaluator {expected!r}")


@pytest.mark.parametrize("source, point", ALL)
def test_staged_python_imports_only_numpy(source, point):
    tree = ast.parse(staged_python(parse(source), point))
    imports = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert [(type(node), [(alias.name, alias.asname) for alias in node.names]) for node in imports] == [
        (ast.Import, [("numpy", "np")])]


@pytest.mark.parametrize("source, point", ALL)
def test_each_gradient_is_assigned_once_then_added_to_once_per_further_use(source, point):
    graph = parse(source)
    names = program_names(graph, "np")
    lines = staged_python(graph, point).splitlines()
    for node_id, uses in graph.consumers().items():
        if node_id == graph.output.id:
            continue
        grad = names.grads[node_id]
        operators = [words[1] for words in map(str.split, lines)
                     if words[:1] == [grad] and words[1] in ("=", "+=")]
        assert operators == ["="] + ["+="] * (len(uses) - 1), (grad, operators)


@pytest.mark.parametrize("source, point", ALL)
def test_each_gate_has_a_backprop_block_in_reverse_order(source, point):
    graph = parse(source)
    names = program_names(graph, "np")
    lines = staged_python(graph, point).splitlines()
    headers = [line.split()[2] for line in lines if line.startswith("# backprop ")]
    assert headers == [names.values[node.id] for node in reversed(graph.gates)]


def test_plain_names_where_nothing_clashes():
    """The program ends with `f` and `d` + name for every input; gates are named after their op."""
    graph = parse(FIGURE_2)
    names = program_names(graph, "np")
    assert names.output == "f" and names.output_grad == "df" and names.module == "np"
    assert [names.grads[node.id] for node in graph.inputs] == ["dw0", "dx0", "dw1", "dx1", "dw2"]
    assert [names.values[node.id] for node in graph.gates] == [
        "mul0", "mul1", "add0", "add1", "mul2", "exp0", "add2", "f"]


CLASHES = [
    pytest.param("f * 2", {"f": "df"}, "f_", id="variable-f"),
    pytest.param("x * dx", {"x": "dx_", "dx": "ddx"}, "f", id="variables-x-and-dx"),
    pytest.param("el * 2 + ef", {"el": "del_", "ef": "def_"}, "f", id="keywords"),
    pytest.param("df + f", {"f": "df_", "df": "ddf"}, "f__", id="variables-f-and-df"),
]


@pytest.mark.parametrize("source, grads, output", CLASHES)
def test_a_clash_is_resolved_by_appending_underscores(source, grads, output):
    graph = parse(source)
    names = program_names(graph, "np")
    assert {node.name: names.grads[node.id] for node in graph.inputs} == grads
    assert names.output == output
    every = [*names.values.values(), *names.grads.values(), names.module]
    assert len(every) == len(set(every))


def test_a_variable_called_np_moves_the_module_aside():
    source = staged_python(parse("exp(np) * 2"), {"np": 0.5})
    assert "import numpy as np_\n" in source
    assert "exp0 = np_.exp(np)" in source
    assert "np = np_.float64(0.5)" in source


def test_helpers_are_printed_only_when_a_gate_needs_them():
    assert "def " not in staged_python(parse(FIGURE_2), FIGURE_2_INPUTS)
    source = staged_python(parse("relu(x) + max(x, y)"), dict(x=1.0, y=2.0))
    assert re.findall(r"^def (\w+)", source, re.MULTILINE) == ["_max_route"]
    source = staged_python(parse("abs(x) + min(x, y)"), dict(x=1.0, y=2.0))
    assert re.findall(r"^def (\w+)", source, re.MULTILINE) == ["_sign", "_min_route"]


NUMBERS = [
    pytest.param("x + 0.1", dict(x=0.1 + 0.2), ["x = np.float64(0.30000000000000004)", "f = x + 0.1"],
                 id="repr-round-trips"),
    pytest.param("x * pi", dict(x=1.0), ["f = x * 3.141592653589793"], id="pi"),
    pytest.param("x * exp(1000)", dict(x=1.0), ["f = x * np.inf"], id="folded-inf"),
    pytest.param("x - exp(1000)", dict(x=1.0), ["f = x - np.inf"], id="folded-inf-subtracted"),
    pytest.param("x * (0/0)", dict(x=1.0), ["f = x * np.nan"], id="folded-nan"),
    pytest.param("-1/x", dict(x=2.0), ["f = -1.0 / x", "dx = (-f / x) * df"], id="constant-negated-as-a-number"),
    pytest.param("x ** 2", dict(x=3.0), ["dx = (2.0 * x ** 1.0) * df"], id="constant-exponent-folded"),
    pytest.param("cos(3) ** x", dict(x=-0.5), ["f = (-0.9899924966004454) ** x"], id="negative-base-bracketed"),
    pytest.param("(-2) ** x", dict(x=3.0), ["f = (-2.0) ** x"], id="negative-integer-base"),
    pytest.param("x ** 0 + x", dict(x=3.0), ["dx = 1.0 * df", "dx += 0.0"],
                 id="zero-exponent-has-slope-0"),
]


@pytest.mark.parametrize("source, point, lines", NUMBERS)
def test_numbers_are_printed_so_that_they_read_back_the_same(source, point, lines):
    program = staged_python(parse(source), point)
    for line in lines:
        assert line in program.splitlines()
    graph, result, pairs = staged_results(source, point)
    for what, (got, expected) in pairs.items():
        assert same_number(got, expected), (what, got, expected)


# ---------------------------------------------------------------------------------------------
# The golden circuits of CONVENTIONS §2, every number, read off the program's own variables.

def fixed(number, decimals):
    return f"{number:.{decimals}f}"


def staged_namespace(source, **point):
    return run(staged_python(parse(source), {name: float(value) for name, value in point.items()}))


def test_figure_1_as_staged_code():
    ns = staged_namespace(FIGURE_1, x=-2, y=5, z=-4)
    assert (ns["add0"], ns["f"]) == (3.0, -12.0)
    assert (ns["dx"], ns["dy"], ns["dz"], ns["dadd0"], ns["df"]) == (-4.0, -4.0, 3.0, -4.0, 1.0)


def test_figure_2_as_staged_code():
    ns = staged_namespace(FIGURE_2, **FIGURE_2_INPUTS)
    gates = ["mul0", "mul1", "add0", "add1", "mul2", "exp0", "add2", "f"]
    assert [fixed(ns[name], 2) for name in gates] == [
        "-2.00", "6.00", "4.00", "1.00", "-1.00", "0.37", "1.37", "0.73"]
    assert [fixed(ns["d" + name], 2) for name in gates] == [
        "0.20", "0.20", "0.20", "0.20", "-0.20", "-0.53", "-0.53", "1.00"]
    assert {name: fixed(ns["d" + name], 2) for name in FIGURE_2_INPUTS} == {
        "w0": "-0.20", "x0": "0.39", "w1": "-0.39", "x1": "-0.59", "w2": "0.20"}


def test_figure_3_as_staged_code():
    ns = staged_namespace(FIGURE_3, x=3, y=-4, z=2, w=-1)
    assert [fixed(ns[name], 2) for name in ["mul0", "max0", "add0", "f"]] == [
        "-12.00", "2.00", "-10.00", "-20.00"]
    assert {name: fixed(ns["d" + name], 2) for name in "xyzw"} == {
        "x": "-8.00", "y": "6.00", "z": "2.00", "w": "0.00"}


def test_staged_sigmoid_example_as_the_lecture_writes_it():
    graph = parse(STAGED)
    source = staged_python(graph, dict(x=3.0, y=-4.0))
    ns = run(source)
    assert fixed(ns["f"], 6) == "1.545645"
    assert (fixed(ns["dx"], 6), fixed(ns["dy"], 6)) == ("2.059570", "1.592233")
    # The lecture's shape: x + y is backpropagated first (dx =, dy =), then sigmoid(x) and
    # x + sigmoid(y) add to dx, then sigmoid(y) adds to dy.
    assignments = [" ".join(line.split()[:2]) for line in source.splitlines()
                   if re.match(r"d[xy] \+?=", line)]
    assert assignments == ["dx =", "dy =", "dx +=", "dx +=", "dy +="]
    # s(1 - s), with 1 - s written as sigmoid(-x), which keeps its digits where s is near 1.
    assert "dx += (sig1 * (1.0 / (1.0 + np.exp(x)))) * dsig1 if dsig1 else 0.0" in source.splitlines()


# ---------------------------------------------------------------------------------------------
# The conventions (ops.CONVENTIONS, PyTorch's formulas) at kinks, poles and outside the domain:
# exact expected gradients, the same in the program as in the evaluator, and never an exception.

INF, NAN = math.inf, math.nan
CONVENTIONS = [
    pytest.param("relu(x)", dict(x=0.0), dict(x=0.0), id="relu'(0)=0"),
    pytest.param("abs(x)", dict(x=0.0), dict(x=0.0), id="abs'(0)=0"),
    pytest.param("max(x, y)", dict(x=1.0, y=1.0), dict(x=0.5, y=0.5), id="max-tie"),
    pytest.param("min(x, y)", dict(x=1.0, y=1.0), dict(x=0.5, y=0.5), id="min-tie"),
    pytest.param("max(x, 1)", dict(x=1.0), dict(x=0.5), id="max-tie-with-constant"),
    pytest.param("max(x, x)", dict(x=-2.0), dict(x=1.0), id="max-tie-with-itself"),
    pytest.param("sqrt(x)", dict(x=0.0), dict(x=INF), id="sqrt'(0)=inf"),
    pytest.param("max(sqrt(x), y)", dict(x=0.0, y=1.0), dict(x=0.0, y=1.0),
                 id="zero-upstream-through-sqrt'(0)"),
    pytest.param("0*sqrt(x)", dict(x=0.0), dict(x=0.0), id="zero-times-sqrt-at-0"),
    pytest.param("relu(sqrt(x) - 1)", dict(x=0.0), dict(x=0.0), id="relu-blocks-sqrt'(0)"),
    pytest.param("sqrt(x)*0 + x", dict(x=0.0), dict(x=1.0), id="fork-with-one-dead-branch"),
    pytest.param("max(x ** 0.5, y)", dict(x=0.0, y=1.0), dict(x=0.0, y=1.0),
                 id="zero-upstream-through-pow-at-0"),
    pytest.param("relu(x ** y)", dict(x=-2.0, y=3.0), dict(x=0.0, y=0.0),
                 id="zero-upstream-skips-log-of-negative"),
    pytest.param(FIGURE_3, dict(x=3, y=-4, z=2, w=-1), dict(w=0.0), id="figure-3-loser"),
    # Poles and points outside the domain: IEEE numbers where plain Python would raise.
    pytest.param("1/x", dict(x=0.0), dict(x=-INF), id="division-by-zero"),
    pytest.param("x/y", dict(x=0.0, y=0.0), dict(x=INF, y=NAN), id="zero-over-zero"),
    pytest.param("log(x)", dict(x=0.0), dict(x=INF), id="log-at-0"),
    pytest.param("log(x)", dict(x=-1.0), dict(x=-1.0), id="log-of-negative-has-slope-1/x"),
    pytest.param("sqrt(x)", dict(x=-4.0), dict(x=NAN), id="sqrt-of-negative"),
    pytest.param("x ** y", dict(x=-8.0, y=1 / 3), dict(x=NAN, y=NAN), id="fractional-power-of-negative"),
    pytest.param("x ** 0.5 * 2", dict(x=0.0), dict(x=INF), id="fractional-power-slope-at-0"),
    pytest.param("x ** 0", dict(x=0.0), dict(x=0.0), id="zero-exponent-at-0"),
    pytest.param("x ** y", dict(x=0.0, y=0.0), dict(x=0.0, y=0.0), id="zero-to-the-zero"),
    pytest.param("x ** y", dict(x=0.0, y=2.0), dict(x=0.0, y=0.0), id="zero-base-positive-exponent"),
    pytest.param("x ** y", dict(x=0.0, y=-1.0), dict(x=-INF, y=-INF), id="zero-base-negative-exponent"),
    pytest.param("x ** -1", dict(x=0.0), dict(x=-INF), id="reciprocal-power-at-0"),
    pytest.param("exp(x)", dict(x=1000.0), dict(x=INF), id="exp-overflow"),
    pytest.param("sigmoid(x)", dict(x=-1000.0), dict(x=0.0), id="sigmoid-far-below-zero"),
    pytest.param("sigmoid(x)", dict(x=1000.0), dict(x=0.0), id="sigmoid-far-above-zero"),
    pytest.param("x/tan(x)", dict(x=0.0), dict(x=NAN), id="zero-over-tan-zero"),
    pytest.param("1/log(x)", dict(x=1.0), dict(x=-INF), id="reciprocal-of-log-at-1"),
    pytest.param("relu(log(x)) + x", dict(x=-1.0), dict(x=0.0), id="relu-of-nan-passes-the-gradient"),
    pytest.param("abs(log(x)) + x", dict(x=-1.0), dict(x=1.0), id="abs-of-nan-has-slope-0"),
    pytest.param("max(log(x), 1) + x", dict(x=-1.0), dict(x=0.0), id="max-with-nan-passes-to-both"),
    # relu, max and min route as PyTorch's masks do: what they block gets 0, even of inf.
    pytest.param("sqrt(relu(x) ** 0.5)", dict(x=-3.0), dict(x=0.0), id="relu-blocks-an-infinite-gradient"),
    pytest.param("log(max(x, y))", dict(x=0.0, y=-1.0), dict(x=INF, y=0.0), id="max-blocks-an-infinite-gradient"),
    pytest.param("log(min(x, y))", dict(x=0.0, y=0.0), dict(x=INF, y=INF), id="min-tie-halves-inf"),
]


@pytest.mark.parametrize("source, point, grads", CONVENTIONS)
def test_staged_python_follows_the_evaluators_conventions(source, point, grads):
    graph, result, pairs = staged_results(source, point)
    for what, (got, expected) in pairs.items():
        assert same_number(got, expected), (what, got, expected)
    for name, expected in grads.items():
        assert same_number(pairs["d" + name][0], expected), (name, pairs["d" + name][0], expected)


# ---------------------------------------------------------------------------------------------
# PyTorch: optional (torch is not a dependency); these tests skip where it is not installed.

def run_torch(source, point):
    torch = pytest.importorskip("torch")
    graph = parse(source)
    result = evaluate(graph, point)
    names = program_names(graph, "torch")
    program = pytorch_code(graph, point, result)
    namespace = run(program)
    output = namespace[names.output]
    assert isinstance(output, torch.Tensor) and output.dtype == torch.float64
    pairs = {"f": (output.item(), result.values[graph.output.id])}
    for node in graph.inputs:
        grad = namespace[node.name].grad
        pairs["d" + node.name] = (math.nan if grad is None else grad.item(), result.grads[node.id])
    return result, pairs, program


def agrees(got, expected, result):
    if math.isnan(expected) or math.isinf(expected):
        return same_number(got, expected)
    return close(got, expected, result)


@pytest.mark.parametrize("source, point", ALL + WILD)
def test_pytorch_code_matches_the_evaluator_except_where_it_says_so(source, point):
    result, pairs, program = run_torch(source, point)
    differing = {what for what, (got, expected) in pairs.items() if not agrees(got, expected, result)}
    if "# torch: " in program:  # torch's 0 * inf = nan, where the evaluator passes 0
        assert all(math.isnan(pairs[what][0]) for what in differing), (program, pairs)
    else:
        assert not differing, (program, {what: pairs[what] for what in differing})


@pytest.mark.parametrize("source, point", ALL)
def test_pytorch_code_imports_only_torch(source, point):
    graph = parse(source)
    tree = ast.parse(pytorch_code(graph, point, evaluate(graph, point)))
    imports = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert [[alias.name for alias in node.names] for node in imports] == [["torch"]]


TORCH_CONVENTIONS = [
    pytest.param("relu(x)", dict(x=0.0), dict(x=0.0), id="relu'(0)=0"),
    pytest.param("abs(x)", dict(x=0.0), dict(x=0.0), id="abs'(0)=0"),
    pytest.param("max(x, y)", dict(x=1.0, y=1.0), dict(x=0.5, y=0.5), id="max-tie-splits"),
    pytest.param("min(x, 1)", dict(x=1.0), dict(x=0.5), id="min-tie-with-constant-splits"),
    pytest.param("sqrt(x)", dict(x=0.0), dict(x=math.inf), id="sqrt'(0)=inf"),
    # The one documented difference: torch multiplies a zero upstream by sqrt'(0) = inf.
    pytest.param("max(sqrt(x), y)", dict(x=0.0, y=1.0), dict(x=math.nan), id="zero-upstream-gives-nan"),
]


@pytest.mark.parametrize("source, point, grads", TORCH_CONVENTIONS)
def test_pytorch_conventions_at_kinks_as_documented(source, point, grads):
    _, pairs, _ = run_torch(source, point)
    for name, expected in grads.items():
        assert same_number(pairs["d" + name][0], expected), (name, pairs["d" + name])


def test_pytorch_code_for_figure_2_reads_like_the_staged_code():
    graph = parse(FIGURE_2)
    source = pytorch_code(graph, FIGURE_2_INPUTS, evaluate(graph, FIGURE_2_INPUTS))
    assert "w0 = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)" in source
    assert "exp0 = torch.exp(mul2)" in source and "f = 1.0 / add2" in source
    assert source.rstrip().endswith("f.backward()")


# ---------------------------------------------------------------------------------------------
# Generated code is only ever run by the tests.

def test_no_module_of_graphlib_runs_code():
    for path in sorted((pathlib.Path(__file__).parent.parent / "graphlib").glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        calls = {node.func.id for node in ast.walk(tree)
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
        assert not calls & {"exec", "eval", "compile"}, path


NAMED_PROGRAMS = [
    pytest.param("q = x + y\nf = q * z", {"x": -2.0, "y": 5.0, "z": -4.0}, ["q = x + y", "f = q * z", "dq = "],
                 id="figure-1-staged"),
    pytest.param("a = x*y; a*a + a", {"x": 3.0, "y": -4.0}, ["a = x * y", "da += "], id="named-step-forks"),
]


@pytest.mark.parametrize("source, inputs, lines", NAMED_PROGRAMS)
def test_named_steps_keep_their_names_in_the_staged_code(source, inputs, lines):
    graph = parse(source)
    program = staged_python(graph, inputs)
    for line in lines:
        assert line in program
    namespace = {}
    exec(program, namespace)  # the test process only: generated code never runs in the server
    evaluation = evaluate(graph, inputs)
    assert namespace["f"] == pytest.approx(evaluation.values[graph.output.id])
    for node in graph.inputs:
        assert namespace["d" + node.name] == pytest.approx(evaluation.grads[node.id])


# ---------------------------------------------------------------------------------------------
# Vectors and matrices: the staged NumPy and the PyTorch program reproduce every array.

def same_array(got, expected):
    """The same shape and the same float64 in every entry, to the bit (nan matching nan)."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        return False
    return all(same_number(a, b) for a, b in zip(got.flat, expected.flat))


@pytest.mark.parametrize("source, point", TENSORS)
def test_staged_numpy_reproduces_every_array_bit_for_bit(source, point):
    _staged_arrays_agree(source, arrays(point))


def _staged_arrays_agree(source, point):
    graph = parse(source)
    result = evaluate(graph, point)
    names = program_names(graph, "np")
    namespace = run(staged_python(graph, point))
    for node in graph.nodes:
        assert same_array(namespace[names.grads[node.id]], result.grads[node.id]), (
            names.grads[node.id], namespace[names.grads[node.id]], result.grads[node.id])
        if not node.is_input:
            assert same_array(namespace[names.values[node.id]], result.values[node.id]), names.values[node.id]


@pytest.mark.parametrize("source, point", TENSORS)
def test_pytorch_program_matches_every_arrays_gradient(source, point):
    torch = pytest.importorskip("torch")
    graph = parse(source)
    point = arrays(point)
    result = evaluate(graph, point)
    program = pytorch_code(graph, point, result)
    namespace = run(program)
    assert namespace["f"].dtype == torch.float64 and namespace["f"].shape == ()
    for node in graph.inputs:
        grad, expected = namespace[node.name].grad.numpy(), np.asarray(result.grads[node.id])
        assert grad.shape == expected.shape
        agree = np.isclose(grad, expected, rtol=1e-12, atol=1e-12) | (grad == expected) | (
            np.isnan(grad) & np.isnan(expected))
        # Where they differ, torch's 0 * inf gave nan where the diagram passes 0, as the program says.
        assert agree.all() or ("# torch: " in program and np.isnan(grad[~agree]).all()), (node.name, grad, expected)


def test_the_two_layer_net_reads_as_the_notes_write_it():
    graph = parse("sum((W2 @ relu(W1 @ x + b1) + b2 - y)**2)")
    program = staged_python(graph, arrays(TWO_LAYERS))
    for line in ["W1 = np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]])  # (3, 2)",
                 "x = np.array([1.0, -2.0])  # (2,)",
                 "matmul0 = W1 @ x  # (3,)",
                 "relu0 = np.maximum(add0, 0.0)  # (3,)",
                 "f = np.sum(pow0)",
                 "dpow0 = np.ones_like(pow0) * df  # () broadcast → (2,)",
                 "dadd0 = np.where((add0 <= 0.0) | (drelu0 == 0.0), 0.0, drelu0)",
                 "dW2 = np.outer(dmatmul1, relu0)  # (2,) ⊗ (3,) → (2, 3)",
                 "drelu0 = W2.T @ dmatmul1  # (2, 3).T @ (2,) → (3,)",
                 "dW1 = np.outer(dmatmul0, x)  # (3,) ⊗ (2,) → (3, 2)",
                 "dx = W1.T @ dmatmul0  # (3, 2).T @ (3,) → (2,)"]:
        assert line in program.splitlines(), line
    backprops = [line.split()[2] for line in program.splitlines() if line.startswith("# backprop ")]
    assert backprops == ["f", "pow0", "sub0", "add1", "matmul1", "relu0", "add0", "matmul0"]


def test_a_broadcast_operand_gets_the_sum_over_the_broadcast_axes():
    program = staged_python(parse("sum(X @ W + b) + sum(W * c)"), arrays(dict(X=X43, W=W32, b=[0.5, -0.5], c=2.0)))
    assert "db = np.sum(np.where(dadd0 == 0.0, 0.0, dadd0), axis=0)  # (4, 2) summed over axis 0 → (2,)" in program
    assert "dc = np.sum(np.where(dmul0 == 0.0, 0.0, W * dmul0))  # (3, 2) summed over every entry → ()" in program


def test_a_transposes_gradient_is_copied_where_more_is_added_to_it_in_place():
    graph = parse("sum(W * 2) + sum(W.T)")  # the backward pass meets W.T first
    program = staged_python(graph, arrays(dict(W=W32)))
    assert "dW = np.transpose(dtranspose0).copy()  # (2, 3).T → (3, 2)" in program
    assert "dW += np.where(dmul0 == 0.0, 0.0, 2.0 * dmul0)" in program
    assert "dW = np.transpose(dtranspose0)  # (2, 3).T → (3, 2)" in staged_python(parse("sum(W.T)"), arrays(dict(W=W32)))


# The lecture's rule for each wire into a matrix product, as /api/explain's chain rule shows it.
MATMUL_RULES = [
    pytest.param("h = W @ x; sum(h)", dict(W=W32, x=[0.7, -1.1]),
                 [("dW = np.outer(dh, x)", "(3,) ⊗ (2,) → (3, 2)"), ("dx = W.T @ dh", "(3, 2).T @ (3,) → (2,)")],
                 id="matrix@vector"),
    pytest.param("h = x @ W; sum(h)", dict(W=W32, x=[0.7, -1.1, 0.4]),
                 [("dx = W @ dh", "(3, 2) @ (2,) → (3,)"), ("dW = np.outer(x, dh)", "(3,) ⊗ (2,) → (3, 2)")],
                 id="vector@matrix"),
    pytest.param("Y = X @ W; sum(Y)", dict(X=X43, W=W32),
                 [("dX = dY @ W.T", "(4, 2) @ (3, 2).T → (4, 3)"), ("dW = X.T @ dY", "(4, 3).T @ (4, 2) → (3, 2)")],
                 id="matrix@matrix"),
    pytest.param("d = x @ y; d * 2", dict(x=[0.7, -1.1, 0.4], y=[2.0, 0.5, -3.0]),
                 [("dx = dd * y", "() * (3,) → (3,)"), ("dy = dd * x", "() * (3,) → (3,)")],
                 id="vector@vector"),
]


@pytest.mark.parametrize("source, point, rules", MATMUL_RULES)
def test_a_matrix_products_rules_are_the_lectures_with_shapes(source, point, rules):
    graph = parse(source)
    point = arrays(point)
    shapes = {node_id: np.shape(value) for node_id, value in evaluate(graph, point).values.items()}
    [product] = [node for node in graph.gates if node.op == "matmul"]
    written = chain_rules(graph, shapes)
    assert [written[(product.id, index)] for index in (0, 1)] == rules
    program = staged_python(graph, point)
    for rule, over_shapes in rules:
        assert f"{rule}  # {over_shapes}" in program.splitlines()


ARRAY_RULES = [
    pytest.param("sum(W)", dict(W=W32), "sum", 0, ("dW = np.ones_like(W) * df", "() broadcast → (3, 2)"), id="sum"),
    pytest.param("mean(W)", dict(W=W32), "mean", 0,
                 ("dW = np.ones_like(W) * (df / W.size)", "() / 6 broadcast → (3, 2)"), id="mean"),
    pytest.param("max(v)", dict(v=[1.0, 3.0]), "amax", 0,
                 ("dv = np.where(v == f, df / np.count_nonzero(v == f), 0.0)", "() to the largest → (2,)"), id="max"),
    pytest.param("sum(sum(W, 1))", dict(W=W32), "sum_axis", 0,
                 ("dW = np.ones_like(W) * np.expand_dims(dsum0, 1)", "(3,) broadcast along axis 1 → (3, 2)"),
                 id="sum-axis"),
    pytest.param("sum(W.T)", dict(W=W32), "transpose", 0, ("dW = dtranspose0.T", "(2, 3).T → (3, 2)"),
                 id="transpose"),
    pytest.param("W[1, 0]", dict(W=W32), "index", 0,
                 ("dW = np.zeros_like(W); dW[1, 0] = df", "() at [1, 0] → (3, 2)"), id="index-scatters"),
    pytest.param("softmax(v)[0]", dict(v=[1.0, 3.0]), "softmax", 0,
                 ("dv = (dsoftmax0 - np.sum(dsoftmax0 * softmax0)) * softmax0", "(2,) and (2,) → (2,)"),
                 id="softmax"),
    pytest.param("log_softmax(v)[0]", dict(v=[1.0, 3.0]), "log_softmax", 0,
                 ("dv = dlog_softmax0 - np.exp(log_softmax0) * np.sum(dlog_softmax0)", "(2,) and (2,) → (2,)"),
                 id="log_softmax"),
    pytest.param("logsumexp(v)", dict(v=[1.0, 3.0]), "logsumexp", 0,
                 ("dv = df * np.exp(v - f)", "() * (2,) → (2,)"), id="logsumexp"),
    pytest.param("sum(relu(W) * b)", dict(W=W32, b=[1.0, -3.0]), "mul", 1,
                 ("db = np.sum(relu0 * dmul0, axis=0)", "(3, 2) summed over axis 0 → (2,)"), id="broadcast-vector"),
    pytest.param("sum(W * k)", dict(W=W32, k=[[2.0], [-1.0], [0.5]]), "mul", 1,
                 ("dk = np.sum(W * dmul0, axis=1).reshape((3, 1))", "(3, 2) summed over axis 1 → (3, 1)"),
                 id="broadcast-column"),
    pytest.param("sum(W * c)", dict(W=W32, c=2.0), "mul", 1,
                 ("dc = np.sum(W * dmul0)", "(3, 2) summed over every entry → ()"), id="broadcast-number"),
]


@pytest.mark.parametrize("source, point, op, index, rule", ARRAY_RULES)
def test_every_array_gate_and_broadcast_has_its_rule_with_shapes(source, point, op, index, rule):
    graph = parse(source)
    point = arrays(point)
    shapes = {node_id: np.shape(value) for node_id, value in evaluate(graph, point).values.items()}
    [gate] = [node for node in graph.gates if node.op == op]
    assert chain_rules(graph, shapes)[(gate.id, index)] == rule


def test_gates_of_numbers_and_entry_by_entry_wires_have_no_rule_but_their_local_gradient():
    graph = parse("max(x) * y + sum(x)")
    rules = chain_rules(graph, {node.id: () for node in graph.nodes})
    assert {graph.node(gate_id).op for gate_id, _ in rules} == {"amax", "sum"}
    graph = parse("sum(relu(v) * 2)")
    shapes = {node_id: np.shape(value) for node_id, value in evaluate(graph, {"v": np.ones(3)}).values.items()}
    assert {graph.node(gate_id).op for gate_id, _ in chain_rules(graph, shapes)} == {"sum"}


# Random small networks of vectors and matrices (tests/random_tensor_circuits.py), at random
# points, kinks and all: the staged NumPy is the evaluator, bit for bit.
RANDOM_TENSOR_COUNT = 200


def random_tensor_cases(seed=2312, count=RANDOM_TENSOR_COUNT):
    rng = random.Random(seed)
    cases = []
    for number in range(count):
        graph, shapes = random_tensor_circuit(rng, 2, 5)
        cases.append(pytest.param(graph.source, random_point(rng, shapes), id=f"random-tensor-{number:03d}"))
    return cases


RANDOM_TENSORS = random_tensor_cases()


def test_the_random_networks_use_every_gate():
    used = {node.op for case in RANDOM_TENSORS for node in parse(case.values[0]).gates}
    assert used == set(OPS), set(OPS) - used
    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    assert f"every gate and {len(RANDOM_TENSORS)} random small networks, every array bit for bit" in " ".join(
        readme.split())


@pytest.mark.parametrize("source, point", RANDOM_TENSORS)
def test_staged_numpy_of_random_networks_is_the_evaluator_bit_for_bit(source, point):
    _staged_arrays_agree(source, point)


@pytest.mark.parametrize("source, point", RANDOM_TENSORS[::4])
def test_pytorch_program_of_random_networks_matches(source, point):
    test_pytorch_program_matches_every_arrays_gradient(source, point)
