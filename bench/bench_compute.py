"""Times one drawing through the compute pool (graphlib/compute.py) against the way it was drawn
before, measured in the same run: `dot` started as a subprocess of this process for each drawing.

Usage: .venv/bin/python bench/bench_compute.py [--repeat N] [--quick] [--ballast MB]

Columns, each the median of N warm runs (the pool started, dot's files in the page cache):
  pool, library   drawing.run_dot: Graphviz's library in a warm compute process (the default)
  pool, program   drawing.run_dot with BACKPROP_GRAPHVIZ=program: dot started by a compute process
  dot here        drawing._run_dot from this process, with preexec_fn, as every drawing was before
--ballast MB makes this process that much bigger first, as a web worker grows: preexec_fn makes
Python fork (copy the page tables of) the whole process, so "dot here" grows with it; the pool's
processes stay small. --quick runs each case once.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graphlib import compute, drawing, render  # noqa: E402
from graphlib.circuit import build_circuit  # noqa: E402
from graphlib.gallery import GALLERY  # noqa: E402

CASES = [(GALLERY[0], "svg"), (GALLERY[1], "svg"), (GALLERY[1], "png")]


def source_of(example):
    fields = {"expr": [example.expr], "precision": [str(example.precision)],
              **{name: [value] for name, value in example.values.items()}}
    built = build_circuit(fields)
    return render.to_dot(built.document)


def by_pool(how):
    def draw(dot_source, output_format):
        os.environ[drawing.GRAPHVIZ_SETTING] = how
        try:
            return drawing.run_dot(dot_source, output_format)
        finally:
            del os.environ[drawing.GRAPHVIZ_SETTING]
    return draw


def here(dot_source, output_format):
    """The drawing as before: dot run by this process (for a PNG, after the SVG that sets its viewport)."""
    timeout = drawing.DOT_TIMEOUT_SECONDS
    stop_at = time.monotonic() + timeout
    path = os.environ.get("PATH", "")
    svg = drawing._run_dot(dot_source, ["-Tsvg"], timeout, stop_at, "", "", path)
    if output_format == "svg":
        return svg
    viewport = drawing.png_viewport(*drawing._svg_points(svg))
    arguments = ["-Tpng", f"-Gdpi={drawing.PNG_DPI}"] + ([f"-Gviewport={viewport}"] if viewport else [])
    return drawing._run_dot(dot_source, arguments, timeout, stop_at, "", "", path)


def median_ms(draw, dot_source, output_format, repeat):
    draw(dot_source, output_format)  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        draw(dot_source, output_format)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main():
    arguments = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    arguments.add_argument("--repeat", type=int, default=30)
    arguments.add_argument("--quick", action="store_true", help="each case once")
    arguments.add_argument("--ballast", type=int, default=0, metavar="MB")
    options = arguments.parse_args()
    repeat = 1 if options.quick else options.repeat
    ballast = bytearray(b"x") * (options.ballast * 2**20)  # written: resident, as a worker's heap

    library, program = by_pool("library"), by_pool("program")
    compute.default_pool().warm()
    how = ", ".join(sorted({child.graphviz for child in compute.default_pool()._children}))
    print(f"median of {repeat} warm run{'s' * (repeat != 1)}; this process {resident_mb():.0f} MB resident; "
          f"{compute.default_pool().processes} compute processes ({how})")
    print(f"{'circuit':38} {'pool, library':>14} {'pool, program':>14} {'dot here':>10} {'speed-up':>9}")
    for example, output_format in CASES:
        dot_source = source_of(example)
        assert library(dot_source, output_format) == here(dot_source, output_format), "not the same bytes"
        pooled = median_ms(library, dot_source, output_format, repeat)
        programmed = median_ms(program, dot_source, output_format, repeat)
        baseline = median_ms(here, dot_source, output_format, repeat)
        title = f"{example.title.split(':')[0]} ({output_format})"
        print(f"{title:38} {pooled:12.1f}ms {programmed:12.1f}ms {baseline:8.1f}ms {baseline / pooled:8.1f}x")
    del ballast
    compute.default_pool().close()


if __name__ == "__main__":
    main()
