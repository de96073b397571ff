"""A real mouse drag over a value's slider in Chromium (Playwright), counting the diagram updates it
causes and the value requests in flight. Not a test file: tests/test_browser_live.py checks that a
drag redraws while it moves, bench/bench_drag.py measures how often."""

# Installed once per page: counts each change of one wire's value on screen (every redraw changes
# the dragged value's own number) and the most /api/graph requests in flight at once.
WATCH = """(wire) => {
  window.updates = [];
  window.mostInFlight = 0;
  new MutationObserver(() => window.updates.push(performance.now()))
    .observe(document.querySelector(`#${wire} .num-value`), {subtree: true, characterData: true, childList: true});
  const original = window.fetch;
  let inFlight = 0;
  window.fetch = async (url, ...rest) => {
    const counted = String(url).startsWith("/api/graph");
    inFlight += counted;
    window.mostInFlight = Math.max(window.mostInFlight, inFlight);
    try { return await original(url, ...rest); } finally { inFlight -= counted; }
  };
}"""


def watch(page, wire):
    page.evaluate(WATCH, wire)


def drag(page, variable, moves, interval_ms):
    """Drags the variable's slider across its track again and again, in `moves` mouse moves
    `interval_ms` apart, then lets go. Returns (the updates while the button was down, the seconds
    it was down, the most requests in flight at once); watch() must have been called first."""
    page.evaluate("window.updates = []; window.mostInFlight = 0")
    box = page.locator(f"[data-variable={variable}] input.scrub").bounding_box()
    y = box["y"] + box["height"] / 2
    left, right = box["x"] + 4, box["x"] + box["width"] - 4
    page.mouse.move(left, y)
    page.mouse.down()
    started = page.evaluate("performance.now()")
    for move in range(1, moves + 1):
        page.mouse.move(left + (right - left) * (move % 30) / 30, y)
        page.wait_for_timeout(interval_ms)
    ended = page.evaluate("performance.now()")
    page.mouse.up()
    updates = page.evaluate("([from, to]) => window.updates.filter(t => t >= from && t <= to).length",
                            [started, ended])
    return updates, (ended - started) / 1000, page.evaluate("window.mostInFlight")
