"""Gradient descent on the live page, in Chromium against gunicorn: Step and Play change the
diagram's numbers and the loss plot, the address bar keeps params, lr and steps, the link
reloaded shows the same numbers, the checkboxes choose the parameters, practice turns it off,
and a run that leaves the finite range says where. Screenshots at 1366x900 and 390x844, light
and dark. The server and browser fixtures are tests/test_browser.py's."""

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest

from graphlib.descent import Settings, descend
from graphlib.document import format_number
from graphlib.gallery import GALLERY
from graphlib.parse import parse
from test_browser import (BAD_REQUEST, CHROMIUM, SCREENSHOTS, _open_page, browser, expect, query_of,  # noqa: F401
                          server)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")

EXAMPLE = next(example for example in GALLERY if example.slug == "figure-2-descent")
OUTPUT_WIRE = "wire-n15"  # the loss: (... - y)**2, the last of its 16 nodes
GATES = 10


def loss_text(steps):
    graph = parse(EXAMPLE.expr)
    start = {name: float(value) for name, value in EXAMPLE.values.items()}
    trajectory = descend(graph, start, Settings(("w0", "w1", "w2"), 0.5, steps))
    return format_number(trajectory.losses[-1], EXAMPLE.precision)


@pytest.fixture
def page(browser):
    page = _open_page(browser, viewport={"width": 1366, "height": 900})
    yield page
    page.context.close()


def open_example(page, server, **fields):
    page.goto(f"{server}/?{urlencode({**dict(query_pairs()), **fields})}")
    expect(page.locator("#diagram svg.circuit g.gate")).to_have_count(GATES)
    expect(page.locator("#descent-panel")).to_be_visible()


def query_pairs():
    return [("expr", EXAMPLE.expr), *EXAMPLE.values.items(), ("precision", str(EXAMPLE.precision)),
            *EXAMPLE.descent.items()]


def shown_loss(page):
    return page.locator(f"#{OUTPUT_WIRE} .num-value")


def plot_points(page):
    return page.locator("#loss-plot polyline").get_attribute("points")


def test_step_and_play_move_the_diagram_and_the_plot_and_the_link_keeps_them(server, page):
    open_example(page, server)
    expect(shown_loss(page)).to_have_text(loss_text(0))  # 0.534: the lecture's values
    expect(page.locator("#descent-step")).to_have_text("· step 0")
    gates_at = page.locator("#diagram g.gate").first.bounding_box()

    page.click("[data-descent=step]")
    expect(shown_loss(page)).to_have_text(loss_text(1))
    expect(page.locator("#descent-step")).to_have_text("· step 1")
    assert query_of(page.url)["steps"] == "1"
    assert len(plot_points(page).split()) == 2

    page.fill("#descent-play-count", "4")
    page.click("[data-descent=play]")
    expect(page.locator("[data-descent=play]")).to_have_text("■ Stop")
    expect(page.locator("#descent-step")).to_have_text("· step 5", timeout=15000)
    expect(page.locator("[data-descent=play]")).to_have_text("▶ Play")
    expect(shown_loss(page)).to_have_text(loss_text(5))
    assert len(plot_points(page).split()) == 6
    expect(page.locator("#loss-plot .loss-last-text")).to_have_text(loss_text(5))
    fields = query_of(page.url)
    assert (fields["params"], fields["lr"], fields["steps"]) == ("w0,w1,w2", "0.5", "5")
    # A step changes the numbers only: the gates stay where they were, as while scrubbing.
    assert page.locator("#diagram g.gate").first.bounding_box() == gates_at

    numbers = page.locator("#diagram svg .num-value").all_text_contents()
    page.reload()
    expect(page.locator("#descent-step")).to_have_text("· step 5")
    assert page.locator("#diagram svg .num-value").all_text_contents() == numbers
    # The inputs stay the starting point; the diagram's input wires are step 5's.
    assert page.locator("#var-w0").input_value() == "2"
    assert page.locator("#wire-n0 .num-value").text_content() != "2.000"

    page.click("[data-descent=reset]")
    expect(shown_loss(page)).to_have_text(loss_text(0))
    assert query_of(page.url)["steps"] == "0"
    page.go_back()
    expect(page.locator("#descent-step")).to_have_text("· step 5")
    assert page.console_errors == []


def test_play_can_be_stopped(server, page):
    open_example(page, server)
    page.fill("#descent-play-count", "400")
    page.click("[data-descent=play]")
    expect(page.locator("#descent-step")).not_to_have_text("· step 0")
    page.click("[data-descent=play]")
    expect(page.locator("[data-descent=play]")).to_have_text("▶ Play")
    stopped = page.locator("#descent-step").text_content()
    page.wait_for_timeout(600)
    assert page.locator("#descent-step").text_content() == stopped != "· step 400"
    assert page.console_errors == []


def test_the_checkboxes_choose_the_parameters(server, page):
    open_example(page, server, steps="3")
    page.click("#descent-options summary")
    expect(page.locator("#descent-choices input")).to_have_count(6)  # one per input
    assert page.locator("#descent-choices input:checked").evaluate_all("boxes => boxes.map((box) => box.value)") \
        == ["w0", "w1", "w2"]
    page.locator("#descent-choices input[value=w2]").uncheck()
    expect(page.locator("#descent-note")).to_contain_text("Gradient descent on w0, w1 with lr 0.5")
    assert query_of(page.url)["params"] == "w0,w1"
    assert page.locator("#wire-n4 .num-value").text_content() == "-3.000"  # w2 stays where it was
    for name in ("w0", "w1"):
        page.locator(f"#descent-choices input[value={name}]").uncheck()
    expect(page.locator("#descent-panel")).to_be_hidden()
    assert not {"params", "lr", "steps"} & set(query_of(page.url))
    expect(shown_loss(page)).to_have_text(loss_text(0))
    assert page.console_errors == []


def test_practice_turns_descent_off_and_says_why(server, page):
    open_example(page, server, steps="5")
    page.click("#display-options summary")
    page.select_option("#option-practice", "grads")
    expect(page.locator("#descent-panel")).to_be_hidden()
    expect(page.locator(".descent-practice")).to_be_attached()
    page.click("#descent-options summary")
    expect(page.locator(".descent-practice")).to_be_visible()
    expect(page.locator("#descent-choices input").first).to_be_disabled()
    assert page.locator("#wire-n0 .num-value").text_content() == "2.000"  # the inputs, not step 5's
    assert query_of(page.url)["steps"] == "5"  # kept for afterwards
    assert page.console_errors == []


def test_a_run_that_leaves_the_finite_range_says_at_which_step(server, page):
    page.goto(f"{server}/?{urlencode({'expr': '(w-3)**2', 'w': '4', 'params': 'w', 'lr': '5.5', 'steps': '160'})}")
    expect(page.locator("#loss-plot .loss-escape-text")).to_have_text("inf at step 155")
    # Losses from 1 to 1e308 on a log scale: the points of steps 0 to 154 on one straight line.
    expect(page.locator("#loss-plot .loss-caption").last).to_have_text("loss (log scale)")
    points = [tuple(map(float, point.split(","))) for point in page.locator("#loss-plot polyline").get_attribute("points").split()]
    assert len(points) == 155
    (x0, y0), (x1, y1) = points[0], points[-1]
    assert all(abs(y - (y0 + (x - x0) * (y1 - y0) / (x1 - x0))) < 0.2 for x, y in points)  # to rounding, 0.1 px
    expect(page.locator("#descent-note .warning")).to_have_text("The loss left the finite range at step 155.")
    assert page.console_errors == []


@pytest.mark.parametrize("width, height", [(1366, 900), (390, 844)])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_after_20_steps_the_diagram_and_the_plot_are_on_the_first_screen(server, browser, width, height, scheme):
    page = _open_page(browser, viewport={"width": width, "height": height}, color_scheme=scheme)
    try:
        open_example(page, server, steps="20")
        expect(shown_loss(page)).to_have_text(loss_text(20))
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"descent-{width}-{scheme}.png"))
        diagram = page.locator("#diagram").bounding_box()
        assert diagram["y"] < height  # not pushed below the fold
        if width > 1000:
            plot = page.locator("#loss-plot svg").bounding_box()
            assert plot["y"] + plot["height"] <= height  # beside the diagram, on the same screen
        else:  # the form is used without scrolling: its Draw button is on the first screen
            draw = page.locator("#circuit-form button[type=submit]").bounding_box()
            assert draw["y"] + draw["height"] <= height
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.console_errors == []
    finally:
        page.context.close()



def test_a_bad_learning_rate_is_shown_beside_its_field_and_the_diagram_stays(server, page):
    open_example(page, server, steps="2")
    page.click("#descent-options summary")
    page.fill("#descent-lr", "0")
    expect(page.locator("#descent-options .error")).to_have_text(
        "lr (the learning rate) must be a decimal number above 0 and at most 100, such as 0.1; got '0'.")
    expect(page.locator("#diagram")).to_have_class(re.compile(r"\bstale\b"))
    expect(shown_loss(page)).to_have_text(loss_text(2))
    page.fill("#descent-lr", "0.5")
    expect(page.locator("#descent-options .error")).to_have_count(0)
    assert page.console_errors == [BAD_REQUEST]
