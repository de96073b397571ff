"""Faults, against real gunicorn servers (issue 5, item 7): `dot` missing, hanging, killed or
failing, and a worker killed. Each gives a clear error (503 with a message, never a 500 or a
hang), the rest of the app keeps working, and no `dot` process is left behind, zombie or alive.

Drawings run in the compute pool (graphlib/compute.py): a worker's compute processes draw with
Graphviz's library, or with the `dot` program under BACKPROP_GRAPHVIZ=program, which these
servers set (the library needs no `dot`: see test_without_dot_the_library_still_draws). So `dot`
here is started by a compute process, and the worker is its grandparent. The pool's own limits
(a hang, a crash, a full queue) are tested in tests/test_compute.py.

`dot` is replaced through PATH, as an operator's machine could break it:
  - missing: PATH is a directory holding only a link to Python;
  - scripted: a fake `dot` first in PATH that behaves according to the circuit's variable names
    (`hangdot` sleeps forever, `killdot` kills itself with SIGKILL, `faildot` exits 1 with a
    message, anything else is drawn by the real dot), so one server covers every behaviour.
"""

import json
import os
import shutil
import signal
import stat
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode

import pytest

from live_server import LiveServer, processes_running

REAL_DOT = shutil.which("dot")
pytestmark = pytest.mark.skipif(REAL_DOT is None, reason="needs Graphviz's dot")

DOT_TIMEOUT_SECONDS = 10  # graphlib.drawing.DOT_TIMEOUT_SECONDS; not configurable
FIGURE_1 = urlencode({"expr": "(x+y)*z", "x": "-2", "y": "5", "z": "-4"})
PROGRAM = {"BACKPROP_GRAPHVIZ": "program"}

FAKE_DOT = """#!{python}
# A stand-in for Graphviz's dot, for the fault tests: its behaviour is picked by the circuit.
import os, signal, subprocess, sys, time
source = sys.stdin.buffer.read()
if b"hangdot" in source:
    while True:
        time.sleep(60)
if b"killdot" in source:
    os.kill(os.getpid(), signal.SIGKILL)
if b"faildot" in source:
    sys.stderr.write("Error: <stdin>: syntax error in line 1 near 'faildot'\\n")
    sys.exit(1)
done = subprocess.run([{real_dot!r}, *sys.argv[1:]], input=source, capture_output=True)
sys.stdout.buffer.write(done.stdout)
sys.stderr.buffer.write(done.stderr)
sys.exit(done.returncode)
"""


def svg_of(expr, **values):
    return "/graph.svg?" + urlencode({"expr": expr, **values})


def error_message(body):
    """The text of an error SVG, lines joined."""
    root = ET.fromstring(body)
    return " ".join("".join(text.itertext()) for text in root.iter("{http://www.w3.org/2000/svg}text"))


def assert_json_still_exact(server):
    status, _, body = server.get(f"/api/graph?{FIGURE_1}", timeout=10)
    assert status == 200
    answer = json.loads(body)
    assert answer["value"] == -12.0 and answer["gradients"] == {"x": -4.0, "y": -4.0, "z": 3.0}


def wait_until_gone(marker, seconds):
    deadline = time.monotonic() + seconds
    while processes_running(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return processes_running(marker)


def no_zombies(server, seconds=2):
    """The server's descendants that stay zombies: a compute process killed at a limit is reaped
    by its pool's keeper thread, a moment after the answer is sent."""
    deadline = time.monotonic() + seconds
    while server.zombies() and time.monotonic() < deadline:
        time.sleep(0.05)
    return server.zombies()


def kill_leftovers(marker):
    for pid in processes_running(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def fake_dot_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fake-dot")
    script = directory / "dot"
    script.write_text(FAKE_DOT.format(python=sys.executable, real_dot=REAL_DOT))
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    yield directory
    kill_leftovers(str(directory))


@pytest.fixture(scope="module")
def scripted(fake_dot_dir):
    """Default limits, drawing with the dot program, the fake one first in PATH."""
    with LiveServer(env={"PATH": f"{fake_dot_dir}{os.pathsep}{os.environ.get('PATH', '')}", **PROGRAM}) as server:
        yield server


# --- dot missing -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def python_only(tmp_path_factory):
    directory = tmp_path_factory.mktemp("python-only")
    (directory / "python").symlink_to(sys.executable)
    (directory / "python3").symlink_to(sys.executable)
    return directory


@pytest.fixture(scope="module")
def without_dot(python_only):
    """PATH holds Python and nothing else: no dot anywhere on it, and the program asked for."""
    with LiveServer(env={"PATH": str(python_only), **PROGRAM}) as server:
        yield server


@pytest.mark.parametrize("path", ["/graph.svg", "/graph.png"])
def test_without_dot_every_drawing_is_a_503_that_says_why(without_dot, path):
    status, headers, body = without_dot.get(f"{path}?{FIGURE_1}")
    assert status == 503
    assert headers["content-type"].startswith("image/svg+xml")
    assert error_message(body) == "Graphviz's dot program is not installed on the server."


def test_without_dot_the_json_the_dot_source_and_the_page_still_work(without_dot):
    assert_json_still_exact(without_dot)
    status, _, source = without_dot.get(f"/graph.dot?{FIGURE_1}")
    assert status == 200 and source.startswith(b"digraph circuit {")
    status, _, page = without_dot.get(f"/?{FIGURE_1}")
    assert status == 200 and b"Traceback" not in page
    assert without_dot.zombies() == []


def test_without_dot_the_library_still_draws(python_only):
    """The default: Graphviz's library, loaded by the compute processes (found by the dynamic
    linker, not on PATH), draws without the dot program."""
    with LiveServer(env={"PATH": str(python_only)}) as server:
        for path in ("/graph.svg", "/graph.png"):
            status, headers, body = server.get(f"{path}?{FIGURE_1}", timeout=20)
            assert status == 200, body[:300]
            assert headers["content-type"].startswith("image/svg+xml" if path.endswith("svg") else "image/png")
        assert server.zombies() == []


# --- dot hanging ---------------------------------------------------------------------------------------


def test_a_hanging_dot_is_stopped_at_its_timeout_and_the_server_keeps_answering(scripted, fake_dot_dir):
    outcome = {}

    def draw_hanging():
        started = time.monotonic()
        outcome["answer"] = scripted.get(svg_of("hangdot*2"), timeout=DOT_TIMEOUT_SECONDS + 15)
        outcome["seconds"] = time.monotonic() - started

    hanging = threading.Thread(target=draw_hanging)
    hanging.start()
    try:
        # While one worker waits on the hanging dot, the other answers at once. (The worker's
        # first drawing starts its compute processes: a second or so before dot runs.)
        deadline = time.monotonic() + 10
        while not processes_running(str(fake_dot_dir)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert processes_running(str(fake_dot_dir)), "the fake dot never started"
        started = time.monotonic()
        assert_json_still_exact(scripted)
        assert scripted.get(svg_of("x*3"), timeout=10)[0] == 200
        assert time.monotonic() - started < 5
    finally:
        hanging.join(DOT_TIMEOUT_SECONDS + 20)
    status, headers, body = outcome["answer"]
    assert status == 503
    assert headers["content-type"].startswith("image/svg+xml")
    assert error_message(body) == (f"Drawing the circuit took longer than {DOT_TIMEOUT_SECONDS} seconds; "
                                   "try a smaller expression.")
    assert DOT_TIMEOUT_SECONDS - 0.5 <= outcome["seconds"] < DOT_TIMEOUT_SECONDS + 5
    assert wait_until_gone(str(fake_dot_dir), 2) == [], "the hanging dot was left running"
    assert scripted.zombies() == []
    # And the same worker draws normally again.
    for _ in range(4):
        assert scripted.get(svg_of("x*y", x="2", y="3"), timeout=10)[0] == 200


def test_the_request_time_limit_also_stops_a_hanging_dot(fake_dot_dir):
    """With the app's own limit (BACKPROP_TIME_LIMIT_SECONDS) below dot's timeout, the request
    stops at that limit: the compute process drawing is killed and replaced, and its dot dies
    with it."""
    environment = {"PATH": f"{fake_dot_dir}{os.pathsep}{os.environ.get('PATH', '')}",
                   "BACKPROP_TIME_LIMIT_SECONDS": "2", **PROGRAM}
    with LiveServer(env=environment) as server:
        started = time.monotonic()
        status, _, body = server.get(svg_of("hangdot+1"), timeout=20)
        seconds = time.monotonic() - started
        assert status == 503
        assert error_message(body) == ("The circuit took longer than 2 seconds to compute; "
                                       "try a smaller expression.")
        assert 1.5 <= seconds < 6
        assert wait_until_gone(str(fake_dot_dir), 2) == []
        assert no_zombies(server) == []
        assert server.get(svg_of("x*3"), timeout=10)[0] == 200


# --- dot killed, dot failing -------------------------------------------------------------------------


def test_a_dot_killed_by_a_signal_is_a_503_that_says_so(scripted):
    status, headers, body = scripted.get(svg_of("killdot*2"), timeout=20)
    assert status == 503
    assert headers["content-type"].startswith("image/svg+xml")
    message = error_message(body)
    assert message.startswith("Graphviz failed")
    # A clear message names what happened, not an empty reason after the colon.
    assert message.rstrip(" :.") != "Graphviz failed", f"no reason given: {message!r}"
    assert "signal" in message.lower() or "killed" in message.lower(), message
    assert scripted.zombies() == []
    assert scripted.get(svg_of("x*4"), timeout=10)[0] == 200


def test_a_failing_dot_is_a_503_with_its_message(scripted):
    status, _, body = scripted.get(svg_of("faildot*2"), timeout=20)
    assert status == 503
    assert error_message(body) == "Graphviz failed: Error: <stdin>: syntax error in line 1 near 'faildot'"
    assert scripted.zombies() == []


def test_png_export_fails_the_same_way(scripted):
    status, headers, body = scripted.get("/graph.png?" + urlencode({"expr": "killdot+faildot"}), timeout=20)
    assert status == 503 and headers["content-type"].startswith("image/svg+xml")
    assert error_message(body).startswith("Graphviz failed")


# --- a worker crash -------------------------------------------------------------------------------------


def test_a_killed_worker_is_replaced_and_requests_keep_succeeding(scripted):
    victim = scripted.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    started = time.monotonic()
    statuses = [scripted.get(f"/api/graph?{FIGURE_1}", timeout=10)[0] for _ in range(20)]
    assert statuses == [200] * 20
    assert time.monotonic() - started < 10
    workers = scripted.wait_for_workers(timeout=10, exclude=[victim])
    assert victim not in workers and len(workers) == scripted.workers
    assert f"Worker (pid:{victim}) was sent SIGKILL" in scripted.log()
    assert scripted.zombies() == []
    assert scripted.get(svg_of("x*5"), timeout=10)[0] == 200
    assert_json_still_exact(scripted)


def test_the_dot_of_a_killed_worker_does_not_outlive_it(scripted, fake_dot_dir):
    """A worker killed outright (the kernel's OOM killer, an operator's kill -9) while its dot
    runs: the worker's own timeout can no longer stop that dot, so it must die with the worker
    instead of running on, orphaned, for as long as its layout takes. Between the two is the
    compute process that started dot: it dies with the worker, and dot with it."""
    marker = str(fake_dot_dir)
    request = threading.Thread(target=lambda: _ignore_errors(scripted.get, svg_of("hangdot*7"), timeout=30),
                               daemon=True)
    request.start()
    try:
        deadline = time.monotonic() + 5
        while not processes_running(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        [dot_pid] = processes_running(marker)
        compute_process = _parent(dot_pid)
        worker = _parent(compute_process)
        assert worker in scripted.worker_pids()
        os.kill(worker, signal.SIGKILL)
        left = wait_until_gone(marker, 3)
        assert left == [], f"dot {left} still running 3 s after its worker was killed"
        assert _process_state(compute_process) in (None, "Z"), "the compute process outlived its worker"
    finally:
        kill_leftovers(marker)
        request.join(5)
    scripted.wait_for_workers(timeout=10, exclude=[worker])
    assert_json_still_exact(scripted)


def _ignore_errors(function, *args, **kwargs):
    try:
        function(*args, **kwargs)
    except OSError:
        pass  # the worker serving it was killed: no answer is the expected outcome


def _parent(pid):
    text = Path(f"/proc/{pid}/stat").read_text()
    return int(text[text.rindex(")") + 2:].split()[1])


def _process_state(pid):
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()[0]


def test_two_servers_side_by_side_open_no_control_socket(tmp_path):
    """gunicorn's control socket lives at one path per user: with it, a second server removed
    the first one's. Each instance now opens none."""
    home = {"HOME": str(tmp_path)}
    with LiveServer(env=home) as first, LiveServer(env=home) as second:
        for server in (first, second):
            status, _, _ = server.get("/api/graph?expr=x*2")
            assert status == 200
        runtime_dirs = [first.workdir / "run", second.workdir / "run"]
        assert [list(directory.iterdir()) for directory in runtime_dirs] == [[], []]
        assert not (tmp_path / ".gunicorn").exists()
