"""The precision oracle: each gate's local gradients at float64 inputs, in mpmath to 50 digits.

Built from the gate's SymPy formula by `sympy.diff`, never from the numeric code in ops.py, so it
checks that code independently. Kinks take the evaluator's conventions (Heaviside(0) and sign(0)
are not asked for: the tests keep away from kinks, where a derivative is a convention, not a
number to get right).
"""

import functools
import math

import mpmath
import sympy

from graphlib.ops import OPS

DIGITS = 50
# Working precision: 1 - tanh(a)**2 cancels about 0.87 * |a| digits, and the slope underflows
# float64 past |a| = 373, so 400 more digits keep 50 in every answer that matters.
WORKING_DIGITS = DIGITS + 400
SMALLEST_NORMAL = 2.2250738585072014e-308
LARGEST = 1.7976931348623157e308
_A, _B = sympy.symbols("a b", real=True)
_MPMATH = [{"Heaviside": lambda x, *at_zero: mpmath.mpf(1) if x > 0 else mpmath.mpf(0), "sign": mpmath.sign},
           "mpmath"]


@functools.cache
def _derivatives(op_name):
    op = OPS[op_name]
    symbols = (_A, _B)[: op.arity]
    formula = op.formula(*symbols)
    # Test code only, on the gate table's own formulas: no user text reaches lambdify.
    return [sympy.lambdify(symbols, sympy.diff(formula, symbol), modules=_MPMATH) for symbol in symbols]


def local_gradients(op_name, operands):
    """d gate / d operand for each operand, as mpmath numbers at exactly these float64 operands;
    None where the derivative is not a real number there (a pole, or outside the domain)."""
    with mpmath.workdps(WORKING_DIGITS):
        arguments = [mpmath.mpf(float(operand)) for operand in operands]
        results = []
        for derivative in _derivatives(op_name):
            try:
                value = derivative(*arguments)
            except (ZeroDivisionError, ValueError, OverflowError):
                results.append(None)
                continue
            if isinstance(value, mpmath.mpc) or not mpmath.isfinite(value):
                results.append(None)
            else:
                results.append(mpmath.mpf(value))
        return results


def representable(value):
    """Whether a true value is a normal float64 (or zero): there, 1e-12 relative is possible."""
    return value == 0 or SMALLEST_NORMAL <= abs(value) <= LARGEST


def relative_error(got, true):
    """|got - true| / |true|, in mpmath; 0 where both are 0."""
    with mpmath.workdps(DIGITS):
        if true == 0:
            return 0.0 if got == 0 else math.inf
        if not math.isfinite(got):
            return math.inf
        return float(abs(mpmath.mpf(got) - true) / abs(true))
