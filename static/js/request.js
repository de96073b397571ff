// The page's requests to the server: each answer as {ok, status, body} or {ok: false, status, error}.

import { $$ } from "./dom.js";
import { t } from "./i18n.js";

const UNREACHABLE = () => ({ message: t("The server could not be reached; check the connection and try again.") });
// Answers the server wrote into the page (the circuit's document and its lessons), each kept for
// the one URL the page asks first for that circuit: taken by the request for that URL, dropped by
// any other request to its route (the form changed before it was asked).
const preloaded = new Map(); // path -> { url, body }

export function preload(url, body) {
  preloaded.set(url.split("?")[0], { url, body });
}

/** GET url; the answer as {ok, status, body} or {ok: false, status, error: {message, ...}, retryAfter}. */
export async function request(url, kind) {
  const path = url.split("?")[0];
  const written = preloaded.get(path);
  preloaded.delete(path);
  if (written && written.url === url) return { ok: true, status: 200, body: written.body };
  let response;
  try {
    response = await fetch(url, { headers: { Accept: kind === "json" ? "application/json" : "image/svg+xml" } });
  } catch (error) {
    return { ok: false, status: 0, error: UNREACHABLE() };
  }
  const retryAfter = Number(response.headers.get("Retry-After")) || 2;
  if (response.ok) {
    return { ok: true, status: response.status, body: kind === "json" ? await response.json() : await response.text() };
  }
  return { ok: false, status: response.status, error: await errorOf(url, response), retryAfter };
}

/** What a failed answer says: an API's JSON error, or the text of a drawing route's error SVG. */
async function errorOf(url, response) {
  let error = { message: t("The server answered %(status)s.", { status: response.status }) };
  if (url.startsWith("/api/")) {
    try {
      error = (await response.json()).error || error;
    } catch (ignored) {
      // not JSON (a proxy's page, say): keep the status message
    }
  } else if (response.status === 429) {
    error = { message: t("Too many requests in a short time; the page will try again in a moment.") };
  } else {
    // The drawing routes answer an error as a small SVG that states it: read its text.
    const parsed = new DOMParser().parseFromString(await response.text(), "image/svg+xml");
    const said = $$("text", parsed).map((line) => line.textContent).join(" ").trim();
    if (said) error = { message: said };
  }
  return error;
}

/** POST a practice question about the circuit of `query`: the circuit in the query, as for
 * /api/graph, the question as JSON. */
export async function askServer(path, query, question) {
  let response;
  try {
    response = await fetch(`${path}?${query}`, { method: "POST", body: JSON.stringify(question),
      headers: { "Content-Type": "application/json", Accept: "application/json" } });
  } catch (error) {
    return { ok: false, error: UNREACHABLE() };
  }
  let body = null;
  try {
    body = await response.json();
  } catch (ignored) {
    // not JSON (a proxy's page, say): the status says what happened
  }
  if (response.ok && body) return { ok: true, body };
  return { ok: false, error: (body && body.error) || { message: t("The server answered %(status)s.", { status: response.status }) } };
}
