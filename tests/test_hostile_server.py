"""Hostile input against the real server: gunicorn started as `make run` starts it, over HTTP.

CONVENTIONS §5 and issue 5 (item 5). One table row per request, each with its exact outcome: the status,
and a fragment of the message (the JSON error's message, the page's or the SVG's error text, or
gunicorn's own error page for requests refused before the app sees them). Categories:

    code        code execution attempts (Python, shell, templates), each trying to create the canary,
                through the API, /api/explain and the /code/*.py downloads
    exhaustion  sizes, nesting, huge numbers, huge bodies, the heaviest drawing and explanation
    parser      text that is almost, or not at all, an expression or a staged program
    values      bad values, names, options and JSON fields
    injection   markup and DOT in expressions, values, options and parameter names
    numeric     IEEE faults with their exact JSON answers
    http        malformed requests on a raw socket, sizes, methods, encodings, HTTP/0.9
    shapes      vectors and matrices: ragged, empty, too deep or too big lists, what is inside them,
                shapes that do not fit, indexes and wrt out of range, on GET and POST

Every answer, whatever the row, is also checked for what must never be in one: a traceback, a path
of a Python file, raw NaN/Infinity in JSON, a missing security header on the app's answers.
A canary file that many payloads try to create must still be missing at the end.
"""

import html
import json
import re
import secrets
import socket
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from live_server import ROOT, LiveServer, server_fixture

server = server_fixture()

CANARY = Path(f"/tmp/backprop-canary-{secrets.token_hex(8)}")
TOUCH = f"touch {CANARY}"
REQUEST_SECONDS = 20  # no single answer may take longer (the app's own limit is 15 s)

ALLOWED = "Allowed are numbers, names, + - * / ** ^ @, parentheses, commas, [ ] and .T."
KNOWN_FUNCTIONS = ("Known functions: abs, cos, exp, log, log_softmax, logsumexp, max, mean, min, relu, sigmoid, "
                   "sin, softmax, sqrt, sum, tan, tanh, transpose.")
NOT_A_STEP = "The statement at column 1 is not the last one, so it must be a named step, as in q = x + y."
NOT_A_NUMBER = "is not a number; type a decimal number such as -2, 0.5 or 1.5e-3."
NOT_FINITE = "The value of x must be a finite number (at most about 1.8e308 in size)."
RESERVED = "is a reserved word and cannot be a variable name; choose another name."
PRECISION = "precision must be a whole number of decimals from 0 to 10."
ONLY_WHITESPACE = "Only spaces, tabs and line breaks may separate the parts of an expression."
JSON_OBJECT = 'The request body must be a JSON object, for example {"expr": "(x+y)*z", "x": -2}'
NOT_JSON = JSON_OBJECT + "; this body is not valid JSON"
JSON_CONTENT_TYPE = "Send the body as JSON with Content-Type: application/json"
TOO_LARGE = "The data value transmitted exceeds the capacity limit."
NOT_ALLOWED = "The method is not allowed for the requested URL."
NOT_FOUND = "The requested URL was not found on the server."
PERCENT = f"Unexpected character '%' (PERCENT SIGN) at column 2. {ALLOWED}"
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy")
HTML_PARSE_ERRORS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


# --- the table -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One request and its exact outcome.

    `kind` is what answers: "json" (the API), "svg" (/graph.svg's error image), "html" (the page),
    "gunicorn" (gunicorn's own error page, before the app), or "none" (the connection is closed
    without an answer). `expect` holds exact top-level fields of a 200 JSON answer.
    """

    id: str
    category: str
    status: int | None
    fragment: str
    kind: str
    method: str = "GET"
    path: str = "/api/graph"
    body: bytes = None
    headers: tuple = ()
    raw: bytes = None  # sent as is on a socket, instead of method/path/body/headers
    field: object = "unset"  # the JSON error's field, when the row pins it
    position: object = "unset"
    expect: dict = None
    forbidden: tuple = ()  # texts that must not be in the body (raw markup, leaked files)
    seconds: float = REQUEST_SECONDS  # the answer must arrive within this
    slow: bool = False  # left out of the concurrent rerun

    def send(self, port):
        if self.raw is not None:
            return raw_exchange(port, self.raw)
        head = [f"{self.method} {self.path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
        head += [f"{name}: {value}" for name, value in self.headers]
        body = self.body or b""
        if self.body is not None:
            head.append(f"Content-Length: {len(body)}")
        return raw_exchange(port, "\r\n".join(head).encode("latin-1") + b"\r\n\r\n" + body)


def query(pairs):
    return urlencode(list(pairs.items()) if isinstance(pairs, dict) else list(pairs))


def api(id, category, pairs, status, fragment, field="unset", position="unset", forbidden=()):
    """GET /api/graph with the query built from `pairs` (or the raw query text)."""
    text = pairs if isinstance(pairs, str) else query(pairs)
    return Case(id, category, status, fragment, "json", path=f"/api/graph?{text}", field=field,
                position=position, forbidden=forbidden)


def expr_error(id, category, expr, message, position, **values):
    return api(id, category, {"expr": expr, **values}, 400, message, field="expr", position=position)


def value_error(id, category, value, message=None):
    """`value` typed for x in x*y: refused beside x."""
    if message is None:
        shown = value.strip() if len(value.strip()) <= 30 else value.strip()[:30] + "..."
        message = f"The value of x ({shown!r}) {NOT_A_NUMBER}"
    return api(id, category, {"expr": "x*y", "x": value, "y": "2"}, 400, message, field="x",
               position=None)


def accepted(id, category, pairs, expect, path="/api/graph"):
    return Case(id, category, 200, "", "json", path=f"{path}?{query(pairs)}", expect=expect)


def post(id, category, body, status, fragment, content_type="application/json", field="unset",
         position="unset"):
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    headers = (("Content-Type", content_type),) if content_type else ()
    return Case(id, category, status, fragment, "json", method="POST", body=body, headers=headers,
                field=field, position=position)


def page(id, category, pairs, status, fragment, forbidden=()):
    return Case(id, category, status, fragment, "html", path=f"/?{query(pairs)}", forbidden=forbidden)


def svg(id, category, pairs, status, fragment, forbidden=()):
    return Case(id, category, status, fragment, "svg", path=f"/graph.svg?{query(pairs)}",
                forbidden=forbidden)


def raw(id, category, data, status, fragment, kind="gunicorn", forbidden=()):
    return Case(id, category, status, fragment, kind, raw=data, forbidden=forbidden)


def request_line(target, extra=b""):
    return b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + b"\r\n"


def posted_raw(headers, body):
    return (b"POST /api/graph HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + headers + b"\r\n" + body)


def chunked(body, size=4096):
    pieces = [body[start:start + size] for start in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


# 20 named steps (the most allowed) of 25 gates each, then one more gate: gate number 501.
STAGED_501_GATES = "".join(f"s{i}={'x' if i == 0 else f's{i - 1}'}" + "*2" * 25 + ";" for i in range(20)) + "s19*2"
STAGED_21_STEPS = "".join(f"s{i}={'x' if i == 0 else f's{i - 1}'}*2;" for i in range(21)) + "s20"
# Over app.MAX_QUERY_BYTES (8000), under gunicorn's 8190-byte request line: our message answers.
LONG_QUERY = query({"expr": "x*2", "pad": "p" * 8100})
MANY_PARAMETERS = "expr=x&" + "&".join(f"p{i}=1" for i in range(1150))
LONG_TARGET = b"/api/graph?expr=x&pad=" + b"p" * 9000
BIG_BODY = json.dumps({"expr": "x*2", "pad": "p" * 20000}).encode()
HEAVIEST = "*".join((["a", "b", "c", "d"] * 200)[:501])  # 500 gates, each variable drawn as 125 stubs
PYTHON_PAYLOAD = f"__import__('os').system('{TOUCH}')"
CANARY_JS = f"require('child_process').execSync('{TOUCH}')"

# Shape attacks (issue 12): vectors and matrices typed in the URL as text, posted as JSON arrays.
def matrix_text(rows, columns, entry="1"):
    return "[" + ",".join("[" + ",".join([entry] * columns) + "]" for _ in range(rows)) + "]"


def shape_get(id, values, message, expr="sum(x)", field="x", position=None):
    """GET /api/graph with `values` as the URL carries them: a 400 that names the field."""
    return api(f"shapes-get-{id}", "shapes", {"expr": expr, **values}, 400, message, field=field, position=position)


def shape_post(id, values, message, expr="sum(x)", field="x", position=None, status=400):
    """POST /api/graph with `values` as JSON (or the body as given, a str)."""
    body = values if isinstance(values, str) else {"expr": expr, **values}
    return post(f"shapes-post-{id}", "shapes", body, status, message, field=field, position=position)


def shape_accepted(id, values, value, expr="sum(x)"):
    return accepted(f"shapes-get-{id}", "shapes", {"expr": expr, **values}, {"value": value})


EIGHT_BY_EIGHT = [[1] * 8] * 8
FOUR_MATRICES = "sum(a) + sum(b) + sum(c) + sum(d)"
TOO_DEEP = "The value of x nests lists more than 2 deep; a value is a number, a vector or a matrix."
NOT_ONE_LIST = ("The value of x is not one list: write a vector as [1, -2] and a matrix as [[1, 2], [3, 4]], "
                "with every '[' closed.")
RAGGED = "The rows of x have different lengths ({}); a matrix needs rows of one length."
MIXED = "The value of x mixes numbers and lists; a matrix is a list of rows, each a list of numbers."
EMPTY_LIST = "The value of x is an empty list; give at least one number."
EMPTY_ROW = "The value of x has an empty row; give at least one number."
ALONG_AN_AXIS = "x has shape {}: {} along one axis, where the limit is 8."
IN_ALL = "The variables hold {} numbers in all; the limit is 256, so that a circuit's link stays short."
ONE_NUMBER = ("The output has shape {}, but a circuit's output must be one number (a loss), where the backward "
              "pass starts with gradient 1. Reduce it to one number, for example with sum(...) or mean(...).")
WRT_ENTRY = "W is of shape (2, 2), so wrt names one entry, such as W[0,0]; got {!r}."
SQUARE = {"W": "[[1, 2], [3, 4]]"}


CASES = [
    # --- code execution: every payload would create the canary if anything ran it ---------------
    expr_error("code-import-os-system", "code", f"__import__('os').system('{TOUCH}')",
               "Unexpected character '_' (LOW LINE) at column 1. Names start with a letter, such as x_1.", 0),
    expr_error("code-open-for-writing", "code", f"open('{CANARY}','w')",
               f"Unexpected character \"'\" (APOSTROPHE) at column 6. {ALLOWED}", 5),
    expr_error("code-exec-string", "code", f"exec('{TOUCH}')",
               "Unexpected character \"'\" (APOSTROPHE) at column 6.", 5),
    expr_error("code-eval-call", "code", "eval(x)", f"Unknown function 'eval' at column 1. {KNOWN_FUNCTIONS}", 0),
    expr_error("code-sympify-call", "code", "sympify(x)", "Unknown function 'sympify' at column 1.", 0),
    expr_error("code-print-call", "code", "print(x)", "Unknown function 'print' at column 1.", 0),
    expr_error("code-variable-called", "code", "x(y)", "Unknown function 'x' at column 1.", 0),
    expr_error("code-import-statement", "code", "import os",
               f"'import' at column 1 {RESERVED}", 0),
    expr_error("code-attribute", "code", "os.system", "Unexpected character '.' (FULL STOP) at column 3.", 2),
    expr_error("code-dunder-chain", "code", "().__class__.__bases__[0].__subclasses__()",
               "Unexpected character '.' (FULL STOP) at column 3.", 2),
    expr_error("code-builtins", "code", "__builtins__", "Unexpected character '_' (LOW LINE) at column 1.", 0),
    expr_error("code-lambda", "code", "lambda: 1", f"Unexpected character ':' (COLON) at column 7. {ALLOWED}", 6),
    expr_error("code-statement-separator", "code", f"x;{TOUCH}", NOT_A_STEP, 0),
    expr_error("code-walrus", "code", "(y:=x)", "Unexpected character ':' (COLON) at column 3.", 2),
    expr_error("code-conditional", "code", "x if x else 1",
               "'if' at column 3 is a reserved word, not part of the expression language.", 2),
    expr_error("code-shell-substitution", "code", f"$({TOUCH})",
               f"Unexpected character '$' (DOLLAR SIGN) at column 1. {ALLOWED}", 0),
    expr_error("code-shell-backticks", "code", f"`{TOUCH}`",
               "Unexpected character '`' (GRAVE ACCENT) at column 1.", 0),
    expr_error("code-shell-pipe", "code", f"x|{TOUCH}", "Unexpected character '|' (VERTICAL LINE) at column 2.", 1),
    expr_error("code-shell-and", "code", f"x && {TOUCH}", "Unexpected character '&' (AMPERSAND) at column 3.", 2),
    expr_error("code-jinja-template", "code", "{{7*7}}", "Unexpected character '{' (LEFT CURLY BRACKET) at column 1.", 0),
    expr_error("code-jinja-config", "code", "{{config.items()}}", "Unexpected character '{' (LEFT CURLY BRACKET) at column 1.", 0),
    expr_error("code-template-literal", "code", "${7*7}", "Unexpected character '$' (DOLLAR SIGN) at column 1.", 0),
    expr_error("code-javascript", "code", CANARY_JS, "Unexpected character \"'\" (APOSTROPHE) at column 9.", 8),
    value_error("code-in-a-value", "code", f"__import__('os').system('{TOUCH}')"),
    value_error("code-shell-in-a-value", "code", f"$({TOUCH})"),
    value_error("code-template-in-a-value", "code", "{{config}}"),
    post("code-posted-expression", "code", {"expr": f"__import__('os').system('{TOUCH}')"}, 400,
         "Unexpected character '_' (LOW LINE) at column 1.", field="expr", position=0),
    post("code-posted-value", "code", {"expr": "x*2", "x": f"open('{CANARY}','w')"}, 400,
         "The value of x (\"open('/tmp/backprop-canary-", field="x"),
    post("code-posted-dunder-keys", "code", {"expr": "x*2", "__class__": TOUCH, "__init__": {"x": 5}},
         200, ""),
    Case("code-shellshock-user-agent", "code", 200, "", "json", path="/api/graph?expr=x*2",
         headers=(("User-Agent", f"() {{ :; }}; /bin/{TOUCH}"), ("Referer", f"$({TOUCH})"),
                  ("Cookie", f"session=`{TOUCH}`"))),
    Case("code-in-an-unknown-parameter", "code", 200, "", "json",
         path=f"/api/graph?{query({'expr': 'x*2', TOUCH: f'$({TOUCH})', '__import__': 'os'})}"),
    Case("code-in-the-path", "code", 404, NOT_FOUND, "html", path=f"/$({quote(TOUCH)})"),

    # --- resource exhaustion ---------------------------------------------------------------------
    expr_error("exhaust-power-tower-constant", "exhaustion", "9**9**9**9",
               "The expression is a constant (inf): it has no variable to take a gradient with respect to.", 0),
    accepted("exhaust-power-tower-times-x", "exhaustion", {"expr": "x*9**9**9**9", "x": "2"},
             {"value": "Infinity", "gradients": {"x": "Infinity"}}),
    expr_error("exhaust-literal-1e999", "exhaustion", "1e999*x",
               "The number 1e999 at column 1 is too large for float64 (the largest is about 1.8e308).", 0),
    expr_error("exhaust-50-parentheses", "exhaustion", "(" * 50 + "x" + ")" * 50,
               "The expression nests too deeply at column 41; the limit is 40 levels of brackets, signs and powers.", 40),
    expr_error("exhaust-500-minus-signs", "exhaustion", "-" * 500 + "x", "nests too deeply at column 41", 40),
    expr_error("exhaust-50-powers", "exhaustion", "x**" * 50 + "x", "nests too deeply at column 122", 121),
    expr_error("exhaust-50-function-calls", "exhaustion", "exp(" * 50 + "x" + ")" * 50,
               "nests too deeply at column 164", 163),
    expr_error("exhaust-too-long-expression", "exhaustion", "x+" * 1500 + "x",
               "The expression is 3001 characters long; the limit is 3000.", 3000),
    expr_error("exhaust-too-many-gates", "exhaustion", "x+" * 501 + "x",
               "Too many gates: the operation at column 1002 would be gate number 501; the limit is 500.", 1001),
    expr_error("exhaust-too-many-variables", "exhaustion", "+".join(f"v{i}" for i in range(101)),
               "Too many variables: 'v100' at column 391 would be number 101; the limit is 100.", 390),
    expr_error("exhaust-long-name", "exhaustion", "a" * 31 + "*2",
               "The name at column 1 is 31 characters long; the limit is 30.", 0),
    expr_error("exhaust-long-literal", "exhaustion", "1" * 31 + "*x",
               "The number at column 1 is 31 characters long; the limit is 30.", 0),
    value_error("exhaust-long-value", "exhaustion", "1" * 40),
    api("exhaust-query-over-8000-bytes", "exhaustion", LONG_QUERY, 400,
        f"The URL's query is {len(LONG_QUERY)} bytes; the limit is 8000.", field=None, position=None),
    api("exhaust-1150-parameters", "exhaustion", MANY_PARAMETERS, 400,
        f"The URL's query is {len(MANY_PARAMETERS)} bytes; the limit is 8000.", field=None),
    api("exhaust-precision-5000-digits", "exhaustion", {"expr": "x*2", "precision": "9" * 5000}, 400,
        PRECISION, field="precision"),
    post("exhaust-posted-10000-parentheses", "exhaustion", {"expr": "(" * 5000 + "x" + ")" * 5000}, 400,
         "The expression is 10001 characters long; the limit is 3000.", field="expr", position=3000),
    post("exhaust-posted-deep-json", "exhaustion", "[" * 8000 + "]" * 8000, 400,
         NOT_JSON + " (it nests too deeply)."),
    post("exhaust-posted-400-digit-integer", "exhaustion", '{"expr": "x*2", "x": 1%s}' % ("0" * 400),
         400, NOT_FINITE, field="x"),
    post("exhaust-posted-body-over-16-kib", "exhaustion", BIG_BODY, 413, TOO_LARGE),
    raw("exhaust-content-length-100-mb", "exhaustion",
        posted_raw(b"Content-Length: 100000000\r\n", b"{}"), 413, TOO_LARGE, kind="json"),
    Case("exhaust-heaviest-circuit-drawn", "exhaustion", 200, "", "svg",
         path=f"/graph.svg?{query({'expr': HEAVIEST})}", slow=True),
    # /api/explain adds SymPy's symbolic gradients, "for small circuits", under a time limit:
    # the explanation must still come promptly, whatever the symbolic part manages.
    Case("exhaust-explain-nested-sigmoids", "exhaustion", 200, "", "json",
         path=f"/api/explain?{query({'expr': 'sigmoid(' * 39 + 'x' + ')' * 39})}", seconds=5, slow=True),
    Case("exhaust-explain-power-tower", "exhaustion", 200, "", "json",
         path=f"/api/explain?{query({'expr': 'x' + '**x' * 20, 'x': '1.1'})}", seconds=5, slow=True),
    Case("code-explain-import", "code", 400, "Unexpected character '_' (LOW LINE) at column 1.", "json",
         path="/api/explain?" + query({"expr": PYTHON_PAYLOAD}), field="expr", position=0),
    Case("code-staged-python-download", "code", 400, "Unexpected character '_' (LOW LINE) at column 1.", "html",
         path="/code/staged.py?" + query({"expr": PYTHON_PAYLOAD})),
    Case("code-pytorch-download", "code", 400, "Unexpected character '$' (DOLLAR SIGN) at column 1.", "html",
         path="/code/pytorch.py?" + query({"expr": f"$({TOUCH})"})),
    Case("code-staged-python-of-a-staged-program", "code", 200, "", "python",
         path="/code/staged.py?" + query({"expr": "q = x + y\nf = q * z", "x": "-2", "y": "5", "z": "-4"})),
    Case("code-pytorch-of-names-that-shadow-modules", "code", 200, "", "python",
         path=f"/code/pytorch.py?{query({'expr': 'torch*math+os*sys', 'torch': '2'})}"),
    accepted("exhaust-exactly-120-gates", "exhaustion", {"expr": "x+" * 120 + "x"}, {"value": 121.0}),
    accepted("exhaust-exactly-40-levels", "exhaustion", {"expr": "(" * 40 + "x" + ")" * 40, "x": "3"},
             {"value": 3.0}),

    # --- parser confusion ------------------------------------------------------------------------
    api("parser-missing-expr", "parser", {"x": "1"}, 400,
        "Give an expression in the field expr, for example (x+y)*z.", field="expr", position=None),
    expr_error("parser-empty", "parser", "", "Type an expression, for example (x+y)*z.", 0),
    expr_error("parser-whitespace", "parser", " \t ", "Type an expression, for example (x+y)*z.", 0),
    expr_error("parser-operator-without-operand", "parser", "x+*y",
               "Expected a number, a variable, a function or '(' at column 3, but found '*'.", 2),
    expr_error("parser-floor-division", "parser", "x // y",
               "Expected a number, a variable, a function or '(' at column 4, but found '/'.", 3),
    expr_error("parser-triple-star", "parser", "x***2",
               "Expected a number, a variable, a function or '(' at column 4, but found '*'.", 3),
    expr_error("parser-trailing-power", "parser", "x**",
               "Expected a number, a variable, a function or '(' at column 4, but found the end of the expression.", 3),
    expr_error("parser-unclosed", "parser", "(x+y",
               "Expected ')' at column 5 to close the '(' at column 1, but found the end of the expression.", 4),
    expr_error("parser-unmatched", "parser", "x)", "Unmatched ')' at column 2.", 1),
    expr_error("parser-backwards-brackets", "parser", "))((",
               "Expected a number, a variable, a function or '(' at column 1, but found ')'.", 0),
    expr_error("parser-empty-brackets", "parser", "()",
               "Expected a number, a variable, a function or '(' at column 2, but found ')'.", 1),
    expr_error("parser-implicit-product", "parser", "2x",
               "Missing operator between '2' and 'x' at column 2; for a product write 2*x.", 1),
    expr_error("parser-juxtaposed-brackets", "parser", "(x)(y)",
               "Missing operator between ')' and '(' at column 4; for a product put * between them.", 3),
    expr_error("parser-two-dots", "parser", "1.2.3", "Missing operator between '1.2' and '.3' at column 4", 3),
    expr_error("parser-tuple", "parser", "x, y", "Unexpected ',' at column 2: commas only separate a function's arguments", 1),
    expr_error("parser-max-three-arguments", "parser", "max(x, y, z)", "max takes 1 or 2 arguments, but got 3 at column 1.", 0),
    expr_error("parser-sin-two-arguments", "parser", "sin(x, y)", "sin takes 1 argument, but got 2 at column 1.", 0),
    expr_error("parser-max-empty-arguments", "parser", "max(,)",
               "Expected a number, a variable, a function or '(' at column 5, but found ','.", 4),
    expr_error("parser-function-without-call", "parser", "exp x", "exp at column 1 is a function: write exp(...).", 0),
    expr_error("parser-unknown-function", "parser", "ln(x)", "Unknown function 'ln' at column 1.", 0),
    expr_error("parser-case-of-function", "parser", "EXP(x)", "Unknown function 'EXP' at column 1.", 0),
    expr_error("parser-comparison", "parser", "x == y",
               "Expected a number, a variable, a function or '(' at column 4, but found '='.", 3),
    expr_error("parser-boolean-operator", "parser", "x and y",
               "'and' at column 3 is a reserved word, not part of the expression language.", 2),
    expr_error("parser-modulo", "parser", "x % y", "Unexpected character '%' (PERCENT SIGN) at column 3.", 2),
    expr_error("parser-matmul-of-numbers", "parser", "x @ y",
               "x @ y: () @ () — @ multiplies vectors and matrices; to scale by a number use *.", 2),
    expr_error("parser-bitwise-not", "parser", "~x", "Unexpected character '~' (TILDE) at column 1.", 0),
    expr_error("parser-subscript-of-a-number", "parser", "x[0]", "x[0]: a number has no entries to index.", 1),
    expr_error("parser-comment", "parser", "x#comment", "Unexpected character '#' (NUMBER SIGN) at column 2.", 1),
    expr_error("parser-backslash", "parser", "\\x41", "Unexpected character '\\\\' (REVERSE SOLIDUS) at column 1.", 0),
    expr_error("parser-cyrillic-ha", "parser", "\u0445*2",
               "(CYRILLIC SMALL LETTER HA) at column 1. Variable names use the ASCII letters A-Z, a-z, digits and _.", 0),
    expr_error("parser-accented-letter", "parser", "\u00e9*x", "(LATIN SMALL LETTER E WITH ACUTE) at column 1.", 0),
    expr_error("parser-minus-sign", "parser", "x\u22122", "(MINUS SIGN) at column 2. Did you mean '-'?", 1),
    expr_error("parser-superscript-two", "parser", "x\u00b2", "(SUPERSCRIPT TWO) at column 2. Did you mean '**2'?", 1),
    expr_error("parser-fullwidth-digits", "parser", "x*\uff11\uff12", f"(FULLWIDTH DIGIT ONE) at column 3. {ALLOWED}", 2),
    expr_error("parser-roman-numeral", "parser", "x*\u2179", "(SMALL ROMAN NUMERAL TEN) at column 3.", 2),
    expr_error("parser-zero-width-space", "parser", "x\u200b*2", "U+200B (ZERO WIDTH SPACE) at column 2.", 1),
    expr_error("parser-byte-order-mark", "parser", "\ufeffx", "U+FEFF (ZERO WIDTH NO-BREAK SPACE) at column 1.", 0),
    expr_error("parser-right-to-left-override", "parser", "x\u202e*2", "U+202E (RIGHT-TO-LEFT OVERRIDE) at column 2.", 1),
    expr_error("parser-nul", "parser", "x\x00", "U+0000 (NULL) at column 2.", 1),
    # Only space, tab, CR and LF separate tokens; str.isspace() once let these through, raw into the SVG.
    expr_error("parser-unit-separator", "parser", "x*(2\x1f+3)",
               f"Unexpected character U+001F (INFORMATION SEPARATOR ONE) at column 5. {ONLY_WHITESPACE}", 4),
    expr_error("parser-vertical-tab", "parser", "x\x0b*2", "U+000B (LINE TABULATION) at column 2.", 1),
    expr_error("parser-form-feed", "parser", "x\x0c*2", "U+000C (FORM FEED) at column 2.", 1),
    expr_error("parser-ideographic-space", "parser", "\u3000x\t*2", "U+3000 (IDEOGRAPHIC SPACE) at column 1.", 0),
    expr_error("parser-no-break-space", "parser", "x\t*\u00a02", "U+00A0 (NO-BREAK SPACE) at column 4.", 3),
    expr_error("parser-line-separator", "parser", "x*2\u2028", "U+2028 (LINE SEPARATOR) at column 4.", 3),
    expr_error("parser-next-line", "parser", "x\x85*2", "U+0085 (NEXT LINE) at column 2.", 1),
    expr_error("parser-emoji", "parser", "x*\U0001f600", "(GRINNING FACE) at column 3.", 2),
    accepted("parser-odd-but-valid-signs", "parser", {"expr": "x+-+-y", "x": "1", "y": "1"},
             {"value": 2.0, "gradients": {"x": 1.0, "y": 1.0}}),
    accepted("parser-odd-but-valid-whitespace", "parser", {"expr": " (x\t*\r\n2) \r\n"}, {"value": 2.0}),
    # Staged programs, one named step per line or per ';' (q = x + y; f = q * z).
    accepted("parser-staged-program", "parser", {"expr": "q = x + y; f = q * z", "x": "-2", "y": "5", "z": "-4"},
             {"value": -12.0, "gradients": {"x": -4.0, "y": -4.0, "z": 3.0}}),
    accepted("parser-staged-program-with-crlf", "parser", {"expr": "q=x+y\r\nf=q*z", "x": "-2", "y": "5", "z": "-4"},
             {"value": -12.0, "gradients": {"x": -4.0, "y": -4.0, "z": 3.0}}),
    expr_error("parser-staged-only-a-separator", "parser", ";", "Type an expression, for example (x+y)*z.", 0),
    expr_error("parser-staged-only-separators", "parser", " ;\n; ", "Type an expression, for example (x+y)*z.", 0),
    expr_error("parser-staged-defined-twice", "parser", "q=x*2; q=q*3",
               "q is defined twice (again at column 8); give each step its own name.", 7),
    expr_error("parser-staged-used-before-defined", "parser", "f = x*2; x = f*3",
               "x at column 5 is used before it is defined at column 10; move its step up.", 4),
    expr_error("parser-staged-defined-by-itself", "parser", "x = x*2",
               "x at column 5 is defined in terms of itself; a step can only use inputs and the steps before it.", 4),
    expr_error("parser-staged-reserved-step-name", "parser", "precision = x*2; precision",
               "'precision' at column 1 is a reserved word and cannot be a step name; choose another name.", 0),
    expr_error("parser-staged-two-equals", "parser", "q = x*2 = y",
               "Unexpected '=' at column 9: a step is a name, '=' and an expression, as in q = x + y, on a line of its own.", 8),
    api("parser-staged-501-gates", "exhaustion", {"expr": STAGED_501_GATES}, 400,
        "would be gate number 501; the limit is 500.", field="expr"),
    api("parser-staged-21-steps", "exhaustion", {"expr": STAGED_21_STEPS}, 400,
        "Too many named steps: 's20' at column", field="expr"),

    # --- bad values, names and options -------------------------------------------------------------
    value_error("values-nan", "values", "nan"),
    value_error("values-inf", "values", "inf"),
    value_error("values-Infinity", "values", "-Infinity"),
    value_error("values-1e999", "values", "1e999", NOT_FINITE),
    value_error("values-just-over-float-max", "values", "1.8e308", NOT_FINITE),
    value_error("values-empty", "values", "", "The value of x is empty; type a number such as -2 or 0.5."),
    value_error("values-hexadecimal", "values", "0x10"),
    value_error("values-binary", "values", "0b101"),
    value_error("values-complex", "values", "1j"),
    value_error("values-underscore", "values", "1_000"),
    value_error("values-fraction", "values", "1/2"),
    value_error("values-double-sign", "values", "+-1"),
    value_error("values-decimal-comma", "values", "1,5"),
    value_error("values-fractional-exponent", "values", "1e1.5"),
    value_error("values-constant-name", "values", "pi"),
    value_error("values-fullwidth-digit", "values", "\uff12"),
    value_error("values-arabic-indic-digit", "values", "\u0661"),
    value_error("values-nul", "values", "1\x00",
                "The value of x ('1\\x00') has the character U+0000 (NULL); type a decimal number such as -2, 0.5 or 1.5e-3."),
    api("values-repeated-value", "values", [("expr", "x*2"), ("x", "1"), ("x", "2")], 400,
        "x is given 2 times; give it once.", field="x"),
    api("values-repeated-expr", "values", [("expr", "x*2"), ("expr", "x*3")], 400,
        "expr is given 2 times; give it once.", field="expr"),
    api("values-value-without-equals", "values", "expr=x*2&x=1&x", 400,
        "x is given 2 times; give it once.", field="x"),
    expr_error("values-reserved-expr", "values", "expr*2", f"'expr' at column 1 {RESERVED}", 0),
    expr_error("values-reserved-precision", "values", "precision*x", f"'precision' at column 1 {RESERVED}", 0),
    expr_error("values-reserved-keyword-None", "values", "None*x", f"'None' at column 1 {RESERVED}", 0),
    expr_error("values-reserved-keyword-class", "values", "class", f"'class' at column 1 {RESERVED}", 0),
    expr_error("values-name-starting-with-underscore", "values", "_x",
               "Unexpected character '_' (LOW LINE) at column 1. Names start with a letter, such as x_1.", 0),
    expr_error("values-name-starting-with-digit", "values", "1x",
               "Missing operator between '1' and 'x' at column 2; for a product write 1*x.", 1),
    api("values-precision-negative", "values", {"expr": "x*2", "precision": "-1"}, 400, PRECISION, field="precision"),
    api("values-precision-11", "values", {"expr": "x*2", "precision": "11"}, 400, PRECISION, field="precision"),
    api("values-precision-fullwidth", "values", {"expr": "x*2", "precision": "\uff12"}, 400, PRECISION,
        field="precision"),
    api("values-colors-unknown", "values", {"expr": "x*2", "colors": "rainbow"}, 400,
        "colors must be one of lecture, colorblind; got 'rainbow'.", field="colors"),
    api("values-wrt-not-a-variable", "values", {"expr": "x*y", "wrt": "<script>"}, 400,
        "wrt must be one of the variables: x, y; got '<script>'.", field="wrt"),
    api("values-composites-unknown", "values", {"expr": "x*y", "composites": "bogus"}, 400,
        "composites must be one of typed, collapsed, expanded; got 'bogus'.", field="composites"),
    api("values-direction-with-nul", "values", {"expr": "x*2", "direction": "TB\x00"}, 400,
        "direction must be one of LR, TB; got 'TB\\x00'.", field="direction"),
    post("values-posted-true", "values", {"expr": "x*2", "x": True}, 400, "The value of x must be a number.", field="x"),
    post("values-posted-object", "values", {"expr": "x*2", "x": {"$gt": 1}}, 400,
         "The value of x must be a number.", field="x"),
    post("values-posted-NaN-token", "values", '{"expr": "x*2", "x": NaN}', 400, NOT_FINITE, field="x"),
    post("values-posted-Infinity-token", "values", '{"expr": "x*2", "x": -Infinity}', 400, NOT_FINITE, field="x"),
    post("values-posted-expr-number", "values", {"expr": 5}, 400, "The field expr must be text.", field="expr"),
    post("values-posted-theme-list", "values", {"expr": "x*2", "theme": ["dark"]}, 400,
         "theme must be one of light, dark; got \"['dark']\".", field="theme"),
    post("values-posted-array", "values", ["x*2"], 400, JSON_OBJECT + "."),
    post("values-posted-expr-twice", "values", '{"expr": "x", "expr": "y"}', 400,
         "expr is given 2 times in the request body; give it once.", field="expr", position=None),
    post("values-posted-value-twice", "values", '{"expr": "x*y", "x": 1, "x": 1e999}', 400,
         "x is given 2 times in the request body; give it once.", field="x", position=None),
    post("values-posted-null-value", "values", {"expr": "x*y", "x": None}, 400,
         "x is null in the request body; give it a value, or leave it out for its default.", field="x"),
    post("values-posted-nested-key-twice-in-a-value", "values", '{"expr": "x*2", "x": {"a": 1, "a": null}}', 400,
         "The value of x must be a number.", field="x"),
    post("values-posted-empty-body", "values", b"", 400, NOT_JSON + " (Expecting value: line 1 column 1 (char 0))."),
    post("values-posted-lone-surrogate", "values", b'{"expr": "x\\ud800"}', 400,
         "Unexpected character '\\ud800' (U+D800) at column 2.", field="expr", position=1),
    post("values-posted-invalid-utf8", "values", b'{"expr": "x\xff\xfe"}', 400,
         NOT_JSON + " ('utf-8' codec can't decode byte 0xff in position 11: invalid start byte)."),
    post("values-posted-form", "values", "expr=x&x=1", 415, JSON_CONTENT_TYPE,
         content_type="application/x-www-form-urlencoded"),
    post("values-posted-without-content-type", "values", '{"expr": "x*2"}', 415, JSON_CONTENT_TYPE,
         content_type=None),

    # --- markup and DOT injection -------------------------------------------------------------------
    expr_error("inject-script-in-expression", "injection", "<script>alert(1)</script>",
               "(LESS-THAN SIGN) at column 1.", 0),
    expr_error("inject-svg-close-in-expression", "injection", "x</text><script>alert(1)</script>",
               "(LESS-THAN SIGN) at column 2.", 1),
    expr_error("inject-quote-in-expression", "injection", 'x"', "(QUOTATION MARK) at column 2.", 1),
    expr_error("inject-entity-in-expression", "injection", "x&lt;", "(AMPERSAND) at column 2.", 1),
    expr_error("inject-cdata-end-in-expression", "injection", "]]>x", "(GREATER-THAN SIGN) at column 3.", 2),
    expr_error("inject-dot-edge-in-expression", "injection", "x->y", "(GREATER-THAN SIGN) at column 3.", 2),
    expr_error("inject-dot-graph-in-expression", "injection", "x}; digraph g {",
               "(RIGHT CURLY BRACKET) at column 2.", 1),
    expr_error("inject-dot-image-attribute", "injection", f'x image="{CANARY}"',
               f"Unexpected character '\"' (QUOTATION MARK) at column 9. {ALLOWED}", 8),
    expr_error("inject-dot-shapefile-attribute", "injection", f'x [shapefile="{CANARY}"]',
               "Unexpected character '\"' (QUOTATION MARK) at column 14.", 13),
    value_error("inject-dot-image-in-value", "injection", f'1" image="{CANARY}'),
    value_error("inject-dot-html-label-in-value", "injection", f'1</font></td><td><img src="{CANARY}"/>'),
    value_error("inject-dot-new-graph-in-value", "injection", "1\n}\ndigraph{"),
    value_error("inject-markup-in-value", "injection", '"><img src=x onerror=alert(1)>'),
    Case("inject-dot-keywords-as-names", "injection", 200, "", "svg",
         path=f"/graph.svg?{query({'expr': 'node*edge+graph-subgraph/strict', 'node': '2'})}",
         forbidden=("<script",)),
    Case("inject-dot-attribute-names-as-names", "injection", 200, "", "dot",
         path=f"/graph.dot?{query({'expr': 'image*shapefile+fontpath'})}",
         forbidden=("image=", "shapefile=", "fontpath=", str(CANARY))),
    page("inject-script-on-the-page", "injection", {"expr": "<script>alert(1)</script>"}, 400,
         "Unexpected character '<' (LESS-THAN SIGN) at column 1.", forbidden=("<script>alert(1)",)),
    page("inject-markup-value-on-the-page", "injection",
         {"expr": "x*y", "x": '"><img src=x onerror=alert(1)>', "y": "2"}, 400,
         "The value of x ('\"><img src=x onerror=alert(1)>') is not a number",
         forbidden=("<img src=x onerror",)),
    page("inject-unknown-parameter-on-the-page", "injection",
         {"expr": "x*2", "q": '"><script>alert(1)</script>', '"><b>': "1"}, 200, "",
         forbidden=("<script>alert(1)", '"><b>')),
    page("inject-textarea-breakout-on-the-page", "injection", {"expr": "</textarea><script>alert(1)</script>"},
         400, "Unexpected character '<' (LESS-THAN SIGN) at column 1.", forbidden=("<script>alert(1)",)),
    page("inject-theme-on-the-page", "injection", {"expr": "x*2", "theme": '"><script>alert(1)</script>'},
         400, "theme must be one of light, dark", forbidden=("<script>alert(1)",)),
    svg("inject-script-in-the-error-svg", "injection", {"expr": "x<script>alert(1)</script>"}, 400,
        "Unexpected character '<' (LESS-THAN SIGN) at column 2.", forbidden=("<script",)),
    svg("inject-option-in-the-error-svg", "injection", {"expr": "x*2", "colors": "</text><script>"}, 400,
        "colors must be one of lecture, colorblind; got '</text><script>'.", forbidden=("<script",)),
    # A control character, refused wherever it is typed; no answer carries it raw (every SVG
    # answer parses as XML, and "forbidden" is checked on the bytes).
    svg("inject-unit-separator-in-the-svg", "injection", {"expr": "x*(2\x1f+3)", "x": "1"}, 400,
        "Unexpected character U+001F (INFORMATION SEPARATOR ONE) at column 5.", forbidden=("\x1f",)),
    Case("inject-unit-separator-in-the-dot", "injection", 400, "U+001F (INFORMATION SEPARATOR ONE)", "svg",
         path="/graph.dot?expr=x*(2%1F%2B3)&x=1", forbidden=("\x1f",)),
    page("inject-unit-separator-on-the-page", "injection", {"expr": "x*(2\x1f+3)", "x": "1\x1c"}, 400,
         "Unexpected character U+001F (INFORMATION SEPARATOR ONE) at column 5.", forbidden=("\x1f", "\x1c")),
    svg("inject-control-in-a-value-in-the-svg", "injection", {"expr": "x*2", "x": "1\x1f"}, 400,
        "has the character U+001F (INFORMATION SEPARATOR ONE)", forbidden=("\x1f",)),
    Case("inject-crlf-into-headers", "injection", 400, "Unexpected character ':' (COLON) at line 2, column 11.",
         "json", path="/api/graph?expr=x%0d%0aSet-Cookie:%20a=b", field="expr", position=13),

    # --- numeric faults (CONVENTIONS §4): exact JSON, never raw NaN ------------------------------------
    accepted("numeric-one-over-zero", "numeric", {"expr": "1/x", "x": "0"},
             {"value": "Infinity", "gradients": {"x": "-Infinity"}}),
    accepted("numeric-one-over-minus-zero", "numeric", {"expr": "x/y", "x": "1", "y": "-0"},
             {"value": "-Infinity", "gradients": {"x": "-Infinity", "y": "-Infinity"}}),
    accepted("numeric-log-of-negative", "numeric", {"expr": "log(x)", "x": "-1"},
             {"value": "NaN", "gradients": {"x": -1.0}}),  # log'(x) = 1/x, as PyTorch
    accepted("numeric-log-of-zero", "numeric", {"expr": "log(x)", "x": "0"},
             {"value": "-Infinity", "gradients": {"x": "Infinity"}}),
    accepted("numeric-exp-overflow", "numeric", {"expr": "exp(x)", "x": "1000"},
             {"value": "Infinity", "gradients": {"x": "Infinity"}}),
    accepted("numeric-cube-root-of-negative", "numeric", {"expr": "x**(1/3)", "x": "-8"},
             {"value": "NaN", "gradients": {"x": "NaN"}}),
    accepted("numeric-sqrt-at-zero", "numeric", {"expr": "sqrt(x)", "x": "0"},
             {"value": 0.0, "gradients": {"x": "Infinity"}}),
    accepted("numeric-zero-over-zero", "numeric", {"expr": "x/x", "x": "0"},
             {"value": "NaN", "gradients": {"x": "NaN"}}),
    accepted("numeric-zero-upstream-is-exactly-zero", "numeric", {"expr": "0*log(x)", "x": "0"},
             {"value": "NaN", "gradients": {"x": 0.0}}),
    accepted("numeric-inf-minus-inf", "numeric", {"expr": "exp(x)-exp(x)", "x": "1000"},
             {"value": "NaN", "gradients": {"x": "NaN"}}),
    accepted("numeric-relu-at-zero", "numeric", {"expr": "relu(x)", "x": "0"}, {"value": 0.0, "gradients": {"x": 0.0}}),
    accepted("numeric-max-tie-splits", "numeric", {"expr": "max(x,y)", "x": "2", "y": "2"},
             {"value": 2.0, "gradients": {"x": 0.5, "y": 0.5}}),
    accepted("numeric-subnormal-value", "numeric", {"expr": "x*2", "x": "4.9e-324"},
             {"value": 1e-323, "gradients": {"x": 2.0}}),
    accepted("numeric-largest-float-value", "numeric", {"expr": "x*2", "x": "1.7976931348623157e308"},
             {"value": "Infinity", "gradients": {"x": 2.0}}),
    accepted("numeric-sigmoid-saturates", "numeric", {"expr": "sigmoid(x)", "x": "-1000"},
             {"value": 0.0, "gradients": {"x": 0.0}}),
    Case("numeric-inf-and-nan-drawn", "numeric", 200, "", "svg",
         path=f"/graph.svg?{query({'expr': 'log(x)/y', 'x': '-1', 'y': '0'})}"),

    # --- shapes: vectors and matrices, in the URL as text and posted as JSON ------------------------
    # Ragged, mixed, empty and too deep.
    shape_get("ragged-rows", {"x": "[[1, 2], [3]]"}, RAGGED.format("2, 1")),
    shape_get("ragged-ten-rows", {"x": "[[1]," + "[1, 2]," * 9 + "[1]]"}, RAGGED.format("1, 2, 2, 2, 2, 2, 2, 2, 2")),
    shape_get("mixed-numbers-and-rows", {"x": "[[1, 2], 3]"}, MIXED),
    shape_get("empty-list", {"x": "[]"}, EMPTY_LIST),
    shape_get("empty-row", {"x": "[[1], []]"}, EMPTY_ROW),
    shape_get("three-levels", {"x": "[[[1]]]"}, TOO_DEEP),
    shape_get("four-levels", {"x": "[[[[1]]]]"}, TOO_DEEP),
    shape_get("2600-levels", {"x": "[" * 2600}, TOO_DEEP),
    shape_get("unclosed", {"x": "[1, 2"}, NOT_ONE_LIST),
    shape_get("two-lists", {"x": "[1][2]"}, NOT_ONE_LIST),
    shape_get("stray-closing-bracket", {"x": "[1]]"}, "The value of x has a ']' with no '[' before it."),
    shape_get("comma-first", {"x": "[, 1]"}, "The value of x has a ',' with no number before it."),
    shape_get("two-commas", {"x": "[1,, 2]"}, "The value of x has a ',' with no number before it."),
    # What is inside must be a decimal number, finite.
    shape_get("true-inside", {"x": "[1, true]"}, f"The value of x ('true') {NOT_A_NUMBER}"),
    shape_get("null-inside", {"x": "[null]"}, f"The value of x ('null') {NOT_A_NUMBER}"),
    shape_get("quoted-inside", {"x": '["1"]'}, f"""The value of x ('"1"') {NOT_A_NUMBER}"""),
    shape_get("nan-inside", {"x": "[[1, nan]]"}, f"The value of x ('nan') {NOT_A_NUMBER}"),
    shape_get("1e999-inside", {"x": "[1, 1e999]"}, NOT_FINITE),
    shape_get("expression-inside", {"x": "[1 + 2]"}, f"The value of x ('+') {NOT_A_NUMBER}"),
    shape_get("code-inside", {"x": f"[__import__('os').system('{TOUCH}')]"},
              f"The value of x (\"__import__('os').system('touch\") {NOT_A_NUMBER}"),  # up to the space
    # Sizes: 8 along an axis, 64 per variable (8 by 8), 256 in all, 4,096 characters of text.
    shape_get("nine-entries", {"x": "[" + ",".join(["1"] * 9) + "]"}, ALONG_AN_AXIS.format("(9,)", 9)),
    shape_get("nine-rows", {"x": matrix_text(9, 8)}, ALONG_AN_AXIS.format("(9, 8)", 9)),
    shape_get("nine-columns", {"x": matrix_text(1, 9)}, ALONG_AN_AXIS.format("(1, 9)", 9)),
    shape_accepted("eight-by-eight", {"x": matrix_text(8, 8, "0.5")}, 32.0),
    shape_accepted("256-in-all", {name: matrix_text(8, 8) for name in "abcd"}, 256.0, expr=FOUR_MATRICES),
    shape_get("257-in-all", {**{name: matrix_text(8, 8) for name in "abcd"}, "s": "1"}, IN_ALL.format(257),
              expr=FOUR_MATRICES + " + s", field="a"),
    shape_get("text-of-4097-characters", {"x": "[1" + " " * 4094 + "]"},
              "The value of x is 4097 characters long; the limit for a vector or matrix is 4096."),
    shape_accepted("text-of-4096-characters", {"x": "[1" + " " * 4093 + "]"}, 1.0),
    # Shapes that do not fit, each at its operator.
    shape_get("inner-sizes", {"W": "[[1, 2], [3, 4], [5, 6]]", "x": "[1, 2, 3]"},
              "W @ x: (3, 2) @ (3,) — the inner sizes 2 and 3 differ.", expr="sum(W @ x)", field="expr", position=6),
    shape_get("elementwise-sizes", {"x": "[1, 2, 3]", "y": "[1, 2]"},
              "x + y: (3,) + (2,) — the sizes 3 and 2 differ; elementwise operands need the same shape, or one of "
              "them a number.", expr="sum(x + y)", field="expr", position=6),
    shape_get("softmax-of-a-matrix", SQUARE, "softmax(W): softmax takes a vector; got shape (2, 2).",
              expr="sum(softmax(W))", field="expr", position=4),
    shape_get("output-a-vector", {"x": "[1, 2]"}, ONE_NUMBER.format("(2,)"), expr="x * 2", field="expr", position=0),
    shape_get("index-out-of-range", SQUARE, "W[2, 0]: index 2 is out of range for axis 0 of shape (2, 2) (from -2 to 1).",
              expr="W[2, 0]", field="expr", position=1),
    shape_get("index-a-number", {"x": "3"}, "x[0]: a number has no entries to index.", expr="x[0]", field="expr",
              position=1),
    shape_get("axis-2", SQUARE, "sum(W, 2): the axis is 2 — it must be 0 or 1.", expr="sum(W, 2) @ W[0]",
              field="expr", position=0),
    # wrt: one entry of a vector or matrix, in range.
    shape_get("wrt-out-of-range", {**SQUARE, "wrt": "W[2,0]"}, WRT_ENTRY.format("W[2,0]"), expr="sum(W)", field="wrt"),
    shape_get("wrt-three-digits", {**SQUARE, "wrt": "W[100,0]"}, WRT_ENTRY.format("W[100,0]"), expr="sum(W)",
              field="wrt"),
    shape_get("wrt-without-a-comma", {**SQUARE, "wrt": "W[1 0]"}, WRT_ENTRY.format("W[1 0]"), expr="sum(W)",
              field="wrt"),
    shape_get("wrt-a-whole-matrix", {**SQUARE, "wrt": "W"}, WRT_ENTRY.format("W"), expr="sum(W)", field="wrt"),
    shape_get("wrt-an-entry-of-a-number", {"x": "2", "wrt": "x[0]"},
              "x is a number, so wrt is its name alone; got 'x[0]'.", expr="x * 3", field="wrt"),
    # The same attacks as JSON.
    shape_post("ragged-rows", {"x": [[1, 2], [3]]}, RAGGED.format("2, 1")),
    shape_post("mixed-numbers-and-rows", {"x": [1, [2]]}, MIXED),
    shape_post("a-list-in-a-row", {"x": [[1, [2]]]}, TOO_DEEP),
    shape_post("four-levels", {"x": [[[[1]]]]}, TOO_DEEP),
    shape_post("10000-levels", '{"expr": "sum(x)", "x": ' + "[" * 10000 + "1" + "]" * 10000 + "}",
               TOO_LARGE, field=None, status=413),
    shape_post("10000-open-brackets", '{"expr": "sum(x)", "x": ' + "[" * 10000 + "}",
               NOT_JSON + " (it nests too deeply).", field=None),
    shape_post("10000-brackets-as-text", {"x": "[" * 10000},
               "The value of x is 10000 characters long; the limit for a vector or matrix is 4096."),
    shape_post("empty-list", {"x": []}, EMPTY_LIST),
    shape_post("empty-row", {"x": [[]]}, EMPTY_ROW),
    shape_post("true-inside", {"x": [1, True]}, "The value of x must be a number."),
    shape_post("null-inside", {"x": [None, 1]}, "The value of x must be a number."),
    shape_post("object-inside", {"x": [{"$gt": 1}]}, "The value of x must be a number."),
    shape_post("word-inside", {"x": [1, "abc"]}, f"The value of x ('abc') {NOT_A_NUMBER}"),
    shape_post("NaN-inside", '{"expr": "sum(x)", "x": [1, NaN]}', NOT_FINITE),
    shape_post("Infinity-inside", '{"expr": "sum(x)", "x": [[-Infinity]]}', NOT_FINITE),
    shape_post("1e999-inside", '{"expr": "sum(x)", "x": [1e999]}', NOT_FINITE),
    shape_post("400-digit-integer-inside", '{"expr": "sum(x)", "x": [1%s]}' % ("0" * 400), NOT_FINITE),
    shape_post("5000-entries", {"x": [1] * 5000}, ALONG_AN_AXIS.format("(5000,)", 5000)),
    shape_post("1000-rows", {"x": [[1]] * 1000}, ALONG_AN_AXIS.format("(1000, 1)", 1000)),
    shape_post("257-in-all", {**{name: EIGHT_BY_EIGHT for name in "abcd"}, "s": [1]}, IN_ALL.format(257),
               expr=FOUR_MATRICES + " + sum(s)", field="a"),
    shape_post("inner-sizes", {"W": [[1, 2], [3, 4]], "x": [1, 2, 3]},
               "W @ x: (2, 2) @ (3,) — the inner sizes 2 and 3 differ.", expr="sum(W @ x)", field="expr", position=6),
    shape_post("index-out-of-range", {"x": [1, 2]}, "x[-3]: index -3 is out of range for axis 0 of shape (2,) "
               "(from -2 to 1).", expr="x[-3]", field="expr", position=1),
    shape_post("wrt-out-of-range", {"W": [[1, 2], [3, 4]], "wrt": "W[0,2]"}, WRT_ENTRY.format("W[0,2]"),
               expr="sum(W)", field="wrt"),
    shape_post("wrt-a-list", {"W": [[1, 2], [3, 4]], "wrt": ["W[0,0]"]}, "wrt must be the name of an input variable.",
               expr="sum(W)", field="wrt"),
    # The page and the drawing say the same, beside the field and in the error image.
    page("shapes-page-ragged-rows", "shapes", {"expr": "sum(x)", "x": "[[1, 2], [3]]"}, 400, RAGGED.format("2, 1")),
    svg("shapes-svg-inner-sizes", "shapes", {"expr": "sum(W @ x)", "W": "[[1, 2], [3, 4]]", "x": "[1, 2, 3]"}, 400,
        "W @ x: (2, 2) @ (3,) — the inner sizes 2 and 3 differ."),
    # --- HTTP-level abuse, on a raw socket ----------------------------------------------------------
    raw("http-garbage-request-line", "http", b"GARBAGE\r\n\r\n", 400, "Invalid HTTP request line: 'GARBAGE'"),
    raw("http-0.9-simple-request", "http", b"GET /api/graph?expr=x\r\n", 400,
        "Invalid HTTP request line: 'GET /api/graph?expr=x'"),
    raw("http-0.9-with-blank-line", "http", b"GET /\r\n\r\n", 400, "Invalid HTTP request line: 'GET /'"),
    raw("http-version-9.9", "http", request_line(b"/").replace(b"HTTP/1.1", b"HTTP/9.9", 1), 400,
        "Invalid HTTP Version: (9, 9)"),
    raw("http-version-lowercase", "http", request_line(b"/").replace(b"HTTP/1.1", b"http/1.1", 1), 400,
        "Invalid HTTP Version: 'http/1.1'"),
    raw("http-2-preface", "http", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400,
        "Invalid HTTP request line: 'PRI * HTTP/2.0'"),
    raw("http-tls-client-hello", "http", bytes.fromhex("16030100a5010000a10303") + bytes(40), None, "",
        kind="none"),
    raw("http-connect-and-close", "http", b"", None, "", kind="none"),
    raw("http-blank-lines-only", "http", b"\r\n\r\n", 400, "Invalid HTTP request line: ''"),
    raw("http-bare-lf", "http", b"GET /api/graph?expr=x HTTP/1.1\nHost: x\n\n", 400, "bare LF as line terminator"),
    raw("http-nul-in-path", "http", request_line(b"/\x00"), 400, "Invalid HTTP request line"),
    raw("http-space-in-target", "http", request_line(b"/api/graph?expr=x y"), 400,
        "Invalid HTTP Version: 'y HTTP/1.1'"),
    raw("http-double-space", "http", b"GET  /api/graph?expr=x HTTP/1.1\r\nHost: x\r\n\r\n", 400,
        "Invalid HTTP request line"),
    raw("http-raw-invalid-utf8-in-target", "http", request_line(b"/api/graph?expr=x\xff"), 400,
        "Invalid HTTP request line"),
    raw("http-request-line-over-8190", "http", request_line(LONG_TARGET), 414,
        f"Request Line is too large ({len(b'GET  HTTP/1.1') + len(LONG_TARGET)} > 8190)"),
    raw("http-header-over-8190", "http", request_line(b"/", b"X-Big: " + b"a" * 9000 + b"\r\n"), 431,
        "limit request headers fields size"),
    raw("http-120-headers", "http",
        request_line(b"/", b"".join(b"X-H%d: 1\r\n" % i for i in range(120))), 431, "limit request headers fields"),
    raw("http-header-name-with-space", "http", request_line(b"/", b"Bad Header: 1\r\n"), 400,
        "Invalid HTTP header name: 'Bad Header'"),
    raw("http-header-without-colon", "http", request_line(b"/", b"NoColon\r\n"), 400, "Invalid HTTP Header: 'NoColon'"),
    raw("http-header-obsolete-folding", "http", request_line(b"/", b"X-A: a\r\n b\r\n"), 400,
        "Obsolete line folding is unacceptable: 'X-A'"),
    raw("http-header-with-bare-cr", "http", request_line(b"/", b"X-A: a\rb\r\n"), 400, "Invalid HTTP Header: 'X-A'"),
    raw("http-header-with-nul", "http", request_line(b"/", b"X-A: a\x00b\r\n"), 400, "Invalid HTTP Header: 'X-A'"),
    raw("http-two-host-headers", "http", request_line(b"/", b"Host: evil.example\r\n"), 400,
        "Invalid HTTP Header: 'HOST'"),
    raw("http-lowercase-method", "http", b"get / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "Invalid HTTP method: 'get'"),
    raw("http-100-character-method", "http", b"A" * 100 + b" / HTTP/1.1\r\nHost: x\r\n\r\n", 400,
        "Invalid HTTP method"),
    raw("http-unknown-method", "http", b"FOO /api/graph HTTP/1.1\r\nHost: x\r\n\r\n", 405, NOT_ALLOWED, kind="json"),
    raw("http-trace", "http", b"TRACE / HTTP/1.1\r\nHost: x\r\n\r\n", 405, NOT_ALLOWED, kind="html"),
    raw("http-connect-is-not-proxied", "http", b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n", 404,
        NOT_FOUND, kind="html"),
    raw("http-absolute-uri-is-not-proxied", "http", request_line(b"http://evil.example/api/graph?expr=x*2"),
        200, "", kind="json"),
    raw("http-delete", "http", b"DELETE /api/graph HTTP/1.1\r\nHost: x\r\n\r\n", 405, NOT_ALLOWED, kind="json"),
    raw("http-post-to-the-svg", "http", b"POST /graph.svg HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405,
        NOT_ALLOWED, kind="svg"),
    raw("http-path-traversal", "http", request_line(b"/static/../../../../etc/passwd"), 404, NOT_FOUND,
        kind="html", forbidden=("root:",)),
    raw("http-encoded-path-traversal", "http", request_line(b"/static/..%2f..%2fapp.py"), 404, NOT_FOUND,
        kind="html", forbidden=("create_app",)),
    raw("http-bad-percent-escape-in-path", "http", request_line(b"/%zz"), 404, NOT_FOUND, kind="html"),
    raw("http-bad-percent-escape-in-query", "http", request_line(b"/api/graph?expr=x%zz"), 400, PERCENT, kind="json"),
    raw("http-incomplete-percent-escape", "http", request_line(b"/api/graph?expr=x%2"), 400, PERCENT, kind="json"),
    raw("http-invalid-utf8-escape-in-query", "http", request_line(b"/api/graph?expr=x%ff"), 400, PERCENT, kind="json"),
    raw("http-overlong-utf8-escape", "http", request_line(b"/api/graph?expr=x%c0%af"), 400, PERCENT, kind="json"),
    raw("http-surrogate-utf8-escape", "http", request_line(b"/api/graph?expr=x%ed%a0%80"), 400, PERCENT, kind="json"),
    raw("http-invalid-utf8-escape-on-the-page", "http", request_line(b"/?expr=x%ff"), 400,
        "Unexpected character '%' (PERCENT SIGN) at column 2.", kind="html"),
    raw("http-content-length-and-chunked", "http",
        posted_raw(b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n"), 400,
        "Invalid HTTP Header: 'CONTENT-LENGTH'"),
    raw("http-content-length-not-a-number", "http", posted_raw(b"Content-Length: abc\r\n", b""), 400,
        "Invalid HTTP Header: 'CONTENT-LENGTH'"),
    raw("http-content-length-negative", "http", posted_raw(b"Content-Length: -1\r\n", b""), 400,
        "Invalid HTTP Header: 'CONTENT-LENGTH'"),
    raw("http-two-content-lengths", "http", posted_raw(b"Content-Length: 2\r\nContent-Length: 3\r\n", b"{}x"),
        400, "Invalid HTTP Header: 'CONTENT-LENGTH'"),
    raw("http-unknown-transfer-encoding", "http", posted_raw(b"Transfer-Encoding: gzip\r\n", b""), 400,
        "Invalid HTTP Header: 'TRANSFER-ENCODING'"),
    raw("http-body-shorter-than-its-length", "http", posted_raw(b"Content-Length: 100\r\n", b'{"expr":'), 400,
        NOT_JSON + " (Expecting value: line 1 column 9 (char 8)).", kind="json"),
    raw("http-chunked-body", "http", posted_raw(b"Transfer-Encoding: chunked\r\n", chunked(b'{"expr":"x*2","x":3}', 5)),
        200, "", kind="json"),
    raw("http-chunked-invalid-size", "http", posted_raw(b"Transfer-Encoding: chunked\r\n", b"ZZ\r\nabc\r\n0\r\n\r\n"),
        400, "body", kind="json"),
    raw("http-chunk-without-terminator", "http",
        posted_raw(b"Transfer-Encoding: chunked\r\n", b"2\r\n{}XX0\r\n\r\n"), 400, "body", kind="json"),
    raw("http-chunked-body-cut-short", "http", posted_raw(b"Transfer-Encoding: chunked\r\n", b'5\r\n{"exp'),
        400, "body", kind="json"),
    raw("http-chunked-body-over-16-kib", "http", posted_raw(b"Transfer-Encoding: chunked\r\n", chunked(BIG_BODY)),
        413, TOO_LARGE, kind="json"),
    raw("http-expect-100-continue", "http",
        posted_raw(b"Expect: 100-continue\r\nContent-Length: 14\r\n", b'{"expr":"x*2"}'), 200, "", kind="json"),
    raw("http-pipelined-requests", "http",
        request_line(b"/api/graph?expr=x*2") + request_line(b"/api/graph?expr=x*3"), 200, "", kind="json"),
    raw("http-websocket-upgrade", "http",
        request_line(b"/api/graph?expr=x", b"Upgrade: websocket\r\nConnection: Upgrade\r\n"), 400,
        "The browser (or proxy) sent a request that this server could not understand.", kind="json"),
    raw("http-1.0-without-host", "http", b"GET /api/graph?expr=x*2 HTTP/1.0\r\n\r\n", 200, "", kind="json"),
]


# --- sending, and what every answer is checked for ------------------------------------------------


@dataclass
class Answer:
    status: int | None
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    informational: list = field(default_factory=list)  # 1xx status lines before the answer
    after: bytes = b""  # bytes after the first answer (pipelining)

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")


def raw_exchange(port, data, timeout=REQUEST_SECONDS):
    """Send `data`, close our side, read until the server closes: the first answer, parsed."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        try:
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may refuse early and close; what it said is still readable
        received = b""
        while True:
            try:
                chunk = connection.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
            assert time.monotonic() - started < timeout, "the server kept the connection open"
    return parse_answer(received)


def parse_answer(received):
    if not received:
        return Answer(None)
    informational = []
    while True:
        head, separator, rest = received.partition(b"\r\n\r\n")
        assert separator, f"no end of headers in {received[:300]!r}"
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        if 100 <= status < 200:
            informational.append(lines[0])
            received = rest
            continue
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", len(rest)))
        return Answer(status, headers, rest[:length], informational, rest[length:])


def _refuse_constant(token):
    raise AssertionError(f"the JSON contains a raw {token} token, which is not JSON")


def strict_json(body):
    return json.loads(body, parse_constant=_refuse_constant)


# A traceback's frame, or a path of the server's files (URLs such as /code/staged.py are fine).
PYTHON_FILE = re.compile(r'File "[^"]+\.py"|site-packages|\.venv/|(?<![\w/])/(?:home|root|usr|opt|srv|tmp|var|work)/[\w./-]*\.py\b')


def check_never(answer, case_id=""):
    """What no answer may contain, whatever was asked."""
    text = answer.text
    assert "Traceback" not in text, f"{case_id}: a traceback in the answer"
    assert not PYTHON_FILE.search(text), f"{case_id}: a Python file path in the answer: {PYTHON_FILE.search(text)}"
    assert str(ROOT) not in text, f"{case_id}: the server's directory in the answer"
    if answer.status is not None and answer.status >= 500:
        pytest.fail(f"{case_id}: a {answer.status} for bad input: {text[:300]}")
    if answer.headers.get("content-type", "").startswith("application/json") and answer.body:
        strict_json(answer.body)


def error_text(answer, kind):
    """The error message the answer shows, as plain text."""
    if kind == "json":
        return strict_json(answer.body)["error"]["message"]
    if kind == "svg":
        root = ET.fromstring(answer.body)
        return " ".join("".join(text.itertext()) for text in root.iter("{http://www.w3.org/2000/svg}text"))
    return html.unescape(answer.text)


MIMETYPES = {"json": "application/json", "svg": "image/svg+xml", "html": "text/html",
             "gunicorn": "text/html", "dot": "text/vnd.graphviz", "python": "text/x-python"}


@pytest.fixture(scope="module")
def canary():
    assert not CANARY.exists(), f"{CANARY} exists before the suite: pick another name"
    yield CANARY


def test_the_table_has_at_least_120_cases_in_every_category():
    assert len(CASES) >= 120
    assert len({case.id for case in CASES}) == len(CASES), "case ids must be unique"
    categories = {case.category for case in CASES}
    assert categories == {"code", "exhaustion", "parser", "values", "injection", "numeric", "http", "shapes"}
    assert all(sum(case.category == category for case in CASES) >= 10 for category in categories)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_request_gets_its_exact_answer(server, canary, case):
    started = time.monotonic()
    answer = case.send(server.port)
    elapsed = time.monotonic() - started
    check_never(answer, case.id)
    assert elapsed < case.seconds, f"took {elapsed:.1f} s (status {answer.status}: {answer.text[:200]})"
    assert answer.status == case.status, f"status {answer.status}, expected {case.status}: {answer.text[:400]}"
    if case.kind == "none":
        return
    content_type = answer.headers.get("content-type", "")
    assert content_type.startswith(MIMETYPES[case.kind]), content_type
    if case.kind != "gunicorn":  # the app's answers, errors included, carry the security headers
        missing = [name for name in SECURITY_HEADERS if name not in answer.headers]
        assert not missing, f"missing security headers {missing}"
    for text in case.forbidden:
        assert text not in answer.text, f"{text!r} in the answer"
    if case.status >= 400:
        assert case.fragment in error_text(answer, case.kind)
    if case.kind == "json" and case.status >= 400:
        error = strict_json(answer.body)["error"]
        if case.field != "unset":
            assert error["field"] == case.field
        if case.position != "unset":
            assert error["position"] == case.position
    if case.expect:
        body = strict_json(answer.body)
        assert {name: body[name] for name in case.expect} == case.expect
    if case.kind == "python" and case.status == 200:
        compile(answer.body, case.id, "exec")  # the download is a valid Python program
    if case.kind == "svg":
        root = ET.fromstring(answer.body)  # well-formed, error images too, and no script anywhere
        assert not [element for element in root.iter() if element.tag.endswith("script")]
    if case.kind == "html":  # nothing HTML calls a parse error: controls but tab, LF, FF and CR
        assert not HTML_PARSE_ERRORS.search(answer.text), HTML_PARSE_ERRORS.search(answer.text)


def test_head_answers_headers_only(server):
    answer = raw_exchange(server.port, b"HEAD /api/graph?expr=x*2 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.status == 200 and answer.body == b""
    assert answer.headers["content-type"] == "application/json"


def test_options_lists_the_allowed_methods(server):
    answer = raw_exchange(server.port, b"OPTIONS /api/graph HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.status == 200 and answer.body == b""
    assert set(answer.headers["allow"].replace(" ", "").split(",")) == {"HEAD", "GET", "OPTIONS", "POST"}


def test_expect_100_continue_gets_a_100_first(server):
    answer = raw_exchange(server.port, posted_raw(b"Expect: 100-continue\r\nContent-Length: 14\r\n",
                                                  b'{"expr":"x*2"}'))
    assert answer.informational == ["HTTP/1.1 100 Continue"]
    assert strict_json(answer.body)["value"] == 2.0


def test_pipelined_requests_are_answered_in_order_each_whole(server):
    """The threaded worker keeps the connection alive: two requests sent at once get two whole
    answers, in the order asked, never one half-answered."""
    answer = raw_exchange(server.port, request_line(b"/api/graph?expr=x*2") + request_line(b"/api/graph?expr=x*3"))
    assert strict_json(answer.body)["value"] == 2.0
    second = parse_answer(answer.after)
    assert second.status == 200 and strict_json(second.body)["value"] == 3.0 and second.after == b""


# --- slow clients ----------------------------------------------------------------------------------


def test_a_slow_but_steady_client_gets_its_answer(server):
    """A request trickled byte by byte over about a second and a half is answered normally."""
    request = posted_raw(b"Content-Length: 27\r\n", b'{"expr":"x*y","x":3,"y":4} ')
    with socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_SECONDS) as connection:
        pause = 1.5 / len(request)
        for index in range(len(request)):
            connection.sendall(request[index:index + 1])
            time.sleep(pause)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    answer = parse_answer(received)
    assert answer.status == 200
    assert strict_json(answer.body)["value"] == 12.0


def test_clients_that_send_half_a_request_do_not_starve_the_others(server):
    """Slowloris: as many connections as there are workers, each sending half a request line and
    then nothing. Other clients must still be answered promptly (bounded here at 5 s), and the
    idle ones cut off, not answered with a 500 when gunicorn's 30 s worker timeout fires."""
    idle = []
    try:
        for _ in range(server.workers):
            connection = socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_SECONDS)
            connection.sendall(b"GET /api/graph?expr=x HTTP/1.1\r\n")
            idle.append(connection)
        time.sleep(0.3)
        started = time.monotonic()
        try:
            status, _, body = server.get("/api/graph?expr=x*2", timeout=5)
        except OSError as error:
            pytest.fail(f"with {len(idle)} idle half-requests open, a normal request got no answer "
                        f"within {time.monotonic() - started:.1f} s ({error!r})")
        assert status == 200 and strict_json(body)["value"] == 2.0
    finally:
        for connection in idle:
            connection.close()
    # The workers are free again once the idle clients leave.
    assert server.get("/api/graph?expr=x*3", timeout=10)[0] == 200


def test_a_request_line_sent_after_a_pause_is_still_served(server):
    """A client that connects and waits a moment before sending is served normally."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_SECONDS) as connection:
        time.sleep(1)
        connection.sendall(request_line(b"/api/graph?expr=x*5"))
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    assert strict_json(parse_answer(received).body)["value"] == 5.0


# --- many hostile requests at once -------------------------------------------------------------


def test_concurrent_hostile_requests_keep_the_server_healthy(server):
    """The table again, from four threads at once: every request gets the same status as when it
    is sent alone, and afterwards a golden circuit is still exact."""
    quick = [case for case in CASES if not case.slow]
    alone = {case.id: case.send(server.port).status for case in quick}
    together, failures = {}, []

    def send(cases):
        for case in cases:
            try:
                together[case.id] = case.send(server.port).status
            except Exception as error:  # noqa: BLE001 - collected and reported below
                failures.append((case.id, repr(error)))

    threads = [threading.Thread(target=send, args=(quick[start::4],)) for start in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert {case_id: status for case_id, status in together.items() if status != alone[case_id]} == {}
    status, _, body = server.get("/api/graph?" + query({"expr": "1/(1+exp(-(w0*x0+w1*x1+w2)))", "w0": "2",
                                                         "x0": "-1", "w1": "-3", "x1": "-2", "w2": "-3"}))
    answer = strict_json(body)
    assert status == 200
    assert {name: round(grad, 2) for name, grad in answer["gradients"].items()} == {
        "w0": -0.2, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.2}


# --- the rate limit, over HTTP -------------------------------------------------------------------


def test_flooding_gets_429_and_a_forged_forwarded_for_does_not_help():
    """With both limits at "5 per minute", 14 requests from one address, each for a new circuit
    (a repeat would come from the answer cache, uncounted), get at least four 429s, whatever
    X-Forwarded-For claims; on the JSON API (the page's value-only updates, its own limit) as on
    the drawings."""
    environment = {"BACKPROP_RATE_LIMIT": "5 per minute", "BACKPROP_NUMBERS_RATE_LIMIT": "5 per minute"}
    with LiveServer(env=environment) as limited:
        for path in ["/api/graph?expr=x*2", "/graph.svg?expr=x*2"]:
            statuses, messages = [], []
            for number in range(14):
                status, headers, body = limited.request(
                    "GET", f"{path}&x={number}", headers={"X-Forwarded-For": f"10.0.0.{number}"})
                statuses.append(status)
                if status == 429:
                    messages.append(error_text(Answer(status, headers, body),
                                               "json" if path.startswith("/api/") else "svg"))
                    assert int(headers["retry-after"]) > 0
            assert set(statuses) == {200, 429} and statuses.count(429) >= 4, (path, statuses)
            assert all("Too many requests from your address (the limit is 5 a minute)" in message
                       for message in messages), messages
        assert limited.get("/static/style.css")[0] == 200  # static files are not limited
        assert limited.zombies() == []


# --- last: nothing was executed --------------------------------------------------------------------


def test_zz_no_payload_was_executed(server, canary):
    """Runs after the table: no payload created the canary, and the server never logged an
    unexpected error for a table row it should have refused cleanly."""
    assert not canary.exists(), f"{canary} was created: a payload was executed"
    assert server.get("/api/graph?expr=x*2")[0] == 200
