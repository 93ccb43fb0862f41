// What an item on the phone is: how a new one is made, what is sent for it, and how the server's copy is
// folded into it. No DOM and no network here.
//
// A record is the item's fields plus local bookkeeping: state (see states.js), attempts and next_attempt_at
// (the backoff), server_failures (how often the server broke on it, api.js), reason (why sending failed), and author_id (whose item it is; phones are shared).
// `photos` is the item's declared photo list [{id, sha256, size, mime}], in order; the Blobs themselves and their
// upload progress are records of the 'photos' store (see upload.js).
//
// Revisions (docs/sync-protocol.md, "Revisions"): an item the moderators sent back is edited into a new revision of
// the same item. Its record then holds the member's new text with `base`, the server's copy it was made from, until
// the server confirms the revision. A revision the server would not take is kept beside the server's copy as
// `unsent_edit`, so what the member wrote is never lost.

import { changeWithPhotos, items } from './db.js';
import { fieldsOf } from './registry.js';
import { isUnsent } from './states.js';

// Stores the item and its shrunk photos ({blob, sha256, size, mime} from photos.js) before anything else happens
// to them: from here on the phone's copy is the truth.
//
// `uuid` is the one the capture form was given when it opened (capture.js): saving the same form twice — a double
// tap on "Simpan" — finds the item already stored and stores nothing more. Resolves with the stored item.
export async function saveNewItem(kind, values, me, shrunk = [], uuid = crypto.randomUUID()) {
  const item = {
    uuid,
    kind,
    author_id: me.id,
    captured_at: new Date().toISOString(),
    // The desa chosen in the form when the member's KIM covers several (session.js), else the KIM's own.
    desa_kode: values.desa_kode || (me.desa ? me.desa.kode : null),
    state: 'tersimpan',
    attempts: 0,
    next_attempt_at: null,
    reason: null,
    photos: [],
  };
  for (const name of fieldsOf(kind)) item[name] = (values[name] || '').trim() || null;
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
  return (await items.add(item, records)) ? item : items.get(uuid);
}

// "Kirim ulang" on an item marked 'gagal': back to the outbox as if just saved, its backoff and counts forgotten.
export const resendItem = (uuid) => items.update(uuid, (item) => (item && item.state === 'gagal'
  ? { ...item, state: 'tersimpan', attempts: 0, server_failures: 0, next_attempt_at: null, reason: null }
  : null));

// The POST body. Built only from stored fields, so every retry sends exactly the same content and the
// server can recognise a repeat (200) instead of seeing a conflict (409). Empty optional fields are left out.
export function requestBody(item) {
  const body = { uuid: item.uuid, kind: item.kind, author_id: item.author_id, captured_at: item.captured_at };
  if (item.desa_kode) body.desa_kode = item.desa_kode;
  for (const name of fieldsOf(item.kind)) if (item[name]) body[name] = item[name];
  if (item.photos && item.photos.length) body.photos = item.photos;
  return body;
}

// The server has the item: its copy (status, note, revision, history, public_url …) wins and the bookkeeping ends.
// The server's photo list (states, URLs) is not folded in: the declared list stays, and photo states live in the
// 'photos' store (sync.js applies them there).
export function withServerCopy(local, server, authorId) {
  const { status, photos, ...fields } = server;
  const { base, server_status: noted, ...kept } = local || {};
  return {
    ...kept,
    ...fields,
    photos: (local && local.photos) || [],
    author_id: local ? local.author_id : authorId,
    state: status,
    attempts: 0,
    server_failures: 0,
    next_attempt_at: null,
    reason: null,
  };
}

export const isRevision = (item) => Boolean(item.base);

// May the member edit this item now: the moderators asked for a revision, or an edit of theirs waits or was refused.
export const isEditable = (item) => item.state === 'perlu_revisi'
  || (isRevision(item) && (item.state === 'tersimpan' || item.state === 'gagal'));

// The values the edit form starts from: a refused edit if there is one, else the item as it is.
export const editValues = (item) => item.unsent_edit || item;

// Saves the member's edit as the next revision. The server's copy it starts from is kept as `base` (a second edit
// before sending keeps the first base), so the text the server confirmed stays on the phone until it confirms more.
export async function saveRevision(uuid, values) {
  return items.update(uuid, (item) => {
    if (!item || !isEditable(item)) return null;
    const { base: earlier, unsent_edit: replaced, ...current } = item;
    const base = earlier || current;
    const edited = {
      ...current,
      base,
      revision: base.revision + 1,
      captured_at: new Date().toISOString(),
      state: 'tersimpan',
      attempts: 0,
      next_attempt_at: null,
      reason: null,
    };
    for (const name of fieldsOf(item.kind)) edited[name] = (values[name] || '').trim() || null;
    return edited;
  });
}

// The body of POST /api/v1/items/{uuid}/revisions: the kind's fields; kind, desa and photos do not change.
export function revisionBody(item) {
  const body = { revision: item.revision, author_id: item.author_id, captured_at: item.captured_at };
  for (const name of fieldsOf(item.kind)) if (item[name]) body[name] = item[name];
  return body;
}

// The server would not take the revision (another one came first, from another phone say): its copy is shown, and
// the member's edit is kept beside it with the reason.
export function keepRefusedEdit(local, server, reason) {
  const edit = { revision: local.revision, captured_at: local.captured_at, reason };
  for (const name of fieldsOf(local.kind)) edit[name] = local[name];
  return { ...withServerCopy(local, server, local.author_id), unsent_edit: edit };
}

// The server answered 409 photo-conflict to a new item: a photo id it declared is already another item's. The item
// was never accepted, so its photos are declared afresh under new ids (the item keeps its UUID), in one write.
export function renewPhotoIds(uuid) {
  return changeWithPhotos(uuid, (item, records) => {
    const ids = new Map(item.photos.map((declared) => [declared.id, crypto.randomUUID()]));
    return {
      item: { ...item, photo_ids_renewed: true, photos: item.photos.map((d) => ({ ...d, id: ids.get(d.id) })) },
      records: records.map((record) => ({ ...record, id: ids.get(record.id) || crypto.randomUUID() })),
    };
  });
}

// What a pull does with the server's copy of an item. A local item marked 'gagal' (the server answered 409: it holds
// this UUID with other content) keeps its own content: taking the server's copy would silently throw away what the
// member typed on this phone. Only the server's status is noted on it; the member decides what to do.
// An edit not yet confirmed keeps the member's text too; the server's copy becomes its new base (status, history).
export function afterPull(local, server, authorId) {
  if (local && isRevision(local) && isUnsent(local)) {
    return { ...local, base: withServerCopy(local.base, server, authorId), history: server.history };
  }
  if (local && local.state === 'gagal') {
    return local.server_status === server.status ? null : { ...local, server_status: server.status };
  }
  return withServerCopy(local, server, authorId);
}
