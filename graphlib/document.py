"""An evaluated circuit and its style into the one document that every view of it reads.

The document holds each drawn wire with its numbers as shown, what practice hides, forward
mode's tangents, each gate's local gradients, and the steps of the two passes.

The diagram (render.py), the JSON answers (api.py), the page's template and its script read
the numbers from here and never compute one again. What depends on the graph alone (the wires,
the steps) is kept per graph: a page scrubbing a value asks for the same graph hundreds of times.
"""

import functools
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .evaluate import forward_mode
from .i18n import _
from .options import BY_NAME, Style

DEFAULT_PRECISION = BY_NAME["precision"].default
KINDS = ("value", "grad")  # a wire's two numbers, in the order of the JSON's flagged and hidden
HIDDEN = "?"  # a number practice keeps from the student, as the diagram draws it


@dataclass(frozen=True)
class Wire:
    """One drawn wire: a node's own (trunk) wire, or when the node feeds several operands, the
    branch from its fork to one of them. `id` names it in the DOT source, the SVG and the JSON."""

    id: str
    source: str
    consumer: str | None = None
    operand: int | None = None


@functools.lru_cache(maxsize=512)  # as many as parsed graphs are kept (circuit.py)
def drawn_wires(graph):
    """Every wire of the diagram: each node's trunk, then each fork's branches in operand order."""
    consumers = graph.consumers()
    drawn = [Wire(f"wire-{node.id}", node.id) for node in graph.nodes]
    for node in graph.gates:
        for index, source_id in node.sources:
            if len(consumers[source_id]) > 1:
                drawn.append(Wire(f"wire-{source_id}-{node.id}-{index}", source_id, node.id, index))
    return tuple(drawn)


def is_hidden(graph, wire, kind, practice):
    """Whether practice mode ("values" or "grads") keeps the wire's number of this kind ("value"
    or "grad") from the student: every gate's value (the inputs are given), or every gradient but
    the output's 1. Finding the values hides the gradients too, which would give them away
    (d(q*z)/dz is q's value)."""
    if not practice or (kind == "value" and practice != "values"):
        return False
    if kind == "value":
        return not graph.node(wire.source).is_input
    return wire.source != graph.output.id or wire.consumer is not None


def format_number(value, precision=DEFAULT_PRECISION):
    """Fixed decimals as in the notes; inf, -inf and nan by name; huge numbers in e-notation."""
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else "inf" if value > 0 else "-inf"
    if abs(value) >= 1e9:
        return f"{value:.{precision}e}"
    text = f"{value:.{precision}f}"
    if text[0] == "-" and float(text) == 0:
        return text[1:]  # -0.00 reads as a sign error to students
    return text


class WireIndex(NamedTuple):
    """The drawn wires of a graph by what they connect (ids)."""

    trunk: dict  # node -> its own wire
    branches: dict  # node that forks -> its branches, in operand order
    into: dict  # (gate, operand index) -> the wire into that operand: a branch, or the source's own


@functools.lru_cache(maxsize=512)
def wire_index(graph):
    trunk, branches, into = {}, {}, {}
    for wire in drawn_wires(graph):
        if wire.consumer is None:
            trunk[wire.source] = wire.id
        else:
            branches.setdefault(wire.source, []).append(wire.id)
            into[(wire.consumer, wire.operand)] = wire.id
    for gate in graph.gates:
        for index, source in gate.sources:
            into.setdefault((gate.id, index), trunk[source])
    return WireIndex(trunk, {source: tuple(ids) for source, ids in branches.items()}, into)


def format_value(value, precision=DEFAULT_PRECISION):
    """A number's text (format_number), or for a vector or matrix the texts of its entries, as
    nested tuples of its shape."""
    if isinstance(value, float):
        return format_number(value, precision)
    return _format_entries(value.tolist(), precision)


def _format_entries(entries, precision):
    if isinstance(entries, list):
        return tuple(_format_entries(entry, precision) for entry in entries)
    return format_number(entries, precision)


class Shown(NamedTuple):
    """One number, or one vector or matrix of them, as every view shows it: in full (a float or
    a float64 ndarray), as text at the chosen decimals (for an array, nested tuples of its
    entries' texts), and whether practice keeps it from the student (then no view shows it, not
    even whether it is finite). A named tuple, as WireNumbers: a request makes hundreds, and a
    tuple is quickest to make."""

    number: float | np.ndarray
    text: str | tuple
    hidden: bool = False

    @property
    def shape(self):
        """() for a number, (n,) for a vector, (m, n) for a matrix."""
        return np.shape(self.number)

    @property
    def flagged(self):
        """inf or nan, which the diagram draws on a flag."""
        if self.hidden:
            return False
        if isinstance(self.number, float):
            return not math.isfinite(self.number)
        return not np.all(np.isfinite(self.number))



# A vector or matrix is drawn whole up to 4 x 4 entries; a larger one by its shape and summary.
MAX_DRAWN_AXIS = 4


def is_drawn_whole(shape):
    return all(size <= MAX_DRAWN_AXIS for size in shape)


def summary_text(array, precision=DEFAULT_PRECISION):
    """A vector or matrix in a few numbers: its smallest and largest entries and its (Frobenius)
    norm, at the chosen decimals, in the language in use."""
    return _("min %(min)s, max %(max)s, norm %(norm)s",
             min=format_number(float(np.min(array)), precision), max=format_number(float(np.max(array)), precision),
             norm=format_number(float(np.linalg.norm(array)), precision))


class WireNumbers(NamedTuple):
    wire: Wire
    value: Shown
    grad: Shown
    tangent: Shown | None  # forward mode's d wire / d wrt, when the style asks for it


@dataclass(frozen=True)
class Chain:
    """One row of the chain rule: the wire into operand `operand` of a gate gets the gate's
    upstream gradient times the local gradient."""

    operand: int
    wire: str


@dataclass(frozen=True)
class Step:
    """One step of the step-through: the forward pass gate by gate, then the backward pass in
    reverse. `values` and `grads` are the ids of the wires whose numbers it reveals; a backward
    step has its chain-rule rows, and the forks whose every branch has its gradient by then
    (their wire before the fork gets the sum)."""

    kind: str  # "inputs", "forward", "output" or "backward"
    node: str | None
    values: tuple
    grads: tuple
    chains: tuple = ()
    forks: tuple = ()


@functools.lru_cache(maxsize=512)
def steps(graph):
    index = wire_index(graph)

    def own(node):
        return (index.trunk[node.id], *index.branches.get(node.id, ()))

    found = [Step("inputs", None, tuple(wire for node in graph.inputs for wire in own(node)), ())]
    found += [Step("forward", gate.id, own(gate), ()) for gate in graph.gates]
    found.append(Step("output", graph.output.id, (), (index.trunk[graph.output.id],)))
    arrived = {}  # source -> how many of its branches have their gradient
    for gate in reversed(graph.gates):
        grads, chains, forks = [], [], []
        for operand, source in gate.sources:
            wire = index.into[(gate.id, operand)]
            grads.append(wire)
            chains.append(Chain(operand, wire))
            if source in index.branches:
                arrived[source] = arrived.get(source, 0) + 1
                if arrived[source] == len(index.branches[source]):
                    grads.append(index.trunk[source])
                    forks.append(source)
        found.append(Step("backward", gate.id, (), tuple(grads), tuple(chains), tuple(forks)))
    return tuple(found)


@dataclass(frozen=True)
class Document:
    graph: object
    evaluation: object
    style: Style
    wires: dict  # wire id -> WireNumbers, in the order of `drawn_wires(graph)`
    locals: dict  # (gate id, operand index) -> Shown: d gate / d operand
    tangents: dict | None  # node id -> forward mode's d node / d wrt

    @property
    def steps(self):
        return steps(self.graph)

    def trunk(self, node_id):
        return self.wires[wire_index(self.graph).trunk[node_id]]

    def into(self, gate_id, operand):
        """The numbers of the wire into operand `operand` of the gate: its fork's branch, or the
        source's own wire."""
        return self.wires[wire_index(self.graph).into[(gate_id, operand)]]

    def branches(self, node_id):
        """The numbers of the branches of the node's fork, in operand order (none if it has no fork)."""
        return [self.wires[wire] for wire in wire_index(self.graph).branches.get(node_id, ())]

    @property
    def output(self):
        return self.trunk(self.graph.output.id)

    def summary(self, shown):
        """summary_text of a vector or matrix, at the document's decimals."""
        return summary_text(shown.number, self.style.precision)

    @property
    def non_finite(self):
        """Whether the diagram flags a number, inf or nan, that it shows (not one practice hides)."""
        return any(shown is not None and shown.flagged for numbers in self.wires.values() for shown in numbers[1:])


def build_document(graph, evaluation, style=Style()):
    precision, practising = style.precision, bool(style.practice)
    tangents = forward_mode(graph, evaluation, style.wrt) if style.wrt else None
    # format_number where every number is one: a page scrubbing a value asks for hundreds.
    has_arrays = any(isinstance(number, np.ndarray) for number in evaluation.values.values())
    write = format_value if has_arrays else format_number
    # A value leaves its node on every branch of a fork: written once.
    value_texts = {node_id: write(number, precision) for node_id, number in evaluation.values.items()}
    numbers = {}
    for wire in drawn_wires(graph):
        source = wire.source
        grad = evaluation.grads[source] if wire.consumer is None else \
            evaluation.wire_grads[(wire.consumer, wire.operand)]
        numbers[wire.id] = WireNumbers(
            wire,
            Shown(evaluation.values[source], value_texts[source],
                  practising and is_hidden(graph, wire, "value", style.practice)),
            Shown(grad, write(grad, precision), practising and is_hidden(graph, wire, "grad", style.practice)),
            None if tangents is None else Shown(tangents[source], write(tangents[source], precision)),
        )
    # Every local gradient is hidden while practising: next to the output (upstream 1) it is its
    # wire's gradient, and in "values" mode exp's is its value, 1/x's gives x away.
    local_grads = {key: Shown(number, write(number, precision), practising)
                   for key, number in evaluation.local_grads.items()}
    return Document(graph, evaluation, style, numbers, local_grads, tangents)
