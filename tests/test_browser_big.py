"""Big circuits fit the page: the diagram zooms and pans in a box of its own (buttons, keys,
Ctrl+wheel, pinch), scrubbing keeps the view and a new circuit fits again; the chain rule of a
hundred gates stays readable and folds; no accepted expression widens the page; hovering a value
lights every branch of its fork and the gates they feed. Real gunicorn, real Chromium.
"""

from urllib.parse import urlencode

import pytest

from test_browser import (  # noqa: F401 (fixtures)
    _open_page, browser, expect, open_circuit, screenshot, server, wait_drawn, wait_explained)

SUM_25 = "+".join(f"sin(x*y*{k})" for k in range(1, 26))  # 99 gates
SUM_75 = "+".join(f"sin(x*y*{k})" for k in range(1, 76))  # 299 gates
FORK_16 = "+".join(f"sin(x*{k})" for k in range(1, 17))  # x in 16 places: the most still drawn as a fork
# The longest expressions the server accepts: 3000 characters, without a space.
LONG_NAMES = "*".join(f"n{k:02d}" + "a" * 27 for k in range(96))  # 96 names of 30 characters: 2975 characters, 95 gates
MANY_GATES = "*".join(["x"] * 501)  # 500 gates, the most there can be
SCREEN_SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


def query(expr, **values):
    return urlencode({"expr": expr, "x": "0.5", "y": "2", **values})


def open_sized(browser, size, **options):
    width, height = SCREEN_SIZES[size]
    phone = size == "phone"
    return _open_page(browser, viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone, **options)


def scale(page):
    """The drawing's scale: its width on screen over its natural width (the viewBox is in points)."""
    return page.evaluate("""() => { const svg = document.querySelector('#diagram svg');
        return svg.getBoundingClientRect().width / (svg.viewBox.baseVal.width * 4 / 3); }""")


def view(page):
    return page.evaluate("() => { const box = document.querySelector('#diagram'); return [box.scrollLeft, box.scrollTop]; }")


def point_under(page, x, y):
    """The drawing's own coordinates (at scale 1) of the screen point x, y."""
    return page.evaluate("""([x, y]) => { const box = document.querySelector('#diagram');
        const svg = box.querySelector('svg'), rect = svg.getBoundingClientRect();
        const s = rect.width / (svg.viewBox.baseVal.width * 4 / 3);
        return [(x - rect.left) / s, (y - rect.top) / s]; }""", [x, y])


def fit_width_scale(page):
    return page.evaluate("""() => { const box = document.querySelector('#diagram'), svg = box.querySelector('svg');
        return Math.min(1, box.clientWidth / (svg.viewBox.baseVal.width * 4 / 3)); }""")


def test_buttons_keys_and_ctrl_wheel_zoom_the_diagram_and_fit_restores_it(server, browser):
    page = open_sized(browser, "desktop")
    open_circuit(page, server, query(SUM_25), 99)
    # Too wide for the box: drawn at the smallest readable scale, the rest scrolls.
    assert scale(page) == pytest.approx(0.6, abs=0.002)
    expect(page.locator("#zoom-level")).to_have_text("60%")
    screenshot(page, "big-99-gates-desktop-light-fit")

    page.click("[data-zoom=in]")
    assert scale(page) == pytest.approx(0.75, abs=0.002)
    page.keyboard.press("+")
    assert scale(page) == pytest.approx(0.9375, abs=0.002)
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert scale(page) == pytest.approx(0.6, abs=0.002)
    page.click("[data-zoom=actual]")
    assert scale(page) == pytest.approx(1, abs=0.002)
    expect(page.locator("[data-zoom=actual]")).to_be_disabled()

    # Ctrl+wheel zooms around the pointer: the point under it stays under it (across: the drawing,
    # zoomed out, is no taller than the box, which has nothing to scroll down).
    box = page.locator("#diagram").bounding_box()
    x, y = box["x"] + 400, box["y"] + 150
    page.mouse.move(x, y)
    before = point_under(page, x, y)
    page.keyboard.down("Control")
    page.mouse.wheel(0, 200)
    page.keyboard.up("Control")
    page.wait_for_function("() => document.querySelector('#zoom-level').textContent !== '100%'")
    wheeled = scale(page)
    assert wheeled < 0.8
    assert point_under(page, x, y)[0] == pytest.approx(before[0], abs=1.5)
    # A plain wheel scrolls, as everywhere else.
    page.mouse.wheel(0, 100)
    page.wait_for_timeout(200)
    assert scale(page) == wheeled

    page.keyboard.press("0")
    assert scale(page) == pytest.approx(fit_width_scale(page), abs=0.002)
    assert page.evaluate("document.querySelector('#diagram').scrollWidth <= document.querySelector('#diagram').clientWidth")
    screenshot(page, "big-99-gates-desktop-light-fit-width")
    page.click("[data-zoom=in]")
    page.click("[data-zoom=fit]")
    assert scale(page) == pytest.approx(fit_width_scale(page), abs=0.002)
    assert page.console_errors == []
    page.context.close()


def test_arrow_keys_pan_the_diagram_box_and_with_shift_from_a_gate(server, browser):
    page = open_sized(browser, "desktop")
    open_circuit(page, server, query(SUM_25), 99)
    for _ in range(6):
        page.click("[data-zoom=in]")  # taller than the box: it scrolls both ways
    page.evaluate("document.querySelector('#diagram').scrollTo(100, 100)")
    page.focus("#diagram")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    assert view(page) == [160, 160]
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowUp")
    assert view(page) == [100, 100]
    # On a gate the arrows move between gates and wires; with Shift they pan.
    page.locator("#diagram [tabindex='0']").focus()
    page.evaluate("document.querySelector('#diagram').scrollTo(100, 100)")
    focused = page.evaluate("document.activeElement.id")
    page.keyboard.press("Shift+ArrowRight")
    assert view(page) == [160, 100]
    assert page.evaluate("document.activeElement.id") == focused
    assert page.console_errors == []
    page.context.close()


def test_scrubbing_keeps_the_zoom_and_the_view_and_a_new_circuit_fits_again(server, browser):
    page = open_sized(browser, "desktop")
    open_circuit(page, server, query(SUM_25), 99)
    page.click("[data-zoom=in]")
    page.click("[data-zoom=in]")
    page.evaluate("document.querySelector('#diagram').scrollTo(300, 40)")
    zoomed, where = scale(page), view(page)
    output = page.locator("#summary tbody tr").first
    before = output.inner_text()
    page.fill("#var-x", "0.7")
    expect(output).not_to_have_text(before)
    assert scale(page) == pytest.approx(zoomed, abs=0.002)
    assert view(page) == where
    # Another theme redraws the same layout: the view stays too.
    page.evaluate("window.lightDrawing = document.querySelector('#diagram svg')")
    # (as choosing it does, wherever the page's layout puts the option)
    page.locator("#option-theme").evaluate("select => { select.value = 'dark'; select.dispatchEvent(new Event('change')); }")
    page.wait_for_function("() => document.querySelector('#diagram svg') !== window.lightDrawing")
    assert scale(page) == pytest.approx(zoomed, abs=0.002)
    assert view(page) == where
    screenshot(page, "big-99-gates-desktop-dark-zoomed-in")

    page.fill("#expr", SUM_75)
    wait_drawn(page, 299)
    assert scale(page) == pytest.approx(0.6, abs=0.002)
    assert view(page) == [0, 0]
    screenshot(page, "big-299-gates-desktop-dark-fit")
    assert page.console_errors == []
    page.context.close()


def test_two_fingers_pinch_the_diagram_on_a_touch_screen(server, browser):
    page = open_sized(browser, "phone")
    open_circuit(page, server, query(SUM_25), 99)
    before = scale(page)
    page.locator("#diagram").scroll_into_view_if_needed()
    box = page.locator("#diagram").bounding_box()
    middle_x, middle_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    touch = page.context.new_cdp_session(page)

    def fingers(kind, spread):
        points = [{"x": middle_x - spread, "y": middle_y, "id": 1}, {"x": middle_x + spread, "y": middle_y, "id": 2}]
        touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points if kind != "touchEnd" else []})

    fingers("touchStart", 40)
    for spread in (50, 60, 70, 80):
        fingers("touchMove", spread)
    fingers("touchEnd", 80)
    assert scale(page) == pytest.approx(before * 2, rel=0.03)
    assert page.evaluate("visualViewport.scale") == 1  # the page itself was not zoomed
    assert page.console_errors == []
    page.context.close()


@pytest.mark.parametrize("size", SCREEN_SIZES)
@pytest.mark.parametrize("expr, gates", [(LONG_NAMES, 95), (MANY_GATES, 500)], ids=["long-names", "500-gates"])
def test_the_longest_expressions_do_not_widen_the_page(server, browser, size, expr, gates):
    assert len(expr) <= 3000 and " " not in expr
    page = open_sized(browser, size)
    open_circuit(page, server, query(expr), gates)
    wait_explained(page)
    page.click("#wire-table summary")
    page.locator("#diagram g.gate").first.hover(force=True)
    expect(page.locator("#inspect")).to_contain_text("Gate")
    page.click("#chain-rule-more button")
    assert_fits_the_width(page)
    assert page.console_errors == []
    page.context.close()


@pytest.mark.parametrize("size", SCREEN_SIZES)
def test_practising_the_longest_expression_does_not_widen_the_page(server, browser, size):
    page = open_sized(browser, size)
    page.goto(f"{server}/?{query(LONG_NAMES, practice='grads')}")
    expect(page.locator("#diagram svg.circuit g.gate")).to_have_count(95)
    expect(page.locator("#practice-table tbody tr").first).to_be_visible()
    assert_fits_the_width(page)
    assert page.console_errors == []
    page.context.close()


def assert_fits_the_width(page):
    """Nothing but the diagram's own box is wider than the window (KaTeX's MathML, for screen
    readers, is clipped to a pixel: it may reach past the edge unseen)."""
    sizes = page.evaluate("""() => ({page: document.documentElement.scrollWidth, window: document.documentElement.clientWidth,
        widest: Math.max(...[...document.querySelectorAll('body *')].filter(e => !e.closest('#diagram, .katex-mathml'))
            .map(e => e.getBoundingClientRect().right))})""")
    assert sizes["page"] == sizes["window"], sizes
    assert sizes["widest"] <= sizes["window"] + 0.5, sizes


@pytest.mark.parametrize("size, theme", [("desktop", "light"), ("phone", "dark")])
def test_the_chain_rule_of_a_hundred_gates_is_readable_and_folds(server, browser, size, theme):
    page = open_sized(browser, size)
    open_circuit(page, server, query(SUM_25, theme=theme), 99)
    section = page.locator("#chain-rule-section")
    bodies = page.locator("#chain-rule tbody")
    more = page.locator("#chain-rule-more button")
    expect(more).to_have_text("Show all 99 gates (77 more steps)")  # 99 gates and 2 forks, 24 shown
    assert section.bounding_box()["height"] < 6000
    screenshot(page, f"big-99-gates-{size}-{theme}-fit")
    if size == "desktop":
        gate_column = page.evaluate("""() => Math.min(...[...document.querySelectorAll('#chain-rule th.gate-cell')]
            .filter(cell => cell.offsetParent).map(cell => cell.getBoundingClientRect().width))""")
        assert gate_column >= 128
    # A sub-expression shows at most three lines; a number never breaks inside.
    tallest = page.evaluate("""() => Math.max(...[...document.querySelectorAll('#chain-rule code')].filter(c => c.offsetParent)
        .map(c => c.getBoundingClientRect().height / parseFloat(getComputedStyle(c).lineHeight)))""")
    assert tallest <= 3.5
    broken = page.evaluate("""() => [...document.querySelectorAll('#chain-rule td.chain .number')].filter(n => n.offsetParent)
        .filter(n => n.getClientRects().length > 1).map(n => n.textContent)""")
    assert broken == []
    more.click()
    expect(more).to_be_hidden()
    assert bodies.evaluate_all("bodies => bodies.filter(b => !b.hidden).length") == 101
    assert page.console_errors == []
    page.context.close()


def test_hovering_a_value_lights_every_branch_of_its_fork_and_the_gates_they_feed(server, browser):
    page = open_sized(browser, "desktop")
    open_circuit(page, server, query(FORK_16), 47)
    # The 16 gates x*1 ... x*16, drawn as *1 ... *16.
    fed_by_x = sorted(page.evaluate("""() => [...document.querySelectorAll('#diagram g.gate')]
        .filter(g => g.textContent.trim().startsWith('*')).map(g => g.id)"""))
    assert len(fed_by_x) == 16
    branch = "#" + page.locator("#diagram g.wire.branch.of-n0").nth(5).get_attribute("id")

    def lit():
        return page.evaluate("""() => ({fed: [...document.querySelectorAll('#diagram g.fed')].map(g => g.id).sort(),
            branches: document.querySelectorAll('#diagram g.wire.branch.own-value').length,
            edges: document.querySelectorAll('#diagram g.edge.own-value').length,
            others: document.querySelectorAll('#diagram g.own-value:not(.of-n0)').length})""")

    for target in ("#wire-n0", "#fork-n0", branch):
        page.mouse.move(1, 1)
        page.locator(target).hover(force=True)
        expect(page.locator("#diagram svg.tracing-value")).to_be_attached()
        shown = lit()
        assert shown["fed"] == fed_by_x, target
        assert shown["branches"] == 16 and shown["edges"] >= 17 and shown["others"] == 0, (target, shown)
    # Hovering a gate lights its path alone, as before.
    page.locator("#gate-n2").hover(force=True)
    expect(page.locator("#diagram svg.tracing-value")).to_have_count(0)
    page.locator("#wire-n0").hover(force=True)
    screenshot(page, "big-fork-16-desktop-light-hover")
    assert page.console_errors == []
    page.context.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", SCREEN_SIZES)
def test_a_300_gate_circuit_fits_zooms_and_keeps_the_page_width(server, browser, size, theme):
    page = open_sized(browser, size)
    open_circuit(page, server, query(SUM_75, theme=theme), 299)
    screenshot(page, f"big-299-gates-{size}-{theme}-fit")
    page.click("[data-zoom=fit]")
    assert scale(page) == pytest.approx(fit_width_scale(page), abs=0.002)
    screenshot(page, f"big-299-gates-{size}-{theme}-fit-width")
    page.click("[data-zoom=actual]")
    page.click("[data-zoom=in]")
    assert scale(page) == pytest.approx(1.25, abs=0.002)
    screenshot(page, f"big-299-gates-{size}-{theme}-zoomed-in")
    assert page.evaluate("document.documentElement.scrollWidth") == SCREEN_SIZES[size][0]
    assert page.console_errors == []
    page.context.close()
