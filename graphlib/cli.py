"""The command line: an expression, its values and the URL's options into a file or stdout, or the chain rule as text.

    python -m graphlib "(x+y)*z" x=-2 y=5 z=-4 -o fig1.svg

Every option of the URL is a flag, made from the tables that define them (options.OPTIONS and
options.QUERY_NAMES); values are written as the URL writes them. The circuit is built and drawn by
the web app's own functions (notebook.py), so every number and every file is the web app's.

`--lang ko` gives the messages, the refusals and the explain table in Korean; the --help text
(argparse's and the flags' descriptions) stays English, as the options' names and the code do.
"""

import argparse
import os
import sys
from contextlib import contextmanager

from . import __version__, compute
from .errors import CircuitError, ServiceError
from .i18n import DEFAULT_LANGUAGE, LANGUAGES, _, use_language
from .notebook import EXTENSIONS, FORMATS, NOT_FIELDS, NotebookCircuit, format_of
from .options import DESCRIPTIONS, OPTIONS, QUERY_NAMES, single

PROG = "backprop-circuits"
# Exit statuses: argparse's own 2 for a mistake in the input, 1 for what is not the input's fault.
INPUT_ERROR = 2
SERVICE_ERROR = 1
# Names of the URL made into arguments of their own: the expression is the first argument,
# --format chooses what is written, --lang the language of the whole run.
NOT_FLAGS = NOT_FIELDS | {"lang"}
EXAMPLES = """\
examples:
  %(prog)s "(x+y)*z" x=-2 y=5 z=-4 -o fig1.svg        figure 1 of the notes, as SVG
  %(prog)s "(x+y)*z" x=-2 y=5 z=-4 --precision 0 -o fig1.png
  %(prog)s "(x+y)*z" x=-2 y=5 z=-4 --format json      the numbers of /api/graph, to stdout
  %(prog)s "(x+y)*z" x=-2 y=5 z=-4 --explain          the chain rule, gate by gate
  %(prog)s "sum(W @ x)" "W=[[1,2],[3,4]]" "x=[1,-1]" -o layer.py   the staged NumPy code
  %(prog)s --lang ko --explain -- "-log(x)" x=0.5      flags first, then -- before an expression starting with -

A value is written as in a link: -2, 0.5, 1.5e-3, [1, -2] or [[1, 2], [3, 4]] (quote the brackets
for the shell). A variable not given is 1. Exit status: 0 done, 2 a mistake in the input (the
message says where: a caret under the column of the expression), 1 the drawing could not be made.
"""


def build_parser():
    parser = argparse.ArgumentParser(
        prog=PROG, description="Draw the backprop circuit of an expression, with every wire's value and gradient.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("expression", help="the expression, as typed on the page, e.g. \"(x+y)*z\"")
    parser.add_argument("values", nargs="*", metavar="name=value", help="a variable's value, e.g. x=-2 or \"W=[[1,2],[3,4]]\"")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help=f"the file to write, its format by its extension ({', '.join(EXTENSIONS)}); "
                             "- or none for stdout")
    parser.add_argument("--format", choices=FORMATS, help="the format to write, whatever the file's name: "
                        + "; ".join(f"{name}: {what}" for name, what in FORMATS.items()) + " (svg to stdout if not given)")
    parser.add_argument("--explain", action="store_true", help="print the chain rule, gate by gate, as a table")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE, help="the language of the messages "
                        f"and the gates' intuitions (default {DEFAULT_LANGUAGE}); generated code stays English")
    options = parser.add_argument_group("the URL's options", "each as the web app's link takes it")
    for option in OPTIONS:
        options.add_argument(f"--{option.name}", **_option_flag(option))
    for name in sorted(QUERY_NAMES - NOT_FLAGS - {option.name for option in OPTIONS}):
        options.add_argument(f"--{name}", help=DESCRIPTIONS[name])
    return parser


def _option_flag(option):
    """An entry of OPTIONS as an argparse flag: what it does (its description, else the form's
    label), its choices, what each means, and its default."""
    chosen = [(value, text) for value, text in option.choices if value]
    if not chosen:  # wrt: its choices are the circuit's variables
        return {"metavar": "NAME", "help": f"{option.label}: each wire also shows d wire / d NAME, a variable "
                                           "or an entry of one (W[1,0])"}
    if len(chosen) > 4:  # precision: the numbers of decimals
        meanings = f": {chosen[0][0]} to {chosen[-1][0]}"
    elif all(value == text for value, text in chosen):
        meanings = ""
    else:
        meanings = ": " + ", ".join(f"{value} ({text})" for value, text in chosen)
    default = option.default or "off"  # theme's unset (the device's) is the page's; a file is drawn light
    return {"choices": [value for value, _ in chosen], "metavar": "N" if len(chosen) > 4 else None,
            "help": f"{DESCRIPTIONS.get(option.name, option.label)}{meanings}; default {default}"}


def main(argv=None):
    parser = build_parser()
    arguments = parse_arguments(parser, sys.argv[1:] if argv is None else list(argv))
    with use_language(arguments.lang), _computed_here():
        try:
            return run(parser, arguments)
        except CircuitError as error:
            print(error_text(error, arguments.expression), file=sys.stderr)
            return INPUT_ERROR
        except ServiceError as error:
            print(f"{PROG}: {error}", file=sys.stderr)
            return SERVICE_ERROR
        except OSError as error:  # the output file's: a folder missing, no permission, a full disk
            print(f"{PROG}: " + _("could not write %(file)s: %(error)s.", file=_written_to(arguments),
                                  error=error.strerror), file=sys.stderr)
            return SERVICE_ERROR


def _written_to(arguments):
    """The output's name in a message: the file's, or standard output (a full disk behind > file)."""
    if arguments.output in (None, "-"):
        return _("standard output")
    return arguments.output


def parse_arguments(parser, argv):
    """Flags before, between or after the values (argparse's intermixed parsing), and after `--`
    positional arguments only, such as an expression that starts with '-'. Intermixed parsing
    takes no `--` (Python 3.11 refuses what follows it): the part before it is parsed with one
    stand-in positional, which the part after it replaces."""
    if "--" not in argv:
        return parser.parse_intermixed_args(argv)
    split = argv.index("--")
    before, after = argv[:split], argv[split + 1:]
    arguments = parser.parse_intermixed_args([*before, "stand-in"])
    if not after:
        with use_language(arguments.lang):
            parser.error(_("give the expression after --"))
    positionals = [arguments.expression, *arguments.values][:-1] + after
    arguments.expression, arguments.values = positionals[0], positionals[1:]
    return arguments


@contextmanager
def _computed_here():
    """The drawing made in this process: a command draws once, and starting the compute pool's
    warm processes (each importing SymPy) took as long again as the rest of the command
    (bench/bench_cli.py). The bytes are the same; BACKPROP_COMPUTE_PROCESSES, where set, decides."""
    if compute.SETTINGS["processes"] in os.environ:
        yield
        return
    here = compute.ComputePool(processes=0)
    previous = compute.use(here)
    try:
        yield
    finally:
        compute.use(previous)
        here.close()


def run(parser, arguments):
    fields = _fields(parser, arguments)
    circuit = NotebookCircuit(arguments.expression, fields, not_fields=NOT_FLAGS)
    to_stdout = arguments.output in (None, "-")
    if arguments.explain:
        print(circuit.explain())
        if to_stdout:
            return 0
    output_format = arguments.format or ("svg" if to_stdout else format_of(arguments.output))
    if to_stdout:
        sys.stdout.buffer.write(circuit.render(output_format))
        sys.stdout.flush()
    else:
        circuit.save(arguments.output, output_format)
    return 0


def _fields(parser, arguments):
    """Each field's one value, from name=value and the flags; a name given twice is refused, as
    in a link (options.single)."""
    given = {}
    for assignment in arguments.values:
        name, equals, value = assignment.partition("=")
        if not equals or not name:
            parser.error(_("%(given)s is not name=value: give each variable's value as x=-2", given=repr(assignment)))
        given.setdefault(name, []).append(value)
    for name in QUERY_NAMES - NOT_FLAGS:
        flag = getattr(arguments, name)
        if flag is not None:
            given.setdefault(name, []).append(flag)
    return {name: single(given, name) for name in given}


def error_text(error, expression):
    """The message, then the expression with a caret under the column at fault, as the page shows it."""
    lines = [f"{PROG}: error: {error.message}"]
    if error.field == "expr" and error.position is not None:
        lines += ["  " + line for line in caret_text(expression, error.position).split("\n")]
    return "\n".join(lines)


def caret_text(text, position):
    """The text with a line holding '^' under the character at `position`, below that character's
    line; tabs before it kept, so that the caret lines up (static/js/editor.js caretText)."""
    before = text[:position].split("\n")
    row = len(before) - 1
    pad = "".join("\t" if character == "\t" else " " for character in before[row])
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    lines.insert(row + 1, pad + "^")
    return "\n".join(lines)
