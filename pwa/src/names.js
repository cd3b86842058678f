// When two producers' names are the same person's: "Ibu Ani", "ani" and "Bu  ANI" are one name
// (case, spaces and a title in front do not count), so a facilitator is warned before entering
// the same producer twice in one desa.

const TITLES = new Set(["ibu", "bu", "bapak", "pak", "bpk", "bp", "mbak", "mas", "teh", "kang", "haji", "hj", "h"]);

/** A name as a key: lower case, no marks, no spaces, without the titles in front. */
export function nameKey(name) {
  const words = String(name || "")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .split(/[\s.,]+/)
    .filter(Boolean);
  while (words.length > 1 && TITLES.has(words[0])) words.shift();
  return words.join("");
}

/** The producer of that desa with the same name, or null. */
export function sameNameIn(producers, name, villageCode) {
  const key = nameKey(name);
  if (!key) return null;
  return producers.find((p) => p.village_code === villageCode && nameKey(p.name) === key) || null;
}
