/* The lecture's lessons for the circuit on screen as DOM nodes: chain rule, gradient check, formulas.
 *
 * Without JavaScript the template writes the same tables from the same data
 * (tests/test_browser.py compares them word for word).
 *
 * The chain rule is the backward steps of /api/graph's circuit document, with its numbers as the
 * diagram shows them and each gate's intuition, so it follows every scrub at once; the gradient
 * check, the formulas and the code come from /api/explain, which is slower and asked for less often. */

import { code, h } from "./dom.js";
import { nodeName } from "./circuit.js";
import { formula, localFormula } from "./formula.js";
import { fullNumber, numberSpan, numberTable, reprLikePython } from "./numbers.js";
import { t } from "./i18n.js";

/** One <tbody> per gate in backward order, and after the gate whose branch completes a fork, the
 * fork's sum (the step-through's order, as the server's document gives it). */
export function chainRuleBodies(m) {
  const bodies = [];
  for (const step of m.steps) {
    if (step.kind !== "backward") continue;
    bodies.push(gateBody(step, m, step.node.intuition));
    for (const source of step.forks) bodies.push(forkBody(source, m));
  }
  return bodies;
}

function gateBody(step, m, intuition) {
  const gate = step.node;
  const upstream = m.trunks.get(gate.id).grad;
  const rows = step.chains.map(({ operand, name, wire }) => {
    const source = nodeName(m.nodes.get(operand.node));
    const local = operand.local_text;
    // An array gate's local gradient is a rule (null): upstream → downstream by its formula.
    const localNumbers = local === null ? [] : Array.isArray(local) ? [" = ", numberTable(local)] : [` = ${local}`];
    return h("tr", null,
      h("td", { class: "operand", "data-label": t("input") }, formula(name, operand.symbol_latex), " = ", code(source)),
      h("td", { class: "local", "data-label": t("local gradient") }, localFormula(operand), ...localNumbers, ...ruleOf(operand)),
      h("td", { class: "chain", "data-label": t("chain rule") },
        numberSpan(upstream, fullNumber(m, m.trunks.get(gate.id), "grad"), "gradient"),
        ...(local === null ? [" → "] : [" × ", numberSpan(local), " = "]),
        numberSpan(wire.grad, fullNumber(m, wire, "grad"), "gradient")));
  });
  const header = h("th", { scope: "rowgroup", rowspan: String(rows.length + (intuition ? 1 : 0)), class: "gate-cell" },
    h("span", { class: "gate-label" }, gate.label), " ", code((gate.name ? gate.name + " = " : "") + gate.expr));
  rows[0].prepend(header);
  if (intuition) rows.push(h("tr", { class: "intuition" }, h("td", { colspan: "3" }, intuition)));
  return h("tbody", { "data-gate": gate.id }, rows);
}

/** A wire into a gate of vectors or matrices: its gradient as the staged code computes it, with the
 * shapes it maps (dW = np.outer(dh, x), (3,) ⊗ (2,) → (3, 2)), as the template writes it. */
function ruleOf(operand) {
  if (!operand.rule) return [];
  return [h("span", { class: "rule" }, code(operand.rule), " ", h("span", { class: "rule-shapes" }, operand.shapes))];
}

function forkBody(source, m) {
  const shares = m.branchesOf.get(source).map((branch) => numberSpan(branch.grad, fullNumber(m, branch, "grad")));
  const total = m.trunks.get(source);
  return h("tbody", { class: "fork", "data-fork": source },
    h("tr", null,
      h("th", { scope: "rowgroup", class: "gate-cell" }, h("span", { class: "gate-label fork-label" }, t("fork"))),
      h("td", { colspan: "2", class: "operand" }, t("Gradients add up at the fork of %(source)s", { source: code(nodeName(m.nodes.get(source))) })),
      h("td", { class: "chain", "data-label": t("branches added up") },
        shares.flatMap((share, index) => [index ? " + " : "", share]), " = ",
        numberSpan(total.grad, fullNumber(m, total, "grad"), "gradient"))));
}

/** A cell of a number as the server wrote it at the chosen decimals, its full precision on hover. */
const numberCell = (label, text, number, kind = "") =>
  h("td", { class: (kind ? kind + " " : "") + "number", "data-label": label, title: reprLikePython(number) }, text);

/** The gradient check: one row per input, and under it the kink warning when there is one. The
 * verdict is a word and a mark (CSS), not only a colour. */
export function gradcheckRows(checks) {
  return checks.flatMap((check) => [
    h("tr", { "data-input": check.name },
      h("th", { scope: "row" }, check.name),
      numberCell(t("value"), check.value_text, check.value),
      numberCell(t("analytic"), check.analytic_text, check.analytic, "gradient"),
      numberCell(t("numeric"), check.numeric_text, check.numeric),
      h("td", { "data-label": t("relative error") }, check.relative_error_text),
      h("td", { class: "verdict verdict-" + check.verdict.replace(/ /g, "-"), "data-label": t("verdict") },
        h("span", { "aria-hidden": "true", class: "verdict-mark" }), check.verdict_text)),
    check.warning ? h("tr", { class: "kink" }, h("td", { colspan: "6" },
      h("span", { class: "warning" }, h("span", { "aria-hidden": "true" }, "⚠ "), check.warning))) : null,
  ]).filter(Boolean);
}

/** The inputs SymPy has formulas for, in the order typed (the JSON object comes with its keys sorted). */
const symbolicInputs = (symbolic, m) => m.data.nodes.filter((node) => node.op === "input" && node.name in symbolic);

/** d output / d input as SymPy's formula, its value, the backward pass's number beside it, and
 * whether the two agree (or why not); `notSimplified`, the note for a formula left as it came. */
export function symbolicRows(symbolic, m, notSimplified) {
  return symbolicInputs(symbolic, m).map((input) => [input, symbolic[input.name]]).map(([input, gradient]) => h("tr", { "data-input": input.name },
    h("th", { scope: "row" }, `∂f/∂${input.name}`),
    h("td", { class: "formula-cell", "data-label": t("formula") }, formula(gradient.formula, gradient.formula_latex),
      gradient.simplified ? null : [" ", h("span", { class: "note" }, `(${notSimplified})`)],
      gradient.lecture_form ? h("span", { class: "lecture-form" }, "= ", formula(gradient.lecture_form, gradient.lecture_form_latex)) : null),
    gradient.value === null ? h("td", { "data-label": t("its value") }, t("no real value"))
      : numberCell(t("its value"), gradient.value_text, gradient.value),
    numberCell(t("backward pass"), m.trunks.get(input.id).grad, input.grad, "gradient"),
    h("td", { class: "agreement agreement-" + (gradient.agrees ? "agrees" : "differs"), "data-label": t("against the backward pass") },
      gradient.agrees ? t("agrees") : t("does not agree: %(why)s", { why: gradient.differs }))));
}
