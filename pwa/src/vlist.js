// A list that renders only the rows on screen (and a few around them), so 5,000 products
// scroll as smoothly as 20. Rows have one fixed height; the page itself scrolls.
import { h } from "./dom.js";

const OVERSCAN = 6;

export function virtualList({ items, rowHeight, renderRow, label }) {
  const list = h("div", { class: "vlist", role: "list", "aria-label": label });
  list.style.height = `${items.length * rowHeight}px`;
  let shown = "";
  let frame = 0;

  function draw() {
    frame = 0;
    if (!list.isConnected) return detach();
    const top = list.getBoundingClientRect().top;
    const first = Math.max(0, Math.floor(-top / rowHeight) - OVERSCAN);
    const last = Math.min(items.length, Math.ceil((window.innerHeight - top) / rowHeight) + OVERSCAN);
    if (`${first}:${last}` === shown) return undefined;
    shown = `${first}:${last}`;
    const rows = [];
    for (let i = first; i < last; i++) {
      const row = renderRow(items[i], i);
      row.setAttribute("role", "listitem");
      row.style.top = `${i * rowHeight}px`;
      row.style.height = `${rowHeight}px`;
      rows.push(row);
    }
    list.textContent = ""; // not replaceChildren(): Chrome 80 lacks it
    list.append(...rows);
    return undefined;
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  function detach() {
    window.removeEventListener("scroll", schedule);
    window.removeEventListener("resize", schedule);
  }

  window.addEventListener("scroll", schedule, { passive: true });
  window.addEventListener("resize", schedule);
  requestAnimationFrame(draw);
  return list;
}
