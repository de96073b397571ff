// The page's one declared state, and its fixed elements: every controller reads and writes these.

import { $ } from "./dom.js";

/** Everything the page remembers between events, created once. */
export const state = {
  // The circuit on screen
  data: null, // the last good /api/graph answer
  query: null, // its query
  model: null, // model(data): its nodes, wires, trunks, branches and uses, by id
  svgKey: null, // layoutKey() of the SVG on screen
  parts: new Map(), // wire id -> {group, value, grad, valueCell, gradCell} of the SVG on screen
  edges: [], // [{element, tail, head}] from the SVG edges' titles

  // Redrawing (schedule.js)
  busy: false, // a request is in flight: the next one waits for it (no pile-up while scrubbing)
  again: false, // something changed while busy: run once more when done
  timer: null, // the redraw that is due, if any
  tablesTimer: null, // the tables' refill, due once a moving slider rests
  lastUpdate: -Infinity, // performance.now() when the last redraw started
  pace: 0, // ms from one redraw to the next while a slider moves; 0 for any other change
  blockedUntil: 0, // no requests before this time (the server said 429)
  retry: null, // the one request due once the server's Retry-After has passed

  // The form and the address bar (history.js, variables.js)
  historyMode: "none", // how the address bar follows the next redraw: none, replace, merge or push
  lastHistoryWrite: 0, // Date.now() of the last entry written
  memory: new Map(), // variable name -> text typed, kept while the name is out of the expression
  extras: new URLSearchParams(), // the address's options that the form has no field for

  // Step-through (stepper.js)
  step: null, // null: every number shown; else the index into model.steps
  player: null, // the interval of Play, while it plays

  // Gradient descent (descent.js)
  descentPlayer: null, // the interval of its Play, while it plays

  // Inspect (inspect.js)
  pinned: null, // id of the SVG element inspected by click
  inspected: undefined, // id of the element the inspect panel shows

  // The lessons below the diagram (lessons.js)
  explain: null, // the last /api/explain answer shown
  explainQuery: null, // its query
  explainAsked: null, // the query last sent to /api/explain (answered or not)
  explainBusy: false, // an /api/explain request is in flight
  explainTimer: null, // the /api/explain request that is due, if any
  chainRuleUnfolded: false, // "Show all" was pressed for the chain rule of the circuit on screen

  // Practice (answers.js, practice-page.js)
  answers: new Map(), // answerKey() -> {typed, right, shown, flagged, number, revealed} (see known())
  practiceTable: null, // the circuit and mode the practice table was built for
};

/** The page's fixed elements, found once by findPage(); page.zoom, the diagram's Zoom, is made by setUpZoom(). */
export const page = {};

const PAGE_IDS = {
  form: "circuit-form", expr: "expr", variables: "variables", status: "live-status", result: "result",
  diagram: "diagram", explain: "step-explain", inspect: "inspect", counter: "step-counter", summary: "summary",
  wireTable: "wire-table", nonFinite: "non-finite", tangentNote: "tangent-note", markdown: "snippet-markdown",
  html: "snippet-html", copyStatus: "copy-status", zoomBar: "zoom-bar", zoomLevel: "zoom-level",
  practice: "practice", practiceTable: "practice-table", practiceScore: "practice-score",
  explainHidden: "explain-hidden",
  explainStatus: "explain-status", chainRuleSection: "chain-rule-section", chainRule: "chain-rule",
  chainRuleMore: "chain-rule-more", gradcheckSection: "gradcheck-section", gradcheck: "gradcheck",
  symbolicSection: "symbolic-section", symbolic: "symbolic", symbolicNone: "symbolic-none",
  symbolicNote: "symbolic-note", symbolicSummary: "symbolic-summary", codeSection: "code-section",
  codeStatus: "code-status",
  descentPanel: "descent-panel", descentStep: "descent-step", descentChoices: "descent-choices",
  descentNote: "descent-note", lossPlot: "loss-plot", lossTable: "loss-table",
};

export function findPage() {
  for (const [name, id] of Object.entries(PAGE_IDS)) page[name] = $("#" + id);
  page.explainParts = [page.gradcheckSection, page.symbolicSection, page.codeSection]; // what /api/explain fills
}
