"""The chain-rule table of vectors and matrices on the live page, in Chromium against gunicorn
(issue 12, item 3): under each array gate's formula its rule as the staged code computes it, with
the shapes it maps (`dW1 = np.outer(dmatmul0, x)`, `(3,) ⊗ (2,) → (3, 2)`), and under a broadcast
operand's the sum back over the broadcast axes; written the same by the template (no JavaScript)
and by the script; no console errors. Screenshots at 1366 x 900 and 390 x 844, light and dark."""

from urllib.parse import urlencode

import pytest

from test_browser import (CHROMIUM, SCREENSHOTS, _open_page, browser, open_circuit, server,  # noqa: F401
                          static_page, wait_explained)

TWO_LAYER = urlencode({"expr": "sum((W2 @ relu(W1 @ x + b1) + b2 - y)**2)", "W1": "[[0.1,-0.2],[0.3,0.4],[-0.5,0.6]]",
                       "x": "[1,-2]", "b1": "[0,0.1,0.2]", "W2": "[[1,2,3],[-1,0,1]]", "b2": "[0.5,-0.5]",
                       "y": "[1,2]"})
# The rows in backward order: sum, then the two matrix products (their operands in order).
TWO_LAYER_RULES = [
    "dpow0 = np.ones_like(pow0) * df () broadcast → (2,)",
    "dW2 = np.outer(dmatmul1, relu0) (2,) ⊗ (3,) → (2, 3)",
    "drelu0 = W2.T @ dmatmul1 (2, 3).T @ (2,) → (3,)",
    "dW1 = np.outer(dmatmul0, x) (3,) ⊗ (2,) → (3, 2)",
    "dx = W1.T @ dmatmul0 (3, 2).T @ (3,) → (2,)",
]
BROADCAST = urlencode({"expr": "sum(X @ W + b)", "X": "[[1,2,3],[4,5,6],[0.5,-1,2],[-2,0,1]]",
                       "W": "[[0.1,-0.2],[0.3,0.4],[-0.5,0.6]]", "b": "[0.5,-0.5]"})

pytestmark = pytest.mark.skipif(not __import__("os").path.exists(CHROMIUM), reason="needs Debian's chromium")


def rules(page):
    return [" ".join(text.split()) for text in page.locator("#chain-rule .rule").all_text_contents()]


@pytest.mark.parametrize("query, gates, expected", [
    (TWO_LAYER, 8, TWO_LAYER_RULES),
    (BROADCAST, 3, ["dadd0 = np.ones_like(add0) * df () broadcast → (4, 2)",
                    "db = np.sum(dadd0, axis=0) (4, 2) summed over axis 0 → (2,)",
                    "dX = dmatmul0 @ W.T (4, 2) @ (3, 2).T → (4, 3)", "dW = X.T @ dmatmul0 (4, 3).T @ (4, 2) → (3, 2)"]),
], ids=["two-layer-net", "broadcast"])
def test_the_rules_are_written_by_the_template_and_by_the_script_alike(server, browser, static_page, query, gates,
                                                                       expected):
    static_page.goto(f"{server}/?{query}")
    assert rules(static_page) == expected
    live = _open_page(browser)
    open_circuit(live, server, query, gates)
    wait_explained(live)
    assert rules(live) == expected and live.console_errors == []
    live.context.close()


@pytest.mark.parametrize("width, height", [(1366, 900), (390, 844)])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshot_the_two_layer_nets_rules(server, browser, width, height, scheme):
    page = _open_page(browser, viewport={"width": width, "height": height}, color_scheme=scheme)
    open_circuit(page, server, TWO_LAYER, 8)
    wait_explained(page)
    page.locator("#chain-rule-more button").click()
    matmul = page.locator("#chain-rule .rule").nth(1)
    matmul.scroll_into_view_if_needed()
    # On a phone the table is a block a row: the rule fits without a horizontal scroll.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"chain-rule-rules-{width}-{scheme}.png"))
    assert page.console_errors == []
    page.context.close()
