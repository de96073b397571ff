// The page's theme and colours: the link's choice, or the device's theme where the link leaves it open.

import { $$ } from "./dom.js";
import { page } from "./state.js";

export const DARK_DEVICE = matchMedia("(prefers-color-scheme: dark)");

/** The device's theme, which the page and the diagram take while the link does not choose one. */
export function deviceTheme() {
  return DARK_DEVICE.matches ? "dark" : "light";
}

/** The page follows the theme and colour options at once; the diagram follows when redrawn. */
export function applyPageOptions() {
  const colors = page.form.elements.colors.value;
  document.documentElement.dataset.theme = page.form.elements.theme.value || deviceTheme();
  document.documentElement.dataset.colors = colors;
  for (const legend of $$(".legend")) legend.textContent = legend.dataset[colors];
}
