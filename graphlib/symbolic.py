"""Graph to SymPy expressions, built node by node (never by parsing text), for formulas and checks."""

import functools
import time
from dataclasses import dataclass

import sympy

from graphlib.deadline import deadline
from graphlib.errors import TimeLimitError
from graphlib.graph import Const
from graphlib.ops import OPS


def variable_symbols(graph):
    return {node.name: sympy.Symbol(node.name, real=True) for node in graph.inputs}


def node_expressions(graph):
    """Each node's value as a SymPy expression of the input symbols; constants stay exact
    where they were typed as integers, so that `x**2` differentiates to `2*x`."""
    symbols = variable_symbols(graph)
    expressions = {}
    for node in graph.nodes:
        if node.is_input:
            expressions[node.id] = symbols[node.name]
            continue
        operands = [_constant(arg) if isinstance(arg, Const) else expressions[arg] for arg in node.args]
        expressions[node.id] = OPS[node.op].formula(*operands)
    return expressions


def gradient_expressions(graph):
    """d output / d variable for each variable, by `sympy.diff` of the whole expression."""
    output = node_expressions(graph)[graph.output.id]
    return {name: sympy.diff(output, symbol) for name, symbol in variable_symbols(graph).items()}


def _constant(const):
    named = {"pi": sympy.pi, "e": sympy.E}
    if const.text in named:
        return named[const.text]
    if float(const.value).is_integer() and abs(const.value) < 2**53:
        return sympy.Integer(int(const.value))
    return sympy.Float(const.value)


def gate_formulas(node):
    """The gate as a formula of its wires and the derivative with respect to each wire, as text:
    `("exp(x)", ["exp(x)"])`, `("a*b", ["b", "a"])`, `("1/x", ["-1/x**2"])`."""
    constants = tuple(arg if isinstance(arg, Const) else None for arg in node.args)
    return _gate_formulas(node.op, constants)


def local_formulas(node):
    """{operand index: d gate / d operand as text} for each wire into the gate."""
    _, derivatives = gate_formulas(node)
    return dict(zip([index for index, _ in node.wires], derivatives))


@functools.lru_cache(maxsize=1024)
def _gate_formulas(op_name, constants):
    wire_count = sum(const is None for const in constants)
    names = iter(("x",) if wire_count == 1 else ("a", "b"))
    operands = [_constant(const) if const is not None else sympy.Symbol(next(names), real=True)
                for const in constants]
    formula = OPS[op_name].formula(*operands)
    wires = [operand for operand, const in zip(operands, constants) if const is None]
    derivatives = [sympy.sstr(sympy.diff(formula, wire)) for wire in wires]
    return sympy.sstr(formula), derivatives


SYMBOLIC_MAX_GATES = 40
SYMBOLIC_SECONDS = 2.0  # once for the formulas (diff, simplify), once for their values


@dataclass(frozen=True)
class SymbolicGradient:
    formula: str  # d output / d variable, simplified where SymPy managed within the time limit
    value: float | None  # the formula at the point; None where SymPy gives no real number
    simplified: bool


def symbolic_gradients(graph, point):
    """d output / d variable for each variable as a formula and its value at `point`; None for
    circuits over SYMBOLIC_MAX_GATES gates, or where SymPy does not finish in SYMBOLIC_SECONDS
    (it can take minutes, or recurse past Python's limit, on a deep circuit)."""
    if len(graph.gates) > SYMBOLIC_MAX_GATES:
        return None
    formulas = _gradient_formulas(graph)
    if formulas is None:
        return None
    symbols = variable_symbols(graph)
    substitutions = {symbols[name]: sympy.Float(value, 17) for name, value in point.items()}
    values = {name: None for name in formulas}
    try:
        with deadline(SYMBOLIC_SECONDS, "evaluate"):
            for name, (formula, _, _) in formulas.items():
                values[name] = _real_value(formula, substitutions)
    except (TimeLimitError, RecursionError):
        pass
    return {
        name: SymbolicGradient(text, values[name], simplified)
        for name, (_, text, simplified) in formulas.items()
    }


@functools.lru_cache(maxsize=128)
def _gradient_formulas(graph):
    """Per variable, (formula, its text, simplified?), or None when even the derivatives take
    too long. Kept per graph, failures included, so that a hard circuit costs its time only
    once. Simplification shares the time left; variables it did not reach keep the raw
    derivative. Printing can be slow too, so the texts are made within the limit."""
    started = time.monotonic()
    try:
        with deadline(SYMBOLIC_SECONDS, "differentiate"):
            formulas = {name: (derivative, str(derivative), False)
                        for name, derivative in gradient_expressions(graph).items()}
    except (TimeLimitError, RecursionError):
        return None
    left = SYMBOLIC_SECONDS - (time.monotonic() - started)
    try:
        with deadline(max(left, 0.01), "simplify"):
            for name, (derivative, _, _) in list(formulas.items()):
                simple = sympy.simplify(derivative)
                formulas[name] = (simple, str(simple), True)
    except (TimeLimitError, RecursionError):
        pass
    return formulas


def _real_value(formula, substitutions):
    try:
        value = complex(formula.evalf(subs=substitutions))
    except (TypeError, ValueError):  # not a number: SymPy's zoo, nan, or a leftover symbol
        return None
    if value.imag != 0:
        return None
    return value.real
