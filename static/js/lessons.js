// The lessons below the diagram: the chain rule gate by gate, the gradient check, the symbolic gradients, the code.

import { $, $$ } from "./dom.js";
import { chainRuleBodies, gradcheckRows, symbolicRows } from "./explain.js";
import { page, state } from "./state.js";
import { practising } from "./answers.js";
import { request } from "./request.js";
import { t } from "./i18n.js";

// /api/explain (gradient check, symbolic gradients, code) is slow next to /api/graph and counts
// against the stricter limit: ask for it once the numbers have stopped changing for this long.
const EXPLAIN_DELAY_MS = 400;
// The chain rule's first steps shown before "Show all"; a table only this many steps longer is shown whole.
const CHAIN_RULE_FOLD_AFTER = 24;
const CHAIN_RULE_FOLD_AT_LEAST = 8;

/** From /api/graph (its steps, numbers and intuitions), so it follows every change at once. */
export function fillChainRule() {
  const hide = practising();
  page.chainRuleSection.hidden = hide;
  for (const body of $$("tbody", page.chainRule)) body.remove();
  if (!hide) page.chainRule.append(...chainRuleBodies(state.model));
  foldChainRule();
}

/** A long chain rule shows its first gates (the output's end, where the backward pass starts)
 * and a button for the rest: 300 gates would make a table tens of thousands of pixels tall. */
function foldChainRule() {
  const bodies = $$("tbody", page.chainRule);
  const folded = !state.chainRuleUnfolded && bodies.length > CHAIN_RULE_FOLD_AFTER + CHAIN_RULE_FOLD_AT_LEAST;
  bodies.forEach((body, index) => { body.hidden = folded && index >= CHAIN_RULE_FOLD_AFTER; });
  page.chainRuleMore.hidden = !folded;
  if (folded) {
    const gates = bodies.filter((body) => body.dataset.gate).length;
    $("button", page.chainRuleMore).textContent = t("Show all %(gates)s gates (%(more)s more steps)",
      { gates, more: bodies.length - CHAIN_RULE_FOLD_AFTER });
  }
}

/** Asks /api/explain for the circuit on screen once its numbers have settled; until the answer
 * arrives, the panels it fills are marked out of date. */
export function scheduleExplain() {
  // Before the first answer, what is there is the server's drawing of this very circuit.
  const current = !state.explain || state.explainQuery === state.query;
  for (const section of page.explainParts) {
    section.classList.toggle("stale", !current);
    section.setAttribute("aria-busy", String(!current));
  }
  if (state.query === state.explainAsked) return;
  clearTimeout(state.explainTimer);
  state.explainTimer = setTimeout(loadExplain, state.explain ? EXPLAIN_DELAY_MS : 0);
}

async function loadExplain() {
  if (state.explainBusy || state.query === state.explainAsked) return; // one at a time; the latest follows
  const query = state.query;
  state.explainAsked = query;
  state.explainBusy = true;
  let answer;
  try {
    answer = await request("/api/explain?" + query, "json");
  } finally {
    state.explainBusy = false;
  }
  if (query === state.query) {
    if (answer.ok) showExplain(answer.body, query);
    else if (answer.status === 429) {
      state.explainAsked = null;
      setTimeout(scheduleExplain, Math.min(answer.retryAfter, 60) * 1000);
    } else {
      page.explainStatus.textContent = t("The gradient check, formulas and code could not be computed: %(message)s",
        { message: answer.error.message });
    }
  }
  scheduleExplain(); // the circuit may have changed while this answer was computed
}

function showExplain(explain, query) {
  state.explain = explain;
  state.explainQuery = query;
  page.explainStatus.textContent = "";
  fillChainRule();
  fillExplainTables();
  fillCode();
}

/** The gradient check and the formulas; hidden while practising, since they hold the gradients. */
export function fillExplainTables() {
  if (!state.explain && !practising()) return; // until the first answer, the server's tables stay
  const explain = practising() ? null : state.explain;
  page.gradcheckSection.hidden = !explain;
  page.symbolicSection.hidden = !explain;
  $("tbody", page.gradcheck).replaceChildren(...(explain ? gradcheckRows(explain.gradcheck) : []));
  const symbolic = explain && explain.symbolic;
  page.symbolic.hidden = !symbolic;
  page.symbolicNone.hidden = !explain || Boolean(symbolic);
  page.symbolicNote.textContent = explain && !symbolic ? explain.symbolic_note : "";
  page.symbolicSummary.textContent = symbolic ? explain.symbolic_summary : "";
  const notSimplified = page.symbolic.dataset.notSimplified; // the template's words
  $("tbody", page.symbolic).replaceChildren(...(symbolic ? symbolicRows(symbolic, state.model, notSimplified) : []));
}

function fillCode() {
  page.codeSection.hidden = !state.explain;
  for (const language of ["python", "pytorch"]) {
    const pre = $(`#code-${language} pre`);
    const text = state.explain.code[language];
    if (pre.textContent !== text) pre.textContent = text; // untouched, a selection survives a scrub
  }
}

/** The chain rule's "Show all", and the code's tabs. */
export function setUpLessons() {
  $("button", page.chainRuleMore).addEventListener("click", () => {
    state.chainRuleUnfolded = true;
    foldChainRule();
  });
  setUpCodeTabs();
}

/** Python and PyTorch as two tabs (without JavaScript both show, one under the other). */
function setUpCodeTabs() {
  const tabs = $$('[role="tab"]', page.codeSection);
  const select = (chosen) => {
    for (const tab of tabs) {
      const on = tab === chosen;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !on;
    }
  };
  for (const tab of tabs) {
    const panel = document.getElementById(tab.getAttribute("aria-controls"));
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", tab.id);
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  }
  select(tabs[0]);
}
