// The diagram: the SVG installed as nodes, its numbers patched in place, its accessible names, its zoom.

import { $, $$ } from "./dom.js";
import { readingOrder } from "./circuit.js";
import { Zoom } from "./zoom.js";
import { isHidden } from "./practice.js";
import { page, state } from "./state.js";
import { entryAt, isFlagged, known } from "./answers.js";
import { isFlaggedText, numberText } from "./numbers.js";
import { pause } from "./stepper.js";
import { t } from "./i18n.js";

const ZOOM_ACTIONS = {
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

/** Replaces the diagram by the SVG text, parsed as XML and imported node by node. */
export function installSvg(text, data) {
  const svg = parseSvg(text);
  const naturalSize = ["width", "height"].map((name) => parseFloat(svg.getAttribute(name)) * 4 / 3); // pt to px
  state.edges = readEdges(svg);
  // Titles would show as tooltips reading "wire-n3"; the inspect panel says it better.
  for (const title of $$("title", svg)) title.remove();
  state.parts = readWires(svg, "tangents" in data);
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

function parseSvg(text) {
  const parsed = new DOMParser().parseFromString(text, "image/svg+xml");
  const root = parsed.documentElement;
  if (root.localName !== "svg" || parsed.getElementsByTagName("parsererror").length) {
    throw new Error("the drawing was not a valid SVG");
  }
  const svg = document.importNode(root, true);
  svg.setAttribute("role", "group");
  svg.classList.add("circuit");
  return svg;
}

/** The edges and their ends (from the titles), for highlighting a branch's own path. */
function readEdges(svg) {
  return $$("g.edge", svg).map((element) => {
    const title = $("title", element);
    const [tail, head] = (title ? title.textContent : "").split("->").map((end) => end.split(":")[0]);
    return { element, tail, head };
  });
}

/** Each wire's number texts and their cells: a wire's last texts are its value, its gradient
 * and, in forward mode, its tangent. */
function readWires(svg, withTangents) {
  const kinds = withTangents ? ["value", "grad", "tangent"] : ["value", "grad"];
  const parts = new Map();
  for (const group of $$("g.wire", svg)) {
    if ($("text.entry, text.summary", group)) {
      parts.set(group.id, readArrayWire(group, kinds));
      continue;
    }
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
    parts.set(group.id, part);
  }
  return parts;
}

/** A vector's or matrix's wire: per kind its entries' texts (`index` [i] or [i, j], from their
 * ids, wire-n3-value-1-0) with their cells, or past 4 x 4 its summary's (`index` null). */
function readArrayWire(group, kinds) {
  const part = { group, entries: {} };
  for (const kind of kinds) {
    part.entries[kind] = $$(`text.entry-${kind}, text.summary-${kind}`, group).map((text) => {
      const cell = text.previousElementSibling;
      const isEntry = text.classList.contains("entry");
      if (isEntry) alignRightInCell(text, cell);
      else centreInCell(text, cell);
      cell.classList.add("cell");
      text.classList.add("num-" + kind);
      const index = isEntry ? text.id.slice(`${group.id}-${kind}-`.length).split("-").map(Number) : null;
      return { text, cell, index };
    });
  }
  // The wire itself: the first filled box after the value's texts (past a bracket's lines).
  let line = part.entries.value.at(-1).text.nextElementSibling;
  while (line && !(line.localName === "polygon" && line.getAttribute("fill") !== "transparent")) line = line.nextElementSibling;
  if (line) line.classList.add("line");
  return part;
}

const ENTRY_PADDING = 2; // points between an entry and its cell's edge (render.py's cellpadding)

/** A vector's or matrix's entries stay right-aligned in their column when patched. */
function alignRightInCell(text, cell) {
  const xs = (cell.getAttribute("points") || "").trim().split(/\s+/).map((point) => parseFloat(point.split(",")[0]));
  if (xs.length < 2 || xs.some(Number.isNaN)) return;
  text.setAttribute("x", Math.max(...xs) - ENTRY_PADDING);
  text.setAttribute("text-anchor", "end");
}

/** Numbers are drawn from their cell's centre, so that a longer number patched in later stays
 * centred over its wire instead of running into the next one. */
function centreInCell(text, cell) {
  const xs = (cell.getAttribute("points") || "").trim().split(/\s+/).map((point) => parseFloat(point.split(",")[0]));
  if (xs.length < 2 || xs.some(Number.isNaN)) return;
  text.setAttribute("x", (Math.min(...xs) + Math.max(...xs)) / 2);
  text.setAttribute("text-anchor", "middle");
}

/** The server's numbers into the SVG already on screen: the gates do not move. */
export function patchNumbers(data) {
  for (const wire of data.wires) {
    const part = state.parts.get(wire.id);
    if (!part) continue;
    if (part.entries) {
      patchArray(part, wire);
      continue;
    }
    ["value", "grad"].forEach((kind) => {
      // While practising, a number to find stays "?" (as the server drew it) until found.
      const text = known(wire, kind);
      setNumber(part[kind], part[kind + "Cell"], text === null ? "?" : text, text !== null && isFlagged(wire, kind));
      part[kind].classList.toggle("answered", text !== null && isHidden(wire, kind));
    });
    if (part.tangent && "tangent" in wire) setNumber(part.tangent, part.tangentCell, wire.tangent, wire.flagged[2]);
  }
}

/** A vector's or matrix's entries, each as known (a number to find stays "?"), or its summary. */
function patchArray(part, wire) {
  Object.entries(part.entries).forEach(([kind, entries]) => {
    const texts = known(wire, kind);
    const order = ["value", "grad", "tangent"].indexOf(kind);
    for (const { text, cell, index } of entries) {
      const summary = wire.summary ? wire.summary[order] : null;
      const shown = (index === null ? summary : texts === null ? null : entryAt(texts, index)) ?? "?";
      const flagged = index === null ? shown !== "?" && wire.flagged[order] : isFlaggedText(shown);
      setNumber(text, cell, shown, flagged);
      text.classList.toggle("answered", shown !== "?" && isHidden(wire, kind));
    }
  });
}

function setNumber(text, cell, shown, flagged) {
  if (text.textContent !== shown) text.textContent = shown;
  // Classes, not attributes: the page's style sheet knows the flag colour of each theme.
  text.classList.toggle("num-flagged", flagged);
  text.classList.toggle("num-plain", !flagged);
  cell.classList.toggle("cell-flagged", flagged);
  cell.classList.toggle("cell-plain", !flagged);
}

/** Accessible names for the diagram and each gate and wire, with their numbers. */
export function labelSvg() {
  const { data, nodes } = state.model;
  const svg = $("svg", page.diagram);
  const output = state.model.trunks.get(data.output);
  const numbers = (wire) => t("value %(value)s, gradient %(gradient)s", { value: numberText(known(wire, "value")), gradient: numberText(known(wire, "grad")) });
  svg.setAttribute("aria-label", t("Circuit of %(expr)s: output %(value)s, gradient %(gradient)s",
    { expr: data.expr, value: numberText(known(output, "value")), gradient: output.grad }));
  for (const node of data.nodes) {
    const gate = document.getElementById("gate-" + node.id);
    const wire = state.model.trunks.get(node.id);
    if (gate) gate.setAttribute("aria-label", t("gate %(gate)s computing %(expr)s: %(numbers)s", { gate: node.label, expr: node.expr, numbers: numbers(wire) }));
  }
  for (const wire of data.wires) {
    const group = document.getElementById(wire.id);
    if (!group) continue;
    const params = { expr: nodes.get(wire.node).expr, numbers: numbers(wire) };
    group.setAttribute("aria-label", wire.consumer ? t("wire %(expr)s into gate %(gate)s: %(numbers)s", { ...params, gate: nodes.get(wire.consumer).label })
      : t("wire %(expr)s: %(numbers)s", params));
  }
}

/** The diagram is one tab stop, not dozens: its first gate or wire until another is focused. */
export function keepTabStop() {
  if ($('[tabindex="0"]', page.diagram)) return;
  const first = diagramItems()[0];
  if (first) first.setAttribute("tabindex", "0");
}

/** The diagram's gates and wires, in reading order. */
export function diagramItems() {
  return readingOrder(state.model).map((id) => document.getElementById(id)).filter(Boolean);
}

export function focusItem(item) {
  for (const other of $$('[tabindex="0"]', page.diagram)) other.setAttribute("tabindex", "-1");
  item.setAttribute("tabindex", "0");
  item.focus();
}

/** The zoom and its toolbar: buttons, and the box following the window. */
export function setUpZoom() {
  page.zoom = new Zoom(page.diagram, showScale);
  for (const button of $$("[data-zoom]", page.zoomBar)) button.addEventListener("click", () => ZOOM_ACTIONS[button.dataset.zoom]());
  window.addEventListener("resize", () => page.zoom.resize());
}

/** The zoom toolbar says the scale, and offers only what would change it. */
function showScale(scale) {
  page.zoomLevel.textContent = Math.round(scale * 100) + "%";
  $('[data-zoom="actual"]', page.zoomBar).disabled = scale === 1;
}

/** A key that zooms (outside text fields); returns whether it was one. */
export function zoomByKey(event) {
  if (!(event.key in ZOOM_KEYS)) return false;
  event.preventDefault();
  ZOOM_ACTIONS[ZOOM_KEYS[event.key]]();
  return true;
}

/** An arrow key on the diagram's box, or with Shift on a gate or wire, pans; returns whether it did. */
export function panByKey(event) {
  const pan = PAN_KEYS[event.key];
  if (!pan || (event.target !== page.diagram && !event.shiftKey)) return false;
  event.preventDefault();
  page.zoom.pan(...pan);
  return true;
}
