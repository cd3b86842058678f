// Numbers, money, dates and bytes as people here read them.
import { currentLang } from "./i18n.js";
import { displayQuantity } from "./quantity.js";

/** 120000 -> "Rp 120.000" (rupiah has no minor unit in daily use). */
export function rupiah(value) {
  if (value === null || value === undefined || value === "") return "";
  return `Rp ${String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ".")}`;
}

const PRICE_LIMIT = 1e12;

/** What a person types as a price ("120.000", "Rp 120000") -> 120000, or null; NaN when not a price. */
export function parsePrice(text) {
  const digits = String(text || "").replace(/^\s*Rp\s*/i, "").replace(/[.\s]/g, "");
  if (!digits) return null;
  // At most Rp 1,000,000,000,000 (SYNC-CONTRACT 1.1).
  return /^[0-9]{1,13}$/.test(digits) && Number(digits) <= PRICE_LIMIT ? Number(digits) : NaN;
}

export function quantity(text, unitLabel = "") {
  const shown = displayQuantity(text, currentLang());
  return unitLabel ? `${shown} ${unitLabel}` : shown;
}

function locale() {
  return currentLang() === "en" ? "en-GB" : "id-ID";
}

export function dateTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return `${date.toLocaleDateString(locale(), { day: "numeric", month: "short", year: "numeric" })} ${date
    .toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" })}`;
}

export function dateOnly(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleDateString(locale(), { day: "numeric", month: "short", year: "numeric" });
}

export function bytes(n) {
  if (!n && n !== 0) return "?";
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(1)} GB`;
}

/** Today's date in the phone's time zone, as yyyy-mm-dd. */
export function today() {
  const now = new Date();
  const local = new Date(now.getTime() - now.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 10);
}
