"""How a gate is written as code: the templates each `ops.Op` holds, which `codegen` fills in.

Templates name the operands `{0}`, `{1}` (each a variable's name or a number), their negations
`{neg0}`, `{neg1}`, the gate's own value `{out}` and its upstream gradient `{up}`; a constant
whole number (an axis, an index) also as `{int1}`, `{int2}`, and an indexing gate's indices as
`{index}` (`1, 0`). They say `np.` and `torch.`, which codegen rewrites where a variable takes
the module's name.
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
    # The local gradients where the gate's output is a vector or matrix (entry by entry, as
    # NumPy broadcasts): per operand a template, a Masked one, a Route (the whole contribution),
    # or a function `slope(constants, fields)` that writes one; None where `slopes` serve as they
    # are (templates without `if`, which work on arrays as on numbers).
    array_slopes: tuple | None = None


@dataclass(frozen=True)
class Masked:
    """An elementwise local gradient on arrays, and where the gate blocks the gradient (`mask`,
    as ops.Op.masked): there exactly 0 passes, even of an inf or nan gradient."""

    local: str
    mask: str


@dataclass(frozen=True)
class ArrayRule:
    """How an array gate gives one operand its whole gradient from the upstream one `{up}`, as
    the lecture's "gradients for vectorized operations" do: `code` as the staged program computes
    it (`np.outer({up}, {1})`), `shapes` the same over the shapes (`{up} ⊗ {1}`: the fields are
    filled with shape texts), and `lecture`, where the code calls a helper, the rule written out.
    `view`: the code shares the upstream gradient's memory (a transpose), so a gradient that is
    added to later (`+=`) takes a copy."""

    code: str
    shapes: str
    lecture: str = ""
    view: bool = False


@dataclass(frozen=True)
class ArrayGate:
    """How an array gate (ops.Op with `vjp`) reads in the staged program: `stem` and `forward` as
    for a PythonGate, and per operand its ArrayRule, or a function `rule(shapes)` of the operands'
    shapes that gives one (a matrix product's differ for vectors), or None for a constant
    parameter (an axis, an index), which gets no gradient. `formula` is the gate in the names
    of its wires (α, β) and `local_formulas` each wire's rule in those names and δ, the upstream
    gradient, each as (plain text, LaTeX): what symbolic.py shows for the gate."""

    stem: str
    forward: str
    rules: tuple
    formula: tuple
    local_formulas: tuple
    helpers: dict = field(default_factory=dict)

    def rule(self, index, shapes):
        rule = self.rules[index]
        return rule(shapes) if callable(rule) else rule


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
