"""The expression language's functions, listed from the gate table for the page's help and the README.

`python -m graphlib.language --readme` rewrites the README's list between its two markers;
tests/test_one_gate_entry.py fails while the README and the table differ.
"""

import argparse
import pathlib
import sys
from dataclasses import dataclass

from .i18n import translated
from .ops import CALLS

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
COMMAND = "python -m graphlib.language --readme"
BEGIN = f"<!-- The functions, from graphlib/ops.py: `{COMMAND}` writes them. -->"
END = "<!-- End of the functions. -->"


@dataclass(frozen=True)
class Function:
    """One function as the help lists it: as typed (`sigmoid(x)`) and what it computes."""

    usage: str
    help: str


def functions():
    """Every function of the gate table, in its order, said in the language in use."""
    return [Function(op.usage, translated(op.help)) for op in CALLS.values()]


def readme_list():
    """The README's list of functions, between its markers: one item of the README's list of
    what can be typed (the markers are indented into the list, so as not to end it)."""
    lines = [f"  {BEGIN}", "- Functions:"]
    lines += [f"  - `{function.usage}`: {function.help}" for function in functions()]
    return "\n".join([*lines, f"  {END}"])


def with_readme_list(text):
    """`text` (the README) with its list of functions, the lines from marker to marker,
    replaced by the table's."""
    lines = text.split("\n")
    stripped = [line.strip() for line in lines]
    if BEGIN not in stripped or END not in stripped[stripped.index(BEGIN):]:
        raise ValueError(f"the README has no list of functions between the lines {BEGIN!r} and {END!r}")
    first = stripped.index(BEGIN)
    last = stripped.index(END, first)
    return "\n".join([*lines[:first], readme_list(), *lines[last + 1:]])


def main(arguments):
    parser = argparse.ArgumentParser(prog="python -m graphlib.language", description=__doc__.splitlines()[0])
    parser.add_argument("--readme", action="store_true", help=f"rewrite the list of functions in {README}")
    if not parser.parse_args(arguments).readme:
        print(readme_list())
        return
    README.write_text(with_readme_list(README.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"{README}: the list of functions is the gate table's")


if __name__ == "__main__":
    main(sys.argv[1:])
