/* What the step-through and inspect panels say, as DOM nodes built from the circuit model.
 *
 * Numbers are the server's formatted strings only. */

import { code, h } from "./dom.js";
import { useOf, wiredOperands } from "./circuit.js";
import { formula, localFormula } from "./formula.js";
import { fullNumber, numberSpan } from "./numbers.js";
import { t } from "./i18n.js";

/** The explanation of one step of the passes: values forward, the chain rule backward. */
export function explainStep(step, m) {
  const trunk = (id) => m.trunks.get(id);
  if (step.kind === "inputs") {
    const inputs = m.data.nodes.filter((node) => node.op === "input");
    const values = inputs.flatMap((node, index) => [index ? ", " : "", code(node.label), " = ", numberSpan(trunk(node.id).value, null, "value")]);
    return [h("p", null, h("strong", null, t("Forward pass.")), " ", t("The inputs: %(values)s.", { values }))];
  }
  const gate = step.node;
  if (step.kind === "forward") {
    const operands = wiredOperands(gate);
    const values = operands.flatMap(({ operand, name }, index) => [index ? ", " : "", formula(name, operand.symbol_latex), " = ", numberSpan(trunk(operand.node).value, null, "value")]);
    const params = { gate: code(gate.label), formula: formula(gate.formula, gate.formula_latex), values,
      expr: code(gate.expr), value: numberSpan(trunk(gate.id).value, null, "value") };
    return [h("p", null, h("strong", null, t("Forward.")), " ", operands.length
      ? t("Gate %(gate)s computes %(formula)s with %(values)s: %(expr)s = %(value)s.", params)
      : t("Gate %(gate)s computes %(formula)s: %(expr)s = %(value)s.", params))];
  }
  if (step.kind === "output") {
    return [h("p", null, h("strong", null, t("Backward pass.")), " ", t("It starts at the output %(expr)s: its gradient with respect to itself is %(gradient)s.",
      { expr: code(gate.expr), gradient: numberSpan(trunk(gate.id).grad, null, "gradient") }))];
  }
  const upstream = trunk(gate.id).grad;
  const lines = step.chains.map(({ operand, name, wire }) => h("li", null,
    formula(name, operand.symbol_latex), " = ", code(m.nodes.get(operand.node).expr), ": ",
    chain(upstream, operand.local_text, wire.grad),
    h("span", { class: "formula" }, " ", t("(local gradient %(formula)s)", { formula: localFormula(operand) }))));
  for (const source of step.forks) {
    const shares = m.branchesOf.get(source).map((wire) => wire.grad);
    lines.push(h("li", { class: "fork" }, t("Gradients add up at the fork of %(source)s: %(sum)s",
      { source: code(m.nodes.get(source).expr), sum: sum(shares, trunk(source).grad) })));
  }
  return [h("p", null, h("strong", null, t("Backward.")), " ", t("Gate %(gate)s (%(formula)s) passes its upstream gradient %(upstream)s back, times its local gradient for each input:",
    { gate: code(gate.label), formula: formula(gate.formula, gate.formula_latex), upstream: numberSpan(upstream, null, "gradient") })),
  h("ul", { class: "chain-rule" }, lines)];
}

/** upstream × local = downstream, each number kept on one line (entry by entry for vectors and
 * matrices). An array gate's local gradient is a rule, not numbers (`local` null): upstream →
 * downstream by its formula. */
function chain(upstream, local, downstream) {
  if (local === null) {
    return h("span", { class: "chain" }, t("upstream %(upstream)s → %(downstream)s", { upstream: numberSpan(upstream), downstream: numberSpan(downstream) }));
  }
  return h("span", { class: "chain" }, t("upstream %(upstream)s × local %(local)s = %(downstream)s",
    { upstream: numberSpan(upstream), local: numberSpan(local), downstream: numberSpan(downstream) }));
}

/** " = " and the local gradient's numbers, where a gate has them (not an array gate's rule). */
function localNumbers(operand) {
  return operand.local_text === null ? [] : [" = ", numberSpan(operand.local_text)];
}

/** The branches' gradients added up at a fork. */
function sum(shares, total) {
  return h("span", { class: "chain" }, shares.flatMap((share, index) => [index ? " + " : "", numberSpan(share)]), " = ",
    numberSpan(total));
}

/** A term and its description; `wide` ones (long expressions) take a line of their own on phones. */
function row(term, ...description) {
  return [h("dt", null, term), h("dd", null, ...description)];
}

function wideRow(term, ...description) {
  return [h("dt", { class: "wide" }, term), h("dd", { class: "wide" }, ...description)];
}

/** A gate: what it computes, its numbers, and the chain rule for each of its inputs. */
export function describeGate(gate, m) {
  const wire = m.trunks.get(gate.id);
  const upstream = wire.grad;
  const locals = wiredOperands(gate).map(({ operand, index, name }) => h("li", null,
    localFormula(operand), ...localNumbers(operand),
    "; ", t("%(name)s = %(expr)s gets %(chain)s", { name: formula(name, operand.symbol_latex), expr: code(m.nodes.get(operand.node).expr),
      chain: chain(upstream, operand.local_text, m.wireInto(gate, index, operand.node).grad) })));
  return [h("h3", null, t("Gate %(gate)s", { gate: code(gate.label) })), h("dl", null,
    wideRow(t("computes"), code(gate.expr)),
    row(t("formula"), formula(gate.formula, gate.formula_latex)),
    shapeRow(wire),
    row(t("value"), numberSpan(wire.value, fullNumber(m, wire, "value"), "value")),
    row(t("gradient"), numberSpan(upstream, fullNumber(m, wire, "grad"), "gradient")),
    tangentRow(wire, m),
    wideRow(t("local gradients"), h("ul", { class: "chain-rule" }, locals)))];
}

/** A wire: what it carries, its numbers, and where its gradient comes from. */
export function describeWire(wire, m) {
  const source = m.nodes.get(wire.node);
  const rows = [wideRow(t("carries"), code(source.expr)), shapeRow(wire),
    row(t("value"), numberSpan(wire.value, fullNumber(m, wire, "value"), "value")),
    row(t("gradient"), numberSpan(wire.grad, fullNumber(m, wire, "grad"), "gradient")), tangentRow(wire, m)];
  const forks = m.branchesOf.get(wire.node) || [];
  if (wire.node === m.data.output) {
    rows.push(wideRow(t("into"), t("the output: its gradient with respect to itself is %(gradient)s", { gradient: numberSpan(wire.grad) })));
  } else if (wire.consumer === null && forks.length) {
    rows.push(wideRow(t("into"), t("a fork to %(count)s gates; gradients add up: %(sum)s",
      { count: forks.length, sum: sum(forks.map((branch) => branch.grad), wire.grad) })));
  } else {
    const use = useOf(m, wire);
    const name = use.operand.symbol;
    const local = use.operand.local_text;
    rows.push(wideRow(t("into"), t("gate %(gate)s as %(name)s (%(formula)s)", { gate: code(use.gate.label),
      name: formula(name, use.operand.symbol_latex), formula: formula(use.gate.formula, use.gate.formula_latex) })),
      wideRow(t("local gradient"), localFormula(use.operand), ...localNumbers(use.operand)),
      wideRow(t("chain rule"), chain(m.trunks.get(use.gate.id).grad, local, wire.grad)));
  }
  const what = code(source.op === "input" ? source.label : source.expr);
  const title = wire.consumer === null ? t("Wire %(what)s", { what })
    : t("Branch of %(what)s into gate %(gate)s", { what, gate: code(m.nodes.get(wire.consumer).label) });
  return [h("h3", null, title), h("dl", null, ...rows.flat())];
}

/** A vector's or matrix's shape, as NumPy writes it; nothing for a number. The value and
 * gradient rows below show its whole tables, also past the 4 x 4 the diagram draws. */
function shapeRow(wire) {
  if (!wire.shape.length) return [];
  return row(t("shape"), code(`(${wire.shape.join(", ")}${wire.shape.length === 1 ? "," : ""})`));
}

/** Forward mode's number for a wire, as a row of the inspect panel, when it is on. */
function tangentRow(wire, m) {
  const wrt = m.data.options.wrt;
  return wrt && "tangent" in wire ? row("d/d" + wrt, numberSpan(wire.tangent, fullNumber(m, wire, "tangent"), "tangent")) : [];
}
