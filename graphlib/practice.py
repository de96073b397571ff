"""A student's answer for a number practice hides, against the circuit's document: right or not, and the numbers asked for.

The circuit comes from the query, as for every other route; the question (wire, kind, answer)
from a JSON body, whose names cannot clash with a variable's.
"""

import math
import re

import numpy as np

from .api import json_number
from .circuit import VALUE_PATTERN, single
from .document import KINDS, Shown
from .errors import ValueInputError
from .i18n import _
from .parse import WHITESPACE

MAX_ANSWER_LENGTH = 40
# The diagram's spelling of a number: fixed decimals, or e-notation past 1e9 ("1.50e+09").
SHOWN_PATTERN = re.compile(r"-?[0-9]+(?:\.([0-9]+))?(?:e([+-][0-9]+))?")
TYPOGRAPHIC_MINUS = ("\u2212", "\u2013")  # what a phone's keyboard or a copied text may give


def check_json(circuit, question):
    """Whether a student's answer for one hidden number is right: when it is the number as the
    diagram would show it, or within half a unit of its last decimal (at 2 decimals, 0.37 and
    0.368 are both right for 0.36788). A right answer comes back with the number as shown, a
    wrong one with nothing more. `question` holds wire, kind and answer, and for a vector or
    matrix the entry answered ([1, 0]): each entry of a table is checked on its own."""
    wire_id, kind, shown = _asked(circuit, question)
    entry = _entry(question, shown)
    typed = single(question, "answer")
    if not isinstance(typed, str) or not typed.strip(WHITESPACE):
        raise ValueInputError(_("Give the answer as text in the field answer, for example \"-0.20\"."), field="answer")
    if len(typed) > MAX_ANSWER_LENGTH:
        raise ValueInputError(_("The answer is longer than %(limit)s characters; type a number.",
                                limit=MAX_ANSWER_LENGTH), field="answer")
    if entry is not None:
        shown = _entry_shown(shown, entry)
    right = is_right(typed, shown.text, shown.number)
    asked = {"wire": wire_id, "kind": kind} if entry is None else {"wire": wire_id, "kind": kind, "entry": list(entry)}
    return {**asked, "right": right, **_revealed(shown, right)}


def answer_json(circuit, question):
    """The hidden numbers a student asks to see: one (wire and kind; of a vector or matrix, its
    whole table, or one entry), or every one (all: true), each as the diagram would show it."""
    if single(question, "all") is True:
        asked = [(numbers.wire.id, kind, getattr(numbers, kind)) for numbers in circuit.document.wires.values()
                 for kind in KINDS if getattr(numbers, kind).hidden]
        return {"answers": [{"wire": wire_id, "kind": kind, **_revealed(shown, True)} for wire_id, kind, shown in asked]}
    wire_id, kind, shown = _asked(circuit, question)
    entry = _entry(question, shown, required=False)
    if entry is None:
        return {"answers": [{"wire": wire_id, "kind": kind, **_revealed(shown, True)}]}
    return {"answers": [{"wire": wire_id, "kind": kind, "entry": list(entry),
                         **_revealed(_entry_shown(shown, entry), True)}]}


def _entry(question, shown, required=True):
    """The entry of a vector or matrix the question names, as a tuple of indices (None for a
    number, or for a whole table when not `required`), or a 400 that says which to name."""
    given = single(question, "entry")
    shape = shown.shape
    if not shape:
        if given not in (None, []):
            raise ValueInputError(_("This wire carries one number: leave entry out."), field="entry")
        return None
    if given is None and not required:
        return None
    example = f"[{', '.join('0' for axis in shape)}]"
    if (not isinstance(given, list) or len(given) != len(shape)
            or any(isinstance(index, bool) or not isinstance(index, int) for index in given)
            or any(not 0 <= index < size for index, size in zip(given, shape))):
        raise ValueInputError(_("This wire carries an array of shape %(shape)s: name one entry in the field entry, "
                                "such as %(example)s.", shape=shape, example=example), field="entry")
    return tuple(given)


def _entry_shown(shown, entry):
    """One entry of a vector or matrix's Shown, as a number's."""
    text = shown.text
    for index in entry:
        text = text[index]
    return Shown(float(shown.number[entry]), text, shown.hidden)


def _revealed(shown, revealed):
    """The number found or asked for: as the diagram shows it, whether it is inf or nan, and in
    full (for the tables' full precision); nothing of a wrong answer's. Of a vector or matrix,
    its table of texts and numbers, flagged where any entry is inf or nan."""
    if not revealed:
        return {"shown": None, "flagged": None, "number": None}
    return {"shown": shown.text, "flagged": not bool(np.all(np.isfinite(shown.number))),
            "number": json_number(shown.number)}


def _asked(circuit, question):
    """(wire id, kind, Shown) of the hidden number the question names, or a 400 that says why not."""
    if not circuit.style.practice:
        raise ValueInputError(_("Answers are for practice mode: add practice=values or practice=grads to the query."),
                              field="practice")
    wire_id = single(question, "wire")
    kind = single(question, "kind")
    if not isinstance(wire_id, str) or not wire_id:
        raise ValueInputError(_("Name the wire in the field wire, for example \"wire-n3\"."), field="wire")
    numbers = circuit.document.wires.get(wire_id)
    if numbers is None:
        raise ValueInputError(_("The circuit has no wire %(wire)s.", wire=repr(wire_id[:40])), field="wire")
    if kind not in KINDS:
        raise ValueInputError(_("%(name)s must be one of %(choices)s; got %(given)s.", name="kind",
                                choices=", ".join(KINDS), given=repr(str(kind)[:40])), field="kind")
    shown = getattr(numbers, kind)
    if not shown.hidden:
        message = (_("The value of %(wire)s is not a number to find: the diagram shows it.") if kind == "value" else
                   _("The grad of %(wire)s is not a number to find: the diagram shows it."))
        raise ValueInputError(message % {"wire": wire_id}, field="kind")
    return wire_id, kind, shown


def is_right(typed, shown, number):
    """Whether `typed` counts for `number`, which the diagram shows as `shown`: the same text
    (inf and nan too), or a decimal within half a unit of the last decimal shown. A hair over
    half, so that a tie such as 0.125 at 2 decimals takes 0.12 and 0.13 whichever way its
    binary value leans."""
    answer = typed.strip(WHITESPACE)
    if answer.startswith(TYPOGRAPHIC_MINUS):
        answer = "-" + answer[1:]
    if answer.lower() == shown.lower():
        return True
    spelled = SHOWN_PATTERN.fullmatch(shown)
    if not spelled or not VALUE_PATTERN.fullmatch(answer) or not math.isfinite(number):
        return False
    unit = 10.0 ** (int(spelled[2] or 0) - len(spelled[1] or ""))
    return abs(float(answer) - number) <= unit / 2 * (1 + 1e-9)
