"""The README's figures, each made by the command line (graphlib/cli.py) from its gallery circuit.

Usage: .venv/bin/python scripts/render_figures.py   (prints each command as it runs it;
tests/test_figures.py runs them again and compares with the committed files)
"""

import shlex
import sys
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graphlib.cli import main as command_line  # noqa: E402  (the repository root must be on the path first)
from graphlib.gallery import GALLERY  # noqa: E402
from graphlib.options import QUERY_NAMES  # noqa: E402

# (the file, relative to the repository, and its gallery circuit by slug): the README shows the PNGs
FIGURES = [
    *(f"docs/figures/{slug}.{extension}"
      for slug in ("figure-1", "figure-2", "figure-3", "staged", "tanh-neuron", "l2-loss", "log-sum-exp")
      for extension in ("svg", "png")),
    "docs/images/two-layer-net.png",
]
BY_SLUG = {example.slug: example for example in GALLERY}


def command(figure, out_dir):
    """The command line's arguments that write `figure` (a path like FIGURES') under `out_dir`:
    the gallery circuit's expression, its values as name=value and its options as flags."""
    fields = dict(parse_qsl(BY_SLUG[Path(figure).stem].query))
    expression = fields.pop("expr")
    values = [f"{name}={value}" for name, value in fields.items() if name not in QUERY_NAMES]
    flags = [part for name, value in fields.items() if name in QUERY_NAMES for part in (f"--{name}", value)]
    output = ["-o", str(Path(out_dir) / figure)]
    if expression.startswith("-"):  # read as a flag unless after --
        return [*flags, *output, "--", expression, *values]
    return [expression, *values, *flags, *output]


def main(out_dir=ROOT):
    for figure in FIGURES:
        print("python -m graphlib", shlex.join(command(figure, ".")))
        status = command_line(command(figure, out_dir))
        if status:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
