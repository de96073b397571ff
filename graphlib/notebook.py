"""An expression and its values into a circuit a notebook shows as its diagram, and saves as the web app's files.

    >>> from graphlib import backprop
    >>> c = backprop("(x+y)*z", x=-2, y=5, z=-4)
    >>> c.value, c.gradients
    (-12.0, {'x': -4.0, 'y': -4.0, 'z': 3.0})

Every keyword is a field of the web app's URL (a variable's value, or an option such as
precision=3, wrt="x", seed=7, params="w0,w1"), read by the same `build_circuit`, so every number
and every file is the web app's.
"""

import html
import json
import numbers
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .api import PRACTICE_NOTE, explain_json, program_text, to_json
from .circuit import build_circuit
from .document import wire_index
from .drawing import draw
from .errors import ValueInputError
from .i18n import N_, _, current_language, display_width, language_named, translated, use_language
from .options import QUERY_NAMES

# What a circuit can be written as, by name: the web app's route that answers the same bytes.
FORMATS = {
    "svg": "the diagram as SVG (/graph.svg)",
    "png": "the diagram as PNG (/graph.png)",
    "dot": "the diagram's Graphviz source (/graph.dot)",
    "json": "the circuit with its numbers (/api/graph)",
    "py": "the lecture's staged NumPy code (/code/staged.py)",
    "pytorch": "a PyTorch program computing the same gradients (/code/pytorch.py)",
    "explain": "the lessons: chain rule, gradient check, formulas, code (/api/explain)",
}
# A file's format by its extension; the others are asked for by name (--format, save(path, output_format)).
EXTENSIONS = {".svg": "svg", ".png": "png", ".dot": "dot", ".json": "json", ".py": "py"}
# The URL's names a program takes otherwise: the expression is backprop's first argument (and the
# command line's), the format is render's or save's (--format).
NOT_FIELDS = frozenset({"expr", "format"})


def backprop(expression, /, **fields):
    """The circuit of `expression` at the values given: numbers, lists of numbers (a vector or a
    matrix), NumPy arrays, or text as a URL writes it ("-2", "[[1, 2], [3, 4]]"). The other
    keywords are the URL's options (lang="ko" too); None leaves a keyword out. Raises a CircuitError subclass for
    a bad input, its message in the language of lang= (or the one in use)."""
    with use_language(fields.get("lang") or current_language()):
        return NotebookCircuit(expression, _fields(fields))


def _fields(given):
    return {name: _field(name, value) for name, value in given.items() if value is not None}


def _field(name, value):
    """A keyword's value as build_circuit takes a JSON body's: text, a number or nested lists."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, (str, list)) or (isinstance(value, numbers.Real) and not isinstance(value, bool)):
        return value
    if isinstance(value, tuple):
        return [_field(name, entry) for entry in value]
    raise ValueInputError(_("%(name)s must be a number, a list of numbers or text; got a %(type)s.", name=name,
                            type=type(value).__name__), field=name)


def check_names(fields, variables, not_fields=NOT_FIELDS):
    """A link ignores a name it does not know; a program refuses it, as it is likely a typo, or a
    name given otherwise here (`not_fields`: expr=, which would replace the expression; format=)."""
    unknown = [name for name in fields if name not in variables and (name not in QUERY_NAMES or name in not_fields)]
    if unknown:
        raise ValueInputError(_("%(name)s is not a variable of the expression; its variables are %(variables)s",
                                name=unknown[0], variables=", ".join(variables)), field=unknown[0])


class NotebookCircuit:
    """A circuit as a notebook shows it. `circuit` is the web app's Circuit (circuit.py). A field
    named in `not_fields`, or neither a variable nor the URL's, is refused (check_names)."""

    def __init__(self, expression, fields, not_fields=NOT_FIELDS):
        self.expression = expression
        self.fields = dict(fields)
        # The fields not refused (check_names, below, says so, once the variables are known).
        # lang="ko", as a link's lang=ko: its messages, intuitions and the drawing's words in
        # Korean; without it, the language in use (the command line's --lang).
        given = {name: value for name, value in fields.items() if name not in not_fields}
        self.language = language_named(given.get("lang", current_language()))
        with use_language(self.language):
            self.circuit = build_circuit({"expr": [expression], **{name: [value] for name, value in given.items()}})
            check_names(fields, self.circuit.graph.variables, not_fields)

    @property
    def value(self):
        """The output's value (after gradient descent's last step, where params are given)."""
        return self.circuit.evaluation.values[self.circuit.graph.output.id]

    @property
    def gradients(self):
        """Each variable's gradient: a number, or a NumPy array of the variable's shape."""
        grads = self.circuit.evaluation.grads
        return {node.name: grads[node.id] for node in self.circuit.graph.inputs}

    @property
    def values(self):
        """Each variable's value as used (given, drawn by seed, or the default 1)."""
        return dict(self.circuit.values)

    def with_values(self, **fields):
        """The same circuit with some values (or options) changed, None leaving one out: a new circuit."""
        kept = {name: value for name, value in self.fields.items() if name not in fields}
        return NotebookCircuit(self.expression, {**kept, **_fields(fields)})

    def render(self, output_format):
        """The circuit in one of FORMATS, as bytes: the same bytes as the web app's route."""
        with use_language(self.language):
            return self._render(output_format)

    def _render(self, output_format):
        if output_format in ("svg", "png", "dot"):
            return draw(self.circuit.document, output_format)
        if output_format == "json":
            return json_text(to_json(self.circuit)).encode()
        if output_format == "explain":
            return json_text(explain_json(self.circuit)).encode()
        if output_format in ("py", "pytorch"):
            return program_text(self.circuit, "python" if output_format == "py" else "pytorch").encode()
        raise ValueInputError(_("The format must be one of %(choices)s; got %(given)s.", choices=", ".join(FORMATS),
                                given=repr(str(output_format)[:40])), field="format")

    def save(self, path, output_format=None):
        """Writes the circuit to `path` in the format its extension says (.svg .png .dot .json .py),
        or in `output_format` (one of FORMATS). Returns the path."""
        path = Path(path)
        with use_language(self.language):
            path.write_bytes(self.render(output_format or format_of(path)))
        return path

    def explain(self):
        """The chain rule gate by gate, as the page's table: prints as text, shows as a table."""
        with use_language(self.language):
            return ChainRuleTable.of(self.circuit)

    # Jupyter, JupyterLab, VS Code and GitHub's viewer all show image/svg+xml, as an image of
    # its own (the graphviz package displays its graphs this way too). An HTML answer with the
    # SVG inline would put every diagram's ids into one page, where two diagrams' ids collide,
    # and an untrusted notebook's HTML goes through a sanitizer.
    def _repr_svg_(self):
        return self.render("svg").decode()

    def __repr__(self):
        gradients = ", ".join(f"{name}={_plain(grad)}" for name, grad in self.gradients.items())
        return f"<backprop {self.circuit.graph.source} = {_plain(self.value)}; gradients {gradients}>"


def format_of(path):
    """A file's format by its extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ValueInputError(
            _("%(path)s has no extension of a format this writes (%(extensions)s); name its format: one of "
              "%(formats)s.", path=repr(str(path)[:80]), extensions=", ".join(EXTENSIONS), formats=", ".join(FORMATS)),
            field="format",
        )
    return EXTENSIONS[suffix]


def json_text(answer):
    """A JSON answer as text, the keys in their documented order, non-finite numbers already
    written as text by api.json_number."""
    return json.dumps(answer, ensure_ascii=False, indent=1) + "\n"


def _plain(number):
    return np.array2string(number, separator=", ") if isinstance(number, np.ndarray) else f"{number:g}"


@dataclass(frozen=True)
class ChainRuleTable:
    """The chain rule gate by gate, in backward order (the rows of the page's table and of
    /api/explain's chain_rule): for each wire into a gate, its input, the local gradient and
    upstream × local = downstream, and the gate's intuition; then the sum at each fork. The numbers
    as the diagram writes them, the words in the language in use when it is made (i18n.use_language),
    since a notebook shows it later, outside that language's block."""

    # Each a (gate, input, local gradient, chain) of texts, the gate's text on its first row only,
    # or a gate's intuition: a text under its rows, across the table.
    rows: tuple
    note: str = ""
    header: tuple = ()

    @classmethod
    def of(cls, circuit):
        if circuit.style.practice:
            return cls((), translated(PRACTICE_NOTE))
        graph_json = to_json(circuit)
        node_of = {node["id"]: node for node in graph_json["nodes"]}
        wire_of = {wire["id"]: wire for wire in graph_json["wires"]}
        branches_of = wire_index(circuit.graph).branches
        rows = []
        for step in graph_json["steps"]:
            if step["kind"] != "backward":
                continue
            rows += _gate_rows(node_of[step["node"]], step, node_of, wire_of)
            for node_id in step["forks"]:
                branches = [wire_of[wire_id]["grad"] for wire_id in branches_of[node_id]]
                source = node_of[node_id]
                rows.append((translated(FORK), source["name"] or source["expr"], translated(BRANCHES),
                             f"{' + '.join(_cell(grad) for grad in branches)} = {_cell(wire_of['wire-' + node_id]['grad'])}"))
        return cls(tuple(rows), header=tuple(translated(text) for text in HEADER))

    def __str__(self):
        if self.note:
            return self.note
        cells = [row for row in (self.header, *self.rows) if isinstance(row, tuple)]
        widths = [max(display_width(row[column]) for row in cells) for column in range(len(self.header))]
        lines = []
        for row in (self.header, *self.rows):
            if isinstance(row, str):  # an intuition, from the input column on
                lines.append(" " * (widths[0] + 2) + row)
            else:
                lines.append("  ".join(text + " " * (width - display_width(text)) for text, width in zip(row, widths)).rstrip())
        lines.insert(1, "  ".join("-" * width for width in widths))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        if self.note:
            return f"<p>{html.escape(self.note)}</p>"
        head = "".join(f"<th>{html.escape(text)}</th>" for text in self.header)
        body = "".join(f'<tr><td></td><td colspan="3"><i>{html.escape(row)}</i></td></tr>' if isinstance(row, str)
                       else "<tr>" + "".join(f"<td>{html.escape(text)}</td>" for text in row) + "</tr>"
                       for row in self.rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# The table's words (as the page's chain-rule table says them), in the language in use where it is made.
HEADER = (N_("gate"), N_("input"), N_("local gradient"), N_("upstream × local = downstream"))
FORK = N_("fork")
BRANCHES = N_("branches added up")  # the page's label of the same cell


def _gate_rows(gate, step, node_of, wire_of):
    upstream = _cell(wire_of["wire-" + gate["id"]]["grad"])
    title = f"{gate['label']} {gate['name'] + ' = ' if gate['name'] else ''}{gate['expr']}"
    rows = []
    for chain in step["chains"]:
        operand = gate["operands"][chain["operand"]]
        source = node_of[operand["node"]]
        local = f"∂/∂{operand['symbol']} = {operand['local_formula']}"
        downstream = _cell(wire_of[chain["wire"]]["grad"])
        if operand["local_text"] is None:  # an array gate (@, sum, softmax...): its local gradient is a rule
            local += f": {operand['rule']}" if operand.get("rule") else ""
            chain_text = f"{upstream} → {downstream}"
        else:
            local += f" = {_cell(operand['local_text'])}"
            chain_text = f"{upstream} × {_cell(operand['local_text'])} = {downstream}"
        rows.append((title if not rows else "", f"{operand['symbol']} = {source['name'] or source['expr']}",
                     local, chain_text))
    return rows + [gate["intuition"]] if gate["intuition"] else rows


def _cell(text):
    """A wire's number as the table writes it: a vector's or matrix's on one line; '?' where
    practice hides it."""
    if text is None:
        return "?"
    if isinstance(text, (list, tuple)):
        return "[" + ", ".join(_cell(entry) for entry in text) + "]"
    return text
