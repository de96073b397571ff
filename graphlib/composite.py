"""Graph to graph: composite gates (sigmoid, tanh) expanded into chains of simple gates, or collapsed.

A chain typed as `1/(1+exp(-z))` becomes one `sigmoid` gate when collapsed; `sigmoid(z)` becomes
that chain when expanded.

A composite is data: the chain of one-wire gates it stands for, each link an op with the
constant it carries and the side the constant is on.
"""

from dataclasses import dataclass, replace

from .errors import LimitError
from .i18n import _
from .graph import Const, Node, numbered
from .ops import OPS
from .parse import MAX_GATES



@dataclass(frozen=True)
class Link:
    op: str
    constant: float | None = None  # None: a one-input function such as exp
    constant_first: bool = False  # 1/x has its constant before the wire

    def matches(self, node):
        sources = node.sources
        if node.op != self.op or len(sources) != 1:
            return False
        if self.constant is None:
            return len(node.args) == 1
        [(wire_index, _)] = sources
        constant = node.args[1 - wire_index]
        same_side = (wire_index == 1) == self.constant_first
        return constant.value == self.constant and (same_side or OPS[self.op].commutative)

    def gate(self, node_id, wire, span, at):
        if self.constant is None:
            return Node(node_id, self.op, (wire,), span=span, at=at)
        constant = Const(self.constant, f"{self.constant:g}")
        args = (constant, wire) if self.constant_first else (wire, constant)
        return Node(node_id, self.op, args, span=span, at=at)


COMPOSITES = {
    # sigmoid(z) = 1/(1+exp(-z)), the lecture's figure 2
    "sigmoid": (Link("mul", -1.0), Link("exp"), Link("add", 1.0, True), Link("div", 1.0, True)),
    # tanh(z) = 2/(1+exp(-2z)) - 1, the same chain with a factor 2 in and out
    "tanh": (Link("mul", -2.0), Link("exp"), Link("add", 1.0, True), Link("div", 2.0, True),
             Link("sub", 1.0)),
}


def transform(graph, mode):
    """The graph with its composites as typed, collapsed, or expanded; still within the gate
    limit, which the parser checked on the circuit as typed (each sigmoid expands into 4 gates,
    each tanh into 5)."""
    if mode == "collapsed":
        transformed = collapse(graph)
    elif mode == "expanded":
        transformed = expand(graph)
    else:
        transformed = graph
    if len(transformed.gates) > MAX_GATES:
        raise LimitError(_("With composites=%(mode)s, the circuit has %(gates)s gates (%(typed)s as typed); the limit "
                           "is %(limit)s. Use composites=typed, which draws sigmoid and tanh as one gate each, or a "
                           "shorter expression.", mode=mode, gates=len(transformed.gates), typed=len(graph.gates),
                           limit=MAX_GATES), field="composites")
    return transformed


def expand(graph):
    nodes = []
    renamed = {}  # a composite's id -> the id of the last gate of its chain
    for node in graph.nodes:
        args = tuple(renamed.get(arg, arg) if isinstance(arg, str) else arg for arg in node.args)
        chain = COMPOSITES.get(node.op)
        if chain is None:
            nodes.append(replace(node, args=args))
            continue
        wire = args[0]
        for index, link in enumerate(chain):
            gate = link.gate(f"{node.id}.{index}", wire, node.span, node.at)
            nodes.append(gate)
            wire = gate.id
        nodes[-1] = replace(nodes[-1], name=node.name)
        renamed[node.id] = wire
    return numbered(graph.source, nodes)


def collapse(graph):
    consumers = graph.consumers()
    collapsed = {}  # id of a chain's last gate -> the composite gate replacing the chain
    swallowed = set()
    for node in graph.gates:
        for op, chain in COMPOSITES.items():
            members = _chain_from(graph, consumers, node, chain)
            if members and not swallowed.intersection(member.id for member in members):
                first, last = members[0], members[-1]
                [(_, wire)] = first.sources
                collapsed[last.id] = Node(last.id, op, (wire,), last.name, last.span, first.at)
                swallowed.update(member.id for member in members[:-1])
    nodes = [collapsed.get(node.id, node) for node in graph.nodes if node.id not in swallowed]
    return numbered(graph.source, nodes)


def _chain_from(graph, consumers, first, chain):
    """The gates, starting at `first`, that spell `chain`, each feeding only the next and none
    named but the last (collapsing must not lose a fork or a name); None if they do not."""
    members = [first]
    if not chain[0].matches(first):
        return None
    for link in chain[1:]:
        previous = members[-1]
        uses = consumers[previous.id]
        if len(uses) != 1 or previous.name:
            return None
        following = graph.node(uses[0][0])
        if not link.matches(following):
            return None
        members.append(following)
    return members
