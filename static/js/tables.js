// The tables of the circuit's numbers: the summary (output and inputs) and every wire, as the diagram writes them.

import { $, code, h } from "./dom.js";
import { nodeName } from "./circuit.js";
import { fullNumber, numberTable } from "./numbers.js";
import { page, state } from "./state.js";
import { known, practising } from "./answers.js";
import { t } from "./i18n.js";

/** The server-drawn table of the output and the inputs' gradients, as the diagram writes them. */
export function fillSummary() {
  const { data, trunks } = state.model;
  const numbers = (wire) => [numberCell(wire, "value"), numberCell(wire, "grad")];
  const rows = [h("tr", null, h("th", { scope: "row" }, t("output")), numbers(trunks.get(data.output)))];
  for (const node of data.nodes.filter((node) => node.op === "input")) {
    rows.push(h("tr", null, h("th", { scope: "row" }, node.label), numbers(trunks.get(node.id))));
  }
  $("tbody", page.summary).replaceChildren(...rows);
}

/** A table cell of a wire's number as drawn, flagged where the diagram flags it, with its full
 * precision on hover. While practising, a number to find shows as "?" until it is found. */
function numberCell(wire, kind) {
  const index = ["value", "grad", "tangent"].indexOf(kind);
  const text = known(wire, kind);
  if (Array.isArray(text)) { // a vector or matrix: its table, flagged entry by entry
    return h("td", { class: (kind === "grad" ? "gradient" : kind) + " tensor-cell" },
      numberTable(text, fullNumber(state.model, wire, kind)));
  }
  return h("td", { class: (kind === "grad" ? "gradient" : kind) + (text !== null && wire.flagged[index] ? " flagged" : ""),
    title: text === null ? null : fullNumber(state.model, wire, kind) }, text ?? "?");
}

/** Every wire in table order, each node's own wire followed by its fork's branches, with the
 * row header that names it and where it goes. */
export function wireEntries() {
  const { data, nodes, trunks, branchesOf, uses } = state.model;
  const entries = [];
  for (const node of data.nodes) {
    const forks = branchesOf.get(node.id) || [];
    const consumers = uses.get(node.id);
    let into = t("output");
    if (forks.length) into = t("fork to %(count)s", { count: forks.length });
    else if (consumers.length) into = t("gate %(gate)s", { gate: consumers[0].gate.label });
    // A named step reads as the program has it: q = x+y.
    const carries = node.name && node.name !== node.expr ? `${node.name} = ${node.expr}` : node.expr;
    entries.push({ wire: trunks.get(node.id), header: () => h("th", { scope: "row" }, code(carries)), into,
      name: nodeName(node) });
    for (const branch of forks) {
      const gate = nodes.get(branch.consumer);
      entries.push({ wire: branch, header: () => h("th", { scope: "row", class: "branch" }, "↳ ", t("branch of %(node)s", { node: code(node.label) })),
        into: t("gate %(gate)s, operand %(operand)s", { gate: gate.label, operand: branch.operand + 1 }),
        name: t("%(node)s into gate %(gate)s", { node: nodeName(node), gate: gate.label }) });
    }
  }
  return entries;
}

/** Every wire's numbers as drawn; while practising, the practice table takes its place. */
export function fillWireTable() {
  const { data } = state.model;
  if (practising()) {
    page.wireTable.hidden = true;
    $("tbody", page.wireTable).replaceChildren();
    return;
  }
  const rows = wireEntries().map(({ wire, header, into }) => wireRow(wire, header(), into));
  const columns = [t("wire"), t("into"), t("value"), t("gradient")];
  if (data.options.wrt) columns.push("d/d" + data.options.wrt);
  $("thead", page.wireTable).replaceChildren(h("tr", null, columns.map((name, index) =>
    h("th", { scope: "col", class: index === 1 ? "into" : null }, name))));
  $("tbody", page.wireTable).replaceChildren(...rows);
  page.wireTable.hidden = false;
}

function wireRow(wire, header, into) {
  return h("tr", { "data-wire": wire.id }, header, h("td", { class: "into" }, into),
    numberCell(wire, "value"), numberCell(wire, "grad"), "tangent" in wire ? numberCell(wire, "tangent") : null);
}
