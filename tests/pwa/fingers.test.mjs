// A redraw asked for while a finger is on the screen waits until the finger is lifted.
import assert from "node:assert/strict";
import { test } from "node:test";

import { watchFingers, whenLifted } from "../../pwa/src/fingers.js";

const screen = new EventTarget();
watchFingers(screen);
const afterClick = () => new Promise((resolve) => setTimeout(resolve, 5));

test("a redraw with no finger down runs at once and answers what it answers", () => {
  assert.equal(whenLifted(() => 7), 7);
});

test("a redraw asked for while a finger is down runs once, after the finger is lifted", async () => {
  const drawn = [];
  const draw = () => drawn.push("screen");
  screen.dispatchEvent(new Event("pointerdown"));
  whenLifted(draw);
  whenLifted(draw); // asked again: drawn once
  whenLifted(() => drawn.push("chrome"));
  assert.deepEqual(drawn, []);
  screen.dispatchEvent(new Event("pointerup"));
  assert.deepEqual(drawn, []); // the click, sent after pointerup, still finds the old screen
  await afterClick();
  assert.deepEqual(drawn, ["screen", "chrome"]);
});

test("a cancelled touch (a scroll) lets the redraw run too", async () => {
  let drawn = 0;
  screen.dispatchEvent(new Event("pointerdown"));
  whenLifted(() => drawn++);
  screen.dispatchEvent(new Event("pointercancel"));
  await afterClick();
  assert.equal(drawn, 1);
  assert.equal(whenLifted(() => "now"), "now");
});

/** A pointer or click event at (x, y), as a browser sends them. */
function at(type, x, y) {
  const event = new Event(type, { cancelable: true });
  Object.assign(event, { clientX: x, clientY: y });
  return event;
}

test("after a save, a second tap where the first came down is ignored for a moment; others are not", async () => {
  const { shieldTaps } = await import("../../pwa/src/fingers.js");
  let handled = 0;
  screen.addEventListener("click", () => handled++);
  screen.dispatchEvent(at("pointerdown", 100, 500));
  screen.dispatchEvent(at("pointerup", 100, 500));
  await afterClick();
  globalThis.location = { hash: "#/products/1" };
  shieldTaps("#/products/1", 30);
  const second = at("click", 110, 490); // a double tap's second tap, a few pixels off
  screen.dispatchEvent(second);
  assert.equal(handled, 0);
  assert.equal(second.defaultPrevented, true); // a link there is not followed either
  screen.dispatchEvent(at("click", 100, 120)); // a tap elsewhere on the new screen counts
  assert.equal(handled, 1);
  location.hash = "#/sync"; // another screen opened since: a tap there counts
  screen.dispatchEvent(at("click", 105, 495));
  assert.equal(handled, 2);
  location.hash = "#/products/1";
  await new Promise((resolve) => setTimeout(resolve, 40));
  screen.dispatchEvent(at("click", 100, 500));
  assert.equal(handled, 3);
});
