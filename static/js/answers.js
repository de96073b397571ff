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

export function answerKey(wire, kind, data = state.data) {
  return [exerciseKey(data), wire.id, kind].join("\n");
}

/** What the student may see of a wire's number: the server's string, or null while it is a
 * number to find not yet found (/api/graph does not have it: the server gives it once the
 * student's answer is right, or when asked). Everything on the page that shows numbers asks this. */
export function known(wire, kind) {
  if (!isHidden(wire, kind)) return wire[kind];
  const entry = state.answers.get(answerKey(wire, kind));
  return entry && entry.shown !== null ? entry.shown : null;
}

/** Whether a number the student may see is inf or nan (a hidden one's flag comes with it). */
export function isFlagged(wire, kind) {
  if (!isHidden(wire, kind)) return wire.flagged[kind === "value" ? 0 : 1];
  const entry = state.answers.get(answerKey(wire, kind));
  return Boolean(entry && entry.flagged);
}

/** The numbers found or shown, in full, into the circuit's data (which has null for them),
 * where the tables read a number's full precision. */
export function fillFoundNumbers(data) {
  const nodes = new Map(data.nodes.map((node) => [node.id, node]));
  for (const wire of data.wires) {
    for (const kind of ["value", "grad"]) {
      const entry = isHidden(wire, kind) ? state.answers.get(answerKey(wire, kind, data)) : null;
      if (!entry || entry.number === null) continue;
      if (kind === "value") nodes.get(wire.node).value = entry.number;
      else if (wire.consumer === null) nodes.get(wire.node).grad = entry.number;
      else nodes.get(wire.consumer).operands[wire.operand].grad = entry.number;
    }
  }
}
