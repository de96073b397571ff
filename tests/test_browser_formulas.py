"""The formulas on the page in Chromium: typeset by KaTeX from static/, under a CSP of 'self'
without one violation, and plain text where JavaScript is off. Uses tests/test_browser.py's
gunicorn, browser and helpers."""

import os
import re

import pytest

from test_browser import (CHROMIUM, FIGURE_2_QUERY, SCREENSHOTS, _open_page, browser, expect,  # noqa: F401 - fixtures
                          gate_rows, open_circuit, server, static_page, wait_explained)

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium")

FIGURE_2_AS_A_SIGMOID = FIGURE_2_QUERY + "&composites=collapsed"
# Every CSP violation the page meets, in the console as an error (which the tests collect) and in
# a list the test reads. Registered before the page's own scripts run.
REPORT_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
  console.error("CSP violation: " + event.violatedDirective);
});
"""


def watched_page(browser, **options):  # noqa: F811 - the fixture's value
    page = _open_page(browser, **options)
    page.add_init_script(REPORT_VIOLATIONS)
    return page


def violations(page):
    return page.evaluate("window.cspViolations")


def test_figure_2s_chain_rule_is_typeset_by_katex_without_a_csp_violation(server, browser):  # noqa: F811
    page = watched_page(browser)
    open_circuit(page, server, FIGURE_2_QUERY, 8)
    wait_explained(page)
    local = gate_rows(page, "exp").locator("td.local code.math")
    expect(local).to_have_class("math typeset")
    expect(local).to_have_attribute("title", "∂/∂α = exp(α)")
    # KaTeX's two renderings: MathML for screen readers, HTML in its own fonts for the eye.
    assert local.locator("math annotation").text_content() == r"\displaystyle \partial/\partial \alpha = e^{\alpha}"
    assert local.locator(".katex-html .mord").count() >= 4  # ∂, α, e and its α
    inverse = gate_rows(page, "1/x").locator("td.local code.math")
    expect(inverse).to_have_attribute("title", "∂/∂α = -1/α**2")
    expect(inverse.locator(".katex-html .mfrac")).to_have_count(1)
    operand = gate_rows(page, "exp").locator("td.operand code.math")
    expect(operand).to_have_attribute("title", "α")
    # The fonts came from static/, as the CSP requires.
    assert page.evaluate("document.fonts.check('12px KaTeX_Main')")
    # The symbolic gradients too, with the lecture's σ beside SymPy's simplest form.
    sigma = page.locator("#symbolic tr[data-input=x0] .lecture-form code.math.typeset")
    expect(sigma).to_have_attribute("title", "w0*(1 - σ(w0*x0 + w1*x1 + w2))*σ(w0*x0 + w1*x1 + w2)")
    assert violations(page) == [] and page.console_errors == []
    page.context.close()


def test_the_sigmoid_gate_reads_sigma_times_1_minus_sigma_in_the_table_step_and_inspect_panel(server, browser):  # noqa: F811
    page = watched_page(browser)
    open_circuit(page, server, FIGURE_2_AS_A_SIGMOID, 5)
    sigmoid = gate_rows(page, "sigmoid").locator("td.local code.math.typeset")
    expect(sigmoid).to_have_attribute("title", "∂/∂α = (1 - σ(α))*σ(α)")
    assert sigmoid.locator("math annotation").text_content() == (
        r"\displaystyle \partial/\partial \alpha = \left(1 - \sigma\left(\alpha\right)\right) \sigma\left(\alpha\right)")
    page.hover("#gate-n9")
    panel = page.locator("#inspect")
    expect(panel.locator("code.math.typeset[title='σ(α) = 1/(1 + exp(-α))']")).to_have_count(1)
    expect(panel.locator("code.math.typeset[title='∂/∂α = (1 - σ(α))*σ(α)']")).to_have_count(1)
    page.click("[data-step=next]")  # the inputs
    for _ in range(7):  # five gates, the output, then back through the sigmoid
        page.keyboard.press("n")
    expect(page.locator("#step-counter")).to_have_text("Backward pass: step 2 of 6")
    expect(page.locator("#step-explain code.math.typeset[title='∂/∂α = (1 - σ(α))*σ(α)']")).to_have_count(1)
    assert violations(page) == [] and page.console_errors == []
    page.context.close()


def test_the_violation_listener_reports_an_inline_style(server, browser):  # noqa: F811
    """The check above is worth something: the page's CSP refuses an inline style attribute, which
    KaTeX would have written had it used markup instead of the DOM's style properties."""
    page = watched_page(browser)
    page.goto(server + "/")
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_function("window.cspViolations.length > 0")
    assert violations(page)[0].startswith("style-src")
    page.context.close()


def test_without_javascript_the_formulas_are_plain_text(server, static_page):  # noqa: F811
    static_page.goto(f"{server}/?{FIGURE_2_AS_A_SIGMOID}")
    local = gate_rows(static_page, "sigmoid").locator("td.local code.math")
    assert local.inner_text() == "∂/∂α = (1 - σ(α))*σ(α)"
    assert static_page.locator(".katex").count() == 0
    assert gate_rows(static_page, "exp").count() == 0  # collapsed into the sigmoid
    assert static_page.locator("#symbolic tr[data-input=x0] .lecture-form code.math").inner_text() == (
        "w0*(1 - σ(w0*x0 + w1*x1 + w2))*σ(w0*x0 + w1*x1 + w2)")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshot_figure_2s_chain_rule_table(server, browser, theme):  # noqa: F811
    page = watched_page(browser, viewport={"width": 1366, "height": 900})
    open_circuit(page, server, FIGURE_2_QUERY + f"&theme={theme}", 8)
    wait_explained(page)
    expect(gate_rows(page, "exp").locator("td.local code.math")).to_have_class("math typeset")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#chain-rule").screenshot(path=str(SCREENSHOTS / f"formulas-chain-rule-{theme}.png"))
    page.locator("#symbolic").screenshot(path=str(SCREENSHOTS / f"formulas-symbolic-{theme}.png"))
    assert violations(page) == [] and page.console_errors == []
    page.context.close()


def test_the_lessons_written_into_the_page_are_typeset_without_asking_again(server, browser):  # noqa: F811
    """The page comes with its lessons (the symbolic gradients among them), which the script
    typesets from their LaTeX without asking /api/explain for them again."""
    page = watched_page(browser)
    asked = []
    page.route("**/api/explain?*", lambda route: asked.append(route))  # never answered
    open_circuit(page, server, FIGURE_2_QUERY, 8)
    formula = page.locator("#symbolic tr[data-input=w2] .formula-cell > code.math")
    expect(formula).to_have_class("math typeset")
    expect(formula).to_have_attribute("title", re.compile(r"w0\*x0"))  # simplified in time or not
    assert asked == [] and violations(page) == []
    page.context.close()
