// Export and share: the download links and snippets of the circuit on screen, and copying them.

import { $, $$, escapeHtml } from "./dom.js";
import { page, state } from "./state.js";
import { drawnQuery } from "./history.js";
import { t } from "./i18n.js";

/** Each export link keeps the route the server wrote into it and takes the circuit's query: the
 * page's link as it is, the drawings and programs with the theme they are drawn in. */
export function updateExports(query) {
  for (const link of $$("[data-export]")) {
    link.search = link.dataset.export === "page" ? query : drawnQuery(query);
  }
  for (const link of $$("[data-language]")) {
    const other = new URLSearchParams(query);
    other.set("lang", link.dataset.language);
    link.search = other.toString();
  }
  const image = new URL("/graph.svg?" + query, location.href).href;
  const alt = t("Circuit of %(expr)s", { expr: state.data.expr });
  page.markdown.value = `![${alt.replace(/[\\[\]]/g, "\\$&")}](${image})`;
  page.html.value = `<img src="${escapeHtml(image)}" alt="${escapeHtml(alt)}">`;
}

async function copy(text, what, field, status = page.copyStatus) {
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = t("%(what)s copied.", { what });
  } catch (error) {
    // No clipboard (a plain-http address, or permission refused): select it for Ctrl+C.
    if (field) {
      field.focus();
      if (field.select) field.select();
      else getSelection().selectAllChildren(field); // a <pre>
    }
    status.textContent = field ? t("Copying was refused by the browser; the text is selected: press Ctrl+C (⌘C on a Mac).")
      : t("Copying was refused by the browser; press Ctrl+C (⌘C on a Mac).");
  }
}

/** The copy buttons: the code, the link and the snippets. */
export function setUpSharing() {
  for (const button of $$("[data-copy-code]")) {
    const pre = $(`#code-${button.dataset.copyCode} pre`);
    button.addEventListener("click", () => copy(pre.textContent, pre.getAttribute("aria-label"), pre, page.codeStatus));
  }
  $("#copy-link").addEventListener("click", () => copy(new URL("/?" + (state.query || ""), location.href).href, t("Link")));
  for (const button of $$("[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    button.addEventListener("click", () => copy(field.value, t("%(format)s snippet", { format: field.labels[0].textContent }), field));
  }
}
