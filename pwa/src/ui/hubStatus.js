// The hub's status page, for the facilitator at the kecamatan office: when the hub last reached
// the central server, how many changes wait to go up, which phones synced here and when, a
// "Sinkron sekarang" button, a QR code of the hub's address for the other phones' cameras, and the
// hub's own certificate authority to install on them (README, "Which address the phones open").
import { h } from "../dom.js";
import { ago, count, dateTime } from "../format.js";
import { t } from "../i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const POLL_MS = 2000; // how often the page looks whether the relay answered a "sync now"
const POLL_FOR_MS = 90000; // the relay looks for a request every few seconds; a cycle takes longer

function svg(tag, attrs) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  return element;
}

/** The QR code the server drew (path data of its dark modules) as an SVG, black on white. */
function qrCode({ size, path }) {
  const code = svg("svg", { viewBox: `0 0 ${size} ${size}`, class: "qr", role: "img", "shape-rendering": "crispEdges" });
  code.append(svg("rect", { width: size, height: size, fill: "#fff" }), svg("path", { d: path, fill: "#000" }));
  return code;
}

/** A failure newer than the last success is worth showing; an older one is history. */
function failedSinceReached(status) {
  return status.failed_at && (!status.reached_at || status.failed_at > status.reached_at);
}

function relayLines(status) {
  const when = (iso) => h("span", { title: dateTime(iso) }, ago(iso));
  return h(
    "dl",
    { class: "details" },
    h("dt", null, t("hub_reached")),
    h("dd", { id: "hub-reached" }, status.reached_at ? when(status.reached_at) : t("never")),
    failedSinceReached(status)
      ? h("dd", { class: "warn", id: "hub-failed" }, t("hub_failed", { ago: ago(status.failed_at) }), h("br"), status.last_error)
      : null,
    h("dt", null, t("hub_waiting")),
    h("dd", { id: "hub-waiting", class: "big-number" }, count(status.waiting)),
  );
}

function deviceList(devices) {
  if (!devices.length) return h("p", { id: "hub-devices" }, t("hub_no_devices"));
  return h(
    "ul",
    { class: "hub-devices", id: "hub-devices" },
    devices.map((device) =>
      h(
        "li",
        null,
        h("b", null, device.name),
        h("span", null, ` · ${t(`role_${device.role}`)}`),
        h("span", { class: "when", title: dateTime(device.last_sync_at) }, ago(device.last_sync_at)),
      ),
    ),
  );
}

function statusParts(status) {
  return [relayLines(status), h("h2", null, t("hub_devices")), deviceList(status.devices)];
}

export async function hubScreen(ctx) {
  const answer = await ctx.transport("GET", "/api/v1/hub/status", { timeoutMs: 10000 }).catch(() => null);
  if (!answer || answer.status !== 200) {
    const why = answer && answer.status === 404 ? t("hub_not_hub") : t("hub_unreachable");
    return h("main", { id: "main" }, h("h1", null, t("hub_title")), h("p", { class: "warn", role: "alert" }, why));
  }
  const status = answer.body;
  const parts = h("div", { id: "hub-parts" }, statusParts(status));
  const feedback = h("p", { id: "hub-sync-feedback", role: "status" });
  const button = h("button", { type: "button", class: "btn primary big", id: "hub-sync-now" }, t("hub_sync_now"));

  function show(fresh) {
    parts.replaceChildren(...statusParts(fresh));
  }

  /** Ask for a cycle, then look every few seconds until the relay has answered it (or gives no sign). */
  async function syncNow() {
    button.disabled = true;
    feedback.className = "";
    feedback.textContent = t("hub_sync_asked");
    try {
      const asked = await ctx.transport("POST", "/api/v1/hub/sync-now");
      if (asked.status !== 202) throw new Error(String(asked.status));
      const since = asked.body.sync_requested_at;
      const until = Date.now() + POLL_FOR_MS;
      while (Date.now() < until && document.body.contains(button)) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        const look = await ctx.transport("GET", "/api/v1/hub/status");
        if (look.status !== 200) continue;
        show(look.body);
        if (look.body.reached_at >= since) return say(t("hub_sync_done"), "ok");
        if (look.body.failed_at >= since) return say(t("hub_sync_failed"), "warn");
      }
      say(t("hub_sync_no_answer"), "warn");
    } catch {
      say(t("hub_unreachable"), "warn");
    } finally {
      button.disabled = false;
    }
  }

  function say(text, kind) {
    feedback.className = kind;
    feedback.textContent = text;
  }

  button.addEventListener("click", syncNow);
  return h(
    "main",
    { id: "main" },
    h("h1", null, t("hub_title")),
    parts,
    button,
    feedback,
    h(
      "section",
      { class: "hub-address" },
      h("p", null, t("hub_scan")),
      qrCode(status.address_qr),
      h("p", { class: "mono", id: "hub-address" }, status.address),
      status.authority ? h("a", { href: "/api/v1/hub/ca.crt", id: "hub-authority", download: "" }, t("hub_authority")) : null,
    ),
  );
}
