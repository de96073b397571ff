"""What a circuit teaches, in Korean (the `lessons` domain, docs/TRANSLATIONS.md): with lang=ko the
gates' intuitions, the conventions and the notes of /api/graph and /api/explain are the catalogue's
Korean, and nothing else changes: every number, every formula and the generated code are the same
bytes in both languages (one number, one answer: only words change).
"""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from markupsafe import escape

from app import create_app
from graphlib import api, symbolic
from graphlib.i18n import CATALOGUES, _, catalogue, translated, use_language
from graphlib.gallery import GALLERY
from graphlib.language import functions
from graphlib.ops import OPS, conventions
from graphlib.options import OPTIONS
from graphlib.render import MAX_FORK_BRANCHES

HANGUL = re.compile("[\uac00-\ud7a3]")
ROOT = Path(__file__).resolve().parent.parent

# (the circuit, its values, the gate whose intuition is read, its English intuition)
GATES = [
    ("(x+y)*z", {"x": "-2", "y": "5", "z": "-4"}, "add", OPS["add"].intuition),
    ("(x+y)*z", {"x": "-2", "y": "5", "z": "-4"}, "mul", OPS["mul"].intuition),
    ("2*(x*y + max(z,w))", {"x": "3", "y": "-4", "z": "2", "w": "-1"}, "max", OPS["max"].intuition),
    ("sigmoid(w*x + b)", {"w": "2", "x": "-1", "b": "-3"}, "sigmoid", OPS["sigmoid"].intuition),
    ("sum(W @ x)", {"W": "[[1, 2], [3, 4]]", "x": "[1, -2]"}, "matmul", OPS["matmul"].intuition),
    ("2*x + 1", {"x": "3"}, "add", OPS["add"].constant_intuition),
    ("sum(relu(W @ x + b))", {"W": "[[1, -2], [3, 4]]", "x": "[1, 2]", "b": "[1]"}, "sum", OPS["sum"].intuition),
]

# The fields whose text is words, which the two languages may write differently; every other string
# (numbers as text, labels, formulas, code, ids) is the same in both.
WORDS = {"intuition", "conventions", "symbolic_note", "symbolic_summary", "differs", "verdict_text", "warning",
         "summary", "shapes"}


@pytest.fixture(scope="module")
def client():
    return create_app().test_client()


def get(client, route, expr, values, lang):
    response = client.get(route, query_string={"expr": expr, **values, "lang": lang})
    assert response.status_code == 200, response.data
    return response


def korean(english):
    return catalogue("ko").gettext(english)


@pytest.mark.parametrize("expr, values, op, english", GATES, ids=[f"{case[2]}-{case[0]}" for case in GATES])
@pytest.mark.parametrize("route, gates_of", [
    ("/api/graph", lambda body: body["nodes"]),
    ("/api/explain", lambda body: body["chain_rule"]),
])
def test_a_gates_intuition_is_the_catalogues_korean(client, route, gates_of, expr, values, op, english):
    in_english = get(client, route, expr, values, "en").json
    in_korean = get(client, route, expr, values, "ko").json
    ours = [(en, ko) for en, ko in zip(gates_of(in_english), gates_of(in_korean)) if en["intuition"] == english]
    assert ours, f"no {op} gate says {english!r}"
    for en, ko in ours:
        assert ko["intuition"] == korean(english) != english
        assert HANGUL.search(ko["intuition"])
        assert en["label"] == ko["label"]


@pytest.mark.parametrize("expr, values", sorted({(case[0], tuple(case[1].items())) for case in GATES}))
@pytest.mark.parametrize("route", ["/api/graph", "/api/explain"])
def test_only_words_change_between_the_languages(client, route, expr, values):
    values = dict(values)
    in_english = get(client, route, expr, values, "en").json
    in_korean = get(client, route, expr, values, "ko").json
    worded = list(_differences(in_english, in_korean, ()))
    assert worded, "something is said in words"
    for path, english, translated in worded:
        assert set(path) & WORDS, f"{'/'.join(map(str, path))}: {english!r} became {translated!r}"
        assert HANGUL.search(translated), path


def _differences(english, korean, path):
    """(path, English, Korean) of each string that differs; fails where anything else does (a number,
    a key, a length, a null)."""
    assert type(english) is type(korean), path
    if isinstance(english, dict):
        assert list(english) == list(korean), path
        for key in english:
            yield from _differences(english[key], korean[key], (*path, key))
    elif isinstance(english, list):
        assert len(english) == len(korean), path
        for index, (first, second) in enumerate(zip(english, korean)):
            yield from _differences(first, second, (*path, index))
    elif isinstance(english, str) and english != korean:
        yield path, english, korean
    else:
        assert english == korean, path


@pytest.mark.parametrize("expr, values", sorted({(case[0], tuple(case[1].items())) for case in GATES}))
@pytest.mark.parametrize("program", ["staged", "pytorch"])
def test_the_generated_code_is_the_same_bytes_in_both_languages(client, expr, values, program):
    values = dict(values)
    files = [get(client, f"/code/{program}.py", expr, values, lang).data for lang in ("en", "ko")]
    assert files[0] == files[1]
    assert not HANGUL.search(files[0].decode())
    explained = [get(client, "/api/explain", expr, values, lang).json["code"] for lang in ("en", "ko")]
    assert explained[0] == explained[1]


# (circuit, values, the English of a note or verdict /api/explain gives, its field)
NOTES = [
    ("sum(W @ x)", {"W": "[[1, 2], [3, 4]]", "x": "[1, -2]"}, "SymPy's formulas are worked out for circuits",
     lambda body: body["symbolic_note"]),
    ("x*y", {"x": "2", "y": "3"}, "Here every one agrees.", lambda body: body["symbolic_summary"]),
    ("x*y", {"x": "2", "y": "3"}, "good", lambda body: body["gradcheck"][0]["verdict_text"]),
    ("relu(x)*y", {"x": "0", "y": "2"}, "x is at or near a kink of relu(x)", lambda body: body["gradcheck"][0]["warning"]),
    ("relu(x)*y", {"x": "0", "y": "2"}, "a kink here (relu(x))", lambda body: body["symbolic"]["x"]["differs"]),
    ("x*y", {"x": "2", "y": "3", "practice": "grads"}, "Left out while practising",
     lambda body: body["symbolic_note"]),
]


@pytest.mark.parametrize("expr, values, english, field", NOTES, ids=[case[2][:30] for case in NOTES])
def test_explains_notes_and_verdicts_are_korean(client, expr, values, english, field):
    in_english = field(get(client, "/api/explain", expr, values, "en").json)
    in_korean = field(get(client, "/api/explain", expr, values, "ko").json)
    assert in_english.startswith(english)
    assert HANGUL.search(in_korean)


def test_the_verdict_keeps_its_english_name_for_the_page(client):
    """`verdict` names the verdict (the page's CSS class), `verdict_text` says it."""
    checks = get(client, "/api/explain", "x*y", {"x": "2", "y": "3"}, "ko").json["gradcheck"]
    assert [(check["verdict"], check["verdict_text"]) for check in checks] == [("good", korean("good"))] * 2


def test_a_drawing_with_words_is_kept_per_language(client):
    """x feeds more gates than a fork is drawn for (render.MAX_FORK_BRANCHES), so the diagram
    notes "18 uses, gradient: their sum" in its place: the drawing cache keeps one drawing per
    language, and a Korean request after an English one gets the Korean."""
    query = {"expr": " + ".join(f"x*{factor}" for factor in range(1, MAX_FORK_BRANCHES + 3)), "x": "3"}
    english, in_korean = (client.get("/graph.svg", query_string={**query, "lang": lang}).data.decode()
                          for lang in ("en", "ko"))
    with use_language("ko"):
        note = (_("%(uses)s uses,", uses=MAX_FORK_BRANCHES + 2), _("gradient: their sum"))
    assert "18 uses," in english and "gradient: their sum" in english
    assert all(HANGUL.search(line) and line in in_korean for line in note)


# (the circuit, its values, the gate and operand of a chain-rule row, its shapes in each language)
SHAPES = [
    ("sum(W @ x + b)", {"W": "[[1, -2], [3, 4]]", "x": "[1, 2]", "b": "[1]"}, "add", 1,
     "(2,) summed over axis 0 → (1,)", "(2,) 축 0을 따라 합산 → (1,)"),
    ("sum(W @ x + b)", {"W": "[[1, -2], [3, 4]]", "x": "[1, 2]", "b": "[1]"}, "sum", 0,
     "() broadcast → (2,)", "() broadcast → (2,)"),
    ("max(x)", {"x": "[1, 2]"}, "amax", 0, "() to the largest → (2,)", "가장 큰 원소에 () → (2,)"),
]


@pytest.mark.parametrize("expr, values, op, operand, english, korean_shapes", SHAPES, ids=[case[4] for case in SHAPES])
def test_a_rows_shapes_are_said_in_the_language_and_the_codes_comment_in_english(
        client, expr, values, op, operand, english, korean_shapes):
    ops = {node["id"]: node["op"] for node in get(client, "/api/graph", expr, values, "en").json["nodes"]}
    rows = {lang: get(client, "/api/explain", expr, values, lang).json for lang in ("en", "ko")}
    said = {lang: next(row["operands"][operand]["shapes"] for row in body["chain_rule"] if ops[row["gate"]] == op)
            for lang, body in rows.items()}
    assert said == {"en": english, "ko": korean_shapes}
    assert f"# {english}" in rows["ko"]["code"]["python"]


def test_a_translation_keeps_its_messages_fields():
    """The `{up}` fields the code generator fills in (ops' rules) are the message's in its Korean
    too, as the %(name)s placeholders are (which tests/test_translations.py checks)."""
    with open(CATALOGUES / "ko" / "LC_MESSAGES" / "lessons.po", "rb") as po:
        messages = [message for message in read_po(po, locale="ko", domain="lessons") if message.id]
    fields = re.compile(r"\{\w+\}")
    assert any(fields.search(message.id) for message in messages)
    for message in messages:
        assert sorted(fields.findall(message.string)) == sorted(fields.findall(message.id)), message.id


def test_the_pages_gallery_functions_and_conventions_are_korean(client):
    """The page lists the gallery's titles, the functions' help and the conventions from the gate
    table and the gallery, in the language of the page."""
    page = client.get("/", query_string={"expr": "x*y", "lang": "ko"}).get_data(as_text=True)
    with use_language("ko"):
        said = [example.shown_title for example in GALLERY] + [function.help for function in functions()] + conventions()
    assert korean("the square root of x") in said and korean("Figure 3: add, multiply and max gates") in said
    for text in said:
        assert escape(text) in page, text  # as Jinja writes it


@pytest.mark.parametrize("note, settled", [
    (symbolic.OUT_OF_TIME, False),
    (symbolic.OUT_OF_MEMORY, False),
    (symbolic.BUSY, False),
    (symbolic.CRASHED["signal"].given(signal="SIGSEGV"), False),
    (symbolic.CRASHED["status"].given(status=1), False),
    (symbolic.CRASHED["silent"], False),
    (symbolic.ARRAYS, True),
    (symbolic.TOO_MANY_GATES.given(gates=41), True),
    (symbolic.FAILED.given(error="ValueError"), True),
])
def test_an_explanation_is_kept_by_its_notes_meaning_in_either_language(note, settled):
    """The answer cache keeps an explanation whose SymPy note the next request would get again, and
    not one where SymPy ran out of time or memory, crashed or found the server busy, whichever
    language the note is written in."""
    for language in ("en", "ko"):
        with use_language(language):
            explanation = {"symbolic_note": note.text, "symbolic": None}
            assert api.symbolic_settled(explanation) is settled, (language, note.text)


def test_the_pages_gradient_check_note_names_the_verdicts_and_kinks_as_the_cells_and_the_catalogue_do(client):
    """The note above the gradient check explains the words its verdict cells show (verdict_text):
    in Korean the catalogue's 틀림, 의심스러움..., and a kink is 'kink', as in the lessons."""
    page = client.get("/", query_string={"expr": "max(x, y)", "x": "2", "y": "1", "lang": "ko"}).get_data(as_text=True)
    note = re.search(r'id="gradcheck-title">.*?<p class="note">(.*?)</p>', page, flags=re.S).group(1)
    cells = [check["verdict_text"] for check in client.get("/api/explain", query_string={
        "expr": "max(x, y)", "x": "2", "y": "1", "lang": "ko"}).get_json()["gradcheck"]]
    assert "좋음" in cells
    for verdict in ("wrong", "suspicious", "ok near kinks", "good"):
        assert korean(verdict) in note, verdict
    assert "꺾이는" not in page and "kink에서의 규약" in page


# (a label in English, in Korean): per docs/TRANSLATIONS.md, a label made only of the field's terms
# stays English (function names in lower case, as in code); a plain word gets Korean
KOREAN_LABELS = [
    ("Forward mode", "Forward mode"),
    ("A tanh neuron", "tanh neuron"),
    ("An L2 loss", "L2 loss"),
    ("Log-sum-exp", "log-sum-exp"),
    ("Softmax cross-entropy", "softmax cross-entropy"),
    ("The multiclass SVM loss", "다중 클래스 SVM loss"),
    ("A 2-layer network", "2층 신경망"),
]


@pytest.mark.parametrize("english, expected", KOREAN_LABELS, ids=[case[0] for case in KOREAN_LABELS])
def test_a_label_is_korean_unless_made_of_the_fields_terms(english, expected, client):
    assert korean(english) == expected
    page = client.get("/", query_string={"expr": "x*y", "lang": "ko"}).get_data(as_text=True)
    assert f">{escape(expected)}<" in page


def _terms_kept_in_english():
    """Every word of docs/TRANSLATIONS.md's table of terms, in lower case."""
    section = ROOT.joinpath("docs", "TRANSLATIONS.md").read_text(encoding="utf-8").split("## Terms", 1)[1]
    return {word.strip(".,:()'").lower() for line in section.split("\n## ", 1)[0].splitlines() if line.startswith("|")
            for cell in line.split("|") for word in cell.split()}


def test_every_korean_label_without_hangul_is_made_of_terms_the_table_keeps():
    terms = _terms_kept_in_english()
    with use_language("ko"):
        labels = [example.shown_title for example in GALLERY] + [translated(option.label) for option in OPTIONS]
    for label in labels:
        if not HANGUL.search(label):
            assert {word.lower() for word in label.split()} <= terms, label
