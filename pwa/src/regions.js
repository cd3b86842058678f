// The villages a person may pick: fetched from the regions API once online, kept in IndexedDB.
import { REGIONS } from "./db.js";

function parentOf(code) {
  const parts = code.split(".");
  if (parts.length === 4) return parts.slice(0, 3).join(".");
  if (parts.length === 3) return code;
  return null; // a kabupaten or province: too many villages to keep for a picker
}

/** Fetch and keep the villages under the account's regions, and the kecamatans beside them
 * (their names tell two villages of one name apart in the picker); quiet when offline. */
export async function cacheVillages(db, transport, regionCodes) {
  const kecamatans = [...new Set(regionCodes.map(parentOf).filter(Boolean))];
  const kabupatens = [...new Set(kecamatans.map((code) => code.split(".").slice(0, 2).join(".")))];
  // The kecamatans first: once villages are kept, the names that tell them apart are too.
  for (const parent of [...kabupatens, ...kecamatans]) {
    const answer = await transport("GET", "/api/v1/regions", { params: { parent } });
    if (answer.status === 200 && Array.isArray(answer.body)) {
      await db.put(REGIONS, { parent, regions: answer.body, fetched_at: new Date().toISOString() });
    }
  }
}

/** The villages the account may pick, [{code, name}], from what is kept. */
export async function villageChoices(db, regionCodes) {
  const kept = await db.getAll(REGIONS);
  const villages = kept.flatMap((entry) => entry.regions).filter((region) => region.level === 4);
  return villages.filter((village) =>
    regionCodes.some((code) => village.code === code || village.code.startsWith(`${code}.`)),
  );
}

/** Names of every kept region by code. */
export async function regionNames(db) {
  const names = new Map();
  for (const entry of await db.getAll(REGIONS)) {
    for (const region of entry.regions) names.set(region.code, region.name);
  }
  return names;
}
