// The app's words in Bahasa Indonesia (the default) and English; the choice is kept on the device.

const LANG_KEY = "lumbung.lang";

const WORDS = {
  app_name: ["Lumbung", "Lumbung"],
  login_title: ["Masuk", "Log in"],
  login_intro: ["Masuk dengan nomor HP dan PIN.", "Log in with your phone number and PIN."],
  phone: ["Nomor HP", "Phone number"],
  pin: ["PIN (6 angka)", "PIN (6 digits)"],
  login: ["Masuk", "Log in"],
  logging_in: ["Memeriksa…", "Checking…"],
  pin_six_digits: ["PIN harus 6 angka.", "The PIN must be 6 digits."],
  wrong_pin_offline: ["PIN salah.", "Wrong PIN."],
  offline_first_login: [
    "Masuk pertama kali perlu internet. Setelah itu aplikasi bisa dibuka tanpa sinyal.",
    "The first login needs internet. After that the app opens without a signal.",
  ],
  too_many_offline: ["Terlalu banyak PIN salah. Coba lagi nanti.", "Too many wrong PINs. Try again later."],
  switch_account_warning: [
    "Akun lain di HP ini masih punya {n} data belum terkirim. Masuk dengan akun ini akan menghapusnya. Lanjutkan?",
    "Another account on this phone still has {n} unsent records. Logging in with this account deletes them. Continue?",
  ],
  unsent: ["Belum terkirim", "Unsent"],
  last_sync: ["Sinkron terakhir", "Last sync"],
  never: ["belum pernah", "never"],
  online: ["Daring", "Online"],
  offline: ["Luring", "Offline"],
  syncing: ["Menyinkronkan…", "Syncing…"],
  needs_fixing: ["Perlu tindakan", "Needs action"],
  entering_for: ["Anda mencatat untuk:", "You are entering for:"],
  change: ["Ganti", "Change"],
  nav_products: ["Produk", "Products"],
  nav_producers: ["Produsen", "Producers"],
  nav_sync: ["Sinkron", "Sync"],
  producers: ["Produsen", "Producers"],
  search: ["Cari", "Search"],
  search_producers: ["Cari produsen", "Search producers"],
  add_producer: ["Tambah produsen", "Add producer"],
  no_producers: ["Belum ada produsen.", "No producers yet."],
  name: ["Nama", "Name"],
  kind: ["Jenis", "Kind"],
  village: ["Desa", "Village"],
  choose_village: ["Pilih desa", "Choose a village"],
  no_villages: [
    "Daftar desa belum tersimpan. Sambungkan internet sekali untuk mengambilnya.",
    "The village list is not saved yet. Connect to the internet once to fetch it.",
  ],
  phone_optional: ["Nomor HP (boleh kosong)", "Phone number (optional)"],
  nib_optional: ["NIB, 13 angka (boleh kosong)", "NIB, 13 digits (optional)"],
  save: ["Simpan", "Save"],
  cancel: ["Batal", "Cancel"],
  required: ["Wajib diisi.", "Required."],
  check_again: ["Periksa lagi", "Check again"],
  not_registered_title: ["Belum terdaftar", "Not registered yet"],
  not_registered: [
    "Data usaha Anda belum dimasukkan. Minta pendamping Anda mendaftarkannya dengan nomor HP ini, lalu sinkronkan lagi.",
    "Your business has not been entered yet. Ask your facilitator to register it with this phone number, then sync again.",
  ],
  products: ["Produk", "Products"],
  add_product: ["Tambah produk", "Add product"],
  search_products: ["Cari produk", "Search products"],
  all_statuses: ["Semua status", "All statuses"],
  all_categories: ["Semua kategori", "All categories"],
  no_products: ["Belum ada produk.", "No products yet."],
  n_products: ["{n} produk", "{n} products"],
  stock: ["Stok", "Stock"],
  product: ["Produk", "Product"],
  category: ["Kategori", "Category"],
  status: ["Status", "Status"],
  unit: ["Satuan", "Unit"],
  unit_weight: ["Berat per satuan (kg)", "Weight per unit (kg)"],
  price: ["Harga per satuan (Rupiah)", "Price per unit (rupiah)"],
  description: ["Deskripsi", "Description"],
  hs_code: ["Kode HS (8 angka)", "HS code (8 digits)"],
  certifications: ["Sertifikat", "Certifications"],
  add_certification: ["Tambah sertifikat", "Add certification"],
  cert_kind: ["Jenis sertifikat", "Certificate"],
  cert_number: ["Nomor", "Number"],
  valid_until: ["Berlaku sampai", "Valid until"],
  remove: ["Hapus", "Remove"],
  photos: ["Foto", "Photos"],
  take_photo: ["Ambil foto", "Take a photo"],
  photo_saving: ["Mengecilkan foto…", "Shrinking the photo…"],
  photo_failed: ["Foto tidak bisa dibaca.", "The photo could not be read."],
  invalid_number: ["Angka tidak sah (contoh: 12,5).", "Not a valid number (e.g. 12.5)."],
  qty_too_large: ["Jumlah paling banyak 1 miliar.", "The amount is at most 1 billion."],
  stock_too_large: ["Stok harus tetap antara minus 1 triliun dan 1 triliun.", "Stock must stay between minus 1 trillion and 1 trillion."],
  invalid_price: ["Harga harus angka bulat, paling banyak Rp1 triliun.", "The price must be a whole number, at most Rp 1 trillion."],
  // Typed numbers (pwa/src/numberInput.js): the question when a text reads two ways, the reasons
  // a text is not a number; and a sale or loss larger than the stock (movementForm.js).
  number_means: ["Maksudnya {a} atau {b}?", "Did you mean {a} or {b}?"],
  number_not_a_number: ["Tulis angka saja, contoh 1.250,5.", "Write digits only, e.g. 1,250.5."],
  number_negative: ["Tulis tanpa tanda minus.", "Write it without a minus sign."],
  number_groups: [
    "Titik memisahkan ribuan: sesudahnya selalu 3 angka (1.000 atau 12.500). Untuk pecahan pakai koma: 1,5.",
    "A comma separates thousands: always 3 digits after it (1,000 or 12,500). For a fraction use a point: 1.5.",
  ],
  number_two_points: [
    "Koma hanya sekali, untuk pecahan (12,5). Ribuan pakai titik: 1.000.000.",
    "Only one point, for a fraction (12.5). Thousands take commas: 1,000,000.",
  ],
  number_decimals: ["Paling banyak 3 angka sesudah koma.", "At most 3 digits after the point."],
  number_too_long: ["Angka terlalu panjang.", "The number is too long."],
  number_whole_rupiah: ["Harga dalam rupiah utuh, tanpa pecahan.", "A price is in whole rupiah, without a fraction."],
  stock_only: ["Stok hanya {qty} — tetap catat?", "Only {qty} in stock — record it anyway?"],
  record_anyway: ["Ya, tetap catat", "Yes, record it"],
  record_stock: ["Catat stok", "Record stock"],
  edit: ["Ubah", "Edit"],
  ready_to_submit: ["Siap diajukan", "Ready to submit"],
  submitted_note: ["Produk diajukan untuk ditinjau.", "The product was submitted for review."],
  stock_on_hand: ["Stok tersedia", "Stock on hand"],
  history: ["Riwayat stok", "Stock history"],
  no_history: ["Belum ada catatan stok.", "No stock records yet."],
  reviews: ["Catatan peninjau", "Review notes"],
  no_reviews: ["Belum ada catatan peninjau.", "No review notes yet."],
  entered_by: ["Dicatat oleh", "Entered by"],
  entered_by_name: ["Dicatat oleh {name}", "Entered by {name}"],
  open_photo: ["Buka foto", "Open the photo"],
  close: ["Tutup", "Close"],
  photo_usage: [
    "Foto: {own} dari HP ini ({own_bytes}), {fetched} diambil dari server ({fetched_bytes})",
    "Photos: {own} taken on this phone ({own_bytes}), {fetched} fetched from the server ({fetched_bytes})",
  ],
  not_sent: ["belum terkirim", "not sent"],
  movement_kind: ["Jenis catatan", "Kind of record"],
  amount: ["Jumlah", "Amount"],
  direction: ["Arah", "Direction"],
  add_stock: ["Tambah stok", "Add to stock"],
  remove_stock: ["Kurangi stok", "Take from stock"],
  date: ["Tanggal", "Date"],
  note: ["Catatan (boleh kosong)", "Note (optional)"],
  saved: ["Tersimpan di HP. Akan dikirim saat ada sinyal.", "Saved on the phone. It will be sent when there is a signal."],
  sync_title: ["Sinkronisasi", "Sync"],
  sync_now: ["Sinkronkan sekarang", "Sync now"],
  rejected: ["Ditolak server", "Rejected by the server"],
  storage: ["Penyimpanan", "Storage"],
  storage_used: ["{used} dipakai dari {quota}", "{used} used of {quota}"],
  persisted_yes: ["Data tersimpan permanen di HP ini.", "Data is stored persistently on this phone."],
  persisted_no: [
    "Browser belum mengizinkan penyimpanan permanen: kirim data sesering mungkin.",
    "The browser did not grant persistent storage: send your data as often as you can.",
  ],
  app_version: ["Versi aplikasi", "App version"],
  device_id: ["ID perangkat", "Device id"],
  language: ["Bahasa", "Language"],
  logout: ["Keluar", "Log out"],
  logout_warning: [
    "Ada {n} data belum terkirim. Keluar sekarang akan menghapusnya dari HP ini. Tetap keluar?",
    "There are {n} unsent records. Logging out now deletes them from this phone. Log out anyway?",
  ],
  logout_confirm: ["Keluar dari akun ini?", "Log out of this account?"],
  fix_title: ["Perlu tindakan", "Needs action"],
  fix_intro: [
    "Server menolak data ini. Perbaiki lalu kirim lagi, atau buang.",
    "The server rejected these records. Correct and send them again, or discard them.",
  ],
  nothing_to_fix: ["Tidak ada yang perlu ditindak.", "Nothing needs action."],
  reason: ["Alasan", "Reason"],
  fix: ["Perbaiki", "Correct"],
  discard: ["Buang", "Discard"],
  discard_confirm: ["Buang data ini? Tidak bisa dibatalkan.", "Discard this record? This cannot be undone."],
  update_ready: ["Versi baru tersedia — muat ulang", "A new version is available — reload"],
  session_expired: [
    "Sesi berakhir. Masuk lagi saat ada internet untuk mengirim data.",
    "Your session has ended. Log in again when online to send your data.",
  ],
  back: ["Kembali", "Back"],
  reload: ["Muat ulang", "Reload"],
  entity_producer: ["Produsen", "Producer"],
  entity_product: ["Produk", "Product"],
  entity_stock_movement: ["Catatan stok", "Stock record"],
  entity_review: ["Tinjauan", "Review"],

  // -- the fix loop (issue 16, 5-8): field rules in words, the "Perlu tindakan" inbox --------
  field_name: ["Nama", "Name"],
  field_village: ["Desa", "Village"],
  field_phone: ["Nomor HP", "Phone number"],
  field_nib: ["NIB", "NIB"],
  field_kind: ["Jenis usaha", "Kind"],
  field_producer: ["Produsen", "Producer"],
  field_category: ["Kategori", "Category"],
  field_description: ["Deskripsi", "Description"],
  field_unit: ["Satuan", "Unit"],
  field_weight: ["Berat per satuan", "Weight per unit"],
  field_price: ["Harga", "Price"],
  field_hs_code: ["Kode HS", "HS code"],
  field_certifications: ["Sertifikat", "Certifications"],
  field_photos: ["Foto", "Photos"],
  field_status: ["Status", "Status"],
  field_product: ["Produk", "Product"],
  field_qty: ["Jumlah", "Amount"],
  field_movement_kind: ["Jenis catatan", "Kind of record"],
  field_date: ["Tanggal", "Date"],
  field_note: ["Catatan", "Note"],
  field_other: ["Data", "A value"],
  rule_required: ["{field} wajib diisi.", "{field} is required."],
  rule_too_long: ["{field} terlalu panjang: paling banyak {max} huruf.", "{field} is too long: at most {max} characters."],
  rule_invalid: ["{field} tidak sah.", "{field} is not valid."],
  rule_nib: ["NIB harus 13 angka.", "The NIB must be 13 digits."],
  rule_hs_code: ["Kode HS harus 8 angka, misalnya 0901.11.00.", "The HS code must be 8 digits, e.g. 0901.11.00."],
  rule_phone: ["Nomor HP tidak sah; tulis seperti 0812…", "Not a valid phone number; write it like 0812…"],
  rule_village: ["Desa tidak dikenal; pilih dari daftar.", "Unknown village; choose one from the list."],
  rule_weight: ["Berat per satuan harus lebih dari 0.", "The weight per unit must be more than 0."],
  rule_decimal: ["{field} harus angka, misalnya 12,5.", "{field} must be a number, e.g. 12.5."],
  rule_qty_zero: ["Jumlah tidak boleh 0.", "The amount must not be 0."],
  rule_qty_limit: ["Jumlah paling banyak 1.000.000.000.", "The amount is at most 1,000,000,000."],
  rule_qty_sign: ["Jumlah tidak cocok dengan jenis catatan.", "The amount does not fit the kind of record."],
  rule_price_limit: ["Harga paling banyak Rp 1.000.000.000.000.", "The price is at most Rp 1,000,000,000,000."],
  rule_price_whole: ["Harga harus angka bulat.", "The price must be a whole number."],
  rule_years: ["{field} harus antara tahun 2000 dan 2100.", "{field} must be between the years 2000 and 2100."],
  rejected_fix: ["Ditolak server — perbaiki", "Rejected by the server — fix it"],
  changes_requested: ["Diminta diubah oleh petugas", "Changes asked for by the reviewer"],
  changes_intro: [
    "Petugas meminta produk ini diubah. Ubah produknya, lalu tekan Siap diajukan.",
    "The reviewer asks for changes to these products. Edit the product, then tap Ready to submit.",
  ],
  changes_no_note: ["Petugas tidak menulis catatan.", "The reviewer wrote no note."],
  open_product: ["Buka produk", "Open the product"],
  waiting_behind: ["{n} data menunggu perbaikan ini:", "{n} records wait for this fix:"],
  waiting_for: ["menunggu: {what}", "waiting for: {what}"],
  discard_confirm_waiting: [
    "Buang data ini? {n} data yang menunggunya ikut terbuang. Tidak bisa dibatalkan.",
    "Discard this record? The {n} records waiting for it are discarded too. This cannot be undone.",
  ],
  inbox_link: ["Perlu tindakan: {n}", "Needs action: {n}"],
  inbox_count: ["{n} perlu tindakan", "{n} need action"],
  rule_date: ["{field} bukan tanggal yang benar.", "{field} is not a real date."],
};

const OPTIONS = {
  status: {
    draft: ["Draf", "Draft"],
    submitted: ["Diajukan", "Submitted"],
    approved: ["Disetujui", "Approved"],
    needs_changes: ["Diminta diubah", "Changes asked for"],
    rejected: ["Ditolak", "Rejected"],
  },
  category: {
    coffee: ["Kopi", "Coffee"],
    cocoa: ["Kakao", "Cocoa"],
    spices: ["Rempah", "Spices"],
    rice_grains: ["Beras & biji-bijian", "Rice & grains"],
    fruits: ["Buah", "Fruits"],
    vegetables: ["Sayuran", "Vegetables"],
    fishery: ["Perikanan", "Fishery"],
    livestock: ["Peternakan", "Livestock"],
    processed_food: ["Makanan olahan", "Processed food"],
    beverages: ["Minuman", "Beverages"],
    herbal: ["Herbal", "Herbal"],
    handicraft: ["Kerajinan", "Handicraft"],
    textile: ["Tekstil", "Textile"],
    other: ["Lainnya", "Other"],
  },
  unit: {
    kg: ["kg", "kg"],
    g: ["gram", "gram"],
    l: ["liter", "litre"],
    ml: ["ml", "ml"],
    pcs: ["buah", "pieces"],
    pack: ["pak", "pack"],
    karung: ["karung", "sack"],
    ikat: ["ikat", "bunch"],
  },
  producer_kind: {
    individual: ["Perorangan", "Individual"],
    group: ["Kelompok tani", "Farmer group"],
    ukm: ["UKM", "Small business (UKM)"],
    bumdes: ["BUMDes", "Village enterprise (BUMDes)"],
    koperasi: ["Koperasi", "Cooperative"],
  },
  movement: {
    harvest: ["Panen", "Harvest"],
    production: ["Produksi", "Production"],
    purchase: ["Pembelian", "Purchase"],
    sale: ["Penjualan", "Sale"],
    spoilage: ["Rusak/susut", "Spoilage"],
    adjustment: ["Penyesuaian", "Adjustment"],
    shipment: ["Pengiriman", "Shipment"],
  },
  certification: {
    nib: ["NIB", "NIB"],
    pirt: ["SPP-IRT (P-IRT)", "SPP-IRT (P-IRT)"],
    bpom_md: ["BPOM MD", "BPOM MD"],
    halal: ["Halal", "Halal"],
    sni: ["SNI", "SNI"],
    organic: ["Organik", "Organic"],
    phytosanitary: ["Fitosanitari", "Phytosanitary"],
  },
};

export function currentLang() {
  try {
    return localStorage.getItem(LANG_KEY) === "en" ? "en" : "id";
  } catch {
    return "id";
  }
}

export function setLang(lang) {
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang;
}

function pick(pair) {
  return pair[currentLang() === "en" ? 1 : 0];
}

/** A word or sentence in the current language, with {name} placeholders filled. */
export function t(key, params = {}) {
  const pair = WORDS[key];
  if (!pair) return key;
  return pick(pair).replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

/** The label of a choice (a status, a category, a unit...). */
export function label(group, value) {
  const pair = OPTIONS[group] && OPTIONS[group][value];
  return pair ? pick(pair) : String(value ?? "");
}

/** The values of a group of choices, in order. */
export function choices(group) {
  return Object.keys(OPTIONS[group]);
}
