// Inspect: what a gate or wire of the diagram computes, its path to the output lit, and moving between them by keys.

import { $, $$, h } from "./dom.js";
import { downstream } from "./circuit.js";
import { describeGate, describeWire } from "./describe.js";
import { describePractice } from "./practice.js";
import { page, state } from "./state.js";
import { known, practising } from "./answers.js";
import { diagramItems, focusItem, panByKey } from "./diagram.js";
import { t } from "./i18n.js";

const MOVE_KEYS = ["ArrowRight", "ArrowLeft", "ArrowUp", "ArrowDown", "Home", "End"];

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
    page.inspect.replaceChildren(h("p", { class: "hint" }, t("Hover, click or focus a gate or a wire to see what it computes.")));
    svg.classList.remove("tracing");
    return;
  }
  document.getElementById(id).classList.add("inspected");
  const start = id.startsWith("gate-") ? inspectGate(id) : inspectWire(id);
  if (start === null) return;
  for (const node of downstream(state.model, start)) markNode(node);
}

/** A gate's panel; returns its node, the first on the way to the output. */
function inspectGate(id) {
  const m = state.model;
  const start = id.slice("gate-".length);
  page.inspect.replaceChildren(...(practising() ? describePractice(id, m, known) : describeGate(m.nodes.get(start), m)));
  return start;
}

/** A wire's panel and its value's own drawing; returns the first node on the way to the output. */
function inspectWire(id) {
  const m = state.model;
  const wire = m.wires.get(id);
  if (!wire) return null;
  page.inspect.replaceChildren(...(practising() ? describePractice(id, m, known) : describeWire(wire, m)));
  // A branch leads only into its own gate: not through its fork's other branches.
  if (wire.consumer !== null) markBranch(id);
  markValue(wire.node);
  return wire.consumer !== null ? wire.consumer : wire.node;
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

export function refreshInspect() {
  const focused = inspectable(document.activeElement);
  inspect(focused ? focused.id : state.pinned, true);
}

export function unpin() {
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

/** A click on a wire (or a gate: its own wire) while practising goes to its answer field. */
function focusAnswer(id) {
  const wireId = id.startsWith("gate-") ? "wire-" + id.slice("gate-".length) : id;
  const field = $(`input.answer[data-wire="${CSS.escape(wireId)}"]`, page.practiceTable);
  if (field) field.focus();
}

/** Hover, focus or click a gate or wire to inspect it; a click or Enter pins it. */
export function setUpInspect() {
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
  page.diagram.addEventListener("keydown", onDiagramKey);
}

function onDiagramKey(event) {
  if (panByKey(event)) return;
  const item = inspectable(event.target);
  if (!item) return;
  if (MOVE_KEYS.includes(event.key)) {
    event.preventDefault();
    moveFocus(item, event.key);
  } else if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    state.pinned = state.pinned === item.id ? null : item.id;
    if (practising()) focusAnswer(item.id);
  }
}
