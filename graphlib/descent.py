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
from dataclasses import dataclass

from graphlib.errors import ValueInputError
from graphlib.evaluate import evaluate
from graphlib.parse import WHITESPACE

DEFAULT_LEARNING_RATE = 0.1
# A larger step than this overshoots any loss of the lecture's size on the first step.
MAX_LEARNING_RATE = 100.0
# Each step is one evaluation: a 500-gate circuit takes about 1.5 ms for it, so that the longest
# run of the largest circuit takes under a second of the request's 15 (bench/bench_descent.py).
MAX_STEPS = 500
LEARNING_RATE_PATTERN = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
MAX_NUMBER_CHARACTERS = 30


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
    `start`; `evaluation`, when given, is the circuit's at `start` (step 0 need not be redone)."""
    values = dict(start)
    evaluation = evaluation or evaluate(graph, values)
    inputs = {node.name: node.id for node in graph.inputs}
    losses = [evaluation.values[graph.output.id]]
    for _ in range(settings.steps):
        values = {**values, **{name: values[name] - settings.learning_rate * evaluation.grads[inputs[name]]
                               for name in settings.params}}
        evaluation = evaluate(graph, values)
        losses.append(evaluation.values[graph.output.id])
    return Trajectory(settings, dict(start), values, evaluation, tuple(losses))


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
    given = fields.get(name, [])
    if len(given) > 1:
        raise ValueInputError(f"{name} is given {len(given)} times; give it once.", field=name)
    return None if not given or given[0] == "" else given[0]


def _params(given, variables):
    """Variable names, comma-separated in a URL or a list in JSON; in the circuit's order."""
    if given is None:
        return ()
    names = given.split(",") if isinstance(given, str) else given
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ValueInputError("params must be the names of variables, separated by commas, such as w0,w1,w2.",
                              field="params")
    chosen = {name.strip(WHITESPACE) for name in names} - {""}
    for name in sorted(chosen):
        if name not in variables:
            raise ValueInputError(
                f"params names {name[:40]!r}, which is not a variable of the circuit; "
                f"its variables are {', '.join(variables)}.",
                field="params",
            )
    return tuple(name for name in variables if name in chosen)


def _learning_rate(given):
    if given is None:
        return DEFAULT_LEARNING_RATE
    text = given.strip(WHITESPACE) if isinstance(given, str) else given
    number = math.nan
    if isinstance(text, str) and len(text) <= MAX_NUMBER_CHARACTERS and LEARNING_RATE_PATTERN.fullmatch(text):
        number = float(text)
    elif isinstance(text, (int, float)) and not isinstance(text, bool):
        number = float(text) if abs(text) < 1e300 else math.inf
    if not 0 < number <= MAX_LEARNING_RATE:
        raise ValueInputError(
            f"lr (the learning rate) must be a decimal number above 0 and at most {MAX_LEARNING_RATE:g}, "
            f"such as 0.1; got {str(given)[:40]!r}.",
            field="lr",
        )
    return number


def _steps(given):
    if given is None:
        return 0
    text = given.strip(WHITESPACE) if isinstance(given, str) else str(given) if type(given) is int else ""
    # ASCII digits only: str.isdigit() would also take "²" and other scripts' digits.
    if not re.fullmatch(r"[0-9]{1,4}", text) or int(text) > MAX_STEPS:
        raise ValueInputError(
            f"steps must be a whole number of steps of gradient descent from 0 to {MAX_STEPS}; got {str(given)[:40]!r}.",
            field="steps",
        )
    return int(text)
