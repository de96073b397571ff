// The practice table's answer fields: an input per number to find (for a vector or matrix, a table of them, one per entry), and their marks.

import { $, $$, h } from "./dom.js";
import { kindName } from "./practice.js";
import { state } from "./state.js";
import { answerKey, entryGrid } from "./answers.js";
import { numberTable } from "./numbers.js";
import { t } from "./i18n.js";

/** A row's value and gradient cells: the one asked for is an input (of a vector or matrix, a
 * table of inputs, one per entry), the other given. */
export function answerCells(wire, asked, name) {
  return ["value", "grad"].map((kind) => {
    const cell = { class: kind === "grad" ? "gradient" : "value", "data-label": kindName(kind) };
    if (kind !== asked) return h("td", { ...cell, "data-given": kind });
    if (!wire.shape.length) return h("td", cell, answerInput(wire, kind, t("%(kind)s of %(name)s", { kind: kindName(kind), name }), null));
    const inputs = entryGrid(wire.shape, (index) =>
      answerInput(wire, kind, t("%(kind)s of %(name)s, entry [%(entry)s]", { kind: kindName(kind), name, entry: index.join(", ") }), index));
    return h("td", { ...cell, class: cell.class + " tensor-cell" }, numberTable(inputs));
  });
}

function answerInput(wire, kind, label, index) {
  const input = h("input", { class: "answer", "data-wire": wire.id, "data-kind": kind, "data-entry": index && index.join(","),
    inputmode: "decimal", autocomplete: "off", spellcheck: "false", size: "7", "aria-label": label,
    "aria-describedby": "mark-" + wire.id });
  const entry = state.answers.get(answerKey(wire, kind, state.data, index));
  input.value = entry ? entry.typed : "";
  return input;
}

/** The entry of a vector or matrix an input answers ([1, 0]), or null for a number's. */
export const entryOf = (input) => (input.dataset.entry ? input.dataset.entry.split(",").map(Number) : null);

/** Right, wrong or shown in words and a sign, not in colour alone. */
export function markAnswer(row, entry) {
  const mark = $(".mark", row);
  const result = markInput($("input.answer", row), entry);
  mark.className = "mark" + (result === true ? " right" : result === false ? " wrong" : "");
  mark.textContent = entry && entry.revealed ? t("shown") : result === true ? "✓ " + t("right") : result === false ? "✗ " + t("not yet") : "";
}

/** A vector's or matrix's entries, each input marked, and in words how many are right. */
export function markEntries(row, entries) {
  const results = $$("input.answer", row).map((input, index) => markInput(input, entries[index] || null));
  const right = results.filter((result) => result === true).length;
  const wrong = results.filter((result) => result === false).length;
  const shown = entries.filter((entry) => entry && entry.revealed).length;
  const mark = $(".mark", row);
  mark.className = "mark" + (right + shown === entries.length ? " right" : wrong ? " wrong" : "");
  mark.textContent = [right ? "✓ " + t("%(right)s of %(count)s right", { right, count: entries.length }) : "",
    wrong ? "✗ " + t("%(wrong)s not yet", { wrong }) : "", shown ? t("%(shown)s shown", { shown }) : ""].filter(Boolean).join(", ");
}

/** One input's look: right, wrong (aria-invalid) or shown (read-only); returns right or wrong, or null. */
export function markInput(input, entry) {
  const result = entry && !entry.revealed ? entry.right : null;
  if (entry && entry.revealed) {
    input.value = entry.shown;
    input.readOnly = true;
  }
  input.classList.toggle("right", result === true || Boolean(entry && entry.revealed));
  if (result === false) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  return result;
}
