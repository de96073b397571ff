"""The OpenAPI document's examples (openapi.py): real requests, and the app's answers to them, recorded; tests/test_openapi.py replays each against the app."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Example:
    """One request and the app's answer. `query` holds options and variables alike (openapi.py
    puts each into its parameter), `path` the path's parameters, `body` a POST's JSON; `answer`
    is the body answered, as JSON or text, None where the document does not write it out (a
    page, a PNG, a drawing whose SVG Graphviz's version words)."""

    summary: str
    status: int = 200
    query: dict = field(default_factory=dict)
    path: dict = field(default_factory=dict)
    body: object = None
    answer: object = None
    headers: dict = field(default_factory=dict)


# The lecture's multiply gate, small enough to read whole: x*y at x = 3, y = -2.
PRODUCT = {"expr": "x*y", "x": "3", "y": "-2"}
PRODUCT_BODY = {"expr": "x*y", "x": 3, "y": -2}
PRACTICE = {**PRODUCT, "practice": "grads"}

STAGED_PROGRAM = (
    '# Staged computation of f = x*y, in the style of the cs231n notes.\n'
    'import numpy as np\n'
    '\n'
    '# float64 as in the diagram: 1/0 is inf and log(-1) is nan, not an exception\n'
    'np.seterr(all="ignore")\n'
    '\n'
    '# inputs\n'
    'x = np.float64(3.0)\n'
    'y = np.float64(-2.0)\n'
    '\n'
    '# forward pass\n'
    'f = x * y\n'
    '\n'
    '# backward pass: local gradient times upstream gradient. A zero upstream gradient\n'
    '# contributes exactly 0 (`if dq else 0.0`), even where the local gradient is inf;\n'
    "# relu, max and min route the gradient, blocking even an inf one (PyTorch's masks)\n"
    'df = 1.0\n'
    '# backprop f = x * y\n'
    'dx = y * df\n'
    'dy = x * df\n'
)

PYTORCH_PROGRAM = (
    "# f = x*y with PyTorch's autograd.\n"
    'import torch\n'
    '\n'
    '# inputs\n'
    'x = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)\n'
    'y = torch.tensor(-2.0, dtype=torch.float64, requires_grad=True)\n'
    '\n'
    '# forward pass\n'
    'f = x * y\n'
    '\n'
    '# backward pass: fills in the .grad of every input\n'
    'f.backward()\n'
)

PRODUCT_DOT = (
    'digraph circuit {\n'
    '\tgraph [bgcolor="#ffffff" fontname="Helvetica,Arial,sans-serif" nodesep=0.15 nslimit=1 ordering=in rankdir=LR ranksep=0.25]\n'
    '\tnode [color="#000000" fontcolor="#000000" fontname="Helvetica,Arial,sans-serif" fontsize=14]\n'
    '\tedge [arrowhead=none color="#000000" penwidth=1.2]\n'
    '\tsubgraph inputs {\n'
    '\t\trank=source\n'
    '\t\t"wire-n0" [label=<<table border="0" cellborder="0" cellspacing="0" cellpadding="1"><tr><td rowspan="3" cellpadding="4">x</td><td bgcolor="transparent"><font color="#007a00">3.00</font></td></tr><tr><td port="line" height="1" width="36" cellpadding="0" bgcolor="#000000"></td></tr><tr><td bgcolor="transparent"><font color="#d00000">-2.00</font></td></tr></table>> class="wire of-n0" id="wire-n0" margin=0 shape=plaintext]\n'
    '\t\t"wire-n1" [label=<<table border="0" cellborder="0" cellspacing="0" cellpadding="1"><tr><td rowspan="3" cellpadding="4">y</td><td bgcolor="transparent"><font color="#007a00">-2.00</font></td></tr><tr><td port="line" height="1" width="36" cellpadding="0" bgcolor="#000000"></td></tr><tr><td bgcolor="transparent"><font color="#d00000">3.00</font></td></tr></table>> class="wire of-n1" id="wire-n1" margin=0 shape=plaintext]\n'
    '\t\t"wire-n0" -> "wire-n1" [style=invis]\n'
    '\t}\n'
    '\t"gate-n2" [label="*" class=gate fillcolor="#ffffff" id="gate-n2" margin=0.02 penwidth=1.2 shape=circle style=filled width=0.55]\n'
    '\t"wire-n2" [label=<<table border="0" cellborder="0" cellspacing="0" cellpadding="1"><tr><td bgcolor="transparent"><font color="#007a00">-6.00</font></td></tr><tr><td port="line" height="1" width="36" cellpadding="0" bgcolor="#000000"></td></tr><tr><td bgcolor="transparent"><font color="#d00000">1.00</font></td></tr></table>> class="wire of-n2" id="wire-n2" margin=0 shape=plaintext]\n'
    '\t"gate-n2" -> "wire-n2":line:w [class="of-n2"]\n'
    '\t"wire-n0":line:e -> "gate-n2" [class="of-n0"]\n'
    '\t"wire-n1":line:e -> "gate-n2" [class="of-n1"]\n'
    '}\n'
)

PRODUCT_GRAPH = {'expr': 'x*y',
 'value': -6.0,
 'gradients': {'x': -2.0, 'y': 3.0},
 'variables': {'x': 3.0, 'y': -2.0},
 'defaults': {},
 'output': 'n2',
 'nodes': [{'id': 'n0',
            'op': 'input',
            'label': 'x',
            'name': 'x',
            'expr': 'x',
            'formula': '',
            'formula_latex': '',
            'intuition': '',
            'inputs': [],
            'operands': [],
            'shape': [],
            'value': 3.0,
            'grad': -2.0},
           {'id': 'n1',
            'op': 'input',
            'label': 'y',
            'name': 'y',
            'expr': 'y',
            'formula': '',
            'formula_latex': '',
            'intuition': '',
            'inputs': [],
            'operands': [],
            'shape': [],
            'value': -2.0,
            'grad': 3.0},
           {'id': 'n2',
            'op': 'mul',
            'label': '*',
            'name': '',
            'expr': 'x*y',
            'formula': 'α*β',
            'formula_latex': '\\alpha \\beta',
            'intuition': "A multiply gate swaps: each input gets the other input's value times the "
                         'upstream gradient.',
            'inputs': ['n0', 'n1'],
            'operands': [{'node': 'n0',
                          'symbol': 'α',
                          'symbol_latex': '\\alpha',
                          'local_formula': 'β',
                          'local_formula_latex': '\\beta',
                          'local': -2.0,
                          'local_text': '-2.00',
                          'grad': -2.0},
                         {'node': 'n1',
                          'symbol': 'β',
                          'symbol_latex': '\\beta',
                          'local_formula': 'α',
                          'local_formula_latex': '\\alpha',
                          'local': 3.0,
                          'local_text': '3.00',
                          'grad': 3.0}],
            'shape': [],
            'value': -6.0,
            'grad': 1.0}],
 'wires': [{'id': 'wire-n0',
            'node': 'n0',
            'consumer': None,
            'operand': None,
            'shape': [],
            'value': '3.00',
            'grad': '-2.00',
            'flagged': [False, False]},
           {'id': 'wire-n1',
            'node': 'n1',
            'consumer': None,
            'operand': None,
            'shape': [],
            'value': '-2.00',
            'grad': '3.00',
            'flagged': [False, False]},
           {'id': 'wire-n2',
            'node': 'n2',
            'consumer': None,
            'operand': None,
            'shape': [],
            'value': '-6.00',
            'grad': '1.00',
            'flagged': [False, False]}],
 'steps': [{'kind': 'inputs',
            'node': None,
            'values': ['wire-n0', 'wire-n1'],
            'grads': [],
            'chains': [],
            'forks': []},
           {'kind': 'forward',
            'node': 'n2',
            'values': ['wire-n2'],
            'grads': [],
            'chains': [],
            'forks': []},
           {'kind': 'output',
            'node': 'n2',
            'values': [],
            'grads': ['wire-n2'],
            'chains': [],
            'forks': []},
           {'kind': 'backward',
            'node': 'n2',
            'values': [],
            'grads': ['wire-n0', 'wire-n1'],
            'chains': [{'operand': 0, 'wire': 'wire-n0'}, {'operand': 1, 'wire': 'wire-n1'}],
            'forks': []}],
 'options': {'precision': 2,
             'colors': 'lecture',
             'direction': 'LR',
             'theme': 'light',
             'composites': 'typed',
             'wrt': '',
             'practice': ''},
 'conventions': ["relu'(0) = 0 and abs'(0) = 0",
                 'max and min split the gradient evenly between tied inputs',
                 "sqrt'(0) = inf; sqrt of a negative number is nan, and so is its slope",
                 "log'(x) = 1/x everywhere: log(0) = -inf with slope inf, log(-1) = nan with slope "
                 '-1',
                 'x**0 has slope 0 in x, also at x = 0; 0**y has slope 0 in y for y >= 0',
                 'relu, max and min route the gradient, and x**0 does not depend on x: where they '
                 "block it, exactly 0 passes, even of an inf or nan gradient (PyTorch's masks)",
                 'a gradient of exactly 0 arriving at a gate contributes exactly 0 (never 0 * inf '
                 '= nan); with vectors and matrices, entry by entry at elementwise gates, while '
                 "the array gates (@, sum, softmax...) compute as PyTorch's formulas do"]}

PRODUCT_EXPLANATION = {'expr': 'x*y',
 'chain_rule': [{'gate': 'n2',
                 'label': '*',
                 'expr': 'x*y',
                 'intuition': "A multiply gate swaps: each input gets the other input's value "
                              'times the upstream gradient.',
                 'upstream': 1.0,
                 'operands': [{'node': 'n0',
                               'label': 'x',
                               'local': -2.0,
                               'symbol': 'α',
                               'symbol_latex': '\\alpha',
                               'local_formula': 'β',
                               'local_formula_latex': '\\beta',
                               'downstream': -2.0},
                              {'node': 'n1',
                               'label': 'y',
                               'local': 3.0,
                               'symbol': 'β',
                               'symbol_latex': '\\beta',
                               'local_formula': 'α',
                               'local_formula_latex': '\\alpha',
                               'downstream': 3.0}]}],
 'forks': [],
 'code': {"python": STAGED_PROGRAM, "pytorch": PYTORCH_PROGRAM},
 'gradcheck': [{'name': 'x',
                'value': 3.0,
                'analytic': -2.0,
                'numeric': -2.0,
                'relative_error': 0.0,
                'verdict': 'good',
                'kinks': [],
                'warning': '',
                'value_text': '3.00',
                'analytic_text': '-2.00',
                'numeric_text': '-2.00',
                'relative_error_text': '0.0e+00',
                'verdict_text': 'good'},
               {'name': 'y',
                'value': -2.0,
                'analytic': 3.0,
                'numeric': 3.000000000044409,
                'relative_error': 1.48029366542346e-11,
                'verdict': 'good',
                'kinks': [],
                'warning': '',
                'value_text': '-2.00',
                'analytic_text': '3.00',
                'numeric_text': '3.00',
                'relative_error_text': '1.5e-11',
                'verdict_text': 'good'}],
 'symbolic': {'x': {'formula': 'y',
                    'formula_latex': 'y',
                    'lecture_form': None,
                    'lecture_form_latex': None,
                    'value': -2.0,
                    'value_text': '-2.00',
                    'simplified': True,
                    'agrees': True,
                    'differs': None},
              'y': {'formula': 'x',
                    'formula_latex': 'x',
                    'lecture_form': None,
                    'lecture_form_latex': None,
                    'value': 3.0,
                    'value_text': '3.00',
                    'simplified': True,
                    'agrees': True,
                    'differs': None}},
 'symbolic_summary': 'Here every one agrees.',
 'symbolic_note': None}

SYNTAX_ERROR = {'error': {'message': "Expected a number, a variable, a function or '(' at column 3, but found the "
                      'end of the expression.',
           'field': 'expr',
           'position': 2}}

EXAMPLES = {
    ("/", "get"): {
        "first-visit": Example("Without a query: redirected to figure 2 of the notes, a neuron", status=302,
                               headers={"Location": '/?expr=1%2F%281%2Bexp%28-%28w0%2Ax0%2Bw1%2Ax1%2Bw2%29%29%29&w0=2&x0=-1&w1=-3&x1=-2&w2=-3&precision=2'}),
        "product": Example("The page with x*y drawn, its tables and lessons", query=PRODUCT),
        "bad-option": Example("An option out of range: the page, with the message beside its field", status=400,
                              query={**PRODUCT, "precision": "12"}),
    },
    ("/graph.{output_format}", "get"): {
        "dot": Example("The DOT source of x*y", query=PRODUCT, path={"output_format": "dot"}, answer=PRODUCT_DOT),
        "svg": Example("The diagram of x*y as SVG", query=PRODUCT, path={"output_format": "svg"}),
        "png": Example("The diagram of x*y as PNG, at 144 dpi", query=PRODUCT, path={"output_format": "png"}),
        "syntax-error": Example("An expression cut short: an image of the message", status=400,
                                query={"expr": "x*", "x": "3"}, path={"output_format": "svg"},
                                answer='<svg xmlns="http://www.w3.org/2000/svg" width="560" height="64" font-family="Helvetica,Arial,sans-serif" font-size="14" fill="#b00020"><rect width="100%" height="100%" fill="white" stroke="#b00020"/><text x="12" y="28">Expected a number, a variable, a function or &#x27;(&#x27; at column 3, but</text><text x="12" y="48">found the end of the expression.</text></svg>'),
    },
    ("/api/graph", "get"): {
        "product": Example("x*y at x = 3, y = -2", query=PRODUCT, answer=PRODUCT_GRAPH),
        "syntax-error": Example("An expression cut short: the message, the field and the column", status=400,
                                query={"expr": "x*", "x": "3"}, answer=SYNTAX_ERROR),
        "korean": Example("The same mistake with lang=ko: the message in Korean", status=400,
                          query={"expr": "x*", "x": "3", "lang": "ko"},
                          answer={"error": {"message": "3번째 열에 숫자, 변수, 함수 또는 '('이(가) 와야 하는데, 수식의 끝이(가) 있습니다.",
                                            "field": "expr", "position": 2}}),
        "unknown-language": Example("A language the service does not speak", status=400,
                                    query={"expr": "x*y", "lang": "fr"},
                                    answer={"error": {"message": "lang must be one of en, ko; got 'fr'.", "field": "lang",
                                                      "position": None}}),
        "bad-option": Example("An option out of range", status=400, query={"expr": "x*y", "precision": "12"},
                              answer={'error': {'message': 'precision must be a whole number of decimals from 0 to 10.',
           'field': 'precision',
           'position': None}}),
    },
    ("/api/graph", "post"): {
        "product": Example("x*y at x = 3, y = -2, as JSON", body=PRODUCT_BODY, answer=PRODUCT_GRAPH),
        "korean": Example("lang in the body: the message in Korean", status=400, body={"expr": "x*", "lang": "ko"},
                          answer={"error": {"message": "3번째 열에 숫자, 변수, 함수 또는 '('이(가) 와야 하는데, 수식의 끝이(가) 있습니다.",
                                            "field": "expr", "position": 2}}),
        "null-value": Example("A field given as null", status=400, body={"expr": "x*y", "x": None},
                              answer={'error': {'message': 'x is null in the request body; give it a value, or leave it out for its '
                      'default.',
           'field': 'x',
           'position': None}}),
    },
    ("/api/explain", "get"): {
        "product": Example("The lessons of x*y at x = 3, y = -2", query=PRODUCT, answer=PRODUCT_EXPLANATION),
        "syntax-error": Example("An expression cut short", status=400, query={"expr": "x*", "x": "3"},
                                answer=SYNTAX_ERROR),
    },
    ("/api/explain", "post"): {
        "product": Example("The lessons of x*y, as JSON", body=PRODUCT_BODY, answer=PRODUCT_EXPLANATION),
    },
    ("/api/check", "post"): {
        "right": Example("A right answer: the number as the diagram shows it", query=PRACTICE,
                         body={"wire": "wire-n0", "kind": "grad", "answer": "-2"},
                         answer={'wire': 'wire-n0',
 'kind': 'grad',
 'right': True,
 'shown': '-2.00',
 'flagged': False,
 'number': -2.0}),
        "wrong": Example("A wrong answer: nothing more is given away", query=PRACTICE,
                         body={"wire": "wire-n0", "kind": "grad", "answer": "2"},
                         answer={'wire': 'wire-n0', 'kind': 'grad', 'right': False, 'shown': None, 'flagged': None, 'number': None}),
        "not-practising": Example("A circuit without practice in its query", status=400, query=PRODUCT,
                                  body={"wire": "wire-n0", "kind": "grad", "answer": "-2"},
                                  answer={'error': {'message': 'Answers are for practice mode: add practice=values or practice=grads to the '
                      'query.',
           'field': 'practice',
           'position': None}}),
        "korean": Example("lang in the body: a mistake in the circuit told in Korean", status=400,
                          query={**PRACTICE, "expr": "x*"},
                          body={"wire": "wire-n0", "kind": "grad", "answer": "-2", "lang": "ko"},
                          answer={"error": {"message": "3번째 열에 숫자, 변수, 함수 또는 '('이(가) 와야 하는데, 수식의 끝이(가) 있습니다.",
                                    "field": "expr", "position": 2}}),
    },
    ("/api/answer", "post"): {
        "one": Example("One hidden number", query=PRACTICE, body={"wire": "wire-n1", "kind": "grad"},
                       answer={'answers': [{'wire': 'wire-n1', 'kind': 'grad', 'shown': '3.00', 'flagged': False, 'number': 3.0}]}),
        "all": Example("Every hidden number", query=PRACTICE, body={"all": True},
                       answer={'answers': [{'wire': 'wire-n0',
              'kind': 'grad',
              'shown': '-2.00',
              'flagged': False,
              'number': -2.0},
             {'wire': 'wire-n1', 'kind': 'grad', 'shown': '3.00', 'flagged': False, 'number': 3.0}]}),
        "korean": Example("lang in the body: a mistake in the circuit told in Korean", status=400,
                          query={**PRACTICE, "expr": "x*"}, body={"all": True, "lang": "ko"},
                          answer={"error": {"message": "3번째 열에 숫자, 변수, 함수 또는 '('이(가) 와야 하는데, 수식의 끝이(가) 있습니다.",
                                    "field": "expr", "position": 2}}),
    },
    ("/code/{program}.py", "get"): {
        "staged": Example("The staged NumPy program of x*y", query=PRODUCT, path={"program": "staged"},
                          answer=STAGED_PROGRAM),
        "pytorch": Example("The PyTorch program of x*y", query=PRODUCT, path={"program": "pytorch"},
                           answer=PYTORCH_PROGRAM),
        "syntax-error": Example("An expression cut short: the page, with the message", status=400,
                                query={"expr": "x*", "x": "3"}, path={"program": "staged"}),
    },
    ("/static/{filename}", "get"): {
        "stylesheet": Example("The page's stylesheet", path={"filename": "style.css"}),
        "missing": Example("A file that is not there", status=404, path={"filename": "missing.css"}),
    },
    ("/healthz", "get"): {
        "alive": Example("The process answers", answer={"status": "alive"}),
    },
    ("/readyz", "get"): {
        "ready": Example("Ready, with the rate limits and answers kept in the process's memory",
                         answer={"status": "ready", "checks": {"graphviz": "ok"}}),
    },
    ("/openapi.json", "get"): {
        "document": Example("This document"),
    },
}
