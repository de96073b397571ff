"""The expression language (CONVENTIONS §3): text to Graph, structure exactly as typed, and every bad
input refused with the right error class, column and a message that names the fix."""

import importlib
import math
import sys
import unicodedata

import pytest

from graphlib.errors import CircuitError, ExpressionSyntaxError, LimitError
from graphlib.evaluate import evaluate
from graphlib.graph import Const, Graph
from graphlib.ops import FUNCTIONS, OPS
from graphlib.parse import MAX_DEPTH, MAX_GATES, MAX_LENGTH, MAX_TOKEN_LENGTH, MAX_VARIABLES, parse

parse_module = importlib.import_module("graphlib.parse")  # the module: the package's `parse` is the function


def labels(graph):
    return " ".join(node.label for node in graph.gates)


def bracketed(graph):
    """The graph written back as text with every gate bracketed: shows grouping and order."""
    shown = {}
    for node in graph.nodes:
        if node.is_input:
            shown[node.id] = node.name
            continue
        operands = [arg.text if isinstance(arg, Const) else shown[arg] for arg in node.args]
        op = OPS[node.op]
        if op.infix:
            shown[node.id] = f"({operands[0]}{op.infix}{operands[1]})"
        else:
            shown[node.id] = f"{op.name}({','.join(operands)})"
    return shown[graph.output.id]


# ---------------------------------------------------------------------------------------------
# Structure: one gate per operator typed, in the order typed.

GATE_LABELS = [
    pytest.param("(x+y)*z", "+ *", id="figure-1"),
    pytest.param("1/(1+exp(-(w0*x0+w1*x1+w2)))", "* * + + *-1 exp +1 1/x", id="figure-2"),
    pytest.param("2*(x*y + max(z,w))", "* max + *2", id="figure-3"),
    pytest.param("(x+sigmoid(y))/(sigmoid(x)+(x+y)**2)", "sigmoid + sigmoid + **2 + /", id="staged"),
    pytest.param("x+1", "+1", id="constant-on-the-gate"),
    pytest.param("x-1", "-1", id="subtract-constant"),
    pytest.param("2-x", "2-x", id="constant-minus-wire"),
    pytest.param("x/2", "/2", id="divide-by-constant"),
    pytest.param("-x", "*-1", id="negation-is-times-minus-one"),
    pytest.param("x*-2", "*-2", id="negative-constant"),
    pytest.param("x**2", "**2", id="square"),
    pytest.param("x^2", "**2", id="caret-is-power"),
    pytest.param("max(x,0)", "max(x,0)", id="max-with-constant"),
    pytest.param("relu(x)*tanh(y)", "relu tanh *", id="functions-in-typed-order"),
    pytest.param("x*(2*3)", "*(2*3)", id="constant-subexpression-folded"),
    pytest.param("x*(2*pi)", "*(2*pi)", id="constant-with-pi-folded"),
    pytest.param("e**x", "e**x", id="constant-e"),
    pytest.param("+x*+y", "*", id="unary-plus-adds-no-gate"),
    pytest.param("((x))*((y))", "*", id="brackets-add-no-gate"),
    pytest.param("-(a+b)", "+ *-1", id="negation-not-distributed"),
    pytest.param("(x+y)*(x+y)", "+ + *", id="repeated-subexpression-stays-two-gates"),
    pytest.param("x*y+x", "* +", id="fork"),
]


@pytest.mark.parametrize("source, expected", GATE_LABELS)
def test_gate_labels_in_node_order(source, expected):
    assert labels(parse(source)) == expected


GROUPING = [
    pytest.param("a-b-c", "((a-b)-c)", id="minus-left-associative"),
    pytest.param("a-(b-c)", "(a-(b-c))", id="brackets-group"),
    pytest.param("a/b/c", "((a/b)/c)", id="divide-left-associative"),
    pytest.param("a+b+c", "((a+b)+c)", id="plus-left-associative"),
    pytest.param("a*b*c", "((a*b)*c)", id="times-left-associative"),
    pytest.param("a+b*c", "(a+(b*c))", id="times-binds-tighter"),
    pytest.param("a*b**c", "(a*(b**c))", id="power-binds-tighter"),
    pytest.param("a**b**c", "(a**(b**c))", id="power-right-associative"),
    pytest.param("a^b^c", "(a**(b**c))", id="caret-right-associative"),
    pytest.param("-x**2", "((x**2)*-1)", id="minus-x-squared-is-minus-of-square"),
    pytest.param("(-x)**2", "((x*-1)**2)", id="bracketed-negation-squared"),
    pytest.param("x**-y", "(x**(y*-1))", id="signed-exponent"),
    pytest.param("2*x+1", "((2*x)+1)", id="order-kept-constant-first"),
    pytest.param("x*y+z*w", "((x*y)+(z*w))", id="sum-of-products"),
    pytest.param("max(a, b*c)", "max(a,(b*c))", id="function-arguments"),
    pytest.param("exp(-(a+b))", "exp(((a+b)*-1))", id="nothing-distributed"),
]


@pytest.mark.parametrize("source, expected", GROUPING)
def test_grouping_precedence_and_associativity(source, expected):
    assert bracketed(parse(source)) == expected


INPUT_ORDER = [
    pytest.param("(x+y)*z", ["x", "y", "z"], id="in-order"),
    pytest.param("z*(y+x)+x", ["z", "y", "x"], id="first-typed-order"),
    pytest.param("1/(1+exp(-(w0*x0+w1*x1+w2)))", ["w0", "x0", "w1", "x1", "w2"], id="figure-2"),
    pytest.param("x*x*x", ["x"], id="repeated-variable-once"),
    pytest.param("x_1*Foo2+b_", ["x_1", "Foo2", "b_"], id="name-characters"),
    pytest.param("exp2*sinh", ["exp2", "sinh"], id="names-that-start-like-functions"),
]


@pytest.mark.parametrize("source, expected", INPUT_ORDER)
def test_inputs_in_first_typed_order(source, expected):
    graph = parse(source)
    assert list(graph.variables) == expected
    assert [node.id for node in graph.nodes] == [f"n{i}" for i in range(len(graph.nodes))]
    assert all(node.is_input for node in graph.nodes[: len(expected)])
    assert not any(node.is_input for node in graph.nodes[len(expected):])


NUMBERS = [
    pytest.param("x*3", "3", id="integer"),
    pytest.param("x*0.5", "0.5", id="decimal"),
    pytest.param("x*.5", ".5", id="leading-dot"),
    pytest.param("x*5.", "5.", id="trailing-dot"),
    pytest.param("x*1.5e-3", "1.5e-3", id="exponent"),
    pytest.param("x*2E+2", "2E+2", id="capital-exponent"),
]


@pytest.mark.parametrize("source, text", NUMBERS)
def test_numbers_become_constants_on_the_gate(source, text):
    graph = parse(source)
    (gate,) = graph.gates
    assert graph.variables == ("x",)
    const = gate.args[1]
    assert isinstance(const, Const)
    assert const.text == text
    assert const.value == float(text)
    assert gate.label == f"*{text}"


FOLDED = [
    pytest.param("x*pi", math.pi, "pi", id="pi"),
    pytest.param("x*e", math.e, "e", id="e"),
    pytest.param("x*(2*3)", 6.0, "2*3", id="product-of-numbers"),
    pytest.param("x*(2*pi)", 2 * math.pi, "2*pi", id="product-with-pi"),
    pytest.param("x+exp(1)", math.exp(1), "exp(1)", id="function-of-a-number"),
    pytest.param("x*-(2)", -2.0, "-(2)", id="negated-number"),
    pytest.param("x*2**3**2", 2.0**9, "2**3**2", id="power-tower-of-numbers"),
]


@pytest.mark.parametrize("source, value, text", FOLDED)
def test_constant_subexpressions_fold_into_one_constant_without_a_wire(source, value, text):
    graph = parse(source)
    assert graph.variables == ("x",)
    (gate,) = graph.gates
    (const,) = [arg for arg in gate.args if isinstance(arg, Const)]
    assert const.value == pytest.approx(value, rel=1e-15)
    assert const.text == text
    assert len(gate.sources) == 1


def test_a_variable_used_several_times_is_one_input_that_forks():
    graph = parse("x*y+x*x")
    (x,) = [node for node in graph.inputs if node.name == "x"]
    assert len(graph.inputs) == 2
    assert len(graph.consumers()[x.id]) == 3


def test_a_subexpression_typed_twice_stays_two_gates():
    graph = parse("(x+y)*(x+y)")
    first, second, product = graph.gates
    assert first.args == second.args
    assert first.id != second.id
    assert product.args == (first.id, second.id)


SPANS = [
    pytest.param("(x + y) * z", ["x", "y", "z", "x + y", "(x + y) * z"], id="spaces-kept"),
    pytest.param("exp(-x)", ["x", "-x", "exp(-x)"], id="function-and-negation"),
    pytest.param("a-b-c", ["a", "b", "c", "a-b", "a-b-c"], id="left-associative"),
    pytest.param("-x**2", ["x", "x**2", "-x**2"], id="power-under-negation"),
    pytest.param("max( x , 1 )", ["x", "max( x , 1 )"], id="call-with-spaces"),
    pytest.param(" x*y ", ["x", "y", "x*y"], id="outer-spaces-dropped"),
    pytest.param(
        "1/(1+exp(-(w0*x0+w1*x1+w2)))",
        ["w0", "x0", "w1", "x1", "w2", "w0*x0", "w1*x1", "w0*x0+w1*x1", "w0*x0+w1*x1+w2",
         "-(w0*x0+w1*x1+w2)", "exp(-(w0*x0+w1*x1+w2))", "1+exp(-(w0*x0+w1*x1+w2))",
         "1/(1+exp(-(w0*x0+w1*x1+w2)))"],
        id="figure-2",
    ),
]


@pytest.mark.parametrize("source, expected", SPANS)
def test_each_node_knows_the_text_it_was_typed_as(source, expected):
    graph = parse(source)
    assert [graph.text(node) for node in graph.nodes] == expected


def test_every_function_of_the_table_parses_with_its_arity():
    for name, op in FUNCTIONS.items():
        source = f"{name}({', '.join(['x'] * op.arity)})"
        graph = parse(source)
        assert [node.op for node in graph.gates] == [name], source


def test_the_graph_is_immutable_data():
    graph = parse("(x+y)*z")
    assert isinstance(graph, Graph)
    assert isinstance(graph.nodes, tuple)
    with pytest.raises(AttributeError):
        graph.nodes = ()
    with pytest.raises(AttributeError):
        graph.output.op = "add"


LIMITS_ACCEPTED = [
    pytest.param("x" + " " * (MAX_LENGTH - 1), id="exactly-max-length"),
    pytest.param("x" + "+x" * MAX_GATES, id="exactly-max-gates"),
    pytest.param("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH, id="exactly-max-depth"),
    pytest.param("+".join(f"v{i}" for i in range(MAX_VARIABLES)), id="exactly-max-variables"),
    pytest.param("x*" + "1" * MAX_TOKEN_LENGTH, id="exactly-max-literal"),
    pytest.param("a" * MAX_TOKEN_LENGTH, id="exactly-max-name"),
    pytest.param("x*1e308", id="large-finite-number"),
]


@pytest.mark.parametrize("source", LIMITS_ACCEPTED)
def test_inputs_at_the_limits_are_accepted(source):
    graph = parse(source)
    assert graph.inputs


# ---------------------------------------------------------------------------------------------
# Errors: (source, class, 0-based position, fragments the message must contain).

SYNTAX = ExpressionSyntaxError
LIMIT = LimitError
ERRORS = [
    pytest.param("(x+y", SYNTAX, 4, ["')'", "'('", "column 1"], id="unclosed-paren"),
    pytest.param("max(x y)", SYNTAX, 6, ["')'", "found 'y'"], id="unclosed-call"),
    pytest.param("x+y)", SYNTAX, 3, ["Unmatched ')'", "column 4"], id="unmatched-close"),
    pytest.param("(x))", SYNTAX, 3, ["Unmatched ')'"], id="extra-close"),
    pytest.param("2x", SYNTAX, 1, ["Missing operator", "2*x"], id="implicit-product"),
    pytest.param("x y", SYNTAX, 2, ["Missing operator", "x*y"], id="juxtaposed-names"),
    pytest.param("1e5x", SYNTAX, 3, ["Missing operator", "1e5*x"], id="number-then-name"),
    pytest.param("x+", SYNTAX, 2, ["Expected a number", "end of the expression"], id="dangling-operator"),
    pytest.param("*x", SYNTAX, 0, ["Expected a number", "'*'"], id="leading-operator"),
    pytest.param("x**", SYNTAX, 3, ["Expected a number"], id="dangling-power"),
    pytest.param("()", SYNTAX, 1, ["Expected a number", "')'"], id="empty-brackets"),
    pytest.param("exp()", SYNTAX, 4, ["Expected a number", "')'"], id="empty-call"),
    pytest.param("max(x,,y)", SYNTAX, 6, ["Expected a number", "','"], id="double-comma"),
    pytest.param("foo(x)", SYNTAX, 0, ["Unknown function 'foo'", "Known functions", "sigmoid"], id="unknown-function"),
    pytest.param("x(y)", SYNTAX, 0, ["Unknown function 'x'"], id="variable-called"),
    pytest.param("max(x, y, z)", SYNTAX, 0, ["max takes 1 or 2 arguments", "3"], id="max-three-arguments"),
    pytest.param("exp(x, y)", SYNTAX, 0, ["exp takes 1 argument", "2"], id="exp-two-arguments"),
    pytest.param("sum(x, y)", SYNTAX, 0, ["axis of sum(W, axis)", "whole number"], id="sum-axis-not-a-number"),
    pytest.param("sum(x, 0.5)", SYNTAX, 0, ["axis of sum(W, axis)", "whole number"], id="sum-axis-not-whole"),
    pytest.param("x[y]", SYNTAX, 2, ["an index, a whole number"], id="index-not-a-number"),
    pytest.param("x[1.5]", SYNTAX, 2, ["an index, a whole number"], id="index-not-whole"),
    pytest.param("x[1", SYNTAX, 3, ["Expected ']' at column 4 to close the '[' at column 2, but found the end"],
                 id="index-not-closed"),
    pytest.param("x[1,2,3]", SYNTAX, 5, ["Expected ']' at column 6 to close the '[' at column 2, but found ','."],
                 id="three-indices"),
    pytest.param("2 @ 3 + x", SYNTAX, 2, ["2 @ 3: () @ ()", "to scale by a number use *"], id="matmul-of-numbers"),
    pytest.param("2[0] + x", SYNTAX, 1, ["a number has no entries to index"], id="index-a-number"),
    pytest.param("min(x,y,z)", SYNTAX, 0, ["min takes 2 arguments", "3"], id="min-three-arguments"),
    pytest.param("x+exp(x,y)", SYNTAX, 2, ["exp takes 1 argument", "2"], id="exp-two-arguments"),
    pytest.param("sin", SYNTAX, 0, ["function", "sin(...)"], id="function-name-alone"),
    pytest.param("x*log", SYNTAX, 2, ["function", "log(...)"], id="function-name-as-operand"),
    pytest.param("expr+1", SYNTAX, 0, ["'expr'", "reserved"], id="reserved-option-name"),
    pytest.param("precision*x", SYNTAX, 0, ["'precision'", "reserved"], id="reserved-precision"),
    pytest.param("lambda", SYNTAX, 0, ["'lambda'", "reserved"], id="python-keyword-lambda"),
    pytest.param("not x", SYNTAX, 0, ["'not'", "reserved"], id="python-keyword-not"),
    pytest.param("True*x", SYNTAX, 0, ["'True'", "reserved"], id="python-keyword-True"),
    pytest.param("x*import", SYNTAX, 2, ["'import'", "reserved"], id="python-keyword-import"),
    pytest.param('__import__("os")', SYNTAX, 0, ["'_'", "start with a letter"], id="dunder-import"),
    pytest.param("_x+1", SYNTAX, 0, ["'_'", "start with a letter"], id="underscore-name"),
    pytest.param("x.y", SYNTAX, 1, ["'.'", "column 2"], id="attribute-access"),
    pytest.param("x{0}", SYNTAX, 1, ["'{'"], id="braces"),
    pytest.param("x=1", SYNTAX, 0, ["constant (1)", "values of variables go in their own fields"],
                 id="assignment-of-a-constant"),
    pytest.param("x;y", SYNTAX, 0, ["statement at column 1 is not the last one", "named step"],
                 id="bare-expression-before-the-last"),
    pytest.param("'x'", SYNTAX, 0, ['"\'"'], id="string-quote"),
    pytest.param("\u0445+1", SYNTAX, 0, ["CYRILLIC SMALL LETTER HA", "ASCII"], id="cyrillic-ha"),
    pytest.param("x\u22121", SYNTAX, 1, ["MINUS SIGN", "Did you mean '-'"], id="unicode-minus"),
    pytest.param("x\u00d7y", SYNTAX, 1, ["MULTIPLICATION SIGN", "Did you mean '*'"], id="times-sign"),
    pytest.param("x\u00b2", SYNTAX, 1, ["SUPERSCRIPT TWO", "'**2'"], id="superscript-two"),
    pytest.param("", SYNTAX, 0, ["Type an expression"], id="empty"),
    pytest.param("  \t ", SYNTAX, 0, ["Type an expression"], id="blank"),
    pytest.param("2+3", SYNTAX, 0, ["constant", "variable"], id="constant-only"),
    pytest.param("pi", SYNTAX, 0, ["constant", "variable"], id="named-constant-only"),
    pytest.param("(-8)**(1/3)", SYNTAX, 0, ["constant", "nan"], id="constant-only-nan"),
    pytest.param("x*1e999", SYNTAX, 2, ["1e999", "too large", "float64"], id="number-overflows"),
    pytest.param("x" * (MAX_LENGTH + 1), LIMIT, MAX_LENGTH,
                 [f"{MAX_LENGTH + 1} characters", f"limit is {MAX_LENGTH}"], id="too-long"),
    pytest.param("x*" + "1" * (MAX_TOKEN_LENGTH + 1), LIMIT, 2,
                 ["number", f"{MAX_TOKEN_LENGTH + 1} characters", f"limit is {MAX_TOKEN_LENGTH}"],
                 id="number-literal-too-long"),
    pytest.param("a" * (MAX_TOKEN_LENGTH + 1), LIMIT, 0,
                 ["name", f"limit is {MAX_TOKEN_LENGTH}"], id="name-too-long"),
    pytest.param("+".join(f"v{i}" for i in range(MAX_VARIABLES + 1)), LIMIT,
                 len("+".join(f"v{i}" for i in range(MAX_VARIABLES))) + 1,
                 ["Too many variables", f"'v{MAX_VARIABLES}'", f"limit is {MAX_VARIABLES}"],
                 id="too-many-variables"),
    pytest.param("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), LIMIT, MAX_DEPTH,
                 ["nests too deeply", f"limit is {MAX_DEPTH}"], id="too-deep-brackets"),
    pytest.param("-" * (MAX_DEPTH + 1) + "x", LIMIT, MAX_DEPTH,
                 ["nests too deeply"], id="too-deep-signs"),
    pytest.param("x" + "**x" * (MAX_DEPTH + 1), LIMIT, 1 + 3 * MAX_DEPTH,
                 ["nests too deeply"], id="too-deep-powers"),
    pytest.param("exp(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), LIMIT, 4 * MAX_DEPTH + 3,
                 ["nests too deeply"], id="too-deep-calls"),
    pytest.param("(" * (MAX_LENGTH - 1) + "x", LIMIT, MAX_DEPTH,
                 ["nests too deeply"], id="deep-within-length-limit"),
    pytest.param("(" * 10000, LIMIT, MAX_LENGTH, ["10000 characters"], id="ten-thousand-brackets"),
]


@pytest.mark.parametrize("source, error, position, fragments", ERRORS)
def test_bad_expressions_are_refused_with_a_precise_error(source, error, position, fragments):
    with pytest.raises(error) as raised:
        parse(source)
    assert type(raised.value) is error
    assert raised.value.position == position, str(raised.value)
    assert raised.value.field == "expr"
    for fragment in fragments:
        assert fragment in raised.value.message, f"{fragment!r} not in {raised.value.message!r}"
    assert str(raised.value) == raised.value.message


# A message that names a fix must not suggest something that is itself refused.
MISLEADING_HINTS = [
    pytest.param("x if y else z", "'if'", "x*if", id="python-keyword-if-after-operand"),
    pytest.param("x,y", "','", "x*,", id="top-level-comma"),
]


@pytest.mark.parametrize("source, culprit, bad_hint", MISLEADING_HINTS)
def test_messages_do_not_suggest_invalid_fixes(source, culprit, bad_hint):
    with pytest.raises(ExpressionSyntaxError) as raised:
        parse(source)
    assert culprit in raised.value.message
    assert bad_hint not in raised.value.message, raised.value.message


def test_too_many_gates_points_at_the_operation_over_the_limit():
    source = "x" + "+x" * (MAX_GATES + 1)
    with pytest.raises(LimitError) as raised:
        parse(source)
    message = raised.value.message
    assert "Too many gates" in message and f"limit is {MAX_GATES}" in message
    # The gate over the limit is the last '+': that is the culprit to show, not column 1.
    last_plus = source.rindex("+")
    assert raised.value.position == last_plus, message
    assert f"column {last_plus + 1}" in message


def test_too_many_gates_in_a_call_points_at_the_function():
    # MAX_GATES additions, then exp(x) would be gate number MAX_GATES + 1.
    source = "x" + "+x" * MAX_GATES + "+exp(x)"
    with pytest.raises(LimitError) as raised:
        parse(source)
    assert "Too many gates" in raised.value.message
    assert raised.value.position == source.index("exp")


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("(" * 10000, id="10000-open-brackets"),
        pytest.param("(" * (MAX_LENGTH - 1) + "x", id="open-brackets-to-the-length-limit"),
        pytest.param("-" * (MAX_LENGTH - 1) + "x", id="minus-signs-to-the-length-limit"),
        pytest.param("x" + "**x" * 333, id="333-powers"),
    ],
)
def test_deep_input_is_a_limit_error_never_a_recursion_error(source):
    # The depth is counted while parsing, so the refusal comes long before Python's recursion
    # limit (a RecursionError would fail this test, not satisfy pytest.raises).
    with pytest.raises(LimitError):
        parse(source)


def test_every_error_is_a_circuit_error_with_a_position_inside_the_text():
    for case in ERRORS:
        source = case.values[0]
        with pytest.raises(CircuitError) as raised:
            parse(source)
        assert 0 <= raised.value.position <= len(source), (source, raised.value.position)


def test_limits_are_exported_as_module_constants():
    for name in ("MAX_LENGTH", "MAX_GATES", "MAX_DEPTH", "MAX_VARIABLES", "MAX_STEPS", "MAX_TOKEN_LENGTH"):
        assert isinstance(getattr(parse_module, name), int)


# ---------------------------------------------------------------------------------------------
# Named steps: the lecture's staged form, one step per line or per ';'.

STAGED_FIGURE_1 = "q = x + y\nf = q * z"
STAGED_APPENDIX = ("sigy = sigmoid(y); num = x + sigy; sigx = sigmoid(x); xpy = x + y; "
                   "xpysqr = xpy**2; den = sigx + xpysqr; invden = 1/den; f = num*invden")

NAMED_STEPS = [
    pytest.param(STAGED_FIGURE_1, "+ *", ["q", "f"], id="figure-1-on-two-lines"),
    pytest.param("q = x + y; f = q * z", "+ *", ["q", "f"], id="semicolons"),
    pytest.param("q = x + y; q * z", "+ *", ["q", ""], id="last-statement-unnamed"),
    pytest.param("q = x + y;\n\n f = q * z;", "+ *", ["q", "f"], id="blank-lines-and-trailing-separator"),
    pytest.param(STAGED_APPENDIX, "sigmoid + sigmoid + **2 + 1/x *",
                 ["sigy", "num", "sigx", "xpy", "xpysqr", "den", "invden", "f"], id="appendix-staged"),
    pytest.param("a = x*y; f = a*a + a", "* * +", ["a", "", "f"], id="step-used-three-times-forks"),
    pytest.param("k = 2; f = k*x", "*k", ["f"], id="named-constant-joins-its-gate"),
    pytest.param("f = (x\n+ y)", "+", ["f"], id="line-break-inside-brackets-continues"),
]


@pytest.mark.parametrize("source, expected_labels, names", NAMED_STEPS)
def test_named_steps_name_their_wires(source, expected_labels, names):
    graph = parse(source)
    assert labels(graph) == expected_labels
    assert [gate.name for gate in graph.gates] == names


def test_a_step_used_several_times_is_one_node_with_a_fork():
    graph = parse("a = x*y; f = a*a + a")
    product = graph.gates[0]
    assert [use for use, _ in graph.consumers()[product.id]] == [graph.gates[1].id] * 2 + [graph.gates[2].id]


def test_staged_and_inline_forms_compute_the_same():
    staged = evaluate(parse(STAGED_APPENDIX), {"x": 3.0, "y": -4.0})
    inline = evaluate(parse("(x+sigmoid(y))/(sigmoid(x)+(x+y)**2)"), {"x": 3.0, "y": -4.0})
    assert max(staged.values.values()) == pytest.approx(max(inline.values.values()))
    assert staged.grads["n0"] == pytest.approx(inline.grads["n1"])  # y is typed first when staged
    assert staged.grads["n1"] == pytest.approx(inline.grads["n0"])


STEP_ERRORS = [
    pytest.param("q = x + y; q = q * z", 11, ["q is defined twice", "column 12"], id="defined-twice"),
    pytest.param("f = q * z; q = x + y", 4, ["q at column 5 is used before it is defined at column 12"],
                 id="used-before-definition"),
    pytest.param("q = q + 1; f = q*x", 4, ["defined in terms of itself"], id="self-reference-cycle"),
    pytest.param("a = b + 1; b = a * 2; f = a*b", 4, ["b at column 5 is used before it is defined"],
                 id="mutual-cycle"),
    pytest.param("q = x + y; f = x * 2", 4, ["The step q at column 5 is never used"], id="unused-step"),
    pytest.param("q = x; f = q*2", 0, ["only renames a value"], id="renaming-an-input"),
    pytest.param("x*2; f = x", 0, ["statement at column 1 is not the last one"], id="bare-expression-first"),
    pytest.param("exp = x + 1; f = exp*2", 0, ["'exp' at column 1 is a reserved word", "step name"],
                 id="function-name-as-step"),
    pytest.param("y = x*2; x = 3", 4, ["x at column 5 is used before it is defined"], id="input-later-defined"),
    pytest.param("q = x +\ny", 7, ["line 1, column 8, but found the end of the line"],
                 id="line-break-after-an-operator"),
    pytest.param("q = x + y\nf = q * $", 18, ["'$'", "line 2, column 9"], id="line-and-column-in-messages"),
    pytest.param("q = = x", 4, ["Expected a number"], id="double-equals"),
    pytest.param("q = x + y f = q", 10, ["Missing operator"], id="missing-separator"),
]


@pytest.mark.parametrize("source, position, fragments", STEP_ERRORS)
def test_bad_steps_are_refused_with_a_precise_error(source, position, fragments):
    with pytest.raises(ExpressionSyntaxError) as raised:
        parse(source)
    assert raised.value.position == position, str(raised.value)
    for fragment in fragments:
        assert fragment in str(raised.value)


def test_too_many_named_steps():
    source = "; ".join(f"s{i} = x*{i + 2}" for i in range(21)) + "; f = " + "+".join(f"s{i}" for i in range(21))
    with pytest.raises(LimitError, match="Too many named steps"):
        parse(source)


@pytest.mark.parametrize("source, position, message", [
    pytest.param("1e", 1, "The number 1 at column 1 ends in 'e' with no exponent: write 1e3 for 1 × 1000, "
                 "or 1*e for the constant e.", id="exponent-missing"),
    pytest.param("x*1.5E", 5, "The number 1.5 at column 3 ends in 'E' with no exponent", id="capital-exponent-missing"),
    pytest.param("2 e", 2, "Missing operator between '2' and 'e' at column 3; for a product write 2*e.",
                 id="constant-after-a-number"),
])
def test_a_number_followed_by_e_gets_the_right_hint(source, position, message):
    with pytest.raises(ExpressionSyntaxError) as raised:
        parse(source)
    assert raised.value.position == position
    assert message in str(raised.value)


# ---------------------------------------------------------------------------------------------
# Whitespace: only space, tab, CR and LF. Every other control, format or space character is
# refused by its code point and name at its column (str.isspace() once let U+001F, U+000B, U+00A0,
# U+2028 and others through, and they reached the SVG raw).

ONLY_WHITESPACE = "Only spaces, tabs and line breaks may separate the parts of an expression."

WHITESPACE_ACCEPTED = [
    pytest.param(" x * 2 ", "*2", id="spaces"),
    pytest.param("x\t*\t2", "*2", id="tabs"),
    pytest.param("(x\r\n*\r\n2)", "*2", id="crlf-inside-brackets"),
    pytest.param("x\r*2", "*2", id="lone-carriage-return"),
    pytest.param("q = x*2\r\nf = q+1", "*2 +1", id="crlf-between-steps"),
    pytest.param("x*(2 + 3)", "*(2 + 3)", id="spaces-kept-in-a-folded-constant"),
    pytest.param("x*(2\t+\n3)", "*(2\t+\n3)", id="tab-and-line-feed-kept-in-a-folded-constant"),
]


@pytest.mark.parametrize("source, expected", WHITESPACE_ACCEPTED)
def test_space_tab_cr_and_lf_separate_tokens(source, expected):
    assert labels(parse(source)) == expected


INVISIBLE = [
    # (source, position, the character as the message names it)
    pytest.param("x*(2\x1f+3)", 4, "U+001F (INFORMATION SEPARATOR ONE)", id="unit-separator-in-a-constant"),
    pytest.param("x*(2\x1e+3)", 4, "U+001E (INFORMATION SEPARATOR TWO)", id="record-separator"),
    pytest.param("x*(2\x1d+3)", 4, "U+001D (INFORMATION SEPARATOR THREE)", id="group-separator"),
    pytest.param("x*(2\x1c+3)", 4, "U+001C (INFORMATION SEPARATOR FOUR)", id="file-separator"),
    pytest.param("x\x0b*2", 1, "U+000B (LINE TABULATION)", id="vertical-tab"),
    pytest.param("x\x0c*2", 1, "U+000C (FORM FEED)", id="form-feed"),
    pytest.param("x\x00", 1, "U+0000 (NULL)", id="nul"),
    pytest.param("x\x1b[31m", 1, "U+001B (ESCAPE)", id="terminal-escape"),
    pytest.param("x\x7f", 1, "U+007F (DELETE)", id="delete"),
    pytest.param("x\x85*2", 1, "U+0085 (NEXT LINE)", id="next-line"),
    pytest.param("x\x9b", 1, "U+009B (CONTROL SEQUENCE INTRODUCER)", id="c1-control"),
    pytest.param("x\u00a0*2", 1, "U+00A0 (NO-BREAK SPACE)", id="no-break-space"),
    pytest.param("x*\u20032", 2, "U+2003 (EM SPACE)", id="em-space"),
    pytest.param("\u3000x", 0, "U+3000 (IDEOGRAPHIC SPACE)", id="ideographic-space"),
    pytest.param("x\u2028", 1, "U+2028 (LINE SEPARATOR)", id="line-separator"),
    pytest.param("x\u2029", 1, "U+2029 (PARAGRAPH SEPARATOR)", id="paragraph-separator"),
    pytest.param("x\u200b*2", 1, "U+200B (ZERO WIDTH SPACE)", id="zero-width-space"),
    pytest.param("x\u200d*2", 1, "U+200D (ZERO WIDTH JOINER)", id="zero-width-joiner"),
    pytest.param("\ufeffx", 0, "U+FEFF (ZERO WIDTH NO-BREAK SPACE)", id="byte-order-mark"),
    pytest.param("x\u00ad*2", 1, "U+00AD (SOFT HYPHEN)", id="soft-hyphen"),
    pytest.param("x\u202e*2", 1, "U+202E (RIGHT-TO-LEFT OVERRIDE)", id="right-to-left-override"),
    pytest.param("x*2\U000e0001", 3, "U+E0001 (LANGUAGE TAG)", id="astral-format-character"),
    pytest.param("\x1f", 0, "U+001F (INFORMATION SEPARATOR ONE)", id="alone-is-not-an-empty-expression"),
    pytest.param("\u00a0 ", 0, "U+00A0 (NO-BREAK SPACE)", id="no-break-space-alone"),
]


@pytest.mark.parametrize("source, position, name", INVISIBLE)
def test_other_invisible_characters_are_refused_by_name_at_their_column(source, position, name):
    with pytest.raises(ExpressionSyntaxError) as raised:
        parse(source)
    assert raised.value.position == position
    assert raised.value.message == (
        f"Unexpected character {name} at column {position + 1}. {ONLY_WHITESPACE}")


def test_an_invisible_character_on_a_later_line_is_found_by_line_and_column():
    with pytest.raises(ExpressionSyntaxError) as raised:
        parse("q = x + y\nf = q *\x0bz")
    assert raised.value.position == 17
    assert "U+000B (LINE TABULATION) at line 2, column 8." in raised.value.message


def every_character_of(categories):
    return [chr(code) for code in range(sys.maxunicode + 1)
            if unicodedata.category(chr(code)) in categories]


def test_every_control_format_and_space_character_but_four_is_refused():
    """All of Unicode's categories Cc, Cf, Zs, Zl and Zp, not only the ones in the table."""
    invisible = [char for char in every_character_of({"Cc", "Cf", "Zs", "Zl", "Zp"}) if char not in " \t\r\n"]
    assert len(invisible) > 200
    for char in invisible:
        with pytest.raises(ExpressionSyntaxError) as raised:
            parse(f"x{char}*2")
        assert raised.value.position == 1, repr(char)
        assert raised.value.message.startswith(f"Unexpected character U+{ord(char):04X} ("), raised.value.message


def test_control_characters_are_named_by_their_unicode_aliases():
    """Unicode gives controls no name, only aliases, which unicodedata.lookup() reads back."""
    controls = every_character_of({"Cc"})
    assert sorted(parse_module.CONTROL_NAMES) == [ord(char) for char in controls]
    for code, name in parse_module.CONTROL_NAMES.items():
        assert unicodedata.lookup(name) == chr(code), name
        assert parse_module.character_name(chr(code)) == f"U+{code:04X} ({name})"


@pytest.mark.parametrize("char, expected", [
    pytest.param("\x1f", "U+001F (INFORMATION SEPARATOR ONE)", id="control-by-its-alias"),
    pytest.param("\u00a0", "U+00A0 (NO-BREAK SPACE)", id="by-its-name"),
    pytest.param("\U0001f600", "U+1F600 (GRINNING FACE)", id="astral"),
    pytest.param("\ue000", "U+E000", id="private-use-has-no-name"),
    pytest.param("\U000e0080", "U+E0080", id="unassigned-has-no-name"),
])
def test_character_names(char, expected):
    assert parse_module.character_name(char) == expected
