"""Times the command line, a whole process per figure, against what its parts cost, measured in the same run.

Usage: .venv/bin/python bench/bench_cli.py [--repeat N] [--quick]

Rows, each the median of N runs of a fresh process (figure 1 to an SVG file):
  import only           python -c "import graphlib.cli": the interpreter, NumPy, SymPy, Babel (the baseline)
  command               python -m graphlib ... -o fig.svg, drawn in its own process (the default)
  command, pool         the same with BACKPROP_COMPUTE_PROCESSES=2: drawn in a compute process of
                        the web app's pool, two of which start (each importing SymPy) as it begins
and, in this process once warm, backprop(...).save("fig.svg"): what a notebook's later cells pay.
--quick runs each once.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graphlib import backprop  # noqa: E402

FIGURE_1 = ["(x+y)*z", "x=-2", "y=5", "z=-4"]


def processes_ms(cases, repeat, cwd):
    """Each case's median time as a fresh process, the cases taking turns round by round (the
    machine's load changes over a run: a case run in a block would measure its own moment)."""
    times = {name: [] for name, _, _ in cases}
    for _ in range(repeat):
        for name, arguments, environment in cases:
            started = time.perf_counter()
            subprocess.run([sys.executable, *arguments], cwd=cwd, env=environment, check=True, capture_output=True)
            times[name].append(time.perf_counter() - started)
    return [(name, statistics.median(runs) * 1000) for name, runs in times.items()]


def warm_save_ms(repeat, cwd):
    circuit = backprop("(x+y)*z", x=-2, y=5, z=-4)
    circuit.save(Path(cwd) / "warm.svg")  # starts the compute pool
    times = []
    for value in range(repeat):
        started = time.perf_counter()
        circuit.with_values(x=value).save(Path(cwd) / "warm.svg")  # a new drawing each time, no cache
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="each case once")
    arguments = parser.parse_args()
    repeat = 1 if arguments.quick else arguments.repeat
    environment = {name: value for name, value in os.environ.items() if name != "BACKPROP_COMPUTE_PROCESSES"}
    environment["PYTHONPATH"] = str(ROOT)
    command = ["-m", "graphlib", *FIGURE_1, "-o", "fig.svg"]
    cases = [
        ("import only", ["-c", "import graphlib.cli"], environment),
        ("command", command, environment),
        ("command, pool", command, {**environment, "BACKPROP_COMPUTE_PROCESSES": "2"}),
    ]
    with tempfile.TemporaryDirectory() as scratch:
        processes_ms(cases[:1], 1, scratch)  # warm-up: the modules' files in the page cache
        rows = processes_ms(cases, repeat, scratch) + [("warm save() in a notebook", warm_save_ms(max(repeat, 3), scratch))]
    print(f"figure 1 to an SVG file, median of {repeat} (load average {os.getloadavg()[0]:.1f}):")
    baseline = rows[0][1]
    for name, milliseconds in rows:
        print(f"  {name:<26} {milliseconds:8.1f} ms   {milliseconds / baseline:5.2f} x import")


if __name__ == "__main__":
    main()
