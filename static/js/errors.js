// Mistakes on the page: next to their field and at their position, or in the status line.

import { $$, h } from "./dom.js";
import { caretText } from "./editor.js";
import { page, state } from "./state.js";

export function clearErrors() {
  for (const element of $$(".error")) element.remove();
  for (const field of $$(".has-error")) field.classList.remove("has-error");
  for (const input of $$("[aria-invalid]", page.form)) {
    input.removeAttribute("aria-invalid");
    describeBy(input, input.id + "-error", false);
  }
  page.diagram.classList.remove("stale");
}

/** Adds or removes one id of aria-describedby, keeping the others (the expression's key help). */
function describeBy(input, id, on) {
  const ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter((other) => other && other !== id);
  if (on) ids.push(id);
  if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
  else input.removeAttribute("aria-describedby");
}

/** A mistake, next to its field and at its position; the last good diagram stays, dimmed. */
export function showError(error, expression) {
  clearErrors();
  const input = error.field ? page.form.elements.namedItem(error.field) : null;
  const field = input && input.closest ? input.closest(".field, .option-field") : null;
  if (!field) {
    showGeneralError(error.message);
    return;
  }
  const id = input.id + "-error";
  const box = h("div", { id, class: "error", role: "alert" }, h("p", null, error.message));
  if (error.field === "expr" && Number.isInteger(error.position)) {
    // The message says "line 2, column 5"; the caret goes under that line.
    box.append(h("pre", { class: "caret" }, caretText(expression, error.position)));
  }
  field.classList.add("has-error");
  field.append(box);
  const drawer = field.closest("details"); // the display options, gradient descent: opened to show it
  if (drawer) drawer.open = true;
  input.setAttribute("aria-invalid", "true");
  describeBy(input, id, true);
  if (state.data) page.diagram.classList.add("stale");
}

export function showGeneralError(message) {
  clearErrors();
  page.status.append(h("p", { class: "error", role: "alert" }, message));
  if (state.data) page.diagram.classList.add("stale");
}
