"""Graph to SymPy expressions, built node by node (never by parsing text), for formulas and checks."""

import functools
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
SIMPLIFY_SECONDS = 2.0


@dataclass(frozen=True)
class SymbolicGradient:
    formula: str  # d output / d variable, simplified where SymPy managed within the time limit
    value: float | None  # the formula at the point; None where SymPy gives no real number
    simplified: bool


def symbolic_gradients(graph, point):
    """d output / d variable for each variable as a formula and its value at `point`, or None
    for circuits over SYMBOLIC_MAX_GATES gates: simplification can take very long."""
    if len(graph.gates) > SYMBOLIC_MAX_GATES:
        return None
    formulas = _gradient_formulas(graph)
    symbols = variable_symbols(graph)
    substitutions = {symbols[name]: sympy.Float(value, 17) for name, value in point.items()}
    return {
        name: SymbolicGradient(str(formula), _real_value(formula, substitutions), simplified)
        for name, (formula, simplified) in formulas.items()
    }


@functools.lru_cache(maxsize=128)
def _gradient_formulas(graph):
    """Per variable, (formula, simplified?): simplify gets SIMPLIFY_SECONDS for all of them
    together, and the variables it did not reach keep their raw derivative."""
    raw = gradient_expressions(graph)
    formulas = {name: (derivative, False) for name, derivative in raw.items()}
    try:
        with deadline(SIMPLIFY_SECONDS, "simplify"):
            for name, derivative in raw.items():
                formulas[name] = (sympy.simplify(derivative), True)
    except TimeLimitError:
        pass
    return formulas


def _real_value(formula, substitutions):
    value = complex(formula.evalf(subs=substitutions))
    if value.imag != 0:
        return None
    return value.real
