"""How a gate is written as code: the templates each `ops.Op` holds, which `codegen` fills in.

Templates name the operands `{0}`, `{1}` (each a variable's name or a number), their negations
`{neg0}`, `{neg1}`, and the gate's own value `{out}`; they say `np.` and `torch.`, which codegen
rewrites where a variable takes the module's name.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Route:
    """A template for the whole contribution to an operand's gradient, upstream `{up}` included:
    where PyTorch masks it (ops.Op.masked), exactly 0 passes, even of an inf or nan gradient."""

    template: str


@dataclass(frozen=True)
class PythonGate:
    """How one kind of gate reads in the staged program (numpy's float64 scalars).

    `stem` names the gate's values (`mul0`, `mul1`). `slopes` holds the local gradient
    d out / d operand for each operand, written with the evaluator's operations in the
    evaluator's order (ops.Op.local_grads), so the numbers come out the same: a template, a
    Route, or a function `slope(constants, fields)` that writes one, to leave out what a constant
    operand decides (`constants[i]` is operand i's number, or None for a wire; `fields` are the
    template's, filled). `helpers` maps the name of each function the templates call to its
    source, printed at the top of a program that uses the gate.
    """

    stem: str
    forward: str
    slopes: tuple
    helpers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TorchGate:
    """How one kind of gate reads in the PyTorch program: a template over `{0}`, `{1}`.
    `tensor_operands`: the torch function takes tensors only, so constants are wrapped."""

    forward: str
    tensor_operands: bool = False


def number_literal(value, module="np"):
    """repr, which reads back as the same float; inf and nan have no literal."""
    value = float(value)
    if value != value:
        return f"{module}.nan"
    if value in (float("inf"), float("-inf")):
        return f"{'-' if value < 0 else ''}{module}.inf"
    return repr(value)
