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

import numpy as np

from .composite import transform
from .descent import descend, read_settings
from .document import build_document
from .errors import ValueInputError
from .i18n import _
from .evaluate import entry_name, evaluate, split_wrt, value_key
from .options import MAX_PRECISION, MAX_SEED, OPTIONS, Style, single
from .parse import MAX_TOKEN_LENGTH, VALUE_PATTERN, WHITESPACE, character_name, is_invisible, parse
from .shapes import node_shapes

DEFAULT_VALUE = 1.0
# seed=N draws every value the URL does not give from these: small whole numbers, as the
# lecture's -2, 5, -4, that a student can work with by hand. Zero is left out: it sits on the
# kinks of relu, abs and max, and makes divisions by zero.
SEED_VALUES = (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)
# Vectors and matrices of a lecture's size, whose link stays short: at most 8 along an axis (so
# MAX_ENTRIES numbers per variable) and 256 in all; a value's text at most 64 numbers of
# MAX_TOKEN_LENGTH characters with their separators.
MAX_DIMENSIONS = 2
MAX_AXIS = 8
MAX_ENTRIES = MAX_AXIS ** MAX_DIMENSIONS
MAX_TOTAL_ENTRIES = 256
MAX_ARRAY_TEXT = 4096  # 64 numbers of MAX_TOKEN_LENGTH characters (1,920) with room for spacing
# A vector's or matrix's text: brackets, commas, and between them numbers (anything else, which
# parse_number names), separated by the WHITESPACE characters only.
ARRAY_TOKEN = re.compile(r"[ \t\r\n]*(?:(\[)|(\])|(,)|([^\[\], \t\r\n]+))")


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
        values = tuple(value_key(self.start[name]) for name in self.graph.variables)
        return (self.graph.source, values, self.style, self.descent and self.descent.settings)

    @functools.cached_property
    def document(self):
        """The one document every view of this circuit reads (document.py)."""
        return build_document(self.graph, self.evaluation, self.style)


def build_circuit(fields):
    """`fields` maps a field name to the list of values given for it (a URL may repeat a name)."""
    expression = single(fields, "expr")
    if expression is None:
        raise ValueInputError(_("Give an expression in the field expr, for example (x+y)*z."))
    if not isinstance(expression, str):
        raise ValueInputError(_("The field expr must be text."))
    style = parse_style(fields)
    graph = _graph(expression, style.composites)
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
    _check_total_size(values)
    node_shapes(graph, values)
    if style.wrt:
        style = dataclasses.replace(style, wrt=_checked_wrt(style.wrt, graph, values))
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
        raise ValueInputError(_("seed must be a whole number from 0 to %(limit)s (the worksheet's number); got "
                                "%(given)s.", limit=MAX_SEED, given=repr(str(given)[:40])), field="seed")
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


def parse_value(name, given):
    """A variable's value: a finite decimal number such as -2, 0.5 or 1.5e-3, or a vector or
    matrix of them, as nested lists (`[1, -2]`, `[[0.1, -0.2], [0.3, 0.4]]`) in text or JSON."""
    if isinstance(given, list) or (isinstance(given, str) and given.strip(WHITESPACE).startswith("[")):
        return parse_array(name, given)
    return parse_number(name, given)


def parse_number(name, given):
    if isinstance(given, bool) or not isinstance(given, (str, int, float)):
        raise ValueInputError(_("The value of %(name)s must be a number.", name=name), field=name)
    if isinstance(given, str):
        given = _decimal_text(name, given)
    try:
        value = float(given)
    except OverflowError:  # a JSON integer with hundreds of digits
        value = math.inf
    if not math.isfinite(value):
        raise ValueInputError(_("The value of %(name)s must be a finite number (at most about 1.8e308 in size).",
                                name=name), field=name)
    return value


def parse_array(name, given):
    """A vector or matrix of finite numbers, within MAX_DIMENSIONS, MAX_AXIS and MAX_ENTRIES."""
    rows = _nested_lists(name, given) if isinstance(given, str) else given
    _check_nesting(name, rows)
    if not isinstance(rows[0], list):
        _check_size(name, (len(rows),))
        return np.array([parse_number(name, entry) for entry in rows], dtype=np.float64)
    lengths = {len(row) for row in rows}
    if len(lengths) > 1:
        raise ValueInputError(_("The rows of %(name)s have different lengths (%(lengths)s); a matrix needs rows of "
                                "one length.", name=name,
                                lengths=", ".join(str(len(row)) for row in rows[:MAX_AXIS + 1])), field=name)
    _check_size(name, (len(rows), len(rows[0])))
    return np.array([[parse_number(name, entry) for entry in row] for row in rows], dtype=np.float64)


def _nested_lists(name, text):
    """`[[1, 2], [3, 4]]` as Python lists of the number texts, read by a small tokenizer: the
    text never reaches eval or a JSON parser's notion of numbers (ours are today's decimals)."""
    text = text.strip(WHITESPACE)
    if len(text) > MAX_ARRAY_TEXT:
        raise ValueInputError(_("The value of %(name)s is %(length)s characters long; the limit for a vector or "
                                "matrix is %(limit)s.", name=name, length=len(text), limit=MAX_ARRAY_TEXT), field=name)
    open_lists = [[]]  # the lists not yet closed, the outermost (which holds the value) first
    after_entry = False  # a comma must follow a number or a closed list
    for opening, closing, comma, number in ARRAY_TOKEN.findall(text):
        if comma and not after_entry:
            raise ValueInputError(_("The value of %(name)s has a ',' with no number before it.", name=name),
                                  field=name)
        if opening and len(open_lists) > MAX_DIMENSIONS:
            _too_deep(name)
        if closing and len(open_lists) == 1:
            raise ValueInputError(_("The value of %(name)s has a ']' with no '[' before it.", name=name), field=name)
        if opening:
            open_lists.append([])
        elif closing:
            closed = open_lists.pop()
            open_lists[-1].append(closed)
        elif number:
            open_lists[-1].append(number)
        after_entry = bool(closing or number)
    if len(open_lists) != 1 or len(open_lists[0]) != 1 or not isinstance(open_lists[0][0], list):
        raise ValueInputError(_("The value of %(name)s is not one list: write a vector as [1, -2] and a matrix as "
                                "[[1, 2], [3, 4]], with every '[' closed.", name=name), field=name)
    return open_lists[0][0]


def _check_nesting(name, rows):
    """A list of numbers, or a list of lists of numbers: at most 2 dimensions, none empty."""
    if not rows:
        raise ValueInputError(_("The value of %(name)s is an empty list; give at least one number.", name=name),
                              field=name)
    kinds = {isinstance(entry, list) for entry in rows}
    if len(kinds) > 1:
        raise ValueInputError(_("The value of %(name)s mixes numbers and lists; a matrix is a list of rows, each a "
                                "list of numbers.", name=name), field=name)
    for row in rows:
        if isinstance(row, list):
            if not row:
                raise ValueInputError(_("The value of %(name)s has an empty row; give at least one number.",
                                        name=name), field=name)
            if any(isinstance(entry, list) for entry in row):
                _too_deep(name)


def _too_deep(name):
    raise ValueInputError(_("The value of %(name)s nests lists more than %(limit)s deep; a value is a number, a "
                            "vector or a matrix.", name=name, limit=MAX_DIMENSIONS), field=name)


def _check_size(name, shape):
    """At most MAX_AXIS along each axis, and so MAX_ENTRIES numbers in all."""
    if max(shape) > MAX_AXIS:
        raise ValueInputError(_("%(name)s has shape %(shape)s: %(length)s along one axis, where the limit is "
                                "%(limit)s.", name=name, shape=shape, length=max(shape), limit=MAX_AXIS), field=name)


def _check_total_size(values):
    total = sum(1 if isinstance(value, float) else value.size for value in values.values())
    if total > MAX_TOTAL_ENTRIES:
        largest = max(values, key=lambda name: np.size(values[name]))
        raise ValueInputError(_("The variables hold %(total)s numbers in all; the limit is %(limit)s, so that a "
                                "circuit's link stays short.", total=total, limit=MAX_TOTAL_ENTRIES), field=largest)


def _checked_wrt(wrt, graph, values):
    """wrt names a variable, or for a vector or matrix one of its entries, as `W[1,0]` writes it
    (also when typed `W[1, 0]`, as the expression indexes)."""
    split = split_wrt(wrt)
    # W[1 0] or W[100,0] names W, with its entry written wrong: say how to write one.
    name, entry = split if split else (wrt.partition("[")[0], None)
    if name not in graph.variables:
        raise ValueInputError(_("wrt must be one of the variables: %(variables)s; got %(given)s.",
                                variables=", ".join(graph.variables), given=repr(wrt[:40])), field="wrt")
    shape = np.shape(values[name])
    if entry is None or len(entry) != len(shape) or any(not 0 <= index < size for index, size in zip(entry, shape)):
        if not shape:
            message = _("%(name)s is a number, so wrt is its name alone; got %(given)s.", name=name,
                        given=repr(wrt[:40]))
        else:
            message = _("%(name)s is of shape %(shape)s, so wrt names one entry, such as %(entry)s; got %(given)s.",
                        name=name, shape=shape, entry=entry_name(name, (0,) * len(shape)), given=repr(wrt[:40]))
        raise ValueInputError(message, field="wrt")
    return entry_name(name, entry)


def _decimal_text(name, given):
    # Spaces, tabs and line breaks around the number are fine; any other invisible character is
    # named (repr() below would show it escaped, but not say what it is).
    text = given.strip(WHITESPACE)
    if not text:
        raise ValueInputError(_("The value of %(name)s is empty; type a number such as -2 or 0.5.", name=name),
                              field=name)
    if len(text) > MAX_TOKEN_LENGTH or not VALUE_PATTERN.fullmatch(text):
        shown = text if len(text) <= MAX_TOKEN_LENGTH else text[:MAX_TOKEN_LENGTH] + "..."
        invisible = next((char for char in text if is_invisible(char)), None)
        if invisible is None:
            message = _("The value of %(name)s (%(given)s) is not a number; type a decimal number such as -2, 0.5 or "
                        "1.5e-3.", name=name, given=repr(shown))
        else:
            message = _("The value of %(name)s (%(given)s) has the character %(character)s; type a decimal number "
                        "such as -2, 0.5 or 1.5e-3.", name=name, given=repr(shown),
                        character=character_name(invisible))
        raise ValueInputError(message, field=name)
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
            raise ValueInputError(_("%(name)s must be one of %(choices)s; got %(given)s.", name=option.name,
                                    choices=", ".join(allowed), given=repr(str(given)[:40])), field=option.name)
        chosen[option.name] = given
    wrt = single(fields, "wrt")
    if wrt and chosen.get("practice"):
        wrt = None  # forward mode's numbers would give the answers away
    if wrt:
        if not isinstance(wrt, str):
            raise ValueInputError(_("wrt must be the name of an input variable."), field="wrt")
        chosen["wrt"] = wrt
    return Style(**chosen)


def parse_precision(given):
    if given is None or given == "":
        return Style().precision
    text = str(given).strip(WHITESPACE) if isinstance(given, (str, int)) and not isinstance(given, bool) else ""
    # ASCII digits only: str.isdigit() would also take "²" and other scripts' digits.
    if not re.fullmatch(r"[0-9]{1,2}", text) or int(text) > MAX_PRECISION:
        raise ValueInputError(_("precision must be a whole number of decimals from 0 to %(limit)s.",
                                limit=MAX_PRECISION), field="precision")
    return int(text)


