"""Every benchmark script runs, in its quick mode, so that none can rot: it exits 0 and prints
its figures. (The figures themselves are read by people, not asserted: timings flake.)"""

import subprocess
import sys

import pytest

from live_server import ROOT

QUICK = [path.name for path in sorted((ROOT / "bench").glob("bench_*.py"))]


def test_the_benchmarks_are_found():
    assert {"bench_peers.py", "bench_render.py", "bench_service.py", "bench_update.py"} <= set(QUICK)


@pytest.mark.parametrize("script", QUICK)
def test_each_benchmark_runs_in_its_quick_mode(script):
    finished = subprocess.run([sys.executable, str(ROOT / "bench" / script), "--quick"], cwd=ROOT,
                              capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-3000:]
    assert len(finished.stdout.splitlines()) >= 3, finished.stdout
