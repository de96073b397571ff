"""Jobs for the compute pool's tests, which misbehave on purpose: each runs in a pool child (the
pool sends it by module and name), never in the test process. Not a test file.

Any arguments are accepted and ignored where a job stands in for a real one (drawing.draw_here,
symbolic.symbolic_gradients_here) through monkeypatch.
"""

import os
import signal
import time

HELD = []  # what hold() keeps, so that the child's resident memory stays up


def pid(*ignored):
    return os.getpid()


def echo(value):
    return value


def sleep(seconds):
    time.sleep(seconds)
    return os.getpid()


def hang(*ignored):
    while True:
        time.sleep(60)


def segfault(*ignored):
    os.kill(os.getpid(), signal.SIGSEGV)
    time.sleep(60)


def allocate(*ignored, gigabytes=2):
    """Past the child's 1 GiB address space: MemoryError."""
    return len(bytearray(gigabytes * 1024**3))


def hold(megabytes):
    """Keep `megabytes` resident (written, so the pages are real) until the child ends."""
    HELD.append(bytearray(b"x") * (megabytes * 1024**2))
    return os.getpid()


def graphviz_here():
    """The version of the Graphviz library this child loaded, or None."""
    from graphlib import gvc
    return gvc.here().version if gvc.here() is not None else None


def png_at_dpi(dot_source, dpi):
    """A PNG by this child's Graphviz library at `dpi`, however big."""
    from graphlib import gvc
    return gvc.here().render(dot_source, "png", dpi)


def fail(message):
    raise ValueError(message)


def exit_child(*ignored):
    os._exit(3)
