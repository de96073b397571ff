// Step-through: the forward pass gate by gate, then the backward pass, by hand or played.

import { $, $$, h } from "./dom.js";
import { explainStep } from "./describe.js";
import { page, state } from "./state.js";
import { practising } from "./answers.js";
import { t } from "./i18n.js";

const PLAY_STEP_MS = 900;

export const STEP_ACTIONS = {
  reset: () => { pause(); stepTo(0); },
  back: () => { pause(); stepTo(state.step === null ? Infinity : state.step - 1); }, // from all shown: the last step
  play: () => play(),
  next: () => { pause(); stepTo(state.step === null ? 0 : state.step + 1); },
  all: () => stopStepping(),
};
// The keys of the step buttons, outside text fields.
export const STEP_KEYS = { n: "next", b: "back", p: "play", r: "reset" };

export function setUpStepper() {
  for (const button of $$("[data-step]")) button.addEventListener("click", () => STEP_ACTIONS[button.dataset.step]());
}

/** The steps of the circuit on screen, kept at the step shown where it still has one. */
export function refreshSteps() {
  if (state.step !== null) state.step = Math.min(state.step, state.model.steps.length - 1);
  showStep();
}

function stepTo(index) {
  if (!state.data) return;
  state.step = Math.max(0, Math.min(index, state.model.steps.length - 1));
  showStep();
  bringCurrentIntoView();
}

/** The step's gate, or the wires whose numbers it shows, scrolled into view: on a phone, or in a
 * diagram wider than the page, they may be off screen. */
function bringCurrentIntoView() {
  const current = state.model.steps[state.step];
  const shown = [...current.values, ...current.grads].map((id) => state.parts.get(id)?.group);
  const target = $(".current", page.diagram) || shown.find(Boolean);
  if (target) target.scrollIntoView({ block: "nearest", inline: "center" });
}

export function stopStepping() {
  pause();
  state.step = null;
  if (state.data) showStep();
}

function play() {
  if (state.player) {
    pause();
    return;
  }
  if (!state.data) return;
  if (state.step === null || state.step >= state.model.steps.length - 1) stepTo(0);
  state.player = setInterval(() => {
    if (state.step >= state.model.steps.length - 1) pause();
    else stepTo(state.step + 1);
  }, PLAY_STEP_MS);
  setPlayButton(true);
}

export function pause() {
  clearInterval(state.player);
  state.player = null;
  setPlayButton(false);
}

function setPlayButton(playing) {
  const button = $('[data-step="play"]');
  button.replaceChildren(h("span", { "aria-hidden": "true" }, playing ? "❚❚" : "▶"), " ", playing ? t("Pause") : t("Play"));
  button.setAttribute("aria-pressed", String(playing));
}

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
      ? t("Step-through is off while practising: it would show the numbers to find.")
      : t("Step shows the forward pass gate by gate, then the backward pass with the chain rule at each gate.")));
    return;
  }
  const current = state.model.steps[state.step];
  markNumbers(current);
  markGates(svg, current);
  const forwardCount = state.model.steps.filter((step) => step.kind === "inputs" || step.kind === "forward").length;
  page.counter.textContent = state.step < forwardCount
    ? t("Forward pass: step %(step)s of %(steps)s", { step: state.step + 1, steps: forwardCount })
    : t("Backward pass: step %(step)s of %(steps)s", { step: state.step - forwardCount + 1, steps: state.model.steps.length - forwardCount });
  page.explain.replaceChildren(...explainStep(current, state.model));
}

/** Hides the numbers not known yet at this step, and marks those it has just shown. */
function markNumbers(current) {
  const values = new Set();
  const grads = new Set();
  state.model.steps.slice(0, state.step + 1).forEach((step) => {
    step.values.forEach((id) => values.add(id));
    step.grads.forEach((id) => grads.add(id));
  });
  for (const [id, part] of state.parts) {
    // Forward mode's tangents are computed in the forward pass, alongside the values.
    const rows = [[values, current.values, "value"], [grads, current.grads, "grad"], [values, current.values, "tangent"]];
    for (const [known, justNow, kind] of rows) {
      for (const [text, cell] of numberElements(part, kind)) {
        if (!known.has(id)) {
          text.classList.add("step-hidden");
          cell.classList.add("step-hidden");
        } else if (justNow.includes(id)) {
          text.classList.add("just-shown");
        }
      }
    }
  }
}

/** A wire's texts of one kind with their cells (diagram.js's readWires): its number's, or
 * each entry's of a vector or matrix (or its summary's). */
function numberElements(part, kind) {
  if (part.entries) return (part.entries[kind] || []).map(({ text, cell }) => [text, cell]);
  return part[kind] ? [[part[kind], part[kind + "Cell"]]] : [];
}

/** The gates not computed yet are pending; the step's own gate is current. */
function markGates(svg, current) {
  const computed = new Set(state.model.steps.slice(0, state.step + 1).filter((step) => step.kind === "forward").map((step) => step.node.id));
  for (const gate of $$("g.gate", svg)) {
    if (!computed.has(gate.id.slice("gate-".length))) gate.classList.add("pending");
  }
  if (current.node) {
    const gate = document.getElementById("gate-" + current.node.id);
    if (gate) gate.classList.add("current");
  }
}
