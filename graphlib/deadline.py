"""A wall-clock limit on the work of one request: SIGALRM interrupts it with TimeLimitError.

gunicorn's sync workers, and the tests, handle each request in the main thread, where Python
delivers signals; elsewhere (another thread) the limit is not armed and gunicorn's own worker
timeout remains the backstop.
"""

import signal
import threading
from contextlib import contextmanager

from graphlib.errors import TimeLimitError


@contextmanager
def deadline(seconds):
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise TimeLimitError(
            f"The circuit took longer than {seconds:g} seconds to compute; try a smaller expression."
        )

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
