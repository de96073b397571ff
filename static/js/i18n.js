// The page's words in the language of its URL: t(message, params), from the catalogue the server wrote into the page.

// The page domain's translations (msgid -> text), written by the template as JSON: the CSP
// allows no inline script. An English page has none, and shows each message as written.
const catalogue = JSON.parse((document.getElementById("page-catalogue") || {}).textContent || "{}");
const PLACEHOLDER = /%\((\w+)\)s/g;

/** `message` in the page's language with its %(name)s parameters filled in, as Python's `_` does.
 * With text parameters it is a string; where a parameter is a DOM node (a <code>, a number's
 * span) it is the list of strings and nodes in the translation's order, for h() or append(). */
export function t(message, params = {}) {
  const translated = catalogue[message] || message;
  const parts = [];
  const placed = new Set(); // a node a translation names twice goes in twice, as a copy
  let at = 0;
  for (const match of translated.matchAll(PLACEHOLDER)) {
    const param = params[match[1]];
    parts.push(translated.slice(at, match.index), placed.has(param) ? param.cloneNode(true) : param);
    if (param instanceof Node) placed.add(param);
    at = match.index + match[0].length;
  }
  parts.push(translated.slice(at));
  const text = parts.flat(Infinity).filter((part) => part !== "");
  return text.some((part) => part instanceof Node) ? text : text.join("");
}
