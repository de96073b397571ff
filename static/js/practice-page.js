// Practice on the page: the table of numbers to find, each answer checked by the server, hints, and new values.

import { $, $$, h } from "./dom.js";
import { askedKind, hint, kindName } from "./practice.js";
import { page, state } from "./state.js";
import { answerKey, entryAt, entryIndices, exerciseKey, fillFoundNumbers, isFlagged, known } from "./answers.js";
import { isFlaggedText, numberTable } from "./numbers.js";
import { answerCells, entryOf, markAnswer, markEntries, markInput } from "./practice-fields.js";
import { askServer, request } from "./request.js";
import { showGeneralError } from "./errors.js";
import { schedule } from "./schedule.js";
import { markEdited, setVariable, variableFields } from "./variables.js";
import { labelSvg, patchNumbers } from "./diagram.js";
import { fillSummary, wireEntries } from "./tables.js";
import { refreshInspect } from "./inspect.js";
import { stopStepping } from "./stepper.js";
import { plainClick } from "./clicks.js";
import { t } from "./i18n.js";

/** The controls that would give the answers away step aside while practising: forward mode
 * (the output's derivative with respect to an input is that input's gradient) and the
 * step-through. They follow the form's choice at once, before the server has answered. */
export function applyPracticeControls() {
  const chosen = page.form.elements.practice.value;
  const wrt = page.form.elements.namedItem("wrt");
  if (wrt) {
    if (chosen) wrt.value = "";
    wrt.disabled = Boolean(chosen);
  }
  for (const button of $$("[data-step]")) button.disabled = Boolean(chosen);
  if (chosen && state.step !== null) stopStepping();
}

export function fillPractice() {
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
  for (const words of $$("[data-practice-mode]", page.practice)) words.hidden = words.dataset.practiceMode !== mode;
  $("#practice-precision").textContent = state.data.options.precision;
  // A seed draws numbers only (newValues): with every input a vector or matrix it has none to draw.
  const newValuesButton = $("#practice-new-values");
  newValuesButton.disabled = state.model.data.nodes.every((node) => node.op !== "input" || node.shape.length > 0);
  if (newValuesButton.disabled) newValuesButton.title = t("New values are drawn for numbers: type new vectors and matrices in their fields.");
  else newValuesButton.removeAttribute("title");
  refreshPractice();
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
    rows.push(h("tr", { "data-wire": wire.id }, header(), h("td", { class: "into" }, into), answerCells(wire, asked, name),
      h("td", { class: "mark", id: "mark-" + wire.id }),
      h("td", { class: "hint-cell" }, asked ? [
        h("button", { type: "button", class: "tool", "data-hint": wire.id, "aria-expanded": "false", "aria-controls": "hint-" + wire.id }, t("Hint")),
        " ",
        h("button", { type: "button", class: "tool", "data-show": wire.id,
          "aria-label": t("Show the %(kind)s of %(name)s", { kind: kindName(asked), name }) }, t("Show")),
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
      if (Array.isArray(text)) cell.replaceChildren(numberTable(text));
      else cell.textContent = text ?? "?";
      cell.classList.toggle("flagged", text !== null && !Array.isArray(text) && isFlagged(wire, kind));
    }
    const kind = askedKind(state.model, wire);
    if (!kind) continue;
    const entries = $$("input.answer", row).map((input) => state.answers.get(answerKey(wire, kind, state.data, entryOf(input))));
    asked += entries.length;
    shown += entries.filter((entry) => entry && entry.revealed).length;
    found += entries.filter((entry) => entry && !entry.revealed && entry.right === true).length;
    if (wire.shape.length) markEntries(row, entries);
    else markAnswer(row, entries[0] || null);
  }
  page.practiceScore.textContent = score(asked, found, shown);
  for (const row of $$(".hint-row:not([hidden])", page.practiceTable)) fillHint(row);
}

/** The score in words: how many numbers are found, and shown; all found, with the gradients asked,
 * means every number is on the diagram. */
function score(asked, found, shown) {
  if (found === asked) {
    return state.data.options.practice === "grads" ? t("All %(asked)s found: every number is on the diagram now.", { asked })
      : t("All %(asked)s found.", { asked });
  }
  return shown ? t("%(found)s of %(asked)s found, %(shown)s shown.", { found, asked, shown })
    : t("%(found)s of %(asked)s found.", { found, asked });
}

/** Sends what was typed to the server to check, and shows a right answer everywhere its "?"
 * was. Returns whether it was right. */
async function checkField(input) {
  const data = state.data;
  const wire = state.model.wires.get(input.dataset.wire);
  const kind = input.dataset.kind;
  const entry = entryOf(input);
  const key = answerKey(wire, kind, data, entry);
  const typed = input.value;
  const before = state.answers.get(key);
  if (before && (before.revealed || before.typed === typed)) return before.right === true;
  if (typed.trim() === "") {
    state.answers.delete(key);
    refreshAnswers();
    return false;
  }
  const question = entry === null ? { wire: wire.id, kind, answer: typed } : { wire: wire.id, kind, entry, answer: typed };
  const answer = await askServer("/api/check", state.query, question);
  if (!answer.ok) {
    $(".mark", input.closest("tr[data-wire]")).textContent = answer.error.message;
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
    const drawn = state.model.wires.get(wire) || { id: wire, shape: [] };
    // A vector's or matrix's whole table is shown: each entry as if answered on its own.
    const found = drawn.shape.length
      ? entryIndices(drawn.shape).map((index) => [index, entryAt(shown, index), isFlaggedText(entryAt(shown, index)), entryAt(number, index)])
      : [[null, shown, flagged, number]];
    for (const [index, text, isFlagged, full] of found) {
      const key = answerKey(drawn, kind, data, index);
      const before = state.answers.get(key);
      if (before && before.right === true) continue; // found before it was asked for
      state.answers.set(key, { typed: before ? before.typed : "", right: null, shown: text, flagged: isFlagged, number: full, revealed: true });
    }
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

/** A fresh worksheet: the next seed, and the numbers the server draws from it put into the
 * fields (so that the link names them; explicit values win over the seed). */
async function newValues() {
  const params = new URLSearchParams(state.query);
  const seed = String((Number(params.get("seed")) || 0) + 1);
  // A seed draws numbers only: a vector or matrix keeps its values (its shape is the circuit's).
  const drawn = variableFields().filter((field) => !field.classList.contains("array-field"));
  for (const field of drawn) params.delete(field.dataset.variable);
  params.set("seed", seed);
  const answer = await request("/api/graph?" + params, "json");
  if (!answer.ok) {
    showGeneralError(answer.error.message);
    return;
  }
  state.extras.set("seed", seed);
  for (const field of drawn) {
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

function stopPractising() {
  page.form.elements.practice.value = "";
  applyPracticeControls();
  schedule(0, "push");
}

/** Answers are checked on Enter or on leaving the field, not at every keystroke (a half-typed
 * "-0." is not wrong yet); the buttons show hints and answers, draw new values or stop. */
export function setUpPractice() {
  page.practiceTable.addEventListener("change", (event) => {
    if (event.target.matches("input.answer")) checkField(event.target);
  });
  page.practiceTable.addEventListener("input", (event) => {
    if (!event.target.matches("input.answer")) return;
    if (entryOf(event.target)) markInput(event.target, null);
    else markAnswer(event.target.closest("tr"), null);
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
    if (!plainClick(event)) return;
    event.preventDefault(); // the same circuit, drawn in place
    stopPractising();
  });
}
