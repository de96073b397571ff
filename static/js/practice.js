/* Practice mode's policy: which numbers are the student's to find, and the hints for them.
 *
 * The numbers the diagram draws as "?" (wires[].hidden of /api/graph) are the student's to
 * find. Pure helpers over the circuit model of circuit.js; practice-page.js calls them.
 *
 * The page never has the numbers to find: /api/graph leaves them out (null), and so every
 * number they could be worked out from. The server checks an answer (POST /api/check) and
 * gives a number only when it is found or asked for (POST /api/answer).
 *
 * `known(wire, kind)` is how the page tells these helpers what the student may see: the shown
 * string of a number that is not hidden or already found, null for one still to find. */

import { code, h } from "./dom.js";
import { nodeName, useOf, wiredOperands } from "./circuit.js";
import { numberTable } from "./numbers.js";
import { t } from "./i18n.js";

const KINDS = ["value", "grad"]; // the order of wires[].hidden (and of .flagged)
/** "value" or "gradient", in the page's language: what a number to find is. */
export const kindName = (kind) => (kind === "grad" ? t("gradient") : t("value"));

export function isHidden(wire, kind) {
  return Boolean(wire.hidden && wire.hidden[KINDS.indexOf(kind)]);
}

/** The kind of number this wire asks the student for, or null: the mode's kind. (Finding the
 * values hides the gradients too, which would give them away, but does not ask for them.) */
export function askedKind(m, wire) {
  const kind = m.data.options.practice === "values" ? "value" : "grad";
  return isHidden(wire, kind) ? kind : null;
}

/** The hint for a hidden number: the rule that gives it, with the numbers it needs as far as
 * the student has them, never the number itself. */
export function hint(m, wire, kind, known) {
  return kind === "grad" ? gradientHint(m, wire, known) : valueHint(m, wire, known);
}

const toFind = () => h("span", { class: "to-find" }, "?");
const shownOr = (text, kind) => (text === null ? toFind()
  : Array.isArray(text) ? numberTable(text, null, kind === "grad" ? "gradient" : "value")
  : h("span", { class: kind === "grad" ? "gradient" : "value" }, text));

function gradientHint(m, wire, known) {
  const node = m.nodes.get(wire.node);
  const branches = wire.consumer === null ? m.branchesOf.get(wire.node) || [] : [];
  if (branches.length) {
    const shares = branches.map((branch) => known(branch, "grad"));
    return [
      h("p", null, t("Gradients add up at a fork: the gradient of %(node)s is the sum of its %(count)s branches' gradients.",
        { node: code(nodeName(node)), count: branches.length })),
      h("p", { class: "chain" }, shares.flatMap((share, index) => [index ? " + " : "", shownOr(share, "grad")]), " = ?"),
      shares.includes(null) ? h("p", { class: "note" }, t("Find each branch's gradient first.")) : null,
    ];
  }
  const use = useOf(m, wire);
  const gate = use.gate;
  const name = use.operand.symbol;
  const upstream = known(m.trunks.get(gate.id), "grad");
  // The local gradient as a formula of the gate's inputs, whose values the diagram shows: its
  // number would be the answer itself where the upstream is 1.
  const local = use.operand.local_formula;
  return [
    h("p", null, t("Chain rule at gate %(gate)s (%(formula)s), where this wire is %(name)s: its gradient is upstream × local.",
      { gate: code(gate.label), formula: code(gate.formula), name: code(name) })),
    h("ul", { class: "chain-rule" },
      h("li", null, t("upstream, the gradient of the gate's output %(output)s: %(upstream)s",
        { output: code(nodeName(gate)), upstream: shownOr(upstream, "grad") }), upstream === null ? " " + t("(find that one first)") : ""),
      h("li", null, t("local: ∂/∂%(name)s = %(local)s, at the values of the gate's inputs", { name: code(name), local: code(local) }))),
    h("p", { class: "chain" }, shownOr(upstream, "grad"), " × ", code(local), " = ?"),
  ];
}

function valueHint(m, wire, known) {
  const node = m.nodes.get(wire.node);
  if (wire.consumer !== null) {
    return [h("p", null, t("A branch carries the same value as the wire before its fork, %(node)s: %(value)s.",
      { node: code(nodeName(node)), value: shownOr(knownValue(m, node.id, known), "value") }))];
  }
  const inputs = wiredOperands(node).map(({ operand, name }) => h("li", null, code(name), " = ",
    code(nodeName(m.nodes.get(operand.node))), ": ", shownOr(knownValue(m, operand.node, known), "value")));
  return [
    h("p", null, inputs.length > 1
      ? t("Gate %(gate)s computes %(formula)s from its inputs:", { gate: code(node.label), formula: code(node.formula) })
      : t("Gate %(gate)s computes %(formula)s from its input:", { gate: code(node.label), formula: code(node.formula) })),
    h("ul", { class: "chain-rule" }, inputs),
    h("p", { class: "note" }, t("Here that is %(expr)s.", { expr: code(node.expr) })),
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
    ? t("Gate %(gate)s and its wire", { gate: code(node.label) })
    : wire.consumer === null ? t("Wire %(what)s", { what: code(nodeName(node)) })
      : t("Branch of %(what)s into gate %(gate)s", { what: code(nodeName(node)), gate: code(m.nodes.get(wire.consumer).label) });
  const kind = askedKind(m, wire);
  return [
    h("h3", null, title),
    h("dl", null,
      h("dt", { class: "wide" }, t("carries")), h("dd", { class: "wide" }, code(node.expr)),
      h("dt", null, t("value")), h("dd", null, shownOr(known(wire, "value"), "value")),
      h("dt", null, t("gradient")), h("dd", null, shownOr(known(wire, "grad"), "grad"))),
    ...(kind && known(wire, kind) === null
      ? [h("p", null, h("strong", null, t("Hint."))), ...hint(m, wire, kind, known),
        h("p", { class: "note" }, t("Type the %(kind)s in the practice table below (click the wire to go there).", { kind: kindName(kind) }))]
      : []),
  ];
}
