// The form and the address bar: the query of the form, history entries, and a permalink loaded back into the form.

import { $, $$ } from "./dom.js";
import { enhanceExpressionField, fitRows } from "./editor.js";
import { page, state } from "./state.js";
import { schedule } from "./schedule.js";
import { DARK_DEVICE, applyPageOptions, deviceTheme } from "./theme.js";
import { fillWrt, isArrayText, setVariable, textShape, variableField, variableFields } from "./variables.js";
import { applyPracticeControls } from "./practice-page.js";
import { stopStepping } from "./stepper.js";
import { unpin } from "./inspect.js";
import { plainClick } from "./clicks.js";
import { DESCENT_FIELDS, descentQuery, loadDescent } from "./descent.js";

const TYPE_DELAY_MS = 300; // pause after typing an expression before redrawing
const HISTORY_MERGE_MS = 1500; // edits closer together than this share one history entry
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

/** The query as the form's own GET submission would send it, plus the URL options the form
 * has no field for (state.extras), so that a link's options survive editing. */
export function formQuery() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(page.form)) params.append(name, value);
  for (const [name, value] of state.extras) if (!params.has(name)) params.append(name, value);
  descentQuery(params);
  return params.toString();
}

/** Keeps a query's parameters that no field of the form holds: options the server knows and
 * the form does not show, or variables not yet drawn (pruned once the server has answered). */
function keepExtras(query) {
  const fixed = layoutFields();
  const fields = variableFields().map((field) => field.dataset.variable);
  state.extras = new URLSearchParams();
  for (const [name, value] of new URLSearchParams(query)) {
    if (!fixed.includes(name) && !fields.includes(name)) state.extras.append(name, value);
  }
}

/** The form's fields other than the variables' values: the expression and the display
 * options, read from the form so that an option added on the server needs nothing here. */
function layoutFields() {
  return Array.from(page.form.elements).filter((element) => element.name && !element.closest("[data-variable]"))
    .map((element) => element.name);
}

function optionSelects() {
  return $$(".options select", page.form);
}

/** What the drawing's layout depends on: everything but the numbers, which the variables'
 * values and gradient descent's fields choose (but for the shapes of vectors and matrices). */
export function layoutKey(query) {
  const params = new URLSearchParams(drawnQuery(query));
  const fields = layoutFields().filter((name) => !DESCENT_FIELDS.includes(name));
  // A vector's or matrix's shape is the size of its table in the drawing.
  const shapes = variableFields().map((field) => field.dataset.variable)
    .filter((name) => isArrayText(params.get(name) || ""))
    .map((name) => `${name} ${textShape(params.get(name))}`);
  return [...fields, ...state.extras.keys()].map((name) => params.get(name) || "").concat(shapes).join("\n");
}

/** The query as the drawing is asked for: with the device's theme where the link has none. The
 * address bar and the links to share keep the query as it is, so that each reader gets theirs. */
export function drawnQuery(query) {
  const params = new URLSearchParams(query);
  if (!params.get("theme")) params.set("theme", deviceTheme());
  return params.toString();
}

/** Keeps the address bar on the permalink. A burst of edits shares one history entry, so that
 * back goes to the previous circuit, not the previous keystroke. */
export function writeHistory(query, mode) {
  const url = location.pathname + "?" + query;
  if (mode === "none" || location.pathname + location.search === url) return;
  const now = Date.now();
  const push = mode === "push" || (mode === "merge" && now - state.lastHistoryWrite > HISTORY_MERGE_MS);
  if (push) history.pushState({ query }, "", url);
  else history.replaceState({ query }, "", url);
  state.lastHistoryWrite = now;
}

/** Puts a permalink's fields into the form (gallery links, back and forward). */
function loadQuery(query, keepOptions) {
  const params = new URLSearchParams(query);
  page.expr.value = params.get("expr") || "";
  fitRows(page.expr);
  loadOptions(params, keepOptions);
  loadVariables(params);
  fillWrt(params.get("wrt") || "");
  loadDescent(params);
  applyPracticeControls();
  if (!keepOptions) keepExtras(query);
  stopStepping();
  unpin();
}

function loadOptions(params, keepOptions) {
  for (const select of optionSelects()) {
    if (params.has(select.name)) select.value = params.get(select.name);
    // Only the first entry's address can lack an option: the server drew this page from it,
    // so the option it marked selected is that address's own.
    else if (!keepOptions) select.selectedIndex = Array.from(select.options).findIndex((option) => option.defaultSelected);
  }
  applyPageOptions();
}

/** The link's variables into their fields; a field the link does not name leaves, remembered. */
function loadVariables(params) {
  const fixed = layoutFields();
  const given = [...new Set(params.keys())].filter((name) => NAME_PATTERN.test(name) && !fixed.includes(name));
  for (const name of given) state.memory.set(name, params.get(name));
  for (const field of variableFields()) {
    const name = field.dataset.variable;
    if (params.has(name)) {
      setVariable(field, params.get(name));
    } else {
      state.memory.set(name, $("input[name]", field).value);
      field.remove();
    }
  }
  for (const name of given) {
    if (!page.variables.querySelector(`[data-variable="${name}"]`)) page.variables.append(variableField(name, params.get(name), false));
  }
}

/** The form redraws as it is edited; back, forward and the gallery's links load their query into it. */
export function setUpForm() {
  keepExtras(location.search.slice(1));
  history.replaceState({ query: location.search.slice(1) }, "", location.href);
  page.expr.addEventListener("input", () => schedule(TYPE_DELAY_MS, "merge"));
  enhanceExpressionField(page.expr, () => page.form.requestSubmit());
  for (const select of optionSelects()) {
    select.addEventListener("change", () => {
      applyPageOptions();
      applyPracticeControls();
      schedule(0, "push");
    });
  }
  DARK_DEVICE.addEventListener("change", () => {
    applyPageOptions();
    schedule(0, "none"); // a new drawing only where the link leaves the theme to the device
  });
  page.form.addEventListener("submit", (event) => {
    event.preventDefault(); // Draw (or Enter) redraws at once, as a new history entry
    schedule(0, "push");
  });
  window.addEventListener("popstate", (event) => {
    loadQuery(event.state && event.state.query !== undefined ? event.state.query : location.search.slice(1), false);
    schedule(0, "none");
  });
  $(".gallery").addEventListener("click", (event) => {
    const link = event.target.closest("a");
    if (!link || !plainClick(event)) return;
    event.preventDefault();
    loadQuery(new URL(link.href).search.slice(1), true); // keep the reader's theme and colours
    schedule(0, "push");
    (page.result.hidden ? page.form : page.result).scrollIntoView({ block: "start" });
  });
}
