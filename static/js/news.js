// The newest published news of the member's desa and kabupaten, kept in IndexedDB so they can be read with no signal
// (docs/sync-protocol.md, "Berita for offline reading"). Refreshed at the end of each sync run; no DOM, so the
// service worker refreshes them too. Stored under meta 'berita': {desa: {kode, etag, items}, kabupaten: {…}}.

import * as api from './api.js';
import { meta } from './db.js';

const KEY = 'berita';
const AREAS = [['desa', 10], ['kabupaten', 20]];

export const storedNews = async () => (await meta.get(KEY)) || {};

// Each area's list is replaced whole (the answer is the whole list, not a delta) unless the server answers 304.
// Resolves true when something new was stored. Throws api.NetworkError without an answer.
export async function refreshNews(me) {
  const stored = await storedNews();
  const next = {};
  let changed = false;
  for (const [area, limit] of AREAS) {
    const kode = me[area] && me[area].kode;
    if (!kode) continue;
    const old = stored[area] && stored[area].kode === kode ? stored[area] : null;
    const answer = await api.getBerita(`${area}=${encodeURIComponent(kode)}&limit=${limit}`, old && old.etag);
    if (answer.status === 200 && answer.data) {
      next[area] = { kode, etag: answer.etag, items: answer.data.items };
      changed = true;
    } else if (old) {
      next[area] = old; // 304, or the server in trouble: the copy we have stays readable
    }
  }
  changed = changed || Object.keys(next).length !== Object.keys(stored).length;
  if (changed) await meta.set(KEY, next);
  return changed;
}

// Newest first, each item once (the desa's news are among the kabupaten's too).
export function newsList(stored) {
  const byId = new Map();
  for (const area of Object.values(stored)) for (const item of area.items) byId.set(item.id, item);
  return [...byId.values()].sort((a, b) => Date.parse(b.published_at) - Date.parse(a.published_at));
}
