"""The array gates (graphlib/arrays.py) and the shapes of circuits (graphlib/shapes.py).

1. Shapes, gate by gate: every case of the matrix product, broadcasting, the axis of sum(W, axis),
   indexing and the softmax family, each refusal with its exact message.
2. Shapes in circuits: the message names both shapes and points at the operator; the output must
   be one number.
3. Each array gate's vector-Jacobian product (`vjp`) against centred finite differences of its own
   forward, and against its Jacobian written out in NumPy (the closed forms of the notes: for
   C = A @ B, dC[i,j]/dA[p,q] = [i = p] B[q,j]; softmax's diag(s) - s sᵀ...); its forward mode
   (`jvp`) against the same Jacobian and against `vjp` (<J t, u> = <t, Jᵀ u>).
4. Conventions as for numbers: an elementwise gate on an array gives, entry by entry, the numbers
   it gives on numbers (relu'(0) = 0, max's ties split evenly...); max(v) shares a tie evenly.
5. The gallery's four losses of arrays: each gradient against the notes' backward pass in NumPy,
   the lesson each one's values were chosen for, and its loss falling by gradient descent.
"""

import math
from urllib.parse import parse_qs

import numpy as np
import pytest

from graphlib import arrays
from graphlib.arrays import ShapeMismatch, unbroadcast
from graphlib.circuit import build_circuit
from graphlib.errors import CircuitError
from graphlib.evaluate import evaluate, forward_mode
from graphlib.gallery import GALLERY
from graphlib.ops import OPS
from graphlib.parse import parse
from graphlib.shapes import gate_shape

# ---------------------------------------------------------------------------------------------
# 1. Shapes, gate by gate: (gate, operand shapes, parameters, the output's shape or the message).

INNER = "the inner sizes {} and {} differ"
NOT_NUMBERS = "@ multiplies vectors and matrices; to scale by a number use *"
ELEMENTWISE_CLASH = "the sizes {} and {} differ; elementwise operands need the same shape, or one of them a number"

GATE_SHAPES = [
    # The matrix product: NumPy's four cases, and what does not fit.
    ("matmul", [(3, 2), (2,)], (), (3,)),
    ("matmul", [(2,), (2, 3)], (), (3,)),
    ("matmul", [(2,), (2,)], (), ()),
    ("matmul", [(3, 2), (2, 4)], (), (3, 4)),
    ("matmul", [(1, 1), (1,)], (), (1,)),
    ("matmul", [(1,), (1, 5)], (), (5,)),
    ("matmul", [(3, 2), (3,)], (), "(3, 2) @ (3,) — " + INNER.format(2, 3)),
    ("matmul", [(2,), (3,)], (), "(2,) @ (3,) — " + INNER.format(2, 3)),
    ("matmul", [(3, 2), (3, 2)], (), "(3, 2) @ (3, 2) — " + INNER.format(2, 3)),
    ("matmul", [(2,), (3, 2)], (), "(2,) @ (3, 2) — " + INNER.format(2, 3)),
    ("matmul", [(2, 3), (2, 3)], (), "(2, 3) @ (2, 3) — " + INNER.format(3, 2)),
    ("matmul", [(), (2,)], (), "() @ (2,) — " + NOT_NUMBERS),
    ("matmul", [(2, 2), ()], (), "(2, 2) @ () — " + NOT_NUMBERS),
    ("matmul", [(), ()], (), "() @ () — " + NOT_NUMBERS),
    # Elementwise gates broadcast as NumPy does: a number, a vector along a matrix's rows, a
    # column or a row of size 1.
    ("add", [(), (3,)], (), (3,)),
    ("mul", [(3,), ()], (), (3,)),
    ("sub", [(3,), (3,)], (), (3,)),
    ("div", [(3, 2), (2,)], (), (3, 2)),
    ("pow", [(3, 2), (3, 1)], (), (3, 2)),
    ("max", [(1, 2), (3, 1)], (), (3, 2)),
    ("min", [(1,), (3, 2)], (), (3, 2)),
    ("exp", [(3, 2)], (), (3, 2)),
    ("relu", [()], (), ()),
    ("add", [(3, 2), (3,)], (), "(3, 2) + (3,) — " + ELEMENTWISE_CLASH.format(2, 3)),
    ("mul", [(3,), (2,)], (), "(3,) * (2,) — " + ELEMENTWISE_CLASH.format(3, 2)),
    ("sub", [(2, 3), (3, 2)], (), "(2, 3) - (3, 2) — " + ELEMENTWISE_CLASH.format(3, 2)),
    ("max", [(4,), (2, 3)], (), "(4,) and (2, 3) — " + ELEMENTWISE_CLASH.format(4, 3)),
    # Transpose: a matrix's axes swap; a vector and a number stay as they are.
    ("transpose", [(3, 2)], (), (2, 3)),
    ("transpose", [(3,)], (), (3,)),
    ("transpose", [()], (), ()),
    # Reductions over every entry, of anything.
    ("sum", [(3, 2)], (), ()),
    ("sum", [()], (), ()),
    ("mean", [(4,)], (), ()),
    ("amax", [(2, 2)], (), ()),
    # Sum along an axis.
    ("sum_axis", [(3, 2)], (0,), (2,)),
    ("sum_axis", [(3, 2)], (1,), (3,)),
    ("sum_axis", [(3,)], (0,), ()),
    ("sum_axis", [(3,)], (1,), "(3,) has no axis 1 — a vector has only axis 0; a number has none"),
    ("sum_axis", [()], (0,), "() has no axis 0 — a vector has only axis 0; a number has none"),
    ("sum_axis", [(3, 2)], (2,), "the axis is 2 — it must be 0 or 1"),
    ("sum_axis", [(3, 2)], (-1,), "the axis is -1 — it must be 0 or 1"),
    # The softmax family takes a vector.
    ("softmax", [(3,)], (), (3,)),
    ("log_softmax", [(1,)], (), (1,)),
    ("logsumexp", [(5,)], (), ()),
    ("softmax", [(3, 2)], (), "softmax takes a vector; got shape (3, 2)"),
    ("log_softmax", [()], (), "log_softmax takes a vector; got shape ()"),
    ("logsumexp", [(1, 3)], (), "logsumexp takes a vector; got shape (1, 3)"),
    # Constant indexing: an entry, a row, negative indices from the end.
    ("index", [(3,)], (2,), ()),
    ("index", [(3,)], (-3,), ()),
    ("index", [(3, 2)], (1,), (2,)),
    ("index", [(3, 2)], (2, -2), ()),
    ("index", [(3,)], (3,), "index 3 is out of range for axis 0 of shape (3,) (from -3 to 2)"),
    ("index", [(3,)], (-4,), "index -4 is out of range for axis 0 of shape (3,) (from -3 to 2)"),
    ("index", [(3, 2)], (0, 2), "index 2 is out of range for axis 1 of shape (3, 2) (from -2 to 1)"),
    ("index", [(3,)], (0, 0), "2 indices for shape (3,), which has 1 axis"),
    ("index", [()], (0,), "a number has no entries to index"),
]


@pytest.mark.parametrize("name, shapes, parameters, expected", GATE_SHAPES,
                         ids=[f"{name}{shapes}{list(parameters) or ''}" for name, shapes, parameters, _ in GATE_SHAPES])
def test_a_gates_output_shape_or_the_mismatch_it_names(name, shapes, parameters, expected):
    numbers = [None] * len(shapes) + [float(parameter) for parameter in parameters]
    operand_shapes = list(shapes) + [()] * len(parameters)
    if isinstance(expected, str):
        with pytest.raises(ShapeMismatch) as refused:
            gate_shape(OPS[name], numbers, operand_shapes)
        assert str(refused.value) == expected
    else:
        assert gate_shape(OPS[name], numbers, operand_shapes) == expected


def test_the_shape_table_covers_every_gate():
    assert {name for name, *_ in GATE_SHAPES} >= set(OPS) - {"tan", "tanh", "sin", "cos", "log", "sqrt", "sigmoid", "abs"}
    assert {name for name, op in OPS.items() if not op.elementwise} <= {name for name, *_ in GATE_SHAPES}


# ---------------------------------------------------------------------------------------------
# 2. Shapes in circuits: the message, at the operator's column, from the values given.

VALUES = {"v": "[1, 2, 3]", "u": "[4, 5]", "W": "[[1, 2], [3, 4], [5, 6]]", "M": "[[1, 2, 3], [4, 5, 6]]",
          "s": "2"}
MUST_BE_ONE_NUMBER = ("The output has shape {}, but a circuit's output must be one number (a loss), where the "
                      "backward pass starts with gradient 1. Reduce it to one number, for example with "
                      "sum(...) or mean(...).")

CIRCUIT_SHAPES = [
    ("sum(W @ u)", None, None),
    ("v @ W @ u", None, None),
    ("sum(W @ M) + sum(M @ W) + u @ u", None, None),
    ("sum(relu(W @ u - v)) + sum(W.T @ v) + sum(transpose(M) @ u)", None, None),
    ("sum(W + u) + sum(M * v) + sum(W * s) + sum(max(W, u))", None, None),
    ("sum(W, 0) @ u + sum(W, 1) @ v + sum(softmax(v)) + logsumexp(v) + W[1, 0] + sum(W[1]) + v[-1]", None, None),
    ("sum(W @ v)", "W @ v: (3, 2) @ (3,) — the inner sizes 2 and 3 differ.", 6),
    ("v @ u", "v @ u: (3,) @ (2,) — the inner sizes 3 and 2 differ.", 2),
    ("sum(relu(W @ W))", "W @ W: (3, 2) @ (3, 2) — the inner sizes 2 and 3 differ.", 11),
    ("sum(s @ v)", "s @ v: () @ (3,) — " + NOT_NUMBERS + ".", 6),
    ("sum(v + u)", "v + u: (3,) + (2,) — " + ELEMENTWISE_CLASH.format(3, 2) + ".", 6),
    ("sum(W + v)", "W + v: (3, 2) + (3,) — " + ELEMENTWISE_CLASH.format(2, 3) + ".", 6),
    ("sum(max(W, v))", "max(W, v): (3, 2) and (3,) — " + ELEMENTWISE_CLASH.format(2, 3) + ".", 4),
    ("sum(W, 2)", "sum(W, 2): the axis is 2 — it must be 0 or 1.", 0),
    ("sum(v, 1)", "sum(v, 1): (3,) has no axis 1 — a vector has only axis 0; a number has none.", 0),
    ("sum(softmax(W))", "softmax(W): softmax takes a vector; got shape (3, 2).", 4),
    ("log_softmax(s)[0]", "log_softmax(s): log_softmax takes a vector; got shape ().", 0),
    ("v[3]", "v[3]: index 3 is out of range for axis 0 of shape (3,) (from -3 to 2).", 1),
    ("W[0, 2]", "W[0, 2]: index 2 is out of range for axis 1 of shape (3, 2) (from -2 to 1).", 1),
    ("v[0, 0]", "v[0, 0]: 2 indices for shape (3,), which has 1 axis.", 1),
    ("s[0]", "s[0]: a number has no entries to index.", 1),
    ("W @ u", MUST_BE_ONE_NUMBER.format("(3,)"), 0),
    ("W", MUST_BE_ONE_NUMBER.format("(3, 2)"), 0),
    ("softmax(v)", MUST_BE_ONE_NUMBER.format("(3,)"), 0),
    ("q = W @ u; q * 2", MUST_BE_ONE_NUMBER.format("(3,)"), 11),
    # Refused before any value is known: constants alone are numbers.
    ("2 @ 3", "2 @ 3: () @ () — " + NOT_NUMBERS + ".", 2),
    ("sum(2, 0)", "sum(2, 0): () has no axis 0 — a vector has only axis 0; a number has none.", 0),
    ("sum(W, 0.5)", "The axis of sum(W, axis) at column 1 must be a whole number typed in the expression, "
                    "such as 0 or 1.", 0),
    ("v[1.5]", "Expected an index, a whole number such as 0 or 2 at column 3, but found '1.5'.", 2),
]


@pytest.mark.parametrize("expr, message, position", CIRCUIT_SHAPES, ids=[case[0] for case in CIRCUIT_SHAPES])
def test_a_circuits_shapes_are_checked_at_each_operator(expr, message, position):
    fields = {"expr": [expr], **{name: [value] for name, value in VALUES.items()}}
    if message is None:
        circuit = build_circuit(fields)
        assert isinstance(circuit.evaluation.values[circuit.graph.output.id], float)
        return
    with pytest.raises(CircuitError) as refused:
        build_circuit(fields)
    assert (refused.value.message, refused.value.field, refused.value.position) == (message, "expr", position)


# ---------------------------------------------------------------------------------------------
# 3. vjp and jvp of each array gate, against finite differences and NumPy-written Jacobians.

def one_hot(shape, position):
    array = np.zeros(shape)
    array[position] = 1.0
    return array


def matmul_jacobians(a, b, out):
    """C = A @ B with vectors as a row (a) or a column (b): dC[i,j]/dA[p,q] = [i = p] B[q,j] and
    dC[i,j]/dB[p,q] = A[i,p] [j = q], each reshaped to (out's shape + the operand's shape)."""
    rows = a.reshape(1, -1) if a.ndim == 1 else a
    columns = b.reshape(-1, 1) if b.ndim == 1 else b
    m, n = rows.shape[0], columns.shape[1]
    d_a = np.einsum("ip,qj->ijpq", np.eye(m), columns)
    d_b = np.einsum("ip,jq->ijpq", rows, np.eye(n))
    return d_a.reshape(out.shape + a.shape), d_b.reshape(out.shape + b.shape)


def transpose_jacobian(a, out):
    return np.array([[np.transpose(one_hot(a.shape, position))[index] for position in np.ndindex(a.shape)]
                     for index in np.ndindex(out.shape)]).reshape(out.shape + a.shape)


def sum_axis_jacobian(a, axis, out):
    """out[j] = sum_i W[i, j] (axis 0) or out[i] = sum_j W[i, j] (axis 1): 1 where the entry is summed."""
    jacobian = np.zeros(out.shape + a.shape)
    for position in np.ndindex(a.shape):
        kept = tuple(index for place, index in enumerate(position) if place != axis)
        jacobian[kept + position] = 1.0
    return jacobian


def softmax_jacobian(a, out):
    return np.diag(out) - np.outer(out, out)


def log_softmax_jacobian(a, out):
    softmax = np.exp(a) / np.sum(np.exp(a))
    return np.eye(a.size) - np.outer(np.ones(a.size), softmax)


def logsumexp_jacobian(a, out):
    return np.exp(a) / np.sum(np.exp(a))


def index_jacobian(a, *indices_and_out):
    *indices, out = indices_and_out
    jacobian = np.zeros(out.shape + a.shape)
    for position in np.ndindex(out.shape):
        jacobian[position + tuple(int(index) for index in indices) + position] = 1.0
    return jacobian


# (gate, operand shapes, parameters, the Jacobian of each operand in closed form).
ARRAY_GATES = [
    ("matmul", [(3, 2), (2,)], (), matmul_jacobians),
    ("matmul", [(2,), (2, 3)], (), matmul_jacobians),
    ("matmul", [(4,), (4,)], (), matmul_jacobians),
    ("matmul", [(3, 2), (2, 4)], (), matmul_jacobians),
    ("matmul", [(1, 1), (1,)], (), matmul_jacobians),
    ("transpose", [(3, 2)], (), lambda a, out: (transpose_jacobian(a, out),)),
    ("transpose", [(3,)], (), lambda a, out: (np.eye(3),)),
    ("sum", [(3, 2)], (), lambda a, out: (np.ones(a.shape),)),
    ("sum", [(4,)], (), lambda a, out: (np.ones(a.shape),)),
    ("sum_axis", [(3, 2)], (0,), lambda a, axis, out: (sum_axis_jacobian(a, 0, out),)),
    ("sum_axis", [(3, 2)], (1,), lambda a, axis, out: (sum_axis_jacobian(a, 1, out),)),
    ("sum_axis", [(4,)], (0,), lambda a, axis, out: (np.ones(a.shape),)),
    ("mean", [(3, 2)], (), lambda a, out: (np.full(a.shape, 1 / 6),)),
    ("amax", [(5,)], (), lambda a, out: (one_hot(a.shape, np.unravel_index(np.argmax(a), a.shape)),)),
    ("amax", [(2, 3)], (), lambda a, out: (one_hot(a.shape, np.unravel_index(np.argmax(a), a.shape)),)),
    ("softmax", [(4,)], (), lambda a, out: (softmax_jacobian(a, out),)),
    ("softmax", [(1,)], (), lambda a, out: (softmax_jacobian(a, out),)),
    ("log_softmax", [(4,)], (), lambda a, out: (log_softmax_jacobian(a, out),)),
    ("logsumexp", [(4,)], (), lambda a, out: (logsumexp_jacobian(a, out),)),
    ("index", [(4,)], (2,), lambda a, i, out: (index_jacobian(a, i, out),)),
    ("index", [(4,)], (-1,), lambda a, i, out: (index_jacobian(a, i, out),)),
    ("index", [(3, 2)], (1,), lambda a, i, out: (index_jacobian(a, i, out),)),
    ("index", [(3, 2)], (2, 1), lambda a, i, j, out: (index_jacobian(a, i, j, out),)),
]
GATE_IDS = [f"{name}{shapes}{list(parameters) or ''}" for name, shapes, parameters, _ in ARRAY_GATES]


def operands_for(shapes, seed):
    """Entries in [-2, 2], all distinct (max(v) has one winner), from a fixed seed."""
    rng = np.random.default_rng(seed)
    return [rng.permutation(np.linspace(-2.0, 2.0, math.prod(shape))).reshape(shape) + rng.uniform(-0.05, 0.05, shape)
            if shape else np.float64(rng.uniform(-2, 2)) for shape in shapes]


def gate_parts(name, shapes, parameters, seed=12):
    op = OPS[name]
    operands = operands_for(shapes, seed)
    numbers = [np.float64(parameter) for parameter in parameters]
    out = np.asarray(op.forward(*operands, *numbers), dtype=np.float64)
    rng = np.random.default_rng(seed + 1)
    upstream = rng.uniform(-1.0, 1.0, out.shape)
    return op, operands, numbers, out, upstream


def finite_difference_jacobian(op, operands, numbers, which, out_shape, h=1e-6):
    """d out / d operand `which`, entry by entry, by centred differences of the gate's forward."""
    operand = operands[which]
    jacobian = np.zeros(out_shape + operand.shape)
    for position in np.ndindex(operand.shape):
        up, down = [operand.copy() for _ in range(2)]
        up[position] += h
        down[position] -= h
        outputs = []
        for moved in (up, down):
            changed = list(operands)
            changed[which] = moved
            outputs.append(np.asarray(op.forward(*changed, *numbers), dtype=np.float64))
        jacobian[(...,) + position] = (outputs[0] - outputs[1]) / (2 * h)
    return jacobian


def contract_upstream(upstream, jacobian):
    """Jᵀ u: the operand's gradient from the output's."""
    return np.tensordot(upstream, jacobian, axes=np.ndim(upstream))


def apply_jacobian(jacobian, tangent, operand_ndim):
    """J t: the output's tangent from the operand's."""
    return np.tensordot(jacobian, tangent, axes=operand_ndim)


@pytest.mark.parametrize("name, shapes, parameters, closed_form", ARRAY_GATES, ids=GATE_IDS)
def test_vjp_matches_centred_finite_differences_of_the_forward(name, shapes, parameters, closed_form):
    op, operands, numbers, out, upstream = gate_parts(name, shapes, parameters)
    gradients = op.vjp(upstream, *operands, *numbers, out)
    assert len(gradients) == len(shapes) + len(parameters)
    assert all(gradient is None for gradient in gradients[len(shapes):]), "a parameter has no gradient"
    for which in range(len(shapes)):
        jacobian = finite_difference_jacobian(op, operands, numbers, which, out.shape)
        expected = contract_upstream(upstream, jacobian)
        assert np.shape(gradients[which]) == shapes[which]
        np.testing.assert_allclose(gradients[which], expected, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name, shapes, parameters, closed_form", ARRAY_GATES, ids=GATE_IDS)
def test_vjp_matches_the_jacobian_written_in_numpy(name, shapes, parameters, closed_form):
    op, operands, numbers, out, upstream = gate_parts(name, shapes, parameters)
    gradients = op.vjp(upstream, *operands, *numbers, out)
    for which, jacobian in enumerate(closed_form(*operands, *numbers, out)):
        jacobian = np.reshape(jacobian, out.shape + shapes[which])
        np.testing.assert_allclose(gradients[which], contract_upstream(upstream, jacobian), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name, shapes, parameters, closed_form", ARRAY_GATES, ids=GATE_IDS)
def test_jvp_matches_the_jacobian_written_in_numpy(name, shapes, parameters, closed_form):
    op, operands, numbers, out, _ = gate_parts(name, shapes, parameters)
    jacobians = [np.reshape(jacobian, out.shape + shapes[which])
                 for which, jacobian in enumerate(closed_form(*operands, *numbers, out))]
    rng = np.random.default_rng(5)
    tangents = [rng.uniform(-1.0, 1.0, shape) for shape in shapes]
    for moving in range(len(shapes)):  # one operand's tangent at a time, the others None (zero)
        alone = [tangent if which == moving else None for which, tangent in enumerate(tangents)]
        got = op.jvp(alone + [None] * len(parameters), *operands, *numbers, out)
        expected = apply_jacobian(jacobians[moving], tangents[moving], len(shapes[moving]))
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)
    together = op.jvp(tangents + [None] * len(parameters), *operands, *numbers, out)
    expected = sum(apply_jacobian(jacobian, tangent, len(shape))
                   for jacobian, tangent, shape in zip(jacobians, tangents, shapes))
    np.testing.assert_allclose(together, expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name, shapes, parameters, closed_form", ARRAY_GATES, ids=GATE_IDS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_jvp_is_the_transpose_of_vjp(name, shapes, parameters, closed_form, seed):
    """<J t, u> = <t, Jᵀ u> for random t and u: forward and reverse mode are one Jacobian."""
    op, operands, numbers, out, upstream = gate_parts(name, shapes, parameters, seed)
    rng = np.random.default_rng(seed + 100)
    tangents = [rng.uniform(-1.0, 1.0, shape) for shape in shapes]
    forward = np.sum(op.jvp(tangents + [None] * len(parameters), *operands, *numbers, out) * upstream)
    gradients = op.vjp(upstream, *operands, *numbers, out)
    backward = sum(np.sum(tangent * gradient) for tangent, gradient in zip(tangents, gradients))
    assert forward == pytest.approx(backward, rel=1e-13, abs=1e-15)


def test_every_array_gate_is_checked():
    checked = {name for name, *_ in ARRAY_GATES}
    assert checked == {name for name, op in OPS.items() if not op.elementwise}


UNBROADCAST = [
    ((3, 2), (3, 2), np.ones((3, 2))),
    ((3, 2), (2,), np.full(2, 3.0)),
    ((3, 2), (3, 1), np.full((3, 1), 2.0)),
    ((3, 2), (1, 2), np.full((1, 2), 3.0)),
    ((3, 2), (1,), np.full(1, 6.0)),
    ((3, 2), (), np.float64(6.0)),
    ((4,), (), np.float64(4.0)),
]


@pytest.mark.parametrize("gradient_shape, shape, expected", UNBROADCAST)
def test_a_broadcast_operand_gets_the_sum_of_the_gradients_of_the_entries_it_reached(gradient_shape, shape, expected):
    summed = unbroadcast(np.ones(gradient_shape), shape)
    assert np.shape(summed) == shape
    np.testing.assert_array_equal(summed, expected)


def test_the_softmax_family_does_not_overflow():
    big = np.array([1000.0, 999.0, -1000.0])
    np.testing.assert_allclose(arrays.softmax(big), [1 / (1 + math.exp(-1)), 1 / (1 + math.e), 0.0], rtol=1e-15)
    assert arrays.logsumexp(big) == pytest.approx(1000.0 + math.log(1 + math.exp(-1)), rel=1e-15)
    shift = math.log1p(math.exp(-1))
    np.testing.assert_allclose(arrays.log_softmax(big), [-shift, -1 - shift, -2000 - shift], rtol=1e-15)


# ---------------------------------------------------------------------------------------------
# 4. Conventions: on arrays, entry by entry, the numbers of numbers; max(v)'s ties share evenly.

def scalar_numbers(expression, point):
    graph = parse(expression)
    evaluation = evaluate(graph, point)
    return evaluation.values[graph.output.id], [evaluation.grads[node.id] for node in graph.inputs]


# Entries at each gate's conventions (kinks, ties, poles, the ends of its domain) and beside them.
ENTRY_CONVENTIONS = {
    "relu": [[-1.0, -0.0, 0.0, 2.0]],
    "abs": [[-1.0, -0.0, 0.0, 2.0]],
    "sqrt": [[0.0, -4.0, 2.25, 1e-300]],
    "log": [[0.0, -1.0, 1.0, 1e300]],
    "exp": [[1000.0, -1000.0, 0.0, 1.0]],
    "sigmoid": [[1000.0, -1000.0, 40.0, 0.0]],
    "tanh": [[30.0, -30.0, 0.0, 0.5]],
    "tan": [[math.pi / 2, 0.0, -1.0, 1.2]],
    "sin": [[0.0, math.pi, -1.0, 3.0]],
    "cos": [[0.0, math.pi, -1.0, 3.0]],
    "max": [[1.0, 0.0, -2.0, 3.0], [1.0, 0.0, 5.0, -3.0]],
    "min": [[1.0, 0.0, -2.0, 3.0], [1.0, 0.0, 5.0, -3.0]],
    "add": [[1.0, 1e308, -0.0, 2.0], [2.0, 1e308, 0.0, -2.0]],
    "sub": [[1.0, -1e308, -0.0, 2.0], [2.0, 1e308, 0.0, 2.0]],
    "mul": [[0.0, 1e200, -3.0, 2.0], [5.0, 1e200, 0.0, -0.5]],
    "div": [[1.0, 0.0, -3.0, 2.0], [0.0, 0.0, 0.0, -0.5]],
    "pow": [[0.0, 0.0, -8.0, 2.0], [2.0, 0.0, 1 / 3, -1.5]],
}


@pytest.mark.parametrize("name", sorted(ENTRY_CONVENTIONS))
def test_an_elementwise_gate_on_a_vector_gives_each_entry_the_numbers_it_gives_a_number(name):
    """sum(f(v)) and f(x): the same value and gradient in every entry, bit for bit, nan and the
    sign of a zero included (relu'(0) = 0, a tie of max split evenly, sqrt'(0) = inf...)."""
    op = OPS[name]
    columns = ENTRY_CONVENTIONS[name]
    names = ["a", "b"][:op.arity]
    call = f"a {op.infix} b" if op.infix else f"{name}({', '.join(names)})"
    graph = parse(f"sum({call})")
    evaluation = evaluate(graph, {name_: np.array(column) for name_, column in zip(names, columns)})
    (gate,) = [node for node in graph.gates if node.op == name]
    for entry in range(len(columns[0])):
        value, grads = scalar_numbers(call, {name_: column[entry] for name_, column in zip(names, columns)})
        assert repr(evaluation.values[gate.id][entry]) == repr(np.float64(value)), entry
        for node, grad in zip(graph.inputs, grads):
            assert repr(evaluation.grads[node.id][entry]) == repr(np.float64(grad)), (node.name, entry)


def test_every_elementwise_gate_is_checked_entry_by_entry():
    assert set(ENTRY_CONVENTIONS) == {name for name, op in OPS.items() if op.elementwise}


MAX_TIES = [
    ([1.0, 3.0, 3.0], [0.0, 0.5, 0.5]),
    ([2.0, 2.0, 2.0], [1 / 3, 1 / 3, 1 / 3]),
    ([-1.0, 4.0, 0.0], [0.0, 1.0, 0.0]),
    ([[1.0, 5.0], [5.0, 5.0]], [[0.0, 1 / 3], [1 / 3, 1 / 3]]),
    ([7.0], [1.0]),
]


@pytest.mark.parametrize("entries, expected", MAX_TIES)
def test_max_of_a_vector_shares_the_gradient_evenly_among_tied_entries(entries, expected):
    graph = parse("max(v)")
    evaluation = evaluate(graph, {"v": np.array(entries)})
    assert evaluation.values[graph.output.id] == np.max(entries)
    np.testing.assert_array_equal(evaluation.grads[graph.inputs[0].id], expected)


def test_max_of_a_vector_with_nan_is_nan_and_passes_the_gradient_to_the_nan():
    graph = parse("max(log(v))")
    evaluation = evaluate(graph, {"v": np.array([1.0, -1.0, 5.0])})
    assert math.isnan(evaluation.values[graph.output.id])
    np.testing.assert_array_equal(evaluation.grads[graph.inputs[0].id], [0.0, -1.0, 0.0])


def test_elementwise_max_of_a_matrix_and_a_broadcast_vector_splits_ties_and_sums_back():
    graph = parse("sum(max(W, u))")
    evaluation = evaluate(graph, {"W": np.array([[1.0, 2.0], [3.0, -1.0]]), "u": np.array([1.0, 0.0])})
    W, u = graph.inputs
    np.testing.assert_array_equal(evaluation.grads[W.id], [[0.5, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(evaluation.grads[u.id], [0.5, 1.0])


def test_forward_mode_for_each_entry_equals_the_backward_gradients_entry():
    graph = parse("sum((W2 @ relu(W1 @ x + b1) + b2 - y)**2)")
    point = {"W1": np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]), "x": np.array([1.0, -2.0]),
             "b1": np.array([0.0, 0.6, 0.2]), "W2": np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]]),
             "b2": np.array([0.5, -0.5]), "y": np.array([1.0, 2.0])}
    evaluation = evaluate(graph, point)
    for node in graph.inputs:
        for position in np.ndindex(point[node.name].shape):
            wrt = f"{node.name}[{','.join(map(str, position))}]"
            tangents = forward_mode(graph, evaluation, wrt)
            assert tangents[graph.output.id] == pytest.approx(evaluation.grads[node.id][position], rel=1e-14, abs=1e-15)


# ---------------------------------------------------------------------------------------------
# 5. The gallery's losses of vectors and matrices: every gradient against the notes' backward
# pass written in NumPy, each lesson the values were chosen for, and the loss falling.

def gallery_circuit(slug, steps=0):
    """The example as its gallery link draws it, after `steps` of gradient descent."""
    example = next(example for example in GALLERY if example.slug == slug)
    fields = parse_qs(example.query) | {"steps": [str(steps)]}
    circuit = build_circuit(fields)
    inputs = {node.name: circuit.evaluation.grads[node.id] for node in circuit.graph.inputs}
    return circuit, {name: np.asarray(value) for name, value in circuit.values.items()}, inputs


def test_the_linear_layers_gradients_are_the_notes_dW_and_dX():
    circuit, v, grads = gallery_circuit("linear-layer")
    residual = v["X"] @ v["W"] - v["Y"]
    assert circuit.evaluation.values[circuit.graph.output.id] == np.sum(residual**2) == 5.5625
    d_prediction = 2 * residual
    np.testing.assert_array_equal(grads["W"], v["X"].T @ d_prediction)  # dW = Xᵀ·dŷ
    np.testing.assert_array_equal(grads["X"], d_prediction @ v["W"].T)  # dX = dŷ·Wᵀ
    np.testing.assert_array_equal(grads["Y"], -d_prediction)


def test_the_two_layer_nets_gradients_with_one_relu_unit_blocked():
    circuit, v, grads = gallery_circuit("two-layer-net")
    hidden_in = v["W1"] @ v["x"] + v["b1"]
    np.testing.assert_allclose(hidden_in, [0.5, 0.1, -1.5], rtol=1e-15)  # two units active, one not
    hidden = np.maximum(hidden_in, 0)
    error = v["W2"] @ hidden + v["b2"] - v["y"]
    d_out = 2 * error
    d_hidden = v["W2"].T @ d_out
    assert d_hidden[2] == pytest.approx(-4.8)  # reaches the blocked unit...
    d_hidden_in = np.where(hidden_in > 0, d_hidden, 0.0)
    expected = {"W2": np.outer(d_out, hidden), "b2": d_out, "y": -d_out, "W1": np.outer(d_hidden_in, v["x"]),
                "b1": d_hidden_in, "x": v["W1"].T @ d_hidden_in}
    for name, gradient in expected.items():
        np.testing.assert_allclose(grads[name], gradient, rtol=1e-15, atol=1e-15, err_msg=name)
    np.testing.assert_array_equal(grads["W1"][2], [0.0, 0.0])  # ...and stops there
    assert grads["b1"][2] == 0.0
    assert circuit.evaluation.values[circuit.graph.output.id] == pytest.approx(9.04, rel=1e-15)


def test_softmax_cross_entropys_score_gradient_is_the_softmax_minus_one_at_the_class():
    circuit, v, grads = gallery_circuit("softmax-cross-entropy")
    scores = v["W"] @ v["x"] + v["b"]
    np.testing.assert_allclose(scores, [4.1, 3.2, 2.3], rtol=1e-15)
    probabilities = np.exp(scores) / np.sum(np.exp(scores))
    assert circuit.evaluation.values[circuit.graph.output.id] == pytest.approx(-math.log(probabilities[2]), rel=1e-15)
    d_scores = probabilities - [0.0, 0.0, 1.0]
    np.testing.assert_allclose(d_scores, [0.636, 0.259, -0.895], atol=5e-4)
    np.testing.assert_allclose(grads["b"], d_scores, rtol=1e-14)
    np.testing.assert_allclose(grads["W"], np.outer(d_scores, v["x"]), rtol=1e-14)
    np.testing.assert_allclose(grads["x"], v["W"].T @ d_scores, rtol=1e-14)


def test_the_svm_loss_has_one_active_margin_as_in_the_notes():
    circuit, v, grads = gallery_circuit("svm-loss")
    scores = v["W"] @ v["x"]
    np.testing.assert_allclose(scores, [5.1, 3.2, -1.7], rtol=1e-15)
    margins = scores - scores[1] + 1
    assert circuit.evaluation.values[circuit.graph.output.id] == pytest.approx(2.9, rel=1e-15)
    active = (margins > 0) & (np.arange(3) != 1)
    np.testing.assert_array_equal(active, [True, False, False])
    d_scores = active.astype(float)
    d_scores[1] = -np.sum(active)  # the correct class's score loses what each active margin gains
    np.testing.assert_array_equal(grads["W"], np.outer(d_scores, v["x"]))
    np.testing.assert_array_equal(grads["x"], v["W"].T @ d_scores)


@pytest.mark.parametrize("slug, losses", [
    ("linear-layer", [5.56, 2.6, 2.41, 2.36, 2.33, 2.31, 2.28, 2.25, 2.23, 2.21, 2.19]),
    ("two-layer-net", [9.04, 5.91, 5.21, 4.77, 4.37, 4.01, 3.67, 3.36, 3.07, 2.81, 2.56]),
    ("softmax-cross-entropy", [2.25, 1.54, 1.02, 0.68, 0.48, 0.36, 0.29, 0.24, 0.2, 0.17, 0.15]),
    ("svm-loss", [2.9, 1.9, 0.9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
])
def test_each_gallery_loss_falls_by_gradient_descent(slug, losses):
    circuit, _, _ = gallery_circuit(slug, steps=10)
    assert [round(loss, 2) for loss in circuit.descent.losses] == losses


@pytest.mark.parametrize("gate, entries, expected", [
    # As PyTorch: softmax and log_softmax subtract the largest entry even where it is inf or nan
    # (every entry nan); logsumexp shifts by 0 then, so that its answer is inf.
    ("softmax", [np.inf, 0.0], [np.nan, np.nan]),
    ("log_softmax", [np.inf, 0.0], [np.nan, np.nan]),
    ("softmax", [-np.inf, 0.0], [0.0, 1.0]),
    ("logsumexp", [np.inf, 0.0], np.inf),
    ("logsumexp", [-np.inf, -np.inf], -np.inf),
])
def test_the_softmax_family_at_infinite_entries_as_pytorch(gate, entries, expected):
    with np.errstate(all="ignore"):
        got = OPS[gate].forward(np.array(entries))
    np.testing.assert_array_equal(got, expected)
