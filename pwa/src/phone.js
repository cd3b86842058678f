// Indonesian mobile numbers: people write 08..., 628... or +628...; the server stores +628...
// The twin of sync/phone.py, for matching a typed phone with a saved account offline.

const SPELLING_RE = /^(\+62|62|0)([0-9]+)$/;
// libphonenumber's Indonesian mobile pattern (national number): 8, then not 0 or 4, 9-12 digits.
const MOBILE_RE = /^8[1-35-9][0-9]{7,10}$/;

/** The E.164 form (+62...) of an Indonesian mobile number, or null. */
export function normalizePhone(text) {
  if (typeof text !== "string") return null;
  const raw = text.trim().replace(/[ -]/g, "");
  const match = raw.includes("\n") ? null : SPELLING_RE.exec(raw);
  if (!match) return null;
  let national = match[2];
  if (match[1] !== "0" && national.startsWith("0")) national = national.slice(1); // +62 0812...
  return MOBILE_RE.test(national) ? `+62${national}` : null;
}
