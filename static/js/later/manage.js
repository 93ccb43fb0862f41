// Managing the outbox: an item not yet sent is still only the phone's, so the member may change its text (the same
// UUID, new content), remove one of its photos, or delete it. Each change holds the sync's lock ('kim-sync'), so no
// run is sending the item meanwhile, and checks again inside its transaction that the item is still unsent.
// Imported on demand (sync/shell.py, LATER_DIR).

import { changeWithPhotos, items, removeWithPhotos } from '../db.js';
import { fieldsOf, registry } from '../registry.js';
import { isChangeable } from '../states.js';

const underSyncLock = (work) => (navigator.locks ? navigator.locks.request('kim-sync', work) : work());

// Resolves with the changed item, or null when it can no longer be changed (it was sent meanwhile).
export const saveUnsentEdit = (uuid, values) => underSyncLock(() => items.update(uuid, (item) => {
  if (!item || !isChangeable(item)) return null;
  const edited = { ...item, state: 'tersimpan', attempts: 0, next_attempt_at: null, reason: null };
  for (const name of fieldsOf(item.kind)) edited[name] = (values[name] || '').trim() || null;
  return edited;
}));

export const deleteUnsent = (uuid) => underSyncLock(() => removeWithPhotos(uuid, isChangeable));

// The photo leaves the item's declared list and the phone before it travels. A kind's least number of photos stays.
export const removeUnsentPhoto = (uuid, photoId) => underSyncLock(() => changeWithPhotos(uuid, (item, records) => {
  const least = registry().kinds[item.kind].min_photos;
  if (!isChangeable(item) || item.photos.length <= least) return null;
  const kept = records.filter((record) => record.id !== photoId).sort((a, b) => a.position - b.position);
  return {
    item: { ...item, photos: item.photos.filter((declared) => declared.id !== photoId) },
    records: kept.map((record, position) => ({ ...record, position })),
  };
}));
