"""A wall-clock limit on the work of one request: SIGALRM interrupts it with TimeLimitError.

Python delivers signals in the main thread only, where the tests handle requests. In another
thread (gunicorn's threaded worker) nothing can interrupt Python, so the limit is recorded
instead: `time_left()` tells the compute pool, which stops the request's heavy work at it (the
rest of a request is bounded by the input limits).
"""

import signal
import threading
import time
from contextlib import contextmanager

from .errors import TimeLimitError
from .i18n import _


@contextmanager
def deadline(seconds, message=None):
    """Raise TimeLimitError in the body after `seconds`. Nested in another deadline, the inner one
    can only shorten the time left, and the outer one resumes afterwards."""
    if seconds is None:
        yield
        return
    message = message or _("The circuit took longer than %(seconds)s seconds to compute; try a smaller expression.",
                           seconds=format(seconds, "g"))
    if threading.current_thread() is not threading.main_thread():
        with _recorded(seconds, message):
            yield
        return

    def stop(signum, frame):
        raise TimeLimitError(message)

    outer_left, _interval = signal.getitimer(signal.ITIMER_REAL)
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, min(seconds, outer_left) if outer_left else seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:
            # The outer deadline goes on with what it had left; if that is spent, it fires now.
            signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.monotonic() - started), 1e-6))


_recorded_limits = threading.local()


@contextmanager
def _recorded(seconds, message):
    limits = _recorded_limits.__dict__.setdefault("stack", [])
    limits.append((time.monotonic() + seconds, message))
    try:
        yield
    finally:
        limits.pop()


def time_left():
    """(seconds, message) of the nearest deadline recorded in this thread, or None."""
    limits = getattr(_recorded_limits, "stack", [])
    if not limits:
        return None
    ends_at, message = min(limits)
    return max(ends_at - time.monotonic(), 0.0), message
