// Asks the browser to keep our IndexedDB even when the phone runs short of space. Without this, Chrome may
// evict an unsent outbox from a full phone. Chrome decides by itself (no prompt), so we only ask and show
// the answer, in one short line (a longer one would wrap and push the page down as it appears).

export async function keepStorage() {
  const line = document.getElementById('storage');
  const storage = navigator.storage;
  if (!storage || !storage.persist) {
    line.textContent = 'Penyimpanan permanen: tidak didukung';
    return;
  }
  const granted = (await storage.persisted()) || (await storage.persist());
  line.textContent = `Penyimpanan permanen: ${granted ? 'aktif' : 'ditolak browser'}`;
}
