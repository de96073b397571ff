"""DOT source into SVG or PNG bytes by Graphviz, in a compute process, under limits of time and memory.

By Graphviz's library loaded in the compute process (gvc.py), or by the `dot` program it starts
(BACKPROP_GRAPHVIZ=program, or where the library is unavailable); either way the drawing reads
no files and is stopped at its time limit.
"""

import ctypes
import html
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time

from . import compute, gvc
from .errors import RenderError
from .i18n import N_, _, display_width
from .render import FONT, escape, to_dot

DOT_TIMEOUT_SECONDS = 10
# How Graphviz draws (BACKPROP_GRAPHVIZ): its C library in the compute pool's warm processes, or
# the `dot` program started for each drawing (by a compute process) as before. Where the library
# cannot be loaded, or not kept from reading files, the program draws either way.
GRAPHVIZ_SETTING = "BACKPROP_GRAPHVIZ"
GRAPHVIZ_CHOICES = ("library", "program")
# With the program, the pool's own kill comes this much after dot's timeout, which then answers
# first (with the same message) and leaves the compute process in service.
PROGRAM_GRACE_SECONDS = 1.0
DOT_MEMORY_BYTES = 1024 * 1024 * 1024
PR_SET_PDEATHSIG = 1  # linux/prctl.h
_LIBC = ctypes.CDLL(None, use_errno=True)

PNG_DPI = 144  # twice the SVG's 72 points per inch, sharp on high-density screens
# dot draws a PNG on a cairo surface of 4 bytes a pixel, all of it in memory at once, and cairo
# refuses a side past 32767 pixels; rasterising and compressing cost ~25 ms a million pixels here.
# A bigger drawing is zoomed out to fit, which keeps a PNG within twice its SVG's time (measured
# by bench/bench_render.py); at 144 dpi, 8 Mi pixels hold a circuit of about 70 gates.
MAX_PNG_PIXELS = 8 * 1024 * 1024
MAX_PNG_SIDE = 32000
SVG_SIZE = re.compile(rb'<svg width="([0-9.]+)pt" height="([0-9.]+)pt"')


def draw(document, output_format):
    """The circuit as "svg" or "png" bytes drawn by Graphviz, or its "dot" source."""
    source = to_dot(document)
    if output_format == "dot":
        return source.encode()
    return run_dot(source, output_format)


def render_svg(dot_source, timeout=DOT_TIMEOUT_SECONDS):
    return run_dot(dot_source, "svg", timeout).decode()


def run_dot(dot_source, output_format, timeout=DOT_TIMEOUT_SECONDS):
    """Draw the DOT source as dot -Tsvg or -Tpng would, in a compute process (compute.py) stopped
    at `timeout` seconds, allowed to read no files: by Graphviz's library loaded there (gvc.py),
    or by the `dot` program (BACKPROP_GRAPHVIZ=program, or where the library is unavailable).

    A PNG is drawn at PNG_DPI, zoomed out where it would pass MAX_PNG_PIXELS (png_viewport)."""
    how = graphviz_setting()
    stop_at = time.monotonic() + timeout
    if output_format == "svg":
        svg = _draw(dot_source, "svg", how, timeout, stop_at, _("laying out this circuit"),
                    _("Draw fewer gates, for example with a shorter expression."))
        return name_texts(svg, dot_source)
    return _draw(dot_source, "png", how, timeout, stop_at, _("drawing this circuit as a PNG"),
                 _("The SVG of the same circuit works; for a PNG, draw fewer gates."))


# A vector's or matrix's texts on a wire: the label gives each entry's cell, its summary's and the
# cell whose last text is its shape an id (render.array_label); Graphviz writes a cell's id into
# the SVG only as a link's, so name_texts puts it on that text, with a class that says what it is.
CELL_ID = re.compile(r'<td id="([^"]+)"')
NODE_GROUP = re.compile(rb'<g id="([^"]+)" class="node[^"]*">.*?</g>', re.S)  # a node has no inner <g>
TEXT_CLASSES = [(re.compile(r"-shape$"), "shape"),
                (re.compile(r"-(value|grad|tangent)-summary$"), r"summary summary-\1"),
                (re.compile(r"-(value|grad|tangent)(-[0-9]+)+$"), r"entry entry-\1")]


def name_texts(svg, dot_source):
    """The SVG with an id and a class on each text of a vector's or matrix's table: the last texts
    of a wire's group are its cells' with an id, in the label's order (a name comes first, in
    the shape's cell or a cell of its own).
    The class is `entry entry-value` (or -grad, -tangent), `summary summary-value` (...) or `shape`."""
    named = {}
    for line in dot_source.splitlines():
        ids = CELL_ID.findall(line)
        if ids:
            named[line.strip().split(" ", 1)[0].strip('"')] = ids
    if not named:
        return svg

    def name_group(group):
        ids = named.get(html.unescape(group[1].decode()))
        if ids is None:
            return group[0]
        parts = group[0].split(b"<text ")
        first = len(parts) - len(ids)
        for offset, text_id in enumerate(ids):
            parts[first + offset] = f'id="{text_id}" class="{_text_class(text_id)}" '.encode() + parts[first + offset]
        return b"<text ".join(parts)

    return NODE_GROUP.sub(name_group, svg)


def _text_class(text_id):
    for pattern, text_class in TEXT_CLASSES:
        found = pattern.search(text_id)
        if found:
            return found.expand(text_class)
    raise ValueError(f"no class for the text id {text_id!r}")


def graphviz_setting():
    """How Graphviz draws here: BACKPROP_GRAPHVIZ, "library" (the default) or "program"."""
    how = os.environ.get(GRAPHVIZ_SETTING, "").strip() or GRAPHVIZ_CHOICES[0]
    if how not in GRAPHVIZ_CHOICES:
        raise RenderError(_("The server's %(setting)s is %(given)s; it must be %(choices)s.", setting=GRAPHVIZ_SETTING,
                            given=repr(how[:40]), choices=_(" or ").join(GRAPHVIZ_CHOICES)))
    return how


def _too_late(timeout):
    return _("Drawing the circuit took longer than %(seconds)s seconds; try a smaller expression.", seconds=timeout)


# A crash's message, by how it ended (compute.Ending): the same input does it again, so it says
# what to change, not "try again".
CRASHED = {
    "signal": N_("Graphviz failed: it was stopped by the signal %(signal)s %(doing)s (a crash, or out of memory). "
                 "%(advice)s"),
    "status": N_("Graphviz failed: it exited with status %(status)s %(doing)s (a crash, or out of memory). "
                 "%(advice)s"),
    "silent": N_("Graphviz failed: it stopped answering %(doing)s (a crash, or out of memory). %(advice)s"),
}


def _crashed(ending, doing, advice):
    return ending.said(CRASHED, doing=doing, advice=advice)


def _draw(dot_source, output_format, how, timeout, stop_at, doing, advice):
    """One drawing in the pool; `doing` and `advice` complete the message of a crash."""
    late = _too_late(timeout)
    limit = max(stop_at - time.monotonic(), 0.001) + (PROGRAM_GRACE_SECONDS if how == "program" else 0)
    try:
        return compute.run(draw_here, dot_source, output_format, how, os.environ.get("PATH", ""),
                           timeout, stop_at, doing, advice, limit=limit, late=late)
    except compute.Overran as overran:  # the drawing's limit, or the request's (compute.py)
        raise RenderError(str(overran)) from None
    except compute.Crashed as crash:
        raise RenderError(_crashed(crash.ending, doing, advice)) from None
    except compute.OutOfMemory as exhausted:
        raise RenderError(_("Graphviz failed: it needed more memory than the server allows (%(limit)s) %(doing)s. "
                            "%(advice)s", limit=exhausted.limit, doing=doing, advice=advice)) from None


def draw_here(dot_source, output_format, how, path, timeout, stop_at, doing, advice):
    """One drawing in this process (a compute process): by the library it preloaded, else by
    the `dot` program found on `path` (the caller's PATH)."""
    graphviz = gvc.here() if how == "library" else None
    if output_format == "svg":
        if graphviz is not None:
            return graphviz.render(dot_source, "svg")
        return _run_dot(dot_source, ["-Tsvg"], timeout, stop_at, doing, advice, path)
    if graphviz is not None:  # one layout: its size sets the viewport before rendering
        return graphviz.render(dot_source, "png", PNG_DPI, png_viewport)
    svg = _run_dot(dot_source, ["-Tsvg"], timeout, stop_at, doing, advice, path)
    viewport = png_viewport(*_svg_points(svg))
    arguments = ["-Tpng", f"-Gdpi={PNG_DPI}"] + ([f"-Gviewport={viewport}"] if viewport else [])
    return _run_dot(dot_source, arguments, timeout, stop_at, doing, advice, path)


def png_viewport(width, height):
    """dot's viewport ("W,H,Z") that zooms a drawing of `width` x `height` points out until its PNG
    at PNG_DPI is within MAX_PNG_PIXELS and MAX_PNG_SIDE; None where it already is."""
    scale = PNG_DPI / 72  # pixels a point
    if width <= 0 or height <= 0:
        return None
    zoom = min(1.0, math.sqrt(MAX_PNG_PIXELS / (width * height)) / scale,
               MAX_PNG_SIDE / (max(width, height) * scale))
    if zoom >= 1.0:
        return None
    zoom = math.floor(zoom * 1000) / 1000  # printed as it is used, so both ways draw the same
    return f"{width * zoom:.2f},{height * zoom:.2f},{zoom}"


def _svg_points(svg):
    found = SVG_SIZE.search(svg[:4096])
    if found is None:
        raise RenderError(_("Graphviz failed: its SVG has no size, so the PNG's could not be chosen."))
    return float(found.group(1)), float(found.group(2))


def _run_dot(dot_source, arguments, timeout, stop_at, doing, advice, path):
    """One run of dot, stopped at `stop_at` (time.monotonic(), the same in every process);
    `doing` and `advice` complete the message of a crash."""
    dot_program = shutil.which("dot", path=path)
    if dot_program is None:
        raise RenderError(_("Graphviz's dot program is not installed on the server."))
    with tempfile.TemporaryDirectory(prefix="dot-") as empty_dir:
        # SERVER_NAME makes Graphviz refuse files outside GV_FILE_PATH, here an empty directory.
        environment = {"PATH": path, "SERVER_NAME": "backprop-circuits", "GV_FILE_PATH": empty_dir}
        try:
            result = subprocess.run(
                [dot_program, *arguments], input=dot_source.encode(),
                capture_output=True, timeout=max(stop_at - time.monotonic(), 0.001), env=environment,
                cwd=empty_dir, check=False, preexec_fn=_limit_dot_memory,
            )
        except subprocess.TimeoutExpired:
            raise RenderError(_too_late(timeout)) from None
    if result.returncode < 0:  # a crash (dot 2.43's, when an allocation fails under its memory limit) or a kill
        signal_name = signal.Signals(-result.returncode).name
        raise RenderError(_crashed(compute.Ending("signal", signal_name), doing, advice))
    if result.returncode != 0:
        raise RenderError(_("Graphviz failed: %(error)s", error=result.stderr.decode(errors="replace").strip()[:300]))
    return result.stdout


def _limit_dot_memory():
    """Runs in the child before exec: a layout that balloons fails inside dot, not the machine;
    and dot dies with the process that started it (else nothing would enforce its timeout)."""
    resource.setrlimit(resource.RLIMIT_AS, (DOT_MEMORY_BYTES, DOT_MEMORY_BYTES))
    if hasattr(_LIBC, "prctl"):  # Linux only
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


ERROR_COLOR = "#b00020"
ERROR_COLUMNS = 70  # of a Latin letter at 14 px, in the SVG's 560 px


def wrapped(text, columns):
    """`text` in lines of at most `columns`, broken between words (inside a word only where it is
    longer than a line), a wide character (Hangul, CJK) taking two columns as it takes twice the room."""
    lines, line = [], ""
    for word in text.split():
        while display_width(word) > columns:  # a word longer than a line: as much as fits, then the rest
            if line:
                lines.append(line)
            cut = max(count for count in range(1, len(word) + 1) if display_width(word[:count]) <= columns)
            lines.append(word[:cut])
            line, word = "", word[cut:]
        if line and display_width(line) + 1 + display_width(word) > columns:
            lines.append(line)
            line = ""
        line = f"{line} {word}" if line else word
    return lines + [line] if line else lines


def error_svg(message):
    """A small SVG that states the error, for an <img> or a link that expected a circuit."""
    lines = wrapped(message, ERROR_COLUMNS) or [""]
    height = 24 + 20 * len(lines)
    texts = "".join(
        f'<text x="12" y="{28 + 20 * row}">{escape(line)}</text>' for row, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="560" height="{height}" '
        f'font-family="{FONT}" font-size="14" fill="{ERROR_COLOR}">'
        f'<rect width="100%" height="100%" fill="white" stroke="{ERROR_COLOR}"/>{texts}</svg>'
    )
