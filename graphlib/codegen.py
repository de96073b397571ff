"""Graph to the lecture's staged code: Python with numpy's float64 scalars, and PyTorch.

`staged_python` writes the program of the cs231n notes ("staged computation"): the inputs, a
forward pass that names every gate's value (`mul0 = w0 * x0`, the output is `f`), and a backward
pass in reverse order where each gate's block, headed `# backprop <name> = <expression>`, turns
the upstream gradient into its operands' gradients, local gradient times upstream
(`dx = (...) * dmul0`); a variable's first contribution is `=`, the next ones `+=`, so gradients
add up at forks.

The numbers are numpy's float64 scalars, as in the evaluator, so the program does the
evaluator's arithmetic operation for operation, in the same order: every value and gradient it
computes is the evaluator's float, bit for bit, inf and nan included, and it never raises
(`np.seterr(all="ignore")`: 1/0 is inf, log(-1) is nan). It follows the conventions of
`ops.CONVENTIONS`: the local gradients are written as in `ops.OPS`, with small helpers printed at
the top when the circuit needs them; a zero upstream gradient contributes exactly 0
(`... if dq else 0.0`), so an unused branch does not turn 0 * inf into nan; and the gates that
route (relu, max, min) pass the upstream gradient on or block it, as PyTorch's masks do
(`dx = 0.0 if x <= 0.0 else drelu0`), so a blocked input gets 0 even of an inf gradient.

Vectors and matrices are numpy arrays: each array gate's block is the lecture's rule for
"gradients for vectorized operations" (`dW = np.outer(dh, x)`, `dx = W.T @ dh`), computed as
arrays.py's `vjp` computes it, with its shapes in a comment; an elementwise gate on arrays
chains entry by entry with `np.where` where the scalar code says `if`, and sums a gradient back
over the axes its operand was broadcast along (`np.sum(..., axis=0)`), as the evaluator does. So
the arrays agree bit for bit too. `+=` at a fork adds in place, so a first gradient that shares
another's memory (a transpose's) is a copy.

`pytorch_code` writes the same circuit for torch's autograd, which has the same conventions
except that last one: torch multiplies a zero upstream gradient by an infinite local gradient
and gets nan (`max(sqrt(x), y)` at x=0, y=1 gives dx = nan where the evaluator gives 0); the
program says so in a comment at each line where that happens. Torch orders the arithmetic of
its derivative rules differently, and keeps PyTorch's own forms where ours keep more digits
(1 - tanh**2 and s * (1 - s) cancel where the gate saturates), so its numbers agree with the
evaluator's to rounding, not bit for bit.

Each gate's code is part of its entry in `ops.OPS` (`python`, `torch`: templates in the terms of
gatecode.py); this module only fills the templates in. Both generators only write text; nothing
here runs it (the tests do, never the server).
"""

import functools
import keyword
import math
import re
from dataclasses import dataclass

import numpy as np

from .arrays import shape_text
from .gatecode import ArrayGate, Masked, Route, number_literal
from .graph import Const
from .i18n import DEFAULT_LANGUAGE, _, translated, use_language
from .ops import OPS, OpsView
from .shapes import node_shapes

# Each gate's code, as its entry of ops.OPS holds it.
PYTHON_GATES = OpsView(lambda op: [(op.name, op.python)] if op.python else [])
TORCH_GATES = OpsView(lambda op: [(op.name, op.torch)] if op.torch else [])
# The helper functions the gates' staged code calls, printed at the top of the program, in this
# order, when a gate of the circuit calls them.
HELPERS = OpsView(lambda op: op.python.helpers.items() if op.python else ())

OUTPUT_NAME = "f"


@dataclass(frozen=True)
class Names:
    """The program's variable for each node's value and for its gradient, by node id; the
    output's (`f`, `df`); and the name the module is imported under."""

    values: dict
    grads: dict
    output: str
    output_grad: str
    module: str


def _in_english(generate):
    """A code generator that writes English whatever the language in use: its comments say the
    shapes in words (`summed over axis 0`), which explain's rows say in the reader's language."""
    @functools.wraps(generate)
    def in_english(*args, **kwargs):
        with use_language(DEFAULT_LANGUAGE):
            return generate(*args, **kwargs)
    return in_english


@_in_english
def staged_python(graph, inputs):
    """The staged program for `graph` at `inputs` (variable name -> number), as source text.
    After it runs, `f` holds the output and `dx` the gradient of each input `x` (other names
    where a variable's name clashes: see `program_names`), all numpy float64 scalars."""
    names = program_names(graph, "np")
    lines = _header(graph, names, "# Staged computation of {}, in the style of the cs231n notes.",
                    "numpy", "np")
    helpers = _helpers(graph)
    shapes = _shapes(graph, inputs)
    for helper in helpers:
        lines += ["", "", HELPERS[helper].rstrip("\n")]
    if helpers:
        lines.append("")
    lines += ["", "# float64 as in the diagram: 1/0 is inf and log(-1) is nan, not an exception",
              f"{names.module}.seterr(all=\"ignore\")"]
    lines += ["", "# inputs"]
    lines += [f"{node.name} = {_python_input(inputs[node.name], names.module)}{_shape_comment(shapes[node.id])}"
              for node in graph.inputs]
    lines += ["", "# forward pass"]
    lines += [line + _shape_comment(shapes[node.id]) if node.id in shapes else line
              for node, line in zip(graph.gates or [graph.output], _forward_lines(graph, names, _python_forward))]
    lines += ["", "# backward pass: local gradient times upstream gradient. A zero upstream gradient",
              "# contributes exactly 0 (`if dq else 0.0`), even where the local gradient is inf;",
              "# relu, max and min route the gradient, blocking even an inf one (PyTorch's masks)"]
    if any(shapes.values()):
        lines += ["# On vectors and matrices, np.where does the same entry by entry, and each gradient",
                  "# has the shape of what it is the gradient of: summed over the axes its operand was",
                  "# broadcast along, and the array gates' rules as the lecture writes them"]
    lines.append(f"{names.output_grad} = 1.0")
    lines += _backward_lines(graph, names, shapes)
    return "\n".join(lines) + "\n"


def _shapes(graph, inputs):
    """Each node's shape: () throughout where every input is a number."""
    if not any(np.ndim(inputs[node.name]) for node in graph.inputs):
        return dict.fromkeys((node.id for node in graph.nodes), ())
    return node_shapes(graph, inputs)


def _python_input(value, module):
    if np.ndim(value) == 0:
        return f"{module}.float64({number_literal(value, module)})"
    return f"{module}.array({_nested_literal(value, module)})"


def _nested_literal(value, module):
    """A vector or matrix as nested lists of its numbers' literals: [[0.1, -0.2], [0.3, 0.4]]."""
    if np.ndim(value) == 0:
        return number_literal(value, module)
    return "[" + ", ".join(_nested_literal(entry, module) for entry in value) + "]"


def _shape_comment(shape):
    """`  # (3, 2)` after a line that computes a vector or matrix; nothing after a number."""
    return f"  # {shape_text(shape)}" if shape else ""


@_in_english
def pytorch_code(graph, inputs, evaluation=None):
    """A PyTorch program for `graph` at `inputs`: after it runs, `f` holds the output and each
    input variable's `.grad` its gradient. `evaluation` (of the graph at `inputs`), where given,
    tells where torch's gradient will differ from the diagram's, which the program says in comments."""
    names = program_names(graph, "torch")
    torch = names.module
    lines = _header(graph, names, "# {} with PyTorch's autograd.", "torch", "torch")
    lines += ["", "# inputs"]
    for node in graph.inputs:
        value = _nested_literal(inputs[node.name], torch)
        lines.append(f"{node.name} = {torch}.tensor({value}, dtype={torch}.float64, requires_grad=True)")
    lines += ["", "# forward pass"]
    if not graph.gates:
        lines += _forward_lines(graph, names, _torch_forward)
    for node in graph.gates:
        forward = f"{names.values[node.id]} = {_torch_forward(node, names)}"
        lines += ([] if evaluation is None else _torch_differences(node, names, evaluation)) + [forward]
    lines += ["", "# backward pass: fills in the .grad of every input", f"{names.output}.backward()"]
    return "\n".join(lines) + "\n"


def _torch_differences(node, names, evaluation):
    """Comments for the wires of `node` where a zero upstream gradient meets an infinite or nan
    local gradient: torch's autograd multiplies them (nan), the evaluator passes exactly 0. (An
    array gate's rule is torch's own formula: no local gradient to meet.)"""
    upstream = evaluation.grads[node.id]
    if isinstance(upstream, float) and upstream != 0.0:  # most gates: nothing to say
        return []
    comments = []
    for index, source_id in node.sources:
        local = evaluation.local_grads.get((node.id, index))
        if local is None:
            continue
        if np.ndim(local) == 0 and np.ndim(upstream) == 0:
            if upstream == 0.0 and not math.isfinite(local):
                comments.append(
                    f"# torch: d{names.values[node.id]} is 0 here and the local gradient into "
                    f"{names.values[source_id]} is {local}: torch's 0 * {local} gives nan where the "
                    "diagram passes 0")
        elif np.any((np.asarray(upstream) == 0.0) & ~np.isfinite(local)):
            comments.append(
                f"# torch: d{names.values[node.id]} is 0 in entries where the local gradient into "
                f"{names.values[source_id]} is inf or nan: torch's 0 * inf gives nan there, where "
                "the diagram passes 0")
    return comments


def program_names(graph, module):
    """Python names for every node and its gradient, none clashing with another, the module,
    a keyword or a builtin the program calls.

    Input variables and named steps keep the names typed; gradients are `d` + name. An unnamed
    output is `f`, the other gates are named after their op and counted per op (`mul0`, `add0`).
    A clash (a variable called `f`, or both `x` and `dx`) is resolved by appending `_`.
    """
    taken = {node.name for node in graph.inputs}
    module = _free(module, taken)
    values = {node.id: node.name for node in graph.inputs}
    grads = {node.id: _free("d" + node.name, taken) for node in graph.inputs}
    counts = {}  # per stem: sum(v) and sum(W, 0) are both sum0, sum1, ...
    for node in graph.gates:
        if node.name:  # a named step keeps its name, as typed
            name = node.name
        elif node is graph.output:
            name = OUTPUT_NAME
        else:
            stem = _python_gate(node.op).stem
            name = stem + str(counts.get(stem, 0))
            counts[stem] = counts.get(stem, 0) + 1
        values[node.id], grads[node.id] = _free_pair(name, taken)
    if graph.gates:
        output, output_grad = values[graph.output.id], grads[graph.output.id]
    else:  # a lone variable is its own output; `f = x` names it all the same
        output, output_grad = _free_pair(OUTPUT_NAME, taken)
    return Names(values, grads, output, output_grad, module)


def _is_taken(name, taken):
    return name in taken or keyword.iskeyword(name)


def _free(name, taken):
    """`name`, or `name_`, `name__`, ... whichever is free first; it is taken from then on."""
    while _is_taken(name, taken):
        name += "_"
    taken.add(name)
    return name


def _free_pair(name, taken):
    """A value's name and its gradient's (`d` + name), both free."""
    while _is_taken(name, taken) or _is_taken("d" + name, taken):
        name += "_"
    return _free(name, taken), _free("d" + name, taken)


def _python_gate(op):
    return _gate_code(PYTHON_GATES, "PYTHON_GATES", "staged", op)


def _torch_gate(op):
    return _gate_code(TORCH_GATES, "TORCH_GATES", "PyTorch", op)


def _gate_code(table, table_name, language, op):
    code = table.get(op)
    if code is None:
        raise KeyError(f"graphlib.codegen has no {language} code for the gate {op!r}: {table_name} reads "
                       "each gate's from its entry in ops.OPS, and there is none of that name.")
    return code


def _helpers(graph):
    used = {helper for node in graph.gates for helper in _python_gate(node.op).helpers}
    return [name for name in HELPERS if name in used]


def _header(graph, names, title, module, alias):
    # The expression as typed, on one line: the parser allows only names, numbers, operators
    # and whitespace in it, so once the whitespace is collapsed it cannot end the comment.
    statements = [" ".join(part.split()) for part in re.split(r"[;\n]", graph.source)]
    statements = [statement for statement in statements if statement]
    if not graph.output.name:
        statements[-1] = f"{names.output} = {statements[-1]}"
    lines = [title.format("; ".join(statements))]
    if names.module == module:
        return lines + [f"import {module}"]
    if names.module == alias:
        return lines + [f"import {module} as {alias}"]
    return lines + [f"# A variable is called {alias}, so the module is imported as {names.module}.",
                    f"import {module} as {names.module}"]


def _in_module(text, module, alias):
    """Templates say `np.` or `torch.`; under an alias (see `_header`) they say that instead."""
    if alias == module:
        return text
    return re.sub(rf"\b{module}\.", alias + ".", text)


def _operand_fields(node, names):
    """`{0}`, `{1}`, `{neg0}`, `{neg1}` for a gate's templates; a constant is negated as a
    number (-2.0, not --2.0), which is exact. A whole constant (an axis, an index) is also
    `{int1}`; an indexing gate's indices are `{index}` (`1, 0`) and `{position}` (`(1, 0)`)."""
    fields = {}
    integers = []
    parameters_from = OPS[node.op].parameters_from
    for index, arg in enumerate(node.args):
        if isinstance(arg, Const):
            fields[str(index)] = number_literal(arg.value, names.module)
            fields[f"neg{index}"] = number_literal(-arg.value, names.module)
            if parameters_from is not None and index >= parameters_from:  # an axis, an index: whole
                fields[f"int{index}"] = str(int(arg.value))
                integers.append(fields[f"int{index}"])
            if fields[str(index)].startswith("-") and f"{{{index}}} **" in _python_gate(node.op).forward:
                fields[str(index)] = f"({fields[str(index)]})"  # -2.0 ** x would be -(2.0 ** x) in Python
        else:
            fields[str(index)] = names.values[arg]
            fields[f"neg{index}"] = "-" + names.values[arg]
    if integers:
        fields["index"] = ", ".join(integers)
        fields["position"] = integers[0] if len(integers) == 1 else f"({fields['index']})"
    return fields


def _fill(template, fields):
    # Filled by plain replacement: str.format would take {0} for a position and need all fields.
    for key, text in fields.items():
        template = template.replace("{" + key + "}", text)
    return template


def _forward_lines(graph, names, expression):
    if not graph.gates:
        return [f"{names.output} = {graph.output.name}"]
    return [f"{names.values[node.id]} = {expression(node, names)}" for node in graph.gates]


def _python_forward(node, names):
    text = _fill(_python_gate(node.op).forward, _operand_fields(node, names))
    return _in_module(text, "np", names.module)


def _torch_forward(node, names):
    gate = _torch_gate(node.op)
    fields = _operand_fields(node, names)
    if gate.tensor_operands:
        for index, arg in enumerate(node.args):
            if isinstance(arg, Const):
                fields[str(index)] = f"torch.tensor({fields[str(index)]}, dtype=torch.float64)"
    return _in_module(_fill(gate.forward, fields), "torch", names.module)


@dataclass(frozen=True)
class Contribution:
    """What one wire adds to its source's gradient: `code` as the staged program computes it;
    for a vector or matrix gate, also `rule` as the lecture writes it (the program's line without
    its guards, or a helper written out) and `shapes`, the same over the shapes
    (`(3,) ⊗ (2,) → (3, 2)`); None for a gate of numbers, whose local gradient is a number."""

    code: str
    rule: str | None = None
    shapes: str | None = None
    commented: bool = False  # an array gate's rule, or a broadcast operand's sum: the shapes are said


def _backward_lines(graph, names, shapes):
    """Every gate in reverse order: its header comment, then one line per wire, local gradient
    times upstream gradient, `=` for a variable's first contribution and `+=` after."""
    if not graph.gates:
        return [f"{names.grads[graph.output.id]} = {names.output_grad}"]
    lines = []
    assigned = set()
    uses = graph.consumers()
    for node in reversed(graph.gates):
        fields = gate_fields(node, names)
        lines.append(f"# backprop {names.values[node.id]} = {_python_forward(node, names)}")
        for index, source_id in node.sources:
            contribution = contribution_of(graph, names, shapes, node, index, fields)
            term = contribution.code
            if source_id not in assigned and len(uses[source_id]) > 1 and _is_view(node, index, shapes):
                term += ".copy()"  # it is added to below, in place, and .T shares the memory of its upstream
            operator = "+=" if source_id in assigned else "="
            assigned.add(source_id)
            comment = f"  # {contribution.shapes}" if contribution.commented else ""
            lines.append(f"{names.grads[source_id]} {operator} {term}{comment}")
    return lines


def chain_rules(graph, shapes):
    """The lecture's rule for each wire into an array gate, by (gate id, operand), as
    (`dW = np.outer(dh, x)`, `(3,) ⊗ (2,) → (3, 2)`) in the staged program's names, and for each
    wire of an operand an elementwise gate broadcast (`db = np.sum(dadd0, axis=0)`); the other
    wires have none, their local gradient times the upstream one, entry by entry, being all."""
    names = program_names(graph, "np")
    rules = {}
    for node in graph.gates:
        if not shapes[node.id] and not isinstance(_python_gate(node.op), ArrayGate):
            continue
        fields = gate_fields(node, names)
        for index, source_id in node.sources:
            contribution = contribution_of(graph, names, shapes, node, index, fields)
            if contribution.commented:
                rules[(node.id, index)] = (f"{names.grads[source_id]} = {contribution.rule}", contribution.shapes)
    return rules


def gate_fields(node, names):
    """The fields of a gate's backward templates: its operands', its value `{out}` and its
    upstream gradient `{up}`."""
    return {**_operand_fields(node, names), "out": names.values[node.id], "up": names.grads[node.id]}


def contribution_of(graph, names, shapes, node, index, fields=None):
    """The Contribution of the wire into operand `index` of `node` (`fields`: gate_fields, where
    the caller has them)."""
    fields = fields or gate_fields(node, names)
    gate = _python_gate(node.op)
    if isinstance(gate, ArrayGate):
        return _array_rule(node, index, {**fields, "grad": names.grads[node.args[index]]}, shapes, names)
    if shapes[node.id]:
        return _elementwise_on_arrays(node, index, fields, shapes, names)
    slope = _slope(node, index, fields, gate.slopes)
    if isinstance(slope, Route):
        term = _fill(slope.template, fields)
    else:
        term = f"{_bracketed(slope)} * {fields['up']}"
        if node is not graph.output:  # the output's upstream is the literal 1.0
            term += f" if {fields['up']} else 0.0"
    return Contribution(_in_module(term, "np", names.module))


def _array_rule(node, index, fields, shapes, names):
    """An array gate's rule for one operand, filled in with names and with shapes."""
    operand_shapes = tuple(() if isinstance(arg, Const) else shapes[arg] for arg in node.args)
    rule = _python_gate(node.op).rule(index, operand_shapes)
    code = _in_module(_fill(rule.code, fields), "np", names.module)
    lecture = _in_module(_fill(rule.lecture, fields), "np", names.module) if rule.lecture else code
    shape_fields = {**{str(position): shape_text(shape) for position, shape in enumerate(operand_shapes)},
                    "out": shape_text(shapes[node.id]), "up": shape_text(shapes[node.id]),
                    "size0": str(int(np.prod(operand_shapes[0]))),
                    **{key: value for key, value in fields.items() if key.startswith("int") or key == "index"}}
    over_shapes = f"{_fill(translated(rule.shapes), shape_fields)} → {shape_text(operand_shapes[index])}"
    return Contribution(code, lecture, over_shapes, commented=True)


def _is_view(node, index, shapes):
    """Whether the wire's gradient, as its rule computes it, shares the upstream gradient's memory."""
    gate = _python_gate(node.op)
    if not isinstance(gate, ArrayGate):
        return False
    operand_shapes = tuple(() if isinstance(arg, Const) else shapes[arg] for arg in node.args)
    return gate.rule(index, operand_shapes).view


def _elementwise_on_arrays(node, index, fields, shapes, names):
    """An elementwise gate whose output is a vector or matrix: upstream times local gradient
    entry by entry, exactly 0 where the upstream gradient is 0 or the gate blocks it (np.where,
    as the evaluator), summed back over the axes the operand was broadcast along."""
    gate = _python_gate(node.op)
    up = fields["up"]
    slope = _slope(node, index, fields, gate.array_slopes or gate.slopes)
    if isinstance(slope, Route):  # the whole contribution: nothing passes
        code = rule = _fill(slope.template, fields)
    else:
        local, mask = (slope.local, slope.mask) if isinstance(slope, Masked) else (slope, None)
        product = {"1.0": up, "-1.0": f"-{up}"}.get(local, f"{_bracketed(local)} * {up}")
        if mask:
            code = f"np.where(({mask}) | ({up} == 0.0), 0.0, {product})"
            rule = f"np.where({mask}, 0.0, {product})"
        else:
            code = f"np.where({up} == 0.0, 0.0, {product})"
            rule = product
    operand = () if isinstance(node.args[index], Const) else shapes[node.args[index]]
    out = shapes[node.id]
    code, summed = _summed_back(code, operand, out)
    rule, _summed = _summed_back(rule, operand, out)
    how = summed or _("entry by entry")
    over_shapes = f"{shape_text(out)} {how} → {shape_text(operand)}"
    return Contribution(_in_module(code, "np", names.module), _in_module(rule, "np", names.module), over_shapes,
                        commented=bool(summed))


def _summed_back(term, operand, out):
    """`term` (of the output's shape) summed over the axes the operand was broadcast along, as
    arrays.unbroadcast sums it, and how that reads beside the shapes (`summed over axis 0`, in the
    language in use)."""
    if tuple(operand) == tuple(out):
        return term, ""
    leading = len(out) - len(operand)
    axes = tuple(range(leading)) + tuple(
        leading + axis for axis, size in enumerate(operand) if size == 1 and out[leading + axis] != 1)
    if not operand:
        return f"np.sum({term})", _("summed over every entry")
    if all(axis < leading for axis in axes):
        return f"np.sum({term}, axis=0)", _("summed over axis %(axes)s", axes="0")
    axes_text = axes[0] if len(axes) == 1 else axes
    return (f"np.sum({term}, axis={axes_text}).reshape({shape_text(operand)})",
            _("summed over axis %(axes)s", axes=", ".join(map(str, axes))))


def _slope(node, index, fields, slopes):
    """The local gradient d node / d operand `index` as an expression, a Masked one, or a Route."""
    slope = slopes[index]
    if callable(slope):
        constants = tuple(arg.value if isinstance(arg, Const) else None for arg in node.args)
        slope = slope(constants, fields)
    if isinstance(slope, Route):
        return slope
    if isinstance(slope, Masked):
        return Masked(_fill(slope.local, fields), _fill(slope.mask, fields))
    return _fill(slope, fields)


def _bracketed(text):
    """`text` in brackets, unless it is one operand, number, call or bracket already."""
    if re.fullmatch(r"-?([\w.]+|[\w.]+\([^()]*\))", text) or _is_bracketed(text):
        return text
    return f"({text})"


def _is_bracketed(text):
    """Whether `text` is one pair of brackets around the rest, as `(a if b else c)`."""
    if not text.startswith("("):
        return False
    depth = 0
    for position, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return position == len(text) - 1
    return False
