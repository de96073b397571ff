"""Gradient descent through the web app: /api/graph's `descent` object (GET and POST), every
bad field a 400 that names it, the circuit shown being the last step's in every view, the
drawings and answers kept apart per step count, practice ignoring it, and the page without
JavaScript (the note, the loss per step as a table, the diagram at step N)."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest

from graphlib.circuit import build_circuit
from graphlib.descent import Settings, descend
from graphlib.gallery import GALLERY
from graphlib.parse import parse
from test_app import Page, strict_json

EXAMPLE = next(example for example in GALLERY if example.slug == "figure-2-descent")
PARAMS = ("w0", "w1", "w2")


def query(steps=None, **fields):
    given = {"expr": EXAMPLE.expr, **EXAMPLE.values, "precision": EXAMPLE.precision, **EXAMPLE.descent}
    if steps is not None:
        given["steps"] = steps
    return urlencode({**given, **fields})


def expected_trajectory(steps):
    graph = parse(EXAMPLE.expr)
    start = {name: float(value) for name, value in EXAMPLE.values.items()}
    return descend(graph, start, Settings(PARAMS, float(EXAMPLE.descent["lr"]), steps))


# --- /api/graph --------------------------------------------------------------------------------------

def test_the_json_has_the_descent_and_the_circuit_of_its_last_step(client):
    body = strict_json(client.get(f"/api/graph?{query(20)}"))
    trajectory = expected_trajectory(20)
    descent = body["descent"]
    assert list(descent) == ["params", "lr", "steps", "losses", "losses_text", "left_finite", "values"]
    assert (descent["params"], descent["lr"], descent["steps"]) == (list(PARAMS), 0.5, 20)
    assert descent["losses"] == list(trajectory.losses) and len(descent["losses"]) == 21
    assert descent["losses_text"][0] == "0.534" and descent["losses_text"][20] == "0.005"
    assert descent["left_finite"] is None
    assert descent["values"] == {name: trajectory.values[name] for name in PARAMS}
    # The circuit drawn is step 20's: its output is the last loss, its variables those values.
    assert body["value"] == descent["losses"][-1]
    assert body["variables"] == trajectory.values
    assert body["gradients"]["w0"] == trajectory.evaluation.grads["n0"]


def test_the_readmes_example_is_the_answer_after_20_steps(client):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    example = readme.split('"descent": {"params"', 1)[1].split("```", 1)[0]
    descent = strict_json(client.get(f"/api/graph?{query(20)}"))["descent"]
    assert json.loads(re.search(r'"values": (\{[^}]*\})', example).group(1)) == descent["values"]
    losses = re.search(r'"losses": \[([^\]]*), \.\.\.\]', example).group(1)
    assert [float(loss) for loss in losses.split(", ")] == descent["losses"][:2]
    assert '"losses_text": ["0.534", "0.286", ...]' in example


def test_posted_as_json_the_fields_give_the_same_answer(client):
    fields = {"expr": EXAMPLE.expr, **{name: float(value) for name, value in EXAMPLE.values.items()},
              "precision": EXAMPLE.precision, "params": list(PARAMS), "lr": 0.5, "steps": 20}
    posted = strict_json(client.post("/api/graph", json=fields))
    assert posted == strict_json(client.get(f"/api/graph?{query(20)}"))


def test_without_parameters_there_is_no_descent_and_the_values_are_the_inputs(client):
    body = strict_json(client.get("/api/graph?" + urlencode({"expr": EXAMPLE.expr, **EXAMPLE.values, "lr": "0.5",
                                                             "steps": "20"})))
    assert "descent" not in body
    assert body["variables"] == {name: float(value) for name, value in EXAMPLE.values.items()}


def test_step_0_shows_the_inputs_and_the_first_loss(client):
    body = strict_json(client.get(f"/api/graph?{query()}"))
    assert body["descent"]["steps"] == 0 and body["descent"]["losses"] == [body["value"]]
    assert body["variables"] == {name: float(value) for name, value in EXAMPLE.values.items()}


def test_a_diverging_run_is_shown_as_it_is_with_the_step_it_left_the_finite_range(client):
    # (w-3)**2 at lr 5.5: w_k - 3 = (-10)^k, the loss 100^k: inf from step 155; w is inf at step
    # 309, and nan after.
    body = strict_json(client.get("/api/graph?" + urlencode({"expr": "(w-3)**2", "w": "4", "params": "w", "lr": "5.5",
                                                             "steps": "400"})))
    descent = body["descent"]
    assert descent["left_finite"] == 155
    assert descent["losses"][155] == "Infinity" and descent["losses_text"][155] == "inf"
    assert descent["losses"][400] == "NaN" and body["value"] == "NaN" and body["variables"]["w"] == "NaN"


def test_a_defaulted_variable_starts_at_1_and_says_so(client):
    body = strict_json(client.get("/api/graph?" + urlencode({"expr": "(w-3)**2", "params": "w", "lr": "0.25",
                                                             "steps": "1"})))
    assert body["defaults"] == {"w": 1.0}  # where it started, not where it went
    assert body["variables"] == {"w": 2.0}  # 1 - 0.25 * 2 * (1 - 3)


LR = "lr (the learning rate) must be a decimal number above 0 and at most 100, such as 0.1; got {}."
STEPS = "steps must be a whole number of steps of gradient descent from 0 to 500; got {}."

REFUSED = [
    ({"params": "w0,q"}, "params",
     "params names 'q', which is not a variable of the circuit; its variables are w0, x0, w1, x1, w2, y."),
    ({"lr": "0"}, "lr", LR.format("'0'")),
    ({"lr": "1e3"}, "lr", LR.format("'1e3'")),
    ({"lr": "fast"}, "lr", LR.format("'fast'")),
    ({"steps": "501"}, "steps", STEPS.format("'501'")),
    ({"steps": "-1"}, "steps", STEPS.format("'-1'")),
    ({"steps": "ten"}, "steps", STEPS.format("'ten'")),
]


@pytest.mark.parametrize("fields, field, message", REFUSED, ids=[message[:40] for _, _, message in REFUSED])
def test_a_bad_field_is_a_400_naming_it_in_json_on_the_page_and_in_the_drawing(client, fields, field, message):
    answer = client.get(f"/api/graph?{query(**fields)}")
    assert answer.status_code == 400
    assert strict_json(answer)["error"] == {"message": message, "field": field, "position": None}
    page = client.get(f"/?{query(**fields)}")
    assert page.status_code == 400 and Page(page).field(field).errors == [message]
    drawing = client.get(f"/graph.svg?{query(**fields)}")
    assert drawing.status_code == 400 and drawing.mimetype == "image/svg+xml" and field.encode() in drawing.data


def test_a_field_given_twice_is_refused(client):
    answer = client.get(f"/api/graph?{query(3)}&steps=4")
    assert answer.status_code == 400
    assert strict_json(answer)["error"]["message"] == "steps is given 2 times; give it once."


@pytest.mark.parametrize("name", ["params", "lr", "steps"])
def test_the_fields_are_reserved_words_no_variable_may_take(client, name):
    answer = client.get("/api/graph?" + urlencode({"expr": f"{name}*2"}))
    assert answer.status_code == 400
    assert strict_json(answer)["error"]["message"] == (
        f"'{name}' at column 1 is a reserved word and cannot be a variable name; choose another name.")


# --- every view shows the last step, and each step count has its own drawing -------------------------

def test_the_code_and_the_lessons_are_those_of_the_last_step(client):
    trajectory = expected_trajectory(5)
    staged = client.get(f"/code/staged.py?{query(5)}").get_data(as_text=True)
    assert f"w0 = np.float64({trajectory.values['w0']!r})" in staged
    checks = strict_json(client.get(f"/api/explain?{query(5)}"))["gradcheck"]
    assert {check["name"]: check["value"] for check in checks}["w1"] == trajectory.values["w1"]


def test_two_links_differing_only_in_steps_share_no_drawing_and_no_answer(client):
    drawings = [client.get(f"/graph.svg?{query(steps)}").data for steps in (1, 2)]
    assert drawings[0] != drawings[1]
    assert b"0.286" in drawings[0] and b"0.116" in drawings[1]  # the loss after 1 and 2 steps
    answers = [strict_json(client.get(f"/api/graph?{query(steps)}"))["value"] for steps in (1, 2)]
    assert answers == list(expected_trajectory(2).losses[1:])


def test_the_cache_key_holds_the_start_and_the_settings():
    def key(**fields):
        given = {"expr": ["(w-3)**2"], "w": ["0"], "params": ["w"], "lr": ["0.1"], "steps": ["2"]}
        return build_circuit({**given, **{name: [value] for name, value in fields.items()}}).key

    keys = [key(), key(steps="3"), key(lr="0.2"), key(w="0.5"), key(params="")]
    assert len(set(keys)) == len(keys)
    assert key() == key(lr="0.10", steps="02")  # the same numbers, spelled otherwise


# --- practice: the steps would give the gradients away ------------------------------------------------

@pytest.mark.parametrize("mode", ["values", "grads"])
def test_while_practising_there_is_no_descent_and_the_circuit_is_at_its_inputs(client, mode):
    body = strict_json(client.get(f"/api/graph?{query(20, practice=mode)}"))
    assert "descent" not in body
    assert body["variables"] == {name: float(value) for name, value in EXAMPLE.values.items()}
    page = client.get(f"/?{query(20, practice=mode)}").get_data(as_text=True)
    assert 'id="descent-note" hidden' in page and 'id="loss-table" hidden' in page


# --- the page without JavaScript --------------------------------------------------------------------

def test_the_page_says_which_step_it_draws_and_tables_the_loss_per_step(client):
    response = client.get(f"/?{query(20)}")
    assert response.status_code == 200
    page = Page(response)
    html = response.get_data(as_text=True)
    note = next(" ".join("".join(text).split()) for tag, attrs, text in _elements(page, "p") if attrs.get("id") == "descent-note")
    assert note == ("Gradient descent on w0, w1, w2 with lr 0.5: the diagram shows step 20, the inputs above are "
                    "step 0. Loss 0.534 at step 0, 0.005 at step 20.")
    rows = _loss_rows(html)
    assert len(rows) == 21 and rows[0] == ("0", "0.534") and rows[20] == ("20", "0.005")
    # The fields keep the link as typed, the inputs are the start, and the diagram is step 20's.
    assert (page.field("params").value, page.field("lr").value, page.field("steps").value) == ("w0,w1,w2", "0.5", "20")
    assert page.field("w0").value == "2"
    assert [src for src in page.images if "steps=20" in src]
    assert "0.005" in client.get(page.images[0]).get_data(as_text=True)


def test_a_diverging_run_on_the_page_says_where_the_loss_left_the_finite_range(client):
    html = client.get("/?" + urlencode({"expr": "(w-3)**2", "w": "4", "params": "w", "lr": "5.5",
                                        "steps": "160"})).get_data(as_text=True)
    assert '<span class="warning">The loss left the finite range at step 155.</span>' in html
    assert ("155", "inf") in _loss_rows(html)


def _elements(page, wanted):
    """(tag, attributes, text) of the page's elements `wanted`, re-read from its source."""
    found = []

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.open = []

        def handle_starttag(self, tag, attrs):
            if tag == wanted:
                self.open.append((tag, dict(attrs), []))

        def handle_data(self, data):
            for entry in self.open:
                entry[2].append(data)

        def handle_endtag(self, tag):
            if tag == wanted and self.open:
                found.append(self.open.pop())

    Reader().feed(page.source)
    return found


def _loss_rows(html):
    """(step, loss as shown) of the table of losses."""
    table = html.split('id="loss-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr><th scope="row">(\d+)</th><td class="value[^"]*" title="[^"]*">([^<]*)</td></tr>', table)


def test_the_losses_in_the_table_are_the_numbers_as_the_diagram_writes_them(client):
    rows = _loss_rows(client.get(f"/?{query(3)}").get_data(as_text=True))
    assert rows == [(str(step), f"{loss:.3f}") for step, loss in enumerate(expected_trajectory(3).losses)]
