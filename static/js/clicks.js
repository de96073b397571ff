// Whether a click follows a link in place: the main button, no key held for a new tab or window.

export function plainClick(event) {
  return event.button === 0 && !event.ctrlKey && !event.metaKey && !event.shiftKey && !event.altKey;
}
