// Practice's answers: which numbers the student may see, found or shown, and what they were.

import { state } from "./state.js";
import { isHidden } from "./practice.js";

export function practising() {
  return Boolean(state.data && state.data.options.practice);
}

/** The answers of one exercise: the circuit at these values, in this mode and precision. New
 * values (a slider, "New values") are a new exercise: its numbers are others. */
export function exerciseKey(data = state.data) {
  const { composites, precision, practice } = data.options;
  return [data.expr, composites, precision, practice, JSON.stringify(data.variables)].join("\n");
}

/** The key of one number to find: a wire's value or gradient, or one entry (`[1, 0]`) of a
 * vector's or matrix's, each checked on its own. */
export function answerKey(wire, kind, data = state.data, entry = null) {
  const key = [exerciseKey(data), wire.id, kind];
  if (entry !== null) key.push(entry.join(","));
  return key.join("\n");
}

/** Nested lists of the shape ([n] or [m, n]) whose entries are made by `make(index)`. */
export function entryGrid(shape, make) {
  const range = (size) => Array.from({ length: size }, (_, i) => i);
  if (shape.length === 1) return range(shape[0]).map((i) => make([i]));
  return range(shape[0]).map((i) => range(shape[1]).map((j) => make([i, j])));
}

/** Every index of a shape ([n] or [m, n]), in row order. */
export function entryIndices(shape) {
  return entryGrid(shape, (index) => index).flat(shape.length - 1);
}

/** The entry of nested lists at an index. */
export function entryAt(nested, index) {
  return index.reduce((inner, i) => inner[i], nested);
}

/** What the student may see of a wire's number: the server's string, or null while it is a
 * number to find not yet found (/api/graph does not have it: the server gives it once the
 * student's answer is right, or when asked). Everything on the page that shows numbers asks this. */
export function known(wire, kind) {
  if (!isHidden(wire, kind)) return wire[kind];
  if (wire.shape.length) return knownEntries(wire, kind, (entry) => entry.shown);
  const entry = state.answers.get(answerKey(wire, kind));
  return entry && entry.shown !== null ? entry.shown : null;
}

/** Of a hidden vector or matrix, what is known of each entry (`pick` of its answer, null while
 * to find), or null while none is known. */
function knownEntries(wire, kind, pick, data = state.data) {
  let any = false;
  const grid = entryGrid(wire.shape, (index) => {
    const entry = state.answers.get(answerKey(wire, kind, data, index));
    if (!entry || entry.shown === null) return null;
    any = true;
    return pick(entry);
  });
  return any ? grid : null;
}

/** Whether a number the student may see is inf or nan (a hidden one's flag comes with it). */
export function isFlagged(wire, kind) {
  if (!isHidden(wire, kind)) return wire.flagged[kind === "value" ? 0 : 1];
  if (wire.shape.length) return Boolean(knownEntries(wire, kind, (entry) => entry.flagged)?.flat().some(Boolean));
  const entry = state.answers.get(answerKey(wire, kind));
  return Boolean(entry && entry.flagged);
}

/** The numbers found or shown, in full, into the circuit's data (which has null for them),
 * where the tables read a number's full precision. */
export function fillFoundNumbers(data) {
  const nodes = new Map(data.nodes.map((node) => [node.id, node]));
  for (const wire of data.wires) {
    for (const kind of ["value", "grad"]) {
      if (!isHidden(wire, kind)) continue;
      // A vector's or matrix's entries found so far, null where still to find.
      const entry = wire.shape.length ? { number: knownEntries(wire, kind, (found) => found.number, data) }
        : state.answers.get(answerKey(wire, kind, data));
      if (!entry || entry.number === null) continue;
      if (kind === "value") nodes.get(wire.node).value = entry.number;
      else if (wire.consumer === null) nodes.get(wire.node).grad = entry.number;
      else nodes.get(wire.consumer).operands[wire.operand].grad = entry.number;
    }
  }
}
