"""A wall-clock limit on the work of one request: SIGALRM interrupts it with TimeLimitError.

gunicorn's sync workers, and the tests, handle each request in the main thread, where Python
delivers signals; elsewhere (another thread) the limit is not armed and gunicorn's own worker
timeout remains the backstop.
"""

import signal
import threading
import time
from contextlib import contextmanager

from graphlib.errors import TimeLimitError


@contextmanager
def deadline(seconds, message=None):
    """Raise TimeLimitError in the body after `seconds`. Nested in another deadline, the inner one
    can only shorten the time left, and the outer one resumes afterwards."""
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    message = message or (
        f"The circuit took longer than {seconds:g} seconds to compute; try a smaller expression."
    )

    def stop(signum, frame):
        raise TimeLimitError(message)

    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
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
