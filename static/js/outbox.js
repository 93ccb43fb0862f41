// What an item on the phone is: how a new one is made, what is sent for it, and how the server's copy is
// folded into it. No DOM and no network here.
//
// A record is the item's fields plus local bookkeeping: state (see states.js), attempts and next_attempt_at
// (the backoff), reason (why sending failed), and author_id (whose item it is; phones are shared).
// `photos` is the item's declared photo list [{id, sha256, size, mime}], in order; the Blobs themselves and their
// upload progress are records of the 'photos' store (see upload.js).

import { items } from './db.js';

export const FIELDS = {
  berita: ['kategori', 'judul', 'isi'],
  aduan: ['kategori', 'uraian', 'lokasi', 'pelapor_nama', 'pelapor_telepon'],
  foto: ['kategori', 'keterangan'],
};

// Stores the item and its shrunk photos ({blob, sha256, size, mime} from photos.js) before anything else happens
// to them: from here on the phone's copy is the truth.
export async function saveNewItem(kind, values, me, shrunk = []) {
  const item = {
    uuid: crypto.randomUUID(),
    kind,
    author_id: me.id,
    captured_at: new Date().toISOString(),
    desa_kode: me.desa ? me.desa.kode : null,
    state: 'tersimpan',
    attempts: 0,
    next_attempt_at: null,
    reason: null,
    photos: [],
  };
  for (const name of FIELDS[kind]) item[name] = (values[name] || '').trim() || null;
  const records = shrunk.map((photo, position) => ({
    id: crypto.randomUUID(),
    item_uuid: item.uuid,
    position,
    blob: photo.blob,
    sha256: photo.sha256,
    size: photo.size,
    mime: photo.mime,
    received: 0,
    state: 'menunggu',
    error: null,
  }));
  item.photos = records.map(({ id, sha256, size, mime }) => ({ id, sha256, size, mime }));
  await items.add(item, records);
  return item;
}

// The POST body. Built only from stored fields, so every retry sends exactly the same content and the
// server can recognise a repeat (200) instead of seeing a conflict (409). Empty optional fields are left out.
export function requestBody(item) {
  const body = { uuid: item.uuid, kind: item.kind, author_id: item.author_id, captured_at: item.captured_at };
  if (item.desa_kode) body.desa_kode = item.desa_kode;
  for (const name of FIELDS[item.kind]) if (item[name]) body[name] = item[name];
  if (item.photos && item.photos.length) body.photos = item.photos;
  return body;
}

// The server has the item: its copy (status, note, revision, public_url …) wins and the bookkeeping ends.
// The server's photo list (states, URLs) is not folded in: the declared list stays, and photo states live in the
// 'photos' store (sync.js applies them there).
export function withServerCopy(local, server, authorId) {
  const { status, photos, ...fields } = server;
  return {
    ...local,
    ...fields,
    photos: (local && local.photos) || [],
    author_id: local ? local.author_id : authorId,
    state: status,
    attempts: 0,
    next_attempt_at: null,
    reason: null,
  };
}

// What a pull does with the server's copy of an item. A local item marked 'gagal' (the server answered 409: it holds
// this UUID with other content) keeps its own content: taking the server's copy would silently throw away what the
// member typed on this phone. Only the server's status is noted on it; the member decides what to do.
export function afterPull(local, server, authorId) {
  if (local && local.state === 'gagal') {
    return local.server_status === server.status ? null : { ...local, server_status: server.status };
  }
  return withServerCopy(local, server, authorId);
}
