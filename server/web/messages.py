"""Error messages for people, in Bahasa Indonesia (default) and English."""

from flask import request

LANGUAGES = ("id", "en")

MESSAGES = {
    "bad_request": ("Permintaan tidak dapat dibaca.", "The request could not be read."),
    "invalid_json": ("Isi permintaan bukan JSON yang benar.", "The request body is not valid JSON."),
    "invalid_parameter": ("Parameter tidak sah.", "A query parameter is not valid."),
    "validation_error": ("Ada data yang tidak sah.", "Some data is not valid."),
    "unauthorized": ("Silakan masuk terlebih dahulu.", "Please log in first."),
    "token_expired": (
        "Sesi Anda sudah berakhir. Silakan masuk lagi.",
        "Your session has expired. Please log in again.",
    ),
    "invalid_token": ("Token tidak sah.", "The token is not valid."),
    "device_revoked": ("Perangkat ini sudah dicabut aksesnya.", "This device has been revoked."),
    "invalid_credentials": ("Nomor HP atau PIN salah.", "Wrong phone number or PIN."),
    "too_many_attempts": (
        "Terlalu banyak PIN salah. Coba lagi nanti.",
        "Too many wrong PINs. Try again later.",
    ),
    "forbidden": ("Anda tidak berhak melakukan ini.", "You are not allowed to do this."),
    "not_found": ("Tidak ditemukan.", "Not found."),
    "method_not_allowed": ("Metode tidak diizinkan.", "Method not allowed."),
    "payload_too_large": ("Data terlalu besar.", "The request is too large."),
    "unsupported_media_type": ("Jenis data tidak didukung.", "Unsupported media type."),
    "uri_too_long": ("Alamat permintaan terlalu panjang.", "The request address (URI) is too long."),
    "headers_too_large": ("Header permintaan terlalu besar.", "The request headers are too large."),
    "expectation_failed": ("Header Expect tidak didukung.", "The Expect header is not supported."),
    "not_implemented": ("Permintaan ini tidak didukung server.", "The server does not support this request."),
    "not_a_hub": (
        "Server ini bukan hub kecamatan. Daftarkan HP di hub kecamatan.",
        "This server is not a kecamatan hub. Enrol the phone at the kecamatan hub.",
    ),
    "upstream_unreachable": (
        "Hub tidak tersambung ke server wilayah, jadi PIN belum bisa diperiksa. "
        "Minta kode dari pendamping untuk HP ini, atau coba lagi saat ada internet.",
        "The hub cannot reach the regional server, so the PIN cannot be checked. "
        "Ask your facilitator for a code for this phone, or try again when there is internet.",
    ),
    "hub_not_ready": (
        "Hub belum pernah tersambung ke server wilayah. Sambungkan hub ke internet sekali, lalu coba lagi.",
        "The hub has not reached the regional server yet. Connect it to the internet once, then try again.",
    ),
    "claim_code_invalid": (
        "Kode ini salah, sudah dipakai, atau sudah lewat 15 menit. Minta kode baru ke pendamping.",
        "This code is wrong, already used, or older than 15 minutes. Ask your facilitator for a new code.",
    ),
    "too_many_codes": (
        "Terlalu banyak kode salah. Tunggu sebentar, lalu coba lagi.",
        "Too many wrong codes. Wait a while, then try again.",
    ),
    "account_not_at_hub": (
        "Akun produsen ini belum ada di hub. Buat akunnya di server wilayah, lalu tunggu hub tersambung.",
        "This producer's account is not at the hub yet. Make it at the regional server, then wait for the hub"
        " to connect.",
    ),
    "phone_taken": ("Nomor HP sudah terdaftar.", "This phone number is already registered."),
    "weak_pin": (
        "PIN terlalu mudah ditebak. Pilih 6 angka lain: jangan semua sama, jangan berurutan (seperti 123456),"
        " jangan yang umum dipakai.",
        "This PIN is too easy to guess. Choose 6 other digits: not all the same, not in sequence (like 123456),"
        " not a common one.",
    ),
    "unknown_region": ("Kode wilayah tidak dikenal.", "Unknown region code."),
    "rate_limited": ("Terlalu banyak permintaan. Coba lagi nanti.", "Too many requests. Try again later."),
    "internal_error": (
        "Terjadi kesalahan di server. Data Anda aman; coba lagi.",
        "Something went wrong on the server. Your data is safe; please try again.",
    ),
    "service_unavailable": ("Layanan sedang sibuk. Coba lagi.", "The service is busy. Try again."),
    "insufficient_storage": (
        "Penyimpanan server penuh. Foto belum tersimpan; coba lagi nanti.",
        "The server's storage is full. The photo was not stored; try again later.",
    ),
    "conflict": ("Terjadi konflik data.", "The data conflicts with what is stored."),
    "over_capacity": (
        "Muatan melebihi kapasitas rencana.",
        "The load is over the plan's capacity.",
    ),
    "over_stock": (
        "Jumlah melebihi stok yang tersedia (stok di tangan dikurangi yang dipesan rencana lain).",
        "The quantity is more than the stock available (stock on hand less what other plans hold).",
    ),
    "plan_not_open": (
        "Rencana ini sudah dikirim atau dibatalkan; tidak bisa diubah.",
        "This plan is shipped or cancelled; it cannot be changed.",
    ),
    "plan_empty": ("Rencana ini tidak punya baris untuk dikirim.", "This plan has no lines to ship."),
    "out_of_range": (
        "Di luar batas: jumlah paling banyak 1 miliar, stok paling banyak 1 triliun, harga paling banyak "
        "Rp1 triliun, tanggal antara tahun 2000 dan 2100.",
        "Beyond the limits: a quantity of at most 1 billion, stock of at most 1 trillion, a price of at most "
        "Rp 1 trillion, dates between the years 2000 and 2100.",
    ),
    "nothing_available": (
        "Tidak ada stok produk yang disetujui untuk direncanakan.",
        "There is no approved stock to plan from.",
    ),
    "stock_changed": (
        "Stok beberapa produk turun sejak rencana dibuat; tidak ada yang dikirim. Ubah baris itu dulu.",
        "Stock of some products fell since the plan was made; nothing was shipped. Edit those lines first.",
    ),
    "invalid_cursor": ("Cursor sinkronisasi tidak sah.", "The sync cursor is not valid."),
    "unknown_reference": (
        "Data yang dirujuk tidak ada.",
        "The record this refers to does not exist.",
    ),
    "immutable": (
        "Catatan stok tidak bisa diubah; buat catatan koreksi baru.",
        "A stock movement cannot be changed; record a correcting movement instead.",
    ),
    "hash_mismatch": ("Isi berkas tidak sesuai dengan namanya.", "The bytes do not match their hash."),
    "range_not_satisfiable": ("Rentang unggahan tidak sesuai.", "The upload range does not fit."),
    "not_approved": (
        "Hanya produk yang sudah disetujui yang bisa dijadikan produk unggulan.",
        "Only approved products can be featured.",
    ),
    "upload_in_progress": (
        "Berkas ini sedang diunggah dari permintaan lain. Coba lagi sebentar.",
        "This file is being uploaded by another request. Try again shortly.",
    ),
    "link_invalid": ("Tautan foto ini tidak sah.", "This photo link is not valid."),
    "link_expired": (
        "Tautan foto ini sudah kedaluwarsa; unduh ekspor yang baru.",
        "This photo link has expired; download a new export.",
    ),
}

FIELD_MESSAGES = {
    "required": ("Wajib diisi.", "Required."),
    "invalid": ("Tidak sah.", "Not valid."),
    "too_long": ("Terlalu panjang (paling banyak {max} karakter).", "Too long (at most {max} characters)."),
    "invalid_phone": (
        "Nomor HP tidak sah; tulis seperti 0812… atau +62812….",
        "Not a valid phone number; write it like 0812… or +62812….",
    ),
    "invalid_pin": ("PIN harus 6 angka.", "The PIN must be 6 digits."),
    "weak_pin": (
        "PIN terlalu mudah ditebak; pilih 6 angka lain.",
        "This PIN is too easy to guess; choose 6 other digits.",
    ),
    "invalid_choice": ("Harus salah satu dari: {choices}.", "Must be one of: {choices}."),
    "invalid_uuid": ("Harus UUID huruf kecil.", "Must be a lower-case UUID."),
    "unknown_region": ("Kode wilayah tidak dikenal: {code}.", "Unknown region code: {code}."),
    "wrong_region_level": (
        "Kode wilayah tingkat ini tidak bisa dipakai di sini.",
        "A region of this level cannot be used here.",
    ),
    "invalid_public_key": (
        "Kunci publik tidak sah: harus JWK Ed25519 (kty OKP, crv Ed25519, x), tanpa bagian privatnya.",
        "Not a valid public key: it must be an Ed25519 JWK (kty OKP, crv Ed25519, x), without its private part.",
    ),
    "not_for_hubs": (
        "Hub menyimpan salinan lengkap: tarik tanpa `since`.",
        "A hub keeps a whole copy: pull without `since`.",
    ),
    "hub_only": ("Hanya akun hub yang punya kunci publik.", "Only a hub account has a public key."),
    "one_kecamatan": (
        "Hub kecamatan ditugaskan ke tepat satu kecamatan.",
        "A kecamatan hub is assigned exactly one kecamatan.",
    ),
    "not_a_string": ("Harus teks.", "Must be text."),
    "not_an_integer": ("Harus bilangan bulat.", "Must be a whole number."),
    "not_a_list": ("Harus daftar.", "Must be a list."),
    "not_an_object": ("Harus objek.", "Must be an object."),
    "invalid_decimal": (
        'Harus angka desimal dalam teks, paling banyak 3 angka di belakang koma (mis. "12.5").',
        'Must be a decimal number as text with at most 3 places (e.g. "12.5").',
    ),
    "invalid_datetime": (
        "Harus waktu RFC 3339 UTC (mis. 2026-11-27T08:15:00Z).",
        "Must be an RFC 3339 UTC time (e.g. 2026-11-27T08:15:00Z).",
    ),
    "invalid_date": ("Harus tanggal (YYYY-MM-DD).", "Must be a date (YYYY-MM-DD)."),
    "invalid_hlc": ("Jam HLC tidak sah.", "Not a valid HLC timestamp."),
    "out_of_range": ("Di luar rentang yang diizinkan.", "Out of the allowed range."),
    "unknown_line": ("Baris ini tidak ada di rencana.", "No such line in this plan."),
    "duplicate_line": ("Produk atau baris ini disebut dua kali.", "This product or line is named twice."),
    "unknown_product": ("Produk tidak dikenal.", "Unknown product."),
    "outside_region": ("Produk ini di luar wilayah rencana.", "This product is outside the plan's region."),
    "not_approved": ("Produk ini belum disetujui.", "This product is not approved."),
    "wrong_category": ("Produk ini bukan kategori rencana.", "This product is not of the plan's category."),
    "no_unit_weight": (
        "Produk ini belum punya berat per satuan (unit_weight_kg).",
        "This product has no unit weight (unit_weight_kg).",
    ),
    "whole_packages": ("Satuan ini hanya bisa dalam kemasan utuh.", "This unit takes whole packages only."),
    "unknown_field": ("Kolom tidak dikenal.", "Unknown field."),
    "invalid_sha256": ("Harus hash sha256 (64 huruf hex kecil).", "Must be a sha256 hash (64 lower-case hex digits)."),
    "must_not_be_zero": ("Tidak boleh nol.", "Must not be zero."),
    "relayed_only": (
        "Hanya kiriman dari hub yang menyebut penulis (author) sebuah op.",
        "Only a hub's push names an op's author.",
    ),
}


def language():
    """Pick the response language from Accept-Language; Indonesian by default."""
    try:
        best = request.accept_languages.best_match(LANGUAGES, default="id")
    except RuntimeError:  # outside a request
        return "id"
    return best or "id"


def message(code, lang=None):
    """Return the message for an error code in the request's language."""
    idx = LANGUAGES.index(lang or language())
    pair = MESSAGES.get(code) or MESSAGES["bad_request"]
    return pair[idx]


def field_message(key, lang=None, **params):
    """Return a field-level message for an error code, formatted with its parameters."""
    idx = LANGUAGES.index(lang or language())
    pair = FIELD_MESSAGES.get(key) or FIELD_MESSAGES["invalid"]
    return pair[idx].format_map(_Blank(params))


class _Blank(dict):
    def __missing__(self, key):
        return ""
