"""A plan's manifest: printed from manifest.html, or as the rows of a spreadsheet."""

from pathlib import Path

from flask import render_template_string

TEMPLATE = (Path(__file__).parent / "manifest.html").read_text(encoding="utf-8")

CATEGORY_NAMES = {
    "coffee": ("Kopi", "Coffee"),
    "cocoa": ("Kakao", "Cocoa"),
    "spices": ("Rempah", "Spices"),
    "rice_grains": ("Beras & biji-bijian", "Rice & grains"),
    "fruits": ("Buah", "Fruits"),
    "vegetables": ("Sayur", "Vegetables"),
    "fishery": ("Perikanan", "Fishery"),
    "livestock": ("Peternakan", "Livestock"),
    "processed_food": ("Makanan olahan", "Processed food"),
    "beverages": ("Minuman", "Beverages"),
    "herbal": ("Herbal", "Herbal"),
    "handicraft": ("Kerajinan", "Handicraft"),
    "textile": ("Tekstil", "Textile"),
    "other": ("Lainnya", "Other"),
}

# (key in a line, Indonesian heading, English heading): the manifest's columns, HTML and CSV alike.
MANIFEST_COLUMNS = (
    ("lot", "Lot", "Lot"),
    ("kecamatan_name", "Kecamatan", "District"),
    ("village_code", "Kode desa", "Village code"),
    ("village_name", "Nama desa", "Village"),
    ("producer_name", "Produsen", "Producer"),
    ("product_name", "Produk", "Product"),
    ("hs_code", "Kode HS", "HS code"),
    ("qty", "Jumlah kemasan", "Package count"),
    ("unit", "Satuan", "Unit"),
    ("net_kg", "Berat bersih (kg)", "Net (kg)"),
)


def html(plan):
    """The manifest for print (a plan as the API shows it): header, lines, totals and signature lines."""
    return render_template_string(TEMPLATE, plan=plan, category=category_label(plan["category"]))


def csv_rows(plan):
    """The manifest for a spreadsheet: header rows, a blank row, the lines, then totals."""
    rows = [[label, value] for label, value in _header_rows(plan)]
    rows.append([])
    rows.append([f"{id_} / {en}" for _, id_, en in MANIFEST_COLUMNS])
    rows.extend([line[key] for key, _, _ in MANIFEST_COLUMNS] for line in plan["lines"])
    totals = plan["totals"]
    by_unit = totals["qty_by_unit"]
    qty, unit = next(iter(by_unit.items()))[::-1] if len(by_unit) == 1 else (_by_unit_text(by_unit), "")
    rows.append(["TOTAL", "", "", "", "", "", "", qty, unit, totals["net_kg"]])
    return rows


def category_label(category):
    """A plan's commodity in Indonesian and English; "mixed" for a plan of listed products."""
    if not category:
        return "Campuran / Mixed"
    indonesian, english = CATEGORY_NAMES.get(category, (category, category))
    return f"{indonesian} / {english}"


def _by_unit_text(by_unit):
    return "; ".join(f"{qty} {unit}" for unit, qty in by_unit.items())


def _header_rows(plan):
    return [
        ("Manifes muatan / Load manifest", ""),
        ("ID rencana / Plan id", plan["id"]),
        ("Komoditas / Commodity", category_label(plan["category"])),
        ("Wilayah / Region", f"{plan['region']['code']} {plan['region']['name'] or ''}".strip()),
        ("Kapasitas (kg) / Capacity (kg)", plan["capacity_kg"]),
        ("Pelabuhan / Port", plan["port"]),
        ("Tanggal / Date", plan["date"]),
        ("Status / Status", plan["status"]),
        ("Jumlah baris / Lines", str(plan["totals"]["lines"])),
        ("Berat bersih total (kg) / Total net (kg)", plan["totals"]["net_kg"]),
    ]
