"""Request fields (expression, variable values, options) to an evaluated circuit, with its document.

The one entry point the web layer calls: it knows nothing of HTTP, only of named fields, each
given as the list of texts (or JSON numbers) that arrived for it.
"""

import dataclasses
import functools
import math
import random
import re
from dataclasses import dataclass

from graphlib.composite import transform
from graphlib.descent import descend, read_settings
from graphlib.document import build_document
from graphlib.errors import ValueInputError
from graphlib.evaluate import evaluate
from graphlib.options import MAX_PRECISION, OPTIONS, Style
from graphlib.parse import MAX_TOKEN_LENGTH, WHITESPACE, character_name, is_invisible, parse

DEFAULT_VALUE = 1.0
VALUE_PATTERN = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# seed=N draws every value the URL does not give from these: small whole numbers, as the
# lecture's -2, 5, -4, that a student can work with by hand. Zero is left out: it sits on the
# kinks of relu, abs and max, and makes divisions by zero.
SEED_VALUES = (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)
MAX_SEED = 10**9


@dataclass(frozen=True)
class Circuit:
    graph: object
    evaluation: object
    values: dict  # variable name -> the float used
    defaulted: tuple  # names of the variables that got DEFAULT_VALUE
    style: Style
    seed: int | None = None  # the worksheet's number: values not given were drawn from it
    # Gradient descent from the values given (descent.Trajectory), when the request names
    # parameters: `values` and `evaluation` are then those of its last step.
    descent: object = None

    @property
    def start(self):
        """The values the request gave, drew or defaulted: where gradient descent starts."""
        return self.values if self.descent is None else self.descent.start

    @property
    def key(self):
        """The canonical request: what the drawing depends on, and nothing else. Values by their
        exact bits (float.hex), so 1, 1.0 and 1e0 share an entry but -0.0 and 0.0 do not."""
        values = tuple(self.start[name].hex() for name in self.graph.variables)
        return (self.graph.source, values, self.style, self.descent and self.descent.settings)

    @functools.cached_property
    def document(self):
        """The one document every view of this circuit reads (document.py)."""
        return build_document(self.graph, self.evaluation, self.style)


def build_circuit(fields):
    """`fields` maps a field name to the list of values given for it (a URL may repeat a name)."""
    expression = single(fields, "expr")
    if expression is None:
        raise ValueInputError("Give an expression in the field expr, for example (x+y)*z.")
    if not isinstance(expression, str):
        raise ValueInputError("The field expr must be text.")
    style = parse_style(fields)
    graph = _graph(expression, style.composites)
    if style.wrt and style.wrt not in graph.variables:
        raise ValueInputError(
            f"wrt must be one of the variables: {', '.join(graph.variables)}; got {style.wrt[:40]!r}.",
            field="wrt",
        )
    # After the expression: an old link with a variable named seed is told that the name is
    # reserved, rather than that its value is not a worksheet number.
    seed = parse_seed(single(fields, "seed"))
    values = {}
    defaulted = []
    for name in graph.variables:
        given = single(fields, name)
        if given is not None:
            values[name] = parse_value(name, given)
        elif seed is not None:
            values[name] = seeded_value(seed, name)
        else:
            values[name] = DEFAULT_VALUE
            defaulted.append(name)
    circuit = Circuit(graph, evaluate(graph, values), values, tuple(defaulted), style, seed)
    return descended(circuit, read_settings(fields, graph.variables, style.practice))


def descended(circuit, settings):
    """The circuit after gradient descent from its values (descent.py); as it is without settings."""
    if settings is None:
        return circuit
    trajectory = descend(circuit.graph, circuit.values, settings, circuit.evaluation)
    return dataclasses.replace(circuit, values=trajectory.values, evaluation=trajectory.evaluation,
                               descent=trajectory)


def parse_seed(given):
    """The worksheet number of seed=N: a whole number from 0 to MAX_SEED, or None."""
    if given is None or given == "":
        return None
    text = str(given).strip(WHITESPACE) if isinstance(given, (str, int)) and not isinstance(given, bool) else ""
    if not re.fullmatch(r"[0-9]{1,10}", text) or int(text) > MAX_SEED:
        raise ValueInputError(
            f"seed must be a whole number from 0 to {MAX_SEED} (the worksheet's number); "
            f"got {str(given)[:40]!r}.",
            field="seed",
        )
    return int(text)


def seeded_value(seed, name):
    """The value seed=N gives a variable: the same for this seed and name on every server and
    in every circuit (a string seeds Python's generator through SHA-512), whatever the other
    variables are."""
    return float(random.Random(f"{seed}:{name}").choice(SEED_VALUES))


# Graphs are immutable, and a page scrubbing a value asks for the same expression many times.
@functools.lru_cache(maxsize=512)
def _graph(expression, composites):
    return transform(parse(expression), composites)


def single(fields, name):
    given = fields.get(name, [])
    if len(given) > 1:
        raise ValueInputError(f"{name} is given {len(given)} times; give it once.", field=name)
    return given[0] if given else None


def parse_value(name, given):
    """A variable's value: a finite decimal number such as -2, 0.5 or 1.5e-3."""
    if isinstance(given, bool) or not isinstance(given, (str, int, float)):
        raise ValueInputError(f"The value of {name} must be a number.", field=name)
    if isinstance(given, str):
        given = _decimal_text(name, given)
    try:
        value = float(given)
    except OverflowError:  # a JSON integer with hundreds of digits
        value = math.inf
    if not math.isfinite(value):
        raise ValueInputError(
            f"The value of {name} must be a finite number (at most about 1.8e308 in size).",
            field=name,
        )
    return value


def _decimal_text(name, given):
    # Spaces, tabs and line breaks around the number are fine; any other invisible character is
    # named (repr() below would show it escaped, but not say what it is).
    text = given.strip(WHITESPACE)
    if not text:
        raise ValueInputError(
            f"The value of {name} is empty; type a number such as -2 or 0.5.", field=name
        )
    if len(text) > MAX_TOKEN_LENGTH or not VALUE_PATTERN.fullmatch(text):
        shown = text if len(text) <= MAX_TOKEN_LENGTH else text[:MAX_TOKEN_LENGTH] + "..."
        invisible = next((char for char in text if is_invisible(char)), None)
        reason = "is not a number" if invisible is None else f"has the character {character_name(invisible)}"
        raise ValueInputError(
            f"The value of {name} ({shown!r}) {reason}; type a decimal number such "
            "as -2, 0.5 or 1.5e-3.",
            field=name,
        )
    return text


def parse_style(fields):
    """The display options of the URL (options.OPTIONS); each may be left out for its default."""
    chosen = {"precision": parse_precision(single(fields, "precision"))}
    for option in OPTIONS:
        if option.name in chosen or not option.choices:
            continue
        given = single(fields, option.name)
        if given is None or given == "":
            continue
        allowed = [value for value in option.values if value]
        if given not in allowed:
            raise ValueInputError(
                f"{option.name} must be one of {', '.join(allowed)}; got {str(given)[:40]!r}.", field=option.name
            )
        chosen[option.name] = given
    wrt = single(fields, "wrt")
    if wrt and chosen.get("practice"):
        wrt = None  # forward mode's numbers would give the answers away
    if wrt:
        if not isinstance(wrt, str):
            raise ValueInputError("wrt must be the name of an input variable.", field="wrt")
        chosen["wrt"] = wrt
    return Style(**chosen)


def parse_precision(given):
    if given is None or given == "":
        return Style().precision
    text = str(given).strip(WHITESPACE) if isinstance(given, (str, int)) and not isinstance(given, bool) else ""
    # ASCII digits only: str.isdigit() would also take "²" and other scripts' digits.
    if not re.fullmatch(r"[0-9]{1,2}", text) or int(text) > MAX_PRECISION:
        raise ValueInputError(
            f"precision must be a whole number of decimals from 0 to {MAX_PRECISION}.",
            field="precision",
        )
    return int(text)


