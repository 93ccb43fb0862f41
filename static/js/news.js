// The newest published news of the member's desa and kabupaten, kept in IndexedDB so they can be read with no signal
// (docs/sync-protocol.md, "Berita for offline reading"). Refreshed at the end of each sync run; no DOM, so the
// service worker refreshes them too. Stored under meta 'berita': {desa: {kode, etag, items}, kabupaten: {…}}.

import * as api from './api.js';
import { meta } from './db.js';

const KEY = 'berita';
const AREAS = [['desa', 10], ['kabupaten', 20]];

export const storedNews = async () => (await meta.get(KEY)) || {};

// Both areas in one request, one ETag (kept with each area's list). Each list is replaced whole (the answer is the
// whole list, not a delta) unless the server answers 304. Resolves true when something new was stored. Throws
// api.NetworkError without an answer.
export async function refreshNews(me) {
  const stored = await storedNews();
  const areas = AREAS.filter(([area]) => me[area] && me[area].kode);
  if (!areas.length) {
    if (!Object.keys(stored).length) return false;
    await meta.set(KEY, {});
    return true;
  }
  // The copy answers the same question only if it is of the same areas: then its ETag still applies.
  const same = Object.keys(stored).length === areas.length
    && areas.every(([area]) => stored[area] && stored[area].kode === me[area].kode);
  const query = areas.map(([area, limit]) => `${area}=${encodeURIComponent(me[area].kode)}&${area}_limit=${limit}`)
    .join('&');
  const answer = await api.getBerita(query, same ? stored[areas[0][0]].etag : null);
  // 304, or the server in trouble: the copy we have stays readable.
  if (answer.status !== 200 || !answer.data) return false;
  const next = {};
  for (const [area] of areas) {
    if (answer.data[area]) next[area] = { kode: me[area].kode, etag: answer.etag, items: answer.data[area].items };
  }
  await meta.set(KEY, next);
  return true;
}

// Newest first, each item once (the desa's news are among the kabupaten's too).
export function newsList(stored) {
  const byId = new Map();
  for (const area of Object.values(stored)) for (const item of area.items) byId.set(item.id, item);
  return [...byId.values()].sort((a, b) => Date.parse(b.published_at) - Date.parse(a.published_at));
}
