// The loss per step of gradient descent as a small inline SVG plot, from /api/graph's `descent`.

import { t } from "./i18n.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const WIDTH = 360;
const HEIGHT = 120;
// Room for the loss's labels on the left (up to "-1.00e+308"), its caption above, the step's
// below, the last loss on the right.
const MARGIN = { left: 64, right: 58, top: 20, bottom: 28 };
// Losses spanning more than this ratio (all above 0) are drawn on a log scale: a run that
// diverges grows exponentially, and one that converges falls so.
const LOG_SCALE_RATIO = 1000;

/** An SVG element; attributes are set one by one and text goes in as text. */
function svg(tag, attributes, text) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes || {})) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

/** The plot of `descent` (params, steps, losses, losses_text, left_finite): the losses up to the
 * first that is not finite, the axes labelled with the server's numbers as the diagram writes
 * them, the last loss at its point, and where the run left the finite range. */
export function lossPlot(descent) {
  const { losses, losses_text: texts, steps } = descent;
  const finiteUpTo = descent.left_finite === null ? losses.length : descent.left_finite;
  const shown = losses.slice(0, finiteUpTo);
  const plot = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "loss-svg", role: "img",
    "aria-labelledby": "loss-plot-title" });
  plot.append(svg("title", { id: "loss-plot-title" }, describe(descent)));
  const x = scale(0, Math.max(steps, 1), MARGIN.left, WIDTH - MARGIN.right);
  const highest = shown.length ? indexOf(shown, Math.max) : 0;
  const lowest = shown.length ? indexOf(shown, Math.min) : 0;
  const logarithmic = shown.length > 0 && shown[lowest] > 0 && shown[highest] / shown[lowest] > LOG_SCALE_RATIO;
  const height = logarithmic ? Math.log10 : (loss) => loss;
  const y = shown.length && shown[highest] !== shown[lowest]
    ? (loss) => scale(height(shown[lowest]), height(shown[highest]), HEIGHT - MARGIN.bottom, MARGIN.top)(height(loss))
    : () => (HEIGHT - MARGIN.bottom + MARGIN.top) / 2;
  const labels = shown.length ? [[texts[highest], y(shown[highest])], [texts[lowest], y(shown[lowest])]] : [];
  plot.append(...axes(steps, x, labels, logarithmic ? t("loss (log scale)") : t("loss")));
  if (shown.length) {
    const points = shown.map((loss, step) => `${x(step).toFixed(1)},${y(loss).toFixed(1)}`).join(" ");
    plot.append(svg("polyline", { class: "loss-line", points }));
    const last = shown.length - 1;
    plot.append(svg("circle", { class: "loss-last", cx: x(last), cy: y(shown[last]), r: 3.5 }));
    plot.append(svg("text", { class: "loss-last-text", x: x(last) + 6, y: y(shown[last]) + 4 }, texts[last]));
  }
  if (descent.left_finite !== null) {
    const at = x(descent.left_finite);
    plot.append(svg("line", { class: "loss-escape", x1: at, x2: at, y1: MARGIN.top, y2: HEIGHT - MARGIN.bottom }));
    plot.append(svg("text", { class: "loss-escape-text", x: at - 4, y: MARGIN.top + 10, "text-anchor": "end" },
      t("%(loss)s at step %(step)s", { loss: texts[descent.left_finite], step: descent.left_finite })));
  }
  return plot;
}

/** The plot in words, for its title and for screen readers. */
function describe(descent) {
  const { losses_text: texts, steps } = descent;
  const words = steps > 0
    ? t("Loss per step: %(first)s at step 0, %(last)s at step %(steps)s.", { first: texts[0], last: texts[steps], steps })
    : t("Loss per step: %(first)s at step 0.", { first: texts[0] });
  if (descent.left_finite === null) return words;
  return words + " " + t("It left the finite range at step %(step)s.", { step: descent.left_finite });
}

function axes(steps, x, lossLabels, lossCaption) {
  const bottom = HEIGHT - MARGIN.bottom;
  const parts = [
    svg("line", { class: "loss-axis", x1: MARGIN.left, x2: MARGIN.left, y1: MARGIN.top, y2: bottom }),
    svg("line", { class: "loss-axis", x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: bottom, y2: bottom }),
    svg("text", { class: "loss-label", x: x(0), y: bottom + 13, "text-anchor": "middle" }, "0"),
    svg("text", { class: "loss-label", x: x(Math.max(steps, 1)), y: bottom + 13, "text-anchor": "middle" }, String(Math.max(steps, 1))),
    svg("text", { class: "loss-caption", x: (MARGIN.left + WIDTH - MARGIN.right) / 2, y: bottom + 26, "text-anchor": "middle" }, t("step")),
    svg("text", { class: "loss-caption", x: MARGIN.left, y: MARGIN.top - 8 }, lossCaption),
  ];
  const labelled = new Set();
  for (const [text, at] of lossLabels) {
    if (labelled.has(text)) continue;
    labelled.add(text);
    parts.push(svg("text", { class: "loss-label", x: MARGIN.left - 4, y: at + 4, "text-anchor": "end" }, text));
  }
  return parts;
}

/** A linear map from [from, to] onto [start, end]. */
function scale(from, to, start, end) {
  return (value) => start + ((value - from) / (to - from)) * (end - start);
}

/** The index of the value that `pick` (Math.max or Math.min) picks. */
function indexOf(values, pick) {
  return values.indexOf(pick(...values));
}
