// One redraw: the form's query asked of the server, the drawing installed when its layout changed, and every part of the page refilled.

import { $, code, h } from "./dom.js";
import { model } from "./circuit.js";
import { page, state } from "./state.js";
import { fillFoundNumbers, known } from "./answers.js";
import { request } from "./request.js";
import { clearErrors, showError, showGeneralError } from "./errors.js";
import { retryLater } from "./schedule.js";
import { drawnQuery, formQuery, layoutKey, writeHistory } from "./history.js";
import { syncVariables } from "./variables.js";
import { installSvg, keepTabStop, labelSvg, patchNumbers } from "./diagram.js";
import { fillSummary, fillWireTable } from "./tables.js";
import { applyPracticeControls, fillPractice } from "./practice-page.js";
import { fillChainRule, fillExplainTables, scheduleExplain } from "./lessons.js";
import { updateExports } from "./share.js";
import { refreshSteps } from "./stepper.js";
import { refreshInspect } from "./inspect.js";
import { fillDescent } from "./descent.js";
import { t } from "./i18n.js";

const TABLES_DELAY_MS = 250; // the tables below the diagram follow a moving slider once it rests this long

/** Asks for the form's circuit and shows it; schedule.js runs this, one at a time. */
export async function updateOnce() {
  state.lastUpdate = performance.now();
  const mode = state.historyMode;
  state.historyMode = "none";
  let query = formQuery();
  writeHistory(query, mode); // what was typed, even with a mistake in it: a reload keeps it

  const answer = await request("/api/graph?" + drawnQuery(query), "json");
  if (stillTyping(query)) return;
  if (!answer.ok) {
    refused(answer, query);
    return;
  }
  const data = answer.body;
  // Of the parameters no field holds, keep the server's options; variables get fields below.
  for (const name of [...state.extras.keys()]) if (!(name in data.options)) state.extras.delete(name);
  if (syncVariables(data)) {
    // A variable came back with the value it had before it left the expression: ask again
    // with it, so that the numbers drawn are the ones in the fields.
    state.historyMode = "replace";
    state.again = true;
    return;
  }
  const sent = query;
  query = formQuery(); // fields may have been added with their defaults: name them in the link
  if (query !== sent && mode !== "none") writeHistory(query, "replace");
  if (layoutKey(query) !== state.svgKey && !(await drawLayout(query, data))) return;
  clearErrors();
  applyData(data, query);
}

/** Still typing a new expression: skip this answer, the next request follows at once. */
function stillTyping(query) {
  return state.again && layoutKey(formQuery()) !== layoutKey(query);
}

/** /api/graph said no: a mistake to show by its field, or a pause the server asked for. */
function refused(answer, query) {
  if (answer.status === 429) retryLater(answer.retryAfter);
  if (answer.error.field === "wrt" && page.form.elements.namedItem("wrt")) {
    // The input chosen for forward mode left the expression: turn forward mode off.
    page.form.elements.namedItem("wrt").value = "";
    state.again = true;
    return;
  }
  if (!state.again) showError(answer.error, new URLSearchParams(query).get("expr") || "");
}

/** A new layout: its SVG asked for and installed. Returns whether it was. */
async function drawLayout(query, data) {
  const drawing = await request("/graph.svg?" + drawnQuery(query), "text");
  if (stillTyping(query)) return false;
  if (!drawing.ok) {
    if (drawing.status === 429) retryLater(drawing.retryAfter);
    showGeneralError(drawing.error.message);
    return false;
  }
  installSvg(drawing.body, data);
  state.svgKey = layoutKey(query);
  return true;
}

/** The server's answer everywhere on the page: the diagram's numbers, the tables, the lessons,
 * the links, the step shown and the inspect panel. */
function applyData(data, query) {
  state.data = data;
  fillFoundNumbers(data);
  state.query = query;
  state.model = model(data);
  patchNumbers(data);
  labelSvg();
  keepTabStop();
  fillDescent(data);
  // While a slider moves, the tables below the diagram wait until it rests: rebuilt with every
  // redraw, they made the browser lay the whole page out again each time.
  clearTimeout(state.tablesTimer);
  if (state.pace > 0) state.tablesTimer = setTimeout(fillTables, TABLES_DELAY_MS);
  else fillTables();
  scheduleExplain();
  showNotes(data);
  updateExports(query);
  document.title = data.expr + " · " + t("Backprop circuits");
  page.result.hidden = false;
  page.zoom.resize(); // the box may have just appeared
  refreshSteps();
  refreshInspect();
}

/** The tables of the circuit's numbers and lessons, from state.data. */
function fillTables() {
  fillSummary();
  fillWireTable();
  applyPracticeControls();
  fillPractice();
  fillChainRule();
  fillExplainTables();
}

/** The notes under the diagram: inf or nan drawn, and forward mode's third number. */
function showNotes(data) {
  // Only numbers the student can see: an inf among the answers would be a clue.
  page.nonFinite.hidden = !data.wires.some((wire) => wire.flagged.some((flagged, index) =>
    flagged && (index > 1 || known(wire, index ? "grad" : "value") !== null)));
  page.tangentNote.hidden = !data.options.wrt;
  if (data.options.wrt) {
    const third = h("span", { class: "tangent" }, t("third number"));
    page.tangentNote.replaceChildren(...t("Forward mode: each wire's %(third)s (a third table, for a vector or matrix) is its derivative with respect to %(wrt)s, computed in the forward pass; the output's equals the gradient of %(wrt)s.",
      { third, wrt: code(data.options.wrt) }));
  }
  const defaulted = $("#defaulted");
  if (defaulted) defaulted.remove(); // the fields say "default" themselves
}
