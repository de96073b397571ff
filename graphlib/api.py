"""A circuit's document into the JSON answers of the API: the circuit with its numbers, and its lessons.

Every number is read from the document (document.py) as the diagram shows it; the lessons add the
slow, optional parts (the gradient check, SymPy's formulas, the staged code). Non-finite numbers
become "Infinity", "-Infinity" or "NaN"; a number practice hides is null.
"""

import dataclasses
import functools
import math
import re

import numpy as np

from .codegen import chain_rules, pytorch_code, staged_python
from .document import format_number, is_drawn_whole, steps
from .gradcheck import check_gradients
from .graph import Const
from .ops import conventions
from .shapes import input_shapes, shapes_of_nodes
from .i18n import N_, _, current_language, translated
from .symbolic import (BUSY, CRASHED, MAX_TYPESET_CHARS, NO_TIME, OUT_OF_MEMORY, OUT_OF_TIME, Written, gate_formulas,
                       symbolic_gradients, wire_formulas)

PRACTICE_NOTE = N_("Left out while practising: the gradients' values are numbers to find.")


def to_json(circuit):
    """The circuit for the API and the page's script.

    `wires` holds every drawn wire with its numbers as the diagram shows them, so that a page
    can update an SVG it already has without laying it out again; `steps` the step-through's
    order. In practice mode every number the diagram draws as "?" is null here, and so is every
    number it could be worked out from: /api/answer gives them one by one. Each node and wire has
    its `shape` ([] for a number); a vector's or matrix's numbers and texts are nested lists, and
    a wire the diagram does not draw whole (past 4 x 4) also has the `summary` it draws. A wired
    operand of a gate of vectors or matrices has its `rule` and `shapes`, as explain's chain rule."""
    document = circuit.document
    graph, style = circuit.graph, circuit.style
    rules = array_rules(circuit)
    answer = {
        "expr": graph.source,
        "value": _exact(document.output.value),
        "gradients": {node.name: _exact(document.trunk(node.id).grad) for node in graph.inputs},
        "variables": {name: json_number(value) for name, value in circuit.values.items()},
        "defaults": {name: circuit.start[name] for name in circuit.defaulted},
        "output": graph.output.id,
        "nodes": [_node_json(document, node, rules) for node in graph.nodes],
        "wires": [_wire_json(document, numbers, bool(style.practice)) for numbers in document.wires.values()],
        "steps": _steps_json(graph),
        "options": dataclasses.asdict(style),
        "conventions": conventions(),
    }
    if circuit.seed is not None:
        answer["options"]["seed"] = circuit.seed
    if document.tangents is not None:
        answer["tangents"] = {node.id: json_number(document.tangents[node.id]) for node in graph.nodes}
    if circuit.descent is not None:
        answer["descent"] = _descent_json(circuit.descent, answer["variables"], style.precision)
    return answer


def _descent_json(trajectory, variables, precision):
    """Gradient descent's settings, the loss at each step (and as the diagram would write it),
    the first step whose loss is inf or nan (or null), and the parameters' values at the last
    step, which are the circuit's `variables`."""
    settings = trajectory.settings
    return {
        "params": list(settings.params),
        "lr": settings.learning_rate,
        "steps": settings.steps,
        "losses": [json_number(loss) for loss in trajectory.losses],
        "losses_text": [format_number(loss, precision) for loss in trajectory.losses],
        "left_finite": trajectory.left_finite,
        "values": {name: variables[name] for name in settings.params},
    }


def _exact(shown):
    return None if shown.hidden else json_number(shown.number)


def array_rules(circuit):
    """codegen.chain_rules of the circuit: the rule and shapes of each wire into a gate of vectors
    or matrices (none in a circuit of numbers, which is answered without looking)."""
    if circuit.graph.elementwise and all(isinstance(value, float) for value in circuit.values.values()):
        return {}
    return _chain_rules(circuit.graph, input_shapes(circuit.graph, circuit.values), current_language())


@functools.lru_cache(maxsize=512)  # as many as parsed graphs are kept: a slider keeps the shapes
def _chain_rules(graph, shapes_of_inputs, language):
    """chain_rules, kept per language too: their shapes are said in words (`summed over axis 0`)."""
    return chain_rules(graph, shapes_of_nodes(graph, shapes_of_inputs))


def _node_json(document, node, rules):
    head, operands = _node_facts(document.graph, current_language())[node.id]
    numbered = []
    for index, operand in operands:
        if index is None:  # a constant
            numbered.append(operand)
            continue
        # An array gate's local derivative is a rule (explain's), not numbers.
        local = document.locals.get((node.id, index))
        fields = {
            **operand,
            "local": None if local is None else _exact(local),
            "local_text": None if local is None or local.hidden else local.text,
            "grad": _exact(document.into(node.id, index).grad),
        }
        if rules:  # none in a circuit of numbers, asked for by each of its wires while scrubbing
            fields.update(_rule_json(rules.get((node.id, index))))
        numbered.append(fields)
    trunk = document.trunk(node.id)
    return {**head, "operands": numbered, "shape": _shape(trunk.value), "value": _exact(trunk.value),
            "grad": _exact(trunk.grad)}


def _shape(shown):
    """[] for a number, else the array's shape as a list; a float's np.shape takes ~1 us, and a
    page scrubbing a value of a 50-gate circuit asks for 150 of them."""
    return [] if isinstance(shown.number, float) else list(shown.number.shape)


@functools.lru_cache(maxsize=512)  # as many as parsed graphs are kept
def _node_facts(graph, language):
    """Per node id, what its JSON says that depends on the graph (and the language of its
    intuition) alone: its fields before the operands, and each operand's as (index, fields), the
    index None for a constant."""
    facts = {}
    for node in graph.nodes:
        formula = Written("", "") if node.is_input else gate_formulas(node).formula
        head = {"id": node.id, "op": node.op, "label": node.label, "name": node.name, "expr": graph.text(node),
                "formula": formula.text, "formula_latex": formula.latex,
                "intuition": "" if node.is_input else node.intuition,
                "inputs": tuple(source_id for _, source_id in node.sources)}
        local_formulas = {} if node.is_input else wire_formulas(node)
        operands = []
        for index, arg in enumerate(node.args):
            if isinstance(arg, Const):
                operands.append((None, {"const": json_number(arg.value), "text": arg.text}))
            else:
                operands.append((index, {"node": arg, **_local_formula_json(local_formulas[index])}))
        facts[node.id] = (head, tuple(operands))
    return facts


@functools.lru_cache(maxsize=512)
def _steps_json(graph):
    return [
        {"kind": step.kind, "node": step.node, "values": list(step.values), "grads": list(step.grads),
         "chains": [{"operand": chain.operand, "wire": chain.wire} for chain in step.chains],
         "forks": list(step.forks)}
        for step in steps(graph)
    ]


def _wire_json(document, numbers, practising):
    wire, value, grad, tangent = numbers
    shape = _shape(value)
    drawn = {
        "id": wire.id,
        "node": wire.source,
        "consumer": wire.consumer,
        "operand": wire.operand,
        "shape": shape,
        "value": None if value.hidden else value.text,
        "grad": None if grad.hidden else grad.text,
        "flagged": [value.flagged, grad.flagged] if tangent is None else [value.flagged, grad.flagged, tangent.flagged],
    }
    if tangent is not None:
        drawn["tangent"] = tangent.text
    if shape and not is_drawn_whole(shape):  # the diagram draws its shape and these, the page the whole table
        drawn["summary"] = [None if shown.hidden else document.summary(shown) for shown in numbers[1:] if shown is not None]
    if practising:  # which numbers the diagram shows as "?"
        drawn["hidden"] = [value.hidden, grad.hidden]
    return drawn


def explain_json(circuit):
    """The lecture's lessons for this circuit, from the same document as the drawing: the chain
    rule gate by gate, the sums at forks, the staged code, the gradient check, and (for small
    circuits) the gradients as formulas. While practising, only what gives no number away: each
    gate's formulas and intuition, and the staged code (its inputs alone, which the student has)."""
    document, graph = circuit.document, circuit.graph
    practising = bool(circuit.style.practice)
    backward = [step for step in document.steps if step.kind == "backward"]
    rules = array_rules(circuit)
    answer = {
        "expr": graph.source,
        "chain_rule": [_chain_rule_json(document, step, rules) for step in backward],
        "forks": [] if practising else _forks_json(document, backward),
        "code": {language: program_text(circuit, language) for language in LANGUAGES},
    }
    if practising:
        return {**answer, "gradcheck": [], "symbolic": None, "symbolic_summary": None, "symbolic_note": translated(PRACTICE_NOTE)}
    symbolic = symbolic_gradients(graph, circuit.values, circuit.evaluation)
    precision = circuit.style.precision
    formulas = _symbolic_json(symbolic, precision)
    return {
        **answer,
        "gradcheck": [_gradcheck_json(check, precision)
                      for check in check_gradients(graph, circuit.values, circuit.evaluation)],
        "symbolic": formulas,
        "symbolic_summary": None if formulas is None else _symbolic_summary(formulas),
        "symbolic_note": symbolic.note and symbolic.note.text,
    }


LANGUAGES = ("python", "pytorch")


def program_text(circuit, language):
    """The circuit at its values as the staged Python ("python") or a PyTorch program. While
    practising, the PyTorch program says nothing of where torch's gradients differ from the
    diagram's: that would tell which local gradients are inf or nan."""
    if language == "python":
        return staged_python(circuit.graph, circuit.values)
    return pytorch_code(circuit.graph, circuit.values, None if circuit.style.practice else circuit.evaluation)


def _forks_json(document, backward):
    """Each fork's branches' gradients and their sum, in the order of the nodes that fork."""
    graph = document.graph
    forks = sorted((source for step in backward for source in step.forks), key=graph.position)
    return [
        {"node": source, "label": graph.node(source).label or graph.text(graph.node(source)),
         "branches": [json_number(numbers.grad.number) for numbers in document.branches(source)],
         "total": json_number(document.trunk(source).grad.number)}
        for source in forks
    ]


def _chain_rule_json(document, step, rules):
    """upstream x local = downstream, for each wire into the step's gate (null while practising).
    A wire into a vector or matrix gate also has its `rule` as the staged program's names write it
    (`dW = np.outer(dh, x)`) and the `shapes` it maps (`(3,) ⊗ (2,) → (3, 2)`); an array gate's
    `local` is null, its local derivative being that rule rather than numbers."""
    graph = document.graph
    gate = graph.node(step.node)
    formulas = wire_formulas(gate)
    practising = bool(document.style.practice)
    operands = []
    for chain in step.chains:
        source = graph.node(gate.args[chain.operand])
        local = document.locals.get((gate.id, chain.operand))
        operand = {
            "node": source.id, "label": source.label or graph.text(source),
            "local": None if local is None else _exact(local),
            **_local_formula_json(formulas[chain.operand]),
            "downstream": _exact(document.wires[chain.wire].grad),
        }
        operands.append({**operand, **_rule_json(rules.get((gate.id, chain.operand)))})
    return {
        "gate": gate.id,
        "label": gate.label,
        "expr": graph.text(gate),
        "intuition": gate.intuition,
        "upstream": None if practising else json_number(document.trunk(gate.id).grad.number),
        "operands": operands,
    }


def symbolic_settled(explanation):
    """Whether an explanation would come out the same on the next request: not where SymPy ran
    out of time or memory (or crashed, or found the server busy), or left a formula unsimplified
    or not typeset (short enough to be), which the next request may not. Its notes are read in
    the language in use, the one it was made in."""
    if _unsettled(explanation["symbolic_note"]):
        return False
    return all(entry["differs"] != NO_TIME.text and entry["simplified"]
               and (entry["formula_latex"] is not None or len(entry["formula"]) > MAX_TYPESET_CHARS)
               for entry in (explanation["symbolic"] or {}).values())


def _unsettled(note):
    """Whether the note's text, in the language in use, is one that the next request may not get:
    SymPy ran out of time or memory, the server was busy, SymPy crashed."""
    if note is None:
        return False
    return (note in (OUT_OF_TIME.text, OUT_OF_MEMORY.text, BUSY.text)
            or any(_says(note, crashed.message) for crashed in CRASHED.values()))


def _says(text, message):
    """Whether `text` is `message`, in the language in use, with its %(name)s parameters filled in."""
    parts = re.split(r"%\(\w+\)s", translated(message))
    return re.fullmatch(".*".join(re.escape(part) for part in parts), text, flags=re.S) is not None


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
               "simplified": gradient.simplified, "agrees": gradient.agrees,
               "differs": gradient.differs and gradient.differs.text}
        for name, gradient in symbolic.gradients.items()
    }


def _symbolic_summary(formulas):
    """Whether SymPy's values agree with the backward pass, in one sentence."""
    differing = sorted(name for name, entry in formulas.items() if not entry["agrees"])
    if differing:
        return _("Here not every one agrees: %(names)s.", names=", ".join(differing))
    return _("Here every one agrees.")


def _gradcheck_json(check, precision):
    """The check's numbers, and beside each the text the diagram would show (`value_text`...)."""
    fields = dataclasses.asdict(check)
    for key in ("value", "analytic", "numeric"):
        fields[key + "_text"] = format_number(fields[key], precision)
    for key in ("value", "analytic", "numeric", "relative_error"):
        fields[key] = json_number(fields[key])
    fields["relative_error_text"] = f"{check.relative_error:.1e}"  # as the cs231n notes quote them
    fields["verdict_text"] = translated(check.verdict)  # `verdict` names it (the page's class), this says it
    fields["kinks"] = list(check.kinks)
    return fields


def _rule_json(rule):
    """A wire's `rule` and `shapes` (codegen.chain_rules), where it goes into a gate of vectors or
    matrices; nothing for a gate of numbers, whose JSON stays as it was."""
    if rule is None:
        return {}
    return {"rule": rule[0], "shapes": rule[1]}


def _local_formula_json(formulas):
    """A wire's name in its gate's formulas (α, β) and the gate's derivative with respect to it,
    each as plain text and as LaTeX."""
    name, derivative = formulas
    return {"symbol": name.text, "symbol_latex": name.latex,
            "local_formula": derivative.text, "local_formula_latex": derivative.latex}


def _optional_number(value):
    return None if value is None else json_number(value)


def json_number(value):
    """A number as JSON writes it, inf and nan by name; a vector or matrix as nested lists."""
    if isinstance(value, float) and math.isfinite(value):  # the most of them, first
        return value
    if isinstance(value, np.ndarray):
        return _json_entries(value.tolist())
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _json_entries(entries):
    if isinstance(entries, list):
        return [_json_entries(entry) for entry in entries]
    return json_number(entries)
