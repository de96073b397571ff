"""Graph to the lecture's staged code: plain Python using only `math`, and PyTorch.

`staged_python` writes the program of the cs231n notes ("staged computation"): the inputs, a
forward pass that names every gate's value (`mul0 = w0 * x0`, the output is `f`), and a backward
pass in reverse order where each gate's block, headed `# backprop <name> = <expression>`, turns
the upstream gradient into its operands' gradients, local gradient times upstream
(`dx = (...) * dmul0`); a variable's first contribution is `=`, the next ones `+=`, so gradients
add up at forks. `pytorch_code` writes the same circuit for torch's autograd.

The staged program follows the evaluator's conventions (DESIGN §4, `ops.CONVENTIONS`) with
small helpers printed at its top when the circuit needs them: relu'(0) = 0 (`_step`),
abs'(0) = 0 (`_sign`), a max/min tie splits the gradient evenly (`_routed`), sqrt'(0) = inf
(`_sqrt_slope`), and a zero upstream gradient contributes exactly 0 through the gates whose local
gradient can be infinite where their value is finite (sqrt, and pow at a zero base), so an
unused branch does not turn `0 * inf` into nan.

Where every value and gradient of the circuit is finite, the program does the evaluator's
arithmetic, operation for operation and in the same order; its numbers differ only where the C
library's `math.exp`, `math.log`, `math.tan`, `math.tanh` (and possibly others) differ from
numpy's in the last bit, as they do for a few percent of arguments. Elsewhere it is plain
Python, not IEEE: where the evaluator gives inf or nan, the program may raise instead:
`ZeroDivisionError` for a division by zero, `ValueError` for `math.log`, `math.sqrt` or
`math.pow` outside their domain (log of 0 or less, sqrt or fractional power of a negative, 0 to a
negative power), `OverflowError` for `math.exp` or `math.pow` past 1.8e308; also sigmoid of
an input below about -709, where the evaluator gives exactly 0, raises because `math.exp`
overflows. Where Python does not raise, arithmetic on inf and nan follows IEEE, but the builtin
`max`/`min` and the helpers do not propagate nan as numpy does.

The PyTorch program uses torch's own derivative rules, which agree with the conventions above
except one: torch multiplies a zero upstream gradient by an infinite local gradient and gets nan
(`max(sqrt(x), y)` at x=0, y=1 gives dx = nan where the evaluator gives 0). Torch splits ties of
`torch.maximum`/`torch.minimum` evenly (since torch 1.10), has relu'(0) = 0, abs'(0) = 0 and
sqrt'(0) = inf. Its arithmetic inside derivative rules is ordered differently, so its numbers
agree with the evaluator's to rounding, not bit for bit.

Both generators only write text; nothing here runs it (the tests do, never the server).
"""

import keyword
import re
from dataclasses import dataclass
from typing import Callable

from graphlib.graph import Const, Node


@dataclass(frozen=True)
class PythonGate:
    """How one kind of gate reads in the staged program.

    Templates name the operands `{0}`, `{1}` (each a variable's name or a number), their
    negations `{neg0}`, `{neg1}`, and the gate's own value `{out}`. `slopes` holds
    the local gradient d out / d operand for each operand, written with the evaluator's
    operations in the evaluator's order (ops.py), so the numbers come out the same.
    `guarded(node)`: whether the local gradient can be infinite (or make `math` raise) where the
    value is finite; then a zero upstream gradient skips it instead of multiplying it, as the
    evaluator does (0 * inf would be nan).
    """

    stem: str
    forward: str
    slopes: tuple
    helpers: tuple = ()
    guarded: Callable[[Node], bool] = lambda node: False


def _always(node):
    return True


def _pow_may_blow_up(node):
    """b * a**(b - 1) is finite for every finite a when b is a constant of at least 1, and then
    there is no log(a) either; otherwise a = 0 (or a < 0, for log a) is trouble."""
    exponent = node.args[1]
    return not (isinstance(exponent, Const) and exponent.value >= 1.0)


PYTHON_GATES = {
    "add": PythonGate("add", "{0} + {1}", ("1.0", "1.0")),
    "sub": PythonGate("sub", "{0} - {1}", ("1.0", "-1.0")),
    "mul": PythonGate("mul", "{0} * {1}", ("{1}", "{0}")),
    "div": PythonGate("div", "{0} / {1}", ("1.0 / {1}", "{neg0} / ({1} * {1})")),
    "pow": PythonGate(
        "pow", "math.pow({0}, {1})",
        ("{1} * math.pow({0}, {1} - 1.0)", "0.0 if {out} == 0.0 else {out} * math.log({0})"),
        guarded=_pow_may_blow_up,
    ),
    "exp": PythonGate("exp", "math.exp({0})", ("{out}",)),
    "log": PythonGate("log", "math.log({0})", ("1.0 / {0}",)),
    "sqrt": PythonGate("sqrt", "math.sqrt({0})", ("_sqrt_slope({out})",), ("_sqrt_slope",), guarded=_always),
    "sin": PythonGate("sin", "math.sin({0})", ("math.cos({0})",)),
    "cos": PythonGate("cos", "math.cos({0})", ("-math.sin({0})",)),
    "tan": PythonGate("tan", "math.tan({0})", ("1.0 + {out} * {out}",)),
    "tanh": PythonGate("tanh", "math.tanh({0})", ("1.0 - {out} * {out}",)),
    "sigmoid": PythonGate("sig", "1.0 / (1.0 + math.exp({neg0}))", ("{out} * (1.0 - {out})",)),
    "relu": PythonGate("relu", "max({0}, 0.0)", ("_step({0})",), ("_step",)),
    "abs": PythonGate("abs", "math.fabs({0})", ("_sign({0})",), ("_sign",)),
    "max": PythonGate("max", "max({0}, {1})", ("_routed({0}, {1}, {out})", "_routed({1}, {0}, {out})"),
                      ("_routed",)),
    "min": PythonGate("min", "min({0}, {1})", ("_routed({0}, {1}, {out})", "_routed({1}, {0}, {out})"),
                      ("_routed",)),
}

# Printed at the top of the program, in this order, when a gate of the circuit names them.
HELPERS = {
    "_step": '''\
def _step(a):
    """relu'(a), with relu'(0) = 0."""
    return 1.0 if a > 0.0 else 0.0
''',
    "_sign": '''\
def _sign(a):
    """abs'(a), with abs'(0) = 0."""
    if a == 0.0:
        return 0.0
    return 1.0 if a > 0.0 else -1.0
''',
    "_routed": '''\
def _routed(mine, other, out):
    """The share of a max or min gate's gradient that reaches the operand `mine`:
    all of it if it won, none if it lost, half each at a tie."""
    if mine == other:
        return 0.5
    return 1.0 if out == mine else 0.0
''',
    "_sqrt_slope": '''\
def _sqrt_slope(root):
    """sqrt'(a) = 0.5 / sqrt(a), with sqrt'(0) = inf (Python's 0.5 / 0.0 would raise)."""
    if root == 0.0:
        return math.copysign(math.inf, root)  # sqrt(-0.0) is -0.0, and IEEE's 0.5 / -0.0 is -inf
    return 0.5 / root
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
    where a variable's name clashes: see `program_names`)."""
    names = program_names(graph, "math")
    lines = _header(graph, names, "# Staged computation of {}, in the style of the cs231n notes.", "math")
    helpers = _helpers(graph)
    for helper in helpers:
        lines += ["", "", _in_module(HELPERS[helper].rstrip("\n"), "math", names.module)]
    if helpers:
        lines.append("")
    lines += ["", "# inputs"]
    lines += [f"{node.name} = {_number(inputs[node.name], names.module)}" for node in graph.inputs]
    lines += ["", "# forward pass"]
    lines += _forward_lines(graph, names, _python_forward)
    lines += ["", "# backward pass", f"{names.output_grad} = 1.0"]
    lines += _backward_lines(graph, names)
    return "\n".join(lines) + "\n"


def pytorch_code(graph, inputs):
    """A PyTorch program for `graph` at `inputs`: after it runs, `f` holds the output and each
    input variable's `.grad` its gradient."""
    names = program_names(graph, "torch")
    torch = names.module
    lines = _header(graph, names, "# {} with PyTorch's autograd.", "torch")
    lines += ["", "# inputs"]
    for node in graph.inputs:
        value = _number(inputs[node.name], torch)
        lines.append(f"{node.name} = {torch}.tensor({value}, dtype={torch}.float64, requires_grad=True)")
    lines += ["", "# forward pass"]
    lines += _forward_lines(graph, names, _torch_forward)
    lines += ["", "# backward pass: fills in the .grad of every input", f"{names.output}.backward()"]
    return "\n".join(lines) + "\n"


def program_names(graph, module):
    """Python names for every node and its gradient, none clashing with another, the module,
    a keyword or a builtin the program calls.

    Input variables and named steps keep the names typed; gradients are `d` + name. An unnamed
    output is `f`, the other gates are named after their op and counted per op (`mul0`, `add0`).
    A clash (a variable called `f`, or both `x` and `dx`) is resolved by appending `_`.
    """
    taken = {node.name for node in graph.inputs} | {"max", "min"}
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


def _header(graph, names, title, module):
    # The expression as typed, on one line: the parser allows only names, numbers, operators
    # and whitespace in it, so once the whitespace is collapsed it cannot end the comment.
    statements = [" ".join(part.split()) for part in re.split(r"[;\n]", graph.source)]
    statements = [statement for statement in statements if statement]
    if not graph.output.name:
        statements[-1] = f"{names.output} = {statements[-1]}"
    lines = [title.format("; ".join(statements))]
    alias = names.module
    if alias == module:
        return lines + [f"import {module}"]
    return lines + [f"# A variable is called {module}, so the module is imported as {alias}.",
                    f"import {module} as {alias}"]


def _in_module(text, module, alias):
    """Templates say `math.` or `torch.`; under an alias (see `_header`) they say that instead."""
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
    return _in_module(text, "math", names.module)


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
        gate = _python_gate(node.op)
        fields = {**_operand_fields(node, names), "out": names.values[node.id]}
        upstream = names.grads[node.id]
        lines.append(f"# backprop {names.values[node.id]} = {_python_forward(node, names)}")
        for index, source_id in node.wires:
            slope = _in_module(_fill(gate.slopes[index], fields), "math", names.module)
            if not _is_atomic(gate.slopes[index]):
                slope = f"({slope})"
            term = f"{slope} * {upstream}"
            if gate.guarded(node):
                term += f" if {upstream} != 0.0 else 0.0"
            operator = "+=" if source_id in assigned else "="
            assigned.add(source_id)
            lines.append(f"{names.grads[source_id]} {operator} {term}")
    return lines


def _is_atomic(template):
    """A lone operand, number or call needs no brackets before `* upstream`."""
    return re.fullmatch(r"-?(\{\w+\}|[0-9.]+|[\w.]+\([^()]*\))", template) is not None
