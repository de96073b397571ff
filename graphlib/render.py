"""A circuit document into Graphviz DOT source: gates as circles, each wire with its numbers.

Every wire is drawn through a small table whose middle row is the wire itself: the value sits
above it in green and the gradient below it in red, as in the lecture's figures. A value used by
several gates leaves through a fork point; the wire before the fork carries the summed gradient,
each branch its own share. A value whose fork would be too wide, or any shared value in a big
circuit, is drawn as stubs instead: each branch is its own short input wire at its gate, labelled
with the value's name and which use it is (`x`, `3 of 60`), and the value's own wire carries the
sum (see `drawn_at_uses`). A deep circuit is drawn in rows (`_Rows`).
"""

import html
import math
import re
from dataclasses import dataclass

import numpy as np

from .dot import Digraph
from .arrays import shape_text
from .document import HIDDEN, drawn_wires, is_drawn_whole
from .i18n import _

# A value is drawn as stubs at its gates (drawn_at_uses) when it feeds more gates than
# MAX_FORK_BRANCHES: past 16 branches a fork's wires merge into one dark bar, and dot took 1 s to
# place 4 variables used 30 times each in a 120-gate product, over 2 minutes at 500 gates. In a
# circuit of more than MAX_FORKING_GATES gates every input and every value used twice or more is:
# dot's time grows with the wires it routes past other gates, from the inputs' column and from
# forks (500 uses reaching 7 columns on took it 0.45 s, 12 columns 0.7 s, 40 columns 3 s; forks
# of 5 uses reaching at most 4 columns still 0.65 s, the same drawn as stubs 0.39 s), while up
# to 120 gates no shape found took it over 0.2 s (bench/bench_render.py has the worst shapes).
MAX_FORK_BRANCHES = 16
MAX_FORKING_GATES = 120
MAX_ROW_COLUMNS = 40  # a deeper circuit is drawn in rows (_Rows)
FONT = "Helvetica,Arial,sans-serif"


@dataclass(frozen=True)
class Palette:
    value: str
    gradient: str
    tangent: str  # forward mode's d wire / d input, when asked for
    flag: str  # background behind inf and nan
    ink: str  # wires, gate outlines, names
    paper: str  # background


# The lecture's green and red; Okabe and Ito's blue, vermillion and reddish purple for readers
# with red-green colour blindness, the most common kind. Every number and name has WCAG AA
# contrast (4.5:1) against the paper, the page's panels and the flag; each colour is as close to
# its original as that allows: SVG's "green" #008000 and the vermillion #d55e00 (3.87:1 on white)
# darkened, the dark paper's red lightened. The flag stays a yellow (light) or an olive (dark)
# that stands out from the paper (CIELAB difference over 30). tests/test_contrast.py measures them.
PALETTES = {
    ("lecture", "light"): Palette("#007a00", "#d00000", "#6a3d9a", "#ffeb99", "#000000", "#ffffff"),
    ("lecture", "dark"): Palette("#5fd35f", "#ff7a7a", "#c7a4ff", "#453700", "#e8e8e8", "#16181d"),
    ("colorblind", "light"): Palette("#006dab", "#ad4c00", "#ac417c", "#ffeb99", "#000000", "#ffffff"),
    ("colorblind", "dark"): Palette("#56b4e9", "#f0a35e", "#e59cc4", "#453700", "#e8e8e8", "#16181d"),
}


def _palette(style):
    return PALETTES[(style.colors, style.theme)]


def columns(graph):
    """Each node's column, counted in gates from the inputs (column 0), with every gate as late as
    its uses allow: the output's column is its depth, any other gate's one before its first use.
    That is where dot puts a gate whose wires it is free to shorten."""
    depth = {}
    for node in graph.nodes:
        depth[node.id] = 1 + max((depth[source] for _, source in node.sources), default=-1)
    column = {graph.output.id: depth[graph.output.id]}
    for node in reversed(graph.nodes):
        for _, source in node.sources:
            column[source] = min(column.get(source, column[node.id]), column[node.id] - 1)
    for node in graph.inputs:
        column[node.id] = 0
    return column


def drawn_at_uses(graph):
    """The ids of the values drawn at their gates instead of from one wire: each used by more than
    MAX_FORK_BRANCHES gates, and in a circuit of more than MAX_FORKING_GATES gates every input and
    every value used by more than one gate. Such a value used several times gets a stub per use
    (its branch wire, drawn where the gate is) and its own wire just before the first; an input
    used once is drawn at its gate rather than with the inputs on the left."""
    consumers = graph.consumers()
    big = len(graph.nodes) - len(graph.inputs) > MAX_FORKING_GATES
    found = set()
    for node in graph.nodes:
        uses = consumers[node.id]
        if len(uses) > MAX_FORK_BRANCHES or (big and uses and (node.is_input or len(uses) > 1)):
            found.add(node.id)
    return found


def to_dot(document):
    """DOT source of the circuit: ids are generated, every label is escaped.

    SVG hooks for the page's script: gates are `gate-nK`, wires `wire-...` (a wire's last texts
    are its value, its gradient and, with `wrt`, its tangent, each right after its cell's
    background), forks `fork-nK` (for stubs, the note of how many uses); every element of node
    K's outgoing wire, edges and stubs included, has the class `of-nK`, stubs also `stub`.
    A vector's or matrix's wire draws its numbers as tables (_WireTables.array_label): in the
    SVG, each entry's text is `wire-...-value-1-0` (row 1, column 0; `-grad-`, `-tangent-`; a
    vector's `-value-1`) of class `entry entry-value`, a summary's `wire-...-value-summary` of
    class `summary summary-value`, the shape's `wire-...-shape` of class `shape`
    (drawing.name_texts); each entry's and summary's text comes right after its cell's background.
    """
    circuit = _CircuitDot(document)
    circuit.inputs()
    circuit.gates()
    circuit.forks()
    circuit.operand_wires()
    return circuit.dot.source


class _CircuitDot:
    """The DOT statements of one circuit, made part by part: the inputs, the gates with their own
    wires, the forks, and the wires into each gate."""

    def __init__(self, document):
        self.graph = graph = document.graph
        self.palette = _palette(document.style)
        drawn = drawn_wires(graph)
        self.trunks = {wire.source: wire for wire in drawn if wire.consumer is None}
        self.branches = {(wire.consumer, wire.operand): wire for wire in drawn if wire.consumer is not None}
        self.stubbed = drawn_at_uses(graph)
        self.rows = _Rows(graph, self.stubbed)
        self.tables = _WireTables(document)
        self.dot = Digraph("circuit")
        # nslimit bounds dot's network-simplex passes: a variable feeding dozens of gates otherwise
        # takes minutes to place, for no visible gain (bench/bench_render.py measures it). With
        # stubs the forks are small, and the straight lines of gates (groups) and the rows need the
        # passes: dot takes 10-30 % longer.
        limit = {} if self.stubbed or self.rows.count > 1 else {"nslimit": "1"}
        self.dot.defaults("graph", rankdir=document.style.direction, nodesep="0.15", ranksep="0.25",
                          bgcolor=self.palette.paper, fontname=FONT, ordering="in", **limit)
        self.dot.defaults("node", fontname=FONT, fontsize="14", fontcolor=self.palette.ink, color=self.palette.ink)
        self.dot.defaults("edge", arrowhead="none", penwidth="1.2", color=self.palette.ink)
        self.rows.declare_order(self.dot, graph, self._first_name, document.style.direction)

    def _first_name(self, node):
        return self.trunks[node.id].id if node.is_input else f"gate-{node.id}"

    def inputs(self):
        """The inputs' wires in one column, in the order typed. An input drawn at its gates leaves
        that column: its own wire, with the sum of the gradients, is drawn just before its first use."""
        at_left = [node for node in self.graph.inputs if node.id not in self.stubbed]
        with self.dot.subgraph("inputs", rank="source") as column:
            for node in at_left:
                self.tables.add(column, self.trunks[node.id], name=node.name, starts_here=True)
            _keep_typed_order(column, [self.trunks[node.id].id for node in at_left])
        for node in self.graph.inputs:
            if node.id in self.stubbed:
                self.tables.add(self.dot, self.trunks[node.id], name=node.name, starts_here=True)

    def gates(self):
        """Each gate's circle and its own wire. In a circuit with stubs, each chain of gates through
        their largest operands is a group, which dot keeps straight: a long chain stays one line
        instead of stepping aside at every operand that joins it."""
        lines = _main_lines(self.graph) if self.stubbed else {}
        for node in self.graph.gates:
            # A group spanning rows would join them into one part again.
            group = {"group": f"{lines[node.id]}-{self.rows.row[node.id]}"} if node.id in lines else {}
            self.dot.node(f"gate-{node.id}", escape(node.label), id=f"gate-{node.id}", **{"class": "gate"},
                          shape="circle", width="0.55", margin="0.02", penwidth="1.2",
                          style="filled", fillcolor=self.palette.paper, **group)
            self.tables.add(self.dot, self.trunks[node.id], name=node.name, **group)
            _edge(self.dot, f"gate-{node.id}", self.tables.entry(self.trunks[node.id].id), node.id)

    def forks(self):
        """A point where a value used by several gates splits, or for a value drawn at its uses, a
        note in its place: the wire before it carries the sum of the stubs' gradients."""
        consumers = self.graph.consumers()
        for node in self.graph.nodes:
            uses = len(consumers[node.id])
            if uses < 2:
                continue
            fork = f"fork-{node.id}"
            if node.id in self.stubbed:
                self.dot.node(fork, _uses_note(uses), id=fork, **{"class": f"fork stubs of-{node.id}"},
                              shape="plaintext", margin="0.05")
            else:
                self.dot.node(fork, "", id=fork, **{"class": f"fork of-{node.id}"}, shape="point",
                              width="0.06", color=self.palette.ink)
            _edge(self.dot, self.tables.exit(self.trunks[node.id].id), fork, node.id)

    def operand_wires(self):
        """The wires into each gate in operand order, so that with ordering=in the first operand
        comes first: a value's own wire, its fork's branch, or a stub."""
        stubs_drawn = dict.fromkeys(self.stubbed, 0)
        for node in self.graph.gates:
            for index, source_id in node.sources:
                branch = self.branches.get((node.id, index))
                if branch is None:
                    self.rows.edge(self.dot, self.palette, self.tables.exit(self.trunks[source_id].id),
                                   f"gate-{node.id}", source_id, node.id)
                    continue
                if source_id in self.stubbed:
                    stubs_drawn[source_id] += 1
                    self._stub(branch, stubs_drawn[source_id])
                else:
                    self.tables.add(self.dot, branch)
                    self.rows.edge(self.dot, self.palette, f"fork-{source_id}", self.tables.entry(branch.id),
                                   source_id, node.id)
                _edge(self.dot, self.tables.exit(branch.id), f"gate-{node.id}", source_id)

    def _stub(self, branch, use):
        """A value's `use`-th use drawn at its gate, named as the value and counted."""
        source = self.graph.node(branch.source)
        uses = len(self.graph.consumers()[source.id])
        self.tables.add(self.dot, branch, name=source.name or self.graph.text(source), starts_here=True,
                        use=(use, uses))
        if source.is_input and use == 1:  # its own wire just before
            self.dot.edge(f"fork-{source.id}", self.tables.entry(branch.id), style="invis")


class _Rows:
    """A circuit more than MAX_ROW_COLUMNS columns deep is drawn in rows (top to bottom: strips
    side by side) of at most that many columns each, so that it fits a page and a PNG: a wire
    that goes on in a later row ends in a numbered marker, and the same number starts it again
    there. Each row is then a separate part of the drawing, which dot lays out on its own and
    stacks in the order the parts' first nodes were declared (in LR, the first at the bottom)."""

    def __init__(self, graph, stubbed):
        column = columns(graph)
        depth = max(column.values())
        count = max(1, math.ceil(depth / MAX_ROW_COLUMNS))
        width = max(1, math.ceil(depth / count))
        self.row = {node_id: max(0, (at - 1) // width) for node_id, at in column.items()}
        consumers = graph.consumers()
        for node in graph.inputs:  # drawn at its (first) gate: in that gate's row
            if node.id in stubbed:
                self.row[node.id] = self.row[consumers[node.id][0][0]]
        self.count = count
        self.cuts = 0
        # The parts: nodes joined by a wire that stays in its row; the inputs drawn on the left
        # are one part, joined by their invisible order.
        self.part = {node.id: node.id for node in graph.nodes}
        at_left = [node.id for node in graph.inputs if node.id not in stubbed]
        for node_id in at_left[1:]:
            self._join(at_left[0], node_id)
        for node in graph.inputs:
            if node.id in stubbed:
                self._join(node.id, consumers[node.id][0][0])
        for node in graph.gates:
            for _, source in node.sources:
                if source not in stubbed and self.row[source] == self.row[node.id]:
                    self._join(source, node.id)

    def _find(self, node_id):
        while self.part[node_id] != node_id:
            self.part[node_id] = self.part[self.part[node_id]]
            node_id = self.part[node_id]
        return node_id

    def _join(self, one, other):
        self.part[self._find(one)] = self._find(other)

    def declare_order(self, dot, graph, first_name, direction):
        """Declare one node of each part first, row by row, so that dot stacks the rows in order."""
        if self.count == 1:
            return
        firsts = {}
        for node in graph.nodes:
            firsts.setdefault(self._find(node.id), node)
        ordered = sorted(firsts.values(), key=lambda node: (self.row[node.id], int(node.id[1:])))
        if direction == "LR":
            ordered.reverse()
        for node in ordered:
            dot.node(first_name(node))

    def edge(self, dot, palette, tail, head, owner, consumer):
        """A wire from `tail` (of node `owner`'s value) to `head` (of gate `consumer`)."""
        if self.row[consumer] <= self.row[owner]:
            _edge(dot, tail, head, owner)
            return
        self.cuts += 1
        for end in ("out", "in"):
            marker = f"wrap-{self.cuts}-{end}"
            dot.node(marker, str(self.cuts), id=marker, **{"class": f"wrap of-{owner}"}, shape="box",
                     style="rounded", fontsize="11", width="0", height="0", margin="0.04,0.02",
                     color=palette.ink)
        _edge(dot, tail, f"wrap-{self.cuts}-out", owner)
        _edge(dot, f"wrap-{self.cuts}-in", head, owner)


MIN_LINE_GATES = 8


def _main_lines(graph):
    """Gate id -> the name of its line, for lines of at least MIN_LINE_GATES gates: a line runs
    back from a gate through its largest operand (counted in gates), where that operand is more
    than twice the others together: the chain of a long sum or product, not both halves of a
    balanced tree, which dot draws well as it is. Every other operand that is a gate starts a
    line of its own. (Keeping short lines straight costs dot time and shows nothing.)"""
    size = {}
    for node in graph.nodes:
        size[node.id] = 0 if node.is_input else 1 + sum(size[source] for _, source in node.sources)
    line = {graph.output.id: graph.output.id}
    for node in reversed(graph.gates):
        operands = [source for _, source in node.sources if not graph.node(source).is_input]
        if operands:
            heaviest = max(operands, key=lambda source: size[source])
            if size[heaviest] > 2 * (sum(size[source] for source in operands) - size[heaviest]):
                line.setdefault(heaviest, line[node.id])
            for source in operands:
                line.setdefault(source, source)
    lengths = {}
    for name in line.values():
        lengths[name] = lengths.get(name, 0) + 1
    return {node_id: f"line-{name}" for node_id, name in line.items() if lengths[name] >= MIN_LINE_GATES}


def _use_count(use):
    """Which use of its value a stub is, (1, 18): "1 of 18", in the language in use."""
    count = _("%(use)s of %(uses)s", use=use[0], uses=use[1])
    return f'<br/><font point-size="10">{escape(count)}</font>'


def _uses_note(uses):
    """The note at a value drawn at each of its gates, in the language in use (so the drawing cache
    keeps a drawing per language)."""
    lines = (_("%(uses)s uses,", uses=uses), _("gradient: their sum"))
    return f'<<font point-size="11">{escape(lines[0])}<br/>{escape(lines[1])}</font>>'


def _edge(dot, tail, head, owner):
    dot.edge(tail, head, **{"class": f"of-{owner}"})


def _keep_typed_order(subgraph, node_names):
    """Invisible edges inside the rank ask dot to keep the inputs in the order typed."""
    for first, second in zip(node_names, node_names[1:]):
        subgraph.edge(first, second, style="invis")


class _WireTables:
    """Draws each wire through a small table whose middle cell is the wire itself, with the value
    before it (above, or left when the circuit runs top to bottom) and the gradient after it."""

    def __init__(self, document):
        self.numbers = document.wires
        self.summary = document.summary
        self.palette = _palette(document.style)
        self.across = document.style.direction == "LR"
        self.tangents = document.tangents is not None

    def add(self, dot, wire, name="", starts_here=False, use=None, **attributes):
        """`name` labels the wire: an input's at its start (`starts_here`, nothing enters from
        that side), a named step's above its left end, clear of the wire arriving there. A stub
        (`use`: its number and the count of uses) says which use of `name` it is under the name."""
        classes = f"wire of-{wire.source}" + (" branch" if wire.consumer else "") + (" stub" if use else "")
        if self.numbers[wire.id].value.shape:
            label = self.array_label(wire, name, starts_here, use)
        else:
            label = self.starting_label(wire, name, use) if starts_here else self.label(wire, name)
        dot.node(wire.id, label, id=wire.id, **{"class": classes}, shape="plaintext", margin="0",
                 **attributes)

    def entry(self, table):
        return f"{table}:line:{'w' if self.across else 'n'}"

    def exit(self, table):
        return f"{table}:line:{'e' if self.across else 's'}"

    def starting_label(self, wire, name, use=None):
        value, line, grad = self.cells(wire)
        text = escape(name)
        if use:
            text += _use_count(use)
        if self.across:
            rows = f"<tr>{value}</tr><tr>{line}</tr><tr>{grad}</tr>{self.tangent_row(wire)}"
            name_cell = f'<td rowspan="{4 if self.tangents else 3}" cellpadding="4">{text}</td>'
            return _table(rows.replace("<tr>", f"<tr>{name_cell}", 1))
        return _table(f'<tr><td colspan="3" cellpadding="3">{text}</td></tr>'
                      f"<tr>{value}{line}{grad}{self.tangent_cell(wire)}</tr>")

    def label(self, wire, name):
        value, line, grad = self.cells(wire)
        if not self.across:
            name_cell = f'<td cellpadding="2"><i>{escape(name)}</i></td>' if name else ""
            return _table(f"<tr>{name_cell}{value}{line}{grad}{self.tangent_cell(wire)}</tr>")
        if not name:
            return _table(f"<tr>{value}</tr><tr>{line}</tr><tr>{grad}</tr>{self.tangent_row(wire)}")
        name_cell = f'<td cellpadding="2"><i>{escape(name)}</i></td>'
        wide_line = line.replace("<td ", '<td colspan="2" ', 1)
        tangent = self.tangent_row(wire).replace("<tr>", "<tr><td></td>", 1)
        return _table(f"<tr>{name_cell}{value}</tr><tr>{wide_line}</tr><tr><td></td>{grad}</tr>{tangent}")

    def cells(self, wire):
        """The value, the wire itself, and the gradient, as table cells."""
        numbers = self.numbers[wire.id]
        value = self.cell(numbers.value, self.palette.value)
        grad = self.cell(numbers.grad, self.palette.gradient)
        if self.across:
            line = f'<td port="line" height="1" width="36" cellpadding="0" bgcolor="{self.palette.ink}"></td>'
        else:
            line = f'<td port="line" width="1" height="28" cellpadding="0" bgcolor="{self.palette.ink}"></td>'
        return value, line, grad

    def tangent_cell(self, wire):
        """Forward mode's d wire / d wrt, below the gradient, when the style asks for it."""
        if not self.tangents:
            return ""
        return self.cell(self.numbers[wire.id].tangent, self.palette.tangent)

    def tangent_row(self, wire):
        cell = self.tangent_cell(wire)
        return f"<tr>{cell}</tr>" if cell else ""

    def cell(self, shown, color):
        if shown.hidden:
            return f'<td bgcolor="transparent"><font color="{color}">{HIDDEN}</font></td>'
        text = escape(shown.text)
        if not shown.flagged:
            return f'<td bgcolor="transparent"><font color="{color}">{text}</font></td>'
        return f'<td bgcolor="{self.palette.flag}"><font color="{color}"><b>{text}</b></font></td>'

    def array_label(self, wire, name, starts_here, use):
        """A vector's or matrix's wire: its value, gradient and tangent as tables of entries between
        brackets (array_grid) whose columns (left to right) or rows (top to bottom) line up, the
        wire between them; its shape above the value (after a named step's name), or for an
        input or a stub under its name. Each number's cell has an id (entry_id, `-summary`), as
        has the cell whose last text is the shape (`-shape`): drawing.name_texts puts them on
        the SVG's texts."""
        numbers = self.numbers[wire.id]
        grids = [self.array_grid(numbers.value, self.palette.value, wire.id, "value"),
                 self.array_grid(numbers.grad, self.palette.gradient, wire.id, "grad")]
        if self.tangents:
            grids.append(self.array_grid(numbers.tangent, self.palette.tangent, wire.id, "tangent"))
        if not starts_here:
            shape = f'<td id="{wire.id}-shape"><font point-size="10">{escape(shape_text(numbers.value.shape))}</font></td>'
            named = f'<td cellpadding="2"><i>{escape(name)}</i></td>' if name else ""
            caption = f'<td colspan="{len(grids[0][0])}">{_inner_table(f"<tr>{named}{shape}</tr>")}</td>'
            return f"<{_inner_table(self.array_rows(grids, caption))}>"
        # The name, the use and the shape in one cell, whose last text is the shape: a table of
        # them would be stretched to the height of the numbers, parting the name from the shape.
        text = escape(name)
        if use:
            text += _use_count(use)
        text += f'<br/><font point-size="10">{escape(shape_text(numbers.value.shape))}</font>'
        numbers_table = _inner_table(self.array_rows(grids))
        if self.across:
            return _table(f'<tr><td id="{wire.id}-shape" cellpadding="4">{text}</td>'
                          f'<td cellpadding="0">{numbers_table}</td></tr>')
        return _table(f'<tr><td id="{wire.id}-shape" cellpadding="3">{text}</td></tr>'
                      f'<tr><td cellpadding="0">{numbers_table}</td></tr>')

    def array_rows(self, grids, caption=None):
        """The rows of the grids (value, gradient, tangent) and the wire: one under the other
        (left to right), or side by side (top to bottom), after a row with the caption cell."""
        width = len(grids[0][0])  # cells in a grid's first row: its columns, brackets included
        height = len(grids[0]) + (1 if caption else 0)
        line = f'port="line" cellpadding="0" bgcolor="{self.palette.ink}"'
        if self.across:
            gap = f'<tr><td colspan="{width}" height="{TABLE_GAP}"></td></tr>'
            rows = ([f"<tr>{caption}</tr>"] if caption else []) + _rows(grids[0])
            rows += [gap, f'<tr><td {line} colspan="{width}" height="1" width="36"></td></tr>']
            for grid in grids[1:]:
                rows += [gap, *_rows(grid)]
            return "".join(rows)
        gap = f'<td rowspan="{height}" width="{2 * TABLE_GAP}"></td>'
        before = [[gap, f'<td {line} rowspan="{height}" width="1" height="28"></td>', gap]] + [[gap]] * (len(grids) - 2)
        if caption:  # its own row: the later grids' columns stay empty there
            first = [caption] + [cell for cells in before for cell in (*cells, f'<td colspan="{width}"></td>')]
            rows = [first] + [[cell for grid in grids for cell in grid[row]] for row in range(len(grids[0]))]
        else:
            first = grids[0][0] + [cell for cells, grid in zip(before, grids[1:]) for cell in (*cells, *grid[0])]
            rows = [first] + [[cell for grid in grids for cell in grid[row]] for row in range(1, len(grids[0]))]
        return "".join(f"<tr>{''.join(cells)}</tr>" for cells in rows)

    def array_grid(self, shown, color, wire_id, kind):
        """The cells of a vector or matrix (`kind` "value", "grad" or "tangent" of the wire), row
        by row: its entries (a vector as a column) between brackets, or past 4 x 4 its summary."""
        if not is_drawn_whole(shown.shape):
            text = HIDDEN if shown.hidden else escape(self.summary(shown))
            return [[f'<td id="{wire_id}-{kind}-summary" {self.background(shown.flagged)}>'
                     f'{self.font(text, color, shown.flagged)}</td>']]
        numbers = np.reshape(shown.number, (len(shown.number), -1))
        texts = [row if isinstance(row, tuple) else (row,) for row in shown.text]
        grid = []
        for row, row_texts in enumerate(texts):
            cells = []
            for column, text in enumerate(row_texts):
                flagged = not shown.hidden and not math.isfinite(numbers[row, column])
                index = (row, column) if len(shown.shape) == 2 else (row,)
                cells.append(f'<td id="{entry_id(wire_id, kind, index)}" align="right" cellpadding="2" '
                             f'{self.background(flagged)}>'
                             f'{self.font(HIDDEN if shown.hidden else escape(text), color, flagged)}</td>')
            if row == 0:
                cells = [_bracket("ltb", len(texts), color), *cells, _bracket("rtb", len(texts), color)]
            grid.append(cells)
        return grid

    def background(self, flagged):
        return f'bgcolor="{self.palette.flag if flagged else "transparent"}"'

    @staticmethod
    def font(text, color, flagged):
        return f'<font color="{color}">{f"<b>{text}</b>" if flagged else text}</font>'


# Points between a vector's or matrix's tables and the wire; twice that beside a wire running top to
# bottom, which the brackets' upright strokes would otherwise crowd.
TABLE_GAP = 3


def entry_id(wire_id, kind, index):
    """The id of one entry's text in the SVG: `wire-n3-value-1-0` is row 1, column 0 of wire-n3's
    value; `wire-n3-grad-2` entry 2 of a vector's gradient."""
    return "-".join([wire_id, kind, *map(str, index)])


def _rows(grid):
    return [f"<tr>{''.join(cells)}</tr>" for cells in grid]


def _bracket(sides, height, color):
    """[ or ] beside a table of `height` rows: a thin empty cell with three of its borders."""
    return f'<td rowspan="{height}" width="3" cellpadding="0" border="1" sides="{sides}" color="{color}"></td>'


def _inner_table(rows):
    return f'<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{rows}</table>'


def _table(rows):
    return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{rows}</table>>'


def escape(text):
    """A user's text for a label: invisible characters shown (visible), markup escaped."""
    return html.escape(visible(text), quote=True)


def visible(text):
    """The text with each character that markup may not carry raw replaced, one for one (so that
    columns still line up): C0 controls but tab, LF and CR, which XML 1.0 forbids and HTML calls
    parse errors, by their pictures (U+001F by U+241F, ␟; DELETE by ␡); C1 controls,
    noncharacters and lone surrogates by U+FFFD. The parser refuses all of them; this is the last
    line, for every text drawn or echoed."""
    return _UNSAFE.sub(_stand_in, text)


# U+FFFE and U+FFFF of every plane are noncharacters, as are U+FDD0-U+FDEF.
_NONCHARACTERS = "".join(chr(plane | 0xFFFE) + chr(plane | 0xFFFF) for plane in range(0, 0x110000, 0x10000))
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + _NONCHARACTERS + "]")


def _stand_in(match):
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"
