"""Puts many items straight into the phone's IndexedDB, as months of use would leave them: for the tests of "Kiriman
saya" and for benchmarks/app_open.py. Records look like the server's copies the sync keeps (states from the server,
so nothing is sent), each with one photo thumbnail; `unsent` of them are still 'tersimpan'."""
from __future__ import annotations

import base64

SEED_JS = """async ({ count, unsent, old, photo, tracked }) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open('kim');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const done = (tx) => new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  const read = db.transaction('meta').objectStore('meta').get('me');
  const me = await new Promise((resolve) => { read.onsuccess = () => resolve(read.result); });
  const bytes = Uint8Array.from(atob(photo), (c) => c.charCodeAt(0));
  const states = ['menunggu', 'disetujui', 'ditolak', 'perlu_revisi'];
  const tx = db.transaction(['items', 'photos'], 'readwrite');
  const now = Date.now();
  for (let i = 0; i < count; i += 1) {
    const uuid = crypto.randomUUID();
    const photoId = crypto.randomUUID();
    const age = i < count - old ? i * 3600 * 1000 : (60 + i) * 24 * 3600 * 1000;
    const state = i < unsent ? 'tersimpan' : (i >= count - old ? 'disetujui' : states[i % states.length]);
    const aduan = i === tracked;
    tx.objectStore('items').put({
      uuid, kind: aduan ? 'aduan' : 'berita', author_id: me.id, captured_at: new Date(now - age).toISOString(),
      desa_kode: me.desa ? me.desa.kode : null, state, attempts: 0, next_attempt_at: null, reason: null,
      kategori: aduan ? 'air' : 'sosial',
      judul: aduan ? null : `Berita nomor ${i}`, isi: aduan ? null : `Isi berita nomor ${i} dari desa`,
      uraian: aduan ? `Aduan nomor ${i}` : null, tracking_code: aduan ? 'ABCD1234' : null,
      history: [], photos: [{ id: photoId, sha256: '0'.repeat(64), size: bytes.length, mime: 'image/jpeg' }],
    });
    tx.objectStore('photos').put({
      id: photoId, item_uuid: uuid, position: 0, blob: new Blob([bytes], { type: 'image/jpeg' }), thumb: true,
      sha256: '0'.repeat(64), size: bytes.length, mime: 'image/jpeg', received: bytes.length,
      state: state === 'tersimpan' ? 'menunggu' : 'siap', error: null,
    });
  }
  await done(tx);
  db.close();
  return me.id;
}"""


def seed_items(page, count: int, photo: bytes, unsent: int = 0, old: int = 0, tracked: int = -1) -> int:
    """Item i is i hours old (the last `old` ones two months and more, approved); returns the member's id."""
    return page.evaluate(SEED_JS, {"count": count, "unsent": unsent, "old": old, "tracked": tracked,
                                   "photo": base64.b64encode(photo).decode()})
