// Dates on the admin screens: in the person's language and in the time zone of the admin's region
// (Indonesia has three), with the zone's name, so a Makassar admin reads "08.15 WITA" and not an
// ISO text or the clock of whatever computer they sit at.
import { currentLang } from "../i18n.js";

const WIT = ["81", "82", "91", "92", "93", "94", "95", "96", "97"];
const WITA = ["51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"];
export const ZONES = {
  WIB: "Asia/Jakarta", // UTC+7: Sumatra, Java, West and Central Kalimantan
  WITA: "Asia/Makassar", // UTC+8: Bali, Nusa Tenggara, South, East and North Kalimantan, Sulawesi
  WIT: "Asia/Jayapura", // UTC+9: Maluku and Papua
};

/** The zone's name of a region code by its province ("73.71" -> "WITA"); WIB when unknown. */
export function zoneOf(code) {
  const province = String(code || "").slice(0, 2);
  if (WIT.includes(province)) return "WIT";
  if (WITA.includes(province)) return "WITA";
  return "WIB";
}

/** The zone of an admin: that of its first region (an admin's regions lie in one province or kabupaten). */
export function adminZone(user) {
  return zoneOf(((user && user.regions) || [])[0]);
}

function locale(lang) {
  return (lang || currentLang()) === "en" ? "en-GB" : "id-ID";
}

/** A moment (RFC 3339) as "1 Des 2026 08.15 WIB" in the zone. */
export function when(iso, zone = "WIB", lang) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const options = { timeZone: ZONES[zone] || ZONES.WIB, day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hour12: false };
  return `${date.toLocaleString(locale(lang), options).replace(",", "")} ${zone}`;
}

/** A calendar day ("2026-12-08") as "8 Des 2026": the day itself, whatever the zone. */
export function day(text, lang) {
  if (!text) return "";
  const date = new Date(`${String(text).slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleDateString(locale(lang), { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" });
}

/** A month ("2026-11") as "Nov 2026". */
export function month(text, lang) {
  if (!text) return "";
  const date = new Date(`${text}-01T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleDateString(locale(lang), { timeZone: "UTC", month: "short", year: "numeric" });
}
