"""Formulas that read like the lecture (graphlib/symbolic.py's gate formulas, the σ form of the
symbolic gradients) and what the page needs to typeset them with KaTeX under its CSP.

1. Every gate's formula and local derivatives name the gate's wires α and β, never a variable
   (a variable's name is ASCII); in plain text and in LaTeX, each printed from SymPy's expression.
2. The lecture's forms: σ(1 − σ) for the sigmoid, 1 − tanh² for tanh, b·a^(b−1) for a power; each
   the same function as SymPy's derivative of the gate.
3. The symbolic gradients of a circuit with a sigmoid, also in σ; LaTeX that keeps variables apart.
4. KaTeX is served from static/ with the fonts its CSS names, under a CSP of 'self' alone.
"""

import re
from pathlib import Path

import pytest
import sympy

from app import SECURITY_HEADERS, create_app
from graphlib import compute, symbolic
from graphlib.gallery import GALLERY
from graphlib.graph import Const
from graphlib.ops import OPS, Sigmoid
from graphlib.parse import parse

ROOT = Path(__file__).resolve().parent.parent
KATEX = ROOT / "static" / "vendor" / "katex"
FUNCTION_WORDS = {"exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "max", "min", "abs", "sign", "Heaviside", "e", "pi"}
GREEK = {"α", "β", "σ"}


@pytest.fixture
def client():
    return create_app({"TESTING": True, "RATELIMIT_ENABLED": False, "ANSWER_CACHE_ENTRIES": 0}).test_client()


def words_of_text(text):
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))


def letters_of_latex(latex):
    """The letters a LaTeX formula shows as names: what is left without its commands (\\alpha,
    \\frac, \\left...) and their upright names (\\operatorname{Heaviside})."""
    bare = re.sub(r"\\operatorname\{[A-Za-z]+\}|\\[A-Za-z]+", " ", latex)
    return set(re.findall(r"[A-Za-z]", bare))


# Every elementwise gate, with all its inputs wires, and with a constant where it has two.
ELEMENTWISE = {name: op for name, op in OPS.items() if op.elementwise}
GATE_SHAPES = [(name, (None,) * op.arity) for name, op in ELEMENTWISE.items()] + \
    [(name, shape) for name, op in ELEMENTWISE.items() if op.arity == 2 for shape in ((None, 2.0), (3.0, None))]


@pytest.mark.parametrize(("op_name", "shape"), GATE_SHAPES, ids=[f"{name}{shape}" for name, shape in GATE_SHAPES])
def test_every_gates_formulas_name_its_wires_alpha_and_beta_only(op_name, shape):
    constants = tuple(None if const is None else Const(const, repr(const)) for const in shape)
    formulas = symbolic._gate_formulas(op_name, constants)
    wires = sum(const is None for const in constants)
    names = [name for name, _ in formulas.operands]
    assert [(name.text, name.latex) for name in names] == [("α", r"\alpha"), ("β", r"\beta")][:wires]
    for shown in [formulas.formula] + [derivative for _, derivative in formulas.operands]:
        assert shown.text != symbolic.NO_FORMULA
        assert words_of_text(shown.text) <= FUNCTION_WORDS, shown.text
        assert set(re.findall(r"[^\x00-\x7f]", shown.text)) <= GREEK | {"="}, shown.text
        assert letters_of_latex(shown.latex) <= {"e"}, shown.latex  # Euler's e alone, never a name
        for symbol in ("α", "β")[wires:]:
            assert symbol not in shown.text  # a constant operand is its number


@pytest.mark.parametrize("op_name", ELEMENTWISE)
def test_every_gates_local_formula_is_sympys_derivative_of_the_gate(op_name):
    op = OPS[op_name]
    operands = symbolic.OPERANDS[:op.arity]
    formula = op.formula(*operands)
    formulas = symbolic._gate_formulas(op_name, (None,) * op.arity)
    lecture = op.local_formulas(*operands) if op.local_formulas else [sympy.diff(formula, a) for a in operands]
    for operand, derivative, (_, shown) in zip(operands, lecture, formulas.operands):
        assert sympy.simplify(derivative.rewrite(sympy.exp) - sympy.diff(formula, operand).rewrite(sympy.exp)) == 0
        assert shown.text == symbolic.plain(derivative)


LECTURE_FORMS = {
    # op: (the gate's formula, d/dα) as plain text, and the LaTeX of d/dα
    "sigmoid": ("σ(α) = 1/(1 + exp(-α))", "(1 - σ(α))*σ(α)", r"\left(1 - \sigma\left(\alpha\right)\right) \sigma\left(\alpha\right)"),
    "tanh": ("tanh(α)", "1 - tanh(α)**2", r"1 - \tanh^{2}{\left(\alpha \right)}"),
    "exp": ("exp(α)", "exp(α)", r"e^{\alpha}"),
    "log": ("log(α)", "1/α", r"\frac{1}{\alpha}"),
    "relu": ("max(0, α)", "Heaviside(α)", r"\operatorname{Heaviside}\left(\alpha\right)"),
    "abs": ("abs(α)", "sign(α)", r"\operatorname{sign}{\left(\alpha \right)}"),
}


@pytest.mark.parametrize("op_name", LECTURE_FORMS)
def test_one_input_gates_read_as_the_lecture_writes_them(op_name):
    formulas = symbolic._gate_formulas(op_name, (None,))
    [(_, derivative)] = formulas.operands
    assert (formulas.formula.text, derivative.text, derivative.latex) == LECTURE_FORMS[op_name]


def test_a_power_is_b_times_a_to_the_b_minus_1_and_a_constant_operand_is_its_number():
    [(_, base), (_, exponent)] = symbolic._gate_formulas("pow", (None, None)).operands
    assert (base.text, exponent.text) == ("α**(β - 1)*β", "α**β*log(α)")
    [(_, square)] = symbolic._gate_formulas("pow", (None, Const(2.0, "2"))).operands
    assert square.text == "2*α"
    [(_, times_e)] = symbolic._gate_formulas("mul", (None, Const(2.718281828459045, "e"))).operands
    assert (times_e.text, times_e.latex) == ("e", "e")  # the language's e, never SymPy's E (a name)


def chain_rule(client, expr, **values):
    body = client.get("/api/explain", query_string={"expr": expr, **values}).get_json()
    return [(row["label"], [(operand["symbol"], operand["local_formula"]) for operand in row["operands"]])
            for row in body["chain_rule"]]


def test_exp_of_x_times_y_plus_x_reads_right(client):
    # Before: "x = x*y ... d/dx = exp(x) = 7.39", in a circuit whose own x is 1.
    assert chain_rule(client, "exp(x*y)+x", x="1", y="2") == [
        ("+", [("α", "1"), ("β", "1")]),
        ("exp", [("α", "exp(α)")]),
        ("*", [("α", "β"), ("β", "α")]),
    ]


def test_figure_2_reads_right(client):
    example = next(example for example in GALLERY if example.slug == "figure-2")
    assert chain_rule(client, example.expr, **example.values) == [
        ("1/x", [("α", "-1/α**2")]),
        ("+1", [("α", "1")]),
        ("exp", [("α", "exp(α)")]),
        ("*-1", [("α", "-1")]),
        ("+", [("α", "1"), ("β", "1")]),
        ("+", [("α", "1"), ("β", "1")]),
        ("*", [("α", "β"), ("β", "α")]),
        ("*", [("α", "β"), ("β", "α")]),
    ]
    collapsed = chain_rule(client, example.expr, **example.values, composites="collapsed")
    assert collapsed[0] == ("sigmoid", [("α", "(1 - σ(α))*σ(α)")])


@pytest.mark.parametrize("example", GALLERY, ids=[example.slug for example in GALLERY])
def test_no_gate_formula_names_a_variable_of_the_circuit(client, example):
    """log-sum-exp's variables are a, b and c: the names the gates' wires had before."""
    body = client.get("/api/graph", query_string={"expr": example.expr, **example.values}).get_json()
    variables = set(parse(example.expr).variables)
    for node in body["nodes"]:
        for operand in node["operands"]:
            if "node" in operand:
                assert not words_of_text(operand["symbol"] + " " + operand["local_formula"]) & variables
                assert not letters_of_latex(operand["local_formula_latex"]) - {"e"}
        assert not words_of_text(node["formula"]) & variables


# The examples of numbers: a lecture form (σ or tanh) is written for these.
SCALAR_GALLERY = [example for example in GALLERY if not any(value.startswith("[") for value in example.values.values())]

VARIABLE_LATEX = [
    ("x", "x"), ("w0", "w_{0}"), ("x12", "x_{12}"),
    # SymPy's latex() would make these a Greek letter or a subscript: alpha would read as a gate's α.
    ("alpha", r"\mathrm{alpha}"), ("beta", r"\mathrm{beta}"), ("sigma", r"\mathrm{sigma}"),
    ("x_1", r"\mathrm{x\_1}"), ("dot", r"\mathrm{dot}"), ("E", "E"),
]


@pytest.mark.parametrize(("name", "latex"), VARIABLE_LATEX)
def test_a_variable_is_typeset_as_typed(name, latex):
    assert symbolic.variable_latex(name) == latex


def test_figure_2s_symbolic_gradients_are_also_written_as_the_lecture_does_with_sigma(client):
    example = next(example for example in GALLERY if example.slug == "figure-2")
    symbolic_answer = client.get("/api/explain", query_string={"expr": example.expr, **example.values}).get_json()["symbolic"]
    x0 = symbolic_answer["x0"]
    assert x0["lecture_form"] == "w0*(1 - σ(w0*x0 + w1*x1 + w2))*σ(w0*x0 + w1*x1 + w2)"
    assert x0["lecture_form_latex"] == (r"w_{0} \left(1 - \sigma\left(w_{0} x_{0} + w_{1} x_{1} + w_{2}\right)\right) "
                                      r"\sigma\left(w_{0} x_{0} + w_{1} x_{1} + w_{2}\right)")
    assert "w_{0} x_{0}" in x0["formula_latex"]  # simplified in time or not, the variables as the lecture writes them
    assert symbolic_answer["w2"]["lecture_form"] == "(1 - σ(w0*x0 + w1*x1 + w2))*σ(w0*x0 + w1*x1 + w2)"


def test_figure_2s_gradient_simplified_by_sympy_is_written_with_cosh():
    """What the lecture's form stands beside, worked out here without the request's time limit."""
    example = next(example for example in GALLERY if example.slug == "figure-2")
    graph = parse(example.expr)
    simple, text = symbolic._simplified(graph, "x0")
    assert text == "w0/(4*cosh(w0*x0/2 + w1*x1/2 + w2/2)**2)"
    latex_names = {symbol: symbolic.variable_latex(name) for name, symbol in symbolic.variable_symbols(graph).items()}
    assert symbolic.written(simple, latex_names).latex.startswith(r"\frac{w_{0}}{4 \cosh^{2}")


@pytest.mark.parametrize("example", SCALAR_GALLERY, ids=[example.slug for example in SCALAR_GALLERY])
def test_the_lecture_form_is_the_same_function_as_the_formula(example):
    graph = parse(example.expr)
    forms = symbolic._lecture_forms(graph)
    assert bool(forms) == (example.slug in ("figure-2", "figure-2-descent", "staged", "tanh-neuron"))  # a sigmoid or a tanh
    point = {symbol: sympy.Rational(example.values[name]) for name, symbol in symbolic.variable_symbols(graph).items()}
    for name, form in forms.items():
        value = form.rewrite(sympy.exp).evalf(30, subs=point)
        expected = symbolic.gradient_expressions(graph)[name].evalf(30, subs=point)
        assert abs(value - expected) < 1e-25


def test_a_circuit_without_a_sigmoid_or_tanh_has_no_lecture_form_and_its_text_uses_the_languages_names(client):
    body = client.get("/api/explain", query_string={"expr": "max(x, y)*e + abs(y)", "x": "1", "y": "2"}).get_json()
    x, y = body["symbolic"]["x"], body["symbolic"]["y"]
    assert x["lecture_form"] is None and x["lecture_form_latex"] is None
    assert x["formula"] == "e*Heaviside(x - y)"  # e, not SymPy's E: a variable may be named E
    assert "abs(y)" in y["formula"] and "Abs" not in y["formula"]
    assert x["formula_latex"] == r"e \operatorname{Heaviside}\left(x - y\right)"


def test_a_sigmoid_typed_as_one_is_written_with_sigma():
    x, y = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)
    assert symbolic._lecture_forms(parse("sigmoid(x)*y")) == {"x": y * (1 - Sigmoid(x)) * Sigmoid(x), "y": Sigmoid(x)}


def test_the_tanh_neurons_gradient_is_also_written_with_1_minus_tanh_squared():
    """SymPy's simplest form (without the request's time limit) beside the lecture's."""
    example = next(example for example in GALLERY if example.slug == "tanh-neuron")
    graph = parse(example.expr)
    assert symbolic._simplified(graph, "w1")[1] == "-x1*tanh(b + w1*x1 + w2*x2)**2 + x1"
    assert symbolic.plain(symbolic._lecture_forms(graph)["w1"]) == "x1*(1 - tanh(b + w1*x1 + w2*x2)**2)"


def test_a_lecture_form_that_is_the_formula_itself_is_left_out(client):
    """d (tanh(x)*y) / d y is tanh(x) either way; d / d x is y/cosh(x)**2 simplified."""
    gradients = client.get("/api/explain", query_string={"expr": "tanh(x)*y", "x": "0.5", "y": "2"}).get_json()["symbolic"]
    assert gradients["y"]["formula"] == "tanh(x)" and gradients["y"]["lecture_form"] is None
    assert gradients["x"]["lecture_form"] == "y*(1 - tanh(x)**2)"


# --- KaTeX under the CSP -----------------------------------------------------------------------

def test_the_csp_is_self_only_with_fonts_and_no_inline_style_or_script(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = dict(directive.strip().split(" ", 1) for directive in policy.split(";"))
    assert directives == {
        "default-src": "'none'", "script-src": "'self'", "connect-src": "'self'", "img-src": "'self'",
        "style-src": "'self'", "font-src": "'self'", "form-action": "'self'", "base-uri": "'none'",
        "frame-ancestors": "'none'",
    }
    assert "unsafe" not in SECURITY_HEADERS["Content-Security-Policy"]


def test_katex_and_every_font_its_css_names_first_are_served_from_static(client):
    page = client.get("/?expr=exp(x)").get_data(as_text=True)
    assert '<script defer src="/static/vendor/katex/katex.min.js">' in page
    assert '<link rel="stylesheet" href="/static/vendor/katex/katex.min.css">' in page
    css = (KATEX / "katex.min.css").read_text()
    fonts = re.findall(r"url\((fonts/[^)]+\.woff2)\)", css)
    assert len(fonts) == 20
    for font in fonts:  # woff2, the first of each font's sources, is the one every browser takes
        response = client.get(f"/static/vendor/katex/{font}")
        assert response.status_code == 200 and response.mimetype == "font/woff2", font
    assert client.get("/static/vendor/katex/katex.min.js").mimetype == "text/javascript"
    assert "MIT License" in (KATEX / "LICENSE").read_text()


def test_without_javascript_the_page_shows_the_plain_formulas_with_their_latex(client):
    example = next(example for example in GALLERY if example.slug == "figure-2")
    page = client.get("/", query_string={"expr": example.expr, **example.values}).get_data(as_text=True)
    assert '<code class="math" data-latex="\\partial/\\partial \\alpha = e^{\\alpha}">∂/∂α = exp(α)</code>' in page
    assert '<code class="math" data-latex="\\alpha">α</code> = <code>-(w0*x0+w1*x1+w2)</code>' in page


@pytest.mark.parametrize("name", ["α", "β", "σ"])
def test_no_variable_can_be_named_as_a_gates_wire(client, name):
    response = client.get("/api/graph", query_string={"expr": f"{name}*2"})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "expr"


def test_a_formula_past_2000_characters_stays_plain_text(client, monkeypatch):
    """Figure 1's d f / d z is `x + y`, 5 characters; d f / d x is `z`. With the bound at 3, in
    this process (no compute pool, so that monkeypatch reaches SymPy's work):"""
    assert symbolic.MAX_TYPESET_CHARS == 2000
    monkeypatch.setattr(symbolic, "MAX_TYPESET_CHARS", 3)
    previous = compute.use(compute.ComputePool(processes=0))
    try:
        answer = client.get("/api/explain", query_string={"expr": "(x+y)*z", "x": "-2", "y": "5", "z": "-4"}).get_json()
    finally:
        compute.use(previous)
    assert (answer["symbolic"]["x"]["formula"], answer["symbolic"]["x"]["formula_latex"]) == ("z", "z")
    assert (answer["symbolic"]["z"]["formula"], answer["symbolic"]["z"]["formula_latex"]) == ("x + y", None)


def test_the_vendored_katex_is_0_16_47():
    assert '"0.16.47"' in (KATEX / "katex.min.js").read_text()
