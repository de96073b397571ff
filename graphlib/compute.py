"""Jobs (a function and its arguments) into results, computed in warm processes under hard time and memory limits.

The heavy work of a request (Graphviz's layout, SymPy's formulas) runs here, never in the web
worker, so that it can be stopped from outside whatever thread asked for it (SIGALRM, which the
request deadline uses, works only in a process's main thread):

- `processes` children (2 by default), started with multiprocessing's spawn method (a fresh
  interpreter: no fork of a threaded web worker) when the first job comes, each preloading SymPy
  and Graphviz's library once (gvc.py). A pool used after a fork (gunicorn forks its workers)
  starts children of its own: those it had belong to the parent.
- Each job has a wall-clock limit: the caller waits that long, then kills the child (SIGKILL),
  starts a replacement and raises `Overran` (a TimeLimitError). The child's address space is
  limited (RLIMIT_AS, 1 GiB): a MemoryError there raises `OutOfMemory`, a crash (SIGSEGV...)
  `Crashed`; either way the child is replaced. All three are ServiceErrors: a 503 that says so.
- A child is replaced after `max_jobs` jobs, or once its resident memory passes `max_rss`.
- Children die with the process that started them (PR_SET_PDEATHSIG), and are started from one
  long-lived thread of it, since the kernel sends that signal when the starting *thread* ends.
- A job waits for a free child in a queue of `queue` places, `queue_wait` seconds at most: one
  that finds the queue full gets BusyError at once, one that waits longer gets it then, each
  with `retry_after` seconds for the HTTP answer (503, Retry-After).

A job runs in the language of its caller (i18n.use_language): its errors say what the caller's
would. The job's function is sent by reference (module and name, as pickle does), so it must be a
module-level function; its arguments and result must pickle. As with any use of spawn, a script
that uses the pool keeps its own work under `if __name__ == "__main__":` (each child imports the
main module again, as __mp_main__). `processes=0` runs jobs in the calling process instead,
without limits (BACKPROP_COMPUTE_PROCESSES=0: for debugging, and for tests that patch what a job
calls).
"""

import atexit
import ctypes
import importlib
import math
import multiprocessing
import multiprocessing.process
import os
import pickle
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import weakref
from typing import NamedTuple
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.reduction import ForkingPickler

from .deadline import time_left
from .errors import BusyError, CircuitError, ServiceError, TimeLimitError
from .i18n import N_, _, current_language, translated, use_language

PROCESSES = 2
QUEUE = 64  # jobs waiting for a child, beyond those running: a drawing takes milliseconds
QUEUE_WAIT_SECONDS = 5.0
RETRY_AFTER_SECONDS = 1  # a job takes milliseconds: a place is soon free
MAX_JOBS = 500  # per child, then it is replaced: leaks in any library cannot accumulate
MAX_RSS_BYTES = 512 * 1024 * 1024  # a child starts near 80 MB
MEMORY_BYTES = 1024 * 1024 * 1024  # RLIMIT_AS of each child, as `dot` had
STARTUP_SECONDS = 30.0  # for a child to import SymPy and load Graphviz
STOP_SECONDS = 5.0  # for a retired child to exit before it is killed
SERVER_NAME = "backprop-circuits"  # with GV_FILE_PATH, makes Graphviz read no files (gvc.py)
PRELOAD = ("sympy", f"{__package__}.symbolic", f"{__package__}.render")
SETTINGS = {"processes": "BACKPROP_COMPUTE_PROCESSES", "queue": "BACKPROP_COMPUTE_QUEUE"}

PR_SET_PDEATHSIG = 1  # linux/prctl.h
_LIBC = ctypes.CDLL(None, use_errno=True)
_CONTEXT = multiprocessing.get_context("spawn")


class Overran(TimeLimitError):
    """The job ran past its limit; its child was killed."""


class Ending(NamedTuple):
    """How a process ended, in no language: ("signal", "SIGSEGV"), ("status", 1), or ("silent",
    None) for one that stopped answering and was killed. Each sentence that tells it is a table of
    whole messages by `kind`, so that no phrase of one language is pasted into another's sentence."""

    kind: str
    detail: object = None

    @property
    def params(self):
        """The message's parameter: {"signal": "SIGSEGV"}, {"status": 1}, or none."""
        return {} if self.detail is None else {self.kind: self.detail}

    def said(self, messages, **params):
        """The message of `messages` (kind -> a message marked with N_) for this ending, in the
        language in use, filled in with its detail and `params`."""
        return translated(messages[self.kind]) % {**params, **self.params}


CRASHED = {
    "signal": N_("The computation was stopped by the signal %(signal)s (a crash, or out of memory); try a smaller "
                 "expression."),
    "status": N_("The computation exited with status %(status)s (a crash, or out of memory); try a smaller "
                 "expression."),
    "silent": N_("The computation stopped answering (a crash, or out of memory); try a smaller expression."),
}
CRASHED_STARTING = {
    "signal": N_("A compute process was stopped by the signal %(signal)s while starting; try again."),
    "status": N_("A compute process exited with status %(status)s while starting; try again."),
    "silent": N_("A compute process stopped answering while starting; try again."),
}


class Crashed(ServiceError):
    """The child died during the job; `ending` says how (an Ending)."""

    def __init__(self, ending):
        super().__init__(ending.said(CRASHED))
        self.ending = ending


class OutOfMemory(ServiceError):
    """The job raised MemoryError in its child, under the child's address-space limit."""

    def __init__(self, limit_bytes):
        self.limit = _size(limit_bytes)
        super().__init__(_("The computation needed more memory than the server allows (%(limit)s); try a smaller "
                           "expression.", limit=self.limit))


class ComputePool:
    """Warm children that run one job at a time each; `run` is safe from any thread."""

    def __init__(self, processes=PROCESSES, queue=QUEUE, *, max_jobs=MAX_JOBS, max_rss=MAX_RSS_BYTES,
                 memory=MEMORY_BYTES, queue_wait=QUEUE_WAIT_SECONDS, startup=STARTUP_SECONDS):
        if processes < 0 or queue < 0 or max_jobs < 1:
            raise ValueError("processes and queue must be 0 or more, max_jobs 1 or more")
        self.processes = processes
        self.queue = queue
        self.max_jobs = max_jobs
        self.max_rss = max_rss
        self.memory = memory
        self.queue_wait = queue_wait
        self.startup = startup
        self._children = []
        self._start_afresh()
        _POOLS.add(self)

    # --- the caller's side --------------------------------------------------------------------

    def run(self, function, *args, limit, late=None):
        """`function(*args)` computed in a child within `limit` seconds, or its exception raised
        here. Past the limit: Overran(`late`, or a message saying so). Raises BusyError,
        Crashed, OutOfMemory, or ServiceError when a child cannot start."""
        if self.processes == 0:
            return function(*args)
        if self._pid != os.getpid():
            self._start_afresh()  # forked: the children belong to the parent process
        job = ForkingPickler.dumps((function, args, current_language()))  # fails here, before a child is involved
        child = self._acquire()
        # What becomes of the child: keep, retire (it exits), kill, or reap (it died). Until the
        # job is sent, an interruption (the request's own deadline) leaves it as it was.
        fate = "keep"
        try:
            failure = self._make_ready(child)
            fate = "kill"  # from here until its answer, the child is the job's
            if failure is not None:
                raise failure
            try:
                child.conn.send_bytes(job)
            except OSError:
                fate = "reap"
                raise Crashed(child.how_it_ended()) from None
            request = time_left()  # a threaded server's request limit, which no signal enforces
            if request is not None and request[0] < limit:
                limit, late = request
            if not child.conn.poll(limit):
                raise Overran(late or _("The computation took longer than %(seconds)s seconds and was stopped; try a "
                                        "smaller expression.", seconds=format(limit, "g")))
            try:
                kind, value, rss = child.conn.recv()
            except (EOFError, OSError):
                fate = "reap"
                raise Crashed(child.how_it_ended()) from None
            if kind == "memory":
                fate = "reap"  # it exits by itself
                raise OutOfMemory(self.memory)
            child.jobs += 1
            fate = "retire" if child.jobs >= self.max_jobs or rss > self.max_rss else "keep"
            if kind == "raised":
                raise value
            return value
        finally:
            self._settle(child, fate)

    def warm(self):
        """Start the children now and wait until each is ready, instead of on the first jobs
        (for a server's start, or a benchmark's). Raises ServiceError if one cannot start."""
        if self.processes == 0:
            return
        if self._pid != os.getpid():
            self._start_afresh()
        with self._lock:
            self._fill()
            starting = [child for child in self._idle if not child.ready]
            for child in starting:
                self._idle.remove(child)
        failures = {}
        try:
            for child in starting:
                failure = self._make_ready(child)
                if failure is not None:
                    failures[child] = failure
        finally:
            for child in starting:
                self._settle(child, "kill" if child in failures else "keep")
        if failures:
            raise next(iter(failures.values()))

    def status(self):
        """Children `working` on a job, jobs `waiting` for one, children `started` in all."""
        if self._pid != os.getpid():
            return {"working": 0, "waiting": 0, "started": 0}
        with self._lock:
            return {"working": len(self._children) - len(self._idle), "waiting": self._waiting,
                    "started": self.started}

    def pids(self):
        """The pids of this process's children, started or starting."""
        if self._pid != os.getpid():
            return []
        with self._lock:
            return [child.pid for child in self._children]

    def close(self):
        """Kill the children and let go of the empty directory; `run` after this is a ServiceError."""
        if self._pid != os.getpid():
            return
        with self._lock:
            self._closed = True
            children, self._children, self._idle = self._children, [], []
            self._lock.notify_all()
        for child in children:
            child.kill()
            child.reap()
        if self._keeper is not None:
            self._keeper.shutdown(wait=False)
        if self._empty_dir is not None:
            shutil.rmtree(self._empty_dir, ignore_errors=True)

    # --- children -----------------------------------------------------------------------------

    def _start_afresh(self):
        """No children yet, in this process. Those inherited through a fork are the parent's:
        only let go of this process's copies of their pipes."""
        for child in self._children:
            child.disown()
        self._pid = os.getpid()
        self.started = 0  # children started in this process, replacements included
        self._lock = threading.Condition()
        self._children = []  # alive or starting
        self._idle = []  # free for a job
        self._waiting = 0
        self._keeper = None
        self._empty_dir = None
        self._closed = False

    def _acquire(self):
        with self._lock:
            if self._closed:
                raise ServiceError(_("The server is shutting down; try again in a moment."))
            self._fill()
            if not self._idle:
                if self._waiting >= self.queue:
                    raise BusyError(_("The server is busy: all %(processes)s of its compute processes are working "
                                      "and %(waiting)s requests are waiting; %(retry)s",
                                      processes=self.processes, waiting=self._waiting,
                                      retry=_try_again_in(RETRY_AFTER_SECONDS)), retry_after=RETRY_AFTER_SECONDS)
                self._waiting += 1
                try:
                    give_up = time.monotonic() + self.queue_wait
                    while not self._idle:
                        left = give_up - time.monotonic()
                        if left <= 0 or self._closed:
                            retry = max(1, math.ceil(self.queue_wait))
                            raise BusyError(_("The server is busy: no compute process came free within %(wait)s "
                                              "seconds; %(retry)s", wait=format(self.queue_wait, "g"),
                                              retry=_try_again_in(retry)), retry_after=retry)
                        self._lock.wait(left)
                finally:
                    self._waiting -= 1
            return self._take_idle()

    def _take_idle(self):
        """A free child (under the lock): a ready one, else one whose "ready" has arrived, else
        one still starting. A ready child sends nothing unasked, so something in its pipe is its
        end (killed while idle): it is replaced rather than given the job."""
        for child in [child for child in self._idle if child.ready and child.conn.poll()]:
            self._idle.remove(child)
            self._children.remove(child)
            self._replace(child)
        self._fill()
        child = (next((child for child in self._idle if child.ready), None)
                 or next((child for child in self._idle if child.conn.poll()), None)
                 or self._idle[0])
        self._idle.remove(child)
        return child

    def _fill(self):
        """Start children up to `processes` (under the lock): they warm up while jobs wait."""
        while len(self._children) < self.processes:
            if self._keeper is None:
                self._keeper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="compute-keeper")
            if self._empty_dir is None:
                self._empty_dir = tempfile.mkdtemp(prefix="compute-")
            try:
                child = self._keeper.submit(_Child, self._empty_dir, self.memory).result()
            except Exception as error:  # noqa: BLE001 - out of processes, of memory, shutting down
                raise ServiceError(_("A compute process could not be started (%(error)s); try again in a moment.",
                                     error=_described(error))) from error
            self.started += 1
            self._children.append(child)
            self._idle.append(child)

    def _make_ready(self, child):
        """Wait for a starting child's first message. Returns None once it is ready, else the
        ServiceError that says why it is no use. An interruption leaves the child as it was,
        but while the message is being read (`torn`)."""
        if child.ready:
            return None
        if not child.conn.poll(self.startup):
            return ServiceError(_("A compute process did not start within %(seconds)s seconds; try again.",
                                  seconds=format(self.startup, "g")))
        child.torn = True
        try:
            kind, detail = child.conn.recv()
        except (EOFError, OSError):
            return ServiceError(child.how_it_ended().said(CRASHED_STARTING))
        child.torn = False
        if kind == "failed":
            return ServiceError(_("A compute process could not start: %(error)s", error=detail))
        child.ready, child.graphviz = True, detail
        return None

    def _settle(self, child, fate):
        if self._pid != os.getpid():
            return  # forked during the job: the child is the parent's
        if fate == "keep" and child.torn:
            fate = "kill"
        if fate == "kill":
            child.kill()
        with self._lock:
            if child not in self._children:
                return  # the pool was closed meanwhile, and the child with it
            if fate == "keep":
                self._idle.append(child)
            else:
                self._children.remove(child)
                self._replace(child)
            self._lock.notify()

    def _replace(self, child):
        """(Under the lock) start the replacement, which warms up from now on; then reap the
        child in the keeper thread."""
        if not self._closed:
            try:
                self._fill()
            except ServiceError:
                pass  # the next job tries again, and says so if it cannot
        try:
            self._keeper.submit(child.reap)
        except RuntimeError:  # the interpreter is shutting down
            child.kill()


class _Child:
    """One child process and the parent's end of its pipe."""

    def __init__(self, empty_dir, memory):
        self.conn, child_end = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_child_main, args=(child_end, os.getpid(), empty_dir, memory),
                                        name="backprop-compute", daemon=True)
        self.process.start()
        child_end.close()
        self.pid = self.process.pid
        self.ready = False
        self.torn = False  # a read of its first message was interrupted: the pipe is no use
        self.graphviz = None  # how this child draws, once it is ready
        self.jobs = 0

    def how_it_ended(self):
        """Its Ending, once it has ended (killed if it has not within a second)."""
        self.process.join(1)
        code = self.process.exitcode
        if code is None:
            self.kill()
            return Ending("silent")
        if code < 0:
            try:
                return Ending("signal", signal.Signals(-code).name)
            except ValueError:
                return Ending("signal", -code)
        return Ending("status", code)

    def kill(self):
        try:
            self.process.kill()
        except (OSError, ValueError, AssertionError):
            pass  # gone already, or closed

    def reap(self):
        """Close its pipe (an idle child then exits by itself), wait for it to end, and kill it
        if it has not within STOP_SECONDS."""
        self.conn.close()
        self.process.join(STOP_SECONDS)
        self.kill()
        self.process.join()
        self.process.close()

    def disown(self):
        """In a forked process: forget a child of the parent without touching it."""
        self.conn.close()
        # multiprocessing would otherwise terminate and join it at this process's exit.
        multiprocessing.process._children.discard(self.process)


# --- the child's side -------------------------------------------------------------------------

def _child_main(conn, parent_pid, empty_dir, memory):
    """Set up the limits and the sandbox, preload, then answer jobs until the pipe closes."""
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(0)  # the parent died before the signal was armed
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a ^C in the terminal is the parent's to handle
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    sys.path[:] = [os.path.abspath(entry) for entry in sys.path]  # "" meant the parent's directory
    os.environ["SERVER_NAME"] = SERVER_NAME
    os.environ["GV_FILE_PATH"] = empty_dir
    os.chdir(empty_dir)
    try:
        for module in PRELOAD:
            importlib.import_module(module)
        from . import gvc
        graphviz = gvc.preload()
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which says so
        conn.send(("failed", _described(error)))
        return
    conn.send(("ready", graphviz))
    _serve(conn)


def _serve(conn):
    while True:
        try:
            function, args, language = conn.recv()
        except (EOFError, OSError):
            return  # the pool retired this child, or the parent is gone
        with use_language(language):
            reply = _reply(function, args)
            del function, args
            try:
                conn.send((*reply, _rss()))
            except Exception as error:  # noqa: BLE001 - an answer that does not pickle
                conn.send(("raised", ServiceError(_("The computation's answer could not be sent back (%(error)s).",
                                                    error=_described(error))), _rss()))
        if reply[0] == "memory":
            return  # what is left of the heap is not worth keeping


def _reply(function, args):
    try:
        return ("ok", function(*args))
    except MemoryError:
        return ("memory", None)
    except BaseException as error:  # noqa: BLE001 - the caller's to handle, in the parent
        return ("raised", _portable(error))


def _portable(error):
    """The exception as the parent can raise it: what it is, and where in the child it came from."""
    if not isinstance(error, Exception):
        error = ServiceError(_("The computation stopped (%(error)s).", error=type(error).__name__))
    elif not isinstance(error, (ServiceError, CircuitError)):
        error.add_note(f"In compute process {os.getpid()}:\n{''.join(traceback.format_exception(error))}")
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - exceptions with arguments pickle cannot rebuild
        return ServiceError(_("The computation failed (%(error)s).", error=_described(error)))
    return error


def _rss():
    """This process's resident memory in bytes (Linux), else 0."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _described(error):
    """`ValueError: the reason`, for a message that passes an error on."""
    return f"{type(error).__name__}: {error}"


def _try_again_in(seconds):
    if seconds == 1:
        return _("try again in 1 second.")
    return _("try again in %(seconds)s seconds.", seconds=seconds)


def _size(count):
    return f"{count / 2**30:g} GiB" if count >= 2**30 else f"{count / 2**20:g} MiB"


# --- this process's pool -------------------------------------------------------------------------

_POOLS = weakref.WeakSet()
_default = None
_default_lock = threading.Lock()


def default_pool():
    """The pool of this process, made on first use from BACKPROP_COMPUTE_PROCESSES (default 2)
    and BACKPROP_COMPUTE_QUEUE (default 64)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = ComputePool(**{name: _setting(variable, default) for (name, variable), default
                                      in zip(SETTINGS.items(), (PROCESSES, QUEUE))})
        return _default


def use(pool):
    """Make `pool` this process's pool (None: the next use makes one from the settings);
    returns the one it replaces, which stays open."""
    global _default
    with _default_lock:
        previous, _default = _default, pool
    return previous


def run(function, *args, limit, late=None):
    """`function(*args)` in this process's pool: see ComputePool.run."""
    return default_pool().run(function, *args, limit=limit, late=late)


def _setting(variable, default):
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise ValueError(f"{variable} must be a whole number of 0 or more, not {text!r}")
    return int(text)


def _after_fork_in_child():
    global _default_lock
    _default_lock = threading.Lock()
    for pool in list(_POOLS):
        pool._start_afresh()


def _close_all():
    for pool in list(_POOLS):
        pool.close()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_close_all)
