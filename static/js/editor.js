/* The expression field: a textarea that grows with its text, Ctrl+Enter to draw.
 *
 * A textarea because a program of named steps takes several lines (`q = x + y`, then
 * `f = q * z`). Enter is the textarea's own new line; Ctrl+Enter submits. */

const MAX_ROWS = 12; // past this the field scrolls instead of pushing the diagram off the screen

/** Ctrl+Enter (⌘+Enter on a Mac) calls `submit`; the field grows with its lines. */
export function enhanceExpressionField(textarea, submit) {
  textarea.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.isComposing) return;
    event.preventDefault();
    submit();
  });
  textarea.addEventListener("input", () => fitRows(textarea));
  fitRows(textarea);
}

/** One row per line. Browsers with CSS `field-sizing: content` also grow for wrapped lines;
 * `rows` is what the others have. Call it after setting the value from a script too. */
export function fitRows(textarea) {
  const lines = textarea.value.split("\n").length;
  textarea.rows = Math.min(Math.max(lines, 1), MAX_ROWS);
}

/** The text with a caret line under the line that holds `position`, an offset into the whole
 * text as the server counts it (in code points, so an emoji before it does not shift the caret).
 * The caret line copies that line's tabs, so that it lines up under a tab-indented line too.
 * templates/index.html draws the same (its `caret` macro). */
export function caretText(text, position) {
  const characters = Array.from(text);
  const before = characters.slice(0, position).join("").split("\n");
  const row = before.length - 1;
  const pad = Array.from(before[row]).map((character) => (character === "\t" ? "\t" : " ")).join("");
  const lines = text.split("\n").map((line) => line.replace(/\r$/, ""));
  lines.splice(row + 1, 0, pad + "^");
  return lines.join("\n");
}
