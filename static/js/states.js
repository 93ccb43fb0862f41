// The states an item goes through and how each is shown to the member (table in docs/sync-protocol.md).
// The first three exist only on the phone; the rest are the server's status, copied back by the sync. Two more are
// shown while the server has an item's text but not yet all of its photos (photo records: upload.js).

import { statusLabel } from './registry.js';

// The phone's own states; the server's statuses are named by the registry (registry.js).
const LABELS = {
  tersimpan: 'Tersimpan di HP',
  mengirim: 'Sedang dikirim',
  gagal: 'Gagal dikirim',
  foto_dikirim: 'Terkirim, foto sedang dikirim',
  foto_gagal: 'Terkirim, foto gagal dikirim',
};

const UNSENT = new Set(['tersimpan', 'mengirim', 'gagal']);

// Items the sender picks up. 'mengirim' is here because a run that died mid-send (tab closed, phone off)
// leaves its item in that state; sending again is harmless since creation is idempotent on the uuid.
const SENDABLE = new Set(['tersimpan', 'mengirim']);

export const isUnsent = (item) => UNSENT.has(item.state);

export const isSendable = (item) => SENDABLE.has(item.state);

// A new item the server does not hold yet: the member may still change its content (same UUID), remove a photo or
// delete it (static/js/later/manage.js). Not while a run sends it ('mengirim'), nor once the server said it holds
// other content under this UUID (server_status); an edit of a sent item follows the revision rules instead.
export const isChangeable = (item) => (item.state === 'tersimpan' || item.state === 'gagal')
  && !item.base && !item.server_status;

// The state to show, given the item's photo records: an item the server has, with photos still on the phone, is
// not yet "menunggu moderasi" for the member, because the moderators cannot see it complete. A photo the member
// removed holds the item back too until the server has been told (its DELETE is still to go).
export function shownState(item, photos = []) {
  if (isUnsent(item) || photos.every((photo) => photo.state === 'siap' && !photo.withdraw)) return item.state;
  return photos.some((photo) => photo.state === 'gagal' && !photo.withdraw) ? 'foto_gagal' : 'foto_dikirim';
}

// True while anything of the item (its text or a photo) has still to reach the server.
export const isIncomplete = (item, photos = []) => shownState(item, photos) !== item.state || isUnsent(item);

export function stateLabel(item, photos = []) {
  const state = shownState(item, photos);
  const base = LABELS[state] || statusLabel(state, item.kind);
  if (state === 'foto_dikirim') {
    const kept = photos.filter((photo) => !photo.withdraw);
    return `${base} (${kept.filter((photo) => photo.state === 'siap').length} dari ${kept.length})`;
  }
  const reason = state === 'gagal' ? item.reason
    : (state === 'ditolak' || state === 'perlu_revisi') ? item.moderator_note
      : null;
  return reason ? `${base}: ${reason}` : base;
}
