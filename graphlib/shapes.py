"""Graph and input values to the shape of every node, or the error that names a mismatch at its operator.

"W @ x: (3, 2) @ (3,) — the inner sizes 2 and 3 differ", pointing at the `@`.

Shapes are NumPy's: () for a number, (n,) for a vector, (m, n) for a matrix. They depend on the
values given, not on the text, so they are checked per circuit, before any number is computed.
"""

import functools

import numpy as np

from .arrays import ShapeMismatch, broadcast_shape, shape_text
from .errors import ShapeError
from .i18n import _
from .graph import Const
from .ops import OPS


def gate_shape(op, numbers, shapes):
    """The shape of `op`'s output, from its operands' `shapes`; an operand from
    `op.parameters_from` on (an axis, an index) counts by its number in `numbers`."""
    if op.elementwise:
        return broadcast_shape(*shapes, symbol=op.infix or "and")
    first_parameter = len(shapes) if op.parameters_from is None else op.parameters_from
    return op.shape(*shapes[:first_parameter], *numbers[first_parameter:])


def node_shapes(graph, inputs):
    """Each node's shape, given each variable's value (a float or an array); the output must be
    one number, the loss that the backward pass starts from."""
    return dict(shapes_of_nodes(graph, input_shapes(graph, inputs)))


def input_shapes(graph, inputs):
    """The variables' shapes, in the graph's order: what every node's shape follows from."""
    return tuple(() if isinstance(inputs[name], float) else np.shape(inputs[name]) for name in graph.variables)


# As many as parsed graphs are kept (circuit.py): a page scrubbing a value keeps the shapes.
@functools.lru_cache(maxsize=512)
def shapes_of_nodes(graph, shapes_of_inputs):
    """node_shapes from the variables' shapes; kept, so not to be changed by the caller."""
    shapes = dict(zip((node.id for node in graph.inputs), shapes_of_inputs))
    for node in graph.gates:
        numbers = [arg.value if isinstance(arg, Const) else None for arg in node.args]
        operand_shapes = [() if isinstance(arg, Const) else shapes[arg] for arg in node.args]
        try:
            shapes[node.id] = gate_shape(OPS[node.op], numbers, operand_shapes)
        except ShapeMismatch as mismatch:
            raise ShapeError(_("%(gate)s: %(mismatch)s.", gate=graph.text(node), mismatch=mismatch),
                             position=node.at) from None
    output = graph.output
    if shapes[output.id] != ():
        raise ShapeError(_("The output has shape %(shape)s, but a circuit's output must be one number (a loss), "
                           "where the backward pass starts with gradient 1. Reduce it to one number, for example "
                           "with sum(...) or mean(...).", shape=shape_text(shapes[output.id])),
                         position=output.span[0])
    return shapes
