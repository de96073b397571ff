"""Graph and input values to the forward value and the backward gradient of every node and wire.

Pure functions over the node list, one loop each way (as in JAX's eval_jaxpr); gradients live in
dicts, never on nodes. float64 with IEEE results: inf and nan, never an exception.
"""

import re
from dataclasses import dataclass

import numpy as np

from .arrays import unbroadcast
from .graph import Const
from .ops import OPS


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
    """Forward and backward pass; `inputs` maps every variable name to a float or an array whose
    shapes fit the circuit (shapes.node_shapes checks them)."""
    with np.errstate(all="ignore"):
        arrays = forward_arrays(graph, inputs)
        grads, wire_grads, local_grads = backward(graph, arrays)
    values = {node_id: plain(value) for node_id, value in arrays.items()}
    return Evaluation(values, grads, wire_grads, local_grads)


def plain(value):
    """A float for a number, a float64 ndarray for a vector or matrix: how every view gets them."""
    if isinstance(value, np.ndarray) and value.ndim:
        return value.astype(np.float64, copy=False)
    return float(value)


def value_key(value):
    """A value by its exact bits (float.hex), with its shape: what a cache may key on (-0.0 is
    not 0.0)."""
    if isinstance(value, float):
        return value.hex()
    return (value.shape, tuple(float(entry).hex() for entry in value.flat))


def forward(graph, inputs):
    with np.errstate(all="ignore"):
        return {node_id: plain(value) for node_id, value in forward_arrays(graph, inputs).items()}


def forward_arrays(graph, inputs):
    values = {}
    for node in graph.nodes:
        if node.is_input:
            values[node.id] = float64(inputs[node.name])
        else:
            values[node.id] = float64(OPS[node.op].forward(*_operands(node, values)))
    return values


def float64(value):
    """A number as a float64 scalar, a vector or matrix as a float64 array. Not a 0-d array: NumPy
    computes `a ** 0.5` of an array as sqrt(a), of a scalar as pow(a, 0.5), which can differ in
    the last bit, and the staged program (codegen.py) computes with scalars."""
    if isinstance(value, np.ndarray) and value.ndim:
        return value.astype(np.float64, copy=False)
    return np.float64(value)


def backward(graph, values):
    """Gradients per node, the share of each wire, and each elementwise gate's local derivatives
    (of its output's shape; an array gate's local derivative is a rule, not an array)."""
    grads = {graph.output.id: 1.0}
    wire_grads = {}
    local_grads = {}
    for node in reversed(graph.gates):
        op = OPS[node.op]
        operands = _operands(node, values)
        out = values[node.id]
        if not op.elementwise:
            local, shares = None, op.vjp(np.asarray(grads[node.id]), *operands, out)
        elif isinstance(out, np.ndarray):
            local, shares = _elementwise_on_arrays(op, operands, out, grads[node.id])
        else:  # a gate of numbers: most gates are, and this is the quick way
            local, shares = _elementwise_on_numbers(op, operands, out, grads[node.id])
        for index, source_id in node.sources:
            if local is not None:
                local_grads[(node.id, index)] = local[index]
            contribution = shares[index]
            wire_grads[(node.id, index)] = plain(contribution)
            # The first share is the gradient, later ones add to it: the staged program's `=`
            # and `+=`, so that both give the same float, the sign of a zero included.
            grads[source_id] = grads[source_id] + contribution if source_id in grads else contribution
    return {node_id: plain(grad) for node_id, grad in grads.items()}, wire_grads, local_grads


def _elementwise_on_numbers(op, operands, out, upstream):
    """Each operand's local gradient and share of the upstream gradient: upstream x local, where
    0 stays exactly 0: a masked operand gets 0 whatever arrives, and an unused gate (upstream 0)
    must not turn 0 * inf into nan."""
    local = [float(slope) for slope in op.local_grads(*operands, out)]
    masked = op.masked(*operands) if op.masked else (False,) * len(operands)
    shares = [0.0 if masked[index] or upstream == 0.0 else float(upstream * local[index])
              for index in range(len(operands))]
    return local, shares


def _elementwise_on_arrays(op, operands, out, upstream):
    """As _elementwise_on_numbers, entry by entry, each local gradient of the output's shape (x * 2's
    is 2 in every entry) and each share summed back to its operand's shape where it was broadcast."""
    local = [float64(np.broadcast_to(slope, out.shape)) for slope in op.local_grads(*operands, out)]
    masked = op.masked(*operands) if op.masked else (False,) * len(operands)
    shares = [unbroadcast(np.where(masked[index] | (upstream == 0.0), 0.0, upstream * local[index]),
                          np.shape(operands[index]))
              for index in range(len(operands))]
    return local, shares


def _operands(node, values):
    return [np.float64(arg.value) if isinstance(arg, Const) else values[arg] for arg in node.args]


# What forward mode is taken with respect to: a variable, or one entry of a vector or matrix,
# with or without spaces as in the expression's indexing (`W[1,0]`, `W[1, 0]`).
WRT_PATTERN = re.compile(r"(?P<name>[A-Za-z][A-Za-z0-9_]*)(?:\[ *(?P<indices>[0-9]{1,2}(?: *, *[0-9]{1,2})?) *\])?")


def split_wrt(wrt):
    """`W[1,0]` -> ("W", (1, 0)); a plain name -> (name, ()); None for anything else."""
    match = WRT_PATTERN.fullmatch(wrt)
    if match is None:
        return None
    return match["name"], tuple(int(index) for index in re.findall(r"[0-9]+", match["indices"] or ""))


def entry_name(name, entry):
    """`W[1,0]` for entry (1, 0) of W, as wrt and the gradient check name it; `x` for a number."""
    return name + (f"[{','.join(map(str, entry))}]" if entry else "")


def forward_mode(graph, evaluation, wrt):
    """d node / d `wrt` for every node, carried forward from the inputs: one pass per input entry
    (`wrt` is a variable, or one entry of one, `W[1,0]`), where the backward pass gives every
    input's gradient at once."""
    variable, entry = split_wrt(wrt)
    tangents = {}
    with np.errstate(all="ignore"):
        for node in graph.nodes:
            if node.is_input:
                tangent = np.zeros(np.shape(evaluation.values[node.id]))
                if node.name == variable:
                    tangent[entry] = 1.0
                tangents[node.id] = tangent
            else:
                tangents[node.id] = _tangent(node, evaluation, tangents)
    return {node_id: plain(tangent) for node_id, tangent in tangents.items()}


def _tangent(node, evaluation, tangents):
    op = OPS[node.op]
    out = np.asarray(evaluation.values[node.id])
    if not op.elementwise:
        operands = [float64(operand) for operand in _operands(node, evaluation.values)]
        incoming = [None] * len(node.args)
        for index, source_id in node.sources:
            incoming[index] = tangents[source_id]
        return np.asarray(op.jvp(incoming, *operands, out), dtype=np.float64)
    total = np.zeros(out.shape)
    for index, source_id in node.sources:
        tangent = tangents[source_id]
        # As backward: a zero tangent contributes exactly 0, even through an infinite slope.
        total = total + np.where(tangent != 0.0, evaluation.local_grads[(node.id, index)] * tangent, 0.0)
    return total
