// When the page redraws: after a pause in typing, at a steady pace while a slider moves, one request at a time.

import { state } from "./state.js";
import { showGeneralError } from "./errors.js";
import { t } from "./i18n.js";

const HISTORY_RANK = { none: 0, replace: 1, merge: 2, push: 3 };

// The redraw itself (update.js's updateOnce), given once by app.js: it reaches nearly every
// controller, and they schedule redraws, so they could not import it without a cycle.
let redraw = null;

export function setRedraw(updateOnce) {
  redraw = updateOnce;
}

/** Schedules a redraw from the form; `mode` says how the address bar follows. Typing waits for
 * a pause of `delay` ms: each keystroke starts the wait again. A moving slider must not wait for a
 * pause, or a steady drag would redraw nothing until it stops: with `throttle`, the redraw comes
 * `delay` ms after the last one started (at once if that is past), a redraw already due is left
 * to come, and either reads the form as it is by then. (run() sends one request at a time, and
 * once more after it for whatever changed meanwhile: the last position is always drawn.) */
export function schedule(delay, mode, throttle = false) {
  if (HISTORY_RANK[mode] > HISTORY_RANK[state.historyMode]) state.historyMode = mode;
  if (Date.now() < state.blockedUntil) return; // told to slow down: the retry takes the latest form
  if (throttle && state.timer !== null) return;
  state.pace = throttle ? delay : 0;
  const wait = throttle ? Math.max(0, state.lastUpdate + delay - performance.now()) : delay;
  clearTimeout(state.timer);
  state.timer = setTimeout(() => {
    state.timer = null;
    run();
  }, wait);
}

async function run() {
  if (state.busy) {
    state.again = true;
    return;
  }
  state.busy = true;
  try {
    do {
      state.again = false;
      await redraw();
      // A slider still moving: its next redraw keeps the pace.
      if (state.again) await after(state.lastUpdate + state.pace - performance.now());
    } while (state.again);
  } catch (error) {
    showGeneralError(t("The page could not update: %(message)s", { message: error.message }));
  } finally {
    state.busy = false;
  }
}

/** Resolves `ms` milliseconds from now (at once if not positive). */
function after(ms) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** After a 429: send nothing until the server's Retry-After has passed, then one request. */
export function retryLater(seconds) {
  const wait = Math.min(seconds, 60) * 1000;
  state.blockedUntil = Date.now() + wait;
  clearTimeout(state.retry);
  state.retry = setTimeout(() => {
    state.blockedUntil = 0;
    schedule(0, "replace");
  }, wait);
}
