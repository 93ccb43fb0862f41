// What is news to the member (docs/sync-protocol.md, "Live while open"): the verdicts not yet looked at, and the
// icon's badge that counts them. The service worker counts too, so no DOM here; the page's side — the header's
// "N kabar baru" and the clock that syncs while the app is in view — follows the first paint (later/kabar.js).

import { items, meta } from './db.js';

const NEWS = new Set(['disetujui', 'ditolak', 'perlu_revisi']);
const shown = (item) => `${item.state}/${item.aduan_status || ''}`;

const decided = async (me) => (await items.all()).filter((i) => i.author_id === me.id && NEWS.has(i.state));

export async function unread(me) {
  if (!me) return [];
  let seen = await meta.get(`seen:${me.id}`);
  const mine = await decided(me);
  if (!seen) {
    // After the account's first pull everything counts as seen: old verdicts are no news on a new phone.
    if (!(await meta.get(`cursor:${me.id}`))) return [];
    seen = Object.fromEntries(mine.map((item) => [item.uuid, shown(item)]));
    await meta.set(`seen:${me.id}`, seen);
  }
  return mine.filter((item) => seen[item.uuid] !== shown(item)).map((item) => item.uuid);
}

// All of them (uuids null), or the items a notification opened.
export async function markSeen(me, uuids) {
  if (!me) return;
  const seen = (await meta.get(`seen:${me.id}`)) || {};
  for (const item of await decided(me)) if (!uuids || uuids.includes(item.uuid)) seen[item.uuid] = shown(item);
  await meta.set(`seen:${me.id}`, seen);
}

export async function showBadge(count) {
  const nav = self.navigator;
  if (nav.setAppBadge) await (count ? nav.setAppBadge(count) : nav.clearAppBadge()).catch(() => {});
}
