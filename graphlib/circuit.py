"""Request fields (expression, variable values, options) to an evaluated circuit, and to JSON.

The one entry point the web layer calls: it knows nothing of HTTP, only of named fields, each
given as the list of texts (or JSON numbers) that arrived for it.
"""

import dataclasses
import functools
import math
import random
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
from graphlib.symbolic import NO_TIME, Written, gate_formulas, settled, symbolic_gradients, wire_formulas

DEFAULT_VALUE = 1.0
KINDS = ("value", "grad")  # a wire's two numbers, in the order of PRACTICE_MODES
MAX_PRECISION = 10
VALUE_PATTERN = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# seed=N draws every value the URL does not give from these: small whole numbers, as the
# lecture's -2, 5, -4, that a student can work with by hand. Zero is left out: it sits on the
# kinks of relu, abs and max, and makes divisions by zero.
SEED_VALUES = (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)
MAX_SEED = 10**9


@dataclass(frozen=True)
class Circuit:
    graph: object
    evaluation: object
    values: dict  # variable name -> the float used
    defaulted: tuple  # names of the variables that got DEFAULT_VALUE
    style: Style
    seed: int | None = None  # the worksheet's number: values not given were drawn from it

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
    # After the expression: an old link with a variable named seed is told that the name is
    # reserved, rather than that its value is not a worksheet number.
    seed = parse_seed(_single(fields, "seed"))
    values = {}
    defaulted = []
    for name in graph.variables:
        given = _single(fields, name)
        if given is not None:
            values[name] = parse_value(name, given)
        elif seed is not None:
            values[name] = seeded_value(seed, name)
        else:
            values[name] = DEFAULT_VALUE
            defaulted.append(name)
    return Circuit(graph, evaluate(graph, values), values, tuple(defaulted), style, seed)


def parse_seed(given):
    """The worksheet number of seed=N: a whole number from 0 to MAX_SEED, or None."""
    if given is None or given == "":
        return None
    text = str(given).strip(WHITESPACE) if isinstance(given, (str, int)) and not isinstance(given, bool) else ""
    if not re.fullmatch(r"[0-9]{1,10}", text) or int(text) > MAX_SEED:
        raise ValueInputError(
            f"seed must be a whole number from 0 to {MAX_SEED} (the worksheet's number); "
            f"got {str(given)[:40]!r}.",
            field="seed",
        )
    return int(text)


def seeded_value(seed, name):
    """The value seed=N gives a variable: the same for this seed and name on every server and
    in every circuit (a string seeds Python's generator through SHA-512), whatever the other
    variables are."""
    return float(random.Random(f"{seed}:{name}").choice(SEED_VALUES))


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
    can update an SVG it already has without laying it out again. In practice mode every number
    the diagram draws as "?" is null here, and so is every number it could be worked out from
    (see Hidden): /api/answer gives them one by one."""
    graph, evaluation, style = circuit.graph, circuit.evaluation, circuit.style
    hidden = Hidden(graph, style.practice)
    tangents = forward_mode(graph, evaluation, style.wrt) if style.wrt else None
    answer = {
        "expr": graph.source,
        "value": hidden.value(graph.output.id, circuit.output_value),
        "gradients": {node.name: hidden.grad(node.id, evaluation.grads[node.id]) for node in graph.inputs},
        "variables": {name: json_number(value) for name, value in circuit.values.items()},
        "defaults": {name: circuit.values[name] for name in circuit.defaulted},
        "output": graph.output.id,
        "nodes": [_node_json(graph, node, evaluation, style.precision, hidden) for node in graph.nodes],
        "wires": [_wire_json(graph, wire, evaluation, style, tangents) for wire in wires(graph)],
        "options": dataclasses.asdict(style),
        "conventions": list(CONVENTIONS),
    }
    if circuit.seed is not None:
        answer["options"]["seed"] = circuit.seed
    if tangents is not None:
        answer["tangents"] = {node.id: json_number(tangents[node.id]) for node in graph.nodes}
    return answer


class Hidden:
    """Which numbers practice mode keeps from the student, in every answer and not only on the
    diagram: in "values" mode every gate's value, and every gradient (d(q*z)/dz is q's value);
    in "grads" mode every gradient. In both, every gradient but the output's 1, and every local
    gradient: next to the output (upstream 1) a local gradient is its wire's gradient, and in
    "values" mode exp's local gradient is its value, 1/x's gives x away. The formulas stay."""

    def __init__(self, graph, practice):
        self.graph = graph
        self.practice = practice

    def value(self, node_id, number):
        hide = self.practice == "values" and not self.graph.node(node_id).is_input
        return None if hide else json_number(number)

    def grad(self, node_id, number):
        hide = self.practice and node_id != self.graph.output.id
        return None if hide else json_number(number)

    def local(self, number):
        return None if self.practice else json_number(number)


def _node_json(graph, node, evaluation, precision, hidden):
    about = _node_facts(graph)[node.id]
    operands = []
    for index, arg in enumerate(node.args):
        if isinstance(arg, Const):
            operands.append({"const": json_number(arg.value), "text": arg.text})
            continue
        local = evaluation.local_grads[(node.id, index)]
        operands.append({
            "node": arg,
            **_local_formula_json(about["local_formulas"][index]),
            "local": hidden.local(local),
            "local_text": None if hidden.practice else format_number(local, precision),
            # A wire's gradient into a gate is never the output's own.
            "grad": hidden.local(evaluation.wire_grads[(node.id, index)]),
        })
    return {
        "id": node.id,
        "op": node.op,
        "label": node.label,
        "name": node.name,
        "expr": about["expr"],
        "formula": about["formula"].text,
        "formula_latex": about["formula"].latex,
        "inputs": about["inputs"],
        "operands": operands,
        "value": hidden.value(node.id, evaluation.values[node.id]),
        "grad": hidden.grad(node.id, evaluation.grads[node.id]),
    }


@functools.lru_cache(maxsize=512)  # as many as parsed graphs are kept
def _node_facts(graph):
    """Per node id, what its JSON says that depends on the graph alone."""
    return {
        node.id: {
            "expr": graph.text(node),
            "formula": Written("", "") if node.is_input else gate_formulas(node).formula,
            "local_formulas": {} if node.is_input else wire_formulas(node),
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
    if style.practice:  # which numbers the diagram shows as "?": null here, flagged or not
        drawn["hidden"] = [is_hidden(graph, wire, kind, style.practice) for kind in PRACTICE_MODES]
        for index, kind in enumerate(KINDS):
            if drawn["hidden"][index]:
                drawn[kind] = None
                drawn["flagged"][index] = False
    return drawn


def explain_json(circuit):
    """The lecture's lessons for this circuit, from the same graph and numbers as the drawing:
    the chain rule gate by gate, the sums at forks, the staged code, the gradient check, and
    (for small circuits) the gradients as formulas."""
    graph, evaluation = circuit.graph, circuit.evaluation
    if circuit.style.practice:
        return _practice_explain_json(circuit)
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
        "gradcheck": [_gradcheck_json(check, circuit.style.precision)
                      for check in check_gradients(graph, circuit.values)],
        "symbolic": _symbolic_json(symbolic, circuit.style.precision),
        "symbolic_note": symbolic.note,
    }


PRACTICE_NOTE = "Left out while practising: the gradients' values are numbers to find."


def _practice_explain_json(circuit):
    """The lessons without a number worked out from the inputs: each gate's formulas and
    intuition, the staged code (its inputs alone, which the student has), and no gradient check
    or symbolic gradients, which are the gradients themselves."""
    graph = circuit.graph
    chain_rule = []
    for node in reversed(graph.gates):
        entry = _chain_rule_json(graph, node, circuit.evaluation)
        entry["upstream"] = None
        for operand in entry["operands"]:
            operand["local"] = operand["downstream"] = None
        chain_rule.append(entry)
    return {
        "expr": graph.source,
        "chain_rule": chain_rule,
        "forks": [],
        "code": {"python": staged_python(graph, circuit.values),
                 "pytorch": pytorch_code(graph, circuit.values, circuit.evaluation)},
        "gradcheck": [],
        "symbolic": None,
        "symbolic_note": PRACTICE_NOTE,
    }


MAX_ANSWER_LENGTH = 40


def check_json(circuit, question):
    """Whether a student's answer for one hidden number is right: when it is the number as the
    diagram would show it, or within half a unit of its last decimal (at 2 decimals, 0.37 and
    0.368 are both right for 0.36788). A right answer comes back with the number as shown, a
    wrong one with nothing more. `question` holds wire, kind and answer."""
    wire, kind = _asked(circuit, question)
    typed = _single(question, "answer")
    if not isinstance(typed, str) or not typed.strip(WHITESPACE):
        raise ValueInputError("Give the answer as text in the field answer, for example \"-0.20\".", field="answer")
    if len(typed) > MAX_ANSWER_LENGTH:
        raise ValueInputError(f"The answer is longer than {MAX_ANSWER_LENGTH} characters; type a number.",
                              field="answer")
    number = _number(circuit, wire, kind)
    shown = format_number(number, circuit.style.precision)
    right = is_right(typed, shown, number)
    return {"wire": wire.id, "kind": kind, "right": right, **_revealed(number, shown, right)}


def answer_json(circuit, question):
    """The hidden numbers a student asks to see: one (wire and kind), or every one (all: true),
    each as the diagram would show it."""
    if _single(question, "all") is True:
        asked = [(wire, kind) for wire in wires(circuit.graph) for kind, mode in zip(KINDS, PRACTICE_MODES)
                 if is_hidden(circuit.graph, wire, mode, circuit.style.practice)]
    else:
        asked = [_asked(circuit, question)]
    answers = []
    for wire, kind in asked:
        number = _number(circuit, wire, kind)
        answers.append({"wire": wire.id, "kind": kind,
                        **_revealed(number, format_number(number, circuit.style.precision), True)})
    return {"answers": answers}


def _revealed(number, shown, revealed):
    """The number found or asked for: as the diagram shows it, whether it is inf or nan, and in
    full (for the tables' full precision); nothing of a wrong answer's."""
    if not revealed:
        return {"shown": None, "flagged": None, "number": None}
    return {"shown": shown, "flagged": not math.isfinite(number), "number": json_number(number)}


def _asked(circuit, question):
    """The (wire, kind) of a number to find that the question names, or a 400 that says why not."""
    practice = circuit.style.practice
    if not practice:
        raise ValueInputError("Answers are for practice mode: add practice=values or practice=grads to the query.",
                              field="practice")
    wire_id = _single(question, "wire")
    kind = _single(question, "kind")
    if not isinstance(wire_id, str) or not wire_id:
        raise ValueInputError("Name the wire in the field wire, for example \"wire-n3\".", field="wire")
    wire = next((wire for wire in wires(circuit.graph) if wire.id == wire_id), None)
    if wire is None:
        raise ValueInputError(f"The circuit has no wire {wire_id[:40]!r}.", field="wire")
    if kind not in KINDS:
        raise ValueInputError(f"kind must be one of {', '.join(KINDS)}; got {str(kind)[:40]!r}.", field="kind")
    if not is_hidden(circuit.graph, wire, PRACTICE_MODES[KINDS.index(kind)], practice):
        raise ValueInputError(f"The {kind} of {wire_id} is not a number to find: the diagram shows it.",
                              field="kind")
    return wire, kind


def _number(circuit, wire, kind):
    return circuit.evaluation.values[wire.source] if kind == "value" else wire.grad(circuit.evaluation)


# The diagram's spelling of a number: fixed decimals, or e-notation past 1e9 ("1.50e+09").
SHOWN_PATTERN = re.compile(r"-?[0-9]+(?:\.([0-9]+))?(?:e([+-][0-9]+))?")
TYPOGRAPHIC_MINUS = ("\u2212", "\u2013")  # what a phone's keyboard or a copied text may give


def is_right(typed, shown, number):
    """Whether `typed` counts for `number`, which the diagram shows as `shown`: the same text
    (inf and nan too), or a decimal within half a unit of the last decimal shown. A hair over
    half, so that a tie such as 0.125 at 2 decimals takes 0.12 and 0.13 whichever way its
    binary value leans."""
    answer = typed.strip(WHITESPACE)
    if answer.startswith(TYPOGRAPHIC_MINUS):
        answer = "-" + answer[1:]
    if answer.lower() == shown.lower():
        return True
    spelled = SHOWN_PATTERN.fullmatch(shown)
    if not spelled or not VALUE_PATTERN.fullmatch(answer) or not math.isfinite(number):
        return False
    unit = 10.0 ** (int(spelled[2] or 0) - len(spelled[1] or ""))
    return abs(float(answer) - number) <= unit / 2 * (1 + 1e-9)


def symbolic_settled(explanation):
    """Whether an explanation would come out the same on the next request: not where SymPy ran
    out of time or memory (or crashed, or found the server busy), or left a formula unsimplified,
    which the next request may not."""
    if not settled(explanation["symbolic_note"]):
        return False
    return all(entry["differs"] != NO_TIME and entry["simplified"]
               for entry in (explanation["symbolic"] or {}).values())


def _symbolic_json(symbolic, precision):
    """Per variable SymPy's formula, its value at the point (and as the diagram writes numbers),
    and whether that agrees with the backward pass (or why not); None where there are no formulas
    (`symbolic_note` says why)."""
    if symbolic.gradients is None:
        return None
    return {
        name: {"formula": gradient.formula, "formula_latex": gradient.latex,
               "lecture_form": gradient.lecture and gradient.lecture.text,
               "lecture_form_latex": gradient.lecture and gradient.lecture.latex,
               "value": _optional_number(gradient.value),
               "value_text": None if gradient.value is None else format_number(gradient.value, precision),
               "simplified": gradient.simplified, "agrees": gradient.agrees, "differs": gradient.differs}
        for name, gradient in symbolic.gradients.items()
    }


def _chain_rule_json(graph, node, evaluation):
    """upstream x local = downstream, for each wire into the gate."""
    derivatives = wire_formulas(node)
    return {
        "gate": node.id,
        "label": node.label,
        "expr": graph.text(node),
        "intuition": node.intuition,
        "upstream": json_number(evaluation.grads[node.id]),
        "operands": [
            {"node": source_id, "label": graph.node(source_id).label or graph.text(graph.node(source_id)),
             "local": json_number(evaluation.local_grads[(node.id, index)]),
             **_local_formula_json(derivatives[index]),
             "downstream": json_number(evaluation.wire_grads[(node.id, index)])}
            for index, source_id in node.wires
        ],
    }


def _gradcheck_json(check, precision):
    """The check's numbers, and beside each the text the diagram would show (`value_text`...)."""
    fields = dataclasses.asdict(check)
    for key in ("value", "analytic", "numeric"):
        fields[key + "_text"] = format_number(fields[key], precision)
    for key in ("value", "analytic", "numeric", "relative_error"):
        fields[key] = json_number(fields[key])
    fields["relative_error_text"] = f"{check.relative_error:.1e}"  # as the cs231n notes quote them
    fields["kinks"] = list(check.kinks)
    return fields


def _local_formula_json(formulas):
    """A wire's name in its gate's formulas (α, β) and the gate's derivative with respect to it,
    each as plain text and as LaTeX."""
    name, derivative = formulas
    return {"symbol": name.text, "symbol_latex": name.latex,
            "local_formula": derivative.text, "local_formula_latex": derivative.latex}


def _optional_number(value):
    return None if value is None else json_number(value)


def json_number(value):
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value
