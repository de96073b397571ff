"""The display options as one table (name, label, choices, default), and the `Style` a URL's options make.

The URL parser (`circuit.parse_style`), the renderer (`Style`), the form in the template and the
page (which reads the form) all take their options from `OPTIONS`: adding an option is one entry
here, and its use where it changes the drawing.
"""

import dataclasses
from dataclasses import dataclass

from .errors import ValueInputError
from .i18n import N_, _, translated

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


# The texts a person reads are marked with N_ and translated where the form shows them (in_language).
OPTIONS = (
    Option("precision", N_("Decimals"), 2, tuple((str(digits), str(digits)) for digits in range(MAX_PRECISION + 1))),
    Option("colors", N_("Colours"), "lecture", (("lecture", N_("green and red, as the lecture")),
                                                ("colorblind", N_("blue and orange, colour-blind safe")))),
    Option("direction", N_("Layout"), "LR", (("LR", N_("left to right")), ("TB", N_("top to bottom")))),
    Option("theme", N_("Page"), "light", (("light", N_("light")), ("dark", N_("dark"))), unset=N_("as the device")),
    # Composite gates (composite.py): as typed, one sigmoid or tanh gate, or its chain of simple gates.
    Option("composites", N_("Sigmoid and tanh"), "typed", (("typed", N_("as typed")), ("collapsed", N_("as one gate")),
                                                           ("expanded", N_("as simple gates")))),
    # Forward mode: each wire also shows its derivative d wire / d this input.
    Option("wrt", N_("Forward mode"), "", in_drawer=False),
    # The numbers drawn as "?" for a student to find.
    Option("practice", N_("Practice"), "", (("", N_("off")), ("values", N_("find the values")),
                                            ("grads", N_("find the gradients"))), in_drawer=False),
)
BY_NAME = {option.name: option for option in OPTIONS}
# Gradient descent's fields (descent.py): they choose the values shown, not how they are drawn,
# so they are not options of the Style.
DESCENT_FIELDS = ("params", "lr", "steps")
# The other names a query may hold besides the variables' values, which no variable may take.
QUERY_NAMES = frozenset(BY_NAME) | {"expr", "seed", "format", "lang"} | frozenset(DESCENT_FIELDS)

MAX_SEED = 10**9
DEFAULT_LEARNING_RATE = 0.1
# A larger step than this overshoots any loss of the lecture's size on the first step.
MAX_LEARNING_RATE = 100.0
# Each step is one evaluation: a 500-gate circuit takes about 1.3 ms for it, so that the longest
# run of the largest circuit takes under a second of the request's 15 (0.67-0.77 s in
# bench/bench_descent.py, 1.9 s with the machine's two cores busy with other work).
MAX_STEPS = 500
# What a field means where its label does not say it (a command line's --help, /openapi.json):
# the fields that are not display options, and an option whose label is the form's (theme's
# "Page"). English, as the command line's help and the OpenAPI document are.
DESCRIPTIONS = {
    "theme": "the drawing's background: light, or dark with light lines and numbers",
    "seed": (f"a worksheet's number, 0 to {MAX_SEED}: the values not given are drawn from it, small whole numbers, "
             "the same on every server"),
    "params": "gradient descent: the parameters, variables of the circuit separated by commas (w0,w1,w2)",
    "lr": (f"gradient descent's learning rate: a decimal number above 0 and at most {MAX_LEARNING_RATE:g} "
           f"(default {DEFAULT_LEARNING_RATE:g})"),
    "steps": f"gradient descent's number of steps, from 0 to {MAX_STEPS} (default 0: the values given)",
}


def _style_fields():
    return [(option.name, type(option.default), dataclasses.field(default=option.default)) for option in OPTIONS]


# How a circuit is drawn: one field per option, with its default.
Style = dataclasses.make_dataclass("Style", _style_fields(), frozen=True, namespace={"__module__": __name__})


def in_language(options):
    """`options` with their labels and choices' texts in the language in use, for the form."""
    return tuple(dataclasses.replace(option, label=translated(option.label), unset=translated(option.unset),
                                     choices=tuple((value, translated(text)) for value, text in option.choices))
                 for option in options)


def single(fields, name):
    """The one value given for a field (`fields` maps a name to the list of values that arrived
    for it: a URL may repeat a name), or None."""
    given = fields.get(name, [])
    if len(given) > 1:
        raise ValueInputError(_("%(name)s is given %(count)s times; give it once.", name=name, count=len(given)),
                              field=name)
    return given[0] if given else None
