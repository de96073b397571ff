"""Random small networks of numbers, vectors and matrices (sizes 1 to 5), typed shape by shape so
that every one fits, with points away from kinks: the property tests' circuits of arrays."""

import numpy as np

from graphlib.ops import OPS
from graphlib.parse import parse

SIZES = range(1, 6)
# Elementwise functions of one operand; log and sqrt get a positive operand, tan one in (-1, 1).
UNARY = sorted(name for name, op in OPS.items() if op.elementwise and op.arity == 1)
POSITIVE = ("log", "sqrt")
BINARY = ["+", "-", "*", "/", "**", "max", "min"]
CONSTANTS = ["2", "0.5", "3", "1.5"]
KINDS = ["elementwise", "elementwise", "binary", "binary", "matmul", "matmul", "transpose", "reduce",
         "softmax", "index"]
# How close (in the operands' own units) a point may come to a kink: relu and abs at 0, a tie of
# max or min, two largest entries of max(v).
KINK_MARGIN = 0.05


class TensorExpression:
    """One random expression: its text, and the shape of each variable it uses."""

    def __init__(self, rng):
        self.rng = rng
        self.shapes = {}  # variable name -> shape

    def variable(self, shape):
        """A variable of this shape: one already used (a fork) or a new one."""
        same = [name for name, known in self.shapes.items() if known == shape]
        if same and self.rng.random() < 0.4:
            return self.rng.choice(same)
        prefix = {0: "s", 1: "v", 2: "M"}[len(shape)]
        name = f"{prefix}{len(self.shapes)}"
        self.shapes[name] = shape
        return name

    def size(self):
        return self.rng.choice(SIZES)

    def of_shape(self, shape, depth):
        """An expression whose value has `shape`."""
        if depth == 0:
            if shape == () and self.rng.random() < 0.2:
                return self.rng.choice(CONSTANTS)
            return self.variable(shape)
        kinds = [kind for kind in KINDS if self.fits(kind, shape)]
        return getattr(self, self.rng.choice(kinds))(shape, depth - 1)

    @staticmethod
    def fits(kind, shape):
        return {"transpose": len(shape) >= 1, "reduce": len(shape) <= 1, "softmax": len(shape) == 1,
                "index": len(shape) <= 1}.get(kind, True)

    def positive(self, shape, depth):
        """An expression of `shape` whose entries are at least 0.5."""
        inner = self.of_shape(shape, depth)
        return self.rng.choice([f"(({inner})**2 + 0.5)", f"(exp({inner}) + 0.5)", f"(sigmoid({inner}) + 0.5)"])

    def broadcast_partner(self, shape):
        """A shape that broadcasts to `shape`: the same, a number, or a row or column of a matrix."""
        choices = [shape, shape, ()]
        if len(shape) == 2:
            choices += [(shape[1],), (1, shape[1]), (shape[0], 1)]
        if len(shape) == 1:
            choices += [(1,)]
        return self.rng.choice(choices)

    def elementwise(self, shape, depth):
        name = self.rng.choice(UNARY)
        if name in POSITIVE:
            return f"{name}{self.positive(shape, depth)}"
        if name == "tan":
            return f"tan(tanh({self.of_shape(shape, depth)}))"
        return f"{name}({self.of_shape(shape, depth)})"

    def binary(self, shape, depth):
        operator = self.rng.choice(BINARY)
        partner = self.broadcast_partner(shape)
        if operator == "**" and self.rng.random() < 0.5:
            return f"{self.positive(shape, depth)} ** {self.rng.choice(CONSTANTS)}"
        if operator == "**":
            left, right = self.positive(shape, depth), self.of_shape(partner, depth)
        elif operator == "/":
            left, right = self.of_shape(shape, depth), self.positive(partner, depth)
        else:
            left, right = self.of_shape(shape, depth), self.of_shape(partner, depth)
        if self.rng.random() < 0.5 and operator not in ("/", "**"):
            left, right = right, left
        if operator in ("max", "min"):
            return f"{operator}({left}, {right})"
        return f"({left} {operator} {right})"

    def matmul(self, shape, depth):
        inner = self.size()
        if shape == ():
            operands = (inner,), (inner,)
        elif len(shape) == 1:
            operands = self.rng.choice([((shape[0], inner), (inner,)), ((inner,), (inner, shape[0]))])
        else:
            operands = (shape[0], inner), (inner, shape[1])
        left, right = (self.of_shape(operand, depth) for operand in operands)
        return f"({left} @ {right})"

    def transpose(self, shape, depth):
        inner = self.of_shape(tuple(reversed(shape)), depth)
        return f"({inner}).T" if self.rng.random() < 0.7 else f"transpose({inner})"

    def reduce(self, shape, depth):
        if len(shape) == 1:
            axis = self.rng.choice([0, 1])
            summed = (self.size(), shape[0]) if axis == 0 else (shape[0], self.size())
            return f"sum({self.of_shape(summed, depth)}, {axis})"
        name = self.rng.choice(["sum", "mean", "max", "logsumexp"])
        operand = (self.size(),) if name == "logsumexp" else self.rng.choice([(self.size(),), (self.size(), self.size())])
        return f"{name}({self.of_shape(operand, depth)})"

    def softmax(self, shape, depth):
        return f"{self.rng.choice(['softmax', 'log_softmax'])}({self.of_shape(shape, depth)})"

    def index(self, shape, depth):
        if shape == () and self.rng.random() < 0.5:
            vector = self.size()
            return f"({self.of_shape((vector,), depth)})[{self.rng.randrange(-vector, vector)}]"
        rows, columns = self.size(), shape[0] if shape else self.size()
        matrix = self.of_shape((rows, columns), depth)
        row = self.rng.randrange(rows)
        if shape:
            return f"({matrix})[{row}]"
        return f"({matrix})[{row}, {self.rng.randrange(columns)}]"


def random_tensor_circuit(rng, min_depth=2, max_depth=4):
    """A parsed random loss (one number) of vectors and matrices, with its variables' shapes."""
    while True:
        expression = TensorExpression(rng)
        text = expression.of_shape((), rng.randint(min_depth, max_depth))
        if any(expression.shapes.values()):
            return parse(text), expression.shapes


def random_point(rng, shapes):
    """Each variable's value: entries in [-1.5, 1.5], a number a float."""
    return {name: np.array([rng.uniform(-1.5, 1.5) for _ in range(int(np.prod(shape)))]).reshape(shape)
            if shape else rng.uniform(-1.5, 1.5) for name, shape in shapes.items()}


def kink_distance(graph, values):
    """How close the circuit's gates come to a kink at these node values (inf if none has one)."""
    closest = np.inf
    for node in graph.gates:
        operands = [np.float64(arg.value) if not isinstance(arg, str) else np.asarray(values[arg]) for arg in node.args]
        if node.op in ("relu", "abs"):
            distances = np.abs(operands[0])
        elif node.op in ("max", "min"):
            distances = np.abs(operands[0] - operands[1])
        elif node.op == "amax" and operands[0].size > 1:
            largest = np.sort(operands[0], axis=None)
            distances = largest[-1] - largest[-2]
        else:
            continue
        closest = min(closest, float(np.min(distances)))
    return closest
