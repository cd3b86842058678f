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
  needs_fixing: ["Perlu diperbaiki", "Needs fixing"],
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
  invalid_price: ["Harga harus angka bulat.", "The price must be a whole number."],
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
  fix_title: ["Perlu diperbaiki", "Needs fixing"],
  fix_intro: [
    "Server menolak data ini. Perbaiki lalu kirim lagi, atau buang.",
    "The server rejected these records. Correct and send them again, or discard them.",
  ],
  nothing_to_fix: ["Tidak ada yang perlu diperbaiki.", "Nothing needs fixing."],
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

  // Saving once, the same name twice, and forms kept half-filled (issue 16: saves and drafts).
  saving: ["Menyimpan…", "Saving…"],
  same_name_title: ["Nama ini sudah ada di desa ini", "This name is already in this village"],
  same_name: [
    "Sudah ada produsen {name} di {village}. Apakah orang yang sama?",
    "There is already a producer {name} in {village}. Is it the same person?",
  ],
  use_existing: ["Ya, pakai {name}", "Yes, use {name}"],
  add_anyway: ["Bukan, tambah orang baru", "No, add a new person"],
  draft_restored: ["Isian sebelumnya dilanjutkan.", "Your earlier entries are back."],
  draft_discard: ["Hapus isian, mulai dari awal", "Clear, start again"],
};

const OPTIONS = {
  status: {
    draft: ["Draf", "Draft"],
    submitted: ["Diajukan", "Submitted"],
    approved: ["Disetujui", "Approved"],
    needs_changes: ["Perlu perubahan", "Needs changes"],
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
