// What an item on the phone is: how a new one is made, what is sent for it, and how the server's copy is
// folded into it. No DOM and no network here.
//
// A record is the item's fields plus local bookkeeping: state (see states.js), attempts and next_attempt_at
// (the backoff), reason (why sending failed), and author_id (whose item it is; phones are shared).

import { items } from './db.js';

export const FIELDS = {
  berita: ['kategori', 'judul', 'isi'],
  aduan: ['kategori', 'uraian', 'lokasi', 'pelapor_nama', 'pelapor_telepon'],
};

// Stores the item before anything else happens to it: from here on the phone's copy is the truth.
export async function saveNewItem(kind, values, me) {
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
  };
  for (const name of FIELDS[kind]) item[name] = (values[name] || '').trim() || null;
  await items.put(item);
  return item;
}

// The POST body. Built only from stored fields, so every retry sends exactly the same content and the
// server can recognise a repeat (200) instead of seeing a conflict (409). Empty optional fields are left out.
export function requestBody(item) {
  const body = { uuid: item.uuid, kind: item.kind, author_id: item.author_id, captured_at: item.captured_at };
  if (item.desa_kode) body.desa_kode = item.desa_kode;
  for (const name of FIELDS[item.kind]) if (item[name]) body[name] = item[name];
  return body;
}

// The server has the item: its copy (status, note, revision, public_url …) wins and the bookkeeping ends.
export function withServerCopy(local, server, authorId) {
  const { status, ...fields } = server;
  return {
    ...local,
    ...fields,
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
