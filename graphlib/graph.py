"""The circuit as data: inputs and gates in topological order, immutable, with generated ids.

Being immutable, a node and a graph compute what is derived from them (wires, labels, uses, the
hash) once, on first use: a page scrubbing a value asks for the same graph hundreds of times.
"""

from dataclasses import dataclass
from functools import cached_property

from .ops import OPS


@dataclass(frozen=True)
class Const:
    """A constant operand folded into its gate (no wire, no gradient), with the text as typed."""

    value: float
    text: str


@dataclass(frozen=True)
class Node:
    """An input (`op == "input"`, named `name`) or a gate (`op` is a key of `ops.OPS`).

    `args` holds, per operand, the id of the node whose wire feeds it or a `Const`.
    `span` is where the node was typed: `source[start:end]`; `at` is where its operator or
    function name was, which an error about its operands points at.
    """

    id: str
    op: str
    args: tuple = ()
    name: str = ""
    span: tuple = (0, 0)
    at: int = 0

    @property
    def is_input(self):
        return self.op == "input"

    @cached_property
    def label(self):
        """An input's name, or the text in a gate's circle (`+`, `*-1`, `1/x`)."""
        if self.is_input:
            return self.name
        return OPS[self.op].label(self.constant_texts)

    @property
    def intuition(self):
        """What the lecture says this gate does to the gradient ("" where it says nothing)."""
        return OPS[self.op].explain(self.constant_texts)

    @cached_property
    def constant_texts(self):
        """Per operand, the typed text of a constant, or None for a wire."""
        return tuple(arg.text if isinstance(arg, Const) else None for arg in self.args)

    @cached_property
    def sources(self):
        """(operand index, source node id) for each operand that is a node's value, not a constant."""
        return tuple((index, arg) for index, arg in enumerate(self.args) if isinstance(arg, str))


@dataclass(frozen=True)
class Graph:
    """Nodes in topological order: the inputs in the order first typed, then the gates;
    the last node is the output."""

    source: str
    nodes: tuple

    def __hash__(self):  # graphs key caches (document.wires); hashing every node each time costs more
        return self._hash

    @cached_property
    def _hash(self):
        return hash((self.source, self.nodes))

    @property
    def output(self):
        return self.nodes[-1]

    @cached_property
    def inputs(self):
        return tuple(node for node in self.nodes if node.is_input)

    @cached_property
    def gates(self):
        return tuple(node for node in self.nodes if not node.is_input)

    @cached_property
    def variables(self):
        return tuple(node.name for node in self.inputs)

    @cached_property
    def elementwise(self):
        """Whether every gate works entry by entry, as every gate of a circuit of numbers does."""
        return all(OPS[node.op].elementwise for node in self.gates)

    def position(self, node_id):
        """The node's place in topological order, which its id names: n7 is the eighth node."""
        return int(node_id[1:])

    def node(self, node_id):
        return self.nodes[self.position(node_id)]

    def consumers(self):
        """For each node id, the (gate id, operand index) pairs its wire feeds, in graph order."""
        return self._consumers

    @cached_property
    def _consumers(self):
        uses = {node.id: [] for node in self.nodes}
        for node in self.nodes:
            for index, source_id in node.sources:
                uses[source_id].append((node.id, index))
        return {node_id: tuple(pairs) for node_id, pairs in uses.items()}

    def text(self, node):
        """The sub-expression a node computes, as typed."""
        start, end = node.span
        return self.source[start:end]


def numbered(source, nodes):
    """A Graph of `nodes` (in topological order, under any unique ids), renumbered n0, n1, ...
    with every reference rewritten, so that ids are deterministic whatever produced them."""
    new_id = {node.id: f"n{index}" for index, node in enumerate(nodes)}
    renumbered = tuple(
        Node(new_id[node.id], node.op,
             tuple(new_id[arg] if isinstance(arg, str) else arg for arg in node.args),
             node.name, node.span, node.at)
        for node in nodes
    )
    return Graph(source, renumbered)
