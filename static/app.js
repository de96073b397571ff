/* Backprop circuits: the page's interactive layer (an ES module; the rest is in static/js/).
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
 * Rules this file keeps:
 * - Numbers on screen are the server's formatted strings (`wires[].value/grad` of /api/graph),
 *   never floats formatted here: JavaScript rounds ties unlike Python, and the diagram, the JSON
 *   and the tables must agree digit for digit, at the chosen decimals. Each number's full
 *   precision is its tooltip: the float spelled by reprLikePython, which never rounds.
 * - While practising, every number shown goes through known(): a number to find is "?".
 * - User text reaches the DOM only through textContent, .value and setAttribute; the SVG is
 *   parsed with DOMParser and imported as nodes. The CSP allows no inline script or style.
 */

import { $, $$, code, escapeHtml, h } from "./js/dom.js";
import { fullNumber } from "./js/numbers.js";
import { buildSteps, downstream, model, nodeName, readingOrder } from "./js/circuit.js";
import { describeGate, describeWire, explainStep } from "./js/describe.js";
import { enhanceExpressionField, fitRows } from "./js/editor.js";
import { chainRuleBodies, gradcheckRows, intuitionsOf, symbolicRows, symbolicSummary } from "./js/explain.js";
import { typesetPage } from "./js/formula.js";
import { Zoom } from "./js/zoom.js";
import { KIND_NAMES, askedKind, describePractice, hint, isHidden } from "./js/practice.js";
import { page, state, findPage } from "./js/state.js";
import { answerKey, exerciseKey, fillFoundNumbers, isFlagged, known, practising } from "./js/answers.js";
import { askServer, request } from "./js/request.js";
import { clearErrors, showError, showGeneralError } from "./js/errors.js";
import { retryLater, schedule, setRedraw } from "./js/schedule.js";
import { enhanceVariable, fillWrt, markEdited, setVariable, syncVariables, variableField, variableFields } from "./js/variables.js";
import { DARK_DEVICE, applyPageOptions, deviceTheme } from "./js/theme.js";

const TYPE_DELAY_MS = 300; // pause after typing an expression before redrawing
const TABLES_DELAY_MS = 250; // the tables below the diagram follow a moving slider once it rests this long
const HISTORY_MERGE_MS = 1500; // edits closer together than this share one history entry
const PLAY_STEP_MS = 900;
// /api/explain (gradient check, symbolic gradients, code) is slow next to /api/graph and counts
// against the stricter limit: ask for it once the numbers have stopped changing for this long.
const EXPLAIN_DELAY_MS = 400;
// The chain rule's first steps shown before "Show all"; a table only this many steps longer is shown whole.
const CHAIN_RULE_FOLD_AFTER = 24;
const CHAIN_RULE_FOLD_AT_LEAST = 8;
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

// --- the query and the address bar --------------------------------------------------------

/** The query as the form's own GET submission would send it, plus the URL options the form
 * has no field for (state.extras), so that a link's options survive editing. */
function formQuery() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(page.form)) params.append(name, value);
  for (const [name, value] of state.extras) if (!params.has(name)) params.append(name, value);
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

/** What the drawing's layout depends on: everything but the variables' values. */
function layoutKey(query) {
  const params = new URLSearchParams(drawnQuery(query));
  return [...layoutFields(), ...state.extras.keys()].map((name) => params.get(name) || "").join("\n");
}

/** The query as the drawing is asked for: with the device's theme where the link has none. The
 * address bar and the links to share keep the query as it is, so that each reader gets theirs. */
function drawnQuery(query) {
  const params = new URLSearchParams(query);
  if (!params.get("theme")) params.set("theme", deviceTheme());
  return params.toString();
}

/** Keeps the address bar on the permalink. A burst of edits shares one history entry, so that
 * back goes to the previous circuit, not the previous keystroke. */
function writeHistory(query, mode) {
  const url = location.pathname + "?" + query;
  if (mode === "none" || location.pathname + location.search === url) return;
  const now = Date.now();
  const push = mode === "push" || (mode === "merge" && now - state.lastHistoryWrite > HISTORY_MERGE_MS);
  if (push) history.pushState({ query }, "", url);
  else history.replaceState({ query }, "", url);
  state.lastHistoryWrite = now;
}

// --- redrawing ------------------------------------------------------------------------------

async function updateOnce() {
  state.lastUpdate = performance.now();
  const mode = state.historyMode;
  state.historyMode = "none";
  let query = formQuery();
  writeHistory(query, mode); // what was typed, even with a mistake in it: a reload keeps it

  const answer = await request("/api/graph?" + drawnQuery(query), "json");
  // Still typing a new expression: skip this answer, the next request follows at once.
  if (state.again && layoutKey(formQuery()) !== layoutKey(query)) return;
  if (!answer.ok) {
    if (answer.status === 429) retryLater(answer.retryAfter);
    if (answer.error.field === "wrt" && page.form.elements.namedItem("wrt")) {
      // The input chosen for forward mode left the expression: turn forward mode off.
      page.form.elements.namedItem("wrt").value = "";
      state.again = true;
      return;
    }
    if (!state.again) showError(answer.error, new URLSearchParams(query).get("expr") || "");
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
  if (layoutKey(query) !== state.svgKey) {
    const drawing = await request("/graph.svg?" + drawnQuery(query), "text");
    if (state.again && layoutKey(formQuery()) !== layoutKey(query)) return;
    if (!drawing.ok) {
      if (drawing.status === 429) retryLater(drawing.retryAfter);
      showGeneralError(drawing.error.message);
      return;
    }
    installSvg(drawing.body, data);
    state.svgKey = layoutKey(query);
  }
  clearErrors();
  applyData(data, query);
}

// --- loading a permalink ---------------------------------------------------------------------

/** Puts a permalink's fields into the form (gallery links, back and forward). */
function loadQuery(query, keepOptions) {
  const params = new URLSearchParams(query);
  page.expr.value = params.get("expr") || "";
  fitRows(page.expr);
  for (const select of optionSelects()) {
    if (params.has(select.name)) select.value = params.get(select.name);
    // Only the first entry's address can lack an option: the server drew this page from it,
    // so the option it marked selected is that address's own.
    else if (!keepOptions) select.selectedIndex = Array.from(select.options).findIndex((option) => option.defaultSelected);
  }
  applyPageOptions();
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
  fillWrt(params.get("wrt") || "");
  applyPracticeControls();
  if (!keepOptions) keepExtras(query);
  stopStepping();
  unpin();
}

// --- the SVG --------------------------------------------------------------------------------

/** Replaces the diagram by the SVG text, parsed as XML and imported node by node. */
function installSvg(text, data) {
  const parsed = new DOMParser().parseFromString(text, "image/svg+xml");
  const root = parsed.documentElement;
  if (root.localName !== "svg" || parsed.getElementsByTagName("parsererror").length) {
    throw new Error("the drawing was not a valid SVG");
  }
  const svg = document.importNode(root, true);
  svg.setAttribute("role", "group");
  svg.classList.add("circuit");
  const naturalSize = ["width", "height"].map((name) => parseFloat(svg.getAttribute(name)) * 4 / 3); // pt to px

  // Edges: remember their ends (from the titles) for highlighting a branch's own path.
  state.edges = $$("g.edge", svg).map((element) => {
    const title = $("title", element);
    const [tail, head] = (title ? title.textContent : "").split("->").map((end) => end.split(":")[0]);
    return { element, tail, head };
  });
  // Titles would show as tooltips reading "wire-n3"; the inspect panel says it better.
  for (const title of $$("title", svg)) title.remove();

  // A wire's last texts are its value, its gradient and, in forward mode, its tangent.
  const kinds = "tangents" in data ? ["value", "grad", "tangent"] : ["value", "grad"];
  state.parts = new Map();
  for (const group of $$("g.wire", svg)) {
    const texts = $$("text", group).slice(-kinds.length);
    const part = { group };
    kinds.forEach((kind, index) => {
      const text = texts[index];
      const cell = text.previousElementSibling; // the cell's background
      centreInCell(text, cell);
      cell.classList.add("cell");
      text.classList.add("num-" + kind);
      part[kind] = text;
      part[kind + "Cell"] = cell;
    });
    if (part.value.nextElementSibling) part.value.nextElementSibling.classList.add("line"); // the wire itself
    state.parts.set(group.id, part);
  }
  for (const item of $$("g.gate, g.wire", svg)) {
    item.setAttribute("tabindex", "-1");
    item.setAttribute("role", "button");
  }
  page.zoom.show(svg, naturalSize, data.expr);
  state.chainRuleUnfolded = false; // another circuit: its chain rule starts folded
  state.pinned = null;
  state.inspected = undefined;
  pause();
  state.step = null; // a new circuit: its steps start over
}

/** Numbers are drawn from their cell's centre, so that a longer number patched in later stays
 * centred over its wire instead of running into the next one. */
function centreInCell(text, cell) {
  const xs = (cell.getAttribute("points") || "").trim().split(/\s+/).map((point) => parseFloat(point.split(",")[0]));
  if (xs.length < 2 || xs.some(Number.isNaN)) return;
  text.setAttribute("x", (Math.min(...xs) + Math.max(...xs)) / 2);
  text.setAttribute("text-anchor", "middle");
}

/** The zoom toolbar says the scale, and offers only what would change it. */
function showScale(scale) {
  page.zoomLevel.textContent = Math.round(scale * 100) + "%";
  $('[data-zoom="actual"]', page.zoomBar).disabled = scale === 1;
}

/** The server's numbers into the SVG already on screen: the gates do not move. */
function patchNumbers(data) {
  for (const wire of data.wires) {
    const part = state.parts.get(wire.id);
    if (!part) continue;
    ["value", "grad"].forEach((kind) => {
      // While practising, a number to find stays "?" (as the server drew it) until found.
      const text = known(wire, kind);
      setNumber(part[kind], part[kind + "Cell"], text === null ? "?" : text, text !== null && isFlagged(wire, kind));
      part[kind].classList.toggle("answered", text !== null && isHidden(wire, kind));
    });
    if (part.tangent && "tangent" in wire) setNumber(part.tangent, part.tangentCell, wire.tangent, wire.flagged[2]);
  }
}

function setNumber(text, cell, shown, flagged) {
  if (text.textContent !== shown) text.textContent = shown;
  // Classes, not attributes: the page's style sheet knows the flag colour of each theme.
  text.classList.toggle("num-flagged", flagged);
  text.classList.toggle("num-plain", !flagged);
  cell.classList.toggle("cell-flagged", flagged);
  cell.classList.toggle("cell-plain", !flagged);
}

// --- the circuit's data ---------------------------------------------------------------------

function applyData(data, query) {
  state.data = data;
  fillFoundNumbers(data);
  state.query = query;
  state.model = model(data);
  patchNumbers(data);
  labelSvg();
  if (!$('[tabindex="0"]', page.diagram)) {
    const first = diagramItems()[0];
    if (first) first.setAttribute("tabindex", "0"); // the diagram's one tab stop
  }
  // While a slider moves, the tables below the diagram wait until it rests: rebuilt with every
  // redraw, they made the browser lay the whole page out again each time.
  clearTimeout(state.tablesTimer);
  if (state.pace > 0) state.tablesTimer = setTimeout(fillTables, TABLES_DELAY_MS);
  else fillTables();
  scheduleExplain();
  // Only numbers the student can see: an inf among the answers would be a clue.
  page.nonFinite.hidden = !data.wires.some((wire) => wire.flagged.some((flagged, index) =>
    flagged && (index > 1 || known(wire, index ? "grad" : "value") !== null)));
  page.tangentNote.hidden = !data.options.wrt;
  if (data.options.wrt) {
    page.tangentNote.replaceChildren("Forward mode: each wire's ", h("span", { class: "tangent" }, "third number"),
      " is its derivative with respect to ", code(data.options.wrt),
      ", computed in the forward pass; the output's equals the gradient of ", code(data.options.wrt), ".");
  }
  const defaulted = $("#defaulted");
  if (defaulted) defaulted.remove(); // the fields say "default" themselves
  updateExports(query);
  document.title = data.expr + " · Backprop circuits";
  page.result.hidden = false;
  page.zoom.resize(); // the box may have just appeared
  state.steps = buildSteps(state.model);
  if (state.step !== null) state.step = Math.min(state.step, state.steps.length - 1);
  showStep();
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

/** Accessible names for the diagram and each gate and wire, with their numbers. */
function labelSvg() {
  const { data, nodes } = state.model;
  const svg = $("svg", page.diagram);
  const output = state.model.trunks.get(data.output);
  const numbers = (wire) => `value ${known(wire, "value") ?? "?"}, gradient ${known(wire, "grad") ?? "?"}`;
  svg.setAttribute("aria-label", `Circuit of ${data.expr}: output ${known(output, "value") ?? "?"}, gradient ${output.grad}`);
  for (const node of data.nodes) {
    const gate = document.getElementById("gate-" + node.id);
    const wire = state.model.trunks.get(node.id);
    if (gate) gate.setAttribute("aria-label", `gate ${node.label} computing ${node.expr}: ${numbers(wire)}`);
  }
  for (const wire of data.wires) {
    const group = document.getElementById(wire.id);
    if (!group) continue;
    const into = wire.consumer ? ` into gate ${nodes.get(wire.consumer).label}` : "";
    group.setAttribute("aria-label", `wire ${nodes.get(wire.node).expr}${into}: ${numbers(wire)}`);
  }
}

/** The server-drawn table of the output and the inputs' gradients, as the diagram writes them. */
function fillSummary() {
  const { data, trunks } = state.model;
  const numbers = (wire) => [numberCell(wire, "value"), numberCell(wire, "grad")];
  const rows = [h("tr", null, h("th", { scope: "row" }, "output"), numbers(trunks.get(data.output)))];
  for (const node of data.nodes.filter((node) => node.op === "input")) {
    rows.push(h("tr", null, h("th", { scope: "row" }, node.label), numbers(trunks.get(node.id))));
  }
  $("tbody", page.summary).replaceChildren(...rows);
}

/** A table cell of a wire's number as drawn, flagged where the diagram flags it, with its full
 * precision on hover. While practising, a number to find shows as "?" until it is found. */
function numberCell(wire, kind) {
  const index = ["value", "grad", "tangent"].indexOf(kind);
  const text = known(wire, kind);
  return h("td", { class: (kind === "grad" ? "gradient" : kind) + (text !== null && wire.flagged[index] ? " flagged" : ""),
    title: text === null ? null : fullNumber(state.model, wire, kind) }, text ?? "?");
}

/** Every wire in table order, each node's own wire followed by its fork's branches, with the
 * row header that names it and where it goes. */
function wireEntries() {
  const { data, nodes, trunks, branchesOf, uses } = state.model;
  const entries = [];
  for (const node of data.nodes) {
    const forks = branchesOf.get(node.id) || [];
    const consumers = uses.get(node.id);
    let into = "output";
    if (forks.length) into = `fork to ${forks.length}`;
    else if (consumers.length) into = "gate " + consumers[0].gate.label;
    // A named step reads as the program has it: q = x+y.
    const carries = node.name && node.name !== node.expr ? `${node.name} = ${node.expr}` : node.expr;
    entries.push({ wire: trunks.get(node.id), header: () => h("th", { scope: "row" }, code(carries)), into,
      name: nodeName(node) });
    for (const branch of forks) {
      const gate = nodes.get(branch.consumer);
      entries.push({ wire: branch, header: () => h("th", { scope: "row", class: "branch" }, "↳ branch of ", code(node.label)),
        into: `gate ${gate.label}, operand ${branch.operand + 1}`, name: `${nodeName(node)} into gate ${gate.label}` });
    }
  }
  return entries;
}

/** Every wire's numbers as drawn; while practising, the practice table takes its place. */
function fillWireTable() {
  const { data } = state.model;
  if (practising()) {
    page.wireTable.hidden = true;
    $("tbody", page.wireTable).replaceChildren();
    return;
  }
  const rows = wireEntries().map(({ wire, header, into }) => wireRow(wire, header(), into));
  const columns = ["wire", "into", "value", "gradient"];
  if (data.options.wrt) columns.push("d/d" + data.options.wrt);
  $("thead", page.wireTable).replaceChildren(h("tr", null, columns.map((name, index) =>
    h("th", { scope: "col", class: index === 1 ? "into" : null }, name))));
  $("tbody", page.wireTable).replaceChildren(...rows);
  page.wireTable.hidden = false;
}

function wireRow(wire, header, into) {
  return h("tr", { "data-wire": wire.id }, header, h("td", { class: "into" }, into),
    numberCell(wire, "value"), numberCell(wire, "grad"), "tangent" in wire ? numberCell(wire, "tangent") : null);
}

// --- practice -------------------------------------------------------------------------------

/** The controls that would give the answers away step aside while practising: forward mode
 * (the output's derivative with respect to an input is that input's gradient) and the
 * step-through. They follow the form's choice at once, before the server has answered. */
function applyPracticeControls() {
  const chosen = page.form.elements.practice.value;
  const wrt = page.form.elements.namedItem("wrt");
  if (wrt) {
    if (chosen) wrt.value = "";
    wrt.disabled = Boolean(chosen);
  }
  for (const button of $$("[data-step]")) button.disabled = Boolean(chosen);
  if (chosen && state.step !== null) stopStepping();
}

function fillPractice() {
  const mode = state.data.options.practice;
  page.practice.hidden = !mode;
  page.explainHidden.hidden = !mode;
  if (!mode) {
    state.practiceTable = null;
    $("tbody", page.practiceTable).replaceChildren();
    return;
  }
  // Rebuilt for a new exercise only (new values are one: their answers are others), not when
  // an answer or a shown number refreshes it, which would take the focus away.
  const exercise = exerciseKey();
  if (state.practiceTable !== exercise) {
    buildPracticeTable(mode);
    state.practiceTable = exercise;
  }
  const withoutPractice = new URLSearchParams(state.query);
  withoutPractice.delete("practice");
  $("#without-practice").href = "/?" + withoutPractice;
  page.practiceTitle.textContent = `Practice: find the ${mode === "values" ? "values" : "gradients"}`;
  page.practiceIntro.replaceChildren(...practiceIntro(mode, state.data.options.precision));
  refreshPractice();
}

function practiceIntro(mode, precision) {
  const task = mode === "values"
    ? ["Every value drawn as ", h("strong", null, "?"), " is yours to find: go forward from the inputs, gate by gate. ",
      "The gradients are hidden too: they would give the values away."]
    : ["Every gradient drawn as ", h("strong", null, "?"), " is yours to find: go backward from the output, whose gradient is 1; ",
      "at each gate, upstream × local, and at a fork, add up the branches."];
  return [...task, ` An answer counts when it rounds to the number the diagram would show (${precision} decimals).`];
}

/** The practice table's wires in the order the numbers are found: values forward from the
 * inputs; gradients backward from the output, each node's branches before the sum on its own wire. */
function practiceEntries(mode) {
  const entries = wireEntries();
  if (mode === "values") return entries;
  const groups = [];
  for (const entry of entries) {
    if (entry.wire.consumer === null) groups.push([entry]);
    else groups[groups.length - 1].unshift(entry);
  }
  return groups.reverse().flat();
}

/** One row per wire: the numbers given, an input for the one to find, its mark, a hint and the
 * button that shows the answer. */
function buildPracticeTable(mode) {
  const rows = [];
  for (const { wire, header, into, name } of practiceEntries(mode)) {
    const asked = askedKind(state.model, wire);
    const cells = ["value", "grad"].map((kind) => {
      const cell = { class: kind === "grad" ? "gradient" : "value", "data-label": KIND_NAMES[kind] };
      if (kind !== asked) return h("td", { ...cell, "data-given": kind });
      const input = h("input", { class: "answer", "data-wire": wire.id, "data-kind": kind, inputmode: "decimal",
        autocomplete: "off", spellcheck: "false", size: "7", "aria-label": `${KIND_NAMES[kind]} of ${name}`,
        "aria-describedby": "mark-" + wire.id });
      const entry = state.answers.get(answerKey(wire, kind));
      input.value = entry ? entry.typed : "";
      return h("td", cell, input);
    });
    rows.push(h("tr", { "data-wire": wire.id }, header(), h("td", { class: "into" }, into), cells,
      h("td", { class: "mark", id: "mark-" + wire.id }),
      h("td", { class: "hint-cell" }, asked ? [
        h("button", { type: "button", class: "tool", "data-hint": wire.id, "aria-expanded": "false", "aria-controls": "hint-" + wire.id }, "Hint"),
        " ",
        h("button", { type: "button", class: "tool", "data-show": wire.id, "aria-label": `Show the ${KIND_NAMES[asked]} of ${name}` }, "Show"),
      ] : null)));
    if (asked) rows.push(h("tr", { class: "hint-row", id: "hint-" + wire.id, hidden: true }, h("td", { colspan: "6" })));
  }
  $("tbody", page.practiceTable).replaceChildren(...rows);
}

/** The given numbers (they change as values scrub), each answer's mark, the score, open hints. */
function refreshPractice() {
  let asked = 0;
  let found = 0;
  let shown = 0;
  for (const row of $$("tr[data-wire]", page.practiceTable)) {
    const wire = state.model.wires.get(row.dataset.wire);
    for (const cell of $$("td[data-given]", row)) {
      const kind = cell.dataset.given;
      const text = known(wire, kind);
      cell.textContent = text ?? "?";
      cell.classList.toggle("flagged", text !== null && isFlagged(wire, kind));
    }
    const kind = askedKind(state.model, wire);
    if (!kind) continue;
    asked += 1;
    const entry = state.answers.get(answerKey(wire, kind));
    if (entry && entry.revealed) shown += 1;
    else if (entry && entry.right === true) found += 1;
    markAnswer(row, entry || null);
  }
  const allGiven = state.data.options.practice === "grads" ? ": every number is on the diagram now." : ".";
  page.practiceScore.textContent = found === asked
    ? `All ${asked} found${allGiven}`
    : `${found} of ${asked} found` + (shown ? `, ${shown} shown.` : ".");
  for (const row of $$(".hint-row:not([hidden])", page.practiceTable)) fillHint(row);
}

/** Right, wrong or shown in words and a sign, not in colour alone. */
function markAnswer(row, entry) {
  const mark = $(".mark", row);
  const input = $("input.answer", row);
  const result = entry && !entry.revealed ? entry.right : null;
  mark.className = "mark" + (result === true ? " right" : result === false ? " wrong" : "");
  mark.textContent = entry && entry.revealed ? "shown" : result === true ? "✓ right" : result === false ? "✗ not yet" : "";
  if (entry && entry.revealed) {
    input.value = entry.shown;
    input.readOnly = true;
  }
  input.classList.toggle("right", result === true || Boolean(entry && entry.revealed));
  if (result === false) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

/** Sends what was typed to the server to check, and shows a right answer everywhere its "?"
 * was. Returns whether it was right. */
async function checkField(input) {
  const data = state.data;
  const wire = state.model.wires.get(input.dataset.wire);
  const kind = input.dataset.kind;
  const key = answerKey(wire, kind, data);
  const typed = input.value;
  const before = state.answers.get(key);
  if (before && (before.revealed || before.typed === typed)) return before.right === true;
  if (typed.trim() === "") {
    state.answers.delete(key);
    refreshAnswers();
    return false;
  }
  const answer = await askServer("/api/check", state.query, { wire: wire.id, kind, answer: typed });
  if (!answer.ok) {
    $(".mark", input.closest("tr")).textContent = answer.error.message;
    return false;
  }
  if (input.value !== typed) return false; // typed on meanwhile: that text is checked next
  const { right, shown, flagged, number } = answer.body;
  state.answers.set(key, { typed, right, shown, flagged, number, revealed: false });
  refreshAnswers();
  return answer.body.right;
}

/** Asks the server for one number to find (its wire), or for every one (null). */
async function reveal(wireId) {
  const data = state.data;
  const question = wireId === null ? { all: true } : { wire: wireId, kind: askedKind(state.model, state.model.wires.get(wireId)) };
  const answer = await askServer("/api/answer", state.query, question);
  if (!answer.ok) {
    page.practiceScore.textContent = answer.error.message;
    return;
  }
  for (const { wire, kind, shown, flagged, number } of answer.body.answers) {
    const key = answerKey(state.model.wires.get(wire) || { id: wire }, kind, data);
    const before = state.answers.get(key);
    if (before && before.right === true) continue; // found before it was asked for
    state.answers.set(key, { typed: before ? before.typed : "", right: null, shown, flagged, number, revealed: true });
  }
  refreshAnswers();
}

/** Every place that shows a number, after an answer was found or shown. */
function refreshAnswers() {
  fillFoundNumbers(state.data);
  patchNumbers(state.data);
  labelSvg();
  fillSummary();
  refreshPractice();
  refreshInspect();
}

/** A fresh worksheet: the next seed, and the values the server draws from it put into the
 * fields (so that the link names them; explicit values win over the seed). */
async function newValues() {
  const params = new URLSearchParams(state.query);
  const seed = String((Number(params.get("seed")) || 0) + 1);
  for (const field of variableFields()) params.delete(field.dataset.variable);
  params.set("seed", seed);
  const answer = await request("/api/graph?" + params, "json");
  if (!answer.ok) {
    showGeneralError(answer.error.message);
    return;
  }
  state.extras.set("seed", seed);
  for (const field of variableFields()) {
    const name = field.dataset.variable;
    if (!(name in answer.body.variables)) continue;
    setVariable(field, String(answer.body.variables[name]));
    markEdited(field);
  }
  schedule(0, "push");
}

/** After Enter: the next number still to find, so that a student can work through the table. */
function nextOpenField(from) {
  const fields = $$("input.answer", page.practiceTable);
  const start = fields.indexOf(from);
  const rest = [...fields.slice(start + 1), ...fields.slice(0, start)];
  return rest.find((field) => !field.classList.contains("right")) || null;
}

function toggleHint(button) {
  const row = document.getElementById(button.getAttribute("aria-controls"));
  row.hidden = !row.hidden;
  button.setAttribute("aria-expanded", String(!row.hidden));
  if (!row.hidden) fillHint(row);
}

function fillHint(row) {
  const wire = state.model.wires.get(row.id.slice("hint-".length));
  $("td", row).replaceChildren(...hint(state.model, wire, askedKind(state.model, wire), known));
}

/** A click on a wire (or a gate: its own wire) while practising goes to its answer field. */
function focusAnswer(id) {
  const wireId = id.startsWith("gate-") ? "wire-" + id.slice("gate-".length) : id;
  const field = $(`input.answer[data-wire="${CSS.escape(wireId)}"]`, page.practiceTable);
  if (field) field.focus();
}

function stopPractising() {
  page.form.elements.practice.value = "";
  applyPracticeControls();
  schedule(0, "push");
}

// --- the lessons: chain rule, gradient check, symbolic gradients, staged code ---------------

/** From /api/graph, so it follows every change at once; only the intuitions wait for /api/explain. */
function fillChainRule() {
  const hide = practising();
  page.chainRuleSection.hidden = hide;
  if (!state.explain) intuitionsFromPage(state.model);
  for (const body of $$("tbody", page.chainRule)) body.remove();
  if (!hide) page.chainRule.append(...chainRuleBodies(state.model, state.intuitions));
  foldChainRule();
}

/** A long chain rule shows its first gates (the output's end, where the backward pass starts)
 * and a button for the rest: 300 gates would make a table tens of thousands of pixels tall. */
function foldChainRule() {
  const bodies = $$("tbody", page.chainRule);
  const folded = !state.chainRuleUnfolded && bodies.length > CHAIN_RULE_FOLD_AFTER + CHAIN_RULE_FOLD_AT_LEAST;
  bodies.forEach((body, index) => { body.hidden = folded && index >= CHAIN_RULE_FOLD_AFTER; });
  page.chainRuleMore.hidden = !folded;
  if (folded) {
    const gates = bodies.filter((body) => body.dataset.gate).length;
    $("button", page.chainRuleMore).textContent = `Show all ${gates} gates (${bodies.length - CHAIN_RULE_FOLD_AFTER} more steps)`;
  }
}

/** The intuitions the server wrote into the page's own table (when it drew the lessons), so that
 * the script's first table keeps them instead of flashing without them until /api/explain answers. */
function intuitionsFromPage(m) {
  for (const body of $$("tbody[data-gate]", page.chainRule)) {
    const gate = m.nodes.get(body.dataset.gate);
    const label = $(".gate-label", body);
    const intuition = $(".intuition", body);
    if (gate && label && intuition && label.textContent === gate.label) state.intuitions.set(gate.label, intuition.textContent);
  }
}

/** Asks /api/explain for the circuit on screen once its numbers have settled; until the answer
 * arrives, the panels it fills are marked out of date. */
function scheduleExplain() {
  // Before the first answer, what is there is the server's drawing of this very circuit.
  const current = !state.explain || state.explainQuery === state.query;
  for (const section of page.explainParts) {
    section.classList.toggle("stale", !current);
    section.setAttribute("aria-busy", String(!current));
  }
  if (state.query === state.explainAsked) return;
  clearTimeout(state.explainTimer);
  state.explainTimer = setTimeout(loadExplain, state.explain ? EXPLAIN_DELAY_MS : 0);
}

async function loadExplain() {
  if (state.explainBusy || state.query === state.explainAsked) return; // one at a time; the latest follows
  const query = state.query;
  state.explainAsked = query;
  state.explainBusy = true;
  let answer;
  try {
    answer = await request("/api/explain?" + query, "json");
  } finally {
    state.explainBusy = false;
  }
  if (query === state.query) {
    if (answer.ok) showExplain(answer.body, query);
    else if (answer.status === 429) {
      state.explainAsked = null;
      setTimeout(scheduleExplain, Math.min(answer.retryAfter, 60) * 1000);
    } else {
      page.explainStatus.textContent = "The gradient check, formulas and code could not be computed: " + answer.error.message;
    }
  }
  scheduleExplain(); // the circuit may have changed while this answer was computed
}

function showExplain(explain, query) {
  state.explain = explain;
  state.explainQuery = query;
  page.explainStatus.textContent = "";
  intuitionsOf(explain, state.model, state.intuitions);
  fillChainRule();
  fillExplainTables();
  fillCode();
}

/** The gradient check and the formulas; hidden while practising, since they hold the gradients. */
function fillExplainTables() {
  if (!state.explain && !practising()) return; // until the first answer, the server's tables stay
  const explain = practising() ? null : state.explain;
  page.gradcheckSection.hidden = !explain;
  page.symbolicSection.hidden = !explain;
  $("tbody", page.gradcheck).replaceChildren(...(explain ? gradcheckRows(explain.gradcheck) : []));
  const symbolic = explain && explain.symbolic;
  page.symbolic.hidden = !symbolic;
  page.symbolicNone.hidden = !explain || Boolean(symbolic);
  page.symbolicNote.textContent = explain && !symbolic ? explain.symbolic_note : "";
  page.symbolicSummary.textContent = symbolic ? symbolicSummary(symbolic) : "";
  $("tbody", page.symbolic).replaceChildren(...(symbolic ? symbolicRows(symbolic, state.model) : []));
}

function fillCode() {
  page.codeSection.hidden = !state.explain;
  for (const language of ["python", "pytorch"]) {
    const pre = $(`#code-${language} pre`);
    const text = state.explain.code[language];
    if (pre.textContent !== text) pre.textContent = text; // untouched, a selection survives a scrub
  }
}

/** Python and PyTorch as two tabs (without JavaScript both show, one under the other). */
function setUpCodeTabs() {
  const tabs = $$('[role="tab"]', page.codeSection);
  const select = (chosen) => {
    for (const tab of tabs) {
      const on = tab === chosen;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !on;
    }
  };
  for (const tab of tabs) {
    const panel = document.getElementById(tab.getAttribute("aria-controls"));
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", tab.id);
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  }
  select(tabs[0]);
}

// --- export and share -----------------------------------------------------------------------

function updateExports(query) {
  const paths = { svg: "/graph.svg", png: "/graph.png", dot: "/graph.dot", json: "/api/graph",
    python: "/code/staged.py", pytorch: "/code/pytorch.py", page: "/" };
  for (const link of $$("[data-export]")) {
    link.href = paths[link.dataset.export] + "?" + (link.dataset.export === "page" ? query : drawnQuery(query));
  }
  const image = new URL("/graph.svg?" + query, location.href).href;
  const alt = "Circuit of " + state.data.expr;
  page.markdown.value = `![${alt.replace(/[\\[\]]/g, "\\$&")}](${image})`;
  page.html.value = `<img src="${escapeHtml(image)}" alt="${escapeHtml(alt)}">`;
}

async function copy(text, what, field, status = page.copyStatus) {
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = `${what} copied.`;
  } catch (error) {
    // No clipboard (a plain-http address, or permission refused): select it for Ctrl+C.
    if (field) {
      field.focus();
      if (field.select) field.select();
      else getSelection().selectAllChildren(field); // a <pre>
    }
    status.textContent = `Copying was refused by the browser; ${field ? "the text is selected: " : ""}press Ctrl+C (⌘C on a Mac).`;
  }
}

// --- step-through ---------------------------------------------------------------------------

function stepTo(index) {
  if (!state.data) return;
  state.step = Math.max(0, Math.min(index, state.steps.length - 1));
  showStep();
  bringCurrentIntoView();
}

/** The step's gate, or the wires whose numbers it shows, scrolled into view: on a phone, or in a
 * diagram wider than the page, they may be off screen. */
function bringCurrentIntoView() {
  const current = state.steps[state.step];
  const shown = [...current.values, ...current.grads].map((id) => state.parts.get(id)?.group);
  const target = $(".current", page.diagram) || shown.find(Boolean);
  if (target) target.scrollIntoView({ block: "nearest", inline: "center" });
}

function stopStepping() {
  pause();
  state.step = null;
  if (state.data) showStep();
}

function play() {
  if (state.player) {
    pause();
    return;
  }
  if (state.step === null || state.step >= state.steps.length - 1) stepTo(0);
  state.player = setInterval(() => {
    if (state.step >= state.steps.length - 1) pause();
    else stepTo(state.step + 1);
  }, PLAY_STEP_MS);
  setPlayButton(true);
}

function pause() {
  clearInterval(state.player);
  state.player = null;
  setPlayButton(false);
}

function setPlayButton(playing) {
  const button = $('[data-step="play"]');
  button.replaceChildren(h("span", { "aria-hidden": "true" }, playing ? "❚❚" : "▶"), playing ? " Pause" : " Play");
  button.setAttribute("aria-pressed", String(playing));
}

const stepActions = {
  reset: () => { pause(); stepTo(0); },
  back: () => { pause(); stepTo(state.step === null ? state.steps.length - 1 : state.step - 1); },
  play: () => play(),
  next: () => { pause(); stepTo(state.step === null ? 0 : state.step + 1); },
  all: () => stopStepping(),
};

const zoomActions = {
  in: () => page.zoom.zoomIn(),
  out: () => page.zoom.zoomOut(),
  fit: () => page.zoom.fitWidth(),
  actual: () => page.zoom.actualSize(),
};
// Keys that zoom, outside text fields (as the step keys); "=" is "+" without Shift on many keyboards.
const ZOOM_KEYS = { "+": "in", "=": "in", "-": "out", "0": "fit" };
// Arrow keys pan when the diagram's box has the focus; on a gate or wire they move between
// them, and pan with Shift.
const PAN_KEYS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/** Shows the numbers known at the current step, marks its gate, and explains it. */
function showStep() {
  const svg = $("svg", page.diagram);
  if (!svg) return;
  const stepping = state.step !== null;
  svg.classList.toggle("stepping", stepping);
  for (const element of $$(".current, .pending, .step-hidden, .just-shown", svg)) {
    element.classList.remove("current", "pending", "step-hidden", "just-shown");
  }
  if (!stepping) {
    page.counter.textContent = "";
    page.explain.replaceChildren(h("p", { class: "hint" }, practising()
      ? "Step-through is off while practising: it would show the numbers to find."
      : "Step shows the forward pass gate by gate, then the backward pass with the chain rule at each gate."));
    return;
  }
  const values = new Set();
  const grads = new Set();
  const current = state.steps[state.step];
  state.steps.slice(0, state.step + 1).forEach((step) => {
    step.values.forEach((id) => values.add(id));
    step.grads.forEach((id) => grads.add(id));
  });
  for (const [id, part] of state.parts) {
    const rows = [[values, current.values, part.value, part.valueCell], [grads, current.grads, part.grad, part.gradCell]];
    // Forward mode's tangents are computed in the forward pass, alongside the values.
    if (part.tangent) rows.push([values, current.values, part.tangent, part.tangentCell]);
    for (const [known, justNow, text, cell] of rows) {
      if (!known.has(id)) {
        text.classList.add("step-hidden");
        cell.classList.add("step-hidden");
      } else if (justNow.includes(id)) {
        text.classList.add("just-shown");
      }
    }
  }
  const computed = new Set(state.steps.slice(0, state.step + 1).filter((step) => step.kind === "forward").map((step) => step.node.id));
  for (const gate of $$("g.gate", svg)) {
    if (!computed.has(gate.id.slice("gate-".length))) gate.classList.add("pending");
  }
  if (current.node) {
    const gate = document.getElementById("gate-" + current.node.id);
    if (gate) gate.classList.add("current");
  }
  const forwardCount = state.steps.filter((step) => step.kind === "inputs" || step.kind === "forward").length;
  page.counter.textContent = state.step < forwardCount
    ? `Forward pass: step ${state.step + 1} of ${forwardCount}`
    : `Backward pass: step ${state.step - forwardCount + 1} of ${state.steps.length - forwardCount}`;
  page.explain.replaceChildren(...explainStep(current, state.model));
}

// --- inspect --------------------------------------------------------------------------------

function inspectable(target) {
  const item = target && target.closest ? target.closest("svg.circuit g.gate, svg.circuit g.wire, svg.circuit g.fork") : null;
  // A fork's dot stands for its value's wire.
  return item && item.classList.contains("fork") ? document.getElementById("wire-" + item.id.slice("fork-".length)) : item;
}

/** Shows what an element of the diagram is and computes, and highlights its path to the output. */
function inspect(id, refresh) {
  const svg = $("svg", page.diagram);
  if (!svg || !state.data) return;
  if (id === state.inspected && !refresh) return; // mouseover fires for every child element
  state.inspected = id;
  for (const element of $$(".on-path, .inspected, .own-value, .fed", svg)) element.classList.remove("on-path", "inspected", "own-value", "fed");
  svg.classList.remove("tracing-value");
  svg.classList.toggle("tracing", Boolean(id));
  if (!id || !document.getElementById(id)) {
    page.inspect.replaceChildren(h("p", { class: "hint" }, "Hover, click or focus a gate or a wire to see what it computes."));
    svg.classList.remove("tracing");
    return;
  }
  document.getElementById(id).classList.add("inspected");
  const m = state.model;
  let start; // the first node on the way to the output
  if (id.startsWith("gate-")) {
    start = id.slice("gate-".length);
    page.inspect.replaceChildren(...(practising() ? describePractice(id, m, known) : describeGate(m.nodes.get(start), m)));
  } else {
    const wire = m.wires.get(id);
    if (!wire) return;
    start = wire.consumer !== null ? wire.consumer : wire.node;
    page.inspect.replaceChildren(...(practising() ? describePractice(id, m, known) : describeWire(wire, m)));
    // A branch leads only into its own gate: not through its fork's other branches.
    if (wire.consumer !== null) markBranch(id);
    markValue(wire.node);
  }
  for (const node of downstream(m, start)) markNode(node);
}

/** A value's own drawing (its wire, fork and every branch) and the gates it feeds: with many
 * branches, each can be followed to its gate while the rest of the way to the output is quieter. */
function markValue(nodeId) {
  const svg = $("svg", page.diagram);
  svg.classList.add("tracing-value");
  for (const element of $$(".of-" + nodeId, svg)) element.classList.add("own-value");
  for (const use of state.model.uses.get(nodeId)) {
    const gate = document.getElementById("gate-" + use.gate.id);
    if (gate) gate.classList.add("fed");
  }
}

/** A node's gate and everything drawn for its value (wire, fork, branches, edges: the server
 * gives them the class of-nK). Every use of a value leads to the output, so all are on the path. */
function markNode(nodeId) {
  const svg = $("svg", page.diagram);
  for (const element of $$(".of-" + nodeId, svg)) element.classList.add("on-path");
  const gate = document.getElementById("gate-" + nodeId);
  if (gate) gate.classList.add("on-path");
}

function markBranch(wireId) {
  document.getElementById(wireId).classList.add("on-path");
  for (const edge of state.edges) if (edge.head === wireId || edge.tail === wireId) edge.element.classList.add("on-path");
}

function refreshInspect() {
  const focused = inspectable(document.activeElement);
  inspect(focused ? focused.id : state.pinned, true);
}

function unpin() {
  state.pinned = null;
  if (state.data) inspect(null);
}

/** Arrow keys move between gates and wires: the diagram is one tab stop, not dozens. */
function moveFocus(from, key) {
  const items = diagramItems();
  let index = items.indexOf(from);
  if (key === "Home") index = 0;
  else if (key === "End") index = items.length - 1;
  else index = (index + (key === "ArrowRight" || key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
  focusItem(items[index]);
}

  /** The diagram's gates and wires, in reading order. */
function diagramItems() {
  return readingOrder(state.model).map((id) => document.getElementById(id)).filter(Boolean);
}

function focusItem(item) {
  for (const other of $$('[tabindex="0"]', page.diagram)) other.setAttribute("tabindex", "-1");
  item.setAttribute("tabindex", "0");
  item.focus();
}

// --- wiring ---------------------------------------------------------------------------------

function init() {
  findPage();
  setRedraw(updateOnce);
  page.zoom = new Zoom(page.diagram, showScale);
  document.documentElement.classList.add("js");
  typesetPage(); // the formulas the server wrote, until the script's own tables take their place
  applyPageOptions(); // the device's theme, where the link leaves it open
  for (const element of $$(".js-only")) element.hidden = false;
  page.wireTable.hidden = true; // until there are numbers to put in it
  for (const field of variableFields()) enhanceVariable(field);
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
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    loadQuery(new URL(link.href).search.slice(1), true); // keep the reader's theme and colours
    schedule(0, "push");
    (page.result.hidden ? page.form : page.result).scrollIntoView({ block: "start" });
  });

  for (const button of $$("[data-step]")) button.addEventListener("click", () => stepActions[button.dataset.step]());
  for (const button of $$("[data-zoom]", page.zoomBar)) button.addEventListener("click", () => zoomActions[button.dataset.zoom]());
  window.addEventListener("resize", () => page.zoom.resize());
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || !state.data) return;
    if (event.target.closest("input, select, textarea, [contenteditable]")) return;
    const action = { n: "next", b: "back", p: "play", r: "reset" }[event.key.toLowerCase()];
    if (action && practising()) return; // stepping would show the numbers to find
    if (action) {
      event.preventDefault();
      stepActions[action]();
    } else if (event.key in ZOOM_KEYS) {
      event.preventDefault();
      zoomActions[ZOOM_KEYS[event.key]]();
    } else if (event.key === "Escape") {
      stepActions.all();
      unpin();
    }
  });

  page.diagram.addEventListener("mouseover", (event) => {
    const item = inspectable(event.target);
    if (item) inspect(item.id);
  });
  page.diagram.addEventListener("mouseleave", () => refreshInspect());
  page.diagram.addEventListener("click", (event) => {
    const item = inspectable(event.target);
    state.pinned = item && state.pinned !== item.id ? item.id : null;
    if (item) focusItem(item);
    refreshInspect();
    if (item && practising()) focusAnswer(item.id);
  });
  page.diagram.addEventListener("focusin", (event) => {
    const item = inspectable(event.target);
    if (item) inspect(item.id);
  });
  page.diagram.addEventListener("focusout", () => setTimeout(() => {
    if (!inspectable(document.activeElement)) inspect(state.pinned);
  }));
  page.diagram.addEventListener("keydown", (event) => {
    const pan = PAN_KEYS[event.key];
    if (pan && (event.target === page.diagram || event.shiftKey)) {
      event.preventDefault();
      page.zoom.pan(...pan);
      return;
    }
    const item = inspectable(event.target);
    if (!item) return;
    if (["ArrowRight", "ArrowLeft", "ArrowUp", "ArrowDown", "Home", "End"].includes(event.key)) {
      event.preventDefault();
      moveFocus(item, event.key);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      state.pinned = state.pinned === item.id ? null : item.id;
      if (practising()) focusAnswer(item.id);
    }
  });

  // Practice: answers are checked on Enter or on leaving the field, not at every keystroke
  // (a half-typed "-0." is not wrong yet).
  page.practiceTable.addEventListener("change", (event) => {
    if (event.target.matches("input.answer")) checkField(event.target);
  });
  page.practiceTable.addEventListener("input", (event) => {
    if (event.target.matches("input.answer")) markAnswer(event.target.closest("tr"), null);
  });
  page.practiceTable.addEventListener("keydown", async (event) => {
    if (event.key !== "Enter" || !event.target.matches("input.answer")) return;
    event.preventDefault();
    const field = event.target;
    const right = await checkField(field);
    const next = right && document.activeElement === field ? nextOpenField(field) : null;
    if (next) next.focus();
  });
  page.practiceTable.addEventListener("click", (event) => {
    const hintButton = event.target.closest("[data-hint]");
    if (hintButton) toggleHint(hintButton);
    const showButton = event.target.closest("[data-show]");
    if (showButton) reveal(showButton.dataset.show);
  });
  $("#practice-show-all").addEventListener("click", () => reveal(null));
  $("#practice-new-values").addEventListener("click", newValues);
  $("#practice-stop").addEventListener("click", stopPractising);
  $("#without-practice").addEventListener("click", (event) => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault(); // the same circuit, drawn in place
    stopPractising();
  });

  $("button", page.chainRuleMore).addEventListener("click", () => {
    state.chainRuleUnfolded = true;
    foldChainRule();
  });
  setUpCodeTabs();
  for (const button of $$("[data-copy-code]")) {
    const pre = $(`#code-${button.dataset.copyCode} pre`);
    button.addEventListener("click", () => copy(pre.textContent, pre.getAttribute("aria-label"), pre, page.codeStatus));
  }

  $("#copy-link").addEventListener("click", () => copy(new URL("/?" + (state.query || ""), location.href).href, "Link"));
  for (const button of $$("[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    button.addEventListener("click", () => copy(field.value, field.labels[0].textContent + " snippet", field));
  }

  // With a circuit on the page, take it over: the inline SVG and its numbers replace the <img>.
  if ($("img", page.diagram)) schedule(0, "none");
}

init(); // a module runs once the document is parsed
