// The variables' fields and sliders: one per input of the expression, in its order, keeping what was typed.

import { entryIndices } from "./answers.js";
import { $, $$, h } from "./dom.js";
import { page, state } from "./state.js";
import { schedule } from "./schedule.js";
import { t } from "./i18n.js";

const VALUE_TYPE_DELAY_MS = 150; // pause after typing in a value field
// Sliders: while one moves, a redraw this often (as the requests allow), and one where it stops.
// At most 16 a second each: a class of 30 scrubbing stays within the server's 500 a second.
const SCRUB_INTERVAL_MS = 60;

export function variableFields() {
  return $$(".field[data-variable]", page.variables);
}

/** Makes the variable fields those of the expression, in its order, keeping every text typed.
 * Returns true when a field came back with a remembered value (the numbers must be asked again). */
export function syncVariables(data) {
  const names = data.nodes.filter((node) => node.op === "input").map((node) => node.label);
  const existing = new Map(variableFields().map((field) => [field.dataset.variable, field]));
  let remembered = false;
  for (const [name, field] of existing) {
    if (names.includes(name)) continue;
    state.memory.set(name, $("input[name]", field).value);
    field.remove();
  }
  names.forEach((name, index) => {
    let field = existing.get(name);
    if (!field || !field.isConnected) {
      const defaultText = name in data.defaults ? String(data.defaults[name]) : "1";
      const text = state.memory.has(name) ? state.memory.get(name) : defaultText;
      remembered = remembered || text !== defaultText;
      field = variableField(name, text, text === defaultText && !state.memory.has(name));
    }
    // Move only what is out of place: moving the focused field would take the focus away.
    const fields = variableFields();
    if (fields[index] !== field) page.variables.insertBefore(field, fields[index] || null);
  });
  page.variables.hidden = names.length === 0;
  showArrayHelp();
  fillWrt();
  return remembered;
}

/** Forward mode's choices are the inputs, and of a vector or matrix each entry (`W[1,0]`), as
 * the template writes them; the choice stays while its input (and entry) does. */
export function fillWrt(chosen) {
  const select = page.form.elements.namedItem("wrt");
  if (!select) return;
  const wanted = chosen === undefined ? select.value : chosen;
  const choices = variableFields().map((field) => [field.dataset.variable, wrtEntries(field)]);
  const values = choices.flatMap(([name, entries]) => entries.length ? entries : [name]);
  if (values.join() !== Array.from(select.options).slice(1).map((option) => option.value).join()) {
    select.replaceChildren(h("option", { value: "" }, t("off")), ...choices.map(([name, entries]) => entries.length
      ? h("optgroup", { label: t("d/d%(name)s, one entry", { name }) }, entries.map((entry) => h("option", { value: entry }, "d/d" + entry)))
      : h("option", { value: name }, "d/d" + name)));
  }
  select.value = values.includes(wanted) ? wanted : "";
}

/** A vector's or matrix's entries as forward mode names them (x[1], W[1,0]); none for a number. */
function wrtEntries(field) {
  const name = field.dataset.variable;
  const shape = textShape($("input[name]", field).value);
  return shape.length ? entryIndices(shape).map((index) => `${name}[${index.join(",")}]`) : [];
}

/** The shape of a value as typed: [] for a number, [n] for [1, -2], [m, n] for [[1, 2], [3, 4]]
 * (rows of the first's length; the server checks the rest). */
export function textShape(text) {
  const compact = text.replace(/\s+/g, "");
  if (!compact.startsWith("[")) return [];
  if (!compact.startsWith("[[")) return [compact.slice(1, -1).split(",").length];
  const rows = compact.slice(2, -2).split("],[");
  return [rows.length, rows[0].split(",").length];
}

export const isArrayText = (text) => text.trim().startsWith("[");

/** A variable's field, as the template draws it, plus its slider. */
export function variableField(name, text, isDefault) {
  const id = "var-" + name;
  const field = h("div", { class: "field", "data-variable": name },
    h("label", { for: id }, name),
    h("input", { id, name, value: text, inputmode: "decimal", spellcheck: "false", autocomplete: "off", size: "8" }),
    isDefault ? h("span", { class: "note" }, t("default")) : null);
  enhanceVariable(field);
  return field;
}

/** A field's slider, and the redraws that follow both. A vector or matrix has no slider: its
 * field is a wide text field (fitArrayField). */
export function enhanceVariable(field) {
  const input = $("input[name]", field);
  const slider = h("input", { type: "range", class: "scrub", "aria-label": t("%(name)s slider", { name: field.dataset.variable }), tabindex: "0" });
  fitSlider(slider, input.value, true);
  input.after(slider);
  fitArrayField(field);
  slider.addEventListener("input", () => {
    input.value = slider.value; // the browser's own decimal text of the slider's position
    markEdited(field);
    schedule(SCRUB_INTERVAL_MS, "merge", true);
  });
  input.addEventListener("input", () => {
    markEdited(field);
    fitSlider(slider, input.value, false);
    fitArrayField(field);
    schedule(VALUE_TYPE_DELAY_MS, "merge");
  });
}

/** A field holding a vector or matrix ([1, -2], [[1, 2], [3, 4]]) as the template draws it: wide,
 * with a keyboard that has brackets and commas, no slider, and the help that says how to write
 * one; a number's field as before. */
function fitArrayField(field) {
  const input = $("input[name]", field);
  const isArray = isArrayText(input.value);
  if (field.classList.contains("array-field") !== isArray) {
    field.classList.toggle("array-field", isArray);
    input.classList.toggle("array-value", isArray);
    if (isArray) input.removeAttribute("inputmode");
    else input.setAttribute("inputmode", "decimal");
  }
  input.size = isArray ? Math.min(Math.max(input.value.length + 1, 12), 40) : 8; // as the template sizes it
  $("input.scrub", field).hidden = isArray;
  if (isArray) input.setAttribute("aria-describedby", "array-help");
  else input.removeAttribute("aria-describedby");
  showArrayHelp();
}

/** The template's help on writing a vector or matrix, after the fields while one holds one. */
function showArrayHelp() {
  const help = $("#array-help");
  help.hidden = !variableFields().some((field) => field.classList.contains("array-field"));
  if (help.nextElementSibling) page.variables.append(help); // after the fields, which may have been added since
}

/** A field's text is the reader's now: remembered, and no longer marked "default". */
export function markEdited(field) {
  state.memory.set(field.dataset.variable, $("input[name]", field).value);
  const note = $(".note", field);
  if (note) note.remove();
}

/** Puts a text into a variable's field, and its slider there. */
export function setVariable(field, text) {
  const input = $("input[name]", field);
  input.value = text;
  fitSlider($("input.scrub", field), input.value, false);
  fitArrayField(field);
}

/** Sets the slider to the typed value; its range is ±10^k around zero, wide enough for the
 * value with room to move, in steps of 10^(k-3). It changes only when the value leaves it,
 * so that the slider does not jump under the user's finger. */
function fitSlider(slider, text, initial) {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) return;
  const limit = Number(slider.max || 0);
  if (initial || Math.abs(value) > limit) {
    const k = Math.max(1, Math.ceil(Math.log10(Math.abs(value) * 2 || 1)));
    slider.min = "-1e" + k;
    slider.max = "1e" + k;
    slider.step = "1e" + (k - 3);
  }
  slider.value = text;
}
