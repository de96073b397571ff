"""The page in a real browser: Debian's Chromium, driven by Playwright, against gunicorn.

First the page without JavaScript (the form and the <img> must work alone), then the live page
of static/app.js: typing, the permalink, scrubbing, stepping, inspecting, exporting, the display
options, the lessons (chain rule, gradient check, symbolic gradients, staged code), named steps,
practice mode, a phone-sized screen and the keyboard. Every test checks the browser's console.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling Google on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/backprop-screenshots"))
FIGURE_2 = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
FIGURE_2_VALUES = {"w0": "2", "x0": "-1", "w1": "-3", "x1": "-2", "w2": "-3"}
FIGURE_2_QUERY = "expr=1%2F(1%2Bexp(-(w0*x0%2Bw1*x1%2Bw2)))&w0=2&x0=-1&w1=-3&x1=-2&w2=-3&precision=2"
FIGURE_1_QUERY = "expr=(x%2By)*z&x=-2&y=5&z=-4&precision=0"
FIGURE_3_QUERY = "expr=2*(x*y%2Bmax(z,w))&x=3&y=-4&z=2&w=-1"
STAGED_QUERY = "expr=(x%2Bsigmoid(y))%2F(sigmoid(x)%2B(x%2By)**2)&x=3&y=-4"
# The form without a circuit (`/` alone shows figure 2): a display option and no expression.
BLANK_FORM = "/?precision=2"
# Figure 2's gates from the output back to the inputs: the chain rule's order.
FIGURE_2_BACKWARD = ["1/x", "+1", "exp", "*-1", "+", "+", "*", "*"]
# What Chromium logs for an answer of 400, which a mistake in the expression deliberately gets.
BAD_REQUEST = "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium")


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """gunicorn serving create_app(), as `make run` does, on a free port."""
    port = _free_port()
    # Every test comes from one address, faster than any student: lift the per-client limit.
    environment = {**os.environ, "BACKPROP_RATE_LIMIT": "100000 per minute"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "app:create_app()"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base_url + "/", timeout=1)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
    yield base_url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _open_page(browser, **context_options):
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 1000}, **context_options})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    return page


@pytest.fixture
def page(browser):
    page = _open_page(browser)
    yield page
    page.context.close()


@pytest.fixture
def static_page(browser):
    """The page as a browser without JavaScript sees it."""
    page = _open_page(browser, java_script_enabled=False)
    yield page
    page.context.close()


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def summary_titles(page):
    """The full-precision numbers of the summary table, its cells' tooltips, in one text."""
    return " ".join(page.locator("#summary td").evaluate_all("cells => cells.map((cell) => cell.title)"))


# --- helpers for the live page ------------------------------------------------------------------

def open_circuit(page, server, query, gates):
    page.goto(f"{server}/?{query}")
    wait_drawn(page, gates)


def wait_drawn(page, gates):
    """Waits for the inline SVG with this many gates and for its numbers to be in the tables."""
    expect(page.locator("#diagram svg.circuit g.gate")).to_have_count(gates)
    expect(page.locator("#wire-table tbody tr").first).to_be_attached()


def choose_option(page, name, value):
    """Opens the display options, as a user does, and chooses `value` for the option `name`."""
    if page.locator("#display-options").get_attribute("open") is None:
        page.click("#display-options summary")
    page.select_option(f"#option-{name}", value)


def wire_numbers(page):
    """{wire id: [value, gradient]} as the SVG on screen shows them."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#diagram g.wire')]
        .map(g => [g.id, [g.querySelector('.num-value').textContent, g.querySelector('.num-grad').textContent]]))""")


def gate_geometry(page):
    """Where each gate is drawn: its circle's centre and its box, in the SVG's own units."""
    return page.evaluate("""() => [...document.querySelectorAll('#diagram g.gate')].map(g => {
        const e = g.querySelector('ellipse'), b = g.getBBox();
        return [g.id, e.getAttribute('cx'), e.getAttribute('cy'), b.x, b.y, b.width, b.height]; })""")


def query_of(url):
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def wait_explained(page):
    """Waits for /api/explain's panels to show the circuit on screen (not the one before it)."""
    expect(page.locator("#code-section")).to_be_visible()
    expect(page.locator("#code-section")).not_to_have_class(re.compile(r"\bstale\b"))


def gate_rows(page, label):
    """The chain-rule table's rows for the gates drawn with this label."""
    return page.locator("#chain-rule tbody[data-gate]").filter(
        has=page.locator(".gate-label", has_text=re.compile(f"^{re.escape(label)}$")))


def verdicts(page):
    """The gradient check's verdicts, each as its mark (drawn by CSS) and its word."""
    return page.evaluate("""() => [...document.querySelectorAll('#gradcheck td.verdict')].map(cell =>
        getComputedStyle(cell.querySelector('.verdict-mark'), '::before').content.replace(/"/g, '') + cell.textContent.trim())""")


def fetch_text(url):
    with urllib.request.urlopen(url) as response:
        return response.read().decode()


def visible_texts(page, selector):
    return page.evaluate(f"""() => [...document.querySelectorAll({json.dumps(selector)})]
        .filter(t => getComputedStyle(t).opacity !== '0').map(t => t.textContent)""")


# --- without JavaScript -------------------------------------------------------------------------

def _diagram_width(page):
    image = page.locator(".result img")
    image.wait_for()
    page.wait_for_function("document.querySelector('.result img').complete")
    return page.evaluate("document.querySelector('.result img').naturalWidth")


def test_without_javascript_the_form_draws_figure_2_at_its_permalink(server, static_page):
    page = static_page
    page.goto(server + BLANK_FORM)
    page.fill("#expr", FIGURE_2)
    page.click("button[type=submit]")
    # The first submission finds the variables and gives each a field with its default.
    assert [page.input_value(f"#var-{name}") for name in FIGURE_2_VALUES] == ["1"] * 5
    for name, value in FIGURE_2_VALUES.items():
        page.fill(f"#var-{name}", value)
    page.click("button[type=submit]")

    query = parse_qs(urlsplit(page.url).query)
    assert query["expr"] == [FIGURE_2]
    assert {name: query[name] for name in FIGURE_2_VALUES} == {k: [v] for k, v in FIGURE_2_VALUES.items()}
    assert _diagram_width(page) > 500
    # The table writes the diagram's decimals; each number's full precision is its tooltip.
    table = page.locator("#summary tbody").inner_text()
    for gradient in ("-0.20", "0.39", "-0.39", "-0.59", "0.20"):
        assert gradient in table
    full = summary_titles(page)
    for gradient in ("-0.196611", "0.393223", "-0.393223", "-0.589835", "0.196611"):
        assert gradient in full
    # The controls that need the script stay hidden.
    assert not page.locator(".stepper").is_visible() and not page.locator(".share").is_visible()
    assert page.console_errors == []


def test_without_javascript_the_permalink_shows_the_same_circuit_in_a_fresh_browser(server, browser, static_page):
    page = static_page
    page.goto(f"{server}/?{FIGURE_1_QUERY}")
    first = page.locator("#summary").inner_text()
    first_svg = page.get_attribute(".result img", "src")

    other = _open_page(browser, java_script_enabled=False)
    other.goto(page.url)
    assert other.locator("#summary").inner_text() == first
    assert other.get_attribute(".result img", "src") == first_svg
    assert other.input_value("#expr") == "(x+y)*z"
    other.context.close()


def test_a_typo_in_the_url_shows_the_message_with_a_caret_and_keeps_the_values(server, page):
    page.goto(f"{server}/?expr=(x%2By*z&x=-2&y=5&z=-4")
    error = page.locator("#expr-error")
    assert "column" in error.inner_text()
    assert "^" in page.locator("pre.caret").inner_text()
    assert page.input_value("#expr") == "(x+y*z"
    assert [page.input_value(f"#var-{name}") for name in "xyz"] == ["-2", "5", "-4"]
    # The page itself answers 400, which Chromium reports; nothing else may go wrong.
    assert page.console_errors == [BAD_REQUEST]


# --- live editing and the permalink -------------------------------------------------------------

def test_typing_draws_the_circuit_without_a_reload_and_the_address_is_the_permalink(server, page):
    page.goto(server + BLANK_FORM)
    page.evaluate("window.stillTheSamePage = true")
    page.locator("#expr").press_sequentially(FIGURE_2, delay=5)
    wait_drawn(page, 8)
    # The variables get fields with their defaults, in the order typed.
    expect(page.locator("#variables input[name]")).to_have_count(5)
    assert [page.input_value(f"#var-{name}") for name in FIGURE_2_VALUES] == ["1"] * 5
    for name, value in FIGURE_2_VALUES.items():
        page.fill(f"#var-{name}", value)
    expect(page.locator("#wire-n12 .num-value")).to_have_text("0.73")
    numbers = wire_numbers(page)
    assert numbers["wire-n0"] == ["2.00", "-0.20"] and numbers["wire-n1"] == ["-1.00", "0.39"]
    assert numbers["wire-n10"] == ["0.37", "-0.53"]
    page.wait_for_url(lambda url: query_of(url).get("w2") == "-3")
    assert {name: query_of(page.url)[name] for name in ("expr", *FIGURE_2_VALUES)} == {
        "expr": FIGURE_2, **FIGURE_2_VALUES}
    assert page.evaluate("window.stillTheSamePage") is True
    assert "-0.20" in page.locator("#summary").inner_text() and "-0.196611" in summary_titles(page)
    assert page.console_errors == []


def test_a_mistake_shows_at_its_position_while_the_last_good_diagram_stays(server, page):
    open_circuit(page, server, FIGURE_2_QUERY, 8)
    page.evaluate("window.stillTheSamePage = true")
    page.locator("#expr").press("End")
    page.locator("#expr").press_sequentially("+*", delay=5)
    error = page.locator("#expr-error")
    expect(error).to_contain_text("column 30")
    assert page.locator("#expr-error pre.caret").inner_text() == FIGURE_2 + "+*\n" + " " * 29 + "^"
    assert page.get_attribute("#expr", "aria-invalid") == "true"
    # The last good diagram stays, dimmed; nothing typed is lost, and the link keeps the typing.
    assert page.locator("#diagram g.gate").count() == 8
    assert "stale" in page.get_attribute("#diagram", "class")
    assert page.input_value("#expr") == FIGURE_2 + "+*"
    assert [page.input_value(f"#var-{name}") for name in FIGURE_2_VALUES] == list(FIGURE_2_VALUES.values())
    page.wait_for_url(lambda url: query_of(url)["expr"] == FIGURE_2 + "+*")

    # A value that is not a number: the message sits at its field.
    page.locator("#expr").press("Backspace")
    page.locator("#expr").press("Backspace")
    expect(page.locator("#expr-error")).to_have_count(0)
    page.fill("#var-x0", "-1x")
    expect(page.locator("#var-x0-error")).to_contain_text("not a number")
    page.fill("#var-x0", "-1")
    expect(page.locator(".error")).to_have_count(0)
    assert "stale" not in page.get_attribute("#diagram", "class")
    assert page.evaluate("window.stillTheSamePage") is True
    # Each mistake was a 400 from /api/graph, which Chromium logs; nothing else went wrong.
    assert page.console_errors and set(page.console_errors) == {BAD_REQUEST}


def test_the_url_round_trips_through_reload_a_new_browser_and_back_and_forward(server, browser, page):
    open_circuit(page, server, FIGURE_1_QUERY, 2)
    assert wire_numbers(page)["wire-n4"] == ["-12", "1"]
    # A gallery link: drawn in place, as a new history entry.
    page.evaluate("window.stillTheSamePage = true")
    page.click(".gallery a:text('Figure 3')")
    wait_drawn(page, 4)
    page.wait_for_url(lambda url: query_of(url).get("expr") == "2*(x*y + max(z,w))")
    assert page.evaluate("window.stillTheSamePage") is True
    figure_3 = wire_numbers(page)
    page.go_back()
    expect(page.locator("#expr")).to_have_value("(x+y)*z")
    wait_drawn(page, 2)
    expect(page.locator("#wire-n4 .num-value")).to_have_text("-12")
    assert [page.input_value(f"#var-{name}") for name in "xyz"] == ["-2", "5", "-4"]
    page.go_forward()
    expect(page.locator("#expr")).to_have_value("2*(x*y + max(z,w))")
    wait_drawn(page, 4)
    expect(page.locator("#wire-n7 .num-value")).to_have_text(figure_3["wire-n7"][0])

    # A change of value, then of the expression: the address bar follows each.
    page.fill("#var-x", "4")
    page.wait_for_url(lambda url: query_of(url).get("x") == "4")
    expect(page.locator("#wire-n0 .num-value")).to_have_text("4.00")
    drawn = wire_numbers(page)
    page.reload()
    wait_drawn(page, 4)
    assert wire_numbers(page) == drawn
    other = _open_page(browser)
    other.goto(page.url)
    wait_drawn(other, 4)
    assert wire_numbers(other) == drawn
    assert other.input_value("#var-x") == "4"
    assert other.console_errors == []
    other.context.close()
    assert page.console_errors == []


def test_a_variable_taken_out_and_put_back_keeps_its_value(server, page):
    open_circuit(page, server, "expr=x*y&x=3&y=-4", 1)
    page.fill("#expr", "x")
    expect(page.locator("#variables input[name]")).to_have_count(1)
    page.fill("#expr", "x*y")
    expect(page.locator("#var-y")).to_have_value("-4")
    expect(page.locator("#wire-n2 .num-value")).to_have_text("-12.00")
    assert page.console_errors == []


# --- scrubbing ----------------------------------------------------------------------------------

def test_scrubbing_a_value_changes_the_numbers_without_moving_the_gates(server, page):
    open_circuit(page, server, FIGURE_2_QUERY, 8)
    page.evaluate("document.querySelector('#diagram svg').dataset.original = 'yes'")
    before = gate_geometry(page)
    numbers = wire_numbers(page)
    slider = page.locator("[data-variable=w0] input.scrub")
    slider.focus()
    for _ in range(50):  # 50 steps of 0.01: w0 from 2 to 2.5
        page.keyboard.press("ArrowRight")
    expect(page.locator("#var-w0")).to_have_value("2.5")
    expect(page.locator("#wire-n0 .num-value")).to_have_text("2.50")
    # w0*x0 = -2.5, so the sigmoid's input is 1.5 - 2.5 ... = 0.5: f = 0.62.
    expect(page.locator("#wire-n12 .num-value")).to_have_text("0.62")
    after = wire_numbers(page)
    assert after != numbers and after["wire-n5"] == ["-2.50", "0.24"]
    assert gate_geometry(page) == before
    # The same SVG element, patched: not a new drawing.
    assert page.evaluate("document.querySelector('#diagram svg').dataset.original") == "yes"
    expect(page.locator("#wire-table tr[data-wire=wire-n0] td.value")).to_have_text("2.50")
    page.wait_for_url(lambda url: query_of(url).get("w0") == "2.5")

    # Typing a value does the same; the slider follows, widening its range when needed.
    page.fill("#var-w0", "250")
    expect(page.locator("#wire-n0 .num-value")).to_have_text("250.00")
    assert gate_geometry(page) == before
    assert float(page.get_attribute("[data-variable=w0] input.scrub", "max")) >= 250
    assert page.console_errors == []


def test_numbers_that_become_inf_or_nan_are_flagged_and_unflagged(server, page):
    open_circuit(page, server, "expr=log(x)*y&x=2&y=3", 2)
    assert page.locator("#non-finite").is_hidden()
    page.fill("#var-x", "-1")
    expect(page.locator("#wire-n2 .num-value")).to_have_text("nan")
    assert "num-flagged" in page.get_attribute("#wire-n2 .num-value", "class")
    assert page.locator("#wire-n2 .cell-flagged").count() >= 1
    expect(page.locator("#non-finite")).to_be_visible()
    page.fill("#var-x", "1")
    expect(page.locator("#wire-n2 .num-value")).to_have_text("0.00")
    assert page.locator("#diagram .cell-flagged").count() == 0
    expect(page.locator("#non-finite")).to_be_hidden()
    assert page.console_errors == []


def test_forward_mode_adds_each_wires_tangent_and_scrubbing_patches_it(server, page):
    open_circuit(page, server, FIGURE_1_QUERY, 2)
    choose_option(page, "wrt", "x")
    page.wait_for_url(lambda url: query_of(url).get("wrt") == "x")
    expect(page.locator("#wire-n4 .num-tangent")).to_have_text("-4")  # d f / d x = z
    assert page.locator("#wire-n0 .num-tangent").text_content() == "1"
    before = gate_geometry(page)
    page.fill("#var-z", "-5")
    expect(page.locator("#wire-n4 .num-tangent")).to_have_text("-5")
    expect(page.locator("#wire-n4 .num-value")).to_have_text("-15")
    assert gate_geometry(page) == before
    expect(page.locator("#wire-table thead")).to_contain_text("d/dx")
    # Taking x out of the expression turns forward mode off rather than failing.
    page.fill("#expr", "y*z")
    expect(page.locator("#diagram svg.circuit g.gate")).to_have_count(1)
    assert page.input_value("#option-wrt") == ""
    assert page.locator("#diagram .num-tangent").count() == 0
    assert page.console_errors and set(page.console_errors) == {BAD_REQUEST}


def test_options_the_form_does_not_show_survive_editing(server, page):
    open_circuit(page, server, "expr=sigmoid(x)*y&x=0&y=2&composites=expanded", 5)
    page.fill("#var-y", "3")
    page.wait_for_url(lambda url: query_of(url).get("y") == "3")
    assert query_of(page.url)["composites"] == "expanded"
    expect(page.locator("#wire-n6 .num-value")).to_have_text("1.50")
    assert page.locator("#diagram svg.circuit g.gate").count() == 5
    assert page.console_errors == []


# --- step-through -------------------------------------------------------------------------------

def test_step_through_figure_2_shows_values_then_the_chain_rule_gate_by_gate(server, page):
    open_circuit(page, server, FIGURE_2_QUERY, 8)
    page.click("[data-step=next]")
    expect(page.locator("#step-counter")).to_have_text("Forward pass: step 1 of 9")
    # Only the inputs' values are known; no gradient yet.
    assert sorted(visible_texts(page, "#diagram .num-value")) == sorted(["2.00", "-1.00", "-3.00", "-2.00", "-3.00"])
    assert visible_texts(page, "#diagram .num-grad") == []
    page.keyboard.press("n")  # the first * gate
    expect(page.locator("#step-explain")).to_contain_text("w0*x0 = -2.00")
    assert "current" in page.get_attribute("#gate-n5", "class")
    for _ in range(8):  # the other gates, then the output's gradient of 1
        page.keyboard.press("n")
    expect(page.locator("#step-counter")).to_have_text("Backward pass: step 1 of 9")
    assert visible_texts(page, "#diagram .num-grad") == ["1.00"]
    for _ in range(3):  # back through 1/x, +1, then exp
        page.keyboard.press("n")
    explanation = page.locator("#step-explain")
    expect(explanation).to_contain_text("upstream -0.53 × local 0.37 = -0.20")
    expect(explanation.locator("code.math.typeset[title='∂/∂α = exp(α)']")).to_have_count(1)
    assert "current" in page.get_attribute("#gate-n10", "class")
    page.keyboard.press("b")
    expect(explanation).to_contain_text("upstream -0.53 × local 1.00 = -0.53")  # the +1 gate
    page.click("[data-step=next]")
    page.click("[data-step=next]")  # *-1
    expect(explanation).to_contain_text("upstream -0.20 × local -1.00 = 0.20")
    for _ in range(4):  # the last gate, the first *: x0's gradient is w0 times upstream
        page.keyboard.press("n")
    expect(explanation).to_contain_text("upstream 0.20 × local -1.00 = -0.20")
    expect(explanation).to_contain_text("upstream 0.20 × local 2.00 = 0.39")
    expect(page.locator("#step-counter")).to_have_text("Backward pass: step 9 of 9")
    assert sorted(visible_texts(page, "#diagram .num-grad")) == sorted(
        ["-0.20", "0.39", "-0.39", "-0.59", "0.20", "0.20", "0.20", "0.20", "0.20", "-0.20", "-0.53", "-0.53", "1.00"])

    page.keyboard.press("r")
    expect(page.locator("#step-counter")).to_have_text("Forward pass: step 1 of 9")
    page.click("[data-step=play]")
    expect(page.locator("#step-counter")).to_have_text("Forward pass: step 2 of 9")
    page.keyboard.press("p")  # pause
    assert page.get_attribute("[data-step=play]", "aria-pressed") == "false"
    page.keyboard.press("Escape")
    expect(page.locator("#step-counter")).to_have_text("")
    assert len(visible_texts(page, "#diagram .num-grad")) == 13
    assert page.console_errors == []


def test_step_through_adds_up_the_gradients_at_a_fork(server, page):
    open_circuit(page, server, "expr=x*x%2By&x=3&y=1", 2)
    for _ in range(6):  # inputs, *, +, the output, back through +, back through *
        page.keyboard.press("n")
    explanation = page.locator("#step-explain")
    expect(explanation).to_contain_text("upstream 1.00 × local 3.00 = 3.00")
    expect(explanation).to_contain_text("Gradients add up at the fork of x: 3.00 + 3.00 = 6.00")
    assert page.console_errors == []


# --- inspect ------------------------------------------------------------------------------------

def test_inspecting_a_gate_shows_its_formula_and_numbers_and_lights_its_path(server, page):
    open_circuit(page, server, FIGURE_2_QUERY, 8)
    page.hover("#gate-n10")
    panel = page.locator("#inspect")
    expect(panel).to_contain_text("Gate exp")
    text = panel.inner_text()
    assert "exp(-(w0*x0+w1*x1+w2))" in text
    expect(panel.locator("code.math.typeset[title='∂/∂α = exp(α)']")).to_have_count(1)  # KaTeX's
    assert "0.37" in text and "-0.53" in text
    assert "upstream -0.53 × local 0.37 = -0.20" in text
    on_path = page.evaluate("[...document.querySelectorAll('#diagram g.on-path')].map(g => g.id)")
    assert {"gate-n10", "wire-n10", "gate-n11", "wire-n11", "gate-n12", "wire-n12"} <= set(on_path)
    assert "wire-n1" not in on_path and "gate-n5" not in on_path

    # A click pins a wire; leaving the diagram keeps it.
    page.click("#wire-n1")
    expect(panel).to_contain_text("Wire x0")
    page.mouse.move(5, 5)
    text = panel.inner_text()
    expect(panel.locator("code.math.typeset[title='∂/∂β = α']")).to_have_count(1)
    assert "upstream 0.20 × local 2.00 = 0.39" in text
    # The keyboard moves between gates and wires, each inspected as it gets the focus.
    page.keyboard.press("ArrowRight")
    expect(panel).to_contain_text("Wire w1")
    page.keyboard.press("Escape")
    page.locator("#expr").focus()
    expect(panel).to_contain_text("Hover, click or focus")
    assert page.console_errors == []


# --- export and share ---------------------------------------------------------------------------

def test_each_export_downloads_a_valid_file(server, page, tmp_path):
    open_circuit(page, server, FIGURE_2_QUERY, 8)
    page.fill("#var-w0", "3")  # the exports follow the live state, not the loaded one
    expect(page.locator("#wire-n0 .num-value")).to_have_text("3.00")
    files = {}
    for kind, suffix in [("svg", ".svg"), ("png", ".png"), ("dot", ".dot"), ("json", ".json")]:
        with page.expect_download() as download:
            page.click(f"[data-export={kind}]")
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        assert path.suffix == suffix
        files[kind] = path.read_bytes()
    assert ET.fromstring(files["svg"]).tag == "{http://www.w3.org/2000/svg}svg"
    assert b">3.00<" in files["svg"]
    assert files["png"].startswith(b"\x89PNG\r\n\x1a\n")
    assert files["dot"].startswith(b"digraph")
    body = json.loads(files["json"])
    assert body["variables"]["w0"] == 3 and body["expr"] == FIGURE_2
    assert page.console_errors == []


def test_copy_link_and_the_embeddable_snippets(server, browser):
    page = _open_page(browser, permissions=["clipboard-read", "clipboard-write"])
    open_circuit(page, server, FIGURE_1_QUERY, 2)
    page.click("#copy-link")
    expect(page.locator("#copy-status")).to_have_text("Link copied.")
    link = page.evaluate("navigator.clipboard.readText()")
    assert link.startswith(server + "/?")
    assert {name: query_of(link)[name] for name in ("expr", "x", "y", "z", "precision")} == query_of(page.url)

    page.click("[data-copy=snippet-markdown]")
    expect(page.locator("#copy-status")).to_have_text("Markdown snippet copied.")
    markdown = page.evaluate("navigator.clipboard.readText()")
    match = re.fullmatch(r"!\[Circuit of \(x\+y\)\*z\]\((http://[^)]+)\)", markdown)
    assert match, markdown
    image = match.group(1)
    assert urlsplit(image).path == "/graph.svg" and query_of(image)["x"] == "-2"
    with urllib.request.urlopen(image) as response:  # the absolute URL serves the diagram
        assert response.headers["Content-Type"].startswith("image/svg+xml")

    page.click("[data-copy=snippet-html]")
    html = page.evaluate("navigator.clipboard.readText()")
    assert html == f'<img src="{image.replace("&", "&amp;")}" alt="Circuit of (x+y)*z">'
    assert page.input_value("#snippet-html") == html
    assert page.console_errors == []
    page.context.close()


# --- display options ----------------------------------------------------------------------------

def test_dark_theme_colour_blind_scheme_layout_and_precision_apply_and_stay_in_the_url(server, page):
    open_circuit(page, server, FIGURE_2_QUERY, 8)
    choose_option(page, "theme", "dark")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == "rgb(22, 24, 29)"
    expect(page.locator("#diagram svg polygon").first).to_have_attribute("fill", "#16181d")
    choose_option(page, "colors", "colorblind")
    expect(page.locator("html")).to_have_attribute("data-colors", "colorblind")
    expect(page.locator("#wire-n0 .num-value")).to_have_attribute("fill", "#56b4e9")
    expect(page.locator("#legend-value")).to_have_text("blue, above")
    assert page.evaluate("getComputedStyle(document.querySelector('#summary td.value')).color") == "rgb(86, 180, 233)"
    screenshot(page, "desktop-dark-colorblind")
    choose_option(page, "direction", "TB")
    choose_option(page, "precision", "4")
    expect(page.locator("#wire-n12 .num-value")).to_have_text("0.7311")
    page.wait_for_url(lambda url: query_of(url).get("precision") == "4")
    query = query_of(page.url)
    assert (query["theme"], query["colors"], query["direction"]) == ("dark", "colorblind", "TB")
    # Top to bottom: the output's gate sits below the inputs.
    assert page.evaluate("""document.querySelector('#gate-n12').getBoundingClientRect().top >
        document.querySelector('#wire-n0').getBoundingClientRect().bottom""")
    page.reload()
    wait_drawn(page, 8)
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.locator("#wire-n12 .num-value")).to_have_text("0.7311")
    assert page.console_errors == []


# --- the lessons: chain rule, gradient check, symbolic gradients, staged code --------------------

def test_the_chain_rule_table_shows_every_gate_backward_and_follows_each_change(server, page):
    open_circuit(page, server, FIGURE_2_QUERY, 8)
    labels = page.locator("#chain-rule tbody[data-gate] .gate-label")
    expect(labels).to_have_count(8)
    assert labels.all_inner_texts() == FIGURE_2_BACKWARD
    exp_gate = gate_rows(page, "exp")
    expect(exp_gate).to_contain_text("-0.53 × 0.37 = -0.20")
    expect(exp_gate.locator("td.local code.math.typeset")).to_have_attribute("title", "∂/∂α = exp(α)")
    expect(exp_gate.locator("td.local")).to_contain_text("= 0.37")
    # The intuitions come with /api/explain, a moment later.
    expect(exp_gate.locator(".intuition")).to_contain_text("exp is its own derivative")
    expect(gate_rows(page, "*").last).to_contain_text("0.20 × 2.00 = 0.39")  # x0's gradient is w0 × upstream
    wait_explained(page)
    screenshot(page, "desktop-light-lessons")

    # A new value: the table follows at once, from the same numbers as the diagram.
    page.fill("#var-w0", "3")
    expect(page.locator("#wire-n0 .num-value")).to_have_text("3.00")
    # w0*x0 + w1*x1 + w2 = 0 now: the sigmoid's local gradient is 0.25, and x0 gets 0.25 × w0.
    expect(gate_rows(page, "*").last).to_contain_text("0.25 × 3.00 = 0.75")

    # Gradients add up at a fork: x*x sends x two branches.
    open_circuit(page, server, "expr=x*x%2By&x=3&y=1", 2)
    fork = page.locator("#chain-rule tbody.fork")
    expect(fork).to_contain_text("Gradients add up at the fork of x")
    expect(fork).to_contain_text("3.00 + 3.00 = 6.00")
    # The fork's sum comes right after the gate its last branch leaves.
    assert page.evaluate("document.querySelector('#chain-rule tbody.fork').previousElementSibling.dataset.gate") == "n2"
    assert page.console_errors == []


def test_composite_gates_and_forward_mode_keep_the_lessons(server, page):
    open_circuit(page, server, "expr=1%2F(1%2Bexp(-z))*y&z=0.5&y=2&composites=collapsed", 2)
    sigmoid = gate_rows(page, "sigmoid")
    expect(sigmoid).to_have_count(1)
    expect(sigmoid.locator(".intuition")).to_contain_text("σ(1-σ)")
    wait_explained(page)
    assert verdicts(page) == ["✓ good", "✓ good"]
    # As simple gates: five gates, and the table has five.
    choose_option(page, "composites", "expanded")
    expect(page.locator("#chain-rule tbody[data-gate]")).to_have_count(5)
    # Forward mode: the third number on each wire; the lessons stay.
    choose_option(page, "wrt", "z")
    expect(page.locator("#tangent-note")).to_be_visible()
    expect(page.locator("#wire-table thead")).to_contain_text("d/dz")
    expect(page.locator("#chain-rule tbody[data-gate]")).to_have_count(5)
    wait_explained(page)
    assert page.locator("#symbolic tbody tr").count() == 2
    choose_option(page, "theme", "dark")
    wait_explained(page)
    screenshot(page, "desktop-dark-lessons")
    assert page.console_errors == []


def test_without_javascript_the_lessons_are_on_the_page_as_the_script_draws_them(server, browser, static_page):
    page = static_page
    page.goto(f"{server}/?{FIGURE_2_QUERY}")
    assert page.locator("#chain-rule tbody[data-gate] .gate-label").all_inner_texts() == FIGURE_2_BACKWARD
    exp_gate = gate_rows(page, "exp")
    assert "-0.53 × 0.37 = -0.20" in exp_gate.inner_text()
    assert "exp is its own derivative" in exp_gate.inner_text()
    assert verdicts(page) == ["✓ good"] * 5
    assert page.locator("#symbolic tbody tr").count() == 5
    staged = fetch_text(f"{server}/code/staged.py?{FIGURE_2_QUERY}")
    assert page.locator("#code-python pre").text_content() == staged
    assert page.locator("#code-pytorch pre").is_visible()  # no tabs without the script: both show
    static_table = page.locator("#chain-rule").inner_text()

    # The script draws the same table from /api/graph.
    live = _open_page(browser)
    open_circuit(live, server, FIGURE_2_QUERY, 8)
    wait_explained(live)
    # The same words, once each formula KaTeX typeset is its plain text again.
    live_table = live.locator("#chain-rule").evaluate("""table => {
        for (const math of table.querySelectorAll("code.math.typeset")) math.replaceWith(math.title);
        return table.innerText; }""")
    assert live_table.split() == static_table.split()
    assert live.console_errors == [] and page.console_errors == []
    live.context.close()


@pytest.mark.parametrize("query, gates, forks", [
    ("expr=x*y%2Bx*max(x,y)&x=2&y=-3", 4, 2),  # each fork's sum after the gate that completes it
    ("expr=q%20%3D%20x%20%2B%20y%3B%20f%20%3D%20q%20*%20z&x=-2&y=5&z=-4", 2, 0),  # named steps
    ("expr=2*x%2F(1-x)%2Bx**3&x=0.5&precision=4", 5, 1),  # constants in the gates
], ids=["forks", "named-steps", "constants"])
def test_the_script_draws_the_chain_rule_the_server_writes(server, browser, static_page, query, gates, forks):
    """One lesson, written twice: by the template without JavaScript and by the script, both
    from the steps of the circuit's document; word for word the same table."""
    static_page.goto(f"{server}/?{query}")
    static_table = static_page.locator("#chain-rule").inner_text()
    live = _open_page(browser)
    open_circuit(live, server, query, gates)
    live_table = live.locator("#chain-rule").evaluate("""table => {
        for (const math of table.querySelectorAll("code.math.typeset")) math.replaceWith(math.title);
        return table.innerText; }""")
    assert live_table.split() == static_table.split()
    assert static_page.locator("#chain-rule tbody.fork").count() == forks and live.console_errors == []
    live.context.close()


def test_the_staged_code_shown_is_the_download_and_follows_the_circuit(server, browser):
    page = _open_page(browser, permissions=["clipboard-read", "clipboard-write"])
    open_circuit(page, server, FIGURE_1_QUERY, 2)
    wait_explained(page)
    python = page.locator("#code-python pre")
    assert python.text_content() == fetch_text(f"{server}/code/staged.py?{FIGURE_1_QUERY}")
    assert "dz = add0 * df" in python.text_content()
    link = page.locator("#code-python a[data-export=python]")
    assert python.text_content() == fetch_text(link.evaluate("a => a.href"))
    page.click("#code-python [data-copy-code]")
    expect(page.locator("#code-status")).to_have_text("Python code copied.")
    assert page.evaluate("navigator.clipboard.readText()") == python.text_content()

    # PyTorch: a second tab.
    expect(page.locator("#code-pytorch")).to_be_hidden()
    page.click("#tab-pytorch")
    pytorch = page.locator("#code-pytorch pre")
    expect(pytorch).to_be_visible()
    expect(python).to_be_hidden()
    assert pytorch.text_content() == fetch_text(f"{server}/code/pytorch.py?{FIGURE_1_QUERY}")
    page.keyboard.press("ArrowLeft")  # the tabs take arrow keys
    expect(python).to_be_visible()

    # A new value: the code and its download follow.
    page.fill("#var-z", "-5")
    expect(python).to_contain_text("z = np.float64(-5.0)")
    assert python.text_content() == fetch_text(link.evaluate("a => a.href"))
    assert page.console_errors == []
    page.context.close()


def test_the_gradient_check_passes_the_golden_circuits_and_warns_at_a_kink(server, page):
    for query, inputs in [(FIGURE_1_QUERY, 3), (FIGURE_2_QUERY, 5), (FIGURE_3_QUERY, 4), (STAGED_QUERY, 2)]:
        page.goto(f"{server}/?{query}")
        wait_explained(page)
        expect(page.locator("#gradcheck .verdict")).to_have_count(inputs)
        assert verdicts(page) == ["✓ good"] * inputs, query
        assert page.locator("#gradcheck tr.kink").count() == 0
    # Figure 1's gradients as formulas: d f / d x = z.
    page.goto(f"{server}/?{FIGURE_1_QUERY}")
    wait_explained(page)
    row = page.locator("#symbolic tr[data-input=x]")
    expect(row.locator(".formula-cell code.math.typeset")).to_have_attribute("title", "z")
    # Its value at the chosen decimals (none in figure 1), in full on hover.
    expect(row.locator("td.number").first).to_have_text("-4")
    expect(row.locator("td.number").first).to_have_attribute("title", "-4.0")

    # relu at 0: the centred difference straddles the kink.
    open_circuit(page, server, "expr=relu(x)*y&x=0&y=2", 2)
    wait_explained(page)
    assert verdicts(page) == ["✗ wrong", "✓ good"]
    warning = page.locator("#gradcheck tr.kink")
    expect(warning).to_have_count(1)
    expect(warning).to_contain_text("x is at or near a kink of relu(x)")
    # The verdict is a word and a mark, not only a colour.
    assert page.evaluate("getComputedStyle(document.querySelector('#gradcheck tr[data-input=y] .verdict')).color") != \
        page.evaluate("getComputedStyle(document.querySelector('#gradcheck tr[data-input=x] .verdict')).color")
    expect(page.locator("#symbolic tr[data-input=x] .formula-cell code.math")).to_have_attribute(
        "title", re.compile("Heaviside"))
    assert page.console_errors == []


# --- named steps --------------------------------------------------------------------------------

def test_a_program_of_named_steps_typed_on_two_lines_draws_figure_1_with_q_and_f(server, page):
    page.goto(server + BLANK_FORM)
    field = page.locator("#expr")
    assert field.evaluate("e => e.tagName") == "TEXTAREA"
    field.press_sequentially("q = x + y", delay=5)
    field.press("Enter")  # a new line, not a submission
    field.press_sequentially("f = q * z", delay=5)
    wait_drawn(page, 2)
    assert page.input_value("#expr") == "q = x + y\nf = q * z"
    assert field.get_attribute("rows") == "2"
    for name, value in {"x": "-2", "y": "5", "z": "-4"}.items():
        page.fill(f"#var-{name}", value)
    expect(page.locator("#wire-n4 .num-value")).to_have_text("-12.00")
    assert wire_numbers(page)["wire-n3"] == ["3.00", "-4.00"]
    names = page.evaluate("[...document.querySelectorAll('#diagram g.wire text')].map(t => t.textContent)")
    assert "q" in names and "f" in names
    first_input = gate_rows(page, "*").locator("td.operand").first
    expect(first_input.locator("code.math")).to_have_attribute("title", "α")  # the gate's first wire...
    expect(first_input).to_contain_text("= q")  # ...is the step named q
    page.wait_for_url(lambda url: query_of(url).get("z") == "-4")
    assert query_of(page.url)["expr"] == "q = x + y\nf = q * z"

    # Ctrl+Enter submits (the form's submit, which draws at once) and adds no line.
    page.evaluate("document.querySelector('#circuit-form').addEventListener('submit', () => window.submitted = true)")
    field.press("Control+Enter")
    assert page.evaluate("window.submitted") is True
    assert page.input_value("#expr") == "q = x + y\nf = q * z"

    # A mistake on line 2: the message names the line, the caret sits under it.
    field.press("End")
    field.press_sequentially(" *", delay=5)
    error = page.locator("#expr-error")
    expect(error).to_contain_text("line 2, column 12")
    assert page.locator("#expr-error pre.caret").inner_text() == "q = x + y\nf = q * z *\n" + " " * 11 + "^"
    assert set(page.console_errors) == {BAD_REQUEST}


def test_without_javascript_a_two_line_program_submits_with_its_newlines(server, static_page):
    page = static_page
    page.goto(server + BLANK_FORM)
    page.fill("#expr", "q = x + y\nf = q * * z")
    page.click("button[type=submit]")
    assert query_of(page.url)["expr"].replace("\r\n", "\n") == "q = x + y\nf = q * * z"
    assert "line 2, column 9" in page.locator("#expr-error").inner_text()
    assert page.locator("pre.caret").inner_text() == "q = x + y\nf = q * * z\n" + " " * 8 + "^"
    page.fill("#expr", "q = x + y\nf = q * z")
    page.click("button[type=submit]")
    assert page.input_value("#expr") == "q = x + y\nf = q * z"
    assert _diagram_width(page) > 200
    assert page.get_attribute("#expr", "rows") == "2"
    assert page.console_errors == [BAD_REQUEST]


# --- practice -----------------------------------------------------------------------------------

def wait_practice(page, rows):
    expect(page.locator("#practice-table tbody tr[data-wire]")).to_have_count(rows)


def answer(page, wire, text):
    """Types an answer for a wire in the practice table and presses Enter."""
    field = page.locator(f"#practice-table input.answer[data-wire={wire}]")
    field.fill(text)
    field.press("Enter")
    return page.locator(f"#mark-{wire}")


def test_practice_figure_1_gradients_wrong_then_right_with_hints_and_a_link(server, browser, page):
    open_circuit(page, server, FIGURE_1_QUERY, 2)
    choose_option(page, "practice", "grads")
    page.wait_for_url(lambda url: query_of(url).get("practice") == "grads")
    wait_practice(page, 5)
    # The diagram (drawn by the server) asks for every gradient but the output's 1.
    expect(page.locator("#wire-n3 .num-grad")).to_have_text("?")
    assert [page.locator(f"#wire-n{k} .num-grad").text_content() for k in range(5)] == ["?", "?", "?", "?", "1"]
    expect(page.locator("#practice-table input.answer")).to_have_count(4)
    # Nothing else on the page gives the answers away, and what would is off.
    assert page.locator("#summary").inner_text().count("?") == 3
    for hidden in ("#chain-rule-section", "#gradcheck-section", "#symbolic-section", "#wire-table"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator("[data-step=next]")).to_be_disabled()
    expect(page.locator("#option-wrt")).to_be_disabled()
    page.locator("#diagram").click(position={"x": 1, "y": 1})
    page.keyboard.press("n")
    expect(page.locator("#step-counter")).to_have_text("")
    page.hover("#wire-n0")
    expect(page.locator("#inspect")).to_contain_text("Wire x")
    assert "-4" not in page.locator("#inspect").inner_text()

    # The hint for x: the chain rule at the + gate, its upstream still to find.
    page.click("#practice-table [data-hint=wire-n0]")
    hint = page.locator("#hint-wire-n0")
    expect(hint).to_contain_text("Chain rule at gate +")
    expect(hint).to_contain_text("(find that one first)")
    expect(hint).to_contain_text(re.compile(r"∂/∂\S+ = 1, at the values of the gate's inputs"))
    assert "-4" not in hint.inner_text()

    # q's gradient: wrong, then right; the right answer takes the place of its "?".
    expect(answer(page, "wire-n3", "-3")).to_have_text("✗ not yet")
    assert page.get_attribute("#practice-table input[data-wire=wire-n3]", "aria-invalid") == "true"
    expect(page.locator("#wire-n3 .num-grad")).to_have_text("?")
    expect(answer(page, "wire-n3", "-4")).to_have_text("✓ right")
    expect(page.locator("#wire-n3 .num-grad")).to_have_text("-4")
    expect(page.locator("#practice-score")).to_have_text("1 of 4 found.")
    # Now the hint has its upstream: the multiplication is the student's.
    expect(hint).to_contain_text("-4 × 1 = ?")
    # A click on a wire goes to its answer.
    page.click("#wire-n1")
    assert page.evaluate("document.activeElement.dataset.wire") == "wire-n1"
    answer(page, "wire-n0", "-4")
    answer(page, "wire-n1", "\u22124")  # a typographic minus
    expect(answer(page, "wire-n2", "3")).to_have_text("✓ right")
    expect(page.locator("#practice-score")).to_have_text("All 4 found: every number is on the diagram now.")
    expect(page.locator("#summary")).not_to_contain_text("?")
    screenshot(page, "desktop-practice")

    # The link is the exercise: a fresh browser gets the question marks, and no answers.
    link = page.url
    other = _open_page(browser)
    other.goto(link)
    expect(other.locator("#wire-n3 .num-grad")).to_have_text("?")
    wait_practice(other, 5)
    assert other.input_value("#option-practice") == "grads"
    assert other.console_errors == []
    other.context.close()

    # Stop practising: every number, and the lessons, come back.
    page.click("#practice-stop")
    page.wait_for_url(lambda url: not query_of(url).get("practice"))
    expect(page.locator("#wire-n0 .num-grad")).to_have_text("-4")
    expect(page.locator("#chain-rule-section")).to_be_visible()
    expect(page.locator("[data-step=next]")).to_be_enabled()
    assert page.console_errors == []


# --- phones and keyboards -----------------------------------------------------------------------

@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_phone_sized_screen_scrolls_only_the_diagram(server, browser, theme):
    page = _open_page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    open_circuit(page, server, f"{FIGURE_2_QUERY}&theme={theme}", 8)
    wait_explained(page)  # the lessons' tables must fit too
    page.click("#wire-table summary")
    page.tap("#gate-n10")
    expect(page.locator("#inspect")).to_contain_text("Gate exp")
    page.click("[data-step=next]")
    screenshot(page, f"phone-{theme}")
    _assert_fits_a_phone(page)
    assert page.evaluate("document.querySelector('#diagram').scrollWidth > document.querySelector('#diagram').clientWidth")
    for button in page.locator(".stepper button").all():
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390

    # Practising on a phone: the table of answers and its hints fit as well.
    page.goto(f"{server}/?{FIGURE_2_QUERY}&theme={theme}&practice=values")
    wait_practice(page, 13)
    page.click("#practice-table [data-hint=wire-n12]")
    answer(page, "wire-n5", "-2")
    screenshot(page, f"phone-practice-{theme}")
    _assert_fits_a_phone(page)
    assert page.console_errors == []
    page.context.close()


def _assert_fits_a_phone(page):
    # innerWidth would not do: a phone's browser widens the layout to fit what overflows. KaTeX's
    # MathML, for screen readers, is clipped to a pixel: it may reach past the edge unseen.
    sizes = page.evaluate("""() => ({page: document.documentElement.scrollWidth, window: 390,
        widest: Math.max(...[...document.querySelectorAll('body *')].filter(e => !e.closest('#diagram, .katex-mathml'))
            .map(e => e.getBoundingClientRect().right))})""")
    assert sizes["page"] <= sizes["window"], sizes
    assert sizes["widest"] <= sizes["window"] + 0.5, sizes


def test_every_control_is_reachable_by_keyboard_with_a_visible_focus(server, page):
    open_circuit(page, server, FIGURE_1_QUERY, 2)
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("""() => { const e = document.activeElement;
            return [e.id || e.dataset.step || e.dataset.copy || e.dataset.export || e.getAttribute('aria-label') || e.tagName,
                    getComputedStyle(e).outlineStyle, e.closest('#diagram') ? 'diagram' : ''] }"""))
    names = [name for name, _, _ in reached]
    # The display options are one stop (their summary) until opened.
    for control in ("expr", "var-x", "x slider", "SUMMARY", "reset", "back", "play", "next", "all",
                    "svg", "png", "dot", "json", "copy-link", "snippet-markdown", "snippet-html"):
        assert control in names, (control, names)
    # The diagram is one tab stop: a gate or wire, whose focus the page draws itself.
    assert sum(1 for _, _, where in reached if where == "diagram") == 1
    for name, outline, where in reached:
        if not where and name not in ("BODY", "A"):
            assert outline != "none", name
    assert page.console_errors == []


# --- numbers the page spells itself -------------------------------------------------------------

def test_the_full_precision_table_spells_numbers_as_python_does(server, page):
    """The one place the page has only a float: the table of full-precision numbers, which must
    read as Python's repr (JavaScript's shortest round-trip digits, spelled Python's way)."""
    random = __import__("random").Random(3)
    numbers = [0.125, 2.5, 0.5, -0.125, 0.005, 1e9, -1e9, 999999999.995, 1e-5, 1e16, 1e15, 5e-324,
               -0.0, 0.0, 1e308, 0.375, 9.995e9, 0.36787944117144233, -0.5344466]
    numbers += [random.uniform(-10, 10) for _ in range(300)] + [random.randint(-999, 999) / 8 for _ in range(300)]
    numbers += [random.uniform(-1, 1) * 10 ** random.randint(-12, 20) for _ in range(300)]
    cases = numbers + ["NaN", "Infinity", "-Infinity"]
    page.goto(server + "/")
    spelled = page.evaluate("""async (cases) => {
        const { reprLikePython } = await import('/static/js/numbers.js');
        return cases.map((number) => reprLikePython(number));
    }""", cases)
    named = {"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}
    for number, full in zip(cases, spelled):
        assert full == named.get(number, repr(number)), number
    assert page.console_errors == []


# --- the gallery --------------------------------------------------------------------------------

def test_every_gallery_link_draws_its_circuit(server, page):
    page.goto(server + "/")
    links = page.locator(".gallery a")
    hrefs = [links.nth(index).get_attribute("href") for index in range(links.count())]
    assert len(hrefs) == 12
    for href in hrefs:
        page.goto(server + href)
        expect(page.locator("#diagram svg.circuit g.gate").first).to_be_attached()
        assert page.evaluate("document.querySelector('#diagram svg').getBBox().width") > 100, href
        if "log%28exp%28a%29" in href:
            expect(page.locator("#wire-n8 .num-value")).to_have_text("3.41")  # log-sum-exp of 1, 2, 3
    assert page.console_errors == []
