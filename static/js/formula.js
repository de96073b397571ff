/* Formulas as the lecture writes them, typeset by KaTeX from the LaTeX the server prints.
 *
 * KaTeX is static/vendor/katex, which the page loads before its modules; the LaTeX comes from
 * SymPy's expressions, never from text the user typed. Where KaTeX is not there, or cannot set a
 * formula, the plain text stays. */

import { h } from "./dom.js";

/** A formula: its plain text in a <code class="math">, typeset where KaTeX can. */
export function formula(text, latex) {
  const element = h("code", { class: "math" }, text);
  typeset(element, latex);
  return element;
}

/** ∂/∂α = exp(α): the local gradient of a gate's wire, named as its gate's formulas name it. */
export function localFormula(operand) {
  return formula(`∂/∂${operand.symbol} = ${operand.local_formula}`, localLatex(operand));
}

/** The same in LaTeX, as templates/index.html writes it for the page without JavaScript. */
function localLatex(operand) {
  return `\\partial/\\partial ${operand.symbol_latex} = ${operand.local_formula_latex}`;
}

/** Replaces the element's plain text by the typeset formula, keeping the text as its title. */
function typeset(element, latex) {
  const katex = globalThis.katex;
  if (!katex || !latex) return;
  const text = element.textContent;
  try {
    // throwOnError: KaTeX's own error message carries an inline style, which the CSP refuses; a
    // formula KaTeX cannot parse keeps its plain text (render touches the element only on success).
    // \displaystyle: fractions at full size, as the lecture writes them, though set in a line of text.
    katex.render("\\displaystyle " + latex, element, { throwOnError: true });
  } catch {
    return;
  }
  element.classList.add("typeset");
  element.title = text;
}

/** Typesets the formulas the server wrote into the page (`data-latex`), which stay until the
 * script's own tables replace them. */
export function typesetPage() {
  for (const element of document.querySelectorAll("code.math[data-latex]")) typeset(element, element.dataset.latex);
}
