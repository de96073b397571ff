"""Graph to SymPy expressions, built node by node (never by parsing text); gradient formulas checked at points."""

import dataclasses
import functools
import math
import re
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import sympy
from mpmath.libmp import dps_to_prec, finf, fnan, fninf
from sympy.core.evalf import PrecisionExhausted, fastlog
from sympy.core.evalf import evalf as evalf_parts  # SymPy's own: the parts of a value with their accuracy
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from . import compute
from .deadline import deadline
from .errors import BusyError, TimeLimitError
from .gradcheck import relative_error
from .graph import Const
from .i18n import N_, translated
from .ops import CONSTANTS, OPS, Sigmoid


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
    if const.text in CONSTANTS:
        return CONSTANTS[const.text]
    if float(const.value).is_integer() and abs(const.value) < 2**53:
        return sympy.Integer(int(const.value))
    return sympy.Float(const.value)


# The names a gate's formulas give its wires, first and second: Greek letters, which no variable
# can have (a variable's name is ASCII), so that "∂/∂α = exp(α)" never reads as a formula of the
# user's own x or a.
OPERANDS = (sympy.Symbol("α", real=True), sympy.Symbol("β", real=True))
OPERAND_LATEX = {OPERANDS[0]: r"\alpha", OPERANDS[1]: r"\beta"}


@dataclass(frozen=True)
class Written:
    """A formula as plain text (SymPy's Python-like form) and as LaTeX for KaTeX, both printed
    from the same SymPy expression (never from the user's text)."""

    text: str
    latex: str


@dataclass(frozen=True)
class GateFormulas:
    formula: Written  # the gate as a formula of its wires: `exp(α)`, `α*β`, `1/α`
    operands: tuple  # per wire, in order: (its name, d gate / d it), both Written


class _TextPrinter(StrPrinter):
    """SymPy's plain text with the expression language's names: `e`, `max`, `min`, `abs` (SymPy's
    E would read as a variable named E)."""

    def _print_Exp1(self, expr):
        return "e"

    def _print_Max(self, expr):
        return f"max({self.stringify(expr.args, ', ')})"

    def _print_Min(self, expr):
        return f"min({self.stringify(expr.args, ', ')})"

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"


class _LatexPrinter(LatexPrinter):
    def _print_Heaviside(self, expr, exp=None):
        # SymPy's θ(x) is one of several names for it; the plain text's name says which function it is.
        text = rf"\operatorname{{Heaviside}}\left({self._print(expr.args[0])}\right)"
        return f"{text}^{{{exp}}}" if exp else text


def plain(expression):
    """The expression as plain text, with the expression language's names."""
    return _TextPrinter().doprint(expression)


def written(expression, latex_names):
    """The expression as plain text and as LaTeX, each symbol in `latex_names` as it says."""
    return Written(plain(expression), _LatexPrinter({"symbol_names": latex_names}).doprint(expression))


def variable_latex(name):
    """A variable's name in LaTeX, never SymPy's reading of it (which makes `alpha` an α, the name
    of a gate's wire): a letter and digits as the lecture writes them (w0 as w₀), a single letter
    as itself, any other name upright as typed."""
    match = re.fullmatch(r"([A-Za-z])([0-9]+)", name)
    if match:
        return f"{match[1]}_{{{match[2]}}}"
    if len(name) == 1:
        return name
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def gate_formulas(node):
    """The gate as a formula of its wires, and each wire's name and the derivative with respect
    to it: `exp(α)` with `(α, exp(α))`; `α*β` with `(α, β), (β, α)`; `1/α` with `(α, -1/α**2)`."""
    constants = tuple(arg if isinstance(arg, Const) else None for arg in node.args)
    return _gate_formulas(node.op, constants)


def wire_formulas(node):
    """{operand index: (the wire's name, d gate / d operand)} for each wire into the gate."""
    return dict(zip([index for index, _ in node.sources], gate_formulas(node).operands))


NO_FORMULA = "?"  # where SymPy fails on a gate, as on max(x, nan) (a constant that overflowed)


@functools.lru_cache(maxsize=1024)
def _gate_formulas(op_name, constants):
    op = OPS[op_name]
    symbols = iter(OPERANDS)
    operands = [_constant(const) if const is not None else next(symbols) for const in constants]
    wires = [index for index, const in enumerate(constants) if const is None]
    names = [written(operands[index], OPERAND_LATEX) for index in wires]
    if not op.elementwise:
        return _array_gate_formulas(op, names, constants)
    try:
        formula = op.formula(*operands)
        if op.local_formulas:
            derivatives = [op.local_formulas(*operands)[index] for index in wires]
        else:
            derivatives = [sympy.diff(formula, operands[index]) for index in wires]
        shown = written(formula, OPERAND_LATEX)
        if op.named:
            named = written(op.named(*operands), OPERAND_LATEX)
            shown = Written(f"{named.text} = {shown.text}", f"{named.latex} = {shown.latex}")
        return GateFormulas(shown, tuple(zip(names, [written(derivative, OPERAND_LATEX) for derivative in derivatives])))
    except (TimeLimitError, MemoryError):
        raise  # the request's own limits, answered as such (and not cached here)
    except Exception:  # noqa: BLE001 - SymPy's failures have no common type; the same every time
        unknown = Written(NO_FORMULA, NO_FORMULA)
        return GateFormulas(unknown, tuple((name, unknown) for name in names))


def _array_gate_formulas(op, names, constants):
    """An array gate's formula and, per wire, its rule in the wires' names and δ, the upstream
    gradient (`δ @ β.T`), as its entry of ops.OPS writes them: the lecture's rules for vectorized
    operations, which SymPy's scalar calculus does not write. An axis or index is filled in."""
    numbers = [str(int(const.value)) for const in constants if const is not None]
    fields = {"{index}": ", ".join(numbers), "{int1}": numbers[0] if numbers else ""}

    def filled(texts):
        for field, number in fields.items():
            texts = tuple(text.replace(field, number) for text in texts)
        return Written(*texts)

    code = op.python
    return GateFormulas(filled(code.formula),
                        tuple((name, filled(rule)) for name, rule in zip(names, code.local_formulas)))


# --- the gradients as formulas, checked against the backward pass (for /api/explain) ----------

SYMBOLIC_MAX_GATES = 40
SYMBOLIC_SECONDS = 2.0  # once for the formulas (diff, simplify), once for their values
# The work runs in the compute pool (compute.py), which kills it past this: a backstop to the
# two budgets above, which SymPy keeps by itself (SIGALRM, in the compute process's main thread).
SYMBOLIC_HARD_LIMIT_SECONDS = 2 * SYMBOLIC_SECONDS + 1.0

# Shapes refused before SymPy works on them. simplify multiplies powers out (cancel and factor
# work on expanded polynomials): (x+1)**1000000 becomes a million coefficients of up to a million
# bits each, and the worker runs out of memory within seconds, long before any time limit.
MAX_EXPONENT = 64
MAX_EXPANDED_TERMS = 100_000  # an upper bound on the terms of a sub-expression multiplied out
# A named step used twice repeats its sub-expression in SymPy's tree: 13 steps of `b = a*a + a`
# make a derivative of 180,000 nodes, too many to simplify or even print in time.
MAX_FORMULA_NODES = 10_000

MAX_TYPESET_CHARS = 2000  # a longer formula stays plain text, which wraps where KaTeX's line would not
DIGITS = 30  # of each value, from the exact float64 inputs
# evalf's working precision, in digits; raised once where terms cancel: 1 - tanh(-3927)**2 needs
# 3,400 digits before its first one.
WORKING_DIGITS = (100, 5000)
AGREEMENT = 1e-12  # relative, between SymPy's value and the backward pass's gradient
FLOAT64_ZERO_LOG2 = -1076  # a number below 2**-1075 (half the smallest float64) rounds to 0
NOT_FINITE_NUMBERS = {sympy.nan, sympy.zoo, sympy.oo, -sympy.oo}

class Note(NamedTuple):
    """A sentence of SymPy's part of the lesson: its message in English, marked for the catalogue,
    with its `%(name)s` parameters. Kept as such (per graph in _derivatives, for every language)
    and put into the language in use where it is shown (`text`). A parameter that is a tuple of
    notes reads as each one's text, joined by "; "."""

    message: str
    params: tuple = ()  # (name, value) pairs

    def given(self, **params):
        """The note with these parameters too."""
        return Note(self.message, self.params + tuple(params.items()))

    @property
    def text(self):
        params = {name: "; ".join(note.text for note in value) if isinstance(value, tuple) else value
                  for name, value in self.params}
        text = translated(self.message)
        return text % params if params else text


# Why there are no formulas (Symbolic.note).
ARRAYS = Note(N_("SymPy's formulas are worked out for circuits of numbers through elementwise gates; this "
                 "one has vectors, matrices or their gates (@, sum, max, softmax, indexing...), whose "
                 "gradients the chain rule above gives as the lecture's rules, which the gradient check "
                 "confirms entry by entry."))
TOO_MANY_GATES = Note(N_("This circuit has %(gates)s gates; SymPy's formulas are worked out for up to "
                         "%(most)s, since simplifying them can take very long."),
                      (("most", SYMBOLIC_MAX_GATES),))
LARGE_POWER = Note(N_("This expression has a power with the exponent %(exponent)s; SymPy would multiply it "
                      "out, which takes more memory than the server allows, so formulas are worked out for "
                      "exponents up to %(most)s."), (("most", MAX_EXPONENT),))
MANY_TERMS = Note(N_("SymPy would multiply this expression out into over %(terms)s terms, more than the "
                     "server can simplify."), (("terms", f"{MAX_EXPANDED_TERMS:,}"),))
LARGE_TREE = Note(N_("SymPy's formula for this expression has over %(parts)s parts (a named step used "
                     "several times is repeated in it), too many to simplify in time."),
                  (("parts", f"{MAX_FORMULA_NODES:,}"),))
NOT_FINITE_EXPRESSION = Note(N_("SymPy's expression for this circuit has %(number)s in it (from a constant "
                                "that overflowed or is nan, or a division by something like x - x), which "
                                "absorbs what it meets, so its formulas would not be the circuit's."))
OUT_OF_TIME = Note(N_("SymPy ran out of time (%(seconds)s seconds) differentiating this expression."),
                   (("seconds", f"{SYMBOLIC_SECONDS:g}"),))
OUT_OF_MEMORY = Note(N_("SymPy ran out of memory on this expression."))
# By how the process ended (compute.Ending.kind), each a whole sentence.
CRASHED = {
    "signal": Note(N_("SymPy's process was stopped by the signal %(signal)s on this expression (a crash, or out of "
                      "memory).")),
    "status": Note(N_("SymPy's process exited with status %(status)s on this expression (a crash, or out of "
                      "memory).")),
    "silent": Note(N_("SymPy's process stopped answering on this expression (a crash, or out of memory).")),
}
BUSY = Note(N_("The server was too busy to work out SymPy's formulas this time; ask again in a moment."))
FAILED = Note(N_("SymPy could not handle this expression (it raised %(error)s)."))

# Why a value does not agree with the backward pass (SymbolicGradient.differs).
POLE = Note(N_("a pole here: SymPy's formula has no finite value"))
COMPLEX = Note(N_("not a real number here: the formula is complex"))
KINK = Note(N_("a kink here (%(gates)s), where SymPy's convention differs (%(conventions)s)"))
KINK_CONVENTIONS = {
    "relu": Note(N_("SymPy's relu'(0) is Heaviside(0) = 1/2, the backward pass's is 0")),
    "abs": Note(N_("SymPy's abs'(0) is sign(0) = 0")),
    "max": Note(N_("SymPy gives each side of a tie Heaviside(0) = 1/2")),
    "min": Note(N_("SymPy gives each side of a tie Heaviside(0) = 1/2")),
}
NAN_WIRE = Note(N_("a wire of the circuit is nan here (outside the real numbers, or 0/0), and the backward "
                   "pass gives %(backward)s; SymPy's formula is finite"))
INF_WIRE = Note(N_("a wire of the circuit overflows float64 here (inf), and the backward pass gives "
                   "%(backward)s; SymPy's formula is finite"))
INFINITE_LOCAL = Note(N_("the backward pass meets an infinite local gradient here (0 × inf or inf - inf) "
                         "and gives %(backward)s; SymPy's formula is finite"))
OUT_OF_RANGE = Note(N_("differs by %(error)s relative: the circuit's float64 leaves its range on the way "
                       "(a wire or a local gradient is inf or nan)"))
ROUNDING = Note(N_("differs by %(error)s relative (float64 rounding in the circuit)"))
NO_DIGIT = Note(N_("SymPy could not evaluate its formula here to a single digit (with up to %(digits)s "
                   "digits of working precision)"), (("digits", WORKING_DIGITS[-1]),))
NOT_EVALUATED = Note(N_("SymPy could not evaluate its formula here (it raised %(error)s)"))
NO_TIME = Note(N_("SymPy ran out of time (%(seconds)s seconds) evaluating the formulas"),
               (("seconds", f"{SYMBOLIC_SECONDS:g}"),))


@dataclass(frozen=True)
class SymbolicGradient:
    formula: str  # d output / d variable, simplified where SymPy managed within the time limit
    value: float | None  # the formula at the point, in float64; None where it has no real value
    simplified: bool
    agrees: bool  # with the backward pass, to AGREEMENT relative; False where it was not checked
    differs: Note | None  # why not, when it does not agree
    latex: str | None = None  # the formula for KaTeX; None where it is too long to typeset
    lecture: Written | None = None  # as the lecture writes it, where the circuit has a sigmoid or tanh


@dataclass(frozen=True)
class Symbolic:
    gradients: dict | None  # variable name -> SymbolicGradient; None when there are no formulas
    note: Note | None  # why there are none


def symbolic_gradients(graph, point, evaluation):
    """SymPy's d output / d variable for each variable, as a formula and its value at `point`,
    each checked against the backward pass (`evaluation`), worked out in the compute pool. SymPy
    is decoration: whatever it does (a shape refused up front, an exception, running out of time
    or memory, a crash) or the pool does (busy), the answer is a note saying why there are no
    formulas, never an exception."""
    if len(graph.gates) > SYMBOLIC_MAX_GATES:
        return Symbolic(None, TOO_MANY_GATES.given(gates=len(graph.gates)))
    if has_arrays(graph, point):
        return Symbolic(None, ARRAYS)
    try:
        return compute.run(symbolic_gradients_here, graph, point, evaluation,
                           limit=SYMBOLIC_HARD_LIMIT_SECONDS)
    except TimeLimitError:
        return Symbolic(None, OUT_OF_TIME)
    except compute.OutOfMemory:
        return Symbolic(None, OUT_OF_MEMORY)
    except compute.Crashed as crash:
        return Symbolic(None, CRASHED[crash.ending.kind].given(**crash.ending.params))
    except BusyError:
        return Symbolic(None, BUSY)


def has_arrays(graph, point):
    """Whether the circuit has a vector or matrix value or an array gate (sum(x) of a number
    included): SymPy's formulas are for the others."""
    return any(np.ndim(value) for value in point.values()) or any(not OPS[node.op].elementwise for node in graph.gates)


def symbolic_gradients_here(graph, point, evaluation):
    """symbolic_gradients in this process, within its own budgets (a compute process's job)."""
    try:
        formulas = _formulas(graph)
        if isinstance(formulas, Note):
            return Symbolic(None, formulas)
        return Symbolic(_typeset(graph, formulas, _checked(graph, point, evaluation, formulas)), None)
    except TimeLimitError:
        return Symbolic(None, OUT_OF_TIME)
    except MemoryError:  # a backstop: the shapes known to exhaust memory are refused up front
        return Symbolic(None, OUT_OF_MEMORY)
    except Exception as error:  # noqa: BLE001 - SymPy's failures have no common type
        return Symbolic(None, FAILED.given(error=type(error).__name__))


def _formulas(graph):
    """Per variable (formula, its text, simplified?), or a note saying why there are none.
    Simplifying gets the time the derivatives leave; a variable it does not reach keeps SymPy's
    derivative as it came, and the next request for the circuit goes on from there."""
    with deadline(SYMBOLIC_SECONDS, "differentiate"):
        derivatives = _derivatives(graph)
        if isinstance(derivatives, Note):
            return derivatives
        formulas = {name: (*derivative, False) for name, derivative in derivatives.items()}
        try:
            for name in formulas:
                simple = _simplified(graph, name)
                if simple is not None:
                    formulas[name] = (*simple, True)
        except TimeLimitError:
            pass
    return formulas


@functools.lru_cache(maxsize=128)
def _derivatives(graph):
    """Per variable, SymPy's derivative and its text; or a note where the expression is refused
    or SymPy fails on it. Only these outcomes are kept, being the same every time: running out of
    time or memory raises, so that one slow moment does not stick to the circuit."""
    try:
        output = node_expressions(graph)[graph.output.id]
        refusal = _refusal(output)
        if refusal:
            return refusal
        derivatives = {}
        for name, symbol in variable_symbols(graph).items():
            derivatives[name] = sympy.diff(output, symbol)
            refusal = _refusal(derivatives[name])
            if refusal:
                return refusal
        return {name: (derivative, plain(derivative)) for name, derivative in derivatives.items()}
    except (TimeLimitError, MemoryError):
        raise
    except Exception as error:  # noqa: BLE001 - SymPy's failures have no common type
        return FAILED.given(error=type(error).__name__)


@functools.lru_cache(maxsize=512)
def _simplified(graph, name):
    """The variable's derivative simplified, and its text; None where simplify fails on it (as it
    does on abs(y/x) + abs(x)), which is the same every time."""
    derivative, _ = _derivatives(graph)[name]
    try:
        simple = sympy.simplify(derivative)
        return simple, plain(simple)
    except (TimeLimitError, MemoryError):
        raise
    except Exception:  # noqa: BLE001 - SymPy's failures have no common type
        return None


def _typeset(graph, formulas, gradients):
    """The gradients with their formulas in LaTeX, and in the lecture's σ where the circuit computes
    a sigmoid or tanh; within SYMBOLIC_SECONDS of their own, past which they stay plain text."""
    latex_names = {symbol: variable_latex(name) for name, symbol in variable_symbols(graph).items()}
    typeset = dict(gradients)
    try:
        with deadline(SYMBOLIC_SECONDS, "typeset"):
            lecture_forms = _lecture_forms(graph)
            for name, gradient in gradients.items():
                if len(gradient.formula) > MAX_TYPESET_CHARS:
                    continue
                lecture = written(lecture_forms[name], latex_names) if name in lecture_forms else None
                typeset[name] = dataclasses.replace(
                    gradient, latex=written(formulas[name][0], latex_names).latex,
                    lecture=lecture if lecture and lecture.text != gradient.formula else None)
    except TimeLimitError:
        pass
    return typeset


@functools.lru_cache(maxsize=128)
def _lecture_forms(graph):
    """Per variable, d output / d variable as the lecture writes it: every 1/(1 + exp(-u)) in the
    circuit written σ(u), which SymPy differentiates to σ(u)(1 - σ(u)), and tanh's derivative
    1 - tanh², unsimplified (simplify writes both with cosh); none where the circuit has neither."""
    output = node_expressions(graph)[graph.output.id].replace(_is_sigmoid, _as_sigmoid)
    if not output.has(Sigmoid, sympy.tanh):
        return {}
    return {name: sympy.diff(output, symbol) for name, symbol in variable_symbols(graph).items()}


def _is_sigmoid(part):
    """Whether the part is 1/(1 + exp(v)), which is σ(-v)."""
    return (part.is_Pow and part.exp == -1 and part.base.is_Add and len(part.base.args) == 2
            and sympy.S.One in part.base.args and any(isinstance(term, sympy.exp) for term in part.base.args))


def _as_sigmoid(part):
    power = next(term for term in part.base.args if isinstance(term, sympy.exp))
    return Sigmoid(-power.args[0])


def _refusal(expression):
    """Why SymPy should not work on this expression (too many nodes, a constant that is not
    finite, a large power, too many terms multiplied out), or None. The walk stops at the node
    limit, so that measuring stays cheap."""
    for count, part in enumerate(sympy.preorder_traversal(expression)):
        if count > MAX_FORMULA_NODES:
            return LARGE_TREE
        if part in NOT_FINITE_NUMBERS:
            return NOT_FINITE_EXPRESSION.given(number=str(part))
        if part.is_Pow and _large_exponent(part.exp):
            return LARGE_POWER.given(exponent=sympy.sstr(part.exp))
    if _expanded_terms(expression) > MAX_EXPANDED_TERMS:
        return MANY_TERMS
    return None


def _large_exponent(exponent):
    if not exponent.is_number or exponent in NOT_FINITE_NUMBERS:
        return False  # x**y has nothing to multiply out; x**oo is refused as not finite
    return not abs(complex(exponent)) <= MAX_EXPONENT


def _expanded_terms(expression):
    """An upper bound on the terms of the widest sub-expression multiplied out, as SymPy's
    polynomial algorithms do: a sum adds its parts' counts, a product multiplies them, and b**n
    has at most C(k+n-1, n) terms where b has k. Anything else is one term, with its arguments
    measured on their own. Counts stop at the limit."""
    widest = 0

    @functools.cache
    def terms(part):
        nonlocal widest
        if part.is_Add:
            count = sum(terms(arg) for arg in part.args)
        elif part.is_Mul:
            count = math.prod(terms(arg) for arg in part.args)
        elif part.is_Pow and part.exp.is_Integer:  # |exponent| <= MAX_EXPONENT, by _refusal
            count = math.comb(terms(part.base) + abs(int(part.exp)) - 1, abs(int(part.exp)))
        else:
            for arg in part.args:
                terms(arg)
            count = 1
        count = min(count, MAX_EXPANDED_TERMS + 1)
        widest = max(widest, count)
        return count

    terms(expression)
    return widest


def _checked(graph, point, evaluation, formulas):
    """Each variable's SymbolicGradient: its formula's value at the point against the backward
    pass. The values share SYMBOLIC_SECONDS; those it does not reach say so."""
    symbols = variable_symbols(graph)
    # sympy.Float keeps a Python float exactly: the formula is evaluated at the very inputs.
    subs = {symbols[name]: sympy.Float(value) for name, value in point.items()}
    gradients = {}
    try:
        with deadline(SYMBOLIC_SECONDS, "evaluate"):
            for node in graph.inputs:
                formula, text, simplified = formulas[node.name]
                value, differs = _check(graph, evaluation, node, formula, subs)
                gradients[node.name] = SymbolicGradient(text, value, simplified, differs is None, differs)
    except TimeLimitError:
        pass
    for name, (_, text, simplified) in formulas.items():
        gradients.setdefault(name, SymbolicGradient(text, None, simplified, False, NO_TIME))
    return gradients


def _check(graph, evaluation, node, formula, subs):
    """SymPy's value of the formula at the point in float64 (None where it has no real one), and
    None where that agrees with the backward pass, else the reason it does not."""
    try:
        result = _evaluate(formula, subs)
        value, unreal = _float64(result)
    except ZeroDivisionError:  # mpmath divided by an exact 0: 1/x at x = 0
        return None, POLE
    except PrecisionExhausted:
        return None, NO_DIGIT
    except (TimeLimitError, MemoryError):
        raise
    except Exception as error:  # noqa: BLE001 - SymPy's failures have no common type
        return None, NOT_EVALUATED.given(error=type(error).__name__)
    if unreal:
        return None, unreal
    backward = evaluation.grads[node.id]
    if _agree(value, backward):
        return value, None
    if result.is_infinite:  # oo or -oo itself, not a finite number past float64's range
        return value, POLE
    return value, _disagreement(graph, evaluation, node, value, backward)


def _evaluate(formula, subs):
    """The formula's value at the point to DIGITS digits, as SymPy gives it (a Float, a complex
    number, oo, zoo or nan); raises PrecisionExhausted where SymPy cannot tell it.

    evalf with `strict` checks the accuracy of every part, but cannot tell an exact 0 from a tiny
    number: cos(y) - 1 at y = 0, the cosine of 5*pi/2 under a division; nor take the sign of a
    pole (Heaviside(1/(y - 1)) at y = 1). Where it gives up, the formula at the exact inputs lets
    SymPy's algebra settle those, before evalf tries again."""
    # First with the hyperbolic functions in exponentials, where evalf is fast, at the lower
    # working precision; where that is not enough, as SymPy wrote them: at saturation, tanh itself
    # cancels in fewer digits than its exponentials do.
    value = _strict_value(_in_exponentials(formula), subs, WORKING_DIGITS[:1])
    if value is None:
        value = _strict_value(formula, subs, WORKING_DIGITS)
    if value is not None:
        return value
    exact = _at_exact_inputs(formula, subs)
    if exact is None:
        raise PrecisionExhausted
    try:
        return exact.evalf(DIGITS, strict=True, maxn=WORKING_DIGITS[-1])
    except PrecisionExhausted:
        if _below_float64(exact, WORKING_DIGITS[-1]):
            return sympy.S.Zero
        raise


def _strict_value(formula, subs, workings):
    """evalf's value with every digit checked, at the first of the working precisions that is
    enough; None where none is, or where evalf gives up."""
    for working in workings:
        try:
            value = formula.evalf(DIGITS, subs=subs, strict=True, maxn=working)
        except PrecisionExhausted:
            continue
        except (TypeError, ValueError):  # "Invalid NaN comparison", "... is not comparable"
            return None
        return None if value.free_symbols else value  # with symbols left, evalf gave up
    return None


# evalf has no rule of its own for these: it would substitute the inputs into each of their
# arguments and let SymPy rebuild them, 10-20 times slower than its rule for exp.
HYPERBOLIC = (sympy.sinh, sympy.cosh, sympy.tanh, sympy.coth, sympy.sech, sympy.csch)


@functools.lru_cache(maxsize=1024)
def _in_exponentials(formula):
    """The formula with its hyperbolic functions written with exp, the same function of the
    inputs, which evalf computes to the same digits."""
    return formula.rewrite(HYPERBOLIC, sympy.exp)


def _at_exact_inputs(formula, subs):
    """The formula with the inputs, and its own float constants, as the exact rationals they
    are; None where that would ask SymPy for an exact power too large to compute (2**x at
    x = 1e300: numeric exponents in the formula are at most MAX_EXPONENT already)."""
    for power in sympy.preorder_traversal(formula):
        if power.is_Pow and power.exp.free_symbols and _large_exponent_at(power.exp, subs):
            return None
    constants = {number: sympy.Rational(number) for number in formula.atoms(sympy.Float)}
    inputs = {symbol: sympy.Rational(value) for symbol, value in subs.items()}
    return formula.xreplace(constants).xreplace(inputs)


def _large_exponent_at(exponent, subs):
    try:
        return not abs(complex(exponent.evalf(subs=subs))) <= MAX_EXPONENT
    except (TypeError, ValueError, ArithmeticError):
        return True


def _below_float64(number, working):
    """Whether SymPy's own error bound puts both parts of the number below 2**-1075, so that in
    float64 they are 0: 1 - tanh(x)**2 far from 0, say, which cancels beyond any precision.
    (The public evalf hides the bound; the internal one gives each part with its accuracy.)"""
    try:
        parts = evalf_parts(number, dps_to_prec(DIGITS), {"maxprec": dps_to_prec(working)})
    except NotImplementedError:
        return False
    if not isinstance(parts, tuple):  # zoo
        return False
    real, imaginary, real_accuracy, imaginary_accuracy = parts
    return _part_below_float64(real, real_accuracy) and _part_below_float64(imaginary, imaginary_accuracy)


def _part_below_float64(part, accuracy):
    if part is None:  # exactly 0
        return True
    if not isinstance(part, tuple) or part in (fnan, finf, fninf) or accuracy is None:
        return False
    # |part| is about 2**fastlog(part), good to `accuracy` bits relative: that bounds its error.
    return fastlog(part) - accuracy < FLOAT64_ZERO_LOG2


def _float64(number):
    """SymPy's number in float64 and None, or None and the reason it has no real value."""
    if number.has(sympy.nan, sympy.zoo):
        return None, POLE
    real, imaginary = number.as_real_imag()
    if imaginary != 0:
        return None, COMPLEX
    value = float(real)  # rounds; ±inf past float64's range, ±0 below it
    return (None, POLE) if math.isnan(value) else (value, None)


def _agree(sympy_value, backward):
    """Equal to AGREEMENT relative, both zero (of either sign), or the same infinity; nan never."""
    if sympy_value == backward:
        return True
    if not (math.isfinite(sympy_value) and math.isfinite(backward)):
        return False
    return abs(sympy_value - backward) <= AGREEMENT * max(abs(sympy_value), abs(backward))


def _disagreement(graph, evaluation, node, value, backward):
    """Why SymPy's real value and the backward pass's gradient differ, by what explains it first:
    a kink, then what the circuit's float64 wires carry."""
    gates = _downstream(graph, node.id)
    kinks = [gate for gate in gates if _at_kink(gate, evaluation.values)]
    if kinks:
        conventions = tuple(dict.fromkeys(KINK_CONVENTIONS[gate.op] for gate in kinks))
        return KINK.given(gates=", ".join(graph.text(gate) for gate in kinks), conventions=conventions)
    carried = [evaluation.values[gate.id] for gate in gates]
    if not math.isfinite(backward):
        if any(math.isnan(number) for number in carried):
            return NAN_WIRE.given(backward=str(backward))
        if any(math.isinf(number) for number in carried):
            return INF_WIRE.given(backward=str(backward))
        return INFINITE_LOCAL.given(backward=str(backward))
    error = relative_error(value, backward)
    slopes = [evaluation.local_grads[(gate.id, index)] for gate in gates for index, _ in gate.sources]
    if not all(math.isfinite(number) for number in carried + slopes):
        return OUT_OF_RANGE.given(error=f"{error:.1e}")
    return ROUNDING.given(error=f"{error:.1e}")


def _downstream(graph, input_id):
    """The gates the input feeds, directly or through others, in the graph's order."""
    reached, gates = {input_id}, []
    for gate in graph.gates:
        if any(source_id in reached for _, source_id in gate.sources):
            reached.add(gate.id)
            gates.append(gate)
    return gates


def _at_kink(gate, values):
    """Whether the gate sits exactly at its kink (relu at 0, a tie in max), where its slope is a
    convention, not a derivative (ops.Op.kink)."""
    kink = OPS[gate.op].kink
    if kink is None:
        return False
    return kink(*[arg.value if isinstance(arg, Const) else values[arg] for arg in gate.args]) == 0
