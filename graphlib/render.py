"""Graph and its numbers to Graphviz DOT, and DOT to SVG by running `dot` under limits.

Every wire is drawn through a small table whose middle row is the wire itself: the value sits
above it in green and the gradient below it in red, as in the lecture's figures. A value used by
several gates leaves through a fork point; the wire before the fork carries the summed gradient,
each branch its own share.
"""

import html
import math
import os
import shutil
import subprocess
import tempfile
import textwrap

import graphviz

from graphlib.errors import RenderError

VALUE_COLOR = "#008000"  # SVG "green", as in the notes; X11's green is lime
GRADIENT_COLOR = "#d00000"
FLAG_COLOR = "#ffe08a"  # background behind inf and nan
FONT = "Helvetica,Arial,sans-serif"
DOT_TIMEOUT_SECONDS = 10
DEFAULT_PRECISION = 2


def format_number(value, precision=DEFAULT_PRECISION):
    """Fixed decimals as in the notes; inf, -inf and nan by name; huge numbers in e-notation."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if abs(value) >= 1e9:
        return f"{value:.{precision}e}"
    text = f"{value:.{precision}f}"
    if float(text) == 0:
        return text.lstrip("-")  # -0.00 reads as a sign error to students
    return text


def to_dot(graph, evaluation, precision=DEFAULT_PRECISION):
    """DOT source of the circuit: node ids are generated, every label is escaped."""
    dot = graphviz.Digraph("circuit")
    # nslimit bounds dot's network-simplex passes: a variable feeding dozens of gates otherwise
    # takes minutes to place, for no visible gain (bench/bench_render.py measures it).
    dot.attr("graph", rankdir="LR", nodesep="0.15", ranksep="0.25", bgcolor="white",
             fontname=FONT, ordering="in", nslimit="1")
    dot.attr("node", fontname=FONT, fontsize="14")
    dot.attr("edge", arrowhead="none", penwidth="1.2")
    numbers = _Numbers(evaluation, precision)
    consumers = graph.consumers()

    with dot.subgraph(name="inputs") as inputs:
        inputs.attr(rank="source")
        for node in graph.inputs:
            inputs.node(_wire(node.id), numbers.wire_label(node.id, evaluation.grads[node.id], node.name),
                        **_WIRE_NODE)
        _keep_typed_order(inputs, [_wire(node.id) for node in graph.inputs])

    for node in graph.gates:
        dot.node(node.id, _escape(node.label), shape="circle",
                 width="0.55", margin="0.02", penwidth="1.2")
        dot.node(_wire(node.id), numbers.wire_label(node.id, evaluation.grads[node.id]), **_WIRE_NODE)
        dot.edge(node.id, _left_end(_wire(node.id)))

    for node in graph.nodes:
        if len(consumers[node.id]) > 1:
            dot.node(_fork(node.id), "", shape="point", width="0.06")
            dot.edge(_right_end(_wire(node.id)), _fork(node.id))

    # Edges into each gate in operand order, so that with ordering=in the first operand is on top.
    for node in graph.gates:
        for index, source_id in node.wires:
            if len(consumers[source_id]) == 1:
                dot.edge(_right_end(_wire(source_id)), node.id)
                continue
            branch = f"{source_id}_to_{node.id}_{index}"
            grad = evaluation.wire_grads[(node.id, index)]
            dot.node(branch, numbers.wire_label(source_id, grad), **_WIRE_NODE)
            dot.edge(_fork(source_id), _left_end(branch))
            dot.edge(_right_end(branch), node.id)
    return dot.source


def _wire(node_id):
    return f"{node_id}_wire"


def _fork(node_id):
    return f"{node_id}_fork"


def _left_end(wire_table):
    """Where a wire enters its table: the west side of the row drawn as the wire."""
    return f"{wire_table}:line:w"


def _right_end(wire_table):
    return f"{wire_table}:line:e"


_WIRE_NODE = {"shape": "plaintext", "margin": "0"}


def _keep_typed_order(subgraph, node_ids):
    """Invisible edges inside the rank ask dot to stack the inputs in the order typed."""
    for upper, lower in zip(node_ids, node_ids[1:]):
        subgraph.edge(upper, lower, style="invis")


class _Numbers:
    """Formats a wire's value and gradient into the HTML-like table drawn around the wire."""

    def __init__(self, evaluation, precision):
        self.values = evaluation.values
        self.precision = precision

    def wire_label(self, node_id, grad, name=None):
        """The wire with its value above and gradient below; an input's name at its left end."""
        name_cell = f'<td rowspan="3" cellpadding="4">{_escape(name)}</td>' if name else ""
        return (
            '<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
            f"<tr>{name_cell}{self.cell(self.values[node_id], VALUE_COLOR)}</tr>"
            '<tr><td port="line" height="1" width="36" cellpadding="0" bgcolor="black"></td></tr>'
            f"<tr>{self.cell(grad, GRADIENT_COLOR)}</tr>"
            "</table>>"
        )

    def cell(self, number, color):
        text = _escape(format_number(number, self.precision))
        flag = "" if math.isfinite(number) else f' bgcolor="{FLAG_COLOR}"'
        weight = ("<b>", "</b>") if flag else ("", "")
        return f'<td{flag}><font color="{color}">{weight[0]}{text}{weight[1]}</font></td>'


def _escape(text):
    return html.escape(text, quote=True)


def render_svg(dot_source, timeout=DOT_TIMEOUT_SECONDS):
    """Run `dot -Tsvg` with a timeout, in an empty directory, allowed to read no files."""
    dot_program = shutil.which("dot")
    if dot_program is None:
        raise RenderError("Graphviz's dot program is not installed on the server.")
    with tempfile.TemporaryDirectory(prefix="dot-") as empty_dir:
        # SERVER_NAME makes Graphviz refuse files outside GV_FILE_PATH, here an empty directory.
        environment = {"PATH": os.environ.get("PATH", ""), "SERVER_NAME": "backprop-circuits",
                       "GV_FILE_PATH": empty_dir}
        try:
            result = subprocess.run(
                [dot_program, "-Tsvg"], input=dot_source.encode(), capture_output=True,
                timeout=timeout, env=environment, cwd=empty_dir, check=False,
            )
        except subprocess.TimeoutExpired:
            raise RenderError(
                f"Drawing the circuit took longer than {timeout} seconds; try a smaller expression."
            ) from None
    if result.returncode != 0:
        raise RenderError(f"Graphviz failed: {result.stderr.decode(errors='replace').strip()[:300]}")
    return result.stdout.decode()


def error_svg(message):
    """A small SVG that states the error, for an <img> or a link that expected a circuit."""
    lines = textwrap.wrap(message, 70) or [""]
    height = 24 + 20 * len(lines)
    texts = "".join(
        f'<text x="12" y="{28 + 20 * row}">{_escape(line)}</text>' for row, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="560" height="{height}" '
        f'font-family="{FONT}" font-size="14" fill="{GRADIENT_COLOR}">'
        f'<rect width="100%" height="100%" fill="white" stroke="{GRADIENT_COLOR}"/>{texts}</svg>'
    )
