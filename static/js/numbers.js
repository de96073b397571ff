/* Numbers spelled as the server spells them, with the float behind each in full on hover.
 *
 * The page shows the server's strings (the chosen decimals, as the diagram). */

import { h } from "./dom.js";

/** A number as the diagram writes it, never broken across lines, its full precision as the
 * tooltip (none for a number still to find: `full` null). */
export function numberSpan(text, full = null, kind = "") {
  return h("span", { class: (kind ? kind + " " : "") + "number", title: full }, text);
}

/** The float behind a wire's number ("value", "grad" or "tangent") in an /api/graph model,
 * spelled in full. */
export function fullNumber(m, wire, kind) {
  const node = m.nodes.get(wire.node);
  if (kind === "value") return reprLikePython(node.value);
  if (kind === "tangent") return reprLikePython(m.data.tangents[wire.node]);
  const grad = wire.consumer === null ? node.grad : m.nodes.get(wire.consumer).operands[wire.operand].grad;
  return reprLikePython(grad);
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
