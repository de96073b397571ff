/* Practice mode: the numbers the diagram draws as "?" (wires[].hidden of /api/graph) are the
 * student's to find. Pure helpers over the circuit model of circuit.js; app.js wires them up.
 *
 * An answer is right when it is the server's formatted string, or within half a unit of the
 * last decimal shown of the true number: at 2 decimals, 0.37 and 0.368 are both right for
 * 0.36788. The true numbers are /api/graph's floats; nothing is formatted here.
 *
 * `known(wire, kind)` is how the page tells these helpers what the student may see: the shown
 * string of a number that is not hidden or already found, null for one still to find. */

import { code, h } from "./dom.js";
import { nodeName, wiredOperands } from "./circuit.js";

export const KINDS = ["value", "grad"]; // the order of wires[].hidden (and of .flagged)
export const KIND_NAMES = { value: "value", grad: "gradient" };

export function isHidden(wire, kind) {
  return Boolean(wire.hidden && wire.hidden[KINDS.indexOf(kind)]);
}

/** The kind of number this wire asks for, or null. */
export function askedKind(wire) {
  return KINDS.find((kind) => isHidden(wire, kind)) || null;
}

const NAMED = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

/** The float behind a wire's value or gradient (JSON names inf and nan). */
export function trueNumber(m, wire, kind) {
  const node = m.nodes.get(wire.node);
  let number;
  if (kind === "value") number = node.value;
  else if (wire.consumer === null) number = node.grad;
  else number = m.nodes.get(wire.consumer).operands[wire.operand].grad; // a branch's own share
  return typeof number === "string" ? NAMED[number] : number;
}

const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
// The server's spelling: fixed decimals, or e-notation past 1e9 ("1.50e+09").
const SHOWN = /^-?[0-9]+(?:\.([0-9]+))?(?:e([+-][0-9]+))?$/;

/** true (right), false (wrong) or null (nothing typed yet). */
export function checkAnswer(typed, shown, truth) {
  const answer = typed.trim().replace(/^[\u2212\u2013]/, "-"); // a typographic minus is a minus
  if (answer === "") return null;
  if (answer.toLowerCase() === shown.toLowerCase()) return true; // also "inf" and "nan"
  const format = SHOWN.exec(shown);
  if (!format || !DECIMAL.test(answer) || !Number.isFinite(truth)) return false;
  const unit = 10 ** (Number(format[2] || 0) - (format[1] || "").length);
  // A hair over half a unit, so that a tie such as 0.125 at 2 decimals takes 0.12 and 0.13
  // whichever way its binary value leans.
  return Math.abs(Number(answer) - truth) <= (unit / 2) * (1 + 1e-9);
}

/** The hint for a hidden number: the rule that gives it, with the numbers it needs as far as
 * the student has them, never the number itself. */
export function hint(m, wire, kind, known) {
  return kind === "grad" ? gradientHint(m, wire, known) : valueHint(m, wire, known);
}

const toFind = () => h("span", { class: "to-find" }, "?");
const shownOr = (text, kind) => (text === null ? toFind() : h("span", { class: kind === "grad" ? "gradient" : "value" }, text));

function gradientHint(m, wire, known) {
  const node = m.nodes.get(wire.node);
  const branches = wire.consumer === null ? m.branchesOf.get(wire.node) || [] : [];
  if (branches.length) {
    const shares = branches.map((branch) => known(branch, "grad"));
    return [
      h("p", null, "Gradients add up at a fork: the gradient of ", code(nodeName(node)), ` is the sum of its ${branches.length} branches' gradients.`),
      h("p", { class: "chain" }, shares.flatMap((share, index) => [index ? " + " : "", shownOr(share, "grad")]), " = ?"),
      shares.includes(null) ? h("p", { class: "note" }, "Find each branch's gradient first.") : null,
    ];
  }
  const use = wire.consumer === null
    ? m.uses.get(wire.node)[0]
    : m.uses.get(wire.node).find((entry) => entry.gate.id === wire.consumer && entry.index === wire.operand);
  const gate = use.gate;
  const name = wiredOperands(gate).find((entry) => entry.index === use.index).name;
  const upstream = known(m.trunks.get(gate.id), "grad");
  const local = use.operand.local_text;
  return [
    h("p", null, "Chain rule at gate ", code(gate.label), " (", code(gate.formula), "), where this wire is ", code(name),
      ": its gradient is upstream × local."),
    h("ul", { class: "chain-rule" },
      h("li", null, "upstream, the gradient of the gate's output ", code(nodeName(gate)), ": ", shownOr(upstream, "grad"),
        upstream === null ? " (find that one first)" : ""),
      h("li", null, "local: ∂/∂", code(name), " = ", code(use.operand.local_formula), " = ", local)),
    h("p", { class: "chain" }, shownOr(upstream, "grad"), ` × ${local} = ?`),
  ];
}

function valueHint(m, wire, known) {
  const node = m.nodes.get(wire.node);
  if (wire.consumer !== null) {
    return [h("p", null, "A branch carries the same value as the wire before its fork, ", code(nodeName(node)), ": ",
      shownOr(knownValue(m, node.id, known), "value"), ".")];
  }
  const inputs = wiredOperands(node).map(({ operand, name }) => h("li", null, code(name), " = ",
    code(nodeName(m.nodes.get(operand.node))), ": ", shownOr(knownValue(m, operand.node, known), "value")));
  return [
    h("p", null, "Gate ", code(node.label), " computes ", code(node.formula), " from its input", inputs.length > 1 ? "s" : "", ":"),
    h("ul", { class: "chain-rule" }, inputs),
    h("p", { class: "note" }, "Here that is ", code(node.expr), "."),
  ];
}

/** A node's value, if the student can see it on any of its wires (a fork's branches repeat it). */
function knownValue(m, nodeId, known) {
  const wires = [m.trunks.get(nodeId), ...(m.branchesOf.get(nodeId) || [])];
  return wires.map((wire) => known(wire, "value")).find((text) => text !== null) ?? null;
}

/** What the inspect panel says about a gate or a wire while practising: what it computes and
 * its numbers as far as the student may see them, and the hint for the one to find. */
export function describePractice(id, m, known) {
  const wire = id.startsWith("gate-") ? m.trunks.get(id.slice("gate-".length)) : m.wires.get(id);
  if (!wire) return [];
  const node = m.nodes.get(wire.node);
  const title = id.startsWith("gate-")
    ? ["Gate ", code(node.label), " and its wire"]
    : wire.consumer === null ? ["Wire ", code(nodeName(node))] : ["Branch of ", code(nodeName(node)), " into gate ", code(m.nodes.get(wire.consumer).label)];
  const kind = askedKind(wire);
  return [
    h("h3", null, ...title),
    h("dl", null,
      h("dt", { class: "wide" }, "carries"), h("dd", { class: "wide" }, code(node.expr)),
      h("dt", null, "value"), h("dd", null, shownOr(known(wire, "value"), "value")),
      h("dt", null, "gradient"), h("dd", null, shownOr(known(wire, "grad"), "grad"))),
    ...(kind && known(wire, kind) === null
      ? [h("p", null, h("strong", null, "Hint. ")), ...hint(m, wire, kind, known),
        h("p", { class: "note" }, "Type the ", KIND_NAMES[kind], " in the practice table below (click the wire to go there).")]
      : []),
  ];
}
