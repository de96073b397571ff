"""The diagram: number formatting, DOT generation, and SVG from the real `dot` (CONVENTIONS §1, §5).

SVG text is read with an XML parser, so that Graphviz's entities (`&#45;` for '-') read as the
characters a viewer shows.
"""

import base64
import collections
import html
import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from graphlib import drawing, render
from graphlib.circuit import build_circuit
from graphlib.errors import RenderError
from graphlib.evaluate import evaluate
from graphlib.graph import Const, Graph, Node
from graphlib.parse import parse
from graphlib.document import build_document, format_number, is_drawn_whole
from graphlib.options import Style
from graphlib.drawing import render_svg
from graphlib.render import PALETTES, to_dot

VALUE_GREEN = "#007a00"  # CONVENTIONS §1: SVG "green" (#008000, not X11 lime), darkened to 4.5:1 on the flag
LECTURE = PALETTES[("lecture", "light")]
GRADIENT_COLOR = LECTURE.gradient
SVG = "{http://www.w3.org/2000/svg}"

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")


# ---------------------------------------------------------------------------------------------
# format_number

FORMATS = [
    pytest.param(0.7310585786, {}, "0.73", id="two-decimals-by-default"),
    pytest.param(-0.19661193, {}, "-0.20", id="negative-rounded"),
    pytest.param(1.0, {}, "1.00", id="one"),
    pytest.param(-12.0, {}, "-12.00", id="integer-value"),
    pytest.param(0.0, {}, "0.00", id="zero"),
    pytest.param(-0.0, {}, "0.00", id="negative-zero"),
    pytest.param(-0.001, {}, "0.00", id="rounds-to-negative-zero"),
    pytest.param(1e-9, {}, "0.00", id="tiny"),
    pytest.param(-12.0, {"precision": 0}, "-12", id="precision-0-integer"),
    pytest.param(-0.4, {"precision": 0}, "0", id="precision-0-negative-zero"),
    pytest.param(1.5456451, {"precision": 6}, "1.545645", id="precision-6"),
    pytest.param(-0.19661193, {"precision": 4}, "-0.1966", id="precision-4"),
    pytest.param(math.inf, {}, "inf", id="inf"),
    pytest.param(-math.inf, {}, "-inf", id="minus-inf"),
    pytest.param(math.nan, {}, "nan", id="nan"),
    pytest.param(math.inf, {"precision": 5}, "inf", id="inf-any-precision"),
    pytest.param(123456789.0, {}, "123456789.00", id="below-a-billion-fixed"),
    pytest.param(1e9, {}, "1.00e+09", id="a-billion-e-notation"),
    pytest.param(-2.5e12, {}, "-2.50e+12", id="large-negative"),
    pytest.param(1e300, {"precision": 3}, "1.000e+300", id="huge-with-precision"),
]


@pytest.mark.parametrize("value, options, expected", FORMATS)
def test_format_number(value, options, expected):
    assert format_number(value, **options) == expected


# ---------------------------------------------------------------------------------------------
# Helpers: draw a circuit and read the SVG back.

def draw(source, **inputs):
    graph = parse(source)
    evaluation = evaluate(graph, {name: float(value) for name, value in inputs.items()})
    dot = to_dot(build_document(graph, evaluation))
    return graph, dot, render_svg(dot)


def svg_texts(svg):
    """(fill colour or None, text) of every <text> element, in document order."""
    root = ET.fromstring(svg.encode())
    return [(element.get("fill"), element.text or "") for element in root.iter(f"{SVG}text")]


def svg_node_texts(svg, title):
    """The texts drawn for one DOT node, found by its <title>."""
    root = ET.fromstring(svg.encode())
    for group in root.iter(f"{SVG}g"):
        heading = group.find(f"{SVG}title")
        if "node" in group.get("class", "").split() and heading is not None and heading.text == title:
            return [(element.get("fill"), element.text or "") for element in group.iter(f"{SVG}text")]
    raise AssertionError(f"no node titled {title!r} in the SVG")


def coloured(texts, colour):
    return collections.Counter(text for fill, text in texts if fill == colour)


FIGURE_2 = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
FIGURE_2_INPUTS = dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
# Every number of the notes' figure 2: inputs w0 x0 w1 x1 w2, then the gates in order.
FIGURE_2_VALUES = ["2.00", "-1.00", "-3.00", "-2.00", "-3.00",
                   "-2.00", "6.00", "4.00", "1.00", "-1.00", "0.37", "1.37", "0.73"]
FIGURE_2_GRADS = ["-0.20", "0.39", "-0.39", "-0.59", "0.20",
                  "0.20", "0.20", "0.20", "0.20", "-0.20", "-0.53", "-0.53", "1.00"]
FIGURE_2_LABELS = ["w0", "x0", "w1", "x1", "w2", "*", "*", "+", "+", "*-1", "exp", "+1", "1/x"]


@pytest.fixture(scope="module")
def figure_2():
    if shutil.which("dot") is None:
        pytest.skip("Graphviz dot is not installed")
    return draw(FIGURE_2, **FIGURE_2_INPUTS)


# ---------------------------------------------------------------------------------------------
# The lecture's figure 2, from the real dot.

def test_figure_2_svg_shows_every_value_in_green(figure_2):
    _, _, svg = figure_2
    assert coloured(svg_texts(svg), VALUE_GREEN) == collections.Counter(FIGURE_2_VALUES)


def test_figure_2_svg_shows_every_gradient_in_the_gradient_colour(figure_2):
    _, _, svg = figure_2
    assert coloured(svg_texts(svg), GRADIENT_COLOR) == collections.Counter(FIGURE_2_GRADS)


def test_figure_2_svg_shows_the_gate_labels_and_input_names(figure_2):
    _, _, svg = figure_2
    plain = [text for fill, text in svg_texts(svg) if fill in (None, "black", "#000000")]
    assert collections.Counter(plain) == collections.Counter(FIGURE_2_LABELS)


def test_figure_2_raw_svg_text_contains_the_golden_numbers(figure_2):
    _, _, svg = figure_2
    readable = html.unescape(svg)
    for number in set(FIGURE_2_VALUES) | set(FIGURE_2_GRADS):
        assert f">{number}<" in readable, number
    assert VALUE_GREEN in svg and GRADIENT_COLOR in svg


def test_output_wire_shows_value_and_gradient_one(figure_2):
    graph, _, svg = figure_2
    texts = svg_node_texts(svg, f"wire-{graph.output.id}")
    assert texts == [(VALUE_GREEN, "0.73"), (GRADIENT_COLOR, "1.00")]


def test_gradient_colour_is_a_red():
    red, green, blue = (int(GRADIENT_COLOR[i:i + 2], 16) for i in (1, 3, 5))
    assert red >= 0xa0 and green <= 0x40 and blue <= 0x40
    assert GRADIENT_COLOR.lower() != VALUE_GREEN


# ---------------------------------------------------------------------------------------------
# Forks: the total before the fork, each branch's share after it.

@needs_dot
def test_fork_shows_summed_gradient_and_each_branch_share():
    # d(x*y+x)/dx = y + 1 = 3: 2 through the product, 1 straight into the sum.
    graph, dot, svg = draw("x*y+x", x=-1.5, y=2)
    x = graph.inputs[0]
    assert svg_node_texts(svg, f"wire-{x.id}") == [(LECTURE.ink, "x"), (VALUE_GREEN, "-1.50"), (GRADIENT_COLOR, "3.00")]
    product, total = graph.gates
    branch_to_product = svg_node_texts(svg, f"wire-{x.id}-{product.id}-0")
    branch_to_sum = svg_node_texts(svg, f"wire-{x.id}-{total.id}-1")
    assert branch_to_product == [(VALUE_GREEN, "-1.50"), (GRADIENT_COLOR, "2.00")]
    assert branch_to_sum == [(VALUE_GREEN, "-1.50"), (GRADIENT_COLOR, "1.00")]
    assert f"fork-{x.id}" in dot


@needs_dot
def test_single_use_wires_have_no_fork():
    _, dot, _ = draw("(x+y)*z", x=-2, y=5, z=-4)
    assert "fork-" not in dot
    assert not re.search(r"wire-n\d+-", dot)


# ---------------------------------------------------------------------------------------------
# Non-finite numbers: by name, and flagged.

NON_FINITE = [
    pytest.param("sqrt(x)", dict(x=-1), "nan", "nan", id="sqrt(-1)"),
    pytest.param("1/x", dict(x=0), "inf", "-inf", id="1/0"),
    pytest.param("log(x)", dict(x=0), "-inf", "inf", id="log(0)"),
]


@needs_dot
@pytest.mark.parametrize("source, inputs, value, grad", NON_FINITE)
def test_non_finite_numbers_are_named_and_flagged(source, inputs, value, grad):
    graph, dot, svg = draw(source, **inputs)
    texts = svg_node_texts(svg, f"wire-{graph.output.id}")
    assert (VALUE_GREEN, value) in texts
    assert texts[-1] == (GRADIENT_COLOR, "1.00")
    assert (GRADIENT_COLOR, grad) in svg_node_texts(svg, f"wire-{graph.inputs[0].id}")
    assert LECTURE.flag in svg
    assert 'font-weight="bold"' in svg


@needs_dot
def test_finite_numbers_are_not_flagged(figure_2):
    _, dot, svg = figure_2
    assert LECTURE.flag not in dot
    assert LECTURE.flag not in svg


# ---------------------------------------------------------------------------------------------
# Escaping and generated ids.

ESCAPES = [
    pytest.param("x", "x", id="plain"),
    pytest.param("<b>", "&lt;b&gt;", id="angle-brackets"),
    pytest.param("a&b", "a&amp;b", id="ampersand"),
    pytest.param('"q"', "&quot;q&quot;", id="double-quote"),
    pytest.param("'", "&#x27;", id="single-quote"),
    pytest.param("1/x", "1/x", id="gate-label-unchanged"),
    # XML 1.0 forbids C0 controls but tab, LF and CR: each shows as its picture, one for one.
    pytest.param("2\x1f+3", "2\u241f+3", id="unit-separator-by-its-picture"),
    pytest.param("\x00\x0b\x0c\x7f", "\u2400\u240b\u240c\u2421", id="nul-tabulation-feed-delete-by-pictures"),
    pytest.param("\x85\x9f", "\ufffd\ufffd", id="c1-controls-replaced"),
    pytest.param("\ufffe\uffff\U0010ffff\ufdd0", "\ufffd" * 4, id="noncharacters-replaced"),
    pytest.param("x\ud800", "x\ufffd", id="lone-surrogate-replaced"),
    pytest.param("a\tb\r\nc", "a\tb\r\nc", id="tab-and-line-breaks-kept"),
    pytest.param("\u00a0\u2028\u200b", "\u00a0\u2028\u200b", id="characters-xml-allows-kept"),
]


@pytest.mark.parametrize("text, expected", ESCAPES)
def test_escape(text, expected):
    assert render.escape(text) == expected


HOSTILE_NAME = '<b>x</b>&"'


def hostile_graph():
    """A graph the parser cannot produce: a name and a constant text full of markup."""
    nodes = (
        Node("n0", "input", name=HOSTILE_NAME),
        Node("n1", "add", ("n0", Const(1.0, "<1>&"))),
    )
    return Graph("hand-built", nodes)


def test_labels_are_escaped_in_the_dot_source():
    graph = hostile_graph()
    dot = to_dot(build_document(graph, evaluate(graph, {HOSTILE_NAME: -1.0})))
    assert HOSTILE_NAME not in dot
    assert "<1>" not in dot
    assert "&lt;b&gt;x&lt;/b&gt;&amp;&quot;" in dot
    assert "&lt;1&gt;&amp;" in dot


@needs_dot
def test_escaped_labels_render_as_literal_text():
    graph = hostile_graph()
    svg = render_svg(to_dot(build_document(graph, evaluate(graph, {HOSTILE_NAME: -1.0}))))
    texts = [text for _, text in svg_texts(svg)]
    assert HOSTILE_NAME in texts
    assert "+(<1>&)" in texts
    assert not list(ET.fromstring(svg.encode()).iter(f"{SVG}b"))


def test_control_characters_in_labels_become_visible_and_the_svg_stays_well_formed():
    """A graph the parser cannot produce (it refuses these characters): a name and a constant
    with controls in them still make an SVG that parses, showing each control's picture."""
    nodes = (Node("n0", "input", name="x\x1f"), Node("n1", "mul", ("n0", Const(5.0, "2\x0b+3"))))
    graph = Graph("hand-built", nodes)
    dot = to_dot(build_document(graph, evaluate(graph, {"x\x1f": 1.0})))
    assert "\x1f" not in dot and "\x0b" not in dot
    if shutil.which("dot") is not None:
        texts = [text for _, text in svg_texts(render_svg(dot))]
        assert "x\u241f" in texts and "*(2\u240b+3)" in texts


GENERATED_ID = re.compile(r"(?:gate|fork|wire)-n\d+(?:-n\d+-\d+)?")


def statement_ids(dot):
    """Every node id used in a node or edge statement of the DOT source (ports dropped)."""
    ids = []
    for line in dot.splitlines():
        line = line.strip()
        edge = re.match(r"(\S+) -> (\S+)", line)
        if edge:
            ids += [part.split(":")[0].strip('"') for part in edge.groups()]
            continue
        node = re.match(r"(\S+) \[", line)
        if node and node.group(1) not in ("graph", "node", "edge"):
            ids.append(node.group(1).strip('"'))
    return ids


def strip_labels(dot):
    dot = re.sub(r"<<table.*?</table>>", "", dot, flags=re.S)
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', dot)


@needs_dot
@pytest.mark.parametrize("source", [
    pytest.param("alpha*beta_2 + max(Gamma, alpha)", id="ordinary-names"),
    pytest.param("node*edge + graph - digraph/subgraph**strict", id="dot-keywords-as-names"),
])
def test_node_ids_are_generated_and_user_text_stays_inside_labels(source):
    graph = parse(source)
    evaluation = evaluate(graph, {name: 1.5 + i for i, name in enumerate(graph.variables)})
    dot = to_dot(build_document(graph, evaluation))
    assert [node.id for node in graph.nodes] == [f"n{i}" for i in range(len(graph.nodes))]
    ids = statement_ids(dot)
    assert ids and all(GENERATED_ID.fullmatch(node_id) for node_id in ids), ids
    outside = strip_labels(dot)
    for name in graph.variables:
        if name not in ("node", "edge", "graph", "digraph", "subgraph", "strict"):
            assert not re.search(rf"\b{name}\b", outside), name
    texts = [text for _, text in svg_texts(render_svg(dot))]
    assert set(graph.variables) <= set(texts)


# Every kind of drawing: what to_dot writes, dot accepts without a warning (checked with
# -Tcanon, which reads the source and writes it back), and the SVG it makes parses as XML.
DRAWINGS = [
    pytest.param(FIGURE_2, FIGURE_2_INPUTS, Style(), id="figure-2"),
    pytest.param("q = x + y\nf = q * z", dict(x=-2, y=5, z=-4), Style(precision=0), id="named-steps"),
    pytest.param("x*y+x*max(x,y)", dict(x=2, y=-3), Style(direction="TB", theme="dark"), id="forks-top-to-bottom"),
    pytest.param("log(x)/y", dict(x=-1, y=0), Style(colors="colorblind"), id="inf-and-nan"),
    pytest.param("sigmoid(x)*tanh(y)", dict(x=1, y=2), Style(precision=10, wrt="x"), id="forward-mode"),
    pytest.param("q = x*y; f = q + x", dict(x=1, y=2), Style(practice="values", direction="TB"), id="practice"),
    pytest.param("x*(2 + 3)\t- (4\n*5)", dict(x=1), Style(), id="folded-constants-with-whitespace"),
    pytest.param("node*edge + graph - digraph/subgraph**strict", {}, Style(), id="dot-keywords-as-names"),
    pytest.param("*".join(["x"] * 121), {}, Style(precision=10, direction="TB", wrt="x"), id="120-gates"),
]


@needs_dot
@pytest.mark.parametrize("source, inputs, style", DRAWINGS)
def test_dot_accepts_every_drawing_and_draws_well_formed_svg(source, inputs, style):
    graph = parse(source)
    values = {name: float(inputs.get(name, 1.5)) for name in graph.variables}
    dot = to_dot(build_document(graph, evaluate(graph, values), style))
    canon = subprocess.run(["dot", "-Tcanon"], input=dot.encode(), capture_output=True, check=False)
    assert canon.returncode == 0 and canon.stderr == b"", canon.stderr
    root = ET.fromstring(render_svg(dot).encode())
    assert root.tag == f"{SVG}svg"


def test_dot_source_is_deterministic():
    graph = parse(FIGURE_2)
    evaluation = evaluate(graph, {k: float(v) for k, v in FIGURE_2_INPUTS.items()})
    assert to_dot(build_document(graph, evaluation)) == to_dot(build_document(graph, evaluation))


def test_precision_option_reaches_the_labels():
    graph = parse("(x+sigmoid(y))/(sigmoid(x)+(x+y)**2)")
    dot = to_dot(build_document(graph, evaluate(graph, {"x": 3.0, "y": -4.0}), Style(precision=6)))
    assert ">1.545645<" in dot and ">2.059570<" in dot and ">1.592233<" in dot


# ---------------------------------------------------------------------------------------------
# Running dot: timeout, missing program, failures, no file access. Drawings run in the compute pool
# (tests/test_compute.py), by Graphviz's library unless BACKPROP_GRAPHVIZ=program: a fake dot on
# PATH only stands in for the program.

GRAPHVIZ = ["library", "program"]


@pytest.fixture
def program(monkeypatch):
    monkeypatch.setenv("BACKPROP_GRAPHVIZ", "program")


def big_dot():
    source = "+".join(f"sigmoid(v{i % 20}*v{(i + 1) % 20})" for i in range(40))
    graph = parse(source)
    return to_dot(build_document(graph, evaluate(graph, {name: 0.5 for name in graph.variables})))


@needs_dot
@pytest.mark.parametrize("how", GRAPHVIZ)
def test_real_dot_is_stopped_by_the_timeout(how, monkeypatch):
    monkeypatch.setenv("BACKPROP_GRAPHVIZ", how)
    with pytest.raises(RenderError, match="longer than"):
        render_svg(big_dot(), timeout=0.001)


def test_a_dot_that_hangs_is_stopped_by_the_timeout(tmp_path, monkeypatch, program):
    fake = tmp_path / "dot"
    fake.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(30)\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RenderError) as raised:
        render_svg("digraph { a }", timeout=0.3)
    assert "longer than 0.3 seconds" in str(raised.value)


@pytest.mark.parametrize("path", [pytest.param("", id="empty-PATH"), pytest.param(None, id="dir-without-dot")])
def test_missing_dot_is_a_render_error_with_a_clear_message(path, tmp_path, monkeypatch, program):
    monkeypatch.setenv("PATH", str(tmp_path) if path is None else path)
    with pytest.raises(RenderError) as raised:
        render_svg("digraph { a }")
    assert "dot" in str(raised.value) and "not installed" in str(raised.value)


@needs_dot
def test_the_library_needs_no_dot_program(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert "<svg" in render_svg("digraph { a }")


# A PNG is drawn at 144 dpi (2 pixels a point) unless its bitmap would pass MAX_PNG_PIXELS (dot holds
# it all in memory, and a bigger one takes more than twice the SVG's time) or a side of MAX_PNG_SIDE
# (cairo's limit): then it is zoomed out to fit, by the zoom png_viewport gives dot.
PNG_SIZES = [
    pytest.param(700, 200, None, id="the-lectures-figures-as-they-are"),
    pytest.param(1448, 1448, None, id="just-within"),
    pytest.param(1449, 1449, 0.999, id="just-past"),
    pytest.param(3961, 13573, 0.197, id="120-gates-top-to-bottom"),
    pytest.param(25427, 2811, 0.171, id="120-gates-left-to-right"),
    pytest.param(40000, 20, 0.4, id="one-long-row-within-cairos-side"),
    pytest.param(0, 0, None, id="no-size"),
]


@pytest.mark.parametrize("width, height, zoom", PNG_SIZES)
def test_png_viewport_zooms_out_the_bitmap_to_the_pixel_limit(width, height, zoom):
    viewport = drawing.png_viewport(width, height)
    if zoom is None:
        assert viewport is None
        return
    assert viewport == f"{width * zoom:.2f},{height * zoom:.2f},{zoom}"
    scale = zoom * drawing.PNG_DPI / 72
    assert (width * scale) * (height * scale) <= drawing.MAX_PNG_PIXELS
    assert max(width, height) * scale <= drawing.MAX_PNG_SIDE
    bigger = (zoom + 0.001) * drawing.PNG_DPI / 72
    assert (width * bigger) * (height * bigger) > drawing.MAX_PNG_PIXELS or \
        max(width, height) * bigger > drawing.MAX_PNG_SIDE


CRASHING_DOT = """#!{python}
# dot that lays out as the real one, and crashes when asked for a PNG.
import os, signal, sys
if "-Tpng" in sys.argv:
    os.kill(os.getpid(), signal.SIGSEGV)
os.execv({dot!r}, [{dot!r}, *sys.argv[1:]])
"""


@needs_dot
def test_a_crash_drawing_a_png_says_what_to_change(tmp_path, monkeypatch, program):
    fake = tmp_path / "dot"
    fake.write_text(CRASHING_DOT.format(python=sys.executable, dot=shutil.which("dot")))
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    source = big_dot()
    assert drawing.run_dot(source, "svg").startswith(b"<?xml")
    with pytest.raises(RenderError) as raised:
        drawing.run_dot(source, "png")
    assert str(raised.value) == (
        "Graphviz failed: it was stopped by the signal SIGSEGV drawing this circuit as a PNG (a crash, "
        "or out of memory). The SVG of the same circuit works; for a PNG, draw fewer gates.")


@needs_dot
def test_invalid_dot_is_a_render_error():
    with pytest.raises(RenderError, match="Graphviz failed"):
        render_svg("digraph { a -> }")


# A 1x1 PNG, to show that dot could include the file if it were allowed to read it.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


@needs_dot
@pytest.mark.parametrize("how", GRAPHVIZ)
def test_dot_reads_no_files(tmp_path, how, monkeypatch):
    monkeypatch.setenv("BACKPROP_GRAPHVIZ", how)
    image = tmp_path / "secret.png"
    image.write_bytes(PNG)
    source = f'digraph {{ a [image="{image}" label=""] }}'
    unrestricted = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True,
                                  env={"PATH": os.environ.get("PATH", "")}, check=False)
    if b"<image" not in unrestricted.stdout:
        pytest.skip("this Graphviz does not embed images in SVG; nothing to compare")
    assert "<image" not in render_svg(source)


# ---------------------------------------------------------------------------------------------
# Vectors and matrices (CONVENTIONS §1): each wire's shape, and its value, gradient and tangent as
# tables of entries (up to 4 x 4; past that the shape and a summary). Every entry's text in the
# SVG has an id, `wire-n3-value-1-0` (row 1, column 0) or `wire-n3-grad-2` (a vector's entry 2),
# and a class, `entry entry-value`; the shape's is `wire-n3-shape` (`shape`), a summary's
# `wire-n3-value-summary` (`summary summary-value`).

NET_2 = dict(expr="sum((W2 @ relu(W1 @ x + b1) + b2 - y)**2)", W1="[[0.1,-0.2],[0.3,0.4],[-0.5,0.6]]", x="[1,-2]",
             b1="[0,0.1,0.2]", W2="[[1,2,3],[-1,0,1]]", b2="[0.5,-0.5]", y="[1,2]")
SOFTMAX = dict(expr="-log_softmax(W @ x + b)[2]", W="[[0.1,-0.2],[0.3,0.4],[-0.5,0.6]]", x="[1,-2]", b="[0,0.1,0.2]")
SVM = dict(expr="s = W @ x\nsum(relu(s - s[1] + 1)) - 1", W="[[0.1,-0.2],[0.3,0.4],[-0.5,0.6]]", x="[1,-2]")
LINEAR = dict(expr="sum((X @ W - Y)**2)", X="[[1,2,3],[4,5,6],[7,8,9],[1,0,1]]", W="[[0.1,0.2],[0.3,-0.4],[0.5,0.6]]",
              Y="[[1,2],[3,4],[5,6],[7,8]]")
FIVE_BY_FIVE = dict(expr="sum(A @ v) + A[1,0]", A=str([[row * 0.5 - column for column in range(5)] for row in range(5)]),
                    v="[1,2,3,4,5]")
NOT_FINITE = dict(expr="sum(log(v) * (W @ u))", v="[0,-1,2]", W="[[1,2],[3,4],[5,6]]", u="[1,1]")
KINDS_DRAWN = {"value": "value", "grad": "gradient", "tangent": "tangent"}  # kind -> its Palette colour


def tensor_circuit(fields, **options):
    return build_circuit({name: [value] for name, value in {**fields, **options}.items()})


def named_texts(svg):
    """{id: (class, fill, text, its cell's background fill)} of every <text> with an id. A cell's
    background is the polygon drawn just before its text."""
    found = {}
    for group in ET.fromstring(svg.encode()).iter(f"{SVG}g"):
        background = None
        for element in group:
            if element.tag == f"{SVG}polygon":
                background = element.get("fill")
            if element.tag == f"{SVG}text" and element.get("id"):
                found[element.get("id")] = (element.get("class"), element.get("fill"), element.text, background)
    return found


def array_wires(document):
    return [numbers for numbers in document.wires.values() if numbers.value.shape]


def expected_texts(document):
    """{id: (class, text)} that the SVG should name: each array wire's shape, and each number's
    entries or summary, as the document writes them ("?" where practice hides them)."""
    expected = {}
    for numbers in array_wires(document):
        wire = numbers.wire.id
        expected[f"{wire}-shape"] = ("shape", str(numbers.value.shape))
        for kind in KINDS_DRAWN:
            shown = getattr(numbers, kind)
            if shown is None:
                continue
            if not is_drawn_whole(shown.shape):
                text = "?" if shown.hidden else document.summary(shown)
                expected[f"{wire}-{kind}-summary"] = (f"summary summary-{kind}", text)
                continue
            for index in np.ndindex(shown.shape):
                text = shown.text
                for position in index:
                    text = text[position]
                expected[render.entry_id(wire, kind, index)] = (f"entry entry-{kind}", "?" if shown.hidden else text)
    return expected


TENSOR_DRAWINGS = [
    pytest.param(NET_2, {}, id="2-layer-net"),
    pytest.param(SOFTMAX, {"direction": "TB", "precision": "4"}, id="softmax-top-to-bottom"),
    pytest.param(SVM, {"wrt": "W[1,0]", "theme": "dark"}, id="named-step-and-fork-forward-mode"),
    pytest.param(LINEAR, {"colors": "colorblind", "direction": "TB", "wrt": "W[2,1]"}, id="matrices-top-to-bottom-tangents"),
    pytest.param(FIVE_BY_FIVE, {}, id="5x5-summary"),
    pytest.param(FIVE_BY_FIVE, {"practice": "values"}, id="5x5-summary-hidden"),
    pytest.param(NET_2, {"practice": "grads"}, id="practice-grads"),
    pytest.param(SVM, {"practice": "values", "direction": "TB"}, id="practice-values"),
    pytest.param(NOT_FINITE, {}, id="inf-and-nan"),
]


@needs_dot
@pytest.mark.parametrize("how", GRAPHVIZ)
@pytest.mark.parametrize("fields, options", TENSOR_DRAWINGS)
def test_every_table_text_is_named_and_reads_as_the_document_writes_it(fields, options, how, monkeypatch):
    monkeypatch.setenv("BACKPROP_GRAPHVIZ", how)
    document = tensor_circuit(fields, **options).document
    svg = drawing.draw(document, "svg").decode()
    palette = PALETTES[(document.style.colors, document.style.theme)]
    named = named_texts(svg)
    assert {text_id: (text_class, text) for text_id, (text_class, _, text, _) in named.items()} == expected_texts(document)
    for text_id, (text_class, fill, _, _) in named.items():
        kind = text_class.rsplit("-", 1)[-1]
        assert fill == (palette.ink if text_class == "shape" else getattr(palette, KINDS_DRAWN[kind])), text_id


@needs_dot
def test_a_number_on_a_tensor_circuit_is_drawn_as_in_a_scalar_one():
    document = tensor_circuit(NET_2).document
    svg = drawing.draw(document, "svg").decode()
    assert svg_node_texts(svg, document.output.wire.id) == [(VALUE_GREEN, "9.00"), (GRADIENT_COLOR, "1.00")]


# (source, shape drawn: rows and columns of entries) for each kind of wire; a vector is a column.
TABLE_SHAPES = [
    pytest.param("x", (2, 1), id="vector-as-a-column"),
    pytest.param("W1", (3, 2), id="matrix"),
    pytest.param("W2", (2, 3), id="wide-matrix"),
]


@needs_dot
@pytest.mark.parametrize("direction", ["LR", "TB"])
@pytest.mark.parametrize("name, rows_and_columns", TABLE_SHAPES)
def test_tables_have_the_shape_of_the_wire_and_the_gradient_lines_up_with_the_value(name, rows_and_columns, direction):
    """Left to right, the gradient's columns are under the value's; top to bottom, its rows beside them."""
    document = tensor_circuit(NET_2, direction=direction).document
    svg = drawing.draw(document, "svg").decode()
    numbers = input_wire(document, name)
    wire = numbers.wire.id
    cells = cell_boxes(svg, wire)
    rows, columns = rows_and_columns
    for kind in ("value", "grad"):
        assert len([text_id for text_id in cells if text_id.startswith(f"{wire}-{kind}-")]) == rows * columns
        boxes = [cells[render.entry_id(wire, kind, index)] for index in np.ndindex(numbers.value.shape)]
        assert len(set(top for _, top in boxes)) == rows  # each row at its own height
        assert len(set(left for left, _ in boxes)) == columns  # each column at its own place
    across = 0 if direction == "LR" else 1  # the coordinate a value and its gradient share
    for index in np.ndindex(numbers.value.shape):
        value, grad = (cells[render.entry_id(wire, kind, index)] for kind in ("value", "grad"))
        assert value[across] == grad[across] and value[1 - across] != grad[1 - across], index


def input_wire(document, name):
    """The numbers of the input `name`'s own wire."""
    return document.trunk(next(node.id for node in document.graph.inputs if node.name == name))


def cell_boxes(svg, wire_id):
    """{text id: (left, top) of its cell} for the named texts of one wire."""
    boxes = {}
    for group in ET.fromstring(svg.encode()).iter(f"{SVG}g"):
        if group.get("id") != wire_id:
            continue
        corner = None
        for element in group:
            if element.tag == f"{SVG}polygon":
                points = [tuple(map(float, point.split(","))) for point in element.get("points").split()]
                corner = (min(x for x, _ in points), min(y for _, y in points))
            if element.tag == f"{SVG}text" and element.get("id"):
                boxes[element.get("id")] = corner
    return boxes


@needs_dot
def test_a_5x5_matrix_shows_its_shape_and_summary_not_its_entries():
    document = tensor_circuit(FIVE_BY_FIVE).document
    a = input_wire(document, "A")
    named = named_texts(drawing.draw(document, "svg").decode())
    assert named[f"{a.wire.id}-shape"][2] == "(5, 5)"
    assert named[f"{a.wire.id}-value-summary"][2] == "min -4.00, max 2.00, norm 9.35" == document.summary(a.value)
    assert named[f"{a.wire.id}-grad-summary"][2] == document.summary(a.grad)
    assert not [text_id for text_id in named if text_id.startswith(f"{a.wire.id}-value-0")]


PRACTICE_TABLES = [
    pytest.param("grads", "x", {"value": False, "grad": True}, id="grads-hides-an-inputs-gradient"),
    pytest.param("grads", "sum", {"value": False, "grad": False}, id="grads-shows-the-output"),
    pytest.param("values", "x", {"value": False, "grad": True}, id="values-shows-the-inputs-values"),
    pytest.param("values", "@", {"value": True, "grad": True}, id="values-hides-a-gates-value"),
]


@needs_dot
@pytest.mark.parametrize("practice, node, hidden", PRACTICE_TABLES)
def test_practice_draws_every_hidden_entry_as_a_question_mark(practice, node, hidden):
    document = tensor_circuit(NET_2, practice=practice).document
    graph = document.graph
    found = next(item for item in graph.nodes if (item.name if item.is_input else item.label) == node)
    wire = document.trunk(found.id).wire.id
    named = named_texts(drawing.draw(document, "svg").decode())
    for kind, is_hidden in hidden.items():
        texts = {text for text_id, (_, _, text, _) in named.items() if text_id.startswith(f"{wire}-{kind}")}
        assert (texts == {"?"}) == is_hidden, (kind, texts)


@needs_dot
def test_inf_and_nan_entries_are_flagged_one_by_one():
    document = tensor_circuit(NOT_FINITE).document
    named = named_texts(drawing.draw(document, "svg").decode())
    log_v = document.trunk(document.graph.gates[0].id).wire.id
    flagged = {text_id: text for text_id, (_, _, text, background) in named.items() if background == LECTURE.flag}
    assert {text_id: text for text_id, text in flagged.items() if text_id.startswith(f"{log_v}-value")} == {
        f"{log_v}-value-0": "-inf", f"{log_v}-value-1": "nan"}
    assert set(flagged.values()) <= {"inf", "-inf", "nan"}
    assert all(text not in ("inf", "-inf", "nan") or text_id in flagged for text_id, (_, _, text, _) in named.items())


@needs_dot
def test_the_gates_of_arrays_are_labelled_as_typed():
    fields = dict(expr="sum(W.T @ x) + W[1,0] + sum(sum(W, 0)) + max(x)", W="[[1,2],[3,4]]", x="[1,-1]")
    svg = drawing.draw(tensor_circuit(fields).document, "svg").decode()
    gates = [group.find(f"{SVG}text").text for group in ET.fromstring(svg.encode()).iter(f"{SVG}g")
             if "gate" in group.get("class", "").split()]
    assert sorted(gates) == sorted(["transpose", "@", "sum", "[1,0]", "+", "sum(x,0)", "sum", "+", "max", "+"])


def test_a_hostile_name_on_a_vector_is_escaped():
    graph = Graph("hand-built", (Node("n0", "input", name=HOSTILE_NAME), Node("n1", "sum", ("n0",))))
    document = build_document(graph, evaluate(graph, {HOSTILE_NAME: np.array([1.0, -2.0])}))
    dot = to_dot(document)
    assert HOSTILE_NAME not in dot and "&lt;b&gt;x&lt;/b&gt;&amp;&quot;" in dot
    if shutil.which("dot") is not None:
        svg = drawing.draw(document, "svg").decode()
        assert HOSTILE_NAME in [text for _, text in svg_texts(svg)]
        assert named_texts(svg)["wire-n0-value-1"][2] == "-2.00"


@needs_dot
@pytest.mark.parametrize("fields, options", TENSOR_DRAWINGS)
def test_dot_accepts_every_tensor_drawing_and_exports_it(fields, options):
    document = tensor_circuit(fields, **options).document
    dot = drawing.draw(document, "dot").decode()
    canon = subprocess.run(["dot", "-Tcanon"], input=dot.encode(), capture_output=True, check=False)
    assert canon.returncode == 0 and canon.stderr == b"", canon.stderr
    assert drawing.draw(document, "png").startswith(b"\x89PNG")


@needs_dot
def test_the_biggest_tensor_drawing_fits_the_png_limits():
    """16 matrices 4x4 (the 256 numbers a circuit may hold) in forward mode: three 4x4 tables on
    each of 95 wires, zoomed out to fit the PNG's pixels."""
    matrices = {f"A{i}": "[[1,2,3,4],[5,6,7,8],[1,0,1,0],[0.5,0.25,0.125,2]]" for i in range(16)}
    products = " + ".join(f"relu(A{i} @ A{(i + 1) % 16})" for i in range(16))
    document = tensor_circuit({"expr": f"sum({products})", **matrices}, wrt="A3[1,2]").document
    png = drawing.draw(document, "png")
    width, height = (int.from_bytes(png[offset:offset + 4], "big") for offset in (16, 20))  # IHDR
    assert width * height <= drawing.MAX_PNG_PIXELS and max(width, height) <= drawing.MAX_PNG_SIDE
    points = [float(size) for size in drawing.SVG_SIZE.search(drawing.draw(document, "svg")).groups()]
    assert width * points[1] == pytest.approx(height * points[0], rel=0.01)  # zoomed out, not cut
    assert width * height > drawing.MAX_PNG_PIXELS * 0.95  # as big as allowed


@needs_dot
def test_a_scalar_svg_is_left_as_graphviz_drew_it(figure_2):
    _, dot, svg = figure_2
    assert drawing.name_texts(svg.encode(), dot) == svg.encode()
    assert ' class="entry' not in svg and "<td id=" not in dot
