"""The display options as one table (name, label, choices, default), and the `Style` a URL's options make.

The URL parser (`circuit.parse_style`), the renderer (`Style`), the form in the template and the
page (which reads the form) all take their options from `OPTIONS`: adding an option is one entry
here, and its use where it changes the drawing.
"""

import dataclasses
from dataclasses import dataclass

from .errors import ValueInputError

MAX_PRECISION = 10


@dataclass(frozen=True)
class Option:
    """One URL option. `choices` are (value, the form's text) pairs, in the form's order; an
    option whose choices depend on the circuit (wrt: its inputs) has none here. `unset` is the
    form's text for leaving the option out of the link, where that means more than the default
    (theme: the device's, which the page chooses)."""

    name: str
    label: str
    default: object
    choices: tuple = ()
    in_drawer: bool = True  # among the display options; practice and wrt have controls of their own
    unset: str = ""

    @property
    def values(self):
        return tuple(value for value, _ in self.choices)


OPTIONS = (
    Option("precision", "Decimals", 2, tuple((str(digits), str(digits)) for digits in range(MAX_PRECISION + 1))),
    Option("colors", "Colours", "lecture", (("lecture", "green and red, as the lecture"),
                                            ("colorblind", "blue and orange, colour-blind safe"))),
    Option("direction", "Layout", "LR", (("LR", "left to right"), ("TB", "top to bottom"))),
    Option("theme", "Page", "light", (("light", "light"), ("dark", "dark")), unset="as the device"),
    # Composite gates (composite.py): as typed, one sigmoid or tanh gate, or its chain of simple gates.
    Option("composites", "Sigmoid and tanh", "typed", (("typed", "as typed"), ("collapsed", "as one gate"),
                                                       ("expanded", "as simple gates"))),
    # Forward mode: each wire also shows its derivative d wire / d this input.
    Option("wrt", "Forward mode", "", in_drawer=False),
    # The numbers drawn as "?" for a student to find.
    Option("practice", "Practice", "", (("", "off"), ("values", "find the values"), ("grads", "find the gradients")),
           in_drawer=False),
)
BY_NAME = {option.name: option for option in OPTIONS}
# Gradient descent's fields (descent.py): they choose the values shown, not how they are drawn,
# so they are not options of the Style.
DESCENT_FIELDS = ("params", "lr", "steps")
# The other names a query may hold besides the variables' values, which no variable may take.
QUERY_NAMES = frozenset(BY_NAME) | {"expr", "seed", "format"} | frozenset(DESCENT_FIELDS)


def _style_fields():
    return [(option.name, type(option.default), dataclasses.field(default=option.default)) for option in OPTIONS]


# How a circuit is drawn: one field per option, with its default.
Style = dataclasses.make_dataclass("Style", _style_fields(), frozen=True, namespace={"__module__": __name__})


def single(fields, name):
    """The one value given for a field (`fields` maps a name to the list of values that arrived
    for it: a URL may repeat a name), or None."""
    given = fields.get(name, [])
    if len(given) > 1:
        raise ValueInputError(f"{name} is given {len(given)} times; give it once.", field=name)
    return given[0] if given else None
