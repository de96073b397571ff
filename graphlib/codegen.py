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

`pytorch_code` writes the same circuit for torch's autograd, which has the same conventions
except that last one: torch multiplies a zero upstream gradient by an infinite local gradient
and gets nan (`max(sqrt(x), y)` at x=0, y=1 gives dx = nan where the evaluator gives 0); the
program says so in a comment at each line where that happens. Torch orders the arithmetic of
its derivative rules differently, and keeps PyTorch's own forms where ours keep more digits
(1 - tanh**2 and s * (1 - s) cancel where the gate saturates), so its numbers agree with the
evaluator's to rounding, not bit for bit.

Both generators only write text; nothing here runs it (the tests do, never the server).
"""

import keyword
import math
import re
from dataclasses import dataclass

import numpy as np

from graphlib.graph import Const


@dataclass(frozen=True)
class PythonGate:
    """How one kind of gate reads in the staged program.

    Templates name the operands `{0}`, `{1}` (each a variable's name or a number), their
    negations `{neg0}`, `{neg1}`, and the gate's own value `{out}`. `slopes` holds the local
    gradient d out / d operand for each operand, written with the evaluator's operations in the
    evaluator's order (ops.py), so the numbers come out the same: a template, or a function of
    the node and the fields that writes it (to leave out what a constant operand decides).
    """

    stem: str
    forward: str
    slopes: tuple
    helpers: tuple = ()


@dataclass(frozen=True)
class Route:
    """A template for the whole contribution to an operand's gradient, upstream `{up}` included:
    where PyTorch masks it (ops.Op.masked), exactly 0 passes, even of an inf or nan gradient."""

    template: str


def _reciprocal_slope(node, fields):
    """1 / b; for a constant b, the number itself (plain Python's 1.0 / 0.0 would raise)."""
    divisor = node.args[1]
    if isinstance(divisor, Const):
        with np.errstate(all="ignore"):
            return _number(np.float64(1.0) / np.float64(divisor.value), "np")
    return "1.0 / {1}"


def _pow_base_slope(node, fields):
    """PyTorch's pow_backward_self: exponent * base ** (exponent - 1), masked for exponent 0."""
    exponent = node.args[1]
    if isinstance(exponent, Const):
        if exponent.value == 0.0:
            return Route("0.0")  # x**0 does not depend on x
        return f"{fields['1']} * {fields['0']} ** {_number(exponent.value - 1.0, 'np')}"
    return Route("0.0 if {1} == 0.0 else ({1} * {0} ** ({1} - 1.0)) * {up} if {up} else 0.0")


def _pow_exponent_slope(node, fields):
    """PyTorch's pow_backward_exponent: out * log(base), and 0 for base 0, exponent >= 0."""
    base = node.args[0]
    if isinstance(base, Const) and base.value != 0.0:
        return "{out} * np.log({0})"
    return "(0.0 if {0} == 0.0 and {1} >= 0.0 else {out} * np.log({0}))"


PYTHON_GATES = {
    "add": PythonGate("add", "{0} + {1}", ("1.0", "1.0")),
    "sub": PythonGate("sub", "{0} - {1}", ("1.0", "-1.0")),
    "mul": PythonGate("mul", "{0} * {1}", ("{1}", "{0}")),
    "div": PythonGate("div", "{0} / {1}", (_reciprocal_slope, "-{out} / {1}")),
    "pow": PythonGate("pow", "{0} ** {1}", (_pow_base_slope, _pow_exponent_slope)),
    "exp": PythonGate("exp", "np.exp({0})", ("{out}",)),
    "log": PythonGate("log", "np.log({0})", ("1.0 / {0}",)),
    "sqrt": PythonGate("sqrt", "np.sqrt({0})", ("0.5 / {out}",)),
    "sin": PythonGate("sin", "np.sin({0})", ("np.cos({0})",)),
    "cos": PythonGate("cos", "np.cos({0})", ("-np.sin({0})",)),
    "tan": PythonGate("tan", "np.tan({0})", ("1.0 + {out} * {out}",)),
    # 1 - tanh**2 as sech**2, and s * (1 - s) with 1 - s as sigmoid(-x): no cancellation.
    "tanh": PythonGate("tanh", "np.tanh({0})", ("(1.0 / np.cosh({0})) ** 2",)),
    "sigmoid": PythonGate("sig", "1.0 / (1.0 + np.exp({neg0}))", ("{out} * (1.0 / (1.0 + np.exp({0})))",)),
    "abs": PythonGate("abs", "np.abs({0})", ("_sign({0})",), ("_sign",)),
    # Where PyTorch masks a gradient (ops.Op.masked), the program says where `{up}` goes.
    "relu": PythonGate("relu", "np.maximum({0}, 0.0)", (Route("0.0 if {0} <= 0.0 or not {up} else {up}"),)),
    "max": PythonGate("max", "np.maximum({0}, {1})",
                      (Route("_max_route({0}, {1}, {up})"), Route("_max_route({1}, {0}, {up})")), ("_max_route",)),
    "min": PythonGate("min", "np.minimum({0}, {1})",
                      (Route("_min_route({0}, {1}, {up})"), Route("_min_route({1}, {0}, {up})")), ("_min_route",)),
}

# Printed at the top of the program, in this order, when a gate of the circuit names them.
HELPERS = {
    "_sign": '''\
def _sign(a):
    """abs'(a): 1 or -1, and 0 at 0 (and for nan), as PyTorch."""
    if a > 0.0:
        return 1.0
    return -1.0 if a < 0.0 else 0.0
''',
    "_max_route": '''\
def _max_route(mine, other, upstream):
    """The part of a max gate's gradient `upstream` that reaches the operand `mine`:
    all of it if it won, none if it lost (not even inf or nan), half at a tie."""
    if mine < other or upstream == 0.0:
        return 0.0
    return upstream * 0.5 if mine == other else upstream
''',
    "_min_route": '''\
def _min_route(mine, other, upstream):
    """The part of a min gate's gradient `upstream` that reaches the operand `mine`:
    all of it if it won, none if it lost (not even inf or nan), half at a tie."""
    if mine > other or upstream == 0.0:
        return 0.0
    return upstream * 0.5 if mine == other else upstream
''',
}


@dataclass(frozen=True)
class TorchGate:
    """How one kind of gate reads in the PyTorch program: a template over `{0}`, `{1}`.
    `tensor_operands`: the torch function takes tensors only, so constants are wrapped."""

    forward: str
    tensor_operands: bool = False


TORCH_GATES = {
    "add": TorchGate("{0} + {1}"),
    "sub": TorchGate("{0} - {1}"),
    "mul": TorchGate("{0} * {1}"),
    "div": TorchGate("{0} / {1}"),
    "pow": TorchGate("{0} ** {1}"),
    "exp": TorchGate("torch.exp({0})"),
    "log": TorchGate("torch.log({0})"),
    "sqrt": TorchGate("torch.sqrt({0})"),
    "sin": TorchGate("torch.sin({0})"),
    "cos": TorchGate("torch.cos({0})"),
    "tan": TorchGate("torch.tan({0})"),
    "tanh": TorchGate("torch.tanh({0})"),
    "sigmoid": TorchGate("torch.sigmoid({0})"),
    "relu": TorchGate("torch.relu({0})"),
    "abs": TorchGate("torch.abs({0})"),
    "max": TorchGate("torch.maximum({0}, {1})", tensor_operands=True),
    "min": TorchGate("torch.minimum({0}, {1})", tensor_operands=True),
}

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


def staged_python(graph, inputs):
    """The staged program for `graph` at `inputs` (variable name -> number), as source text.
    After it runs, `f` holds the output and `dx` the gradient of each input `x` (other names
    where a variable's name clashes: see `program_names`), all numpy float64 scalars."""
    names = program_names(graph, "np")
    lines = _header(graph, names, "# Staged computation of {}, in the style of the cs231n notes.",
                    "numpy", "np")
    helpers = _helpers(graph)
    for helper in helpers:
        lines += ["", "", HELPERS[helper].rstrip("\n")]
    if helpers:
        lines.append("")
    lines += ["", "# float64 as in the diagram: 1/0 is inf and log(-1) is nan, not an exception",
              f"{names.module}.seterr(all=\"ignore\")"]
    lines += ["", "# inputs"]
    lines += [f"{node.name} = {names.module}.float64({_number(inputs[node.name], names.module)})"
              for node in graph.inputs]
    lines += ["", "# forward pass"]
    lines += _forward_lines(graph, names, _python_forward)
    lines += ["", "# backward pass: local gradient times upstream gradient. A zero upstream gradient",
              "# contributes exactly 0 (`if dq else 0.0`), even where the local gradient is inf;",
              "# relu, max and min route the gradient, blocking even an inf one (PyTorch's masks)",
              f"{names.output_grad} = 1.0"]
    lines += _backward_lines(graph, names)
    return "\n".join(lines) + "\n"


def pytorch_code(graph, inputs, evaluation):
    """A PyTorch program for `graph` at `inputs`: after it runs, `f` holds the output and each
    input variable's `.grad` its gradient. `evaluation` (of the graph at `inputs`) tells where
    torch's gradient will differ from the diagram's, which the program says in comments."""
    names = program_names(graph, "torch")
    torch = names.module
    lines = _header(graph, names, "# {} with PyTorch's autograd.", "torch", "torch")
    lines += ["", "# inputs"]
    for node in graph.inputs:
        value = _number(inputs[node.name], torch)
        lines.append(f"{node.name} = {torch}.tensor({value}, dtype={torch}.float64, requires_grad=True)")
    lines += ["", "# forward pass"]
    if not graph.gates:
        lines += _forward_lines(graph, names, _torch_forward)
    for node in graph.gates:
        forward = f"{names.values[node.id]} = {_torch_forward(node, names)}"
        lines += _torch_differences(node, names, evaluation) + [forward]
    lines += ["", "# backward pass: fills in the .grad of every input", f"{names.output}.backward()"]
    return "\n".join(lines) + "\n"


def _torch_differences(node, names, evaluation):
    """Comments for the wires of `node` where a zero upstream gradient meets an infinite or nan
    local gradient: torch's autograd multiplies them (nan), the evaluator passes exactly 0."""
    if evaluation.grads[node.id] != 0.0:
        return []
    comments = []
    for index, source_id in node.wires:
        local = evaluation.local_grads[(node.id, index)]
        if not math.isfinite(local):
            comments.append(
                f"# torch: d{names.values[node.id]} is 0 here and the local gradient into "
                f"{names.values[source_id]} is {local}: torch's 0 * {local} gives nan where the "
                "diagram passes 0")
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
    counts = {}
    for node in graph.gates:
        if node.name:  # a named step keeps its name, as typed
            name = node.name
        elif node is graph.output:
            name = OUTPUT_NAME
        else:
            name = _python_gate(node.op).stem + str(counts.get(node.op, 0))
            counts[node.op] = counts.get(node.op, 0) + 1
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
    if op not in PYTHON_GATES:
        raise KeyError(f"graphlib.codegen has no staged code for the gate {op!r}: add it to PYTHON_GATES.")
    return PYTHON_GATES[op]


def _torch_gate(op):
    if op not in TORCH_GATES:
        raise KeyError(f"graphlib.codegen has no PyTorch code for the gate {op!r}: add it to TORCH_GATES.")
    return TORCH_GATES[op]


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


def _number(value, module):
    """repr, which reads back as the same float; inf and nan have no literal."""
    value = float(value)
    if value != value:
        return f"{module}.nan"
    if value in (float("inf"), float("-inf")):
        return f"{'-' if value < 0 else ''}{module}.inf"
    return repr(value)


def _operand_fields(node, names):
    """`{0}`, `{1}`, `{neg0}`, `{neg1}` for a gate's templates; a constant is negated as a
    number (-2.0, not --2.0), which is exact."""
    fields = {}
    for index, arg in enumerate(node.args):
        if isinstance(arg, Const):
            fields[str(index)] = _number(arg.value, names.module)
            fields[f"neg{index}"] = _number(-arg.value, names.module)
            if node.op == "pow" and index == 0 and fields["0"].startswith("-"):
                fields["0"] = f"({fields['0']})"  # -2.0 ** x would be -(2.0 ** x) in Python
        else:
            fields[str(index)] = names.values[arg]
            fields[f"neg{index}"] = "-" + names.values[arg]
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


def _backward_lines(graph, names):
    """Every gate in reverse order: its header comment, then one line per wire, local gradient
    times upstream gradient, `=` for a variable's first contribution and `+=` after."""
    if not graph.gates:
        return [f"{names.grads[graph.output.id]} = {names.output_grad}"]
    lines = []
    assigned = set()
    for node in reversed(graph.gates):
        fields = {**_operand_fields(node, names), "out": names.values[node.id]}
        upstream = names.grads[node.id]
        lines.append(f"# backprop {names.values[node.id]} = {_python_forward(node, names)}")
        for index, source_id in node.wires:
            slope = _slope(node, index, fields)
            if isinstance(slope, Route):
                term = _fill(slope.template, {**fields, "up": upstream})
            else:
                term = f"{_bracketed(slope)} * {upstream}"
                if node is not graph.output:  # the output's upstream is the literal 1.0
                    term += f" if {upstream} else 0.0"
            term = _in_module(term, "np", names.module)
            operator = "+=" if source_id in assigned else "="
            assigned.add(source_id)
            lines.append(f"{names.grads[source_id]} {operator} {term}")
    return lines


def _slope(node, index, fields):
    """The local gradient d node / d operand `index` as an expression, or a Route."""
    slope = _python_gate(node.op).slopes[index]
    if callable(slope):
        slope = slope(node, fields)
    if isinstance(slope, Route):
        return slope
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
