"""Request fields (expression, variable values, options) to an evaluated circuit, and to JSON.

The one entry point the web layer calls: it knows nothing of HTTP, only of named fields, each
given as the list of texts (or JSON numbers) that arrived for it.
"""

import dataclasses
import functools
import math
import re
from dataclasses import dataclass

from graphlib.codegen import pytorch_code, staged_python
from graphlib.composite import MODES, transform
from graphlib.errors import ValueInputError
from graphlib.evaluate import evaluate, forward_mode
from graphlib.gradcheck import check_gradients
from graphlib.graph import Const
from graphlib.ops import CONVENTIONS
from graphlib.parse import MAX_TOKEN_LENGTH, WHITESPACE, character_name, is_invisible, parse
from graphlib.render import (COLOR_SCHEMES, DEFAULT_PRECISION, DIRECTIONS, PRACTICE_MODES, THEMES,
                             Style, format_number, is_hidden, run_dot, to_dot, wires)
from graphlib.symbolic import NO_TIME, gate_formulas, local_formulas, settled, symbolic_gradients

DEFAULT_VALUE = 1.0
MAX_PRECISION = 10
VALUE_PATTERN = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class Circuit:
    graph: object
    evaluation: object
    values: dict  # variable name -> the float used
    defaulted: tuple  # names of the variables that got DEFAULT_VALUE
    style: Style

    @property
    def key(self):
        """The canonical request: what the drawing depends on, and nothing else. Values by their
        exact bits (float.hex), so 1, 1.0 and 1e0 share an entry but -0.0 and 0.0 do not."""
        values = tuple(self.values[name].hex() for name in self.graph.variables)
        return (self.graph.source, values, self.style)

    @property
    def output_value(self):
        return self.evaluation.values[self.graph.output.id]

    @property
    def non_finite(self):
        """Whether any wire carries inf or nan, which the diagram flags."""
        numbers = list(self.evaluation.values.values()) + list(self.evaluation.grads.values())
        return not all(math.isfinite(number) for number in numbers)

    @property
    def gradients(self):
        return {node.name: self.evaluation.grads[node.id] for node in self.graph.inputs}


def build_circuit(fields):
    """`fields` maps a field name to the list of values given for it (a URL may repeat a name)."""
    expression = _single(fields, "expr")
    if expression is None:
        raise ValueInputError("Give an expression in the field expr, for example (x+y)*z.")
    if not isinstance(expression, str):
        raise ValueInputError("The field expr must be text.")
    style = parse_style(fields)
    graph = _graph(expression, style.composites)
    if style.wrt and style.wrt not in graph.variables:
        raise ValueInputError(
            f"wrt must be one of the variables: {', '.join(graph.variables)}; got {style.wrt[:40]!r}.",
            field="wrt",
        )
    values = {}
    defaulted = []
    for name in graph.variables:
        given = _single(fields, name)
        if given is None:
            values[name] = DEFAULT_VALUE
            defaulted.append(name)
        else:
            values[name] = parse_value(name, given)
    return Circuit(graph, evaluate(graph, values), values, tuple(defaulted), style)


# Graphs are immutable, and a page scrubbing a value asks for the same expression many times.
@functools.lru_cache(maxsize=512)
def _graph(expression, composites):
    return transform(parse(expression), composites)


def _single(fields, name):
    given = fields.get(name, [])
    if len(given) > 1:
        raise ValueInputError(f"{name} is given {len(given)} times; give it once.", field=name)
    return given[0] if given else None


def parse_value(name, given):
    """A variable's value: a finite decimal number such as -2, 0.5 or 1.5e-3."""
    if isinstance(given, bool) or not isinstance(given, (str, int, float)):
        raise ValueInputError(f"The value of {name} must be a number.", field=name)
    if isinstance(given, str):
        given = _decimal_text(name, given)
    try:
        value = float(given)
    except OverflowError:  # a JSON integer with hundreds of digits
        value = math.inf
    if not math.isfinite(value):
        raise ValueInputError(
            f"The value of {name} must be a finite number (at most about 1.8e308 in size).",
            field=name,
        )
    return value


def _decimal_text(name, given):
    # Spaces, tabs and line breaks around the number are fine; any other invisible character is
    # named (repr() below would show it escaped, but not say what it is).
    text = given.strip(WHITESPACE)
    if not text:
        raise ValueInputError(
            f"The value of {name} is empty; type a number such as -2 or 0.5.", field=name
        )
    if len(text) > MAX_TOKEN_LENGTH or not VALUE_PATTERN.fullmatch(text):
        shown = text if len(text) <= MAX_TOKEN_LENGTH else text[:MAX_TOKEN_LENGTH] + "..."
        invisible = next((char for char in text if is_invisible(char)), None)
        reason = "is not a number" if invisible is None else f"has the character {character_name(invisible)}"
        raise ValueInputError(
            f"The value of {name} ({shown!r}) {reason}; type a decimal number such "
            "as -2, 0.5 or 1.5e-3.",
            field=name,
        )
    return text


CHOICES = {"colors": COLOR_SCHEMES, "theme": THEMES, "direction": DIRECTIONS, "composites": MODES,
           "practice": PRACTICE_MODES}


def parse_style(fields):
    """The display options of the URL; each may be left out for its default."""
    chosen = {"precision": parse_precision(_single(fields, "precision"))}
    for option, allowed in CHOICES.items():
        given = _single(fields, option)
        if given is None or given == "":
            continue
        if given not in allowed:
            raise ValueInputError(
                f"{option} must be one of {', '.join(allowed)}; got {str(given)[:40]!r}.", field=option
            )
        chosen[option] = given
    wrt = _single(fields, "wrt")
    if wrt and chosen.get("practice"):
        wrt = None  # forward mode's numbers would give the answers away
    if wrt:
        if not isinstance(wrt, str):
            raise ValueInputError("wrt must be the name of an input variable.", field="wrt")
        chosen["wrt"] = wrt
    return Style(**chosen)


def parse_precision(given):
    if given is None or given == "":
        return DEFAULT_PRECISION
    text = str(given).strip(WHITESPACE) if isinstance(given, (str, int)) and not isinstance(given, bool) else ""
    # ASCII digits only: str.isdigit() would also take "²" and other scripts' digits.
    if not re.fullmatch(r"[0-9]{1,2}", text) or int(text) > MAX_PRECISION:
        raise ValueInputError(
            f"precision must be a whole number of decimals from 0 to {MAX_PRECISION}.",
            field="precision",
        )
    return int(text)


def draw(circuit, output_format):
    """The circuit as "svg" or "png" bytes drawn by dot, or its "dot" source."""
    source = to_dot(circuit.graph, circuit.evaluation, circuit.style)
    if output_format == "dot":
        return source.encode()
    return run_dot(source, output_format)


def to_json(circuit):
    """Plain data for the API; non-finite numbers become "Infinity", "-Infinity" or "NaN".

    `wires` holds every drawn wire with its numbers as the diagram shows them, so that a page
    can update an SVG it already has without laying it out again."""
    graph, evaluation, style = circuit.graph, circuit.evaluation, circuit.style
    tangents = forward_mode(graph, evaluation, style.wrt) if style.wrt else None
    answer = {
        "expr": graph.source,
        "value": json_number(circuit.output_value),
        "gradients": {name: json_number(grad) for name, grad in circuit.gradients.items()},
        "variables": {name: json_number(value) for name, value in circuit.values.items()},
        "defaults": {name: circuit.values[name] for name in circuit.defaulted},
        "output": graph.output.id,
        "nodes": [_node_json(graph, node, evaluation, style.precision) for node in graph.nodes],
        "wires": [_wire_json(graph, wire, evaluation, style, tangents) for wire in wires(graph)],
        "options": dataclasses.asdict(style),
        "conventions": list(CONVENTIONS),
    }
    if tangents is not None:
        answer["tangents"] = {node.id: json_number(tangents[node.id]) for node in graph.nodes}
    return answer


def _node_json(graph, node, evaluation, precision):
    about = _node_facts(graph)[node.id]
    operands = []
    for index, arg in enumerate(node.args):
        if isinstance(arg, Const):
            operands.append({"const": json_number(arg.value), "text": arg.text})
            continue
        local = evaluation.local_grads[(node.id, index)]
        operands.append({
            "node": arg,
            "local": json_number(local),
            "local_text": format_number(local, precision),
            "local_formula": about["local_formulas"][index],
            "grad": json_number(evaluation.wire_grads[(node.id, index)]),
        })
    return {
        "id": node.id,
        "op": node.op,
        "label": node.label,
        "name": node.name,
        "expr": about["expr"],
        "formula": about["formula"],
        "inputs": about["inputs"],
        "operands": operands,
        "value": json_number(evaluation.values[node.id]),
        "grad": json_number(evaluation.grads[node.id]),
    }


@functools.lru_cache(maxsize=512)  # as many as parsed graphs are kept
def _node_facts(graph):
    """Per node id, what its JSON says that depends on the graph alone."""
    return {
        node.id: {
            "expr": graph.text(node),
            "formula": "" if node.is_input else gate_formulas(node)[0],
            "local_formulas": {} if node.is_input else local_formulas(node),
            "inputs": tuple(source_id for _, source_id in node.wires),
        }
        for node in graph.nodes
    }


def _wire_json(graph, wire, evaluation, style, tangents):
    numbers = [evaluation.values[wire.source], wire.grad(evaluation)]
    if tangents is not None:
        numbers.append(tangents[wire.source])
    drawn = {
        "id": wire.id,
        "node": wire.source,
        "consumer": wire.consumer,
        "operand": wire.operand,
        "value": format_number(numbers[0], style.precision),
        "grad": format_number(numbers[1], style.precision),
        "flagged": [not math.isfinite(number) for number in numbers],
    }
    if tangents is not None:
        drawn["tangent"] = format_number(numbers[2], style.precision)
    if style.practice:  # which numbers the diagram shows as "?", for the page to ask for
        drawn["hidden"] = [is_hidden(graph, wire, kind, style.practice) for kind in ("values", "grads")]
    return drawn


def explain_json(circuit):
    """The lecture's lessons for this circuit, from the same graph and numbers as the drawing:
    the chain rule gate by gate, the sums at forks, the staged code, the gradient check, and
    (for small circuits) the gradients as formulas."""
    graph, evaluation = circuit.graph, circuit.evaluation
    consumers = graph.consumers()
    symbolic = symbolic_gradients(graph, circuit.values, evaluation)
    return {
        "expr": graph.source,
        "chain_rule": [_chain_rule_json(graph, node, evaluation) for node in reversed(graph.gates)],
        "forks": [
            {"node": node.id, "label": node.label or graph.text(node),
             "branches": [json_number(evaluation.wire_grads[use]) for use in consumers[node.id]],
             "total": json_number(evaluation.grads[node.id])}
            for node in graph.nodes if len(consumers[node.id]) > 1
        ],
        "code": {"python": staged_python(graph, circuit.values),
                 "pytorch": pytorch_code(graph, circuit.values, evaluation)},
        "gradcheck": [_gradcheck_json(check) for check in check_gradients(graph, circuit.values)],
        "symbolic": _symbolic_json(symbolic),
        "symbolic_note": symbolic.note,
    }


def symbolic_settled(explanation):
    """Whether an explanation would come out the same on the next request: not where SymPy ran
    out of time or memory (or crashed, or found the server busy), or left a formula unsimplified,
    which the next request may not."""
    if not settled(explanation["symbolic_note"]):
        return False
    return all(entry["differs"] != NO_TIME and entry["simplified"]
               for entry in (explanation["symbolic"] or {}).values())


def _symbolic_json(symbolic):
    """Per variable SymPy's formula, its value at the point, and whether that agrees with the
    backward pass (or why not); None where there are no formulas (`symbolic_note` says why)."""
    if symbolic.gradients is None:
        return None
    return {
        name: {"formula": gradient.formula, "value": _optional_number(gradient.value),
               "simplified": gradient.simplified, "agrees": gradient.agrees, "differs": gradient.differs}
        for name, gradient in symbolic.gradients.items()
    }


def _chain_rule_json(graph, node, evaluation):
    """upstream x local = downstream, for each wire into the gate."""
    derivatives = local_formulas(node)
    return {
        "gate": node.id,
        "label": node.label,
        "expr": graph.text(node),
        "intuition": node.intuition,
        "upstream": json_number(evaluation.grads[node.id]),
        "operands": [
            {"node": source_id, "label": graph.node(source_id).label or graph.text(graph.node(source_id)),
             "local": json_number(evaluation.local_grads[(node.id, index)]),
             "local_formula": derivatives[index],
             "downstream": json_number(evaluation.wire_grads[(node.id, index)])}
            for index, source_id in node.wires
        ],
    }


def _gradcheck_json(check):
    fields = dataclasses.asdict(check)
    for key in ("value", "analytic", "numeric", "relative_error"):
        fields[key] = json_number(fields[key])
    fields["relative_error_text"] = f"{check.relative_error:.1e}"  # as the cs231n notes quote them
    fields["kinks"] = list(check.kinks)
    return fields


def _optional_number(value):
    return None if value is None else json_number(value)


def json_number(value):
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value
