"""Array operands to the array gates' shapes, values, and vector-Jacobian and Jacobian-vector products.

The array gates are the matrix product, transpose, the reductions, the softmax family and indexing.

An elementwise gate (ops.Op with `local_grads`) needs none of this: its local gradient has the
shape of its output and multiplies the upstream gradient entry by entry. These gates mix entries,
so each gives, as the lecture's "gradients for vectorized operations" do, the whole gradient of
each operand from the upstream gradient (`vjp`) and, for forward mode, the tangent of its output
from its operands' tangents (`jvp`; None stands for an operand whose tangent is zero).

Shapes are NumPy's, of at most 2 dimensions: () a number, (n,) a vector, (m, n) a matrix. Each
`*_shape` function takes, per operand, its shape (a wire) or its number (a constant) and returns
the output's shape, or raises ShapeMismatch with what differs. The formulas follow PyTorch's
backward formulas (derivatives.yaml), ties and the softmax family included.
"""

import numpy as np

from .i18n import _


class ShapeMismatch(Exception):
    """The operands' shapes do not fit the gate: the message says how, e.g.
    `(3, 2) @ (3,) — the inner sizes 2 and 3 differ`."""


def shape_text(shape):
    """(3, 2), (3,), or () for a number, as NumPy prints a shape."""
    return str(tuple(shape))


def broadcast_shape(*shapes, symbol=","):
    """NumPy's broadcasting of elementwise operands: sizes agree, or one of them is 1 or absent."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ShapeMismatch(_("%(shapes)s — the sizes %(sizes)s differ; elementwise operands need the same shape, "
                              "or one of them a number", shapes=(" " + symbol + " ").join(shape_text(shape) for shape in shapes),
                              sizes=_clashing_sizes(*shapes))) from None


def _clashing_sizes(*shapes):
    """The first pair of sizes, counted from the right as NumPy does, that neither match nor is 1."""
    for position in range(1, max(len(shape) for shape in shapes) + 1):
        sizes = list(dict.fromkeys(
            shape[-position] for shape in shapes if len(shape) >= position and shape[-position] != 1
        ))
        if len(sizes) > 1:
            return _("%(first)s and %(second)s", first=sizes[0], second=sizes[1])
    return ""


def unbroadcast(gradient, shape):
    """A gradient of the broadcast output shape summed back to the shape of the operand that was
    broadcast: what the operand added to every entry gets every entry's gradient."""
    gradient = np.asarray(gradient)
    if gradient.shape == tuple(shape):
        return gradient
    leading = gradient.ndim - len(shape)
    axes = tuple(range(leading)) + tuple(
        leading + axis for axis, size in enumerate(shape) if size == 1 and gradient.shape[leading + axis] != 1
    )
    return np.sum(gradient, axis=axes).reshape(shape)


# --- The matrix product, with NumPy's four cases (np.matmul).

def matmul_shape(a, b):
    if len(a) == 0 or len(b) == 0:
        raise ShapeMismatch(_("%(a)s @ %(b)s — @ multiplies vectors and matrices; to scale by a number use *",
                              a=shape_text(a), b=shape_text(b)))
    inner_a, inner_b = a[-1], b[0]
    if inner_a != inner_b:
        raise ShapeMismatch(_("%(a)s @ %(b)s — the inner sizes %(inner_a)s and %(inner_b)s differ", a=shape_text(a),
                              b=shape_text(b), inner_a=inner_a, inner_b=inner_b))
    return tuple(a[:-1]) + tuple(b[1:])


def matmul_vjp(upstream, a, b, out):
    """D = A @ B: dA = dD @ B.T and dB = A.T @ dD; with vectors, the outer products the notes
    write (h = W @ x: dW = np.outer(dh, x), dx = W.T @ dh)."""
    if a.ndim == 1 and b.ndim == 1:
        return upstream * b, upstream * a
    if b.ndim == 1:
        return np.outer(upstream, b), a.T @ upstream
    if a.ndim == 1:
        return b @ upstream, np.outer(a, upstream)
    return upstream @ b.T, a.T @ upstream


def matmul_jvp(tangents, a, b, out):
    tangent_a, tangent_b = tangents
    total = np.zeros(out.shape)
    if tangent_a is not None:
        total = total + tangent_a @ b
    if tangent_b is not None:
        total = total + a @ tangent_b
    return total


# --- Transpose.

def transpose_shape(a):
    return tuple(reversed(a))


def transpose_vjp(upstream, a, out):
    return (np.transpose(upstream),)


def transpose_jvp(tangents, a, out):
    return np.transpose(tangents[0])


# --- Reductions over every entry: sum, mean, max.

def reduce_shape(a):
    return ()


def sum_vjp(upstream, a, out):
    return (np.broadcast_to(upstream, a.shape).copy(),)


def sum_jvp(tangents, a, out):
    return np.sum(tangents[0])


def mean_vjp(upstream, a, out):
    return (np.broadcast_to(upstream / a.size, a.shape).copy(),)


def mean_jvp(tangents, a, out):
    return np.mean(tangents[0])


def _winners(a, out):
    """The entries that hold the maximum (or, where it is nan, the nan entries): PyTorch's
    `evenly_distribute_backward` shares the gradient evenly among them."""
    return np.isnan(a) if np.isnan(out) else a == out


def amax_kink(a):
    """How far max(a) is from a tie, where its gradient jumps: the largest entry less the second
    largest (inf for one entry, which never ties)."""
    entries = np.sort(np.ravel(a))
    return entries[-1] - entries[-2] if entries.size > 1 else np.inf


def amax_vjp(upstream, a, out):
    winners = _winners(a, out)
    return (np.where(winners, upstream / np.count_nonzero(winners), 0.0),)


def amax_jvp(tangents, a, out):
    winners = _winners(a, out)
    return np.sum(np.where(winners, tangents[0], 0.0)) / np.count_nonzero(winners)


# --- Sum along one axis: sum(W, 0) adds the rows up (a row's shape), sum(W, 1) the columns.

def sum_axis_shape(a, axis):
    if axis not in (0.0, 1.0):
        raise ShapeMismatch(_("the axis is %(axis)s — it must be 0 or 1", axis=format(axis, "g")))
    if int(axis) >= len(a):
        raise ShapeMismatch(_("%(shape)s has no axis %(axis)s — a vector has only axis 0; a number has none",
                              shape=shape_text(a), axis=int(axis)))
    return tuple(size for position, size in enumerate(a) if position != int(axis))


def sum_axis_forward(a, axis):
    return np.sum(a, axis=int(axis))


def sum_axis_vjp(upstream, a, axis, out):
    return np.broadcast_to(np.expand_dims(upstream, int(axis)), a.shape).copy(), None


def sum_axis_jvp(tangents, a, axis, out):
    return np.sum(tangents[0], axis=int(axis))


# --- The softmax family, over a vector's entries.

def vector_shape(name, reduces=False):
    """The softmax family takes a vector: softmax and log_softmax give a vector of its shape,
    logsumexp (`reduces`) one number."""
    def shape(a):
        if len(a) != 1:
            raise ShapeMismatch(_("%(name)s takes a vector; got shape %(shape)s", name=name, shape=shape_text(a)))
        return () if reduces else a
    return shape


def softmax(a):
    """exp(a) / sum(exp(a)), the largest entry subtracted first so that exp cannot overflow; as
    in PyTorch, also where it is inf or nan (then every entry is nan)."""
    exps = np.exp(a - np.max(a))
    return exps / np.sum(exps)


def softmax_vjp(upstream, a, out):
    """ds = s * (dy - sum(dy * s)): PyTorch's `_softmax_backward_data`."""
    return ((upstream - np.sum(upstream * out)) * out,)


def softmax_jvp(tangents, a, out):
    return (tangents[0] - np.sum(out * tangents[0])) * out


def log_softmax(a):
    """a - logsumexp(a), the largest entry subtracted first, as in softmax."""
    shifted = a - np.max(a)
    return shifted - np.log(np.sum(np.exp(shifted)))


def log_softmax_vjp(upstream, a, out):
    """dx = dy - exp(y) * sum(dy): PyTorch's `_log_softmax_backward_data`."""
    return (upstream - np.exp(out) * np.sum(upstream),)


def log_softmax_jvp(tangents, a, out):
    return tangents[0] - np.sum(np.exp(out) * tangents[0])


def logsumexp(a):
    """log(sum(exp(a))), the largest entry subtracted first and added back; 0 where it is inf or
    nan, as PyTorch's logsumexp does (inf - inf would be nan where the answer is inf)."""
    largest = np.max(a)
    shift = largest if np.isfinite(largest) else 0.0
    return np.log(np.sum(np.exp(a - shift))) + shift


def logsumexp_vjp(upstream, a, out):
    """dx = dy * exp(x - y), the softmax of x: PyTorch's `logsumexp_backward`."""
    return (upstream * np.exp(a - out),)


def logsumexp_jvp(tangents, a, out):
    return np.sum(np.exp(a - out) * tangents[0])


# --- Constant indexing: v[2], W[1, 0], W[1] (a row).

def index_shape(a, *indices):
    if not a:
        raise ShapeMismatch(_("a number has no entries to index"))
    if len(indices) > len(a):
        message = (_("%(count)s indices for shape %(shape)s, which has 1 axis") if len(a) == 1 else
                   _("%(count)s indices for shape %(shape)s, which has %(axes)s axes"))
        raise ShapeMismatch(message % {"count": len(indices), "shape": shape_text(a), "axes": len(a)})
    for axis, (index, size) in enumerate(zip(indices, a)):
        if not -size <= index < size:
            raise ShapeMismatch(_("index %(index)s is out of range for axis %(axis)s of shape %(shape)s (from %(low)s "
                                  "to %(high)s)", index=format(index, "g"), axis=axis, shape=shape_text(a), low=-size,
                                  high=size - 1))
    return tuple(a[len(indices):])


def _position(indices):
    return tuple(int(index) for index in indices)


def index_forward(a, *indices):
    return a[_position(indices)]


def index_vjp(upstream, a, *indices_and_out):
    *indices, out = indices_and_out
    gradient = np.zeros(a.shape)
    gradient[_position(indices)] = upstream
    return (gradient,) + (None,) * len(indices)


def index_jvp(tangents, a, *indices_and_out):
    *indices, out = indices_and_out
    return tangents[0][_position(indices)]
