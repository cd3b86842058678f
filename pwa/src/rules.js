// The field rules of sync/records.py, checked on the phone before anything is queued: a mistake
// is told while the person still holds the form, not after a sync. The same cases pin both
// (tests/vectors/fields.json). Errors are codes, as the server's are; `fieldProblem` words them.
import { normalizePhone } from "./phone.js";
import { parseMilli, qtyLimitPassed } from "./quantity.js";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const VILLAGE_RE = /^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$/;
const SHA256_RE = /^[0-9a-f]{64}$/;
const HS_RE = /^[0-9]{4}\.?[0-9]{2}\.?[0-9]{2}$/;
const NIB_RE = /^[0-9]{13}$/;
const DATE_RE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const TIME_RE = /^([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,6})?Z$/;

const PRODUCER_KINDS = ["individual", "group", "ukm", "bumdes", "koperasi"];
const CATEGORIES = ["coffee", "cocoa", "spices", "rice_grains", "fruits", "vegetables", "fishery", "livestock", "processed_food", "beverages", "herbal", "handicraft", "textile", "other"];
const UNITS = ["kg", "g", "l", "ml", "pcs", "pack", "karung", "ikat"];
const CERTIFICATION_KINDS = ["nib", "pirt", "bpom_md", "halal", "sni", "organic", "phytosanitary"];
const STATUSES = ["draft", "submitted", "approved", "needs_changes", "rejected"];
// The sign a movement's qty must have, by kind: in (1), out (-1) or either (0).
const MOVEMENT_SIGNS = { harvest: 1, production: 1, purchase: 1, sale: -1, spoilage: -1, shipment: -1, adjustment: 0 };
const PRICE_LIMIT = 10 ** 12;
const YEARS = [2000, 2100];
export const TEXT_LIMITS = { name: 200, description: 5000, note: 1000, cert_number: 100 };

/** A field's problem: a code, and the limit passed when there is one. */
class Problem extends Error {
  constructor(code, limit = null) {
    super(code);
    this.code = code;
    this.limit = limit;
  }
}

function text(limit, required = false) {
  return (value) => {
    if ((value === null || value === undefined) && !required) return;
    if (typeof value !== "string") throw new Problem("not_a_string");
    const trimmed = value.trim();
    if (required && !trimmed) throw new Problem("required");
    if ([...trimmed].length > limit) throw new Problem("too_long", limit); // code points, as Python's len()
  };
}

function choice(values) {
  return (value) => {
    if (!values.includes(value)) throw new Problem("invalid_choice");
  };
}

function pattern(regex, code, nullable = true) {
  return (value) => {
    if (value === null && nullable) return;
    if (typeof value !== "string" || !regex.test(value)) throw new Problem(code);
  };
}

function realDay(day) {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
}

function inYears(day) {
  const year = Number(day.slice(0, 4));
  return year >= YEARS[0] && year <= YEARS[1];
}

function date(value) {
  if (value === null || value === undefined) return;
  if (typeof value !== "string" || !DATE_RE.test(value) || !realDay(value)) throw new Problem("invalid_date");
  if (!inYears(value)) throw new Problem("out_of_range", "year");
}

function time(value) {
  const match = typeof value === "string" ? TIME_RE.exec(value) : null;
  if (!match || !realDay(match[1]) || Number(match[2]) > 23 || Number(match[3]) > 59 || Number(match[4]) > 59) {
    throw new Problem("invalid_datetime");
  }
  if (!inYears(match[1])) throw new Problem("out_of_range", "year");
}

function decimal(value) {
  const milli = typeof value === "string" && value.length <= 20 ? parseMilli(value) : null;
  if (milli === null) throw new Problem("invalid_decimal");
  return milli;
}

function weight(value) {
  if (value === null) return;
  const milli = decimal(value);
  if (milli === 0n) throw new Problem("must_not_be_zero");
  if (milli < 0n) throw new Problem("out_of_range");
}

function quantity(value) {
  const milli = decimal(value);
  if (milli === 0n) throw new Problem("must_not_be_zero");
  const limit = qtyLimitPassed(milli);
  if (limit !== null) throw new Problem("out_of_range", limit);
}

function price(value) {
  if (value === null) return;
  if (typeof value !== "number" || !Number.isInteger(value)) throw new Problem("not_an_integer");
  if (value < 0 || value > PRICE_LIMIT) throw new Problem("out_of_range", String(value < 0 ? 0 : PRICE_LIMIT));
}

function phone(value) {
  if (value === null || value === "") return;
  if (normalizePhone(value) === null) throw new Problem("invalid_phone");
}

function hsCode(value) {
  if (value === null || value === "") return;
  if (typeof value !== "string" || !HS_RE.test(value)) throw new Problem("invalid");
}

function certifications(value) {
  if (value === null) return;
  if (!Array.isArray(value)) throw new Problem("not_a_list");
  if (value.length > 20) throw new Problem("out_of_range");
  for (const item of value) {
    const keys = item && typeof item === "object" && !Array.isArray(item) ? Object.keys(item) : null;
    if (!keys || keys.some((key) => !["kind", "number", "valid_until"].includes(key))) throw new Problem("not_an_object");
    choice(CERTIFICATION_KINDS)(item.kind ?? null);
    text(TEXT_LIMITS.cert_number)(item.number ?? null);
    date(item.valid_until ?? null);
  }
}

function photos(value) {
  if (value === null) return;
  if (!Array.isArray(value)) throw new Problem("not_a_list");
  if (value.length > 20 || !value.every((p) => typeof p === "string" && SHA256_RE.test(p))) throw new Problem("invalid_sha256");
}

function reference(value) {
  if (typeof value !== "string" || !UUID_RE.test(value)) throw new Problem("invalid_uuid");
}

const CHECKS = {
  producer: {
    name: text(TEXT_LIMITS.name, true),
    village_code: pattern(VILLAGE_RE, "unknown_region", false),
    kind: choice(PRODUCER_KINDS),
    phone,
    nib: pattern(NIB_RE, "invalid"),
  },
  product: {
    producer_id: reference,
    name: text(TEXT_LIMITS.name, true),
    category: choice(CATEGORIES),
    description: text(TEXT_LIMITS.description),
    unit: choice(UNITS),
    unit_weight_kg: weight,
    price_idr: price,
    hs_code: hsCode,
    certifications,
    photos,
    status: choice(STATUSES),
  },
  stock_movement: {
    product_id: reference,
    qty: quantity,
    kind: choice(Object.keys(MOVEMENT_SIGNS)),
    occurred_at: time,
    note: text(TEXT_LIMITS.note),
  },
};

/** The fields an op may set on an entity the phone checks, in sync/records.py's order; null for others. */
export function checkedFields(entity) {
  return CHECKS[entity] ? Object.keys(CHECKS[entity]) : null;
}

/**
 * The problems of an upsert's fields, as sync/records.py's validate_fields finds them:
 * {field: {code, limit}}; empty when the server will take them. Only the fields given are checked.
 */
export function fieldProblems(entity, fields) {
  const checks = CHECKS[entity] || {};
  const problems = {};
  for (const [name, value] of Object.entries(fields)) {
    const check = checks[name];
    if (!check) continue;
    try {
      check(value);
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      problems[name] = { code: error.code, limit: error.limit };
    }
  }
  if (entity === "stock_movement" && !problems.qty && !problems.kind && "qty" in fields && "kind" in fields) {
    const sign = MOVEMENT_SIGNS[fields.kind];
    if (sign && fields.qty.startsWith("-") !== sign < 0) problems.qty = { code: "out_of_range", limit: null };
  }
  return problems;
}

// -- in words -------------------------------------------------------------------------------

// The label of each field, for a problem told away from its form (the server's rejections).
const FIELD_WORDS = {
  name: "field_name",
  village_code: "field_village",
  phone: "field_phone",
  nib: "field_nib",
  producer_id: "field_producer",
  category: "field_category",
  description: "field_description",
  unit: "field_unit",
  unit_weight_kg: "field_weight",
  price_idr: "field_price",
  hs_code: "field_hs_code",
  certifications: "field_certifications",
  photos: "field_photos",
  status: "field_status",
  product_id: "field_product",
  qty: "field_qty",
  occurred_at: "field_date",
  note: "field_note",
};

/** A field's name in words ("nib" -> "NIB", "hs_code" -> "Kode HS"); never the raw key. */
export function fieldLabel(t, entity, name) {
  const base = String(name).split(/[[.]/)[0];
  if (base === "kind") return t(entity === "stock_movement" ? "field_movement_kind" : "field_kind");
  return t(FIELD_WORDS[base] || "field_other");
}

/** What is wrong with a field, in a sentence that names it: `t` is i18n's. */
export function problemText(t, entity, name, { code, limit = null } = {}) {
  const field = fieldLabel(t, entity, name);
  const base = String(name).split(/[[.]/)[0];
  const specific = {
    nib: { invalid: "rule_nib" },
    hs_code: { invalid: "rule_hs_code" },
    phone: { invalid_phone: "rule_phone" },
    village_code: { unknown_region: "rule_village" },
    unit_weight_kg: { must_not_be_zero: "rule_weight", out_of_range: "rule_weight", invalid_decimal: "rule_decimal" },
    qty: { must_not_be_zero: "rule_qty_zero", invalid_decimal: "rule_decimal", out_of_range: limit ? "rule_qty_limit" : "rule_qty_sign" },
    price_idr: { out_of_range: "rule_price_limit", not_an_integer: "rule_price_whole" },
  }[base];
  if (specific && specific[code]) return t(specific[code], { field });
  if (code === "out_of_range" && (limit === "year" || /^2[01]00-/.test(String(limit)))) return t("rule_years", { field });
  if (code === "required") return t("rule_required", { field });
  if (code === "too_long") return t("rule_too_long", { field, max: limit || TEXT_LIMITS[base] || "" });
  if (code === "invalid_date" || code === "invalid_datetime") return t("rule_date", { field });
  return t("rule_invalid", { field });
}
