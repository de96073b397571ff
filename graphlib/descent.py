"""Starting values, the parameters, a learning rate and a step count into the trajectory of gradient descent.

Each step is the lecture's `w <- w - lr * dw` for every parameter at once, with the gradients of
the circuit's output (the loss) at the values before the step: one evaluation (evaluate.py) per
step. A value is a float or a numpy array of float64, and its gradient has the same shape, so
the update is written once for both. Numbers follow IEEE as everywhere: a run that diverges
goes on with inf and nan, and the trajectory says at which step the loss left the finite range.

The request's fields `params`, `lr` and `steps` are read here too (into `Settings`), with a 400
that names the field for each bad value. While practising they are ignored, as `wrt` is: the
steps would give the gradients away (w1 - w0 = -lr * dw).
"""

import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .errors import ValueInputError
from .i18n import _
from .evaluate import evaluate, value_key
from .options import DEFAULT_LEARNING_RATE, MAX_LEARNING_RATE, MAX_STEPS, single
from .parse import MAX_TOKEN_LENGTH, VALUE_PATTERN, WHITESPACE

# Its limits (DEFAULT_LEARNING_RATE, MAX_LEARNING_RATE, MAX_STEPS) are in options.py, beside the
# fields they limit and the descriptions that name them.


@dataclass(frozen=True)
class Settings:
    """What to descend: the parameters (in the circuit's order), the learning rate, the steps."""

    params: tuple
    learning_rate: float
    steps: int


@dataclass(frozen=True)
class Trajectory:
    """Gradient descent from `start`: the values and the evaluation after the last step, and
    the loss (the circuit's output) at steps 0 to `settings.steps`."""

    settings: Settings
    start: dict
    values: dict
    evaluation: object
    losses: tuple

    @property
    def left_finite(self):
        """The first step whose loss is inf or nan, or None."""
        return next((step for step, loss in enumerate(self.losses) if not math.isfinite(loss)), None)


def descend(graph, start, settings, evaluation=None):
    """`settings.steps` steps of gradient descent on the circuit's output from the values
    `start`; `evaluation`, when given, is the circuit's at `start` (step 0 need not be redone).
    A run of the same start and settings kept from fewer steps goes on from where it stopped."""
    run = (graph, _values_key(start), settings.params, settings.learning_rate)
    earlier = _earlier_run(run, settings.steps)
    if earlier is None:
        values, evaluation = dict(start), evaluation or evaluate(graph, start)
        losses = [evaluation.values[graph.output.id]]
    else:
        values, evaluation, losses = earlier.values, earlier.evaluation, list(earlier.losses)
    inputs = {node.name: node.id for node in graph.inputs}
    for _step in range(settings.steps + 1 - len(losses)):
        with np.errstate(all="ignore"):  # a diverging run overflows to inf, as every number may
            values = {**values, **{name: values[name] - settings.learning_rate * evaluation.grads[inputs[name]]
                                   for name in settings.params}}
        evaluation = evaluate(graph, values)
        losses.append(evaluation.values[graph.output.id])
    trajectory = Trajectory(settings, dict(start), values, evaluation, tuple(losses))
    _keep_run(run, trajectory)
    return trajectory


# The page plays a run one step at a time, each request one step longer than the one before: the
# last trajectory of each run is kept, so that the next request takes one evaluation rather than
# one per step from the start (bench/bench_descent.py times a play of the 500-gate circuits).
KEPT_RUNS = 64
_runs = OrderedDict()  # (graph, start, params, lr) -> its longest Trajectory yet
_runs_lock = threading.Lock()


def _earlier_run(run, steps):
    """The kept trajectory of this run, when it has at most `steps` steps, else None."""
    with _runs_lock:
        earlier = _runs.get(run)
        if earlier is None or earlier.settings.steps > steps:
            return None
        _runs.move_to_end(run)
        return earlier


def _keep_run(run, trajectory):
    with _runs_lock:
        kept = _runs.get(run)
        if kept is None or kept.settings.steps <= trajectory.settings.steps:
            _runs[run] = trajectory
            _runs.move_to_end(run)
        while len(_runs) > KEPT_RUNS:
            _runs.popitem(last=False)


def forget_runs():
    """Drops the kept trajectories: the next run of each starts from step 0 (for the benchmark's
    baseline, and the tests that compare the two)."""
    with _runs_lock:
        _runs.clear()


def _values_key(values):
    return tuple((name, value_key(value)) for name, value in sorted(values.items()))


def read_settings(fields, variables, practice):
    """The request's `params`, `lr` and `steps` (`fields` as circuit.build_circuit has them: each
    name to the list of values given), or None where no parameter is named or while practising."""
    if practice:
        return None
    params = _params(_single(fields, "params"), variables)
    learning_rate = _learning_rate(_single(fields, "lr"))
    steps = _steps(_single(fields, "steps"))
    return Settings(params, learning_rate, steps) if params else None


def _single(fields, name):
    """options.single, with an empty field as none at all."""
    given = single(fields, name)
    return None if given == "" else given


def _params(given, variables):
    """Variable names, comma-separated in a URL or a list in JSON; in the circuit's order."""
    if given is None:
        return ()
    names = given.split(",") if isinstance(given, str) else given
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ValueInputError(_("params must be the names of variables, separated by commas, such as w0,w1,w2."),
                              field="params")
    chosen = {name.strip(WHITESPACE) for name in names} - {""}
    for name in sorted(chosen):
        if name not in variables:
            raise ValueInputError(_("params names %(name)s, which is not a variable of the circuit; its variables "
                                    "are %(variables)s.", name=repr(name[:40]), variables=", ".join(variables)),
                                  field="params")
    return tuple(name for name in variables if name in chosen)


def _learning_rate(given):
    if given is None:
        return DEFAULT_LEARNING_RATE
    text = given.strip(WHITESPACE) if isinstance(given, str) else given
    number = math.nan
    if isinstance(text, str) and len(text) <= MAX_TOKEN_LENGTH and VALUE_PATTERN.fullmatch(text):
        number = float(text)
    elif isinstance(text, (int, float)) and not isinstance(text, bool):
        number = float(text) if abs(text) < 1e300 else math.inf
    if not 0 < number <= MAX_LEARNING_RATE:
        raise ValueInputError(_("lr (the learning rate) must be a decimal number above 0 and at most %(limit)s, such "
                                "as 0.1; got %(given)s.", limit=format(MAX_LEARNING_RATE, "g"), given=repr(str(given)[:40])),
                              field="lr")
    return number


def _steps(given):
    if given is None:
        return 0
    text = given.strip(WHITESPACE) if isinstance(given, str) else str(given) if type(given) is int else ""
    # ASCII digits only: str.isdigit() would also take "²" and other scripts' digits.
    if not re.fullmatch(r"[0-9]{1,4}", text) or int(text) > MAX_STEPS:
        raise ValueInputError(_("steps must be a whole number of steps of gradient descent from 0 to %(limit)s; got "
                                "%(given)s.", limit=MAX_STEPS, given=repr(str(given)[:40])), field="steps")
    return int(text)
