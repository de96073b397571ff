"""The gate table: for each gate, its forward function, local derivatives, SymPy formula and label.

Adding a function is one entry in `OPS`: the parser, evaluator, renderer and tests read it.
Numbers are float64 with IEEE semantics (inf and nan, never an exception): every forward and
derivative function runs under `numpy.errstate(all="ignore")`, which the evaluator sets.
"""

import math
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy

NAN = np.float64("nan")


@dataclass(frozen=True)
class Op:
    """One kind of gate.

    `local_grads(*inputs, out)` returns d out / d input for each input, as numbers;
    `formula(*symbols)` is the same gate as a SymPy expression, the oracle for those numbers.
    `infix` is the operator typed between operands (`"+"`), or None for a function call.
    """

    name: str
    arity: int
    forward: Callable[..., np.float64]
    local_grads: Callable[..., tuple]
    formula: Callable[..., sympy.Expr]
    infix: str | None = None
    commutative: bool = False
    intuition: str = ""  # what the lecture says this gate does to the gradient, where it says it
    constant_intuition: str = ""  # the same, for the gate with one constant input (`*-1`, `+1`)
    kink: Callable[..., float] | None = None  # of the inputs, zero where the slope jumps
    # Of the inputs, for each operand whether PyTorch's backward formula masks its gradient there
    # (a `where` or `masked_fill`, not a product): then exactly 0 passes, even of inf or nan.
    masked: Callable[..., tuple] | None = None
    # `local_formulas(*symbols)`: d out / d input as the lecture writes them, as SymPy expressions,
    # where sympy.diff of `formula` writes them otherwise (σ(1-σ), not exp(-a)/(1 + exp(-a))**2).
    local_formulas: Callable[..., tuple] | None = None
    named: Callable[..., sympy.Expr] | None = None  # the lecture's name for the gate (σ), if it has one

    def explain(self, constants):
        """The lecture's intuition for this gate, as it is wired: with a constant or not."""
        if any(text is not None for text in constants):
            return self.constant_intuition
        return self.intuition

    def label(self, constants):
        """The text in the gate's circle, as the lecture writes it: `+`, `*-1`, `1/x`, `max`.

        `constants[i]` is the typed text of input i when it is a constant, None for a wire.
        """
        if all(text is None for text in constants):
            return self.infix or self.name
        shown = [text if text is None or self._reads_unbracketed(text) else f"({text})" for text in constants]
        if not self.infix:
            return f"{self.name}({','.join(text or 'x' for text in shown)})"
        left, right = shown
        if right is not None:
            return f"{self.infix}{right}"
        if self.commutative:
            return f"{self.infix}{left}"
        return f"{left}{self.infix}x"

    def _reads_unbracketed(self, text):
        """A number or a name reads unambiguously beside an operator, a negative one except after
        + and - (`*-1` as in the notes, but `-(-1)`); anything longer needs brackets."""
        if text.startswith("-") and self.infix in ("+", "-"):
            return False
        return re.fullmatch(r"-?[A-Za-z0-9_.]+(?:[eE][+-][0-9]+)?", text) is not None




def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _sigmoid_grad(a, out):
    # s * (1 - s), with 1 - s computed as sigmoid(-a): the subtraction would cancel where s is
    # near 1 (at a = 40 it leaves 0 where the slope is 4.2e-18).
    return (out * (1.0 / (1.0 + np.exp(a))),)


class Sigmoid(sympy.Function):
    """The lecture's σ as a SymPy function: written σ(u), its derivative σ(u)(1 - σ(u)), in terms
    of its own value as the lecture writes it. Only for showing formulas; the numbers come from
    `1/(1 + exp(-u))`, which it is rewritten as."""

    def fdiff(self, argindex=1):
        return (1 - self) * self

    def _eval_rewrite_as_exp(self, argument, **kwargs):
        return 1 / (1 + sympy.exp(-argument))

    def _sympystr(self, printer):
        return f"σ({printer._print(self.args[0])})"

    def _latex(self, printer):
        return rf"\sigma\left({printer._print(self.args[0])}\right)"


def _tanh_grad(a, out):
    # 1 - tanh(a)**2, computed as sech(a)**2: the subtraction would cancel where tanh is near 1.
    return ((1.0 / np.cosh(a)) ** 2,)


def _relu(a):
    return np.maximum(a, 0.0)


def _relu_grad(a, out):
    """relu'(0) = 0; as PyTorch's `threshold_backward`, which blocks only where a <= 0."""
    return (np.float64(0.0 if a <= 0.0 else 1.0),)


def _abs_grad(a, out):
    """sign(a), with abs'(0) = 0 and abs'(nan) = 0, as PyTorch's `sgn`."""
    return (np.float64(1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0),)


def _div_grads(a, b, out):
    # d/db a/b = -a/b**2, computed as PyTorch does, -(a/b)/b: b*b would overflow or underflow
    # first (at a = 1e300, b = 1e200 it gives 0 where the slope is -1e-100).
    return 1.0 / b, -(out / b)


def _pow_grads(a, b, out):
    """PyTorch's `pow_backward_self` and `pow_backward_exponent`: a zero exponent has slope 0
    (not 0 * a**-1, nan at a = 0), and so has a zero base with a non-negative exponent."""
    d_base = np.float64(0.0) if b == 0.0 else b * a ** (b - 1.0)
    d_exponent = np.float64(0.0) if a == 0.0 and b >= 0.0 else out * np.log(a)
    return d_base, d_exponent


def _max_grads(a, b, out):
    """The winner gets the gradient, the loser none, a tie half each; an input that is nan
    loses to nothing, as in PyTorch's `maximum` backward."""
    return _routed(a, b, a < b), _routed(b, a, b < a)


def _min_grads(a, b, out):
    return _routed(a, b, a > b), _routed(b, a, b > a)


def _routed(mine, other, lost):
    if mine == other:
        return np.float64(0.5)
    return np.float64(0.0 if lost else 1.0)


ONE = np.float64(1.0)

OPS = {
    op.name: op
    for op in [
        Op("add", 2, lambda a, b: a + b, lambda a, b, out: (ONE, ONE),
           lambda a, b: a + b, infix="+", commutative=True,
           intuition="An add gate distributes: every input gets the upstream gradient unchanged.",
           constant_intuition="Adding a constant passes the gradient through unchanged."),
        Op("sub", 2, lambda a, b: a - b, lambda a, b, out: (ONE, -ONE),
           lambda a, b: a - b, infix="-",
           intuition="A subtract gate distributes too, with the sign flipped for the second input.",
           constant_intuition="Subtracting a constant passes the gradient through; subtracting "
                              "from a constant flips its sign."),
        Op("mul", 2, lambda a, b: a * b, lambda a, b, out: (b, a),
           lambda a, b: a * b, infix="*", commutative=True,
           intuition="A multiply gate swaps: each input gets the other input's value times the "
                     "upstream gradient.",
           constant_intuition="Multiplying by a constant scales the gradient by that constant "
                              "(*-1 flips its sign)."),
        Op("div", 2, lambda a, b: a / b, _div_grads,
           lambda a, b: a / b, infix="/"),
        Op("pow", 2, lambda a, b: a**b, _pow_grads, lambda a, b: a**b, infix="**",
           masked=lambda a, b: (b == 0.0, False),
           local_formulas=lambda a, b: (b * a ** (b - 1), a**b * sympy.log(a))),
        Op("exp", 1, np.exp, lambda a, out: (out,), sympy.exp,
           intuition="exp is its own derivative: the local gradient is the gate's output."),
        Op("log", 1, np.log, lambda a, out: (1.0 / a,), sympy.log),
        Op("sqrt", 1, np.sqrt, lambda a, out: (0.5 / out,), sympy.sqrt),
        Op("sin", 1, np.sin, lambda a, out: (np.cos(a),), sympy.sin),
        Op("cos", 1, np.cos, lambda a, out: (-np.sin(a),), sympy.cos),
        Op("tan", 1, np.tan, lambda a, out: (1.0 + out * out,), sympy.tan),
        Op("tanh", 1, np.tanh, _tanh_grad, sympy.tanh, local_formulas=lambda a: (1 - sympy.tanh(a) ** 2,)),
        Op("sigmoid", 1, _sigmoid, _sigmoid_grad,
           lambda a: 1 / (1 + sympy.exp(-a)), local_formulas=lambda a: (sympy.diff(Sigmoid(a), a),),
           named=Sigmoid,
           intuition="The sigmoid's local gradient is σ(1-σ), from its own output σ."),
        Op("relu", 1, _relu, _relu_grad, lambda a: sympy.Max(0, a), kink=lambda a: a,
           masked=lambda a: (a <= 0.0,),
           intuition="A relu gate routes: it passes the gradient where its input is positive and "
                     "blocks it elsewhere."),
        Op("abs", 1, np.abs, _abs_grad, sympy.Abs, kink=lambda a: a),
        Op("max", 2, np.maximum, _max_grads, sympy.Max, commutative=True, kink=lambda a, b: a - b,
           masked=lambda a, b: (a < b, b < a),
           intuition="A max gate routes: the larger input gets all of the upstream gradient, the "
                     "other none."),
        Op("min", 2, np.minimum, _min_grads, sympy.Min, commutative=True, kink=lambda a, b: a - b,
           masked=lambda a, b: (a > b, b > a),
           intuition="A min gate routes: the smaller input gets all of the upstream gradient, the "
                     "other none."),
    ]
}

INFIX_OPS = {op.infix: op for op in OPS.values() if op.infix}
FUNCTIONS = {op.name: op for op in OPS.values() if not op.infix}
CONSTANTS = {"pi": math.pi, "e": math.e}

# The rules where a derivative is not defined, or a formula leaves float64's range: PyTorch's
# backward formulas (derivatives.yaml), except the last rule, which is ours.
CONVENTIONS = (
    "relu'(0) = 0 and abs'(0) = 0",
    "max and min split the gradient evenly between tied inputs",
    "sqrt'(0) = inf; sqrt of a negative number is nan, and so is its slope",
    "log'(x) = 1/x everywhere: log(0) = -inf with slope inf, log(-1) = nan with slope -1",
    "x**0 has slope 0 in x, also at x = 0; 0**y has slope 0 in y for y >= 0",
    "relu, max and min route the gradient, and x**0 does not depend on x: where they block it, "
    "exactly 0 passes, even of an inf or nan gradient (PyTorch's masks)",
    "a gradient of exactly 0 arriving at a gate contributes exactly 0 (never 0 * inf = nan)",
)
