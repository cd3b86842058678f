// Numbers, money, dates and bytes as people here read them.
import { currentLang, t } from "./i18n.js";
import { displayQuantity, readTyped } from "./quantity.js";

/** 120000 -> "Rp 120.000" (rupiah has no minor unit in daily use). */
export function rupiah(value) {
  if (value === null || value === undefined || value === "") return "";
  return `Rp ${String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ".")}`;
}

const PRICE_LIMIT = 10n ** 12n; // at most Rp 1,000,000,000,000 (SYNC-CONTRACT 1.1)

/**
 * A typed price, read like any typed number ("120.000", "Rp 120.000,-" in Indonesian, "120,000"
 * in English) -> {value: 120000} | {ambiguous: [texts]} | {error: reason}. A reading that is not
 * whole rupiah is not a price: "12,500" can only be 12.500 and is not asked about.
 */
export function readPrice(text, lang = currentLang()) {
  let typed = String(text ?? "").trim().replace(/^Rp\.?\s*/i, "");
  if (lang !== "en") typed = typed.replace(/,-$/, "");
  let read = readTyped(typed, lang);
  if (read.ambiguous) {
    const whole = read.ambiguous.filter((reading) => !reading.includes("."));
    if (whole.length === 2) return read;
    read = { value: whole[0] };
  }
  if (read.error) return read;
  if (read.value.includes(".")) return { error: "whole_rupiah" };
  if (BigInt(read.value) > PRICE_LIMIT) return { error: "price_too_large" };
  return { value: Number(read.value) };
}

/** A typed price -> 120000, null when nothing was typed, NaN when it is not one price. */
export function parsePrice(text) {
  const read = readPrice(text);
  if (read.error === "empty") return null;
  return read.value === undefined ? NaN : read.value;
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

/** 1000 -> "1.000" in Indonesian, "1,000" in English. */
export function count(n) {
  return Number(n).toLocaleString(locale());
}

/** How long ago, in words: "baru saja", "5 menit lalu", "3 jam lalu", "2 hari lalu". */
export function ago(iso, now = Date.now()) {
  const minutes = Math.floor((now - new Date(iso).getTime()) / 60000);
  if (minutes < 1) return t("just_now");
  if (minutes < 60) return t("minutes_ago", { n: minutes });
  if (minutes < 24 * 60) return t("hours_ago", { n: Math.floor(minutes / 60) });
  return t("days_ago", { n: count(Math.floor(minutes / (24 * 60))) });
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
