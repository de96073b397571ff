"""The HTTP interface, end to end, through Flask's test client and the real `dot` program.

Read as a specification (docs/CONVENTIONS.md: §2 golden numbers, §4 numbers, §5 safety, §6 HTTP interface):

1. The lecture's four circuits, through GET and POST /api/graph and in the SVG of /graph.svg.
2. The page: the empty form and its gallery, a drawn circuit, errors beside their fields.
3. Hostile and broken input: one table row per input, each with its exact outcome.
4. Non-finite results: JSON strings "Infinity" and "NaN", highlighted `inf`/`nan` on the figure.
5. The permalink: the page's "Link to this circuit" reproduces the same circuit.
"""

import json
import math
import struct
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from graphlib.gallery import GALLERY
from graphlib.drawing import MAX_PNG_PIXELS
from graphlib.options import DESCENT_FIELDS

SVG = "{http://www.w3.org/2000/svg}"
GREEN = "#007a00"  # values, above the wire
RED = "#d00000"  # gradients, below the wire
FLAG = "#ffeb99"  # background behind inf and nan
INK = "#000000"  # names, gate labels and wires
DISPLAY_OPTIONS = ("precision", "colors", "direction", "theme", "composites", "wrt")


# --- helpers -----------------------------------------------------------------------------------


def _refuse_constant(token):
    raise AssertionError(f"the JSON body contains a raw {token} token, which is not JSON")


def strict_json(response):
    """The body as JSON, refusing the NaN / Infinity tokens that Python's json would accept."""
    assert response.mimetype == "application/json", response.mimetype
    return json.loads(response.get_data(as_text=True), parse_constant=_refuse_constant)


def get(client, path, pairs=()):
    """GET with the query built from (name, value) pairs, so that a name may repeat."""
    query = pairs if isinstance(pairs, str) else urlencode(list(pairs))
    return client.get(f"{path}?{query}" if query else path)


def svg_texts(response):
    """(fill colour, text) of every <text> of a well-formed SVG document."""
    assert response.mimetype == "image/svg+xml", response.mimetype
    root = ET.fromstring(response.data)
    return [(element.get("fill"), "".join(element.itertext())) for element in root.iter(f"{SVG}text")]


def svg_gate_labels(response):
    """The text inside each gate's circle."""
    root = ET.fromstring(response.data)
    labels = []
    for group in root.iter(f"{SVG}g"):
        if "node" in group.get("class", "").split() and group.find(f"{SVG}ellipse") is not None:
            labels.extend("".join(text.itertext()) for text in group.iter(f"{SVG}text"))
    return labels


def contains_all(actual, expected):
    """Every expected item occurs in `actual` at least as often as in `expected`."""
    missing = Counter(expected) - Counter(actual)
    assert not missing, f"missing {dict(missing)} in {sorted(Counter(actual).items())}"


def squeeze(text):
    return "".join(text.split())


@dataclass
class FormField:
    name: str = None
    value: str = None  # an input's value attribute, or a select's selected option
    notes: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    caret: str = None


class Page(HTMLParser):
    """The parts of the page the tests read: form fields, images, links, errors, every tag."""

    VOID = {"input", "img", "meta", "link", "br", "hr", "source", "wbr"}

    def __init__(self, response):
        super().__init__(convert_charrefs=True)
        assert response.mimetype == "text/html", response.mimetype
        self.source = response.get_data(as_text=True)
        self.tags = []
        self.fields = []
        self.images = []
        self.links = []
        self.general_errors = []
        self._open = []
        self.feed(self.source)
        self.close()

    def _current_field(self):
        for entry in reversed(self._open):
            if entry["field"] is not None:
                return entry["field"]
        return None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        current = self._current_field()
        if tag in ("input", "select", "textarea") and current is not None and current.name is None:
            current.name, current.value = attrs.get("name"), attrs.get("value")
        if tag == "option" and "selected" in attrs and current is not None:
            current.value = attrs.get("value")
        if tag == "img":
            self.images.append(attrs.get("src"))
        if tag in self.VOID:
            return
        classes = (attrs.get("class") or "").split()
        is_field = tag == "div" and "field" in classes
        self._open.append({"tag": tag, "attrs": attrs, "classes": classes, "text": [],
                           "field": FormField() if is_field else None})

    def handle_data(self, data):
        for entry in self._open:
            entry["text"].append(data)

    def handle_endtag(self, tag):
        if tag in self.VOID or not any(entry["tag"] == tag for entry in self._open):
            return
        while True:
            entry = self._open.pop()
            self._closed(entry)
            if entry["tag"] == tag:
                return

    def _closed(self, entry):
        text = "".join(entry["text"])
        current = self._current_field()
        if entry["tag"] == "textarea" and current is not None:
            # A textarea's value is its text, less the one newline that follows the tag.
            current.value = text[1:] if text.startswith("\n") else text
        if entry["field"] is not None:
            self.fields.append(entry["field"])
        if "error" in entry["classes"]:
            (current.errors if current is not None else self.general_errors).append(text)
        if "caret" in entry["classes"] and current is not None:
            current.caret = text
        if "note" in entry["classes"] and current is not None:
            current.notes.append(text.strip())
        if entry["tag"] == "a":
            self.links.append((entry["attrs"].get("href"), text.strip()))

    def field(self, name):
        matches = [f for f in self.fields if f.name == name]
        assert len(matches) == 1, f"expected one field {name!r}, found {len(matches)}"
        return matches[0]

    @property
    def variables(self):
        """(name, value) of the variable fields, in page order."""
        return [(f.name, f.value) for f in self.fields if f.name not in ("expr", *DISPLAY_OPTIONS, *DESCENT_FIELDS)]

    def link(self, text):
        hrefs = [href for href, label in self.links if label == text]
        assert len(hrefs) == 1, f"expected one link {text!r}, found {hrefs}"
        return hrefs[0]


def same_query(url_a, url_b):
    return parse_qsl(urlsplit(url_a).query, keep_blank_values=True) == parse_qsl(
        urlsplit(url_b).query, keep_blank_values=True)


def assert_draws(page, query):
    """The page shows one image: /graph.svg with the same query as the page's."""
    [image] = page.images
    assert urlsplit(image).path == "/graph.svg"
    assert same_query(image, "?" + urlencode(query))


# --- 1. the lecture's circuits ---------------------------------------------------------------


@dataclass(frozen=True)
class Golden:
    expr: str
    values: dict  # in typed order
    output: float
    gradients: dict
    gates: tuple  # (label, value, gradient) per gate in typed order; () where CONVENTIONS §2 lists none
    tolerance: float  # the numbers of CONVENTIONS §2 are rounded to this
    precision: int  # decimals asked of the figure
    green: tuple  # number strings drawn as values
    red: tuple  # number strings drawn as gradients

    @property
    def query(self):
        return [("expr", self.expr), *((name, str(value)) for name, value in self.values.items()),
                ("precision", str(self.precision))]


GOLDEN = {
    "figure-1": Golden(
        "(x+y)*z", {"x": -2, "y": 5, "z": -4}, -12, {"x": -4, "y": -4, "z": 3},
        gates=(("+", 3, -4), ("*", -12, 1)), tolerance=1e-12, precision=2,
        green=("-2.00", "5.00", "-4.00", "3.00", "-12.00"),
        red=("-4.00", "-4.00", "3.00", "-4.00", "1.00"),
    ),
    "figure-2": Golden(
        "1/(1+exp(-(w0*x0+w1*x1+w2)))", {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}, 0.73,
        {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.20},
        gates=(("*", -2.00, 0.20), ("*", 6.00, 0.20), ("+", 4.00, 0.20), ("+", 1.00, 0.20),
               ("*-1", -1.00, -0.20), ("exp", 0.37, -0.53), ("+1", 1.37, -0.53),
               ("1/x", 0.73, 1.00)),
        tolerance=0.005, precision=2,
        green=("2.00", "-1.00", "-3.00", "-2.00", "-3.00",
               "-2.00", "6.00", "4.00", "1.00", "-1.00", "0.37", "1.37", "0.73"),
        red=("-0.20", "0.39", "-0.39", "-0.59", "0.20",
             "0.20", "0.20", "0.20", "0.20", "-0.20", "-0.53", "-0.53", "1.00"),
    ),
    "figure-3": Golden(
        "2*(x*y + max(z,w))", {"x": 3, "y": -4, "z": 2, "w": -1}, -20,
        {"x": -8, "y": 6, "z": 2, "w": 0},
        gates=(("*", -12, 2), ("max", 2, 2), ("+", -10, 2), ("*2", -20, 1)),
        tolerance=1e-12, precision=2,
        green=("3.00", "-4.00", "2.00", "-1.00", "-12.00", "2.00", "-10.00", "-20.00"),
        red=("-8.00", "6.00", "2.00", "0.00", "2.00", "2.00", "2.00", "1.00"),
    ),
    "staged-backprop": Golden(
        "(x+sigmoid(y))/(sigmoid(x)+(x+y)**2)", {"x": 3, "y": -4}, 1.545645,
        {"x": 2.059570, "y": 1.592233},
        gates=(), tolerance=5e-7, precision=6,
        green=("3.000000", "-4.000000", "1.545645"),
        red=("2.059570", "1.592233", "1.000000"),
    ),
}
golden_circuits = pytest.mark.parametrize("golden", GOLDEN.values(), ids=GOLDEN.keys())


@golden_circuits
def test_golden_circuit_as_json(client, golden):
    response = get(client, "/api/graph", golden.query)
    assert response.status_code == 200
    body = strict_json(response)
    close = lambda number: pytest.approx(number, abs=golden.tolerance)  # noqa: E731

    assert body["expr"] == golden.expr
    assert body["value"] == close(golden.output)
    assert body["gradients"] == {name: close(grad) for name, grad in golden.gradients.items()}
    assert body["variables"] == {name: float(value) for name, value in golden.values.items()}
    assert body["defaults"] == {}
    assert body["options"]["precision"] == golden.precision

    nodes = body["nodes"]
    assert body["output"] == nodes[-1]["id"]
    assert nodes[-1]["value"] == close(golden.output) and nodes[-1]["grad"] == 1
    seen = set()
    for node in nodes:  # topological order: a node's inputs come before it
        assert set(node["inputs"]) <= seen, node
        seen.add(node["id"])

    inputs = [node for node in nodes if node["op"] == "input"]
    assert [node["label"] for node in inputs] == list(golden.values)  # in the order typed
    for node in inputs:
        assert node["value"] == golden.values[node["label"]]
        assert node["grad"] == close(golden.gradients[node["label"]])

    if golden.gates:
        gates = [node for node in nodes if node["op"] != "input"]
        assert [node["label"] for node in gates] == [label for label, _, _ in golden.gates]
        assert [(node["value"], node["grad"]) for node in gates] == [
            (close(value), close(grad)) for _, value, grad in golden.gates]


def test_figure_2_draws_the_gates_as_typed(client):
    body = strict_json(get(client, "/api/graph", GOLDEN["figure-2"].query))
    labels = [node["label"] for node in body["nodes"] if node["op"] != "input"]
    assert labels == ["*", "*", "+", "+", "*-1", "exp", "+1", "1/x"]


@golden_circuits
def test_golden_circuit_posted_as_json_gives_the_same_answer(client, golden):
    posted = client.post("/api/graph", json={"expr": golden.expr, **golden.values,
                                             "precision": golden.precision})
    assert posted.status_code == 200
    assert strict_json(posted) == strict_json(get(client, "/api/graph", golden.query))


@golden_circuits
def test_golden_circuit_in_the_svg(client, golden):
    response = get(client, "/graph.svg", golden.query)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    texts = svg_texts(response)
    contains_all([text for fill, text in texts if fill == GREEN], golden.green)
    contains_all([text for fill, text in texts if fill == RED], golden.red)
    unlabelled = [text for fill, text in texts if fill == INK]
    contains_all(unlabelled, list(golden.values))  # each input named at the left end of its wire
    if golden.gates:
        assert Counter(svg_gate_labels(response)) == Counter(label for label, _, _ in golden.gates)


def test_figure_1_with_zero_decimals_shows_plain_integers(client):
    query = [("expr", "(x+y)*z"), ("x", "-2"), ("y", "5"), ("z", "-4"), ("precision", "0")]
    texts = svg_texts(get(client, "/graph.svg", query))
    assert Counter(text for fill, text in texts if fill == GREEN) == Counter(["-2", "5", "-4", "3", "-12"])
    assert Counter(text for fill, text in texts if fill == RED) == Counter(["-4", "-4", "3", "-4", "1"])


@golden_circuits
def test_golden_circuit_page(client, golden):
    response = get(client, "/", golden.query)
    assert response.status_code == 200
    page = Page(response)
    assert_draws(page, golden.query)
    assert page.variables == [(name, str(value)) for name, value in golden.values.items()]


# --- 2. the page ---------------------------------------------------------------------------------


def test_a_first_visit_is_sent_to_figure_2_at_its_permalink(client):
    """`/` alone shows a working circuit, not an empty field: the neuron of the notes' figure 2,
    with its link in the address bar, so that it can be shared or edited at once."""
    response = client.get("/")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/"
    fields = dict(parse_qsl(location.query))
    assert fields == {"expr": GALLERY[1].expr, **GALLERY[1].values, "precision": "2"}
    page = Page(client.get(response.headers["Location"]))
    assert page.field("expr").value == GALLERY[1].expr
    assert page.variables == list(GALLERY[1].values.items())
    assert not page.general_errors and not any(f.errors for f in page.fields)


def test_a_query_without_an_expression_shows_the_empty_form_and_the_gallery(client):
    response = client.get("/?precision=2")
    assert response.status_code == 200
    page = Page(response)
    assert page.field("expr").value == ""
    assert page.field("precision").value == "2"
    assert page.variables == []
    assert page.images == []
    assert not page.general_errors and not any(f.errors for f in page.fields)
    gallery = [dict(parse_qsl(urlsplit(href).query))["expr"] for href, _ in page.links
               if urlsplit(href).path == "/" and "expr=" in href]
    assert gallery[:len(GOLDEN)] == [golden.expr for golden in GOLDEN.values()]


@golden_circuits
def test_gallery_link_draws_its_circuit(client, golden):
    [href] = [href for href, _ in Page(client.get("/?precision=2")).links
              if dict(parse_qsl(urlsplit(href).query)).get("expr") == golden.expr]
    response = client.get(href)
    assert response.status_code == 200
    [image] = Page(response).images
    assert urlsplit(image).path == "/graph.svg"
    assert same_query(image, href)
    drawn = client.get(image)
    assert drawn.status_code == 200 and drawn.mimetype == "image/svg+xml"


def test_page_keeps_values_exactly_as_typed(client):
    query = [("expr", "(x+y)*z"), ("x", "1.50"), ("y", "-0"), ("z", "1e-3")]
    response = get(client, "/", query)
    assert response.status_code == 200
    page = Page(response)
    assert page.field("expr").value == "(x+y)*z"
    assert page.variables == [("x", "1.50"), ("y", "-0"), ("z", "1e-3")]
    assert not any(f.notes for f in page.fields)
    assert_draws(page, query)


def test_page_shows_one_field_per_variable_in_typed_order(client):
    query = [("expr", "b*a + c*b"), ("a", "2"), ("b", "3"), ("c", "4")]
    page = Page(get(client, "/", query))
    assert page.variables == [("b", "3"), ("a", "2"), ("c", "4")]
    body = strict_json(get(client, "/api/graph", query))
    assert [node["label"] for node in body["nodes"] if node["op"] == "input"] == ["b", "a", "c"]


def test_missing_values_get_the_default_and_say_so(client):
    query = [("expr", "(x+y)*z"), ("x", "-2")]
    response = get(client, "/", query)
    assert response.status_code == 200
    page = Page(response)
    assert page.variables == [("x", "-2"), ("y", "1"), ("z", "1")]
    assert [page.field(name).notes for name in "xyz"] == [[], ["default"], ["default"]]
    assert_draws(page, query)
    assert "No value was given for y, z" in page.source
    body = strict_json(get(client, "/api/graph", query))
    assert body["defaults"] == {"y": 1.0, "z": 1.0}
    assert body["variables"] == {"x": -2.0, "y": 1.0, "z": 1.0}
    assert body["value"] == -1.0


def test_syntax_error_is_shown_beside_the_expression_with_a_caret(client):
    query = [("expr", "(x+y)*$z"), ("x", "-2"), ("y", "5"), ("z", "-4")]
    response = get(client, "/", query)
    assert response.status_code == 400
    page = Page(response)
    expr = page.field("expr")
    assert expr.value == "(x+y)*$z"
    [error] = expr.errors
    assert "Unexpected character '$' (DOLLAR SIGN) at column 7." in error
    assert expr.caret.split("\n") == ["(x+y)*$z", "      ^"]
    assert page.variables == [("x", "-2"), ("y", "5"), ("z", "-4")]  # nothing typed is lost
    assert page.images == []


def test_unclosed_bracket_points_at_the_end(client):
    page = Page(get(client, "/", [("expr", "(x+y*z"), ("x", "1"), ("y", "2"), ("z", "3")]))
    expr = page.field("expr")
    assert ("Expected ')' at column 7 to close the '(' at column 1, but found the end of the "
            "expression.") in expr.errors[0]
    assert expr.caret.split("\n") == ["(x+y*z", "      ^"]
    assert page.variables == [("x", "1"), ("y", "2"), ("z", "3")]


def test_bad_value_is_shown_beside_its_field_and_keeps_everything_typed(client):
    query = [("expr", "(x+y)*z"), ("x", "abc"), ("y", "1.50"), ("z", "-0"), ("precision", "3")]
    response = get(client, "/", query)
    assert response.status_code == 400
    page = Page(response)
    assert page.field("x").errors == [
        "The value of x ('abc') is not a number; type a decimal number such as -2, 0.5 or 1.5e-3."]
    assert [f.name for f in page.fields if f.errors] == ["x"]
    assert page.field("expr").value == "(x+y)*z"
    assert page.variables == [("x", "abc"), ("y", "1.50"), ("z", "-0")]
    assert page.field("precision").value == "3"
    assert page.images == []


def test_markup_in_a_value_is_escaped_and_kept_in_its_field(client):
    hostile = '"><img src=x onerror=alert(1)>'
    response = get(client, "/", [("expr", "x*y"), ("x", hostile), ("y", "2")])
    assert response.status_code == 400
    page = Page(response)
    assert page.variables == [("x", hostile), ("y", "2")]
    assert page.images == []
    assert not [(tag, name) for tag, attrs in page.tags for name in attrs if name.startswith("on")]


def test_a_control_character_typed_shows_as_its_picture_under_the_caret(client):
    """HTML may not carry U+001F raw, and it would be invisible anyway: the form shows it as ␟
    (U+241F), one character for one, so the caret still points at it."""
    response = get(client, "/", [("expr", "x*(2\x1f+3)"), ("x", "1\x0b"), ("y", "\x00")])
    assert response.status_code == 400
    page = Page(response)
    expr = page.field("expr")
    assert expr.value == "x*(2\u241f+3)"
    assert expr.caret.split("\n")[-1] == "    ^"
    assert "Unexpected character U+001F (INFORMATION SEPARATOR ONE) at column 5." in expr.errors[0]
    assert page.variables == [("x", "1\u240b"), ("y", "\u2400")]


SECURED = {
    "page": "/",
    "page-with-circuit": "/?expr=x*2",
    "page-with-error": "/?expr=)",
    "svg": "/graph.svg?expr=x*2",
    "svg-with-error": "/graph.svg?expr=)",
    "json": "/api/graph?expr=x*2",
    "json-with-error": "/api/graph?expr=)",
    "not-found": "/api/nope",
}


@pytest.mark.parametrize("url", SECURED.values(), ids=SECURED.keys())
def test_security_headers(client, url):
    response = client.get(url)
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- 3. hostile and broken input ---------------------------------------------------------------

ALLOWED = "Allowed are numbers, names, + - * / ** ^ @, parentheses, commas, [ ] and .T."
KNOWN_FUNCTIONS = ("Known functions: abs, cos, exp, log, log_softmax, logsumexp, max, mean, min, relu, sigmoid, "
                   "sin, softmax, sqrt, sum, tan, tanh, transpose.")
NESTED_AT_41 = ("The expression nests too deeply at column 41; the limit is 40 levels of brackets, "
                "signs and powers.")
TYPE_A_NUMBER = "type a decimal number such as -2, 0.5 or 1.5e-3."
NOT_A_NUMBER = f"is not a number; {TYPE_A_NUMBER}"
ONLY_WHITESPACE = "Only spaces, tabs and line breaks may separate the parts of an expression."
NOT_FINITE = "The value of x must be a finite number (at most about 1.8e308 in size)."
EMPTY_VALUE = "The value of x is empty; type a number such as -2 or 0.5."
PRECISION = "precision must be a whole number of decimals from 0 to 10."
JSON_OBJECT = 'The request body must be a JSON object, for example {"expr": "(x+y)*z", "x": -2}.'
JSON_CONTENT_TYPE = 'Send the body as JSON with Content-Type: application/json, for example {"expr": "(x+y)*z", "x": -2}.'
NOT_JSON = 'The request body must be a JSON object, for example {"expr": "(x+y)*z", "x": -2}; this body is not valid JSON'
RESERVED = "is a reserved word and cannot be a variable name; choose another name."
NO_EXPR = "Give an expression in the field expr, for example (x+y)*z."


@dataclass(frozen=True)
class Refused:
    """A request the app must refuse: its status, and the error's message, field and position."""

    id: str
    status: int
    message: str  # a fragment of error.message
    field: str = None
    position: int = None
    method: str = "GET"
    path: str = "/api/graph"
    query: object = ()  # (name, value) pairs, or the raw query text
    body: object = None  # for POST: bytes/str sent as is, with `content_type`
    content_type: str = "application/json"
    views: bool = False  # also through the page / and /graph.svg

    def send(self, client, path=None):
        path = path or self.path
        if self.method == "GET":
            return get(client, path, self.query)
        return client.open(path, method=self.method, data=self.body, content_type=self.content_type)


def expr_error(id, expr, message, position, **values):
    return Refused(id, 400, message, "expr", position, query=[("expr", expr), *values.items()],
                   views=True)


def value_error(id, value, message):
    """`value` typed for x in x*y (y=2): refused beside x's field."""
    return Refused(id, 400, message, "x", query=[("expr", "x*y"), ("x", value), ("y", "2")],
                   views=True)


def not_a_number(id, value):
    return value_error(id, value, f"The value of x ({value!r}) {NOT_A_NUMBER}")


def invisible(id, expr, name, position):
    """An invisible character in the expression: named by its code point and name, at its column."""
    return expr_error(id, expr, f"Unexpected character {name} at column {position + 1}. {ONLY_WHITESPACE}",
                      position)


def precision_error(id, precision):
    return Refused(id, 400, PRECISION, "precision",
                   query=[("expr", "x*2"), ("x", "1"), ("precision", precision)], views=True)


def option_error(id, option, value, message):
    return Refused(id, 400, message, option,
                   query=[("expr", "x*2"), ("x", "1"), (option, value)], views=True)


def posted(id, body, message, field=None, status=400, content_type="application/json",
           position=None):
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    return Refused(id, status, message, field, position, method="POST", body=body,
                   content_type=content_type)


REFUSED = [
    # Code execution: none of it is Python; it stops at the first character or name not ours.
    expr_error("code-import-os-system", "__import__('os').system('id')",
               "Unexpected character '_' (LOW LINE) at column 1. Names start with a letter, such as x_1.", 0),
    expr_error("code-eval-call", "eval(1)", f"Unknown function 'eval' at column 1. {KNOWN_FUNCTIONS}", 0),
    expr_error("code-exec-call", "exec(x)", "Unknown function 'exec' at column 1.", 0),
    expr_error("code-exec-string", "exec('id')",
               "Unexpected character \"'\" (APOSTROPHE) at column 6.", 5),
    expr_error("code-lambda", "lambda: 1", f"Unexpected character ':' (COLON) at column 7. {ALLOWED}", 6),
    expr_error("code-attribute-of-variable", "x.__class__",
               "Unexpected character '.' (FULL STOP) at column 2.", 1),
    expr_error("code-list-class", "[].__class__",
               "Unexpected character '.' (FULL STOP) at column 3.", 2),
    expr_error("code-tuple-bases", "().__class__.__bases__",
               "Unexpected character '.' (FULL STOP) at column 3.", 2),
    expr_error("code-open-file", "open('/etc/passwd')",
               "Unexpected character \"'\" (APOSTROPHE) at column 6.", 5),
    expr_error("code-globals", "globals()", "Unknown function 'globals' at column 1.", 0),
    expr_error("code-f-string", "f'{x}'", "Unexpected character \"'\" (APOSTROPHE) at column 2.", 1),
    expr_error("code-backticks", "`x`", "Unexpected character '`' (GRAVE ACCENT) at column 1.", 0),
    expr_error("code-statement-separator", "x;import os",
               "The statement at column 1 is not the last one, so it must be a named step", 0),
    expr_error("code-assignment", "x=1", "The values of variables go in their own fields.", 0),
    expr_error("code-conditional", "x if x else 1",
               "'if' at column 3 is a reserved word, not part of the expression language.", 2),
    # Huge numbers.
    expr_error("huge-power-tower-alone-is-a-constant", "9**9**9**9",
               "The expression is a constant (inf): it has no variable to take a gradient with "
               "respect to. Use at least one variable, for example 2*x.", 0),
    expr_error("huge-literal-1e999", "1e999*x",
               "The number 1e999 at column 1 is too large for float64 (the largest is about 1.8e308).", 0),
    expr_error("constant-arithmetic-only", "1+2", "The expression is a constant (3)", 0),
    # Nesting.
    expr_error("nesting-50-parentheses", "(" * 50 + "x" + ")" * 50, NESTED_AT_41, 40),
    expr_error("nesting-500-unary-minuses", "-" * 500 + "x", NESTED_AT_41, 40),
    expr_error("nesting-500-unary-pluses", "+" * 500 + "x", NESTED_AT_41, 40),
    expr_error("nesting-50-powers", "x**" * 50 + "x", "nests too deeply at column 122", 121),
    expr_error("nesting-50-function-calls", "exp(" * 50 + "x" + ")" * 50,
               "nests too deeply at column 164", 163),
    expr_error("nesting-2600-parentheses", "(" * 2600 + "x", NESTED_AT_41, 40),
    Refused("nesting-10000-parentheses-in-the-url", 400,
            "The URL's query is 30006 bytes; the limit is 8000.", None,
            query=[("expr", "(" * 10000 + "x")], views=True),
    posted("nesting-10000-parentheses-posted", {"expr": "(" * 5000 + "x" + ")" * 5000},
           "The expression is 10001 characters long; the limit is 3000.", "expr", position=3000),
    # Sizes.
    expr_error("too-long-expression", "x+" * 1500 + "x",
               "The expression is 3001 characters long; the limit is 3000.", 3000),
    expr_error("too-many-gates", "x+" * 501 + "x",
               "Too many gates: the operation at column 1002 would be gate number 501; the limit is 500.",
               1001),
    expr_error("too-many-variables", "+".join(f"v{i}" for i in range(101)),
               "Too many variables: 'v100' at column 391 would be number 101; the limit is 100.", 390),
    expr_error("too-long-name", "a" * 31 + "*2",
               "The name at column 1 is 31 characters long; the limit is 30.", 0),
    expr_error("too-long-literal", "1" * 31 + "*x",
               "The number at column 1 is 31 characters long; the limit is 30.", 0),
    value_error("too-long-value", "1" * 40, f"The value of x ('{'1' * 30}...') {NOT_A_NUMBER}"),
    Refused("too-long-url", 400, "The URL's query is 8215 bytes; the limit is 8000.", None,
            query=[("expr", "x*2"), ("pad", "p" * 8200)], views=True),
    # Non-ASCII look-alikes and invisible characters.
    expr_error("cyrillic-ha-looks-like-x", "\u0445*2",
               "(CYRILLIC SMALL LETTER HA) at column 1. Variable names use the ASCII letters A-Z, "
               "a-z, digits and _.", 0),
    expr_error("greek-omicron-looks-like-o", "x*\u03bf", "(GREEK SMALL LETTER OMICRON) at column 3.", 2),
    expr_error("unicode-minus-sign", "x\u22122", "(MINUS SIGN) at column 2. Did you mean '-'?", 1),
    expr_error("multiplication-sign", "x\u00d72", "(MULTIPLICATION SIGN) at column 2. Did you mean '*'?", 1),
    expr_error("fullwidth-digits", "x*\uff11\uff12", f"(FULLWIDTH DIGIT ONE) at column 3. {ALLOWED}", 2),
    expr_error("emoji", "x*\U0001f600", "(GRINNING FACE) at column 3.", 2),
    Refused("invalid-utf8-escape-in-the-url", 400, "Unexpected character", "expr", 1,
            query="expr=x%FF", views=True),
    not_a_number("value-fullwidth-digit", "\uff12"),
    not_a_number("value-unicode-minus", "\u22122"),
    not_a_number("value-arabic-indic-digit", "\u0663"),
    # Only space, tab, CR and LF separate tokens: every other control, format or space character
    # is refused by its code point and name, at its column (once skipped as "space", it was drawn
    # raw into the SVG, which XML does not allow).
    invisible("information-separator-one-in-a-constant", "x*(2\x1f+3)", "U+001F (INFORMATION SEPARATOR ONE)", 4),
    invisible("information-separator-two", "x*(2\x1e+3)", "U+001E (INFORMATION SEPARATOR TWO)", 4),
    invisible("information-separator-three", "x\x1d*2", "U+001D (INFORMATION SEPARATOR THREE)", 1),
    invisible("information-separator-four", "x\x1c*2", "U+001C (INFORMATION SEPARATOR FOUR)", 1),
    invisible("line-tabulation", "x*(2\x0b+3)", "U+000B (LINE TABULATION)", 4),
    invisible("form-feed", "x\x0c*2", "U+000C (FORM FEED)", 1),
    invisible("nul-byte", "x\x00", "U+0000 (NULL)", 1),
    invisible("delete", "x\x7f*2", "U+007F (DELETE)", 1),
    invisible("next-line", "x\x85*2", "U+0085 (NEXT LINE)", 1),
    invisible("no-break-space", "x\u00a0*\u00a02", "U+00A0 (NO-BREAK SPACE)", 1),
    invisible("ideographic-space", "\u3000x*2", "U+3000 (IDEOGRAPHIC SPACE)", 0),
    invisible("line-separator", "x*2\u2028", "U+2028 (LINE SEPARATOR)", 3),
    invisible("paragraph-separator", "x\u2029*2", "U+2029 (PARAGRAPH SEPARATOR)", 1),
    invisible("zero-width-space", "x\u200b*2", "U+200B (ZERO WIDTH SPACE)", 1),
    invisible("byte-order-mark", "\ufeffx*2", "U+FEFF (ZERO WIDTH NO-BREAK SPACE)", 0),
    invisible("soft-hyphen", "x\u00ad*2", "U+00AD (SOFT HYPHEN)", 1),
    invisible("right-to-left-override", "x\u202e*2", "U+202E (RIGHT-TO-LEFT OVERRIDE)", 1),
    invisible("only-an-invisible-character", "\x1f", "U+001F (INFORMATION SEPARATOR ONE)", 0),
    expr_error("invisible-character-on-the-second-line", "q = x*2\n\x0bq",
               f"Unexpected character U+000B (LINE TABULATION) at line 2, column 1. {ONLY_WHITESPACE}", 8),
    value_error("value-with-information-separator", "1\x1f",
                f"The value of x ('1\\x1f') has the character U+001F (INFORMATION SEPARATOR ONE); {TYPE_A_NUMBER}"),
    value_error("value-after-a-vertical-tab", "\x0b2",
                f"The value of x ('\\x0b2') has the character U+000B (LINE TABULATION); {TYPE_A_NUMBER}"),
    value_error("value-with-no-break-space", "\u00a02",
                f"The value of x ('\\xa02') has the character U+00A0 (NO-BREAK SPACE); {TYPE_A_NUMBER}"),
    value_error("value-with-zero-width-space", "2\u200b",
                f"The value of x ('2\\u200b') has the character U+200B (ZERO WIDTH SPACE); {TYPE_A_NUMBER}"),
    option_error("direction-with-information-separator", "direction", "TB\x1f",
                 "direction must be one of LR, TB; got 'TB\\x1f'."),
    option_error("wrt-with-information-separator", "wrt", "x\x1f",
                 "wrt must be one of the variables: x; got 'x\\x1f'."),
    precision_error("precision-with-information-separator", "2\x1f"),
    # Markup and label injection, in the expression and in values.
    expr_error("markup-script-tag-in-expression", "<script>alert(1)</script>",
               "(LESS-THAN SIGN) at column 1.", 0),
    expr_error("markup-quote-in-expression", 'x"', "(QUOTATION MARK) at column 2.", 1),
    expr_error("markup-ampersand-in-expression", "x&y", "(AMPERSAND) at column 2.", 1),
    expr_error("markup-bracket-in-expression", "x]", "Unmatched ']' at column 2.", 1),
    expr_error("dot-arrow-in-expression", "x->y", "(GREATER-THAN SIGN) at column 3.", 2),
    expr_error("dot-braces-in-expression", "x}{y", "(RIGHT CURLY BRACKET) at column 2.", 1),
    not_a_number("markup-script-tag-in-value", "<script>alert(1)</script>"),
    not_a_number("markup-attribute-breakout-in-value", '"><img src=x onerror=alert(1)>'),
    not_a_number("markup-entity-in-value", "&amp;"),
    not_a_number("dot-label-breakout-in-value", '1"; x [label='),
    not_a_number("dot-html-label-breakout-in-value", "1</font></td>"),
    not_a_number("dot-edge-in-value", "1] -> y ["),
    not_a_number("dot-new-graph-in-value", "1\n}\ndigraph{"),
    # Values that are not finite decimal numbers.
    not_a_number("value-nan", "nan"),
    not_a_number("value-inf", "inf"),
    not_a_number("value-minus-inf", "-inf"),
    not_a_number("value-Infinity", "Infinity"),
    value_error("value-1e999-overflows", "1e999", NOT_FINITE),
    value_error("value-empty", "", EMPTY_VALUE),
    value_error("value-whitespace", "   ", EMPTY_VALUE),
    not_a_number("value-hexadecimal", "0x10"),
    not_a_number("value-underscore-separator", "1_000"),
    not_a_number("value-fraction", "1/2"),
    not_a_number("value-double-minus", "--1"),
    not_a_number("value-decimal-comma", "1,5"),
    not_a_number("value-expression", "2*3"),
    # Missing or malformed expression.
    Refused("missing-expr", 400, NO_EXPR, "expr", query=[("x", "1")]),
    expr_error("empty-expr", "", "Type an expression, for example (x+y)*z.", 0),
    expr_error("whitespace-expr", "   ", "Type an expression, for example (x+y)*z.", 0),
    expr_error("operator-without-operand", "x+*y",
               "Expected a number, a variable, a function or '(' at column 3, but found '*'.", 2),
    expr_error("unclosed-parenthesis", "(x+y",
               "Expected ')' at column 5 to close the '(' at column 1, but found the end of the "
               "expression.", 4),
    expr_error("unmatched-parenthesis", "x)", "Unmatched ')' at column 2.", 1),
    expr_error("implicit-product", "2x",
               "Missing operator between '2' and 'x' at column 2; for a product write 2*x.", 1),
    expr_error("tuple-outside-a-function", "x, y",
               "Unexpected ',' at column 2: commas only separate a function's arguments, as in "
               "max(x, y).", 1),
    expr_error("max-with-three-arguments", "max(x, y, z)", "max takes 1 or 2 arguments, but got 3 at column 1.", 0),
    expr_error("sin-with-two-arguments", "sin(x, y)", "sin takes 1 argument, but got 2 at column 1.", 0),
    # Repeated parameters.
    Refused("duplicate-value", 400, "x is given 2 times; give it once.", "x",
            query=[("expr", "x*2"), ("x", "1"), ("x", "2")], views=True),
    Refused("duplicate-expr", 400, "expr is given 2 times; give it once.", "expr",
            query=[("expr", "x*2"), ("expr", "x*3"), ("x", "1")], views=True),
    Refused("duplicate-precision", 400, "precision is given 2 times; give it once.", "precision",
            query=[("expr", "x*2"), ("precision", "1"), ("precision", "2")], views=True),
    # Reserved names.
    expr_error("reserved-expr", "expr*2", f"'expr' at column 1 {RESERVED}", 0),
    expr_error("reserved-precision", "precision*x", f"'precision' at column 1 {RESERVED}", 0),
    expr_error("reserved-format", "format+x", f"'format' at column 1 {RESERVED}", 0),
    expr_error("reserved-lambda", "lambda*x", f"'lambda' at column 1 {RESERVED}", 0),
    expr_error("reserved-None", "None*x", f"'None' at column 1 {RESERVED}", 0),
    expr_error("reserved-function-exp", "exp*x", "exp at column 1 is a function: write exp(...).", 0),
    expr_error("reserved-constant-pi-alone", "pi", "The expression is a constant (3.14159)", 0, pi="2"),
    expr_error("reserved-constant-e", "e*2", "The expression is a constant (5.43656)", 0),
    # Display precision.
    precision_error("precision-negative", "-1"),
    precision_error("precision-too-large", "11"),
    precision_error("precision-word", "abc"),
    precision_error("precision-fraction", "2.5"),
    precision_error("precision-superscript-two", "\u00b2"),
    precision_error("precision-5000-digits", "9" * 5000),
    # Display options other than precision.
    option_error("colors-unknown", "colors", "rainbow", "colors must be one of lecture, colorblind; got 'rainbow'."),
    option_error("theme-unknown", "theme", "solarized", "theme must be one of light, dark; got 'solarized'."),
    option_error("direction-unknown", "direction", "RL", "direction must be one of LR, TB; got 'RL'."),
    option_error("direction-lowercase", "direction", "lr", "direction must be one of LR, TB; got 'lr'."),
    option_error("theme-markup", "theme", "<b>dark</b>", "theme must be one of light, dark; got '<b>dark</b>'."),
    expr_error("reserved-colors", "colors*x", f"'colors' at column 1 {RESERVED}", 0),
    expr_error("reserved-theme", "theme+x", f"'theme' at column 1 {RESERVED}", 0),
    expr_error("reserved-direction", "x-direction", f"'direction' at column 3 {RESERVED}", 2),
    # POST bodies.
    posted("post-form-encoded-body", "expr=x&x=1", JSON_CONTENT_TYPE, status=415,
           content_type="application/x-www-form-urlencoded"),
    posted("post-json-as-text-plain", '{"expr": "x"}', JSON_CONTENT_TYPE, status=415,
           content_type="text/plain"),
    posted("post-malformed-json", '{"expr": ', NOT_JSON),
    posted("post-json-array", ["x*2"], JSON_OBJECT),
    posted("post-json-string", "x*2", NOT_JSON),
    posted("post-json-null", None, JSON_OBJECT),
    posted("post-deeply-nested-json", "[" * 8000 + "]" * 8000, NOT_JSON + " (it nests too deeply)."),
    posted("post-expr-a-number", {"expr": 5}, "The field expr must be text.", "expr"),
    posted("post-expr-a-list", {"expr": ["x"]}, "The field expr must be text.", "expr"),
    # A body is the query's fields as JSON: a field given twice is refused as in a query (json.loads
    # would keep the last), and so is null (it read as "not given", so the value quietly became 1).
    posted("post-expr-twice", '{"expr": "x", "expr": "y"}',
           "expr is given 2 times in the request body; give it once.", "expr"),
    posted("post-value-twice", '{"expr": "x*y", "x": 1, "y": 2, "x": 3}',
           "x is given 2 times in the request body; give it once.", "x"),
    posted("post-value-three-times", '{"expr": "x*y", "y": 1, "y": 2, "y": 3}',
           "y is given 3 times in the request body; give it once.", "y"),
    posted("post-option-twice", '{"expr": "x*2", "theme": "dark", "theme": "light"}',
           "theme is given 2 times in the request body; give it once.", "theme"),
    posted("post-unknown-field-twice", '{"expr": "x*2", "pad": 1, "pad": 1}',
           "pad is given 2 times in the request body; give it once.", "pad"),
    posted("post-odd-key-twice", '{"expr": "x*2", "<b>\\u001f": 1, "<b>\\u001f": 2}',
           "'<b>\\x1f' is given 2 times in the request body; give it once.", "<b>\x1f"),
    posted("post-value-null", {"expr": "x*y", "x": None},
           "x is null in the request body; give it a value, or leave it out for its default.", "x"),
    posted("post-expr-null", {"expr": None, "x": 1},
           "expr is null in the request body; give it a value, or leave it out for its default.", "expr"),
    posted("post-precision-null", {"expr": "x*2", "precision": None}, "precision is null in the request body", "precision"),
    posted("post-wrt-null", {"expr": "x*2", "wrt": None}, "wrt is null in the request body", "wrt"),
    posted("post-unknown-field-null", {"expr": "x*2", "color": None}, "color is null in the request body", "color"),
    # Inside a field's value, nulls and repeated keys are only part of a value that is refused
    # (or of an unknown field, ignored: see ACCEPTED).
    posted("post-value-object-with-a-key-twice", '{"expr": "x*2", "x": {"a": 1, "a": 2}}',
           "The value of x must be a number.", "x"),
    posted("post-value-list-of-null", {"expr": "x*2", "x": [None]}, "The value of x must be a number.", "x"),
    posted("post-expr-object-with-null", '{"expr": {"a": null, "a": "x"}}', "The field expr must be text.", "expr"),
    posted("post-option-object-with-a-key-twice", '{"expr": "x*2", "theme": {"a": 1, "a": 2}}',
           "theme must be one of light, dark; got \"{'a': 2}\".", "theme"),
    posted("post-value-true", {"expr": "x*2", "x": True}, "The value of x must be a number.", "x"),
    posted("post-value-list-of-lists-of-lists", {"expr": "x*2", "x": [[[1]]]},
           "The value of x nests lists more than 2 deep; a value is a number, a vector or a matrix.", "x"),
    posted("post-value-object", {"expr": "x*2", "x": {"value": 1}}, "The value of x must be a number.", "x"),
    posted("post-value-word", {"expr": "x*2", "x": "abc"}, f"The value of x ('abc') {NOT_A_NUMBER}", "x"),
    posted("post-value-NaN-token", '{"expr": "x*2", "x": NaN}', NOT_FINITE, "x"),
    posted("post-value-Infinity-token", '{"expr": "x*2", "x": -Infinity}', NOT_FINITE, "x"),
    posted("post-value-1e999", '{"expr": "x*2", "x": 1e999}', NOT_FINITE, "x"),
    posted("post-value-400-digit-integer", '{"expr": "x*2", "x": 1%s}' % ("0" * 400), NOT_FINITE, "x"),
    posted("post-precision-true", {"expr": "x*2", "precision": True}, PRECISION, "precision"),
    posted("post-precision-fraction", {"expr": "x*2", "precision": 2.5}, PRECISION, "precision"),
    posted("post-oversized-body", {"expr": "x*2", "pad": "p" * 17000},
           "The data value transmitted exceeds the capacity limit.", status=413),
    # Routes and methods.
    Refused("route-unknown-api-path", 404, "The requested URL was not found on the server.",
            path="/api/nope"),
    Refused("route-put", 405, "The method is not allowed for the requested URL.", method="PUT",
            body=b"", content_type=None),
    Refused("route-delete", 405, "The method is not allowed for the requested URL.", method="DELETE",
            body=b"", content_type=None),
]
refused_inputs = pytest.mark.parametrize("case", REFUSED, ids=[case.id for case in REFUSED])


def test_the_table_covers_enough_hostile_inputs():
    assert len(REFUSED) >= 45
    assert len({case.id for case in REFUSED}) == len(REFUSED)


@refused_inputs
def test_refused_through_the_api(client, case):
    response = case.send(client)
    assert response.status_code == case.status
    body = strict_json(response)
    assert body == {"error": {"message": body["error"]["message"], "field": case.field,
                              "position": case.position}}
    assert case.message in body["error"]["message"]


@pytest.mark.parametrize("case", [case for case in REFUSED if case.views],
                         ids=[case.id for case in REFUSED if case.views])
def test_refused_on_the_page_beside_its_field(client, case):
    response = case.send(client, "/")
    assert response.status_code == case.status
    page = Page(response)
    assert "Traceback" not in page.source and 'File "' not in page.source
    assert page.images == []
    # The scripts are files of ours, KaTeX vendored among them: no inline script could carry the input.
    # The page catalogue is data (JSON the browser never runs), the scripts' words from the server's catalogue.
    assert [attrs for tag, attrs in page.tags if tag == "script"] == [
        {"defer": None, "src": "/static/vendor/katex/katex.min.js"}, {"type": "module", "src": "/static/app.js"},
        {"type": "application/json", "id": "page-catalogue"}]
    assert not [(tag, name) for tag, attrs in page.tags for name in attrs if name.startswith("on")]
    shown_fields = {f.name for f in page.fields}
    if case.field in shown_fields:
        errors = page.field(case.field).errors
        assert [f.name for f in page.fields if f.errors] == [case.field]
    else:
        errors = page.general_errors
    assert any(case.message in error for error in errors), errors
    if case.position is not None:  # under the column of its line
        column = case.position - (page.field("expr").value.rfind("\n", 0, case.position) + 1)
        assert page.field("expr").caret.split("\n")[-1] == " " * column + "^"


@pytest.mark.parametrize("case", [case for case in REFUSED if case.views],
                         ids=[case.id for case in REFUSED if case.views])
def test_refused_as_an_svg_error_image(client, case):
    response = case.send(client, "/graph.svg")
    assert response.status_code == case.status
    text = " ".join(text for _, text in svg_texts(response))
    assert squeeze(case.message) in squeeze(text)


def test_missing_expression_on_the_page_shows_the_empty_form(client):
    response = client.get("/?x=1")
    assert response.status_code == 200
    assert Page(response).field("expr").value == ""


def test_wrong_method_on_the_page_is_an_html_405(client):
    response = client.put("/")
    assert response.status_code == 405
    assert Page(response).general_errors == ["The method is not allowed for the requested URL."]


# Inputs that look odd but are fine: the exact answer each one gets.

@dataclass(frozen=True)
class Accepted:
    id: str
    query: object  # (name, value) pairs for GET, or a dict to POST as JSON, or the JSON text to POST
    expect: dict  # top-level fields of the JSON answer


ACCEPTED = [
    Accepted("exec-is-only-a-variable-name", [("expr", "exec*2")],
             {"value": 2.0, "defaults": {"exec": 1.0}}),
    Accepted("power-tower-times-a-variable-is-inf", [("expr", "x*9**9**9**9"), ("x", "2")],
             {"value": "Infinity", "gradients": {"x": "Infinity"}}),
    Accepted("unknown-parameters-are-ignored",
             [("expr", "x*y"), ("x", "2"), ("y", "3"), ("color", "red"), ("callback", "alert(1)"),
              ('x"] [label=<b>', "1")],
             {"value": 6.0, "defaults": {}}),
    Accepted("pi-is-the-constant-not-a-parameter", [("expr", "pi*x"), ("pi", "2"), ("x", "2")],
             {"value": pytest.approx(2 * math.pi), "variables": {"x": 2.0}}),
    Accepted("value-with-surrounding-spaces", [("expr", "x*2"), ("x", " 2 ")], {"value": 4.0}),
    Accepted("value-with-plus-sign", [("expr", "x*2"), ("x", "+1.5")], {"value": 3.0}),
    Accepted("value-with-leading-dot", [("expr", "x*2"), ("x", ".5")], {"value": 1.0}),
    Accepted("value-with-trailing-dot", [("expr", "x*2"), ("x", "5.")], {"value": 10.0}),
    Accepted("value-with-exponent", [("expr", "x*2"), ("x", "1E3")], {"value": 2000.0}),
    Accepted("precision-empty-is-the-default", [("expr", "x*2"), ("precision", "")], {"options": {"precision": 2, "colors": "lecture", "theme": "light", "direction": "LR", "composites": "typed", "wrt": "", "practice": ""}}),
    Accepted("precision-0", [("expr", "x*2"), ("precision", "0")], {"options": {"precision": 0, "colors": "lecture", "theme": "light", "direction": "LR", "composites": "typed", "wrt": "", "practice": ""}}),
    Accepted("precision-10", [("expr", "x*2"), ("precision", "10")], {"options": {"precision": 10, "colors": "lecture", "theme": "light", "direction": "LR", "composites": "typed", "wrt": "", "practice": ""}}),
    Accepted("exactly-120-gates", [("expr", "x+" * 120 + "x")], {"value": 121.0}),
    Accepted("exactly-20-variables", [("expr", "+".join(f"v{i}" for i in range(20)))], {"value": 20.0}),
    Accepted("exactly-40-levels-of-nesting", [("expr", "(" * 40 + "x" + ")" * 40), ("x", "3")],
             {"value": 3.0}),
    Accepted("name-of-30-characters", [("expr", "a" * 30 + "*2")], {"value": 2.0}),
    Accepted("expression-of-1000-characters", [("expr", "x" + " " * 997 + "+x")], {"value": 2.0}),
    Accepted("tabs-and-newlines-in-brackets-are-spaces", [("expr", "(x\n*\t2)")], {"value": 2.0}),
    Accepted("carriage-returns-and-line-feeds-are-spaces-in-brackets", [("expr", "(x\r\n*\r\n2)")],
             {"value": 2.0}),
    Accepted("value-with-tab-and-line-break-around-it", [("expr", "x*2"), ("x", "\t2\r\n")], {"value": 4.0}),
    Accepted("precision-with-spaces-around-it", [("expr", "x*2"), ("precision", " 3\n")], {"options": {"precision": 3, "colors": "lecture", "theme": "light", "direction": "LR", "composites": "typed", "wrt": "", "practice": ""}}),
    Accepted("post-value-left-out-gets-the-default", {"expr": "x*2"}, {"value": 2.0, "defaults": {"x": 1.0}}),
    Accepted("post-value-as-text", {"expr": "x*2", "x": "-2"}, {"value": -4.0}),
    Accepted("post-precision-as-number", {"expr": "x*2", "precision": 3}, {"options": {"precision": 3, "colors": "lecture", "theme": "light", "direction": "LR", "composites": "typed", "wrt": "", "practice": ""}}),
    Accepted("post-unknown-fields-are-ignored", {"expr": "x*2", "x": 1, "color": [1, {"a": None}]},
             {"value": 2.0}),
    Accepted("post-unknown-field-with-a-key-twice-inside-is-ignored",
             '{"expr": "x*2", "x": 1, "color": [null, {"a": null, "a": 1}]}', {"value": 2.0}),
]


@pytest.mark.parametrize("case", ACCEPTED, ids=[case.id for case in ACCEPTED])
def test_accepted_with_its_exact_answer(client, case):
    if isinstance(case.query, dict):
        response = client.post("/api/graph", json=case.query)
    elif isinstance(case.query, str):
        response = client.post("/api/graph", data=case.query, content_type="application/json")
    else:
        response = get(client, "/api/graph", case.query)
    assert response.status_code == 200
    body = strict_json(response)
    assert {name: body[name] for name in case.expect} == case.expect


def test_huge_constant_is_drawn_as_inf_without_hanging(client):
    started = time.monotonic()
    response = get(client, "/graph.svg", [("expr", "x*9**9**9**9"), ("x", "2")])
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert (GREEN, "inf") in svg_texts(response)
    page = get(client, "/", [("expr", "x*9**9**9**9"), ("x", "2")])
    assert page.status_code == 200


LARGEST = {
    "500-gates-over-100-variables": "+".join(f"a{i % 100}" for i in range(501)),
    "500-gates-over-one-variable": "*".join(["x"] * 501),
}


@pytest.mark.parametrize("expr", LARGEST.values(), ids=LARGEST.keys())
def test_largest_circuits_within_the_limits_are_drawn(client, expr):
    """At the gate limit, with every variable forking many times: still drawn, not a 503."""
    response = get(client, "/graph.svg", [("expr", expr)])
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"


def test_the_png_that_crashed_dot_is_drawn_within_the_pixel_limit(client):
    """120 gates top to bottom with 10 decimals: at 144 dpi a 7922 x 27147 bitmap, 860 MB that dot
    could not allocate under its 1 GiB limit, so it crashed (SIGSEGV) on every try. Now zoomed
    out to keep the bitmap within MAX_PNG_PIXELS."""
    response = get(client, "/graph.png", [("expr", "*".join(["x"] * 121)), ("precision", "10"),
                                          ("direction", "TB")])
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", response.data[16:24])
    assert width * height <= MAX_PNG_PIXELS
    assert height > 3 * width > 3 * 800  # still the whole circuit, top to bottom


# --- 4. non-finite results -----------------------------------------------------------------------


def flagged_cells(response):
    root = ET.fromstring(response.data)
    return [polygon for polygon in root.iter(f"{SVG}polygon") if polygon.get("fill") == FLAG]


def bold_texts(response):
    root = ET.fromstring(response.data)
    return sorted("".join(text.itertext()) for text in root.iter(f"{SVG}text")
                  if text.get("font-weight") == "bold")


def test_one_over_zero_is_infinity(client):
    query = [("expr", "1/x"), ("x", "0")]
    body = strict_json(get(client, "/api/graph", query))
    assert body["value"] == "Infinity"
    assert body["gradients"] == {"x": "-Infinity"}
    svg = get(client, "/graph.svg", query)
    assert svg.status_code == 200
    texts = svg_texts(svg)
    assert (GREEN, "inf") in texts and (RED, "-inf") in texts
    assert bold_texts(svg) == ["-inf", "inf"]
    assert len(flagged_cells(svg)) == 2  # only the two non-finite numbers are highlighted


def test_log_of_a_negative_number_is_nan_with_pytorchs_slope(client):
    query = [("expr", "log(x)"), ("x", "-1")]
    body = strict_json(get(client, "/api/graph", query))
    assert body["value"] == "NaN"
    assert body["gradients"] == {"x": -1.0}  # log'(x) = 1/x, as PyTorch's log backward
    svg = get(client, "/graph.svg", query)
    assert (GREEN, "nan") in svg_texts(svg) and (RED, "-1.00") in svg_texts(svg)
    assert bold_texts(svg) == ["nan"]


def test_finite_circuit_has_nothing_highlighted(client):
    svg = get(client, "/graph.svg", GOLDEN["figure-2"].query)
    assert flagged_cells(svg) == [] and bold_texts(svg) == []


# --- 5. the permalink ----------------------------------------------------------------------------

PERMALINKS = {
    "figure-2": GOLDEN["figure-2"].query,
    "typed-values-and-a-default": [("expr", "max(x, y)*z"), ("x", "1.50"), ("y", "-0"),
                                   ("precision", "4")],
}


@pytest.mark.parametrize("query", PERMALINKS.values(), ids=PERMALINKS.keys())
def test_link_to_this_circuit_reproduces_it(client, query):
    page = Page(get(client, "/", query))
    link = page.link("Link to this circuit")
    assert urlsplit(link).path == "/"
    again = client.get(link)
    assert again.status_code == 200
    assert Page(again).variables == page.variables
    linked_query = urlsplit(link).query
    assert strict_json(client.get(f"/api/graph?{linked_query}")) == strict_json(
        get(client, "/api/graph", query))
    assert same_query(page.link("JSON"), link) and same_query(page.link("SVG"), link)


# --- 6. display options, exports, and the numbers the page patches into its SVG ------------------


FIGURE_2_QUERY = GOLDEN["figure-2"].query

PALETTES = {  # option values -> (value colour, gradient colour, background)
    (("colors", "lecture"), ("theme", "light")): ("#007a00", "#d00000", "#ffffff"),
    (("colors", "colorblind"), ("theme", "light")): ("#006dab", "#ad4c00", "#ffffff"),
    (("colors", "lecture"), ("theme", "dark")): ("#5fd35f", "#ff7a7a", "#16181d"),
    (("colors", "colorblind"), ("theme", "dark")): ("#56b4e9", "#f0a35e", "#16181d"),
}


@pytest.mark.parametrize("options, colours", PALETTES.items(),
                         ids=["-".join(value for _, value in key) for key in PALETTES])
def test_colour_options_colour_the_numbers_and_the_page(client, options, colours):
    value_colour, gradient_colour, background = colours
    response = get(client, "/graph.svg", [*FIGURE_2_QUERY, *options])
    texts = svg_texts(response)
    contains_all([text for fill, text in texts if fill == value_colour], GOLDEN["figure-2"].green)
    contains_all([text for fill, text in texts if fill == gradient_colour], GOLDEN["figure-2"].red)
    assert f'fill="{background}"' in response.text
    page = get(client, "/", [*FIGURE_2_QUERY, *options])
    assert f'data-theme="{dict(options)["theme"]}"' in page.text


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_direction_option_sets_the_layout(client, direction):
    dot = get(client, "/graph.dot", [*FIGURE_2_QUERY, ("direction", direction)])
    assert f"rankdir={direction}" in dot.text
    texts = [text for _, text in svg_texts(get(client, "/graph.svg", [*FIGURE_2_QUERY, ("direction", direction)]))]
    contains_all(texts, GOLDEN["figure-2"].green + GOLDEN["figure-2"].red)


def test_options_round_trip_through_the_json(client):
    body = strict_json(get(client, "/api/graph", [*FIGURE_2_QUERY, ("colors", "colorblind"),
                                                  ("theme", "dark"), ("direction", "TB")]))
    assert body["options"] == {"precision": 2, "colors": "colorblind", "theme": "dark", "direction": "TB", "composites": "typed", "wrt": "", "practice": ""}


def test_png_export_is_a_png(client):
    response = get(client, "/graph.png", FIGURE_2_QUERY)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n")


def test_dot_export_is_the_dot_source(client):
    response = get(client, "/graph.dot", FIGURE_2_QUERY)
    assert response.status_code == 200
    assert response.mimetype == "text/vnd.graphviz"
    assert response.text.startswith("digraph circuit {")
    assert ">0.73<" in response.text and ">-0.53<" in response.text


@pytest.mark.parametrize("path", ["/graph.png", "/graph.dot"])
def test_exports_refuse_bad_input_with_an_error_image(client, path):
    response = get(client, path, [("expr", "x+"), ("x", "1")])
    assert response.status_code == 400
    assert response.mimetype == "image/svg+xml"
    assert "column 3" in response.text


def svg_wire_numbers(response):
    """{wire id: [texts]} for every wire table of the SVG, by its `id` attribute."""
    root = ET.fromstring(response.data)
    return {group.get("id"): ["".join(text.itertext()) for text in group.iter(f"{SVG}text")]
            for group in root.iter(f"{SVG}g") if "wire" in (group.get("class") or "").split()}


@pytest.mark.parametrize("expr, values", [
    pytest.param("1/(1+exp(-(w0*x0+w1*x1+w2)))", GOLDEN["figure-2"].values, id="figure-2"),
    pytest.param("x*y+x*max(x,y)", {"x": 2, "y": -3}, id="forks"),
    pytest.param("log(x)/y", {"x": -1, "y": 0}, id="non-finite"),
])
def test_json_wires_match_the_svg_the_page_patches(client, expr, values):
    query = [("expr", expr), *((name, str(value)) for name, value in values.items())]
    body = strict_json(get(client, "/api/graph", query))
    drawn = svg_wire_numbers(get(client, "/graph.svg", query))
    assert sorted(wire["id"] for wire in body["wires"]) == sorted(drawn)
    for wire in body["wires"]:
        # The page relies on this: a wire's last two texts are its value and its gradient.
        assert drawn[wire["id"]][-2:] == [wire["value"], wire["grad"]]
        assert wire["flagged"] == [wire["value"] in ("inf", "-inf", "nan"),
                                   wire["grad"] in ("inf", "-inf", "nan")]


def test_json_gives_each_gates_chain_rule_factors(client):
    body = strict_json(get(client, "/api/graph", FIGURE_2_QUERY))
    nodes = {node["label"]: node for node in body["nodes"]}
    exp_gate = nodes["exp"]
    assert (exp_gate["formula"], exp_gate["formula_latex"]) == ("exp(α)", r"e^{\alpha}")
    [operand] = exp_gate["operands"]
    assert (operand["symbol"], operand["local_formula"], operand["local_formula_latex"]) == ("α", "exp(α)", r"e^{\alpha}")
    assert operand["local"] == pytest.approx(math.exp(-1))
    # upstream x local = downstream, the lecture's -0.53 x 0.37 = -0.20
    assert exp_gate["grad"] * operand["local"] == pytest.approx(operand["grad"])
    assert round(exp_gate["grad"], 2) == -0.53 and round(operand["grad"], 2) == -0.20
    inverse = nodes["1/x"]
    assert inverse["formula"] == "1/α" and inverse["operands"][1]["local_formula"] == "-1/α**2"
    assert inverse["operands"][0] == {"const": 1.0, "text": "1"}


# --- 7. explaining the math: chain rule, staged code, gradient check, formulas, forward mode ---


@golden_circuits
def test_chain_rule_table_multiplies_upstream_by_local_at_every_gate(client, golden):
    body = strict_json(get(client, "/api/explain", golden.query))
    graph = strict_json(get(client, "/api/graph", golden.query))
    grads = {node["id"]: node["grad"] for node in graph["nodes"]}
    gate_ids = [node["id"] for node in graph["nodes"] if node["op"] != "input"]
    assert [row["gate"] for row in body["chain_rule"]] == gate_ids[::-1]  # backward order
    arriving = Counter()
    for row in body["chain_rule"]:
        assert row["upstream"] == pytest.approx(grads[row["gate"]])
        for operand in row["operands"]:
            assert operand["downstream"] == pytest.approx(row["upstream"] * operand["local"])
            arriving[operand["node"]] += operand["downstream"]
    for node_id, total in arriving.items():  # forks add up
        assert total == pytest.approx(grads[node_id])


def chain_rule_row(body, label):
    [row] = [row for row in body["chain_rule"] if row["label"] == label]
    return row


def test_figure_2_chain_rule_has_the_lectures_numbers(client):
    body = strict_json(get(client, "/api/explain", GOLDEN["figure-2"].query))
    exp_row = chain_rule_row(body, "exp")
    [operand] = exp_row["operands"]
    assert (round(exp_row["upstream"], 2), round(operand["local"], 2), round(operand["downstream"], 2)) == (
        -0.53, 0.37, -0.20)
    assert (operand["symbol"], operand["local_formula"]) == ("α", "exp(α)")
    assert "its own derivative" in exp_row["intuition"]
    inverse = chain_rule_row(body, "1/x")
    assert round(inverse["operands"][0]["local"], 2) == -0.53
    assert inverse["operands"][0]["local_formula"] == "-1/α**2"
    assert "scales the gradient" in chain_rule_row(body, "*-1")["intuition"]
    assert "swaps" in body["chain_rule"][-1]["intuition"]  # w0*x0, the first gate typed


def test_figure_3_chain_rule_shows_add_distributing_mul_swapping_max_routing(client):
    body = strict_json(get(client, "/api/explain", GOLDEN["figure-3"].query))
    add, mul, routed = (chain_rule_row(body, label) for label in ("+", "*", "max"))
    assert "distributes" in add["intuition"]
    assert [operand["downstream"] for operand in add["operands"]] == [2.0, 2.0]
    assert "swaps" in mul["intuition"]
    assert [operand["local"] for operand in mul["operands"]] == [-4.0, 3.0]  # x gets y, y gets x
    assert "routes" in routed["intuition"]
    assert [operand["downstream"] for operand in routed["operands"]] == [2.0, 0.0]


def test_forks_show_their_sum(client):
    body = strict_json(get(client, "/api/explain", [("expr", "x*y+x"), ("x", "-1.5"), ("y", "2")]))
    assert body["forks"] == [{"node": "n0", "label": "x", "branches": [2.0, 1.0], "total": 3.0}]


@golden_circuits
def test_generated_staged_code_reproduces_every_gradient(client, golden):
    body = strict_json(get(client, "/api/explain", golden.query))
    gradients = strict_json(get(client, "/api/graph", golden.query))["gradients"]
    namespace = {}
    exec(body["code"]["python"], namespace)  # in the test process only, never in the server
    for name, gradient in gradients.items():
        assert namespace["d" + name] == pytest.approx(gradient, rel=1e-12)
    download = get(client, "/code/staged.py", golden.query)
    assert download.mimetype == "text/x-python" and download.text == body["code"]["python"]
    assert "import torch" in get(client, "/code/pytorch.py", golden.query).text


@golden_circuits
def test_gradient_check_passes_and_formulas_agree_for_the_golden_circuits(client, golden):
    body = strict_json(get(client, "/api/explain", golden.query))
    gradients = strict_json(get(client, "/api/graph", golden.query))["gradients"]
    assert [check["name"] for check in body["gradcheck"]] == list(golden.values)
    for check in body["gradcheck"]:
        assert check["verdict"] == "good", check
        assert check["relative_error"] < 1e-7
    assert body["symbolic_note"] is None
    for name, symbolic in body["symbolic"].items():
        assert symbolic["value"] == pytest.approx(gradients[name], rel=1e-12)
        assert (symbolic["agrees"], symbolic["differs"]) == (True, None)


def test_gradient_check_warns_at_a_kink(client):
    body = strict_json(get(client, "/api/explain", [("expr", "relu(x)*y"), ("x", "0"), ("y", "2")]))
    [x_check, _] = body["gradcheck"]
    assert x_check["kinks"] and "kink" in x_check["warning"]


@pytest.mark.parametrize("golden", [GOLDEN["figure-1"], GOLDEN["figure-2"]], ids=["figure-1", "figure-2"])
def test_forward_mode_gives_each_inputs_gradient_at_the_output(client, golden):
    for name in golden.values:
        body = strict_json(get(client, "/api/graph", [*golden.query, ("wrt", name)]))
        assert body["tangents"][body["output"]] == pytest.approx(body["gradients"][name])
        assert all("tangent" in wire for wire in body["wires"])
        drawn = svg_wire_numbers(get(client, "/graph.svg", [*golden.query, ("wrt", name)]))
        for wire in body["wires"]:
            assert drawn[wire["id"]][-3:] == [wire["value"], wire["grad"], wire["tangent"]]


@pytest.mark.parametrize("wrt, message", [
    ("z", "wrt must be one of the variables: x, y; got 'z'."),
    ("exp", "wrt must be one of the variables: x, y; got 'exp'."),
])
def test_forward_mode_needs_one_of_the_variables(client, wrt, message):
    body = strict_json(get(client, "/api/graph", [("expr", "x*y"), ("wrt", wrt)]))
    assert body["error"]["message"] == message and body["error"]["field"] == "wrt"


def test_symbolic_gradients_are_left_out_for_large_circuits(client):
    body = strict_json(get(client, "/api/explain", [("expr", "+".join(["x*y"] * 25))]))
    assert body["symbolic"] is None
    assert body["symbolic_note"].startswith("This circuit has 49 gates; SymPy's formulas are worked out for up to 40")
    assert body["gradcheck"][0]["verdict"] == "good"


@pytest.mark.parametrize("query", [
    "expr=sqrt(x)&x=0", "expr=log(x)&x=0", "expr=1/x&x=0", "expr=x**-1&x=0", "expr=1/log(x)",
    "expr=x/tan(x)&x=0", "expr=abs(y/x)%2Babs(x)", "expr=(x%2B1)**1000000&x=2",
])
def test_symbolic_gradients_never_make_a_500(client, query):
    # SymPy raised ZeroDivisionError (evalf at a pole) or AttributeError (simplify), and expanded
    # (x+1)**1000000 until the worker ran out of memory.
    for path in ("/", "/api/explain"):
        assert client.get(f"{path}?{query}").status_code == 200, path
    body = strict_json(client.get(f"/api/explain?{query}"))
    if body["symbolic"] is None:
        assert body["symbolic_note"]
    else:
        assert all(isinstance(symbolic["agrees"], bool) for symbolic in body["symbolic"].values())


def test_symbolic_table_marks_each_row_without_javascript(client):
    page = client.get("/?expr=relu(x)*y&x=0&y=2").text
    assert '<td class="agreement agreement-agrees" data-label="against the backward pass">agrees</td>' in page
    assert "does not agree: a kink here (relu(x)), where SymPy&#39;s convention differs" in page
    assert "Here not every one agrees: x." in page


@pytest.mark.parametrize("mode, hidden_values, hidden_grads", [
    ("grads", [], ["-4.00", "-4.00", "3.00", "-4.00"]),
    # Finding the values hides the gradients as well: z's, 3, is q's value.
    ("values", ["3.00", "-12.00"], ["-4.00", "-4.00", "3.00", "-4.00"]),
])
def test_practice_mode_draws_the_numbers_to_find_as_question_marks(client, mode, hidden_values, hidden_grads):
    query = [*GOLDEN["figure-1"].query, ("practice", mode)]
    texts = svg_texts(get(client, "/graph.svg", query))
    shown = [text for _, text in texts]
    for number in hidden_values + hidden_grads:
        assert shown.count(number) < [text for _, text in svg_texts(get(client, "/graph.svg", GOLDEN["figure-1"].query))].count(number)
    assert shown.count("?") == len(hidden_values) + len(hidden_grads)
    assert (RED, "1.00") in texts  # the output's gradient is given
    body = strict_json(get(client, "/api/graph", query))
    assert sum(wire["hidden"].count(True) for wire in body["wires"]) == shown.count("?")
    assert body["options"]["practice"] == mode


def test_practice_turns_forward_mode_off(client):
    body = strict_json(get(client, "/api/graph", [*GOLDEN["figure-1"].query, ("practice", "grads"), ("wrt", "x")]))
    assert body["options"]["wrt"] == "" and "tangents" not in body


# ---------------------------------------------------------------------------------------------
# Content-addressed routes: the same URL gives the same bytes, so they carry a strong ETag and
# Cache-Control, and a repeat with If-None-Match is a bodiless 304. Not the page nor /api/explain
# (SymPy may run out of time on one request and not the next), not POST, not errors.

CACHED = ["/graph.svg?expr=x*2&x=3", "/graph.png?expr=x*2&x=3", "/graph.dot?expr=x*2&x=3",
          "/code/staged.py?expr=x*2&x=3", "/code/pytorch.py?expr=x*2&x=3", "/api/graph?expr=x*2&x=3"]
NOT_CACHED = ["/?expr=x*2&x=3", "/api/explain?expr=x*2&x=3", "/graph.svg?expr=x*", "/api/graph?expr=x*"]


@pytest.mark.parametrize("url", CACHED)
def test_content_addressed_answers_carry_an_etag_and_answer_304(client, url):
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=3600"
    etag = first.headers["ETag"]
    assert client.get(url).headers["ETag"] == etag  # the same bytes again
    repeat = client.get(url, headers={"If-None-Match": etag})
    assert (repeat.status_code, repeat.data) == (304, b"")
    other = client.get(url.replace("x=3", "x=4"))
    assert other.headers["ETag"] != etag


@pytest.mark.parametrize("url", NOT_CACHED)
def test_pages_explanations_and_errors_are_not_marked_cacheable(client, url):
    response = client.get(url)
    assert "ETag" not in response.headers and "Cache-Control" not in response.headers


def test_a_posted_circuit_is_not_marked_cacheable(client):
    response = client.post("/api/graph", json={"expr": "x*2", "x": 3})
    assert response.status_code == 200 and "ETag" not in response.headers


def test_the_steps_of_the_two_passes_say_which_numbers_each_shows(client):
    """x*y + x: the inputs' wires (x forks into both gates), each gate forward, the output's 1,
    then each gate backward with its chain-rule rows; x's fork is summed once its last branch
    has its gradient, in the step of the gate that gives it."""
    steps = client.get("/api/graph?expr=x*y%2Bx&x=2&y=3").json["steps"]
    assert [(step["kind"], step["node"], step["values"], step["grads"]) for step in steps] == [
        ("inputs", None, ["wire-n0", "wire-n0-n2-0", "wire-n0-n3-1", "wire-n1"], []),
        ("forward", "n2", ["wire-n2"], []),
        ("forward", "n3", ["wire-n3"], []),
        ("output", "n3", [], ["wire-n3"]),
        ("backward", "n3", [], ["wire-n2", "wire-n0-n3-1"]),
        ("backward", "n2", [], ["wire-n0-n2-0", "wire-n0", "wire-n1"]),
    ]
    assert steps[4]["chains"] == [{"operand": 0, "wire": "wire-n2"}, {"operand": 1, "wire": "wire-n0-n3-1"}]
    assert steps[5]["chains"] == [{"operand": 0, "wire": "wire-n0-n2-0"}, {"operand": 1, "wire": "wire-n1"}]
    assert [step["forks"] for step in steps] == [[], [], [], [], [], ["n0"]]
