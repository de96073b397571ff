"""DOT source into SVG or PNG bytes by Graphviz's C library (libgvc, libcgraph) through ctypes, in this process.

Only the runtime libraries of Debian's `graphviz` package are needed (found by
ctypes.util.find_library), no headers. The calls are the ones the `dot` program makes, so that
the output is the same to the byte: read the source (agmemread), lay it out with the dot engine
(gvLayout), render it in memory (gvRenderData), free everything.

Reading no files: the library only honours SERVER_NAME and GV_FILE_PATH where `dot`'s argument
parsing copies them from the environment into two of the library's globals (HTTPServerEnVar,
Gvfilepath). `load()` makes the same two assignments from the same environment variables, then
proves it: a drawing that asks for an image outside GV_FILE_PATH must come out without it, or the
library is not used. Graphviz keeps global state, so one call runs at a time; the compute pool
(compute.py) loads it in each of its children, which run one job at a time, and nowhere else.

What a long-lived process cannot share with a fresh `dot`: an anonymous graph (`digraph { }`)
is titled by a counter of cgraph's ("%3" in a fresh dot, more later; to_dot names its graph), and
a warning Graphviz gives once per process (a file path refused) is not repeated in later messages.
"""

import base64
import ctypes
import ctypes.util
import os
import tempfile
import threading

from .errors import RenderError
from .i18n import _

AGERR = 1  # cgraph.h's agerrlevel_t: AGWARN 0, AGERR 1; agreseterrors() returns the worst seen
INPUT_NAME = b"<stdin>"  # what `dot` calls its input in messages: "Error: <stdin>: syntax error in line 1"
DEFAULT_PAD_POINTS = 4  # dot's space around a drawing that sets no "pad" (render.to_dot sets none)
MESSAGE_CHARACTERS = 300  # of Graphviz's messages in an error, as drawing.run_dot quotes dot's stderr
# A 1x1 PNG, for the self-test of the sandbox.
TEST_IMAGE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
_ERROR_FUNCTION = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p)  # cgraph.h: agusererrf
_P = ctypes.c_void_p
# name: (library, result type, argument types), from gvc.h and cgraph.h (Graphviz 2.43).
_FUNCTIONS = {
    "gvContext": ("gvc", _P, []),
    "gvcVersion": ("gvc", ctypes.c_char_p, [_P]),
    "gvLayout": ("gvc", ctypes.c_int, [_P, _P, ctypes.c_char_p]),
    # The length is an unsigned int * before Graphviz 3 and a size_t * since: see _render_data.
    "gvRenderData": ("gvc", ctypes.c_int, [_P, _P, ctypes.c_char_p, ctypes.POINTER(_P), _P]),
    "gvFreeRenderData": ("gvc", None, [_P]),
    "gvFreeLayout": ("gvc", ctypes.c_int, [_P, _P]),
    "agmemread": ("cgraph", _P, [ctypes.c_char_p]),
    "agget": ("cgraph", ctypes.c_char_p, [_P, ctypes.c_char_p]),
    "agsafeset": ("cgraph", ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]),
    "agclose": ("cgraph", ctypes.c_int, [_P]),
    "agsetfile": ("cgraph", None, [ctypes.c_char_p]),
    "agseterrf": ("cgraph", _P, [_ERROR_FUNCTION]),
    "agreseterrors": ("cgraph", ctypes.c_int, []),
}
# The globals dot's dotneato_args_initialize() sets with getenv(), and graph_init() and
# safefile() read: with HTTPServerEnVar set, files load only from the directories of Gvfilepath.
_SANDBOX_GLOBALS = {"HTTPServerEnVar": b"SERVER_NAME", "Gvfilepath": b"GV_FILE_PATH"}


class Unavailable(Exception):
    """The library cannot be used here: not installed, not the expected one, or not sandboxed."""


class Graphviz:
    """One Graphviz context; `render` draws a DOT source as `dot -T<format>` would."""

    def __init__(self, libraries):
        self._lock = threading.Lock()
        self._messages = []
        self._functions = {}
        for name, (library, result, arguments) in _FUNCTIONS.items():
            try:
                function = getattr(libraries[library], name)
            except AttributeError:
                raise Unavailable(f"lib{library} has no function {name}") from None
            function.restype, function.argtypes = result, arguments
            self._functions[name] = function
        # Messages go to us, not to stderr: agerr() hands them over in pieces ("Error", ": ", text).
        self._on_message = _ERROR_FUNCTION(self._collect)  # kept: C holds the pointer
        self._call("agseterrf", self._on_message)
        self._context = self._call("gvContext")
        if not self._context:
            raise Unavailable("gvContext() failed")
        self.version = (self._call("gvcVersion", self._context) or b"").decode()
        self._size_t_length = _major(self.version) >= 3

    def _call(self, name, *arguments):
        return self._functions[name](*arguments)

    def _collect(self, text):
        self._messages.append(text.decode(errors="replace") if text else "")
        return 0

    def render(self, dot_source, output_format, dpi=None, viewport_for=None):
        """The drawing's bytes. `dpi` is dot's -Gdpi: the graph's own dpi, when it has one, wins.
        `viewport_for(width, height)`, given the laid-out drawing's size in points, may return a
        viewport ("W,H,Z"), which dot reads when it renders: the bytes of dot -Gviewport=W,H,Z.
        Raises RenderError with Graphviz's messages where dot would exit with status 1."""
        with self._lock:
            self._messages = []
            self._call("agreseterrors")
            self._call("agsetfile", INPUT_NAME)  # also restarts the line count, as dot does per input
            graph = self._call("agmemread", dot_source.encode())
            output = b""
            try:
                extra = self._drain()
                if extra:
                    raise RenderError(_("Graphviz failed: the DOT source holds %(count)s graphs; draw one at a time.",
                                        count=extra + 1))
                if graph:
                    output = self._lay_out_and_render(graph, output_format, dpi, viewport_for)
            finally:
                if graph:
                    self._call("agclose", graph)
            if self._call("agreseterrors") >= AGERR:
                raise RenderError(_("Graphviz failed: %(error)s",
                                    error="".join(self._messages).strip()[:MESSAGE_CHARACTERS]))
            return output

    def _lay_out_and_render(self, graph, output_format, dpi, viewport_for):
        if dpi is not None and not self._call("agget", graph, b"dpi"):
            self._call("agsafeset", graph, b"dpi", str(dpi).encode(), b"")
        if self._call("gvLayout", self._context, graph, b"dot") != 0:
            return b""
        try:
            viewport = viewport_for(*self._size_in_points(graph)) if viewport_for else None
            if viewport:
                self._call("agsafeset", graph, b"viewport", viewport.encode(), b"")
            return self._render_data(graph, output_format)
        finally:
            self._call("gvFreeLayout", self._context, graph)

    def _size_in_points(self, graph):
        """The drawing's size, as its SVG gives it: the layout's bounding box (gvLayout sets "bb",
        "llx lly urx ury") and dot's pad on every side."""
        left, bottom, right, top = (float(number) for number in
                                    self._call("agget", graph, b"bb").decode().replace(",", " ").split())
        return right - left + 2 * DEFAULT_PAD_POINTS, top - bottom + 2 * DEFAULT_PAD_POINTS

    def _render_data(self, graph, output_format):
        data = _P()
        length = ctypes.c_size_t(0)  # zeroed, so that an unsigned int written into it reads the same
        if self._call("gvRenderData", self._context, graph, output_format.encode(), ctypes.byref(data),
                      ctypes.byref(length)) != 0:
            return b""
        try:
            size = length.value if self._size_t_length else ctypes.cast(ctypes.byref(length),
                                                                        ctypes.POINTER(ctypes.c_uint)).contents.value
            return ctypes.string_at(data, size) if data else b""
        finally:
            if data:
                self._call("gvFreeRenderData", data)

    def _drain(self):
        """Graphs left in the reader after the first: cgraph's lexer keeps what it read ahead of
        the graph's closing brace (a line's rest) for the next read, which would otherwise start
        with it. Reading an empty source takes it; returns how many more graphs it held."""
        extra = 0
        while True:
            graph = self._call("agmemread", b"")
            if not graph:
                return extra
            self._call("agclose", graph)
            extra += 1


_here = None  # this process's Graphviz, once preload() has loaded it


def preload():
    """Load the library for `here()` and warm it up (plugins, fonts), as a compute child does at
    its start. Returns how this process draws: "library 2.43.0", or "program (why not)"."""
    global _here
    try:
        graphviz = load()
        for output_format in ("svg", "png"):
            graphviz.render('digraph { a -> b [label="warm"] }', output_format)
    except (Unavailable, RenderError) as error:
        return f"program ({error})"
    _here = graphviz
    return f"library {graphviz.version}"


def here():
    """The Graphviz that preload() loaded in this process, or None."""
    return _here


def load():
    """A Graphviz drawing as `dot` would, reading only from GV_FILE_PATH, or Unavailable. Set
    SERVER_NAME and GV_FILE_PATH (an empty directory) in the environment first."""
    for variable in ("SERVER_NAME", "GV_FILE_PATH"):
        if not os.environ.get(variable):
            raise Unavailable(f"{variable} is not set, so Graphviz could read any file")
    libraries = {}
    for name in ("gvc", "cgraph"):
        found = ctypes.util.find_library(name)
        if found is None:
            raise Unavailable(f"lib{name} is not installed (Debian: apt-get install graphviz)")
        try:
            libraries[name] = ctypes.CDLL(found)
        except OSError as error:
            raise Unavailable(f"lib{name} could not be loaded: {error}") from None
    graphviz = Graphviz(libraries)
    _sandbox(libraries["gvc"])
    _prove_sandbox(graphviz)
    return graphviz


def _sandbox(library):
    getenv = ctypes.CDLL(None).getenv
    getenv.restype, getenv.argtypes = _P, [ctypes.c_char_p]
    for name, variable in _SANDBOX_GLOBALS.items():
        try:
            pointer = _P.in_dll(library, name)
        except ValueError:
            raise Unavailable(f"libgvc has no global {name}, so it cannot be kept from reading files") from None
        pointer.value = getenv(variable)  # as dot does: the environment's own string


def _prove_sandbox(graphviz):
    """Draw a node whose image exists outside GV_FILE_PATH: it must be left out."""
    with tempfile.TemporaryDirectory(prefix="gvc-sandbox-") as elsewhere:
        image = os.path.join(elsewhere, "outside.png")
        with open(image, "wb") as file:
            file.write(TEST_IMAGE)
        svg = graphviz.render(f'digraph {{ a [image="{image}" label=""] }}', "svg")
    if b"<image" in svg or b"<svg" not in svg:
        raise Unavailable("libgvc read a file outside GV_FILE_PATH; it is not used")


def _major(version):
    try:
        return int(version.split(".")[0])
    except ValueError:
        return 0
