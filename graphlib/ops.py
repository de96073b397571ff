"""The gate table: each gate is one entry of `OPS`, holding everything about it.

Adding a function is one entry: the parser, evaluator, renderer, explanations, code generators,
the page's help and the README's list of functions (graphlib/language.py) all read it, and the
tables derived from it (`FUNCTIONS`, `INFIX_OPS`) read it live.
Numbers are float64 with IEEE semantics (inf and nan, never an exception): every forward and
derivative function runs under `numpy.errstate(all="ignore")`, which the evaluator sets.
"""

import re
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Callable

import numpy as np
import sympy

from . import arrays
from .i18n import N_, translated
from .gatecode import ArrayGate, ArrayRule, Masked, PythonGate, Route, TorchGate, number_literal

NAN = np.float64("nan")


@dataclass(frozen=True)
class Op:
    """One kind of gate, as the lecture draws, computes, explains and codes it.

    `local_grads(*inputs, out)` returns d out / d input for each input, as numbers;
    `formula(*symbols)` is the same gate as a SymPy expression, the oracle for those numbers.
    """

    # --- What it is: the name it is typed as (a function) or known by (an operator).
    name: str
    arity: int
    # --- Its numbers, float64 (evaluate.py), and the same gate in SymPy (symbolic.py).
    # An elementwise gate has `local_grads`, computed entry by entry on arrays as on numbers;
    # an array gate (arrays.py) mixes entries and has `vjp`, `jvp` and `shape` instead.
    forward: Callable[..., np.float64]
    local_grads: Callable[..., tuple] | None
    formula: Callable[..., sympy.Expr] | None
    _: KW_ONLY
    # --- Its code (codegen.py): the staged Python repeats `forward` and `local_grads`
    # operation for operation, so that the program's numbers are the diagram's, bit for bit.
    python: PythonGate | None = None
    torch: TorchGate | None = None
    # --- An array gate's numbers (arrays.py): `vjp(upstream, *inputs, out)` gives each input's
    # gradient, `jvp(tangents, *inputs, out)` the output's tangent, and `shape(*shapes)` the
    # output's shape from the inputs' (a constant parameter's number in place of its shape).
    vjp: Callable[..., tuple] | None = None
    jvp: Callable[..., np.ndarray] | None = None
    shape: Callable[..., tuple] | None = None
    parameters_from: int | None = None  # operands from this one on are constant whole numbers (axis, index)
    typed_as: str = ""  # the function's name as typed, where two gates share it (sum(v), sum(v, axis))
    parameters: tuple = ()  # the names `usage` gives the parameters, where PARAMETERS' do not fit
    indexing: bool = False  # typed as v[2] or W[1, 0], not as a function
    # --- How it is typed and read: `help` says what a function computes, in terms of its
    # parameters (x, or a and b), for the page's help and the README (graphlib/language.py).
    help: str = ""
    infix: str | None = None  # the operator typed between operands (`"+"`), None for a function
    commutative: bool = False
    # The sentences below are in English, marked with N_ and translated where shown (i18n.py).
    intuition: str = ""  # what the lecture says this gate does to the gradient, where it says it
    constant_intuition: str = ""  # the same, for the gate with one constant input (`*-1`, `+1`)
    # `local_formulas(*symbols)`: d out / d input as the lecture writes them, as SymPy expressions,
    # where sympy.diff of `formula` writes them otherwise (σ(1-σ), not exp(-a)/(1 + exp(-a))**2).
    local_formulas: Callable[..., tuple] | None = None
    named: Callable[..., sympy.Expr] | None = None  # the lecture's name for the gate (σ), if it has one
    # --- Where a slope is a convention, not a derivative (CONVENTIONS below).
    kink: Callable[..., float] | None = None  # of the inputs, zero where the slope jumps
    # Of the inputs, for each operand whether PyTorch's backward formula masks its gradient there
    # (a `where` or `masked_fill`, not a product): then exactly 0 passes, even of inf or nan.
    masked: Callable[..., tuple] | None = None

    @property
    def elementwise(self):
        """Whether the gate works entry by entry (on a number, its one entry)."""
        return self.local_grads is not None

    @property
    def typed_name(self):
        return self.typed_as or self.name

    @property
    def is_function(self):
        return not self.infix and not self.indexing

    @property
    def usage(self):
        """A function as typed, with the parameters its `help` names: `sigmoid(x)`, `max(a, b)`."""
        return f"{self.typed_name}({', '.join(self.parameters or PARAMETERS[self.arity])})"

    def explain(self, constants):
        """The lecture's intuition for this gate, as it is wired (with a constant or not), in the
        language in use ("" where the lecture says nothing)."""
        text = self.constant_intuition if any(text is not None for text in constants) else self.intuition
        return translated(text)

    def label(self, constants):
        """The text in the gate's circle, as the lecture writes it: `+`, `*-1`, `1/x`, `max`.

        `constants[i]` is the typed text of input i when it is a constant, None for a wire.
        """
        if self.indexing:
            return f"[{','.join(constants[1:])}]"
        if all(text is None for text in constants):
            return self.infix or self.typed_name
        shown = [text if text is None or self._reads_unbracketed(text) else f"({text})" for text in constants]
        if not self.infix:
            return f"{self.typed_name}({','.join(text or 'x' for text in shown)})"
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


PARAMETERS = {1: ("x",), 2: ("a", "b")}


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
    return (np.where(a <= 0.0, 0.0, 1.0),)


def _abs_grad(a, out):
    """sign(a), with abs'(0) = 0 and abs'(nan) = 0, as PyTorch's `sgn`."""
    return (np.where(a > 0.0, 1.0, np.where(a < 0.0, -1.0, 0.0)),)


# _abs_grad in the staged program.
_SIGN = '''\
def _sign(a):
    """abs'(a): 1 or -1, and 0 at 0 (and for nan), as PyTorch."""
    if a > 0.0:
        return 1.0
    return -1.0 if a < 0.0 else 0.0
'''


def _div_grads(a, b, out):
    # d/db a/b = -a/b**2, computed as PyTorch does, -(a/b)/b: b*b would overflow or underflow
    # first (at a = 1e300, b = 1e200 it gives 0 where the slope is -1e-100).
    return 1.0 / b, -(out / b)


def _reciprocal_slope(constants, fields):
    """1 / b in the staged program; for a constant b, the number itself (plain Python's
    1.0 / 0.0 would raise)."""
    divisor = constants[1]
    if divisor is not None:
        with np.errstate(all="ignore"):
            return number_literal(np.float64(1.0) / np.float64(divisor))
    return "1.0 / {1}"


def _pow_grads(a, b, out):
    """PyTorch's `pow_backward_self` and `pow_backward_exponent`: a zero exponent has slope 0
    (not 0 * a**-1, nan at a = 0), and so has a zero base with a non-negative exponent."""
    d_base = np.where(b == 0.0, 0.0, b * a ** (b - 1.0))
    d_exponent = np.where((a == 0.0) & (b >= 0.0), 0.0, out * np.log(a))
    return d_base, d_exponent


def _pow_base_slope(constants, fields):
    """_pow_grads' d_base in the staged program, masked for exponent 0."""
    exponent = constants[1]
    if exponent is not None:
        if exponent == 0.0:
            return Route("0.0")  # x**0 does not depend on x
        return f"{fields['1']} * {fields['0']} ** {number_literal(exponent - 1.0)}"
    return Route("0.0 if {1} == 0.0 else ({1} * {0} ** ({1} - 1.0)) * {up} if {up} else 0.0")


def _pow_base_array_slope(constants, fields):
    """_pow_grads' d_base on arrays: masked where the exponent is 0."""
    exponent = constants[1]
    if exponent is not None:
        if exponent == 0.0:
            return Route("np.zeros_like({0})")  # x**0 does not depend on x
        return f"{fields['1']} * {fields['0']} ** {number_literal(exponent - 1.0)}"
    return Masked("{1} * {0} ** ({1} - 1.0)", "{1} == 0.0")


def _pow_exponent_array_slope(constants, fields):
    base = constants[0]
    if base is not None and base != 0.0:
        return "{out} * np.log({0})"
    return "np.where(({0} == 0.0) & ({1} >= 0.0), 0.0, {out} * np.log({0}))"


def _pow_exponent_slope(constants, fields):
    """_pow_grads' d_exponent in the staged program: 0 for base 0, exponent >= 0."""
    base = constants[0]
    if base is not None and base != 0.0:
        return "{out} * np.log({0})"
    return "(0.0 if {0} == 0.0 and {1} >= 0.0 else {out} * np.log({0}))"


def _max_grads(a, b, out):
    """The winner gets the gradient, the loser none, a tie half each; an input that is nan
    loses to nothing, as in PyTorch's `maximum` backward."""
    return _routed(a, b, a < b), _routed(b, a, b < a)


def _min_grads(a, b, out):
    return _routed(a, b, a > b), _routed(b, a, b > a)


def _routed(mine, other, lost):
    return np.where(mine == other, 0.5, np.where(lost, 0.0, 1.0))


# _max_grads and _min_grads in the staged program, upstream gradient included: a blocked
# operand gets exactly 0, as PyTorch's masks give.
_MAX_ROUTE = '''\
def _max_route(mine, other, upstream):
    """The part of a max gate's gradient `upstream` that reaches the operand `mine`:
    all of it if it won, none if it lost (not even inf or nan), half at a tie."""
    if mine < other or upstream == 0.0:
        return 0.0
    return upstream * 0.5 if mine == other else upstream
'''
_MIN_ROUTE = '''\
def _min_route(mine, other, upstream):
    """The part of a min gate's gradient `upstream` that reaches the operand `mine`:
    all of it if it won, none if it lost (not even inf or nan), half at a tie."""
    if mine > other or upstream == 0.0:
        return 0.0
    return upstream * 0.5 if mine == other else upstream
'''


def _router(name, forward, local_grads, formula, helper, masked, help, intuition):
    """max or min: the two routing gates, which differ in which input wins."""
    route = f"_{name}_route"
    loses = "<" if name == "max" else ">"
    return Op(name, 2, forward, local_grads, formula,
              python=PythonGate(name, f"np.{forward.__name__}({{0}}, {{1}})",
                                (Route(f"{route}({{0}}, {{1}}, {{up}})"), Route(f"{route}({{1}}, {{0}}, {{up}})")),
                                {route: helper},
                                array_slopes=(Masked("np.where({0} == {1}, 0.5, 1.0)", f"{{0}} {loses} {{1}}"),
                                              Masked("np.where({1} == {0}, 0.5, 1.0)", f"{{1}} {loses} {{0}}"))),
              torch=TorchGate(f"torch.{forward.__name__}({{0}}, {{1}})", tensor_operands=True),
              help=help,
              commutative=True,
              intuition=intuition,
              kink=lambda a, b: a - b, masked=masked)


# --- The array gates' code: the lecture's "gradients for vectorized operations", each as the
# staged program computes it (arrays.py's vjp, operation for operation) and over the shapes.

def _matmul_rules(index):
    """D = A @ B: dA = dD @ B.T and dB = A.T @ dD; with a vector, an outer product or a
    product with the vector (h = W @ x: dW = np.outer(dh, x), dx = W.T @ dh)."""
    def rule(shapes):
        vectors = tuple(len(shape) == 1 for shape in shapes)
        if vectors == (True, True):  # a dot product, one number: each gets the other, scaled
            return ArrayRule(f"{{up}} * {{{1 - index}}}", f"{{up}} * {{{1 - index}}}")
        if vectors == (False, True):  # h = W @ x
            return (ArrayRule("np.outer({up}, {1})", "{up} ⊗ {1}"),
                    ArrayRule("{0}.T @ {up}", "{0}.T @ {up}"))[index]
        if vectors == (True, False):  # h = x @ W
            return (ArrayRule("{1} @ {up}", "{1} @ {up}"),
                    ArrayRule("np.outer({0}, {up})", "{0} ⊗ {up}"))[index]
        return (ArrayRule("{up} @ {1}.T", "{up} @ {1}.T"), ArrayRule("{0}.T @ {up}", "{0}.T @ {up}"))[index]
    return rule


_SOFTMAX = '''\
def _softmax(z):
    """exp(z) / sum(exp(z)), the largest entry subtracted first so that exp cannot overflow
    (where it is inf or nan, every entry is nan, as in PyTorch)."""
    exps = np.exp(z - np.max(z))
    return exps / np.sum(exps)
'''
_LOG_SOFTMAX = '''\
def _log_softmax(z):
    """z - logsumexp(z), the largest entry subtracted first, as in _softmax."""
    shifted = z - np.max(z)
    return shifted - np.log(np.sum(np.exp(shifted)))
'''
_LOGSUMEXP = '''\
def _logsumexp(z):
    """log(sum(exp(z))), the largest entry subtracted first and added back (0 where it is inf
    or nan, as in PyTorch)."""
    largest = np.max(z)
    shift = largest if np.isfinite(largest) else 0.0
    return np.log(np.sum(np.exp(z - shift))) + shift
'''
# arrays.amax_vjp and index_vjp in the staged program.
_TO_THE_WINNERS = '''\
def _to_the_winners(entries, largest, upstream):
    """max(v)'s gradient: the upstream gradient shared evenly by the entries that hold the
    largest (tied ones share it; where the largest is nan, the nan entries), 0 for the others."""
    winners = np.isnan(entries) if np.isnan(largest) else entries == largest
    return np.where(winners, upstream / np.count_nonzero(winners), 0.0)[()]  # [()]: a number stays one
'''
_SCATTER = '''\
def _scatter(like, index, upstream):
    """The gradient of an indexed vector or matrix: the upstream gradient at `index`, 0 elsewhere."""
    gradient = np.zeros_like(like)
    gradient[index] = upstream
    return gradient
'''

ONE = np.float64(1.0)

OPS = {
    op.name: op
    for op in [
        Op("add", 2, lambda a, b: a + b, lambda a, b, out: (ONE, ONE), lambda a, b: a + b,
           python=PythonGate("add", "{0} + {1}", ("1.0", "1.0")), torch=TorchGate("{0} + {1}"),
           infix="+", commutative=True,
           intuition=N_("An add gate distributes: every input gets the upstream gradient unchanged."),
           constant_intuition=N_("Adding a constant passes the gradient through unchanged.")),
        Op("sub", 2, lambda a, b: a - b, lambda a, b, out: (ONE, -ONE), lambda a, b: a - b,
           python=PythonGate("sub", "{0} - {1}", ("1.0", "-1.0")), torch=TorchGate("{0} - {1}"),
           infix="-",
           intuition=N_("A subtract gate distributes too, with the sign flipped for the second input."),
           constant_intuition=N_("Subtracting a constant passes the gradient through; subtracting "
                                 "from a constant flips its sign.")),
        Op("mul", 2, lambda a, b: a * b, lambda a, b, out: (b, a), lambda a, b: a * b,
           python=PythonGate("mul", "{0} * {1}", ("{1}", "{0}")), torch=TorchGate("{0} * {1}"),
           infix="*", commutative=True,
           intuition=N_("A multiply gate swaps: each input gets the other input's value times the "
                        "upstream gradient."),
           constant_intuition=N_("Multiplying by a constant scales the gradient by that constant "
                                 "(*-1 flips its sign).")),
        Op("div", 2, lambda a, b: a / b, _div_grads, lambda a, b: a / b,
           python=PythonGate("div", "{0} / {1}", (_reciprocal_slope, "-{out} / {1}")),
           torch=TorchGate("{0} / {1}"),
           infix="/"),
        Op("pow", 2, lambda a, b: a**b, _pow_grads, lambda a, b: a**b,
           python=PythonGate("pow", "{0} ** {1}", (_pow_base_slope, _pow_exponent_slope),
                             array_slopes=(_pow_base_array_slope, _pow_exponent_array_slope)),
           torch=TorchGate("{0} ** {1}"),
           infix="**", local_formulas=lambda a, b: (b * a ** (b - 1), a**b * sympy.log(a)),
           masked=lambda a, b: (b == 0.0, False)),
        Op("exp", 1, np.exp, lambda a, out: (out,), sympy.exp,
           python=PythonGate("exp", "np.exp({0})", ("{out}",)), torch=TorchGate("torch.exp({0})"),
           help="e**x",
           intuition=N_("exp is its own derivative: the local gradient is the gate's output.")),
        Op("log", 1, np.log, lambda a, out: (1.0 / a,), sympy.log,
           python=PythonGate("log", "np.log({0})", ("1.0 / {0}",)), torch=TorchGate("torch.log({0})"),
           help=N_("the natural logarithm of x")),
        Op("sqrt", 1, np.sqrt, lambda a, out: (0.5 / out,), sympy.sqrt,
           python=PythonGate("sqrt", "np.sqrt({0})", ("0.5 / {out}",)), torch=TorchGate("torch.sqrt({0})"),
           help=N_("the square root of x")),
        Op("sin", 1, np.sin, lambda a, out: (np.cos(a),), sympy.sin,
           python=PythonGate("sin", "np.sin({0})", ("np.cos({0})",)), torch=TorchGate("torch.sin({0})"),
           help=N_("the sine of x, in radians")),
        Op("cos", 1, np.cos, lambda a, out: (-np.sin(a),), sympy.cos,
           python=PythonGate("cos", "np.cos({0})", ("-np.sin({0})",)), torch=TorchGate("torch.cos({0})"),
           help=N_("the cosine of x, in radians")),
        Op("tan", 1, np.tan, lambda a, out: (1.0 + out * out,), sympy.tan,
           python=PythonGate("tan", "np.tan({0})", ("1.0 + {out} * {out}",)), torch=TorchGate("torch.tan({0})"),
           help=N_("the tangent of x, in radians")),
        Op("tanh", 1, np.tanh, _tanh_grad, sympy.tanh,
           python=PythonGate("tanh", "np.tanh({0})", ("(1.0 / np.cosh({0})) ** 2",)),
           torch=TorchGate("torch.tanh({0})"),
           help="(exp(x) - exp(-x))/(exp(x) + exp(-x))",
           local_formulas=lambda a: (1 - sympy.tanh(a) ** 2,)),
        Op("sigmoid", 1, _sigmoid, _sigmoid_grad, lambda a: 1 / (1 + sympy.exp(-a)),
           python=PythonGate("sig", "1.0 / (1.0 + np.exp({neg0}))", ("{out} * (1.0 / (1.0 + np.exp({0})))",)),
           torch=TorchGate("torch.sigmoid({0})"),
           help="σ(x) = 1/(1 + exp(-x))",
           local_formulas=lambda a: (sympy.diff(Sigmoid(a), a),), named=Sigmoid,
           intuition=N_("The sigmoid's local gradient is σ(1-σ), from its own output σ.")),
        Op("relu", 1, _relu, _relu_grad, lambda a: sympy.Max(0, a),
           python=PythonGate("relu", "np.maximum({0}, 0.0)", (Route("0.0 if {0} <= 0.0 or not {up} else {up}"),),
                             array_slopes=(Masked("1.0", "{0} <= 0.0"),)),
           torch=TorchGate("torch.relu({0})"),
           help="max(x, 0)",
           intuition=N_("A relu gate routes: it passes the gradient where its input is positive and "
                        "blocks it elsewhere."),
           kink=lambda a: a, masked=lambda a: (a <= 0.0,)),
        Op("abs", 1, np.abs, _abs_grad, sympy.Abs,
           python=PythonGate("abs", "np.abs({0})", ("_sign({0})",), {"_sign": _SIGN},
                             array_slopes=("np.where({0} > 0.0, 1.0, np.where({0} < 0.0, -1.0, 0.0))",)),
           torch=TorchGate("torch.abs({0})"),
           help="|x|",
           kink=lambda a: a),
        _router("max", np.maximum, _max_grads, sympy.Max, _MAX_ROUTE, lambda a, b: (a < b, b < a),
                help=N_("the larger of a and b"),
                intuition=N_("A max gate routes: the larger input gets all of the upstream gradient, the other none.")),
        _router("min", np.minimum, _min_grads, sympy.Min, _MIN_ROUTE, lambda a, b: (a > b, b > a),
                help=N_("the smaller of a and b"),
                intuition=N_("A min gate routes: the smaller input gets all of the upstream gradient, the other none.")),
        # The array gates (arrays.py): each mixes the entries of its inputs.
        Op("matmul", 2, np.matmul, None, None,
           vjp=arrays.matmul_vjp, jvp=arrays.matmul_jvp, shape=arrays.matmul_shape,
           python=ArrayGate("matmul", "{0} @ {1}", (_matmul_rules(0), _matmul_rules(1)),
                            ("α @ β", r"\alpha \beta"),
                            (("δ @ β.T", r"\delta \beta^{\top}"), ("α.T @ δ", r"\alpha^{\top} \delta"))),
           torch=TorchGate("{0} @ {1}"),
           infix="@",
           intuition=N_("A matrix product's gradient is a matrix product again: for h = W @ x, "
                        "dW = dh xᵀ (an outer product) and dx = Wᵀ dh, each of the shape of what it "
                        "is the gradient of.")),
        Op("transpose", 1, np.transpose, None, None,
           vjp=arrays.transpose_vjp, jvp=arrays.transpose_jvp, shape=arrays.transpose_shape,
           python=ArrayGate("transpose", "{0}.T", (ArrayRule("np.transpose({up})", "{up}.T", "{up}.T", view=True),),
                            ("α.T", r"\alpha^{\top}"), (("δ.T", r"\delta^{\top}"),)),
           torch=TorchGate("torch.t({0})"),
           parameters=("W",), help=N_("W transposed (also written W.T); a vector stays as it is"),
           intuition=N_("A transpose gate transposes the gradient back.")),
        Op("sum", 1, np.sum, None, None,
           vjp=arrays.sum_vjp, jvp=arrays.sum_jvp, shape=arrays.reduce_shape,
           python=ArrayGate("sum", "np.sum({0})", (ArrayRule("np.ones_like({0}) * {up}", N_("{up} broadcast")),),
                            ("sum(α)", r"\sum \alpha"), (("δ * ones_like(α)", r"\delta \mathbf{1}"),)),
           torch=TorchGate("torch.sum({0})"),
           help=N_("the sum of the entries of x"),
           intuition=N_("A sum gate distributes: every entry gets the upstream gradient unchanged.")),
        Op("sum_axis", 2, arrays.sum_axis_forward, None, None,
           vjp=arrays.sum_axis_vjp, jvp=arrays.sum_axis_jvp, shape=arrays.sum_axis_shape,
           python=ArrayGate("sum", "np.sum({0}, axis={int1})",
                            (ArrayRule("np.ones_like({0}) * np.expand_dims({up}, {int1})", N_("{up} broadcast along axis {int1}")), None),
                            ("sum(α, {int1})", r"\textstyle\sum_{{int1}} \alpha"),
                            (("expand_dims(δ, {int1}) * ones_like(α)", r"\delta \mathbf{1}^{\top}"),)),
           torch=TorchGate("torch.sum({0}, dim={int1})"),
           parameters_from=1, typed_as="sum", parameters=("W", "axis"),
           help=N_("W summed along an axis: 0 adds up the rows, 1 the columns"),
           intuition=N_("A sum gate distributes: each entry gets the upstream gradient of its sum.")),
        Op("mean", 1, np.mean, None, None,
           vjp=arrays.mean_vjp, jvp=arrays.mean_jvp, shape=arrays.reduce_shape,
           python=ArrayGate("mean", "np.mean({0})", (ArrayRule("np.ones_like({0}) * ({up} / {0}.size)", N_("{up} / {size0} broadcast")),),
                            ("mean(α)", r"\operatorname{mean}(\alpha)"),
                            (("δ / α.size * ones_like(α)", r"\tfrac{\delta}{\dim \alpha} \mathbf{1}"),)),
           torch=TorchGate("torch.mean({0})"),
           help=N_("the mean of the entries of x"),
           intuition=N_("A mean gate distributes the upstream gradient divided by the number of entries.")),
        Op("amax", 1, np.max, None, None,
           vjp=arrays.amax_vjp, jvp=arrays.amax_jvp, shape=arrays.reduce_shape, kink=arrays.amax_kink,
           python=ArrayGate("max", "np.max({0})",
                            (ArrayRule("_to_the_winners({0}, {out}, {up})", N_("{up} to the largest"),
                                       "np.where({0} == {out}, {up} / np.count_nonzero({0} == {out}), 0.0)"),),
                            ("max(α)", r"\max \alpha"),
                            (("where(α == max(α), δ / count_nonzero(α == max(α)), 0)",
                              r"\delta\,[\alpha = \max \alpha] / \textstyle\sum [\alpha = \max \alpha]"),),
                            {"_to_the_winners": _TO_THE_WINNERS}),
           torch=TorchGate("torch.max({0})"),
           typed_as="max", parameters=("v",),
           help=N_("the largest entry of v"),
           intuition=N_("A max gate routes: the largest entry gets all of the upstream gradient, the "
                        "others none (tied entries share it evenly).")),
        Op("softmax", 1, arrays.softmax, None, None,
           vjp=arrays.softmax_vjp, jvp=arrays.softmax_jvp, shape=arrays.vector_shape("softmax"),
           python=ArrayGate("softmax", "_softmax({0})",
                            (ArrayRule("({up} - np.sum({up} * {out})) * {out}", N_("{up} and {out}")),),
                            ("softmax(α)", r"\operatorname{softmax}(\alpha)"),
                            (("(δ - sum(δ * softmax(α))) * softmax(α)",
                              r"(\delta - \textstyle\sum \delta \odot \operatorname{softmax}(\alpha)) \odot \operatorname{softmax}(\alpha)"),),
                            {"_softmax": _SOFTMAX}),
           torch=TorchGate("torch.softmax({0}, dim=0)"),
           help=N_("exp(x) / sum(exp(x)), of a vector x"),
           intuition=N_("The softmax's gradient is s * (dy - sum(dy * s)), from its own output s.")),
        Op("log_softmax", 1, arrays.log_softmax, None, None,
           vjp=arrays.log_softmax_vjp, jvp=arrays.log_softmax_jvp, shape=arrays.vector_shape("log_softmax"),
           python=ArrayGate("log_softmax", "_log_softmax({0})",
                            (ArrayRule("{up} - np.exp({out}) * np.sum({up})", N_("{up} and {out}")),),
                            ("log_softmax(α)", r"\log \operatorname{softmax}(\alpha)"),
                            (("δ - softmax(α) * sum(δ)", r"\delta - \operatorname{softmax}(\alpha) \textstyle\sum \delta"),),
                            {"_log_softmax": _LOG_SOFTMAX}),
           torch=TorchGate("torch.log_softmax({0}, dim=0)"),
           help=N_("x - logsumexp(x), of a vector x: the log-probabilities of a softmax"),
           intuition=N_("log_softmax's gradient is dy - softmax(x) * sum(dy).")),
        Op("logsumexp", 1, arrays.logsumexp, None, None,
           vjp=arrays.logsumexp_vjp, jvp=arrays.logsumexp_jvp, shape=arrays.vector_shape("logsumexp", reduces=True),
           python=ArrayGate("logsumexp", "_logsumexp({0})",
                            (ArrayRule("{up} * np.exp({0} - {out})", "{up} * {0}"),),
                            ("logsumexp(α)", r"\operatorname{logsumexp}(\alpha)"),
                            (("δ * softmax(α)", r"\delta \operatorname{softmax}(\alpha)"),),
                            {"_logsumexp": _LOGSUMEXP}),
           torch=TorchGate("torch.logsumexp({0}, dim=0)"),
           help=N_("log(sum(exp(x))), of a vector x, computed without overflow"),
           intuition=N_("logsumexp's gradient is the upstream gradient times softmax(x).")),
        Op("index", 2, arrays.index_forward, None, None,
           vjp=arrays.index_vjp, jvp=arrays.index_jvp, shape=arrays.index_shape,
           python=ArrayGate("index", "{0}[{index}]",
                            (ArrayRule("_scatter({0}, {position}, {up})", N_("{up} at [{index}]"),
                                       "np.zeros_like({0}); {grad}[{index}] = {up}"), None, None),
                            ("α[{index}]", r"\alpha_{{index}}"),
                            (("δ at [{index}] of zeros_like(α)", r"\delta\,\mathbf{e}_{{index}}"),),
                            {"_scatter": _SCATTER}),
           torch=TorchGate("{0}[{index}]"),
           parameters_from=1, indexing=True,
           intuition=N_("Indexing routes: the chosen entry gets the upstream gradient, the others 0.")),
    ]
}


class OpsView(Mapping):
    """A table derived from OPS, as OPS is at each use: a gate added to OPS (as
    tests/test_one_gate_entry.py adds one) is in every such table at once. `entries(op)` gives
    the (key, value) pairs that `op` contributes, in the table's order."""

    def __init__(self, entries):
        self._entries = entries
        self._made = ((), {})  # the gates it was made from, and the table: one tuple, swapped whole

    def _table(self):
        # Remade only when a gate was added, removed or replaced: the parser and the code
        # generators look gates up thousands of times for one circuit.
        ops = tuple(OPS.values())
        made_from, table = self._made
        if ops != made_from:
            table = {key: value for op in ops for key, value in self._entries(op)}
            self._made = (ops, table)
        return table

    def __getitem__(self, key):
        return self._table()[key]

    def __contains__(self, key):  # Mapping's would look the key up twice
        return key in self._table()

    def get(self, key, default=None):
        return self._table().get(key, default)

    def __iter__(self):
        return iter(self._table())

    def __len__(self):
        return len(self._table())


INFIX_OPS = OpsView(lambda op: [(op.infix, op)] if op.infix else [])
# The function names, each once (sum(v) and sum(v, axis) are two gates); CALLS tells them apart
# by their number of arguments.
FUNCTIONS = OpsView(lambda op: [(op.name, op)] if op.is_function and not op.typed_as else [])
CALLS = OpsView(lambda op: [((op.typed_name, op.arity), op)] if op.is_function else [])
# The named constants, exact for SymPy (symbolic.py); the parser takes their float64, math.pi
# and math.e.
CONSTANTS = {"pi": sympy.pi, "e": sympy.E}

# The rules where a derivative is not defined, or a formula leaves float64's range: PyTorch's
# backward formulas (derivatives.yaml), except the last rule, which is ours.
CONVENTIONS = (
    N_("relu'(0) = 0 and abs'(0) = 0"),
    N_("max and min split the gradient evenly between tied inputs"),
    N_("sqrt'(0) = inf; sqrt of a negative number is nan, and so is its slope"),
    N_("log'(x) = 1/x everywhere: log(0) = -inf with slope inf, log(-1) = nan with slope -1"),
    N_("x**0 has slope 0 in x, also at x = 0; 0**y has slope 0 in y for y >= 0"),
    N_("relu, max and min route the gradient, and x**0 does not depend on x: where they block it, "
       "exactly 0 passes, even of an inf or nan gradient (PyTorch's masks)"),
    N_("a gradient of exactly 0 arriving at a gate contributes exactly 0 (never 0 * inf = nan); "
       "with vectors and matrices, entry by entry at elementwise gates, while the array gates "
       "(@, sum, softmax...) compute as PyTorch's formulas do"),
)


def conventions():
    """CONVENTIONS in the language in use, as the page and /api/graph list them."""
    return [translated(text) for text in CONVENTIONS]
