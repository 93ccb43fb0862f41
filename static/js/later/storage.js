// Asks the browser to keep our IndexedDB even when the phone runs short of space. Without this, Chrome may
// evict an unsent outbox from a full phone. Chrome decides by itself (no prompt), so we only ask, and tell the
// member in plain words what the answer means for them and what they can do. Imported on demand (LATER_DIR).

const KEPT = 'Kiriman yang belum terkirim tersimpan aman di HP ini.';
const AT_RISK = 'Bila memori HP hampir penuh, HP bisa menghapus kiriman yang belum terkirim. '
  + 'Kirim saat ada sinyal, dan pasang KIM di layar utama (menu browser: “Tambahkan ke layar utama”) '
  + 'agar kiriman lebih aman.';

export async function keepStorage() {
  const line = document.getElementById('storage');
  const storage = navigator.storage;
  const granted = storage && storage.persist && ((await storage.persisted()) || (await storage.persist()));
  line.textContent = granted ? KEPT : AT_RISK;
}
