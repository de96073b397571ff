// Gradient descent on the page: its fields (a checkbox per input), Step, Play and Reset, and the loss plot beside the diagram.

import { $, $$, code, h } from "./dom.js";
import { page, state } from "./state.js";
import { schedule } from "./schedule.js";
import { lossPlot } from "./lossplot.js";
import { reprLikePython } from "./numbers.js";
import { t } from "./i18n.js";

// The form's fields of gradient descent (graphlib/options.DESCENT_FIELDS). They change the
// numbers drawn, never the layout: a step patches the diagram on screen, as a slider does.
export const DESCENT_FIELDS = ["params", "lr", "steps"];
const PLAY_STEP_MS = 150; // at most one step this often while playing: each is a request and a drawing
const TYPE_DELAY_MS = 300;

function field(name) {
  return page.form.elements.namedItem(name);
}

function shownSteps() {
  return Number(field("steps").value) || 0;
}

/** The fields' listeners and the panel's buttons. */
export function setUpDescent() {
  for (const name of DESCENT_FIELDS) field(name).addEventListener("input", () => schedule(TYPE_DELAY_MS, "merge"));
  page.descentChoices.addEventListener("change", () => {
    const chosen = $$("input:checked", page.descentChoices).map((box) => box.value);
    field("params").value = chosen.join(",");
    schedule(0, "push");
  });
  for (const button of $$("[data-descent]", page.descentPanel)) {
    button.addEventListener("click", () => DESCENT_ACTIONS[button.dataset.descent]());
  }
}

const DESCENT_ACTIONS = {
  reset: () => { stopPlaying(); setSteps(0, "push"); },
  step: () => { stopPlaying(); setSteps(shownSteps() + 1, "push"); },
  play: () => (state.descentPlayer ? stopPlaying() : play()),
};

function setSteps(steps, mode) {
  const limit = Number(field("steps").dataset.max);
  field("steps").value = String(Math.max(0, Math.min(steps, limit)));
  schedule(0, mode);
}

/** Plays the number of steps asked for, one drawing each: the next step is asked for once the
 * last has been drawn (and no other redraw is due), so a slow answer slows the play, never
 * piles requests up. Play again, Step, Reset or a circuit without descent stops it. */
function play() {
  const target = Math.min(shownSteps() + Math.max(1, Number($("#descent-play-count").value) || 1),
    Number(field("steps").dataset.max));
  let first = true;
  state.descentPlayer = setInterval(() => {
    const drawn = state.data && state.data.descent;
    if (!drawn) return stopPlaying();
    if (state.busy || state.timer !== null || drawn.steps !== shownSteps()) return; // still drawing
    if (drawn.steps >= target) return stopPlaying();
    setSteps(drawn.steps + 1, first ? "push" : "replace");
    first = false;
  }, PLAY_STEP_MS);
  showPlaying();
}

function stopPlaying() {
  clearInterval(state.descentPlayer);
  state.descentPlayer = null;
  showPlaying();
}

function showPlaying() {
  const button = $("[data-descent=play]", page.descentPanel);
  button.setAttribute("aria-pressed", String(Boolean(state.descentPlayer)));
  button.textContent = state.descentPlayer ? "■ " + t("Stop") : "▶ " + t("Play");
}

/** A link's gradient descent into the form's fields (back, forward, the gallery). */
export function loadDescent(params) {
  stopPlaying();
  for (const name of DESCENT_FIELDS) field(name).value = params.get(name) || "";
}

/** The fields' query: left out while empty, and the learning rate and steps with the
 * parameters only, so that a link without descent stays as it was. */
export function descentQuery(params) {
  if (!params.get("params")) for (const name of DESCENT_FIELDS) params.delete(name);
  for (const name of DESCENT_FIELDS) if (params.get(name) === "") params.delete(name);
}

/** The server's answer in the descent's parts of the page: the checkboxes, the panel with its
 * plot, the note under the diagram and the table of losses. */
export function fillDescent(data) {
  // While practising the server ignores the fields (they stay in the link, for afterwards).
  const practising = Boolean(data.options.practice);
  $(".descent-practice", page.form).hidden = !practising;
  fillChoices(data, practising);
  const descent = data.descent || null;
  if (!descent) stopPlaying();
  page.descentPanel.hidden = !descent;
  page.descentPanel.parentElement.classList.toggle("with-descent", Boolean(descent));
  page.descentNote.hidden = !descent;
  page.lossTable.hidden = !descent;
  if (!descent) return;
  page.descentStep.textContent = t("· step %(step)s", { step: descent.steps });
  $("[data-descent=reset]", page.descentPanel).disabled = descent.steps === 0;
  page.lossPlot.replaceChildren(lossPlot(descent));
  fillNote(descent);
  fillLossTable(descent);
}

/** A checkbox per input, checked for the parameters; the text field stays the link's. */
function fillChoices(data, practising) {
  const names = data.nodes.filter((node) => node.op === "input").map((node) => node.label);
  const chosen = new Set(data.descent ? data.descent.params : []);
  const boxes = names.map((name) => h("label", { class: "descent-choice" },
    h("input", { type: "checkbox", value: name, checked: chosen.has(name), disabled: practising }), name));
  page.descentChoices.replaceChildren(...boxes);
}

/** The note under the diagram, in the template's words. */
function fillNote(descent) {
  const texts = descent.losses_text;
  const lr = field("lr").value.trim() || reprLikePython(descent.lr);
  const loss = descent.steps > 0
    ? t("Loss %(first)s at step 0, %(last)s at step %(steps)s.", { first: texts[0], last: texts[descent.steps], steps: descent.steps })
    : t("Loss %(first)s at step 0.", { first: texts[0] });
  const words = [...t("Gradient descent on %(params)s with lr %(lr)s: the diagram shows step %(steps)s, the inputs above are step 0.",
    { params: code(descent.params.join(", ")), lr, steps: descent.steps }), " ", loss];
  if (descent.left_finite !== null) {
    words.push(" ", h("span", { class: "warning" }, t("The loss left the finite range at step %(step)s.", { step: descent.left_finite })));
  }
  page.descentNote.replaceChildren(...words);
}

function fillLossTable(descent) {
  const rows = descent.losses_text.map((text, step) => {
    const loss = descent.losses[step];
    const flagged = typeof loss === "string"; // "Infinity", "-Infinity" or "NaN"
    return h("tr", null, h("th", { scope: "row" }, String(step)),
      h("td", { class: "value" + (flagged ? " flagged" : ""), title: reprLikePython(loss) }, text));
  });
  $("tbody", page.lossTable).replaceChildren(...rows);
}
