"""A real gunicorn serving the app on loopback, for the suites that must go over HTTP.

Not a test file. It starts the server exactly as `make run` does:

    python -m gunicorn --config gunicorn.conf.py 'app:create_app()'

from the repository root, with PORT set to a free port, and extra environment for the test at hand
(a rate limit high enough not to throttle the suite, a PATH without `dot` for the fault tests...).
Each server gets its own XDG_RUNTIME_DIR, where gunicorn would put a control socket; the
configuration opens none, and test_faults checks that the directory stays empty.

    from live_server import LiveServer, server_fixture

    server = server_fixture()                       # a module-scoped fixture in a test module

    def test_something(server):
        status, headers, body = server.get("/api/graph?expr=x*2")

    with LiveServer(env={"PATH": "/nowhere"}) as other:   # or one by hand
        ...

Only 127.0.0.1 is ever contacted.
"""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
COMMAND = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"]
# High enough that no suite is throttled; the rate limit has its own tests.
UNTHROTTLED = {"BACKPROP_RATE_LIMIT": "100000 per minute", "BACKPROP_NUMBERS_RATE_LIMIT": "100000 per minute"}
START_SECONDS = 30
STOP_SECONDS = 15  # above gunicorn's graceful_timeout (10 s)


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class ServerFailed(RuntimeError):
    """gunicorn did not start, or stopped when it should not have."""


class LiveServer:
    """One gunicorn master and its workers, started with `start()` (or `with`), stopped with
    `stop()`: SIGTERM, then SIGKILL to the whole process group if it is still there."""

    def __init__(self, env=None, port=None):
        self.port = port or free_port()
        self.extra_env = {**UNTHROTTLED, **(env or {})}
        # gunicorn.conf.py's default; pinned so that a WEB_CONCURRENCY in the caller's
        # environment does not change what the tests count on.
        self.workers = int(self.extra_env.get("WEB_CONCURRENCY", "1"))
        self.process = None
        self.workdir = None
        self.log_path = None

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self):
        self.workdir = Path(tempfile.mkdtemp(prefix="live-gunicorn-"))
        runtime = self.workdir / "run"
        runtime.mkdir(mode=0o700)
        self.log_path = self.workdir / "gunicorn.log"
        environment = {**os.environ, "PORT": str(self.port), "XDG_RUNTIME_DIR": str(runtime),
                       "PYTHONUNBUFFERED": "1", "WEB_CONCURRENCY": str(self.workers), **self.extra_env}
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                COMMAND, cwd=ROOT, env=environment, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + START_SECONDS
        while True:
            if self.process.poll() is not None:
                log_text = self.log()
                self._cleanup()
                raise ServerFailed(f"gunicorn exited with {self.process.returncode}:\n{log_text[-3000:]}")
            if self.answers():
                break
            if time.monotonic() > deadline:
                self.stop()
                raise ServerFailed(f"gunicorn did not answer within {START_SECONDS} s:\n{self.log()[-3000:]}")
            time.sleep(0.1)
        # Both workers should be up before a test counts on them.
        self.wait_for_workers(timeout=10)
        return self

    def answers(self, timeout=2):
        """Whether the server answers GET /static/style.css (a route outside the rate limit)."""
        try:
            status, _, _ = self.request("GET", "/static/style.css", timeout=timeout)
        except OSError:
            return False
        return status == 200

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of the session (workers, dot), by process group: ours only.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.process.poll() is None:
            self.process.wait(timeout=5)
        self._cleanup()

    def _cleanup(self):
        if self.workdir is not None:
            self._last_log = self.log()
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # --- what a test needs -----------------------------------------------------------------------

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    def log(self):
        if self.workdir is None:
            return getattr(self, "_last_log", "")
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def request(self, method, path, body=None, headers=None, timeout=30):
        """(status, headers as a dict with lower-case names, body bytes), over one connection."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            data = response.read()
            return response.status, {name.lower(): value for name, value in response.getheaders()}, data
        finally:
            connection.close()

    def get(self, path, timeout=30):
        return self.request("GET", path, timeout=timeout)

    @property
    def master_pid(self):
        return self.process.pid

    def worker_pids(self):
        return sorted(children(self.master_pid))

    def wait_for_workers(self, count=None, timeout=10, exclude=()):
        """The worker pids once there are `count` of them (WEB_CONCURRENCY, default 2), none in
        `exclude`."""
        count = count or self.workers
        deadline = time.monotonic() + timeout
        while True:
            workers = [pid for pid in self.worker_pids() if pid not in exclude]
            if len(workers) == count and all(_process_state(pid) not in (None, "Z") for pid in workers):
                return workers
            if time.monotonic() > deadline:
                raise ServerFailed(f"expected {count} workers, found {workers}:\n{self.log()[-2000:]}")
            time.sleep(0.05)

    def descendants(self):
        """Every process below the master: workers and whatever they started."""
        found, frontier = [], [self.master_pid]
        while frontier:
            below = children(frontier.pop())
            found.extend(below)
            frontier.extend(below)
        return found

    def zombies(self):
        """Descendants that have exited but were never waited for."""
        return [pid for pid in self.descendants() if _process_state(pid) == "Z"]


def children(pid):
    """Pids whose parent is `pid`, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _read_stat(int(entry))
        if stat is not None and stat[1] == pid:
            found.append(int(entry))
    return found


def processes_running(marker):
    """Pids of live (not zombie) processes whose command line contains `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in command and _process_state(int(entry)) not in (None, "Z"):
            found.append(int(entry))
    return found


def _read_stat(pid):
    """(state, ppid) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may itself contain spaces or parentheses.
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def _process_state(pid):
    stat = _read_stat(pid)
    return None if stat is None else stat[0]


def server_fixture(scope="module", env=None):
    """A pytest fixture giving a started LiveServer, stopped after the scope.

        server = server_fixture(env={"WEB_CONCURRENCY": "2"})
    """
    import pytest

    @pytest.fixture(scope=scope)
    def live_server():
        with LiveServer(env=env) as server:
            yield server

    return live_server
