/* Numbers spelled as the server spells them, with the float behind each in full on hover.
 *
 * The page shows the server's strings (the chosen decimals, as the diagram). */

import { h } from "./dom.js";

/** A number as the diagram writes it, never broken across lines, its full precision as the
 * tooltip (none for a number still to find: `full` null). A vector or matrix (nested lists of
 * texts, and of full numbers) is its table (numberTable). */
export function numberSpan(text, full = null, kind = "") {
  if (Array.isArray(text)) return numberTable(text, full, kind);
  return h("span", { class: (kind ? kind + " " : "") + "number", title: full }, text);
}

/** Whether a number's text is one the diagram flags: inf, -inf or nan. */
export const isFlaggedText = (text) => text === "inf" || text === "-inf" || text === "nan";

/** A vector (one row) or matrix as a table of its entries' texts, each flagged as the diagram
 * flags inf and nan, with its full precision on hover (`full`: nested lists of the same shape);
 * an entry still to find (null) is "?". */
export function numberTable(texts, full = null, kind = "") {
  const isVector = !Array.isArray(texts[0]);
  const rows = isVector ? [texts] : texts;
  const fullRows = full === null ? null : isVector ? [full] : full;
  return h("table", { class: "tensor" + (kind ? " " + kind : "") }, h("tbody", null, rows.map((row, i) =>
    h("tr", null, row.map((text, j) => h("td", { class: isFlaggedText(text) ? "flagged" : null,
      title: text === null || fullRows === null ? null : fullRows[i][j] }, text ?? "?"))))));
}

/** A number's text, or a vector's or matrix's as nested brackets ("[[1.00, 2.00], [3.00, ?]]"),
 * for words such as an accessible name. */
export function numberText(text) {
  if (text === null) return "?";
  return Array.isArray(text) ? "[" + text.map(numberText).join(", ") + "]" : text;
}

/** The float behind a wire's number ("value", "grad" or "tangent") in an /api/graph model,
 * spelled in full (for a vector or matrix, nested lists of the spellings). */
export function fullNumber(m, wire, kind) {
  const node = m.nodes.get(wire.node);
  if (kind === "value") return spellFull(node.value);
  if (kind === "tangent") return spellFull(m.data.tangents[wire.node]);
  const grad = wire.consumer === null ? node.grad : m.nodes.get(wire.consumer).operands[wire.operand].grad;
  return spellFull(grad);
}

function spellFull(number) {
  if (number === null || number === undefined) return null;
  return Array.isArray(number) ? number.map(spellFull) : reprLikePython(number);
}

/** Python's repr of a float, which the server's table shows: JavaScript's String() gives the
 * same shortest round-trip digits, only spelled differently ("2" for 2.0, "1e-7" for 1e-07).
 * No rounding happens here. JSON carries inf and nan as "Infinity", "-Infinity" and "NaN". */
export function reprLikePython(number) {
  const named = { NaN: "nan", Infinity: "inf", "-Infinity": "-inf" };
  if (typeof number === "string") return named[number] || number;
  if (number === 0) return Object.is(number, -0) ? "-0.0" : "0.0";
  const [mantissa, exponent = "0"] = String(Math.abs(number)).split("e");
  const [whole, fraction = ""] = mantissa.split(".");
  const all = whole + fraction;
  const digits = all.replace(/^0+/, "").replace(/0+$/, "");
  const point = whole.length + Number(exponent) - (all.length - all.replace(/^0+/, "").length); // value = 0.digits × 10^point
  const sign = number < 0 ? "-" : "";
  const scientific = point - 1;
  if (scientific < -4 || scientific >= 16) {
    const exponentText = String(Math.abs(scientific)).padStart(2, "0");
    return `${sign}${digits[0]}${digits.length > 1 ? "." + digits.slice(1) : ""}e${scientific < 0 ? "-" : "+"}${exponentText}`;
  }
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
