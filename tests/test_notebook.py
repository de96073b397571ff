"""The notebook API (graphlib/notebook.py): `backprop(...)` reads its keywords as the web app reads a
link, so its numbers and files are the app's; it shows as the diagram in Jupyter; and the example
notebook (docs/notebook.ipynb) runs in a real kernel with the lecture's numbers in its outputs."""

import json
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from graphlib import ExpressionSyntaxError, ValueInputError, backprop
from graphlib.errors import ShapeError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "notebook.ipynb"
FIGURE_1_QUERY = "expr=%28x%2By%29%2Az&x=-2&y=5&z=-4"


# (the values, as numbers, text or arrays; the output's value; the gradients)
CIRCUITS = [
    (("(x+y)*z",), {"x": -2, "y": 5, "z": -4}, -12.0, {"x": -4.0, "y": -4.0, "z": 3.0}),
    (("(x+y)*z",), {"x": "-2", "y": "5", "z": "-4"}, -12.0, {"x": -4.0, "y": -4.0, "z": 3.0}),
    (("(x+y)*z",), {"x": np.float64(-2), "y": np.int64(5), "z": -4.0}, -12.0, {"x": -4.0, "y": -4.0, "z": 3.0}),
    (("2*(x*y + max(z,w))",), {"x": 3, "y": -4, "z": 2, "w": -1}, -20.0, {"x": -8.0, "y": 6.0, "z": 2.0, "w": 0.0}),
    (("sum(W @ x)",), {"W": [[1, 2], [3, 4]], "x": [1, -1]}, -2.0,
     {"W": np.array([[1.0, -1.0], [1.0, -1.0]]), "x": np.array([4.0, 6.0])}),
    (("sum(W @ x)",), {"W": "[[1, 2], [3, 4]]", "x": np.array([1, -1])}, -2.0,
     {"W": np.array([[1.0, -1.0], [1.0, -1.0]]), "x": np.array([4.0, 6.0])}),
    (("sum(W @ x)",), {"W": ((1, 2), (3, 4)), "x": (1, -1)}, -2.0,
     {"W": np.array([[1.0, -1.0], [1.0, -1.0]]), "x": np.array([4.0, 6.0])}),
]


@pytest.mark.parametrize("args, values, value, gradients", CIRCUITS, ids=lambda case: str(case)[:40])
def test_value_and_gradients(args, values, value, gradients):
    circuit = backprop(*args, **values)
    assert circuit.value == value
    assert circuit.gradients.keys() == gradients.keys()
    for name, gradient in gradients.items():
        np.testing.assert_array_equal(circuit.gradients[name], gradient, strict=True)


def test_options_are_the_urls_and_a_variable_not_given_is_1():
    circuit = backprop("(x+y)*z", x=-2, precision=3, wrt="x", seed=None)
    assert circuit.values == {"x": -2.0, "y": 1.0, "z": 1.0}
    assert circuit.circuit.style.precision == 3 and circuit.circuit.style.wrt == "x"
    assert backprop("x*y", seed=7).values == backprop("x*y", seed="7").values


def test_gradient_descent_by_params_as_a_tuple_or_text():
    start = dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3, y=0)
    expression = "(1/(1+exp(-(w0*x0+w1*x1+w2))) - y)**2"
    by_list = backprop(expression, **start, params=("w0", "w1", "w2"), lr=0.5, steps=4)
    by_text = backprop(expression, **start, params="w0,w1,w2", lr="0.5", steps="4")
    assert by_list.values == by_text.values and by_list.value == by_text.value
    assert round(by_list.value, 2) == 0.04  # the gallery's note: 0.53 to 0.04 in 4 steps


def test_with_values_is_a_new_circuit_and_the_first_stays():
    first = backprop("(x+y)*z", x=-2, y=5, z=-4)
    second = first.with_values(x=1, precision=0)
    assert (first.value, second.value) == (-12.0, -24.0)
    assert second.gradients == {"x": -4.0, "y": -4.0, "z": 6.0} and second.circuit.style.precision == 0
    assert first.circuit.style.precision == 2
    assert second.with_values(precision=None).circuit.style.precision == 2


def test_it_shows_as_the_diagram_of_graph_svg(client):
    circuit = backprop("(x+y)*z", x=-2, y=5, z=-4)
    assert circuit._repr_svg_() == client.get(f"/graph.svg?{FIGURE_1_QUERY}").get_data(as_text=True)
    assert repr(circuit) == "<backprop (x+y)*z = -12; gradients x=-4, y=-4, z=3>"


# (the file's extension, the route answering the same bytes)
FILES = [
    ("svg", "/graph.svg"), ("png", "/graph.png"), ("dot", "/graph.dot"), ("py", "/code/staged.py"),
]


@pytest.mark.parametrize("extension, route", FILES)
def test_save_writes_the_routes_bytes_by_extension(extension, route, tmp_path, client):
    path = backprop("(x+y)*z", x=-2, y=5, z=-4).save(tmp_path / f"fig.{extension}")
    assert path.read_bytes() == client.get(f"{route}?{FIGURE_1_QUERY}").data


@pytest.mark.parametrize("output_format, route", [("json", "/api/graph"), ("explain", "/api/explain")])
def test_save_json_is_the_apis_document(output_format, route, tmp_path, client):
    path = backprop("(x+y)*z", x=-2, y=5, z=-4).save(tmp_path / "fig.json", output_format)
    assert json.loads(path.read_text()) == client.get(f"{route}?{FIGURE_1_QUERY}").get_json()


def test_explain_prints_as_text_and_shows_as_a_table():
    table = backprop("(x+y)*z", x=-2, y=5, z=-4, precision=0).explain()
    assert str(table).splitlines()[2] == "* (x+y)*z  α = x+y  ∂/∂α = β = -4   1 × -4 = -4"
    html = table._repr_html_()
    assert html.startswith("<table><thead><tr><th>gate</th>") and "<td>1 × -4 = -4</td>" in html
    assert '<td colspan="3"><i>An add gate distributes: every input gets the upstream gradient unchanged.</i>' in html
    assert [len(row) if isinstance(row, tuple) else "intuition" for row in table.rows] == [4, 4, "intuition", 4, 4, "intuition"]


def test_lang_ko_speaks_korean_where_a_link_with_lang_ko_does(client):
    circuit = backprop("(x+y)*x", x=3, y=-4, lang="ko")
    assert "곱셈 gate" in str(circuit.explain())
    assert circuit.render("svg") == client.get("/graph.svg?expr=%28x%2By%29%2Ax&x=3&y=-4&lang=ko").data
    assert circuit.with_values(x=1).language == "ko" and circuit.with_values(lang=None).language == "en"
    with pytest.raises(ExpressionSyntaxError) as raised:
        backprop("(x+y))*x", lang="ko")
    assert "짝이 없습니다" in raised.value.message
    with pytest.raises(ValueInputError, match="lang must be one of en, ko; got 'fr'"):
        backprop("x*y", lang="fr")


def test_explain_while_practising_gives_nothing_away():
    table = backprop("(x+y)*z", x=-2, practice="grads").explain()
    assert table.rows == () and str(table) == "Left out while practising: the gradients' values are numbers to find."


# (the call, the error it raises, part of its message, its position in the expression)
MISTAKES = [
    (lambda: backprop("(x+y))*z"), ExpressionSyntaxError, "Unmatched ')' at column 6", 5),
    (lambda: backprop("x*y", x="abc"), ValueInputError, "The value of x ('abc') is not a number", None),
    (lambda: backprop("x*y", x={"a": 1}), ValueInputError, "x must be a number, a list of numbers or text; got a dict", None),
    (lambda: backprop("x*y", x=True), ValueInputError, "x must be a number, a list of numbers or text; got a bool", None),
    (lambda: backprop("x*y", colors="pink"), ValueInputError, "colors must be one of lecture, colorblind", None),
    (lambda: backprop("W @ x", W=[[1, 2]], x=[1, 2]), ShapeError, "a circuit's output must be one number", 0),
    (lambda: backprop("x*y").save("figure.txt"), ValueInputError, "has no extension of a format this writes", None),
    (lambda: backprop("x*y").render("pdf"), ValueInputError, "The format must be one of svg, png", None),
    # a typo, or a field backprop takes otherwise: the expression (its first argument), the format (save's)
    (lambda: backprop("x*y", q=1), ValueInputError, "q is not a variable of the expression; its variables are x, y", None),
    (lambda: backprop("x*y", expr="z"), ValueInputError, "expr is not a variable of the expression", None),
    (lambda: backprop("x*y", format="png"), ValueInputError, "format is not a variable of the expression", None),
]


@pytest.mark.parametrize("call, error, message, position", MISTAKES, ids=lambda case: getattr(case, "__name__", None))
def test_a_mistake_raises_the_projects_error_with_its_message(call, error, message, position):
    with pytest.raises(error, match=None) as raised:
        call()
    assert message in raised.value.message and raised.value.position == position


# The same mistakes with lang="ko": each message in Korean, as the catalogue has it
KOREAN_MISTAKES = [
    (lambda: backprop("x*y", x={"a": 1}, lang="ko"), "x은(는) 숫자, 숫자의 list 또는 텍스트여야 합니다. 받은 값의 type: dict."),
    (lambda: backprop("x*y", lang="ko").save("figure.txt"),
     "'figure.txt'의 확장자는 쓸 수 있는 format의 것(.svg, .png, .dot, .json, .py)이 아닙니다. format을 svg, png, dot, "
     "json, py, pytorch, explain 중 하나로 지정하세요."),
    (lambda: backprop("x*y", lang="ko").render("pdf"),
     "format은 svg, png, dot, json, py, pytorch, explain 중 하나여야 합니다. 받은 값: 'pdf'."),
]


@pytest.mark.parametrize("call, message", KOREAN_MISTAKES, ids=["type", "extension", "format"])
def test_a_mistake_with_lang_ko_is_said_in_korean(call, message):
    with pytest.raises(ValueInputError) as raised:
        call()
    assert raised.value.message == message


def test_the_explain_table_with_lang_ko_has_korean_words_outside_the_lecture_terms():
    table = backprop("x*x", x=3, lang="ko").explain()
    assert table.header == ("gate", "input", "local gradient", "upstream × local = downstream")  # the lecture's terms
    assert table.rows[-1][:3] == ("fork", "x", "갈래의 합")  # as the page labels the sum
    assert str(backprop("x*y", practice="grads", lang="ko").explain()) == (
        "연습 중에는 빠져 있습니다: gradient의 값은 직접 구해야 할 숫자입니다.")


def _outputs_by_tag(notebook):
    return {tag: cell.outputs for cell in notebook.cells if cell.cell_type == "code"
            for tag in cell.metadata.get("tags", [])}


def _text(outputs):
    return "".join(output.get("text", "") or output.get("data", {}).get("text/plain", "") for output in outputs)


def test_the_example_notebook_runs_with_the_lectures_numbers(tmp_path, monkeypatch):
    """Run in a real IPython kernel as Jupyter and VS Code run it: in its folder, docs/, with no
    PYTHONPATH, so that `import graphlib` alone would find the standard library's. The folder is a
    scratch docs/ beside the repository's graphlib (a link), so that it receives the files."""
    monkeypatch.delenv("PYTHONPATH", raising=False)
    (tmp_path / "graphlib").symlink_to(ROOT / "graphlib")
    docs = tmp_path / "docs"
    docs.mkdir()
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells), "keep the notebook without outputs"
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(docs)}}).execute()
    outputs = _outputs_by_tag(notebook)
    assert [output.output_type for output in outputs["figure-1"]] == ["execute_result"]
    assert outputs["figure-1"][0].data["image/svg+xml"].lstrip().startswith(("<?xml", "<svg"))
    assert _text(outputs["value"]) == "-12.0"
    assert _text(outputs["gradients"]) == "{'x': -4.0, 'y': -4.0, 'z': 3.0}"
    assert "<td>1 × -4 = -4</td>" in outputs["explain"][0].data["text/html"]
    assert _text(outputs["with-values"]) == "{'x': -4.0, 'y': -4.0, 'z': 6.0}"
    assert (docs / "figure-1.png").read_bytes().startswith(b"\x89PNG")
    assert "import numpy as np" in _text(outputs["save"])
    assert "image/svg+xml" in outputs["layer"][0].data
    assert _text(outputs["layer-gradients"]) == "(11.5,\n array([[0., 0.],\n        [1., 2.]]))"
