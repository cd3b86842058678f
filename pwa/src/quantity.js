// Exact decimal quantities as text ("12.5", "-3", "0.125"), held as integer thousandths.
// The twin of sync/quantity.py. Thousandths are BigInt: 15 whole digits do not fit a double.

const QTY_RE = /^(-?)([0-9]{1,15})(?:\.([0-9]{1,3}))?$/;

// The limits of SYNC-CONTRACT 1.1, in thousandths: a movement's qty at most 1,000,000,000 either
// way, a product's stock on hand within +-1,000,000,000,000 (past one, the server rejects the op).
export const QTY_LIMIT_MILLI = 10n ** 12n;
export const STOCK_LIMIT_MILLI = 10n ** 15n;

/** "12.5" -> 12500n; null for anything that is not a decimal string with at most 3 places. */
export function parseMilli(text) {
  if (typeof text !== "string" || text.includes("\n")) return null;
  const match = QTY_RE.exec(text);
  if (!match) return null;
  const [, sign, whole, frac] = match;
  const value = BigInt(whole) * 1000n + BigInt((frac || "").padEnd(3, "0"));
  return sign ? -value : value;
}

/** 12500n -> "12.5"; the shortest exact text of a quantity. */
export function formatMilli(value) {
  const milli = BigInt(value);
  const sign = milli < 0n ? "-" : "";
  const abs = milli < 0n ? -milli : milli;
  const whole = abs / 1000n;
  const frac = abs % 1000n;
  if (frac === 0n) return `${sign}${whole}`;
  return `${sign}${whole}.${String(frac).padStart(3, "0").replace(/0+$/, "")}`;
}

/** The limit (text) a movement's qty in thousandths goes past, or null when it is within it. */
export function qtyLimitPassed(milli) {
  return limitPassed(BigInt(milli), QTY_LIMIT_MILLI);
}

/** The limit (text) a stock on hand in thousandths goes past, or null when it is within it. */
export function stockLimitPassed(milli) {
  return limitPassed(BigInt(milli), STOCK_LIMIT_MILLI);
}

function limitPassed(milli, limit) {
  if (milli > limit) return formatMilli(limit);
  if (milli < -limit) return formatMilli(-limit);
  return null;
}

/** What a person types ("12,5", " 3 ") -> canonical text, or null. A decimal comma is accepted. */
export function parseTyped(text) {
  if (typeof text !== "string") return null;
  const milli = parseMilli(text.trim().replace(",", "."));
  return milli === null ? null : formatMilli(milli);
}

/** The exact sum of quantity texts, as canonical text. */
export function sumQuantities(texts) {
  let total = 0n;
  for (const text of texts) total += parseMilli(text) || 0n;
  return formatMilli(total);
}

/** Canonical text shown the Indonesian way: "1.234,5" (id) or "1,234.5" (en). */
export function displayQuantity(text, lang) {
  const [whole, frac] = String(text).split(".");
  const group = lang === "en" ? "," : ".";
  const sign = whole.startsWith("-") ? "-" : "";
  const digits = whole.replace("-", "").replace(/\B(?=(\d{3})+(?!\d))/g, group);
  return sign + digits + (frac ? (lang === "en" ? "." : ",") + frac : "");
}
