/* Zoom and pan for the diagram, without a library.
 *
 * The SVG is drawn at its natural size times the scale (its width and height attributes; its
 * viewBox keeps the whole drawing in them) inside the figure, which scrolls: panning is the
 * figure's own scrolling, by scroll bars, one finger, the wheel or the arrow keys. Zooming keeps
 * the point under the pointer (or the fingers, or the middle of the view for keys and buttons)
 * where it is. The page's scrolling stays the page's: only a wheel with Ctrl or ⌘ (and a
 * touchpad's pinch, which the browser sends as one) zooms, and only inside the diagram.
 *
 * A new layout starts at the readable fit: the width of the box, but never smaller than
 * READABLE_SCALE, below which the numbers are too small to read (it scrolls instead). "Fit width"
 * fits the width whatever the scale. Both follow the box when the window changes; a scale chosen
 * by hand stays. A redraw of the same circuit at nearly the same size (another theme, or other
 * decimals: Graphviz places the gates around the numbers' widths) keeps scale and scroll.
 */

const READABLE_SCALE = 0.6;
const MIN_SCALE = 0.02;
const MAX_SCALE = 4;
const STEP = 1.25; // one press of + or -
const WHEEL_RATE = 0.002; // per pixel of wheel: 100 px of a ctrl+wheel zooms by about 1.22
const LINE_PIXELS = 16; // a wheel that counts in lines
const PAN_PIXELS = 60; // one press of an arrow key
const SAME_LAYOUT_SIZE = 0.1; // a redraw of the same circuit within this much of the size keeps the view

export class Zoom {
  /** `viewport` scrolls and holds the SVG; `onChange(scale)` hears of every change of scale. */
  constructor(viewport, onChange) {
    this.viewport = viewport;
    this.onChange = onChange;
    this.svg = null;
    this.natural = null; // [width, height] at scale 1, in CSS pixels
    this.circuit = null; // what the drawing on screen draws
    this.scale = 1;
    this.mode = "readable"; // "readable" | "width": follow the box; "manual": stay
    this.pinch = null;
    viewport.addEventListener("wheel", (event) => this.wheel(event), { passive: false });
    viewport.addEventListener("touchstart", (event) => this.touch(event), { passive: true });
    viewport.addEventListener("touchmove", (event) => this.touch(event), { passive: false });
    viewport.addEventListener("touchend", (event) => this.touch(event), { passive: true });
    viewport.addEventListener("touchcancel", () => { this.pinch = null; }, { passive: true });
  }

  /** Puts `svg` (whose natural size is `natural`) in the viewport: at the same scale and scroll
   * as the drawing it replaces when that drew the same `circuit` at nearly the same size, else fitted. */
  show(svg, natural, circuit) {
    const sameLayout = circuit === this.circuit &&
      natural.every((length, index) => Math.abs(length - this.natural[index]) <= SAME_LAYOUT_SIZE * this.natural[index]);
    const scroll = [this.viewport.scrollLeft, this.viewport.scrollTop];
    this.svg = svg;
    this.natural = natural;
    this.circuit = circuit;
    if (!sameLayout) this.mode = "readable";
    this.scale = this.mode === "manual" ? this.scale : this.followingScale();
    this.draw();
    this.viewport.replaceChildren(svg);
    [this.viewport.scrollLeft, this.viewport.scrollTop] = sameLayout ? scroll : [0, 0];
    this.onChange(this.scale);
  }

  /** The box changed size: a fitted drawing fits again. */
  resize() {
    if (!this.svg || this.mode === "manual") return;
    this.scale = this.followingScale();
    this.draw();
    this.onChange(this.scale);
  }

  widthScale() {
    return Math.min(1, Math.max(MIN_SCALE, this.viewport.clientWidth / this.natural[0]));
  }

  followingScale() {
    const fit = this.widthScale();
    return this.mode === "width" ? fit : Math.max(fit, Math.min(1, READABLE_SCALE));
  }

  fitWidth() {
    if (!this.svg) return;
    this.mode = "width";
    this.scale = this.widthScale();
    this.draw();
    this.viewport.scrollLeft = 0;
    this.onChange(this.scale);
  }

  zoomIn() { this.zoomTo(this.scale * STEP); }

  zoomOut() { this.zoomTo(this.scale / STEP); }

  actualSize() { this.zoomTo(1); }

  /** Scales to `scale`, keeping the point at `anchor` ({clientX, clientY}) or the view's middle still. */
  zoomTo(scale, anchor) {
    if (!this.svg) return;
    const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
    const box = this.viewport.getBoundingClientRect();
    const x = anchor ? anchor.clientX - box.left - this.viewport.clientLeft : this.viewport.clientWidth / 2;
    const y = anchor ? anchor.clientY - box.top - this.viewport.clientTop : this.viewport.clientHeight / 2;
    const point = [(this.viewport.scrollLeft + x) / this.scale, (this.viewport.scrollTop + y) / this.scale];
    this.mode = "manual";
    this.scale = next;
    this.draw();
    this.viewport.scrollLeft = point[0] * next - x;
    this.viewport.scrollTop = point[1] * next - y;
    this.onChange(this.scale);
  }

  /** Scrolls the view by a number of arrow-key steps. */
  pan(right, down) {
    this.viewport.scrollBy(right * PAN_PIXELS, down * PAN_PIXELS);
  }

  draw() {
    this.svg.setAttribute("width", Math.round(this.natural[0] * this.scale));
    this.svg.setAttribute("height", Math.round(this.natural[1] * this.scale));
  }

  wheel(event) {
    if (!(event.ctrlKey || event.metaKey) || !this.svg) return;
    event.preventDefault(); // the browser would zoom the whole page
    const pixels = event.deltaY * (event.deltaMode === WheelEvent.DOM_DELTA_LINE ? LINE_PIXELS : 1);
    this.zoomTo(this.scale * Math.exp(-pixels * WHEEL_RATE), event);
  }

  /** Two fingers pinch: the scale follows the distance between them, around their midpoint. One
   * finger is left to the browser, which scrolls (the CSS allows panning, not its own pinch). */
  touch(event) {
    if (event.touches.length !== 2 || !this.svg) {
      this.pinch = null;
      return;
    }
    const [a, b] = event.touches;
    const distance = Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY);
    const middle = { clientX: (a.clientX + b.clientX) / 2, clientY: (a.clientY + b.clientY) / 2 };
    if (!this.pinch || event.type === "touchstart") {
      this.pinch = { distance: Math.max(distance, 1), scale: this.scale };
      return;
    }
    if (event.cancelable) event.preventDefault();
    this.zoomTo(this.pinch.scale * distance / this.pinch.distance, middle);
  }
}
