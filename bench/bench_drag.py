"""Diagram updates per second while a slider is dragged, in Chromium against gunicorn, beside a
baseline measured in the same run: the page fetching /api/graph back to back (the most a page
could redraw with one request at a time).

Usage: .venv/bin/python bench/bench_drag.py [--seconds S] [--quick]
A real mouse drag (Playwright) over a value's slider of a 50-gate circuit, with moves 16 ms apart
(a 60 Hz pointer) and 40 ms apart; an update is a change of the numbers in the SVG on screen.
Target (issue 10): at least 10 updates a second while the slider moves, one request at a time.
"""

import argparse
import sys
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_update import fifty_gate_circuit  # noqa: E402
from graphlib.parse import parse  # noqa: E402
from live_server import LiveServer  # noqa: E402
from slider_drag import drag, watch  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
TARGET_PER_SECOND = 10
# A new value of x0 each time, as a drag sends: no answer comes from a cache.
BACK_TO_BACK = """async ([url, seconds]) => {
  const end = performance.now() + seconds * 1000;
  let count = 0;
  while (performance.now() < end) {
    await (await fetch(`${url}&x0=${(1 + count / 1000).toFixed(3)}`)).json();
    count += 1;
  }
  return count / seconds;
}"""


def main():
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--seconds", type=float, default=3.0)
    arguments.add_argument("--quick", action="store_true", help="a short drag (CI runs this)")
    options = arguments.parse_args()
    seconds = 0.5 if options.quick else options.seconds
    expression = fifty_gate_circuit()
    graph = parse(expression)
    others = {name: "0.5" for name in graph.variables if name != "x0"}
    query = urlencode({"expr": expression, **others, "x0": "0.5"})
    with LiveServer() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(f"http://127.0.0.1:{server.port}/?{query}")
        expect(page.locator("#diagram svg.circuit g.gate")).to_have_count(len(graph.gates))
        baseline = page.evaluate(BACK_TO_BACK, ["/api/graph?" + urlencode({"expr": expression, **others}), seconds])
        print(f"circuit: {len(graph.gates)} gates; a drag of {seconds:g} s over x0's slider")
        watch(page, "wire-" + next(node.id for node in graph.inputs if node.name == "x0"))
        print(f"baseline: /api/graph fetched back to back by the page: {baseline:6.1f} per second")
        for interval in (16, 40):
            updates, held, most = drag(page, "x0", max(2, int(seconds * 1000 / interval)), interval)
            rate = updates / held
            verdict = "meets" if rate >= TARGET_PER_SECOND else "MISSES"
            print(f"moves {interval} ms apart: {rate:6.1f} diagram updates per second while moving, "
                  f"at most {most} request(s) in flight; {verdict} the {TARGET_PER_SECOND}/s target")
        browser.close()


if __name__ == "__main__":
    main()
