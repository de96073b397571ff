"""Backprop circuits: parse an expression, evaluate values and gradients, render the diagram.

What a script or a notebook imports:

    >>> from graphlib import evaluate, parse
    >>> graph = parse("(x+y)*z")
    >>> evaluation = evaluate(graph, {"x": -2.0, "y": 5.0, "z": -4.0})
    >>> evaluation.values[graph.output.id], [evaluation.grads[node.id] for node in graph.inputs]
    (-12.0, [-4.0, -4.0, 3.0])

The expression and its graph
    parse            expression text into a Graph, or an ExpressionSyntaxError or LimitError
    Graph            the nodes in topological order: inputs first, then one gate per operator typed
    Node             an input or a gate of a Graph
    Const            a constant operand, drawn inside its gate
    transform        a Graph with its sigmoid and tanh gates as typed, collapsed or expanded
    OPS              the gate table: each gate's forward, local gradients, formula, label, code
    Op               one entry of OPS

The numbers
    evaluate         a Graph and its inputs' values into an Evaluation (the forward and backward pass)
    Evaluation       every node's value and gradient, and every wire's
    check_gradients  the backward pass against centred finite differences, per input
    GradientCheck    one input's check, with its verdict
    symbolic_gradients  SymPy's gradient formulas, each checked against the backward pass
    Symbolic         those formulas, or the note saying why there are none
    SymbolicGradient  one input's formula, its value and whether it agrees

A notebook's or a script's circuit, and the command line
    backprop         an expression and its values into a circuit that Jupyter shows as its diagram,
                     with .value, .gradients, .explain(), .save("fig.png"), .with_values(x=1)
    NotebookCircuit  what backprop returns
    python -m graphlib "(x+y)*z" x=-2 y=5 z=-4 -o fig1.svg   (graphlib/cli.py; --help lists its flags)

The circuit as the web app builds it, drawings and programs
    build_circuit    request fields ({"expr": ["(x+y)*z"], "x": ["-2"]}) into a Circuit
    Circuit          a graph, its values, its Evaluation and its display options
    Style            the display options (decimals, colours, layout, ...), one field per entry of OPTIONS
    OPTIONS          the table of display options: name, label, choices, default
    build_document   a graph, its Evaluation and a Style into the Document every view reads
    Document         each wire's numbers as shown, what practice hides, the steps of the two passes
    to_dot           a Document's DOT source, for Graphviz
    render_svg       DOT source into SVG, drawn by Graphviz
    draw             a Document as SVG or PNG bytes, or its DOT source
    to_json          a Circuit as the JSON of /api/graph
    explain_json     a Circuit's lessons as the JSON of /api/explain
    staged_python    the lecture's staged Python for a graph at its inputs
    pytorch_code     a PyTorch program computing the same gradients
    GALLERY          the lecture's circuits and a few more

The errors
    CircuitError     the input's fault (a 400 on the web): ExpressionSyntaxError, LimitError,
                     ValueInputError
    ExpressionSyntaxError  the text is not in the expression language
    LimitError       the input is larger than the service accepts
    ValueInputError  a variable's value or a display option is not acceptable
    ServiceError     not the input's fault (a 503 on the web): RenderError, TimeLimitError, BusyError
    RenderError      Graphviz is missing, failed, or ran out of time
    TimeLimitError   the work ran past its time limit
    BusyError        every compute process is working and their queue is full

`parse` and `evaluate` are the functions, which their modules' names here stand for; the modules
are imported by their full names: `from graphlib.parse import MAX_LENGTH`. Installed by
`pip install .` (pyproject.toml), the package is imported as `backprop_circuits`:
`from backprop_circuits import backprop`.
"""

__version__ = "1.0.0"

from .errors import (BusyError, CircuitError, ExpressionSyntaxError, LimitError, RenderError, ServiceError,
                             TimeLimitError, ValueInputError)
from .graph import Const, Graph, Node
from .ops import OPS, Op
from .parse import parse
from .composite import transform
from .evaluate import Evaluation, evaluate
from .gradcheck import GradientCheck, check_gradients
from .symbolic import Symbolic, SymbolicGradient, symbolic_gradients
from .circuit import Circuit, build_circuit
from .options import OPTIONS, Style
from .document import Document, build_document
from .render import to_dot
from .drawing import draw, render_svg
from .api import explain_json, to_json
from .codegen import pytorch_code, staged_python
from .gallery import GALLERY
from .notebook import NotebookCircuit, backprop

__all__ = [
    "parse", "Graph", "Node", "Const", "transform", "OPS", "Op",
    "evaluate", "Evaluation", "check_gradients", "GradientCheck", "symbolic_gradients", "Symbolic",
    "SymbolicGradient",
    "build_circuit", "Circuit", "Style", "OPTIONS", "build_document", "Document", "to_dot", "render_svg", "draw",
    "to_json", "explain_json", "staged_python", "pytorch_code", "GALLERY", "backprop", "NotebookCircuit",
    "CircuitError", "ExpressionSyntaxError", "LimitError", "ValueInputError", "ServiceError", "RenderError",
    "TimeLimitError", "BusyError",
]
