"""Graph and input values to the forward value and the backward gradient of every node and wire.

Pure functions over the node list, one loop each way (as in JAX's eval_jaxpr); gradients live in
dicts, never on nodes. float64 with IEEE results: inf and nan, never an exception.
"""

from dataclasses import dataclass

import numpy as np

from graphlib.graph import Const
from graphlib.ops import OPS


@dataclass(frozen=True)
class Evaluation:
    """`values[id]` and `grads[id]` (d output / d node) per node; `wire_grads[(gate id, operand)]`
    is the part of the gradient that flows back through that one wire, so a fork's branches
    add up to the gradient of the node they leave; `local_grads[(gate id, operand)]` is
    d gate / d operand, the factor of the chain rule at that gate."""

    values: dict
    grads: dict
    wire_grads: dict
    local_grads: dict


def evaluate(graph, inputs):
    """Forward and backward pass; `inputs` maps every variable name to a float."""
    with np.errstate(all="ignore"):
        values = forward(graph, inputs)
        grads, wire_grads, local_grads = backward(graph, values)
    return Evaluation(values, grads, wire_grads, local_grads)


def forward(graph, inputs):
    values = {}
    for node in graph.nodes:
        if node.is_input:
            values[node.id] = np.float64(inputs[node.name])
        else:
            values[node.id] = OPS[node.op].forward(*_operands(node, values))
    return {node_id: float(value) for node_id, value in values.items()}


def backward(graph, values):
    """Gradients per node, the share of each wire, and each gate's local derivatives."""
    grads = {graph.output.id: 1.0}
    wire_grads = {}
    local_grads = {}
    for node in reversed(graph.gates):
        upstream = grads[node.id]
        local = _local_grads(node, values)
        masked = _masked(node, values)
        for index, source_id in node.sources:
            local_grads[(node.id, index)] = float(local[index])
            contribution = _chain(upstream, local[index], masked[index])
            wire_grads[(node.id, index)] = contribution
            # The first share is the gradient, later ones add to it: the staged program's `=`
            # and `+=`, so that both give the same float, the sign of a zero included.
            grads[source_id] = grads[source_id] + contribution if source_id in grads else contribution
    return grads, wire_grads, local_grads


def _chain(upstream, local, masked):
    """upstream x local, the chain rule at one wire, where 0 stays exactly 0: a masked wire gets
    0 whatever arrives, and an unused branch (upstream 0) must not turn 0 * inf into nan."""
    if masked or upstream == 0.0:
        return 0.0
    return float(upstream * local)


def _masked(node, values):
    masked = OPS[node.op].masked
    return masked(*_operands(node, values)) if masked else (False,) * len(node.args)


def _local_grads(node, values):
    operands = _operands(node, values)
    return OPS[node.op].local_grads(*operands, np.float64(values[node.id]))


def _operands(node, values):
    return [np.float64(arg.value if isinstance(arg, Const) else values[arg]) for arg in node.args]


def forward_mode(graph, evaluation, variable):
    """d node / d `variable` for every node, carried forward from the inputs: one pass per input,
    where the backward pass gives every input's gradient at once."""
    tangents = {}
    for node in graph.nodes:
        if node.is_input:
            tangents[node.id] = 1.0 if node.name == variable else 0.0
            continue
        total = 0.0
        for index, source_id in node.sources:
            # As backward: a zero tangent contributes exactly 0, even through an infinite slope.
            if tangents[source_id] != 0.0:
                total += evaluation.local_grads[(node.id, index)] * tangents[source_id]
        tangents[node.id] = total
    return tangents
