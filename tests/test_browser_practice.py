"""Practice mode in a real browser keeps its answers: everything the page receives over the network
and everything it exports holds no number to find, until the student asks for one; then that one,
and only that one, arrives. "New values" makes the next worksheet of the seed in the link.

The numbers to find, their spellings and the JSON fields that must be null are
tests/test_practice.py's; the server and browser fixtures are tests/test_browser.py's.
"""

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from graphlib.circuit import build_circuit, seeded_value
from test_browser import (CHROMIUM, _open_page, browser, expect, query_of, screenshot, server,  # noqa: F401
                          wait_explained)
from test_practice import FIGURE_1, FIGURE_2, forbidden, occurs, spellings

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")

# The exports that download a file ("page" is a link; the PNG is pixels, drawn from the SVG's labels).
DOWNLOADS = ["svg", "dot", "json", "python", "pytorch"]


@pytest.fixture
def page(browser):
    page = _open_page(browser)
    page.received = []
    page.on("response", lambda response: page.received.append(response))
    yield page
    page.context.close()


def practice_url(server, circuit, precision, mode, **extra):
    expr, values = circuit
    pairs = [("expr", expr), *values.items(), ("precision", str(precision)), ("practice", mode), *extra.items()]
    return f"{server}/?{urlencode(pairs)}"


EMBEDDED = re.compile(r'<script type="application/json" id="preloaded-(graph|explain)">(.*?)</script>', re.S)


def texts_received(page):
    """{url: body text} of every answer the page got over the network (redirects have none)."""
    texts = {}
    for response in page.received:
        try:
            body = response.body()
        except Exception:  # noqa: BLE001 - a redirect's body cannot be read
            continue
        if "image/png" not in (response.headers.get("content-type") or ""):
            key = f"{response.request.method} {response.url}"
            texts[key] = body.decode("utf-8", "replace")
            for route, written in EMBEDDED.findall(texts[key]):  # answers the page carries for its script
                texts[f"{key} (its /api/{route}?)"] = written
    return texts


def downloads(page, tmp_path):
    """{export: file text} of every export the page offers, as a click downloads it, and the
    snippets it offers to copy."""
    files = {}
    for export in DOWNLOADS:
        with page.expect_download() as download:
            page.click(f".exports [data-export={export}]")
        path = tmp_path / export
        download.value.save_as(path)
        files[export] = path.read_text()
    files["markdown"] = page.input_value("#snippet-markdown")
    files["html"] = page.input_value("#snippet-html")
    return files


def on_screen(page):
    """The page as the student has it: its HTML (tooltips and labels included) and its text."""
    return {"page html": page.content(), "page text": page.inner_text("body")}


def assert_no_leak(everything, spelled):
    leaks = {where: sorted(spelling for spelling in spelled if occurs(spelling, text))
             for where, text in everything.items()}
    assert not {where: found for where, found in leaks.items() if found}


def assert_json_keeps_the_gradients(texts):
    """Every /api/graph answer has null for each gradient but the output's, and every local one."""
    graphs = [json.loads(text) for url, text in texts.items() if "/api/graph?" in url]
    assert graphs
    for body in graphs:
        assert all(grad is None for grad in body["gradients"].values())
        for wire in body["wires"]:
            assert (wire["grad"] is None) == (wire["id"] != f"wire-{body['output']}")
        for node in body["nodes"]:
            assert all(operand.get("local") is None and operand.get("grad") is None for operand in node["operands"])


@pytest.mark.parametrize("circuit, precision, shown_wire, shown_text", [
    (FIGURE_1, 0, "wire-n3", "-4"),  # every gradient of figure 1 is also a value: the JSON's nulls say it
    (FIGURE_2, 2, "wire-n0", "-0.20"),  # w0's gradient, -0.19661193324148188
], ids=["figure-1", "figure-2"])
def test_nothing_received_or_exported_holds_a_gradient_until_it_is_asked_for(server, page, tmp_path, circuit, precision,
                                                                             shown_wire, shown_text):
    page.goto(practice_url(server, circuit, precision, "grads"))
    expect(page.locator("#practice-table input.answer").first).to_be_visible()
    wait_explained(page)  # /api/explain's answer is in too
    # Gradients are found backward: the table starts at the output and ends at the inputs.
    rows = page.locator("#practice-table tbody tr[data-wire]").evaluate_all("rows => rows.map((row) => row.dataset.wire)")
    assert rows == [f"wire-n{k}" for k in reversed(range(len(rows)))]  # no forks here: one wire per node
    # A wrong answer is checked by the server, which says no and nothing more.
    field = page.locator(f"#practice-table input.answer[data-wire={shown_wire}]")
    field.fill("12345")
    field.press("Enter")
    expect(page.locator(f"#mark-{shown_wire}")).to_have_text("✗ not yet")
    # The hints, the inspect panel and every export, looked at before any answer is shown.
    page.click(f"#practice-table [data-hint={shown_wire}]")
    page.hover(f"#{shown_wire}")
    expect(page.locator("#inspect")).not_to_be_empty()

    spelled, _ = forbidden(*circuit, "grads", scaffolding(server))
    texts = texts_received(page)
    assert any("/api/check?" in url for url in texts) and any("/api/explain?" in url for url in texts)
    assert_no_leak({**texts, **downloads(page, tmp_path), **on_screen(page)}, spelled)
    assert_json_keeps_the_gradients(texts)
    assert page.locator("#diagram .num-grad", has_text="?").count() == page.locator("#practice-table input.answer").count()

    # Asked for, one number arrives, from the server, and takes its "?" on the diagram.
    page.received.clear()
    page.click(f"#practice-table [data-show={shown_wire}]")
    expect(page.locator(f"#{shown_wire} .num-grad")).to_have_text(shown_text)
    expect(page.locator(f"#mark-{shown_wire}")).to_have_text("shown")
    answers = {url: json.loads(text) for url, text in texts_received(page).items() if "/api/answer?" in url}
    assert [body["answers"] for body in answers.values()] == [[
        {"wire": shown_wire, "kind": "grad", "shown": shown_text, "flagged": False,
         "number": gradient_of(circuit, shown_wire)}]]
    # The tables have it in full (the summary's input rows), as without practice.
    assert repr(gradient_of(circuit, shown_wire)) in page.content()
    # The others are still kept.
    assert_no_leak({**texts_received(page), **on_screen(page)}, spelled - spellings(gradient_of(circuit, shown_wire)))
    screenshot(page, f"practice-shown-{'figure-2' if circuit is FIGURE_2 else 'figure-1'}")
    assert page.console_errors == []


def test_show_all_fills_every_question_mark_and_the_score_says_so(server, page):
    page.goto(practice_url(server, FIGURE_2, 2, "values"))
    expect(page.locator("#practice-table input.answer")).to_have_count(8)
    # Values are found forward: the table starts at the inputs.
    assert page.locator("#practice-table tbody tr[data-wire]").first.get_attribute("data-wire") == "wire-n0"
    field = page.locator("#practice-table input.answer").first
    wire = field.get_attribute("data-wire")
    field.fill("-2")  # w0*x0 = 2*-1
    field.press("Enter")
    expect(page.locator(f"#mark-{wire}")).to_have_text("✓ right")
    page.click("#practice-show-all")
    expect(page.locator("#practice-score")).to_have_text("1 of 8 found, 7 shown.")
    expect(page.locator("#diagram .num-value", has_text="?")).to_have_count(0)
    expect(page.locator("#diagram .num-grad", has_text="?")).to_have_count(0)  # the gradients came too
    expect(page.locator("#wire-n12 .num-value")).to_have_text("0.73")
    assert page.console_errors == []


def test_new_values_make_the_next_worksheet_of_the_seed(server, page):
    page.goto(practice_url(server, FIGURE_1, 0, "grads"))
    expect(page.locator("#practice-table input.answer")).to_have_count(4)
    field = page.locator("#practice-table input.answer[data-wire=wire-n3]")
    field.fill("-4")
    field.press("Enter")
    expect(page.locator("#mark-wire-n3")).to_have_text("✓ right")
    before = page.locator("#diagram .num-value").all_text_contents()

    page.click("#practice-new-values")
    page.wait_for_url(lambda url: query_of(url).get("seed") == "1")
    drawn = {name: seeded_value(1, name) for name in ("x", "y", "z")}
    query = query_of(page.url)
    assert {name: float(query[name]) for name in drawn} == drawn  # the link names the values drawn
    assert query["practice"] == "grads"
    expect(page.locator("#wire-n0 .num-value")).to_have_text(f"{drawn['x']:.0f}")
    assert page.locator("#diagram .num-value").all_text_contents() != before
    # A new worksheet: nothing found yet, every gradient a "?" again.
    expect(page.locator("#practice-score")).to_have_text("0 of 4 found.")
    expect(page.locator("#wire-n3 .num-grad")).to_have_text("?")
    assert page.input_value("#practice-table input.answer[data-wire=wire-n3]") == ""

    page.click("#practice-new-values")
    page.wait_for_url(lambda url: query_of(url).get("seed") == "2")
    screenshot(page, "practice-new-values")
    # The link is the worksheet: a fresh browser gets the same values and the question marks.
    other = _open_page(browser_of(page))
    other.goto(page.url)
    expect(other.locator("#wire-n0 .num-value")).to_have_text(f"{seeded_value(2, 'x'):.0f}")
    expect(other.locator("#wire-n3 .num-grad")).to_have_text("?")
    assert other.console_errors == [] and page.console_errors == []
    other.context.close()


def browser_of(page):
    return page.context.browser


def scaffolding(server):
    """The page's own text without a circuit (help, gallery), whose numbers are not answers: the
    page of an empty expression (a 400, which says so)."""
    try:
        urllib.request.urlopen(f"{server}/?expr=")
    except urllib.error.HTTPError as error:
        return error.read().decode()
    raise AssertionError("an empty expression must be refused")


def gradient_of(circuit, wire_id):
    expr, values = circuit
    evaluation = build_circuit({"expr": [expr], **{name: [text] for name, text in values.items()}}).evaluation
    return evaluation.grads[wire_id[len("wire-"):]]
