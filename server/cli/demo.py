"""Demo data: one kabupaten (Kab. Bandung, 32.04) with accounts, producers, products and a year of stock.

`flask --app server demo` makes an admin, facilitators and a few producer accounts, then writes
producers, products, reviews and stock movements as ops through server.apply.apply_ops, the one
write path, in pushes of 1,000. Everything but account ids and server-side times follows from
--seed and --end-date, so the same arguments give the same data.
"""

import random
import time
import uuid
from collections import Counter, namedtuple
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from sync.hlc import format_hlc
from sync.phone import normalize_phone
from sync.quantity import format_milli
from sync.records import format_time

from ..api.users import create_account
from ..engine.apply import apply_ops
from ..engine.models import Producer, Product, Region, Review, StockMovement, User
from ..engine.scope import Actor
from ..extensions import db
from .regions import import_regions

KABUPATEN = "32.04"
KABUPATEN_NAME = "Kab. Bandung"
DEMO_PIN = "246810"
ADMIN = ("+6281200000001", "Admin Kab. Bandung")
# Facilitators: name, phone, the kecamatan whose desa they are assigned to.
FACILITATORS = (
    ("Rina Marlina", "+6281200000011", ("Pangalengan", "Kertasari")),
    ("Dadang Supriatna", "+6281200000012", ("Ciwidey", "Rancabali", "Pasirjambu")),
    ("Yusuf Hidayat", "+6281200000013", ("Majalaya", "Paseh", "Ibun")),
    ("Siti Nurjanah", "+6281200000014", ("Cicalengka", "Nagreg", "Cikancung")),
)
DESA_PER_FACILITATOR = 6
PRODUCER_LOGIN_PHONES = ("+6281200000021", "+6281200000022", "+6281200000023")
BATCH = 1000
SLOTS_PER_DAY = 12 * 60  # one movement a minute at most, 06:00-18:00 WIB
WIB = timedelta(hours=7)

# -- the catalogue -------------------------------------------------------------------------------

# How a product's stock moves: inflow kind and size, sale size (in its unit), the step of a
# quantity in thousandths, spoilage odds, whether it ships for export, movements a year
# (relative), the most stock it keeps (in inflows), and the months of its season (none: all year).
Flow = namedtuple("Flow", "inflow size sale step spoil ship activity keep season")
FLOWS = {
    "cherry": Flow("harvest", (80, 600), (50, 400), 500, 0.03, False, 1.0, 1.5, (5, 6, 7, 8, 9)),
    "parchment": Flow("production", (50, 300), (20, 150), 100, 0.005, False, 0.7, 3, (6, 7, 8, 9, 10)),
    "green_bean": Flow("production", (60, 400), (10, 120), 100, 0.005, True, 0.9, 4, (6, 7, 8, 9, 10, 11)),
    "roasted": Flow("production", (20, 120), (1, 15), 1000, 0.005, False, 1.4, 3, ()),
    "tea_leaf": Flow("harvest", (150, 900), (150, 900), 100, 0.04, False, 2.2, 0.5, ()),
    "bulk_tea": Flow("production", (100, 600), (20, 200), 100, 0.003, True, 0.8, 3, ()),
    "milk": Flow("production", (40, 160), (40, 160), 500, 0.02, False, 3.0, 0.5, ()),
    "dairy_pack": Flow("production", (50, 300), (5, 60), 1000, 0.02, False, 1.6, 1.5, ()),
    "veg_kg": Flow("harvest", (100, 1500), (20, 400), 500, 0.05, False, 2.0, 1, ()),
    "veg_ikat": Flow("harvest", (50, 300), (10, 100), 1000, 0.06, False, 2.0, 0.7, ()),
    "export_veg": Flow("harvest", (100, 800), (50, 300), 100, 0.04, True, 1.5, 1, ()),
    "fruit_pack": Flow("harvest", (30, 200), (5, 40), 1000, 0.06, False, 1.8, 1, (12, 1, 2, 3, 6, 7, 8)),
    "fruit_kg": Flow("harvest", (50, 500), (10, 100), 500, 0.05, False, 1.2, 1, (10, 11, 12, 1, 2, 3)),
    "snack": Flow("production", (50, 300), (5, 60), 1000, 0.01, False, 1.5, 3, ()),
    "export_snack": Flow("production", (100, 600), (10, 80), 1000, 0.01, True, 1.3, 3, ()),
    "tahu": Flow("production", (100, 400), (30, 200), 1000, 0.04, False, 3.0, 0.7, ()),
    "bottle": Flow("production", (50, 300), (10, 80), 1000, 0.03, False, 1.6, 2, ()),
    "rice_karung": Flow("harvest", (20, 120), (2, 20), 1000, 0.003, True, 0.8, 4, (2, 3, 4, 7, 8)),
    "rice_kg": Flow("harvest", (300, 3000), (25, 300), 1000, 0.003, False, 1.2, 3, (2, 3, 4, 7, 8)),
    "rice_pack": Flow("production", (50, 300), (5, 50), 1000, 0.003, True, 1.0, 3, ()),
    "fish_kg": Flow("harvest", (50, 400), (10, 120), 500, 0.01, False, 1.2, 1, ()),
    "fry": Flow("production", (2000, 10000), (200, 3000), 1000, 0.05, False, 0.8, 1.5, ()),
    "animal": Flow("production", (2, 12), (1, 4), 1000, 0.0, False, 0.3, 3, ()),
    "eggs": Flow("production", (100, 600), (30, 300), 1000, 0.01, False, 2.0, 1, ()),
    "honey": Flow("harvest", (10, 60), (1, 10), 1000, 0.0, False, 0.6, 3, (3, 4, 5, 6, 7, 8)),
    "spice_kg": Flow("harvest", (50, 500), (10, 150), 500, 0.03, True, 1.0, 2, ()),
    "spice_ikat": Flow("harvest", (50, 300), (10, 80), 1000, 0.05, False, 1.0, 1, ()),
    "herbal_pack": Flow("production", (30, 200), (3, 30), 1000, 0.005, False, 1.0, 3, ()),
    "simplisia": Flow("production", (20, 150), (5, 50), 100, 0.005, True, 0.6, 3, ()),
    "oil": Flow("production", (5, 40), (1, 15), 50, 0.0, True, 0.5, 4, ()),
    "craft": Flow("production", (5, 60), (1, 15), 1000, 0.0, True, 0.5, 4, ()),
    "craft_pack": Flow("production", (50, 300), (10, 80), 1000, 0.0, True, 0.6, 3, ()),
    "textile": Flow("production", (20, 150), (2, 30), 1000, 0.0, True, 0.6, 4, ()),
    "karung": Flow("production", (20, 100), (2, 30), 1000, 0.0, False, 0.6, 3, ()),
    "seedling": Flow("production", (200, 2000), (20, 500), 1000, 0.05, False, 0.6, 2, (10, 11, 12, 1)),
    "plant": Flow("production", (20, 100), (1, 10), 1000, 0.02, False, 0.5, 3, ()),
}

# A kind of product: theme, category, unit, unit weight (kg), price range (IDR per unit), HS code,
# flow, who makes it (i individual, g group, u UKM, b BUMDes, k koperasi), certificates it may
# carry, and its names.
Template = namedtuple("Template", "theme category unit weight price hs flow makers certs names")
T = Template
TEMPLATES = (
    T("coffee", "coffee", "kg", "1", (9_500, 13_500), None, "cherry", "ig", ("organic",),
      ("Kopi Ceri Arabika Petik Merah", "Kopi Gelondong Merah Arabika")),
    T("coffee", "coffee", "kg", "1", (65_000, 90_000), None, "parchment", "igkb", ("organic",),
      ("Kopi Gabah Arabika (HS Kering)", "Kopi Kulit Tanduk Arabika")),
    T("coffee", "coffee", "kg", "1", (115_000, 165_000), "09011110", "green_bean", "gkbu",
      ("sni", "organic", "phytosanitary"),
      ("Kopi Arabika Java Preanger Green Bean Full Wash", "Kopi Arabika Java Preanger Green Bean Natural",
       "Kopi Arabika Java Preanger Green Bean Honey", "Kopi Arabika Java Preanger Green Bean Wine")),
    T("coffee", "coffee", "pack", "0.25", (65_000, 115_000), "09012110", "roasted", "ukb", ("pirt", "halal", "nib"),
      ("Kopi Arabika Java Preanger Roasted Bean 250 g", "Kopi Sangrai Arabika Medium Roast 250 g",
       "Kopi Arabika Natural Light Roast 250 g")),
    T("coffee", "coffee", "pack", "0.2", (30_000, 55_000), "09012120", "roasted", "uikb", ("pirt", "halal", "nib"),
      ("Kopi Bubuk Arabika 200 g", "Kopi Bubuk Arabika Tubruk 200 g")),
    T("coffee", "other", "pcs", "0.5", (3_000, 6_000), None, "seedling", "igb", (),
      ("Bibit Kopi Arabika Sigararutang (Polybag)", "Bibit Kopi Arabika Lini S 795 (Polybag)")),
    T("tea", "beverages", "kg", "1", (3_000, 4_500), None, "tea_leaf", "igk", (), ("Pucuk Teh Segar",)),
    T("tea", "beverages", "pack", "0.1", (22_000, 48_000), "09021090", "herbal_pack", "ub", ("pirt", "halal", "nib"),
      ("Teh Hijau Rancabali 100 g", "Teh Hitam Orthodox 100 g", "Teh Putih Pucuk 50 g")),
    T("tea", "beverages", "kg", "1", (38_000, 65_000), "09024090", "bulk_tea", "kbu", ("sni", "phytosanitary"),
      ("Teh Hitam Curah BOP", "Teh Hijau Curah Grade 1")),
    T("dairy", "livestock", "l", "1.03", (7_000, 9_500), None, "milk", "igk", (), ("Susu Sapi Segar",)),
    T("dairy", "processed_food", "pcs", "0.25", (6_000, 9_000), None, "dairy_pack", "ukb", ("bpom_md", "halal"),
      ("Susu Pasteurisasi Cokelat 250 ml", "Susu Pasteurisasi Stroberi 250 ml", "Yoghurt Stroberi 250 ml")),
    T("dairy", "processed_food", "pack", "0.2", (15_000, 28_000), None, "snack", "ui", ("pirt", "halal"),
      ("Dodol Susu 200 g", "Karamel Susu 150 g", "Kerupuk Susu 100 g")),
    T("dairy", "processed_food", "pack", "0.25", (35_000, 55_000), None, "dairy_pack", "uk", ("pirt", "halal"),
      ("Keju Mozzarella Lokal 250 g",)),
    T("veg", "vegetables", "kg", "1", (9_000, 15_000), None, "veg_kg", "igkb", (),
      ("Kentang Granola", "Kentang Atlantik")),
    T("veg", "vegetables", "kg", "1", (3_000, 6_000), None, "veg_kg", "igb", (), ("Kol Bulat", "Sawi Putih")),
    T("veg", "vegetables", "kg", "1", (7_000, 12_000), None, "veg_kg", "igb", (), ("Wortel", "Buncis", "Tomat")),
    T("veg", "vegetables", "kg", "1", (28_000, 75_000), None, "veg_kg", "igb", (),
      ("Cabai Merah Keriting", "Cabai Rawit Merah", "Cabai Rawit Hijau")),
    T("veg", "vegetables", "ikat", "0.25", (2_500, 5_500), None, "veg_ikat", "ig", (),
      ("Bawang Daun", "Seledri", "Pakcoy")),
    T("veg", "vegetables", "kg", "1", (35_000, 60_000), "07096090", "export_veg", "gk", ("phytosanitary", "organic"),
      ("Paprika Merah", "Paprika Kuning")),
    T("veg", "vegetables", "kg", "1", (10_000, 18_000), None, "veg_kg", "ig", ("organic",),
      ("Selada Keriting", "Brokoli")),
    T("fruits", "fruits", "pack", "0.25", (18_000, 35_000), "08101000", "fruit_pack", "igu", ("organic",),
      ("Stroberi Segar 250 g",)),
    T("fruits", "fruits", "kg", "1", (18_000, 35_000), "08044000", "fruit_kg", "igk", (), ("Alpukat Mentega",)),
    T("fruits", "fruits", "kg", "1", (14_000, 25_000), None, "fruit_kg", "ig", (),
      ("Jeruk Lemon", "Markisa Ungu", "Terong Belanda")),
    T("fruits", "processed_food", "pack", "0.25", (22_000, 38_000), None, "snack", "u", ("pirt", "halal"),
      ("Selai Stroberi 250 g", "Dodol Stroberi 200 g", "Manisan Stroberi 200 g")),
    T("snacks", "processed_food", "pack", "0.25", (12_000, 20_000), "20089990", "export_snack", "uib",
      ("pirt", "halal", "nib"),
      ("Keripik Singkong Balado 250 g", "Keripik Singkong Original 250 g", "Keripik Singkong Pedas Daun Jeruk 250 g")),
    T("snacks", "processed_food", "pack", "0.25", (14_000, 22_000), "20089990", "snack", "uib", ("pirt", "halal"),
      ("Keripik Pisang Manis 250 g", "Sale Pisang Goreng 250 g")),
    T("snacks", "processed_food", "pack", "0.25", (12_000, 20_000), None, "snack", "ui", ("pirt", "halal"),
      ("Opak Ketan 250 g", "Rengginang Terasi 250 g", "Basreng Pedas 200 g", "Seblak Kering 200 g")),
    T("snacks", "processed_food", "pack", "0.25", (15_000, 28_000), "17049099", "snack", "ui", ("pirt", "halal"),
      ("Dodol Ketan Wijen 250 g", "Dodol Nangka 250 g", "Wajit Cililin 250 g")),
    T("snacks", "processed_food", "pack", "0.5", (8_000, 13_000), None, "tahu", "ui", ("pirt", "halal"),
      ("Tahu Putih isi 10", "Tahu Kuning isi 10", "Tahu Sumedang isi 20")),
    T("snacks", "processed_food", "pcs", "0.4", (5_000, 8_000), None, "tahu", "ui", ("halal",),
      ("Tempe Kedelai Papan",)),
    T("snacks", "processed_food", "pcs", "0.2", (20_000, 35_000), None, "bottle", "u", ("pirt", "halal"),
      ("Sambal Cibiuk Botol 200 g", "Sambal Dadak Botol 200 g")),
    T("snacks", "processed_food", "kg", "1", (25_000, 38_000), None, "snack", "uib", ("pirt", "halal"),
      ("Gula Aren Cetak",)),
    T("rice", "rice_grains", "karung", "25", (320_000, 400_000), "10063099", "rice_karung", "gkb", ("sni",),
      ("Beras Pandan Wangi 25 kg", "Beras Premium 25 kg")),
    T("rice", "rice_grains", "kg", "1", (12_000, 15_000), None, "rice_kg", "igkb", (), ("Beras Medium",)),
    T("rice", "rice_grains", "pack", "1", (22_000, 32_000), "10063099", "rice_pack", "ukg", ("organic", "sni"),
      ("Beras Merah Organik 1 kg", "Beras Hitam Organik 1 kg")),
    T("rice", "rice_grains", "karung", "50", (300_000, 360_000), None, "rice_karung", "gkb", (),
      ("Gabah Kering Giling 50 kg",)),
    T("rice", "rice_grains", "kg", "1", (16_000, 21_000), None, "rice_kg", "igk", (),
      ("Beras Ketan Putih", "Beras Ketan Hitam")),
    T("rice", "rice_grains", "kg", "1", (5_000, 7_500), None, "rice_kg", "igk", (), ("Jagung Pipil Kering",)),
    T("fishery", "fishery", "kg", "1", (30_000, 38_000), None, "fish_kg", "igk", (), ("Ikan Mas Segar",)),
    T("fishery", "fishery", "kg", "1", (27_000, 35_000), "03027100", "fish_kg", "igk", (), ("Ikan Nila Segar",)),
    T("fishery", "fishery", "kg", "1", (20_000, 26_000), None, "fish_kg", "ig", (), ("Ikan Lele Segar",)),
    T("fishery", "fishery", "pcs", "0.001", (150, 400), None, "fry", "ig", (), ("Benih Ikan Nila", "Benih Ikan Mas")),
    T("fishery", "processed_food", "pack", "0.1", (25_000, 40_000), None, "snack", "u", ("pirt", "halal"),
      ("Abon Lele 100 g", "Keripik Kulit Ikan 100 g")),
    T("livestock", "livestock", "pcs", "35", (2_500_000, 4_500_000), None, "animal", "igkb", (),
      ("Domba Garut Jantan", "Domba Garut Betina")),
    T("livestock", "livestock", "pcs", "0.06", (2_000, 3_200), None, "eggs", "igb", (), ("Telur Ayam Kampung",)),
    T("livestock", "livestock", "pcs", "1.2", (80_000, 125_000), None, "animal", "ig", (), ("Ayam Kampung Hidup",)),
    T("livestock", "livestock", "pcs", "0.5", (90_000, 160_000), "04090000", "honey", "igu", ("pirt", "halal"),
      ("Madu Hutan 500 ml", "Madu Klanceng 250 ml")),
    T("herbal", "spices", "kg", "1", (12_000, 20_000), "09101100", "spice_kg", "igk", ("organic", "phytosanitary"),
      ("Jahe Gajah Segar",)),
    T("herbal", "spices", "kg", "1", (25_000, 40_000), "09101100", "spice_kg", "igk", ("organic",),
      ("Jahe Merah Segar",)),
    T("herbal", "spices", "kg", "1", (8_000, 14_000), "09103000", "spice_kg", "igk", (), ("Kunyit Segar",)),
    T("herbal", "spices", "ikat", "0.5", (3_000, 6_000), None, "spice_ikat", "ig", (), ("Sereh Dapur",)),
    T("herbal", "herbal", "pack", "0.25", (25_000, 42_000), None, "herbal_pack", "u", ("pirt", "halal", "nib"),
      ("Jahe Merah Instan 250 g", "Temulawak Instan 250 g", "Kunyit Putih Instan 250 g")),
    T("herbal", "herbal", "kg", "1", (35_000, 60_000), "12119099", "simplisia", "gku", ("organic",),
      ("Simplisia Temulawak Kering", "Simplisia Jahe Merah Kering")),
    T("herbal", "herbal", "l", "0.9", (220_000, 350_000), "33012990", "oil", "gkub", ("sni",), ("Minyak Sereh Wangi",)),
    T("herbal", "beverages", "pack", "0.2", (14_000, 22_000), None, "herbal_pack", "u", ("pirt", "halal"),
      ("Bandrek Instan 200 g", "Bajigur Instan 200 g", "Wedang Jahe Sereh 200 g")),
    T("herbal", "beverages", "pcs", "0.25", (6_000, 10_000), None, "bottle", "ui", ("pirt", "halal"),
      ("Jamu Kunyit Asam 250 ml", "Jamu Beras Kencur 250 ml")),
    T("handicraft", "handicraft", "pcs", "1.5", (350_000, 950_000), "92060000", "craft", "ug", ("nib",),
      ("Angklung Set Diatonis 8 Nada", "Angklung Melodi 1 Oktaf")),
    T("handicraft", "handicraft", "pcs", "0.8", (250_000, 650_000), "44201900", "craft", "ui", ("nib",),
      ("Wayang Golek Cepot 40 cm", "Wayang Golek Arjuna 50 cm", "Wayang Golek Semar 40 cm")),
    T("handicraft", "handicraft", "pack", "0.5", (10_000, 18_000), "46021190", "craft_pack", "igub", (),
      ("Besek Bambu isi 10", "Besek Bambu Tutup isi 10")),
    T("handicraft", "handicraft", "pcs", "0.4", (20_000, 45_000), "46021190", "craft", "igu", (),
      ("Tampah Bambu 50 cm", "Boboko Bambu", "Aseupan Bambu")),
    T("handicraft", "handicraft", "pcs", "0.5", (75_000, 160_000), "46021990", "craft", "ug", ("nib",),
      ("Tas Anyaman Pandan", "Keranjang Anyaman Mendong")),
    T("handicraft", "handicraft", "pcs", "0.3", (40_000, 140_000), "92059090", "craft", "ui", (),
      ("Suling Bambu Sunda", "Karinding Bambu")),
    T("textile", "textile", "pcs", "0.5", (120_000, 260_000), "52084290", "textile", "uikg", ("nib", "sni"),
      ("Sarung Tenun ATBM Majalaya", "Sarung Poleng Tenun")),
    T("textile", "textile", "pcs", "0.4", (250_000, 850_000), "52085210", "textile", "ui", ("nib",),
      ("Batik Tulis Motif Sunda 2 m", "Batik Tulis Motif Kujang 2 m")),
    T("textile", "textile", "pcs", "0.4", (120_000, 260_000), "52085210", "textile", "uk", ("nib",),
      ("Batik Cap Katun 2 m", "Batik Cap Motif Manglayang 2 m")),
    T("textile", "textile", "pcs", "0.3", (60_000, 95_000), None, "textile", "u", (), ("Kaos Sablon Khas Bandung",)),
    T("textile", "textile", "pcs", "0.6", (150_000, 320_000), None, "textile", "u", (), ("Mukena Bordir",)),
    T("textile", "textile", "pcs", "0.15", (45_000, 85_000), None, "textile", "ui", (), ("Syal Rajut",)),
    T("other", "other", "karung", "25", (20_000, 35_000), None, "karung", "gkb", (),
      ("Pupuk Kompos Organik 25 kg", "Pupuk Kandang Fermentasi 25 kg")),
    T("other", "other", "karung", "10", (10_000, 18_000), None, "karung", "gb", (), ("Arang Sekam 10 kg",)),
    T("other", "other", "pcs", "0.5", (50_000, 150_000), None, "plant", "ui", (),
      ("Anggrek Dendrobium", "Kaktus Mini Pot")),
)  # fmt: skip
THEMES = tuple(dict.fromkeys(t.theme for t in TEMPLATES))

# What each kecamatan is known for, most important first; elsewhere anything goes.
KECAMATAN_THEMES = {
    "Pangalengan": ("dairy", "coffee", "veg", "tea"),
    "Kertasari": ("coffee", "veg", "dairy"),
    "Pasirjambu": ("coffee", "tea", "veg"),
    "Ciwidey": ("fruits", "veg", "tea", "snacks"),
    "Rancabali": ("tea", "fruits", "veg"),
    "Cimenyan": ("coffee", "veg", "herbal"),
    "Cilengkrang": ("coffee", "herbal", "handicraft"),
    "Cimaung": ("coffee", "veg", "livestock"),
    "Arjasari": ("coffee", "snacks", "livestock"),
    "Banjaran": ("snacks", "rice", "textile"),
    "Majalaya": ("textile", "rice", "snacks"),
    "Paseh": ("textile", "rice", "snacks"),
    "Ibun": ("coffee", "herbal", "textile"),
    "Solokanjeruk": ("rice", "fishery", "textile"),
    "Ciparay": ("rice", "fishery", "snacks"),
    "Pacet": ("veg", "herbal", "coffee"),
    "Cicalengka": ("snacks", "handicraft", "rice"),
    "Nagreg": ("snacks", "handicraft", "livestock"),
    "Cikancung": ("handicraft", "snacks", "rice"),
    "Rancaekek": ("rice", "fishery", "snacks"),
    "Bojongsoang": ("rice", "fishery"),
    "Baleendah": ("fishery", "snacks", "handicraft"),
    "Dayeuhkolot": ("snacks", "textile"),
    "Soreang": ("snacks", "handicraft", "herbal"),
    "Katapang": ("snacks", "fishery"),
    "Kutawaringin": ("fishery", "livestock", "rice"),
    "Cangkuang": ("textile", "snacks"),
    "Margaasih": ("snacks", "handicraft"),
    "Margahayu": ("snacks", "textile"),
    "Pameungpeuk": ("rice", "fishery"),
    "Cileunyi": ("snacks", "handicraft"),
}

PRODUCER_KINDS = {"individual": 45, "group": 25, "ukm": 18, "bumdes": 6, "koperasi": 6}
MAKER_LETTER = {"individual": "i", "group": "g", "ukm": "u", "bumdes": "b", "koperasi": "k"}
PRODUCTS_WEIGHT = {"individual": 1.0, "group": 1.5, "ukm": 2.5, "bumdes": 2.0, "koperasi": 3.0}

MEN = ("Asep", "Ujang", "Dadang", "Dede", "Cecep", "Iwan", "Agus", "Yayan", "Nana", "Endang", "Tatang", "Aang",
       "Jajang", "Didin", "Enjang", "Wawan", "Dudi", "Ade", "Deden", "Yusup", "Oman", "Ajat", "Engkus", "Acep",
       "Rahmat", "Hendra", "Ridwan", "Budi", "Usep", "Odih")  # fmt: skip
WOMEN = ("Euis", "Cucu", "Iis", "Neneng", "Entin", "Imas", "Enok", "Popon", "Lilis", "Yuyun", "Titin", "Nining",
         "Siti", "Rina", "Ai", "Eti", "Nenah", "Oom", "Dewi", "Yati", "Cicih", "Elis", "Tati", "Wiwin", "Nia",
         "Ineu")  # fmt: skip
MEN_SURNAMES = ("Supriatna", "Saepudin", "Kurniawan", "Hermawan", "Sopyan", "Suryana", "Setiawan", "Hidayat",
                "Rukmana", "Permana", "Gunawan", "Mulyana", "Sutisna", "Ruhiyat", "Kusnadi", "Sumarna", "Wahyudin",
                "Solihin", "Firmansyah", "Nugraha", "Ramdani", "Sudrajat", "Hamdani", "Suherman")  # fmt: skip
WOMEN_SURNAMES = ("Rohaeti", "Suryani", "Nurhayati", "Hasanah", "Kartini", "Masitoh", "Rosita", "Jubaedah",
                  "Komariah", "Maryam", "Rahmawati", "Sumiati", "Nurjanah", "Kurniasih", "Lestari")  # fmt: skip
WORDS = ("Mekar Jaya", "Sauyunan", "Sugih Mukti", "Harapan Jaya", "Mitra Sejahtera", "Sinar Tani", "Rahayu",
         "Silih Asih", "Giri Mukti", "Tunas Harapan", "Wargi Saluyu", "Barokah", "Maju Bersama", "Medal Sari",
         "Bina Karya", "Makmur Lestari", "Someah", "Pasir Wangi", "Mukti Tani", "Sari Mukti", "Tani Mulya",
         "Karya Mandiri", "Sejahtera Abadi", "Cipta Rasa", "Gemah Ripah", "Subur Makmur", "Hegar Mulya",
         "Cahaya Tani", "Wangi Sari", "Berkah Bersama")  # fmt: skip
GROUP_PREFIX = {
    "coffee": "Kelompok Tani Kopi",
    "tea": "Kelompok Tani Teh",
    "dairy": "Kelompok Peternak Sapi Perah",
    "veg": "Kelompok Tani Sayuran",
    "fruits": "Kelompok Tani Stroberi",
    "snacks": "KWT",
    "rice": "Gapoktan",
    "fishery": "Pokdakan",
    "livestock": "Kelompok Ternak Domba",
    "herbal": "Kelompok Tani Biofarmaka",
    "handicraft": "Kelompok Perajin Bambu",
    "textile": "Kelompok Perajin Tenun",
    "other": "Kelompok Tani",
}
UKM_NAMES = {
    "coffee": ("Kopi {w}", "{w} Coffee Roastery"),
    "tea": ("Teh {w}",),
    "dairy": ("Olahan Susu {w}", "Dapur Susu Ceu {f}"),
    "veg": ("Sayur Segar {w}",),
    "fruits": ("Stroberi {w}", "Olahan Stroberi Bu {f}"),
    "snacks": ("Dapur Ceu {f}", "Keripik Bu {f}", "Aneka Camilan {w}", "Tahu {w}"),
    "rice": ("UD Beras {w}",),
    "fishery": ("Olahan Ikan {w}",),
    "livestock": ("Peternakan {w}", "Madu {w}"),
    "herbal": ("Herbal {w}", "Jamu Ceu {f}"),
    "handicraft": ("Saung Bambu {w}", "Sanggar Wayang {w}"),
    "textile": ("Tenun {w}", "Batik {w}", "Konveksi {w}"),
    "other": ("Tani {w}",),
}
KOPERASI_PREFIX = {
    "coffee": "Koperasi Produsen Kopi",
    "dairy": "Koperasi Peternak Susu",
    "tea": "Koperasi Petani Teh",
    "rice": "Koperasi Tani",
    "textile": "Koperasi Perajin Tenun",
    "fishery": "Koperasi Perikanan",
}
PHONE_PREFIXES = ("0812", "0813", "0821", "0822", "0852", "0853", "0857", "0858", "0877", "0878", "0895", "0896")

STORIES = {
    "coffee": "Ditanam di ketinggian {alt} mdpl di Desa {desa}, Kec. {kec}, di bawah naungan pohon hutan.",
    "tea": "Dipetik dari kebun teh rakyat di Desa {desa}, Kec. {kec}, ketinggian {alt} mdpl.",
    "dairy": "Dari sapi perah peternak Desa {desa}, Kec. {kec}; diperah pagi dan sore.",
    "veg": "Sayuran dataran tinggi dari Desa {desa}, Kec. {kec} ({alt} mdpl), dipanen pagi hari.",
    "fruits": "Dipetik matang dari kebun di Desa {desa}, Kec. {kec}.",
    "snacks": "Dibuat oleh ibu-ibu Desa {desa}, Kec. {kec}, tanpa bahan pengawet.",
    "rice": "Dari sawah Desa {desa}, Kec. {kec}, digiling sendiri dan disortir.",
    "fishery": "Dibudidayakan di kolam air deras Desa {desa}, Kec. {kec}.",
    "livestock": "Dipelihara oleh peternak Desa {desa}, Kec. {kec}, pakan hijauan segar.",
    "herbal": "Ditanam dan diolah di Desa {desa}, Kec. {kec}, tanpa pupuk kimia.",
    "handicraft": "Dikerjakan tangan oleh perajin Desa {desa}, Kec. {kec}, dari bambu pilihan.",
    "textile": "Ditenun dan dijahit oleh perajin Desa {desa}, Kec. {kec}.",
    "other": "Produksi warga Desa {desa}, Kec. {kec}.",
}
PACKING = {
    "kg": "Dijual per kg; tersedia karung 25-50 kg untuk pembelian partai.",
    "pack": "Kemasan standing pouch dengan zip, tahan 6 bulan.",
    "pcs": "Dijual satuan; dikemas aman untuk pengiriman.",
    "l": "Dijual per liter dalam jeriken atau botol.",
    "karung": "Dikemas dalam karung baru yang dijahit rapat.",
    "ikat": "Dijual per ikat, sekitar 250 g.",
}
NOTES = {
    "harvest": ("Panen kebun blok atas", "Panen minggu ini", "Petik merah", "Panen kolam 2", "Panen pagi"),
    "production": ("Produksi batch pagi", "Hasil produksi hari ini", "Produksi pesanan", "Produksi untuk stok"),
    "purchase": ("Setoran anggota kelompok", "Beli dari petani anggota", "Pembelian dari desa tetangga"),
    "fresh_sale": ("Dijual ke pengepul", "Jual di Pasar Induk Caringin", "Setor ke koperasi", "Pesanan pasar lokal"),
    "packed_sale": (
        "Pesanan Shopee",
        "Pesanan Tokopedia",
        "Titip jual di warung",
        "Pesanan reseller Bandung",
        "Pesanan kafe di Bandung",
        "Pameran produk desa",
    ),
    "spoilage": ("Busuk karena hujan", "Kemasan rusak", "Kedaluwarsa", "Rusak saat pengiriman"),
    "adjustment": ("Koreksi stok opname", "Hitung ulang gudang"),
    "shipment": ("Konsolidasi ekspor, Pelabuhan Tanjung Priok", "Kirim ke eksportir", "Muat kontainer 3 ton"),
}
REVIEW_NOTES = {
    "approved": (None, "Siap dikurasi sebagai produk unggulan desa.", "Dokumen lengkap, lanjut ke katalog."),
    "needs_changes": (
        "Lengkapi nomor P-IRT dan foto kemasan.",
        "Harga per satuan belum sesuai, mohon dicek kembali.",
        "Tambahkan kode HS dan berat bersih untuk ekspor.",
        "Deskripsi terlalu singkat, tambahkan asal dan cara pengolahan.",
        "Sertifikat halal sudah habis masa berlakunya.",
    ),
    "rejected": ("Produk bukan hasil desa binaan.", "Produk sejenis sudah terdaftar atas nama yang sama."),
}
CERT_ODDS = {"pirt": 0.7, "halal": 0.6, "bpom_md": 0.6, "sni": 0.3, "organic": 0.15, "phytosanitary": 0.25, "nib": 0.5}
CERT_YEARS = {"pirt": 5, "halal": 4, "bpom_md": 5, "sni": 4, "organic": 3}
SNI_STANDARDS = {"coffee": "SNI 2907:2008", "rice": "SNI 6128:2020", "tea": "SNI 1902:2016", "textile": "SNI 0052:2008"}


# -- the plan --------------------------------------------------------------------------------------


@dataclass
class Desa:
    """A desa of the kabupaten, with its kecamatan's name."""

    code: str
    name: str
    kecamatan: str


@dataclass
class PlannedProducer:
    """A producer to be written, with what the rest of the plan needs to know of it."""

    id: str
    desa: Desa
    kind: str
    name: str
    theme: str
    themes: tuple
    node: str = None
    registered: datetime = None
    fields: dict = field(default_factory=dict)


@dataclass
class PlannedProduct:
    """A product to be written, with its template and producer."""

    id: str
    producer: PlannedProducer
    template: Template
    created: datetime
    fields: dict = field(default_factory=dict)


class Plan:
    """Everything the demo writes, drawn from one seeded random generator."""

    def __init__(self, seed, end, desa, kabupaten=KABUPATEN):
        self.rng = random.Random(seed)
        self.end = end  # the day after the last day of movements (UTC date)
        self.start = end - timedelta(days=365)
        self.desa = desa
        self.kabupaten = kabupaten
        self.clock_counters = Counter()
        self.names, self.phones = set(), set()
        self.producers, self.products, self.facilitators, self.logins = [], [], [], []
        self.admin_node = self.uuid()

    def uuid(self):
        """A UUID v4 drawn from the plan's generator."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hlc(self, when, node):
        """An HLC at a moment for a device, unique per millisecond and device."""
        ms = int(when.replace(tzinfo=UTC).timestamp() * 1000)
        counter = self.clock_counters[(ms, node)]
        self.clock_counters[(ms, node)] += 1
        return format_hlc(ms, counter, node)

    def day(self, offset):
        """The start of a day counted from the first day of the year, as a naive UTC datetime."""
        return datetime.combine(self.start, datetime.min.time()) + timedelta(days=offset)

    # -- facilitators and producers --------------------------------------------------------------

    def assign_facilitators(self):
        """Give each facilitator several desa of its kecamatan (others when those run short)."""
        taken = set()
        rural = [d for d in self.desa if is_rural(d)] or self.desa
        for name, phone, kecamatan in FACILITATORS:
            pool = [d for d in rural if d.kecamatan in kecamatan and d.code not in taken]
            chosen = self.rng.sample(pool, min(DESA_PER_FACILITATOR, len(pool)))
            rest = [d for d in rural if d.code not in taken and d not in chosen]
            chosen += self.rng.sample(rest, min(DESA_PER_FACILITATOR - len(chosen), len(rest)))
            taken.update(d.code for d in chosen)
            self.facilitators.append({"name": name, "phone": phone, "desa": chosen, "node": self.uuid()})

    def plan_producers(self, count):
        """Place producers across desa: most in the facilitators' desa, the rest elsewhere."""
        node_of = {d.code: f["node"] for f in self.facilitators for d in f["desa"]}
        rural = [d for d in self.desa if is_rural(d)] or self.desa
        others = [d for d in rural if d.code not in node_of]
        others = self.rng.sample(others, min(30, len(others)))
        bumdes = set()
        for _ in range(count):
            if others and self.rng.random() >= 0.75:
                desa = self.rng.choice(others)
            else:  # each facilitator about as many as the others
                desa = self.rng.choice(self.rng.choice(self.facilitators)["desa"])
            kind = self.rng.choices(list(PRODUCER_KINDS), weights=list(PRODUCER_KINDS.values()))[0]
            if kind == "bumdes" and desa.code in bumdes:
                kind = "ukm"
            if kind == "bumdes":
                bumdes.add(desa.code)
            self.producers.append(self.new_producer(desa, kind, node_of.get(desa.code, self.admin_node)))

    def new_producer(self, desa, kind, node):
        """One producer: name, phone and NIB by kind, themes by its kecamatan."""
        themes = KECAMATAN_THEMES.get(desa.kecamatan, THEMES)
        theme = self.rng.choices(themes, weights=[len(themes) - i + 1 for i in range(len(themes))])[0]
        producer = PlannedProducer(self.uuid(), desa, kind, self.producer_name(desa, kind, theme), theme, themes)
        producer.node = node
        producer.registered = self.day(-self.rng.randint(10, 90)) + timedelta(hours=self.rng.randint(1, 9))
        has_phone = self.rng.random() < (0.65 if kind == "individual" else 0.9)
        producer.fields = {"name": producer.name, "village_code": desa.code, "kind": kind}
        if has_phone:
            producer.fields["phone"] = self.phone()
        if self.rng.random() < {"individual": 0.2, "group": 0.4}.get(kind, 1.0):
            producer.fields["nib"] = self.nib()
        return producer

    def producer_name(self, desa, kind, theme):
        """A unique Indonesian name fitting the producer's kind and theme."""
        for _ in range(20):
            name = self.name_candidate(desa, kind, theme)
            if name not in self.names:
                break
        else:
            name = f"{name} {desa.name}"
        self.names.add(name)
        return name

    def name_candidate(self, desa, kind, theme):
        """A name for a producer of a kind, perhaps taken already."""
        rng, word = self.rng, self.rng.choice(WORDS)
        if kind == "individual":
            firsts, lasts, title = (MEN, MEN_SURNAMES, "H. ") if rng.random() < 0.6 else (WOMEN, WOMEN_SURNAMES, "Hj. ")
            title = title if rng.random() < 0.08 else ""
            return f"{title}{rng.choice(firsts)} {rng.choice(lasts)}"
        if kind == "group":
            return f"{GROUP_PREFIX[theme]} {word}"
        if kind == "ukm":
            return rng.choice(UKM_NAMES[theme]).format(w=word, f=rng.choice(WOMEN))
        if kind == "bumdes":
            return f"BUMDes {desa.name} {rng.choice(('Mandiri', 'Sejahtera', 'Berdaya', 'Mukti', 'Maju'))}"
        return f"{KOPERASI_PREFIX.get(theme, 'Koperasi Serba Usaha')} {word}"

    def phone(self):
        """A valid, unused Indonesian mobile number, written as people do (08...)."""
        while True:
            text = self.rng.choice(PHONE_PREFIXES) + str(self.rng.randint(10_000_000, 99_999_999))
            stored = normalize_phone(text)
            if stored and stored not in self.phones and not stored.startswith("+6281200000"):
                self.phones.add(stored)
                return text

    def nib(self):
        """A 13-digit NIB."""
        return self.rng.choice("1289") + self.digits(12)

    def digits(self, n):
        """n random decimal digits."""
        return "".join(str(self.rng.randint(0, 9)) for _ in range(n))

    def producer_logins(self):
        """Pick producers in assisted desa for the demo producer accounts and give them the login phones."""
        assisted = {d.code for f in self.facilitators for d in f["desa"]}
        chosen = []
        for kinds in (("individual",), ("ukm",), ("koperasi", "group", "bumdes")):
            found = [p for p in self.producers if p.kind in kinds and p.desa.code in assisted and p not in chosen]
            if found:
                chosen.append(found[0])
        chosen += [p for p in self.producers if p not in chosen][: len(PRODUCER_LOGIN_PHONES) - len(chosen)]
        for producer, phone in zip(chosen, PRODUCER_LOGIN_PHONES, strict=False):
            producer.fields["phone"] = "0" + phone[3:]
            producer.node = self.uuid()
        return chosen

    # -- products --------------------------------------------------------------------------------

    def plan_products(self, count):
        """Spread products over producers (each one at least, when there are enough) and make them."""
        if not self.producers:
            return
        counts = Counter({p.id: 1 for p in self.producers[:count]})
        weights = [PRODUCTS_WEIGHT[p.kind] for p in self.producers]
        cap = max(8, -(-count // len(self.producers)) + 2)
        while sum(counts.values()) < count:
            producer = self.rng.choices(self.producers, weights=weights)[0]
            if counts[producer.id] < cap:
                counts[producer.id] += 1
        for producer in self.producers:
            names = set()
            for _ in range(counts[producer.id]):
                self.products.append(self.new_product(producer, names))

    def pick_template(self, producer):
        """A template the producer could make, mostly of its own theme."""
        letter = MAKER_LETTER[producer.kind]
        mine = [t for t in TEMPLATES if letter in t.makers]
        roll = self.rng.random()
        theme = producer.theme if roll < 0.7 else self.rng.choice(producer.themes) if roll < 0.95 else "other"
        fitting = [t for t in mine if t.theme == theme] or [t for t in mine if t.theme in producer.themes] or mine
        return self.rng.choice(fitting)

    def new_product(self, producer, names):
        """One product of a producer with a name it does not have yet, price, HS code and certificates."""
        for _ in range(20):
            template = self.pick_template(producer)
            name = self.rng.choice(template.names)
            if name not in names:
                break
        names.add(name)
        created = producer.registered + timedelta(days=self.rng.randint(0, 7), minutes=self.rng.randint(0, 600))
        product = PlannedProduct(self.uuid(), producer, template, created)
        fields = {"producer_id": producer.id, "name": name, "category": template.category, "unit": template.unit}
        fields["unit_weight_kg"] = template.weight
        fields["price_idr"] = self.price(template.price)
        if template.hs:
            fields["hs_code"] = template.hs
        fields["certifications"] = self.certifications(product)
        fields["status"] = "draft" if self.rng.random() < 0.12 else "submitted"
        if fields["status"] == "submitted" or self.rng.random() < 0.5:
            fields["description"] = self.description(product)
        product.fields = fields
        return product

    def price(self, bounds):
        """A whole-rupiah price in range, rounded as sellers round."""
        low, high = bounds
        step = 50 if high < 1_000 else 500 if high <= 60_000 else 1_000 if high <= 500_000 else 50_000
        return max(low, round(self.rng.randint(low, high) / step) * step)

    def description(self, product):
        """A short description in Indonesian: where it comes from and how it is packed."""
        desa, template = product.producer.desa, product.template
        alt = self.rng.randrange(1_100, 1_750, 50)
        story = STORIES[template.theme].format(desa=desa.name, kec=desa.kecamatan, alt=f"{alt:,}".replace(",", "."))
        return f"{story} {PACKING.get(template.unit, '')}".strip()

    def certifications(self, product):
        """Some of the certificates its template may carry, with numbers and expiry dates."""
        result = []
        for kind in product.template.certs:
            if self.rng.random() >= CERT_ODDS[kind]:
                continue
            if kind == "nib":
                nib = product.producer.fields.get("nib")
                if nib:
                    result.append({"kind": "nib", "number": nib, "valid_until": None})
                continue
            result.append(self.certificate(kind, product.template.theme))
        return result

    def certificate(self, kind, theme):
        """One certificate of a kind: a number in its usual shape and the day it expires."""
        rng = self.rng
        issued = self.end - timedelta(days=rng.randint(20, 1_900))
        until = issued.replace(year=issued.year + CERT_YEARS.get(kind, 0), day=min(issued.day, 28))
        digits = self.digits
        if kind == "pirt":
            number = f"{rng.randint(1, 5)}{rng.randint(1, 16):02d}3204{rng.randint(1, 99):02d}{digits(4)}-{until:%y}"
        elif kind == "halal":
            number = "ID32" + digits(15)
        elif kind == "bpom_md":
            number = "BPOM RI MD " + digits(12)
        elif kind == "sni":
            number = f"{SNI_STANDARDS.get(theme, 'SNI 01-3553-2006')} / LSPro-{digits(4)}"
        elif kind == "organic":
            number = f"LSO-{rng.randint(1, 30):03d}-IDN-{digits(4)}"
        else:  # phytosanitary: one shipment, a few weeks
            until = issued + timedelta(days=60)
            number = f"{digits(4)}/KT.210/K.06.03/{issued:%m}/{issued:%Y}"
        return {"kind": kind, "number": number, "valid_until": until.isoformat()}

    # -- reviews and movements -------------------------------------------------------------------

    def plan_reviews(self):
        """Admin reviews of submitted products: most approved, some sent back, a few rejected."""
        reviews = []
        for product in self.products:
            if product.fields["status"] != "submitted":
                continue
            decision = self.decision()
            if decision:
                at = product.created + timedelta(days=self.rng.randint(1, 30), hours=self.rng.randint(1, 6))
                fields = {"product_id": product.id, "decision": decision}
                note = self.rng.choice(REVIEW_NOTES[decision])
                if note:
                    fields["note"] = note
                reviews.append((at, fields))
        return reviews

    def decision(self):
        """A review's decision, or None when the product still waits for one."""
        roll = self.rng.random()
        for decision, below in (("approved", 0.55), ("needs_changes", 0.7), ("rejected", 0.72)):
            if roll < below:
                return decision
        return None

    def movement_counts(self, total):
        """How many movements each product gets: by how busy its kind is, summing to `total`."""
        weights = []
        for product in self.products:
            draft = 0.3 if product.fields["status"] == "draft" else 1.0
            weights.append(FLOWS[product.template.flow].activity * draft * self.rng.lognormvariate(0, 0.5))
        if not weights:
            return []
        scale = total / sum(weights)
        counts = [int(w * scale) for w in weights]
        order = sorted(range(len(weights)), key=lambda i: (int(weights[i] * scale) - weights[i] * scale, i))
        for i in order[: total - sum(counts)]:
            counts[i] += 1
        return counts

    def plan_movements(self, total):
        """A year of movements per product, in time order, stock never below zero; all sorted by time."""
        moves = []
        for index, (product, count) in enumerate(zip(self.products, self.movement_counts(total), strict=True)):
            slots = sorted(self.rng.sample(range(365 * SLOTS_PER_DAY), count))
            stock = 0
            for slot in slots:
                when = self.day(slot // SLOTS_PER_DAY) + timedelta(hours=6, minutes=slot % SLOTS_PER_DAY) - WIB
                kind, qty = self.next_movement(product, stock, when.month)
                stock += qty
                moves.append((when, index, kind, qty))
        moves.sort(key=lambda m: (m[0], m[1]))
        return moves

    def next_movement(self, product, stock, month):
        """The kind and signed qty (thousandths) of a product's next movement."""
        flow = FLOWS[product.template.flow]
        factor = 1.0 if not flow.season or month in flow.season else 0.35
        sale_mean = sum(flow.sale) / 2 * 1000
        in_mean = sum(flow.size) / 2 * 1000 * factor
        wants_in = self.rng.random() < sale_mean / (sale_mean + in_mean)
        if stock < flow.sale[0] * 1000 or (stock < flow.keep * in_mean and wants_in):
            qty = self.quantity(flow.size[0] * factor, flow.size[1] * factor, flow.step)
            return self.inflow_kind(product, flow), qty
        return self.outflow(flow, stock)

    def inflow_kind(self, product, flow):
        """Harvest or production; koperasi and BUMDes mostly buy what their members harvest."""
        buys = {"koperasi": 0.7, "bumdes": 0.5}.get(product.producer.kind, 0.0)
        if flow.inflow == "harvest" and self.rng.random() < buys:
            return "purchase"
        return flow.inflow

    def outflow(self, flow, stock):
        """A sale, spoilage, shipment or adjustment that leaves stock at zero or above."""
        roll, step = self.rng.random(), flow.step
        if flow.ship and roll < 0.03 and stock >= 10 * flow.sale[0] * 1000:
            return "shipment", -min(stock, self.round_step(stock * self.rng.uniform(0.5, 0.9), step))
        if roll < 0.03 + flow.spoil:
            return "spoilage", -min(stock, self.round_step(stock * self.rng.uniform(0.01, 0.08), step))
        if roll < 0.045 + flow.spoil:
            qty = step * self.rng.randint(1, 3) * self.rng.choice((1, -1))
            return "adjustment", qty if qty > 0 or -qty <= stock else -qty
        return "sale", -min(stock, self.quantity(flow.sale[0], flow.sale[1], step))

    def quantity(self, low, high, step):
        """A quantity in thousandths between low and high units, a multiple of step, at least one step."""
        return self.round_step(self.rng.uniform(low, high) * 1000, step)

    @staticmethod
    def round_step(milli, step):
        """Round to a multiple of step, never below one step."""
        return max(step, round(milli / step) * step)


def is_rural(desa):
    """A desa proper (village digit 2), not a kelurahan."""
    return desa.code.rsplit(".", 1)[-1].startswith("2")


# -- ops -------------------------------------------------------------------------------------------


def build_ops(plan, reviews, moves):
    """Every op of the demo in write order: producers, products, reviews, then movements by time."""
    ops = []
    for producer in plan.producers:
        hlc = plan.hlc(producer.registered, producer.node)
        ops.append(make_op(plan, "producer", producer.id, producer.fields, hlc))
    for product in plan.products:
        hlc = plan.hlc(product.created, product.producer.node)
        ops.append(make_op(plan, "product", product.id, product.fields, hlc))
    for at, fields in reviews:
        ops.append(make_op(plan, "review", plan.uuid(), fields, plan.hlc(at, plan.admin_node)))
    for when, index, kind, qty in moves:
        product = plan.products[index]
        fields = {"product_id": product.id, "qty": format_milli(qty), "kind": kind, "occurred_at": format_time(when)}
        note = movement_note(plan.rng, kind, FLOWS[product.template.flow])
        if note:
            fields["note"] = note
        ops.append(make_op(plan, "stock_movement", plan.uuid(), fields, plan.hlc(when, product.producer.node)))
    return ops


def make_op(plan, entity, entity_id, fields, hlc):
    """An upsert op as a device would push it."""
    return {"op_id": plan.uuid(), "entity": entity, "entity_id": entity_id, "action": "upsert", "fields": fields,
            "hlc": hlc}  # fmt: skip


def movement_note(rng, kind, flow):
    """A short note, on about a third of the movements."""
    if rng.random() >= 0.35:
        return None
    if kind == "sale":
        kind = "fresh_sale" if flow.inflow == "harvest" else "packed_sale"
    return rng.choice(NOTES[kind])


def apply_in_batches(actor, ops, device_id):
    """Apply ops through the one write path, 1,000 a push; stops on any rejected op."""
    batches = 0
    for start in range(0, len(ops), BATCH):
        results, _ = apply_ops(actor, ops[start : start + BATCH], device_id)
        batches += 1
        bad = [r for r in results if r["status"] != "applied"]
        if bad:
            raise click.ClickException(f"demo op not applied after {start} ops: {bad[0]}")
    return batches


# -- accounts --------------------------------------------------------------------------------------


def ensure_account(phone, role, regions, name, created_by=None):
    """The account with this phone: made with the demo PIN, or the existing one (same role) reused."""
    user = db.session.scalar(select(User).where(User.phone == phone))
    if user is not None:
        if user.role != role:
            raise click.ClickException(f"{phone} is already a {user.role} account, not {role}")
        return user, "(unchanged)"
    body = {"phone": phone, "pin": DEMO_PIN, "role": role, "regions": list(regions), "name": name}
    return create_account(body, created_by=created_by), DEMO_PIN


def make_accounts(plan, producer_logins):
    """The admin, the facilitators and the producer accounts; answers (admin, login rows)."""
    admin, pin = ensure_account(ADMIN[0], "admin", [plan.kabupaten], ADMIN[1])
    rows = [("admin", admin.name, admin.phone, pin, plan.kabupaten)]
    for f in plan.facilitators:
        codes = sorted(d.code for d in f["desa"])
        user, pin = ensure_account(f["phone"], "facilitator", codes, f["name"], admin.id)
        rows.append(("facilitator", user.name, user.phone, pin, ", ".join(codes)))
    for producer in producer_logins:
        phone = normalize_phone(producer.fields["phone"])
        user, pin = ensure_account(phone, "producer", [producer.desa.code], producer.name, admin.id)
        rows.append(("producer", user.name, user.phone, pin, producer.desa.code))
    db.session.commit()
    return admin, rows


# -- the command -----------------------------------------------------------------------------------


def load_desa(kabupaten):
    """The desa/kelurahan of a kabupaten with their kecamatan names, by code."""
    kecamatan = dict(
        db.session.execute(
            select(Region.code, Region.name).where(Region.level == 3, Region.code.like(kabupaten + ".%"))
        ).all()
    )
    rows = db.session.execute(
        select(Region.code, Region.name, Region.parent_code)
        .where(Region.level == 4, Region.code.like(kabupaten + ".%"))
        .order_by(Region.code)
    ).all()
    return [Desa(code, name, kecamatan.get(parent, "")) for code, name, parent in rows]


def ensure_regions(kabupaten):
    """The kabupaten's desa; imports just that kabupaten when the regions table lacks it."""
    desa = load_desa(kabupaten)
    if not desa:
        result = import_regions(only=kabupaten)
        click.echo(f"regions: {kabupaten} was missing; imported it alone ({result['levels'][4]} desa/kelurahan)")
        desa = load_desa(kabupaten)
    if not desa:
        raise click.ClickException(f"no desa of {kabupaten} in the regions table; run `flask regions import` first")
    return desa


def summary(started, apply_seconds, batches, logins):
    """Print counts from the database, the demo logins and the time taken."""
    statuses = dict(db.session.execute(select(Product.status, func.count()).group_by(Product.status)).all())
    kinds = dict(db.session.execute(select(Producer.kind, func.count()).group_by(Producer.kind)).all())
    villages = db.session.scalar(select(func.count(func.distinct(Producer.village_code))))
    span = db.session.execute(select(func.min(StockMovement.occurred_at), func.max(StockMovement.occurred_at))).one()
    echo = click.echo
    echo(f"Demo data for {KABUPATEN_NAME} ({KABUPATEN}):")
    echo(f"  producers        {_count(Producer):>7,}  in {villages} desa; " + _pairs(kinds))
    echo(f"  products         {_count(Product):>7,}  " + _pairs(statuses))
    echo(f"  reviews          {_count(Review):>7,}")
    first, last = (f"{t:%Y-%m-%d}" if t else "-" for t in span)
    echo(f"  stock movements  {_count(StockMovement):>7,}  from {first} to {last}")
    echo(f"  written through apply_ops in {batches} pushes of up to {BATCH:,} ops, {apply_seconds:.1f} s")
    echo("")
    echo("Demo logins:")
    widths = [max(len(r[i]) for r in logins + [LOGIN_HEADER]) for i in range(4)]
    for row in [LOGIN_HEADER] + logins:
        echo("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[4])
    echo("")
    echo(f"Done in {time.perf_counter() - started:.1f} s")


LOGIN_HEADER = ("role", "name", "phone", "PIN", "regions")


def _count(model):
    """Rows of a table."""
    return db.session.scalar(select(func.count()).select_from(model))


def _pairs(counts):
    """Counts as text ("a 2, b 1"), largest first."""
    return ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (and say so) when producers exist already.")
@click.option("--producers", default=200, show_default=True, type=click.IntRange(0, 100_000))
@click.option("--products", default=600, show_default=True, type=click.IntRange(0, 1_000_000))
@click.option("--movements", default=50_000, show_default=True, type=click.IntRange(0, 10_000_000))
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same data.")
@click.option("--end-date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The day after the year of movements (default: today, UTC).")  # fmt: skip
@with_appcontext
def demo_command(if_empty, producers, products, movements, seed, end_date):
    """Fill Kab. Bandung (32.04) with demo accounts, producers, products and a year of stock."""
    started = time.perf_counter()
    existing = _count(Producer)
    if existing:
        if if_empty:
            click.echo(f"demo: {existing:,} producers exist already; nothing to do")
            return
        raise click.ClickException(f"the database has {existing:,} producers already; demo data needs an empty one")
    end = end_date.date() if end_date else datetime.now(UTC).date()
    plan = build_plan(seed, end, ensure_regions(KABUPATEN), producers, products)
    reviews = plan.plan_reviews()
    moves = plan.plan_movements(movements if plan.products else 0)
    ops = build_ops(plan, reviews, moves)
    admin, logins = make_accounts(plan, plan.logins)
    actor = Actor(id=admin.id, role="admin", regions=(KABUPATEN,), phone=admin.phone)
    apply_started = time.perf_counter()
    batches = apply_in_batches(actor, ops, plan.admin_node)
    summary(started, time.perf_counter() - apply_started, batches, logins)


def build_plan(seed, end, desa, producers, products):
    """Facilitators, producers (with the demo producer logins) and products, drawn from the seed."""
    plan = Plan(seed, end, desa)
    plan.assign_facilitators()
    plan.plan_producers(producers)
    plan.logins = plan.producer_logins()
    plan.plan_products(products)
    return plan
