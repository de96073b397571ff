"""README's "Vectors and matrices" section, claim by claim: each row of its table is requested as
the URL it shows and answers what the row says (the value and each gradient at the decimals
written, or the 400 and its message), and the claims around it hold."""

import ast
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import numpy as np
import pytest

import test_tensor_circuits
from graphlib.circuit import MAX_ARRAY_TEXT, MAX_AXIS, MAX_DIMENSIONS, MAX_ENTRIES, MAX_TOTAL_ENTRIES
from graphlib.gallery import GALLERY

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
SECTION = README.split("\n## Vectors and matrices\n", 1)[1].split("\n## ", 1)[0]
ASSIGNMENT = re.compile(r"`([A-Za-z]\w*)=([^`]*)`")


def table_rows():
    rows = [line for line in SECTION.splitlines() if line.startswith("| `")]
    parsed = []
    for line in rows:
        expression, values, value, gradients = [cell.strip() for cell in line.strip("|").split(" | ")]
        parsed.append(pytest.param(expression.strip("`"), dict(ASSIGNMENT.findall(values)), value,
                                   dict(ASSIGNMENT.findall(gradients)), id=expression.strip("`")))
    return parsed


ROWS = table_rows()


def test_the_table_has_its_rows():
    assert len(ROWS) == 20
    assert sum(row.values[2].startswith("400: ") for row in ROWS) == 7


def decimals(text):
    return len(text.partition(".")[2])


def assert_as_written(got, written, what):
    """Each written number is the answer rounded to the decimals it shows."""
    expected = np.array(ast.literal_eval(written), dtype=float)
    got = np.asarray(got, dtype=float)
    assert got.shape == expected.shape, what
    places = max((decimals(text) for text in re.findall(r"-?[0-9.]+", written)), default=0)
    np.testing.assert_array_equal(np.round(got, places), expected, err_msg=what)


@pytest.mark.parametrize("expression, values, value, gradients", ROWS)
def test_each_rows_url_answers_as_the_table_says(client, expression, values, value, gradients):
    answer = client.get("/api/graph", query_string={"expr": expression, **values})
    if value.startswith("400: "):
        assert answer.status_code == 400
        assert answer.get_json()["error"]["message"] == value.removeprefix("400: ")
        assert not gradients
        return
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert_as_written(body["value"], value, "value")
    assert set(body["gradients"]) == set(gradients)
    for name, written in gradients.items():
        assert_as_written(body["gradients"][name], written, f"d{name}")


def test_a_post_takes_json_arrays_as_written():
    example = re.search(r"In a POST, a\s+JSON array: `(\{.*?\})`", SECTION).group(1)
    assert json.loads(example) == {"expr": "sum(W @ x)", "W": [[1, 2], [3, 4]], "x": [1, -1]}


def test_a_post_answers_as_the_url_does(client):
    posted = client.post("/api/graph", json={"expr": "sum(W @ x)", "W": [[1, 2], [3, 4]], "x": [1, -1]})
    typed = client.get("/api/graph", query_string={"expr": "sum(W @ x)", "W": "[[1, 2], [3, 4]]", "x": "[1, -1]"})
    assert posted.get_json()["gradients"] == typed.get_json()["gradients"] == {"W": [[1, -1], [1, -1]], "x": [4, 6]}


def test_the_limits_are_the_ones_written():
    assert (MAX_DIMENSIONS, MAX_AXIS, MAX_ENTRIES, MAX_TOTAL_ENTRIES, MAX_ARRAY_TEXT) == (2, 8, 64, 256, 4096)
    assert MAX_AXIS ** MAX_DIMENSIONS == MAX_ENTRIES  # "8 entries along an axis (so 64 numbers per variable)"
    for claim in ("at most 2 dimensions", "8 entries along an axis", "64 numbers per variable", "256\n  numbers in all",
                  "4,096 characters of text per value"):
        assert claim in SECTION, claim
    assert ("| vectors and matrices | 2 dimensions, 8 entries along an axis, 256 numbers in all, 4,096 characters of "
            "text per value | 400 naming the variable's field |") in README


@pytest.mark.parametrize("values, message", [
    ({f"v{index}": "[[1, 2, 3, 4, 5, 6, 7, 8]] " for index in range(32)} | {"s": "1"},
     "The variables hold 257 numbers in all; the limit is 256, so that a circuit's link stays short."),
    ({"s": "[1" + " " * (MAX_ARRAY_TEXT - 2) + "]"},
     "The value of s is 4097 characters long; the limit for a vector or matrix is 4096."),
    ({"s": "[[[1]]]"}, "The value of s nests lists more than 2 deep; a value is a number, a vector or a matrix."),
])
def test_past_each_limit_a_400_says_which_beside_the_field(client, values, message):
    expression = " + ".join(f"sum({name})" for name in values)
    answer = client.post("/api/graph", json={"expr": expression, **values})
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["message"] == message
    assert error["field"] in values


def test_forward_mode_with_respect_to_one_entry(client):
    body = client.get("/api/graph", query_string={"expr": "sum(W @ x)", "W": "[[1, 2], [3, 4]]", "x": "[1, -1]",
                                                  "wrt": "W[1,0]"}).get_json()
    assert "`wrt=W[1,0]` gives each node d node / d W[1,0]" in SECTION.replace("\n  ", " ")
    assert body["tangents"] == {"n0": [[0, 0], [1, 0]], "n1": [0, 0], "n2": [0, 1], "n3": 1}


def test_the_gallery_ends_with_the_four_losses_named():
    for example in GALLERY[-4:]:
        assert f"`{example.expr}`" in SECTION.replace("\n", " "), example.expr
        assert example.descent["params"]
    assert "(its loss is the notes' 2.9)" in SECTION.replace("\n", " ")


def test_the_property_test_is_as_described():
    assert "1,000 random small networks" in SECTION.replace("\n", " ")
    assert test_tensor_circuits.CASE_COUNT == 1000
    assert (test_tensor_circuits.RELATIVE, test_tensor_circuits.TORCH_RELATIVE) == (1e-6, 1e-12)


def test_the_two_layer_nets_pictures_show_what_the_captions_say(client):
    """The drawing at the gallery's values, and the page after 20 steps: the captions' numbers."""
    example = next(example for example in GALLERY if example.slug == "two-layer-net")
    section = SECTION.replace("\n", " ")
    assert "(docs/images/two-layer-net.png)" in section and "(docs/images/two-layer-net-page.png)" in section
    at_start = client.get("/api/graph", query_string={"expr": example.expr, **example.values}).get_json()
    nodes = {node["id"]: node for node in at_start["nodes"]}
    relu = next(node for node in at_start["nodes"] if node["op"] == "relu")
    assert nodes[relu["operands"][0]["node"]]["value"] == pytest.approx([0.5, 0.1, -1.5], rel=1e-15)
    assert relu["grad"] == pytest.approx([6.4, 0.8, -4.8], rel=1e-14)
    assert "the third relu unit (-1.50) blocks the -4.80 that reaches it" in section
    query = f"params={example.descent['params']}&lr={example.descent['lr']}&steps=20"
    assert f"(`{query}`)" in section
    descended = client.get("/api/graph", query_string={"expr": example.expr, **example.values,
                                                       **parse_qs(query)}).get_json()["descent"]
    assert descended["losses_text"][0] == "9.04" and descended["losses_text"][-1] == "1.02"
    assert "falling from 9.04 to 1.02" in section


def test_a_zero_gradient_times_inf_inside_a_matrix_product_is_nan_as_in_pytorch(client):
    numbers = README.replace("\n", " ")
    assert ("`0*sum(W @ exp(x))` at `W=[[1, 2], [3, 4]]`, `x=[1000, 1]` gives W the gradient "
            "`[[nan, 0], [nan, 0]]`") in numbers
    body = client.get("/api/graph", query_string={"expr": "0*sum(W @ exp(x))", "W": "[[1, 2], [3, 4]]",
                                                  "x": "[1000, 1]"}).get_json()
    assert body["gradients"]["W"] == [["NaN", 0], ["NaN", 0]]
    assert body["gradients"]["x"] == [0, 0]  # elementwise exp: exactly 0 of the zero that arrives


def test_a_link_of_256_long_numbers_passes_the_query_limit_and_a_post_takes_it(client):
    assert "256 numbers written with many digits pass that, and get its 400; a POST of JSON takes them" \
        in SECTION.replace("\n  ", " ")
    long_number = "-0.1234567890123456789012345"
    matrix = "[" + ", ".join("[" + ", ".join([long_number] * 8) + "]" for _ in range(8)) + "]"
    values = {name: matrix for name in ("A", "B", "C", "D")}
    expression = "sum(A) + sum(B) + sum(C) + sum(D)"
    # As a page's link writes it (URLSearchParams, urlencode): ", " as %2C+, brackets as %5B, %5D.
    refused = client.get("/api/graph?" + urlencode({"expr": expression, **values}))
    assert refused.status_code == 400
    assert refused.get_json()["error"]["message"].endswith("the limit is 8000.")
    assert client.post("/api/graph", json={"expr": expression, **values}).status_code == 200


@pytest.mark.parametrize("typed, entries", [("[1 2]", [1, 2]), ("[[1 2] [3 4]]", [[1, 2], [3, 4]]),
                                            ("[1, 2,]", [1, 2])])
def test_a_value_may_be_written_as_numpy_prints_it_or_with_a_last_comma(client, typed, entries):
    for example in ("`[1 2]`", "`[[1 2] [3 4]]`", "`[1, 2,]`"):
        assert example in SECTION
    body = client.get("/api/graph", query_string={"expr": "sum(v)", "v": typed}).get_json()
    assert body["variables"]["v"] == entries
