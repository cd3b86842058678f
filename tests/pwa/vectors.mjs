// The shared JSON vectors of tests/vectors/, read by the JavaScript tests as by the Python ones.
import { readFileSync } from "node:fs";

export function vectors(name) {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}.json`, import.meta.url), "utf8"));
}
