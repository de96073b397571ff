"""Numeric gradient check: centred finite differences against the backward pass, with the cs231n verdicts.

For each input variable, the analytic gradient (the backward pass of `evaluate`) is compared with
the centred difference (f(x + h) - f(x - h)) / 2h of the forward pass, by the relative error
|a - n| / max(|a|, |n|), and judged by the thresholds of the cs231n notes ("Gradient checks").
A centred difference that straddles a kink (relu or abs at 0, a max or min tie) is not a
derivative, so an input at or near a kink of a gate it feeds gets a warning.

A vector or matrix is checked as the notes' `grad_check_sparse` checks one: a few of its entries,
drawn at random (ENTRIES_PER_ARRAY, all of a small one), each moved by h on its own. The draw is
seeded by the variable's name and shape, so the same entries are checked at every value.
"""

import math
import random
from dataclasses import dataclass

import numpy as np

from .evaluate import entry_name, evaluate, forward
from .graph import Const
from .i18n import N_, _
from .ops import OpsView

H = 1e-5  # the centred difference's step, h in the notes
ENTRIES_PER_ARRAY = 4
SEED = "cs231n grad_check_sparse"

# The notes: above 1e-2 the gradient is probably wrong; 1e-2 to 1e-4 should make you
# uncomfortable; below 1e-4 is usually okay for objectives with kinks (too high without);
# 1e-7 and less, be happy. A verdict applies above its bound, so an error equal to a bound gets
# the better verdict.
# Each verdict is a name in English (the page's class for it), marked for the catalogue, which
# /api/explain also gives in the language of the request (`verdict_text`).
VERDICTS = (
    (1e-2, N_("wrong")),
    (1e-4, N_("suspicious")),
    (1e-7, N_("ok near kinks")),
)
GOOD = N_("good")
UNDEFINED = N_("undefined")  # the analytic or the numeric gradient is nan: nothing to compare

# The gates with a kink, as the function of their operands that is zero at the kink (ops.OPS).
KINKS = OpsView(lambda op: [(op.name, op.kink)] if op.kink is not None else [])
# "Near" a kink: within this many steps of it, a step being how far the gate's kink function
# moves when the input moves by h (so a kink behind a steep or flat wire is judged fairly).
KINK_STEPS = 2


@dataclass(frozen=True)
class GradientCheck:
    """The check of one input variable. `kinks` holds the ids of the gates it feeds that sit at or
    near their kink; `warning` says so in words, or is "" when there is none."""

    name: str  # the variable's, or one entry's as `wrt` writes it: W[1,0]
    value: float
    analytic: float
    numeric: float
    relative_error: float
    verdict: str
    kinks: tuple
    warning: str


def check_gradients(graph, inputs, evaluation=None, h=H):
    """One GradientCheck per input variable that is a number, and per sampled entry of one that
    is a vector or matrix (sampled_entries), in the graph's order; `inputs` maps each variable
    name to a number or an array, `evaluation` is the circuit's at that point where it has one
    already."""
    point = {node.name: _as_input(inputs[node.name]) for node in graph.inputs}
    if evaluation is None:
        evaluation = evaluate(graph, point)
    checks = []
    for node in graph.inputs:
        value = point[node.name]
        for entry in sampled_entries(node.name, np.shape(value)):
            checks.append(_check_entry(graph, point, evaluation, node, entry, h))
    return tuple(checks)


def _as_input(value):
    return float(value) if np.ndim(value) == 0 else np.array(value, dtype=np.float64)


def sampled_entries(name, shape):
    """The entries of a variable that are checked: () for a number; for a vector or matrix,
    ENTRIES_PER_ARRAY of them drawn without repeats (every one, if it has no more), in index
    order."""
    if not shape:
        return [()]
    every = [tuple(int(index) for index in entry) for entry in np.ndindex(*shape)]
    if len(every) <= ENTRIES_PER_ARRAY:
        return every
    return sorted(random.Random(f"{SEED}:{name}:{shape}").sample(every, ENTRIES_PER_ARRAY))


def _check_entry(graph, point, evaluation, node, entry, h):
    """The check of one entry (of a number, the entry ()) of one input variable."""
    centre = point[node.name]
    up, down = _moved(centre, entry, h), _moved(centre, entry, -h)
    with np.errstate(all="ignore"):
        above = forward(graph, {**point, node.name: up})
        below = forward(graph, {**point, node.name: down})
    # The step as the floats hold it: x + h and x - h are rounded, 2h is not.
    numeric = _quotient(above[graph.output.id] - below[graph.output.id], _at(up, entry) - _at(down, entry))
    analytic = _at(evaluation.grads[node.id], entry)
    error = relative_error(analytic, numeric)
    kinks = kinks_near(graph, node.id, evaluation.values, above, below)
    name = entry_name(node.name, entry)
    return GradientCheck(name, _at(centre, entry), analytic, numeric, error, verdict(error), kinks,
                         _warning(graph, name, kinks))


def _moved(value, entry, step):
    """The value with one entry moved by `step` (a number: itself moved)."""
    if not entry:
        return value + step
    moved = value.copy()
    moved[entry] += step
    return moved


def _at(value, entry):
    return float(value[entry]) if entry else value


def relative_error(analytic, numeric):
    """|a - n| / max(|a|, |n|); 0 when they are equal (both 0, or the same infinity), nan when
    either is nan, and where one is infinite the formula's limit: 1 against a finite number,
    2 between opposite infinities."""
    if analytic == numeric:
        return 0.0
    if math.isnan(analytic) or math.isnan(numeric):
        return math.nan
    if math.isinf(analytic) or math.isinf(numeric):
        return 2.0 if math.isinf(analytic) and math.isinf(numeric) else 1.0
    scale = max(abs(analytic), abs(numeric))
    # Divided before subtracting, so that gradients near 1e308 of opposite signs do not overflow.
    return abs(analytic / scale - numeric / scale)


def verdict(error):
    if math.isnan(error):
        return UNDEFINED
    for bound, name in VERDICTS:
        if error > bound:
            return name
    return GOOD


def kinks_near(graph, input_id, centre, above, below):
    """Ids of the kinked gates downstream of `input_id` whose kink lies within KINK_STEPS steps,
    given the node values at the point (`centre`) and with the input moved up and down by h."""
    downstream = {input_id}
    near = []
    for node in graph.gates:
        if not any(source_id in downstream for _, source_id in node.sources):
            continue
        downstream.add(node.id)
        if node.op not in KINKS:
            continue
        at = _kink_distance(node, centre)
        if np.ndim(at):  # a gate on arrays: near where an entry the input moves is near its kink
            with np.errstate(all="ignore"):
                step = np.maximum(np.abs(_kink_distance(node, above) - at), np.abs(_kink_distance(node, below) - at))
                if np.any((step > 0.0) & (np.abs(at) <= KINK_STEPS * step)):
                    near.append(node.id)
            continue
        step = max(abs(_kink_distance(node, above) - at), abs(_kink_distance(node, below) - at))
        if abs(at) <= KINK_STEPS * step:
            near.append(node.id)
    return tuple(near)


def _kink_distance(node, values):
    operands = [arg.value if isinstance(arg, Const) else values[arg] for arg in node.args]
    return KINKS[node.op](*operands)


def _quotient(difference, step):
    # Past about 1e11, x + h rounds back to x: no step, no estimate. (Float division only
    # raises for a zero divisor; an overflow gives inf.)
    return difference / step if step != 0.0 else math.nan


def _warning(graph, name, kinks):
    if not kinks:
        return ""
    gates = ", ".join(graph.text(graph.node(node_id)) for node_id in kinks)
    return _("%(name)s is at or near a kink of %(gates)s: a finite difference across a kink is not "
             "the derivative, so the numeric gradient and the verdict are unreliable there.", name=name, gates=gates)
