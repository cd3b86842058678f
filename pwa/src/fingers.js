// A screen drawn again while a finger is on it loses the tap: the element under the finger is
// replaced between its pointerdown and its pointerup, and the browser sends the click to neither.
// So a redraw asked for while a finger is down waits until it is lifted and the click is handled.
let down = false;
let lastPress = null; // where the last finger came down
let shield = null; // {route, until, x, y}: taps there, on that screen, are ignored until then
const FINGER_PX = 48; // a fingertip's width: a second tap lands this close to the first
const waiting = new Set();

/** Follow fingers (and mouse buttons) on `target`: call once at start. */
export function watchFingers(target = document) {
  const press = (event) => {
    down = true;
    lastPress = { x: event.clientX, y: event.clientY, at: performance.now() };
  };
  // The click comes after pointerup, in the same round of the event loop: run what waited after it.
  const lift = () =>
    setTimeout(() => {
      down = false;
      const runs = [...waiting];
      waiting.clear();
      for (const run of runs) run();
    }, 0);
  // The second tap of a double tap on Simpan would land on the next screen, already open.
  const ignoreSecondTap = (event) => {
    if (shield && location.hash === shield.route && performance.now() < shield.until && near(event, shield)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  };
  target.addEventListener("click", ignoreSecondTap, { capture: true });
  target.addEventListener("pointerdown", press, { capture: true, passive: true });
  target.addEventListener("pointerup", lift, { capture: true, passive: true });
  target.addEventListener("pointercancel", lift, { capture: true, passive: true });
}

/** Run `draw` now (answering what it answers), or once the finger on the screen is lifted
 * (asked again meanwhile, it runs once). */
export function whenLifted(draw) {
  if (!down) return draw();
  waiting.add(draw);
  return undefined;
}

/** Ignore a tap where the last one came down, on the screen `route` a save has just opened,
 * until `ms` milliseconds after it: that screen opens at once, under a finger that may be
 * tapping twice (a double tap's second tap comes within about 300 ms of its first). */
export function shieldTaps(route, ms = 300) {
  if (lastPress) shield = { route, until: lastPress.at + ms, x: lastPress.x, y: lastPress.y };
}

function near(event, point) {
  return Math.abs(event.clientX - point.x) <= FINGER_PX && Math.abs(event.clientY - point.y) <= FINGER_PX;
}
