"""Vectors and matrices on the live page, in Chromium against gunicorn (issue 12, item 6): the
2-layer net of the gallery draws with its tables, a wire is inspected with its whole tables (also
past the 4 x 4 the diagram draws), the passes step entry by entry, forward mode follows one entry
of a matrix, a gradient table is practised entry by entry, a new shape redraws the layout and a
shape mistake points at its operator; no console errors, and no horizontal scroll on a 390 px
phone. Screenshots at 1366 x 900 and 390 x 844, light and dark."""

import re
from urllib.parse import urlencode

import pytest

from test_browser import (CHROMIUM, _assert_fits_a_phone, _open_page, browser, choose_option,  # noqa: F401
                          query_of, screenshot, server, wait_explained)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

TWO_LAYER = "sum((W2 @ relu(W1 @ x + b1) + b2 - y)**2)"
TWO_LAYER_VALUES = {"W1": "[[0.1,-0.2],[0.3,0.4],[-0.5,0.6]]", "x": "[1,-2]", "b1": "[0,0.1,0.2]",
                    "W2": "[[1,2,3],[-1,0,1]]", "b2": "[0.5,-0.5]", "y": "[1,2]"}
TWO_LAYER_QUERY = urlencode({"expr": TWO_LAYER, **TWO_LAYER_VALUES})
TWO_LAYER_GATES = 8  # @ + relu @ + - **2 sum
# W1 is the second input: n1. Its gradient is [[6, -12], [0, -0], [0, -0]].
W1_WIRE = "wire-n1"
BIG_QUERY = urlencode({"expr": "sum(W @ x)", "W": str([[row * 6 + column for column in range(6)] for row in range(5)]),
                       "x": "[1, -1, 1, 1, 1, 0.5]"})
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}

pytestmark = pytest.mark.skipif(not __import__("os").path.exists(CHROMIUM), reason="needs Debian's chromium")


@pytest.fixture
def page(browser):  # noqa: F811
    page = _open_page(browser, viewport=SIZES["desktop"])
    yield page
    page.context.close()


def open_drawn(page, server, query, gates):  # noqa: F811
    page.goto(f"{server}/?{query}")
    expect(page.locator("#diagram svg.circuit g.gate")).to_have_count(gates)
    expect(page.locator("#summary table.tensor").first).to_be_visible()


def entries(page, wire, kind):
    """The texts of a wire's entries of one kind as the SVG on screen shows them, in row order."""
    return page.evaluate(f"""() => [...document.querySelectorAll('#{wire} text.entry-{kind}')].map(t => t.textContent)""")


def table_texts(locator):
    """A page table of a vector or matrix, row by row."""
    return locator.evaluate("table => [...table.rows].map(row => [...row.cells].map(cell => cell.textContent))")


def test_the_two_layer_net_draws_with_its_tables_and_no_console_errors(server, page):
    open_drawn(page, server, TWO_LAYER_QUERY, TWO_LAYER_GATES)
    assert entries(page, W1_WIRE, "value") == ["0.10", "-0.20", "0.30", "0.40", "-0.50", "0.60"]
    assert entries(page, W1_WIRE, "grad") == ["6.00", "-12.00", "0.00", "0.00", "0.00", "0.00"]
    w1 = page.locator("#summary tr", has=page.locator("th", has_text=re.compile("^W1$")))
    assert table_texts(w1.locator("td.gradient table.tensor")) == [["6.00", "-12.00"], ["0.00", "0.00"], ["0.00", "0.00"]]
    assert w1.locator("td.gradient table.tensor td").first.get_attribute("title") == "6.0"
    # Each matrix's field is a text field without a slider, with the help on writing one.
    expect(page.locator("[data-variable=W1] input.scrub")).to_be_hidden()
    expect(page.locator("#array-help")).to_contain_text("a matrix is a list of its rows")
    wait_explained(page)
    expect(page.locator("#chain-rule tbody[data-gate] table.tensor").first).to_be_visible()
    assert page.console_errors == []


def test_the_gallerys_2_layer_network_opens_from_its_link(server, page):
    page.goto(f"{server}/")
    expect(page.locator("#diagram svg.circuit g.gate")).to_have_count(8)  # figure 2
    page.click(".gallery a:text('A 2-layer network')")
    expect(page.locator("#diagram svg.circuit g.gate")).to_have_count(TWO_LAYER_GATES)
    expect(page.locator("#var-b1")).to_have_value("[0, 0.6, 0.2]")
    expect(page.locator("#wire-n3 text.entry-value")).to_have_text(["0.00", "0.60", "0.20"])
    expect(page.locator("#descent-panel")).to_be_visible()  # its parameters chosen, at step 0
    assert query_of(page.url)["params"] == "W1,b1,W2,b2"
    assert page.console_errors == []


@pytest.mark.parametrize("query, gates", [
    (TWO_LAYER_QUERY, TWO_LAYER_GATES),
    (urlencode({"expr": "s = W @ x; sum(relu(s - s[1] + 1)) - 1", "W": "[[1, 2], [0, -1], [0.5, 0.5]]", "x": "[1, -1]"}), 7),
], ids=["two-layer", "svm"])
def test_the_script_draws_the_chain_rule_of_tables_the_server_writes(server, browser, query, gates):  # noqa: F811
    """The template without JavaScript and the script write the same chain rule, tables included."""
    static_page = _open_page(browser, java_script_enabled=False)
    static_page.goto(f"{server}/?{query}")
    static_table = static_page.locator("#chain-rule").inner_text()
    live = _open_page(browser)
    open_drawn(live, server, query, gates)
    expect(live.locator("#chain-rule tbody").first).to_be_visible()
    if live.locator("#chain-rule-more button").is_visible():
        live.click("#chain-rule-more button")  # every row, as the template writes them
    live_table = live.locator("#chain-rule").evaluate("""table => {
        for (const math of table.querySelectorAll("code.math.typeset")) math.replaceWith(math.title);
        return table.innerText; }""")
    assert live_table.split() == static_table.split()
    assert "→" in live_table and live.console_errors == [] and static_page.console_errors == []
    static_page.context.close()
    live.context.close()


def test_inspecting_a_wire_shows_its_shape_and_whole_tables(server, page):
    open_drawn(page, server, TWO_LAYER_QUERY, TWO_LAYER_GATES)
    page.click(f"#{W1_WIRE}")
    panel = page.locator("#inspect")
    expect(panel).to_contain_text("shape(3, 2)")
    tables = panel.locator("table.tensor")
    assert table_texts(tables.nth(0)) == [["0.10", "-0.20"], ["0.30", "0.40"], ["-0.50", "0.60"]]
    assert table_texts(tables.nth(1)) == [["6.00", "-12.00"], ["0.00", "0.00"], ["0.00", "0.00"]]
    assert tables.nth(1).locator("td").nth(3).get_attribute("title") == "-0.0"
    assert page.console_errors == []


def test_a_wire_past_4_by_4_shows_its_summary_and_inspect_its_whole_table(server, page):
    open_drawn(page, server, BIG_QUERY, 2)
    expect(page.locator("#wire-n0 text.summary-value")).to_have_text("min 0.00, max 29.00, norm 92.49")
    assert entries(page, "wire-n0", "value") == []
    page.click("#wire-n0")
    table = page.locator("#inspect table.tensor").first
    assert table_texts(table) == [[f"{row * 6 + column}.00" for column in range(6)] for row in range(5)]
    assert page.console_errors == []


def test_stepping_shows_each_tables_entries_when_their_step_comes(server, page):
    open_drawn(page, server, TWO_LAYER_QUERY, TWO_LAYER_GATES)
    page.click("[data-step=next]")  # the inputs: their values, no gradient yet
    expect(page.locator("#step-counter")).to_have_text("Forward pass: step 1 of 9")
    hidden = "el => el.classList.contains('step-hidden')"
    assert page.locator(f"#{W1_WIRE} text.entry-value").evaluate_all(f"els => els.map({hidden})") == [False] * 6
    assert page.locator(f"#{W1_WIRE} text.entry-grad").evaluate_all(f"els => els.map({hidden})") == [True] * 6
    assert page.locator("#wire-n6 text.entry-value").evaluate_all(f"els => els.map({hidden})") == [True] * 3
    expect(page.locator("#step-explain table.tensor").first).to_be_visible()  # the inputs' values
    page.click("[data-step=next]")  # W1 @ x
    assert page.locator("#wire-n6 text.entry-value").evaluate_all(f"els => els.map({hidden})") == [False] * 3
    page.click("[data-step=back]")
    page.click("[data-step=back]")
    page.keyboard.press("Escape")
    expect(page.locator("#diagram .step-hidden")).to_have_count(0)
    # The backward step of the first @: its rule maps the upstream table to each operand's.
    for _ in range(18):
        page.click("[data-step=next]")
    expect(page.locator("#step-counter")).to_have_text("Backward pass: step 9 of 9")
    expect(page.locator("#step-explain")).to_contain_text("upstream")
    assert page.locator("#step-explain table.tensor").count() >= 4
    assert page.console_errors == []


def test_forward_mode_follows_one_entry_of_a_matrix(server, page):
    open_drawn(page, server, TWO_LAYER_QUERY, TWO_LAYER_GATES)
    choose_option(page, "wrt", "W1[0,0]")
    page.wait_for_url(lambda url: query_of(url).get("wrt") == "W1[0,0]")
    expect(page.locator(f"#{W1_WIRE} text.entry-tangent")).to_have_count(6)
    assert entries(page, W1_WIRE, "tangent") == ["1.00", "0.00", "0.00", "0.00", "0.00", "0.00"]
    # The output's derivative with respect to W1[0,0] is W1's gradient's entry [0, 0].
    output = page.locator("#diagram g.wire").last
    expect(output.locator(".num-tangent")).to_have_text("6.00")
    expect(page.locator("#tangent-note")).to_contain_text("W1[0,0]")
    labels = page.locator("#option-wrt optgroup").evaluate_all("groups => groups.map(g => g.label)")
    assert labels == ["d/dW2, one entry", "d/dW1, one entry", "d/dx, one entry", "d/db1, one entry",
                      "d/db2, one entry", "d/dy, one entry"]
    # A reload keeps the entry chosen: the template offers the same choices.
    page.reload()
    expect(page.locator("#option-wrt")).to_have_value("W1[0,0]")
    assert page.console_errors == []


def test_practising_a_gradient_table_entry_by_entry(server, page):
    page.goto(f"{server}/?{TWO_LAYER_QUERY}&practice=grads")
    expect(page.locator("#practice-table tbody tr[data-wire]").first).to_be_visible()
    fields = page.locator(f"#practice-table input.answer[data-wire={W1_WIRE}]")
    expect(fields).to_have_count(6)
    expect(page.locator("#practice-new-values")).to_be_disabled()  # a seed draws numbers, and every input is an array
    assert entries(page, W1_WIRE, "grad") == ["?"] * 6
    fields.nth(0).fill("6")
    fields.nth(0).press("Enter")
    expect(page.locator(f"#mark-{W1_WIRE}")).to_have_text("✓ 1 of 6 right")
    expect(fields.nth(1)).to_be_focused()  # on to the next entry
    fields.nth(1).fill("12")
    fields.nth(1).press("Enter")
    expect(page.locator(f"#mark-{W1_WIRE}")).to_have_text("✓ 1 of 6 right, ✗ 1 not yet")
    expect(fields.nth(1)).to_have_attribute("aria-invalid", "true")
    assert entries(page, W1_WIRE, "grad") == ["6.00", "?", "?", "?", "?", "?"]  # found: on the diagram too
    page.click(f"#practice-table [data-show={W1_WIRE}]")
    expect(page.locator(f"#mark-{W1_WIRE}")).to_have_text("✓ 1 of 6 right, 5 shown")
    assert entries(page, W1_WIRE, "grad") == ["6.00", "-12.00", "0.00", "0.00", "0.00", "0.00"]
    w1 = page.locator("#summary tr", has=page.locator("th", has_text=re.compile("^W1$")))
    assert table_texts(w1.locator("td.gradient table.tensor")) == [["6.00", "-12.00"], ["0.00", "0.00"], ["0.00", "0.00"]]
    assert page.console_errors == []


def test_a_step_of_gradient_descent_patches_the_tables_in_place(server, page):
    open_drawn(page, server, TWO_LAYER_QUERY + "&params=W1,W2,b1,b2&lr=0.02", TWO_LAYER_GATES)
    gates = page.locator("#diagram g.gate").evaluate_all("gates => gates.map(g => g.getBBox().x)")
    page.click("[data-descent=step]")
    # W1 <- W1 - 0.02 dW1: 0.1 - 0.02 * 6 and -0.2 - 0.02 * -12.
    expect(page.locator(f"#{W1_WIRE} text.entry-value").nth(0)).to_have_text("-0.02")
    assert entries(page, W1_WIRE, "value") == ["-0.02", "0.04", "0.30", "0.40", "-0.50", "0.60"]
    assert page.locator("#diagram g.gate").evaluate_all("gates => gates.map(g => g.getBBox().x)") == gates
    assert page.console_errors == []


def test_a_new_shape_redraws_the_layout_and_a_value_patches_it(server, page):
    open_drawn(page, server, TWO_LAYER_QUERY, TWO_LAYER_GATES)
    field = page.locator("#var-y")
    field.fill("[1, 3]")  # the same shape: the numbers are patched in place
    expect(page.locator("#wire-n5 text.entry-value").nth(1)).to_have_text("3.00")
    field.fill("[1, 2, 3]")  # a shape that does not fit: its mistake at the operator
    error = page.locator("#expr-field .error")
    expect(error).to_contain_text("(2,) - (3,)")
    expect(error.locator("pre.caret")).to_be_visible()
    page.fill("#var-b2", "[0.5, -0.5, 0]")
    page.fill("#var-W2", "[[1,2,3],[-1,0,1],[0,0,1]]")  # now (3,) everywhere: a new layout
    expect(page.locator("#wire-n5 text.entry-value")).to_have_count(3)
    expect(page.locator("#wire-n5 text.shape")).to_have_text("(3,)")
    expect(page.locator("#expr-field .error")).to_have_count(0)
    assert set(page.console_errors) <= {"Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"}


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES)
def test_the_two_layer_net_fits_the_screen(server, browser, size, theme):  # noqa: F811
    phone = size == "phone"
    page = _open_page(browser, viewport=SIZES[size], is_mobile=phone, has_touch=phone, color_scheme=theme)
    open_drawn(page, server, f"{TWO_LAYER_QUERY}&theme={theme}", TWO_LAYER_GATES)
    wait_explained(page)
    page.click(f"#{W1_WIRE}")
    expect(page.locator("#inspect table.tensor")).to_have_count(4)  # value, gradient, and the @'s upstream -> downstream
    screenshot(page, f"tensors-{size}-{theme}")
    if phone:
        _assert_fits_a_phone(page)
        page.goto(f"{server}/?{TWO_LAYER_QUERY}&theme={theme}&practice=grads")
        expect(page.locator(f"#practice-table input.answer[data-wire={W1_WIRE}]")).to_have_count(6)
        screenshot(page, f"tensors-practice-{size}-{theme}")
        _assert_fits_a_phone(page)
    assert page.evaluate("document.documentElement.scrollWidth") == SIZES[size]["width"]
    assert page.console_errors == []
    page.context.close()
