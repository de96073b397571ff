/* Backprop circuits: the page's interactive layer, wired together (an ES module; each controller is in static/js/).
 *
 * The page works without this file (the form submits, an <img> shows /graph.svg). With it:
 * the diagram is the inline SVG, typing redraws it without a reload, values scrub by patching
 * the numbers of the SVG already on screen, the passes can be stepped through, gates and wires
 * inspected, and everything is exported or copied. The address bar always holds the permalink.
 * Below the diagram, the lessons follow every change: the chain rule gate by gate (from
 * /api/graph), the gradient check, the symbolic gradients and the staged code (from /api/explain,
 * asked for once the numbers settle). In practice mode the student fills in the numbers the
 * server drew as "?", and nothing else on the page shows them until found.
 *
 * The controllers share one declared state (js/state.js) and call each other's exports; schedule.js
 * runs update.js's redraw, given here, so that the controllers that schedule redraws need not
 * import the one that reaches them all.
 *
 * Rules the controllers keep:
 * - Numbers on screen are the server's formatted strings (`wires[].value/grad` of /api/graph),
 *   never floats formatted here: JavaScript rounds ties unlike Python, and the diagram, the JSON
 *   and the tables must agree digit for digit, at the chosen decimals. Each number's full
 *   precision is its tooltip: the float spelled by reprLikePython, which never rounds.
 * - While practising, every number shown goes through known(): a number to find is "?".
 * - User text reaches the DOM only through textContent, .value and setAttribute; the SVG is
 *   parsed with DOMParser and imported as nodes. The CSP allows no inline script or style.
 */

import { $, $$ } from "./js/dom.js";
import { typesetPage } from "./js/formula.js";
import { findPage, page, state } from "./js/state.js";
import { practising } from "./js/answers.js";
import { preload } from "./js/request.js";
import { setRedraw, schedule } from "./js/schedule.js";
import { updateOnce } from "./js/update.js";
import { applyPageOptions } from "./js/theme.js";
import { enhanceVariable, variableFields } from "./js/variables.js";
import { drawnQuery, formQuery, setUpForm } from "./js/history.js";
import { setUpZoom, zoomByKey } from "./js/diagram.js";
import { STEP_ACTIONS, STEP_KEYS, setUpStepper } from "./js/stepper.js";
import { setUpInspect, unpin } from "./js/inspect.js";
import { setUpPractice } from "./js/practice-page.js";
import { setUpLessons } from "./js/lessons.js";
import { setUpSharing } from "./js/share.js";
import { setUpDescent } from "./js/descent.js";

function init() {
  findPage();
  setRedraw(updateOnce);
  setUpZoom();
  document.documentElement.classList.add("js");
  typesetPage(); // the formulas the server wrote, until the script's own tables take their place
  applyPageOptions(); // the device's theme, where the link leaves it open
  for (const element of $$(".js-only")) element.hidden = false;
  page.wireTable.hidden = true; // until there are numbers to put in it
  for (const field of variableFields()) enhanceVariable(field);
  setUpForm();
  setUpStepper();
  document.addEventListener("keydown", onPageKey);
  setUpInspect();
  setUpPractice();
  setUpLessons();
  setUpSharing();
  setUpDescent();
  // With a circuit on the page, take it over: the inline SVG and its numbers, from the answers
  // the server wrote into the page, replace what it drew without a script.
  const written = $("#preloaded-graph");
  if (written) {
    const query = formQuery(); // the circuit the server drew, as the first redraw will ask for it
    preload("/api/graph?" + drawnQuery(query), JSON.parse(written.textContent));
    preload("/api/explain?" + query, JSON.parse($("#preloaded-explain").textContent));
    schedule(0, "none");
  }
}

/** The page's keys outside text fields: the step buttons', the zoom's, and Escape for all numbers. */
function onPageKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || !state.data) return;
  if (event.target.closest("input, select, textarea, [contenteditable]")) return;
  const action = STEP_KEYS[event.key.toLowerCase()];
  if (action && practising()) return; // stepping would show the numbers to find
  if (action) {
    event.preventDefault();
    STEP_ACTIONS[action]();
  } else if (!zoomByKey(event) && event.key === "Escape") {
    STEP_ACTIONS.all();
    unpin();
  }
}

init(); // a module runs once the document is parsed
