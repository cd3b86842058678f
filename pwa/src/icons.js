// Small inline SVG icons (no icon font, no emoji: Debian's Chromium has no colour emoji font and
// the app loads nothing from another origin). Each is a 24x24 path drawn in the text colour.
const SVG_NS = "http://www.w3.org/2000/svg";

const PATHS = {
  // the signal
  signal: "M2 20h3v-4H2zm5 0h3v-8H7zm5 0h3V8h-3zm5 0h3V4h-3z",
  no_signal: "M2 20h3v-4H2zm5 0h3v-8H7zM3 3l18 18-1.5 1.5L1.5 4.5z",
  sent: "M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z",
  waiting: "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zm1-13h-2v6l5 3 1-1.7-4-2.3z",
  sending: "M12 4V1L8 5l4 4V6a6 6 0 0 1 6 6 6 6 0 0 1-.7 2.8l1.5 1.5A8 8 0 0 0 12 4zm0 14a6 6 0 0 1-6-6c0-1 .3-2 .7-2.8L5.2 7.7A8 8 0 0 0 12 20v3l4-4-4-4z",
  install: "M5 20h14v-2H5zm7-3 6-6h-4V3h-4v8H6z",
  // stock kinds: into the store or out of it
  stock_in: "M4 14v6h16v-6h-2v4H6v-4zm8 2 5-5h-3V4h-4v7H7z",
  stock_out: "M4 14v6h16v-6h-2v4H6v-4zm8-12-5 5h3v7h4V7h3z",
  stock_adjust: "M12 3 3 8v2h18V8zM5 12v6H3v2h18v-2h-2v-6h-2v6h-3v-6h-2v6H9v-6H7v6H5z",
  // categories
  coffee: "M4 8h13v5a5 5 0 0 1-5 5H9a5 5 0 0 1-5-5zm13 1h1.5a2.5 2.5 0 0 1 0 5H17v-2h1.5a.5.5 0 0 0 0-1H17zM3 20h16v2H3zM9 2c1 1.5-1 2.5 0 4H7.5c-1-1.5 1-2.5 0-4zm4 0c1 1.5-1 2.5 0 4h-1.5c-1-1.5 1-2.5 0-4z",
  cocoa: "M12 2c4 0 6 5 6 10s-2 10-6 10-6-5-6-10S8 2 12 2zm-1 3v14h2V5z",
  spices: "M7 2h10v3H7zm-1 4h12l-1 16H7zm3 5v2h6v-2z",
  rice_grains: "M12 2c2 3 2 6 0 9-2-3-2-6 0-9zM6 7c3 0 5 2 6 5-3 0-5-2-6-5zm12 0c-1 3-3 5-6 5 1-3 3-5 6-5zM6 13c3 0 5 2 6 5-3 0-5-2-6-5zm12 0c-1 3-3 5-6 5 1-3 3-5 6-5zm-7 5h2v4h-2z",
  fruits: "M12 7c-1-3-3-4-5-4 0 2 2 4 5 4zm0 1c-4-2-9 0-9 6 0 5 4 9 7 8 1 0 1.5-.5 2-.5s1 .5 2 .5c3 1 7-3 7-8 0-6-5-8-9-6z",
  vegetables: "M14 3c1 1 1 3 0 4l3-1c1 1 0 3-1 3l2 1c-1 2-3 2-4 1L5 20c-1 1-2 0-1-1l9-9c-1-1-1-3 1-4l-1-3z",
  fishery: "M2 12c3-5 10-6 14-2l5-4v12l-5-4c-4 4-11 3-14-2zm6-1a1 1 0 1 0 0 2 1 1 0 0 0 0-2z",
  livestock: "M4 8c0-2 1-3 3-3l1 2h8l1-2c2 0 3 1 3 3v3l-2 1v7h-3v-4H9v4H6v-7l-2-1z",
  processed_food: "M6 2h12v4H6zm-1 5h14v13a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2zm3 4v6h8v-6z",
  beverages: "M9 2h6v4l2 3v13H7V9l2-3zm0 10v6h6v-6z",
  herbal: "M20 3C10 3 4 8 4 16c0 2 1 4 2 5l1-1c3-6 7-9 11-10-4 2-7 6-8 11 8 0 10-8 10-18z",
  handicraft: "M3 8h18l-2 12H5zm2-4h14v3H5zm3 7v6h2v-6zm6 0v6h2v-6z",
  textile: "M8 2 3 5l2 5 2-1v13h10V9l2 1 2-5-5-3c0 2-2 3-4 3S8 4 8 2z",
  other: "M4 4h7v7H4zm9 0h7v7h-7zM4 13h7v7H4zm9 0h7v7h-7z",
};

/** An icon for screen readers to skip (the words next to it say what it means). */
export function icon(name, className = "icon") {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", className);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", PATHS[name] || PATHS.other);
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}

const INCOMING = new Set(["harvest", "production", "purchase"]);

/** The icon of a stock kind: into the store, out of it, or a correction. */
export function movementIcon(kind) {
  if (kind === "adjustment") return icon("stock_adjust");
  return icon(INCOMING.has(kind) ? "stock_in" : "stock_out", `icon ${INCOMING.has(kind) ? "in" : "out"}`);
}
