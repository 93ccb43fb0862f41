// Live while open (docs/sync-protocol.md): in view, sync on a push and every data-live-seconds, backing off while
// the server is out of reach, never while hidden; the header's "N kabar baru" (verdicts not yet looked at) and the
// icon's badge. The service worker counts too: no DOM outside the functions that draw.

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

let current = null;

export async function renderKabar(me) {
  current = me;
  const count = (await unread(me)).length;
  const node = document.getElementById('kabar');
  node.textContent = `${count} kabar baru`;
  node.hidden = !count;
  await showBadge(count);
}

async function lookAt(uuids) {
  await markSeen(current, uuids);
  await renderKabar(current);
}

function opened() {
  const uuid = (/^#item=([0-9a-f-]{36})$/.exec(location.hash) || [])[1];
  if (uuid) lookAt([uuid]);
}

export function startLive(syncNow) {
  const every = (Number(document.body.dataset.liveSeconds) || 60) * 1000;
  const visible = () => document.visibilityState === 'visible';
  let failures = 0;
  let timer = 0;
  const schedule = () => {
    clearTimeout(timer);
    if (visible()) timer = setTimeout(tick, Math.min(9e5, every * 2 ** failures));
  };
  // Scheduled before the run: a run that throws announces nothing, and the clock must go on.
  function tick() {
    schedule();
    syncNow();
  }
  new BroadcastChannel('kim-sync').addEventListener('message', ({ data }) => {
    if (data.type !== 'done') return;
    failures = data.state === 'offline' ? Math.min(failures + 1, 10) : 0;
    if (data.state === 'login-needed') clearTimeout(timer);
    else schedule();
  });
  // Shown again, triggers.js syncs at once; that run's 'done' restarts the clock.
  document.addEventListener('visibilitychange', () => visible() || clearTimeout(timer));
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener('message', ({ data }) => data.type === 'push' && visible() && syncNow());
    navigator.serviceWorker.startMessages();
  }
  document.getElementById('kabar').addEventListener('click', () => {
    lookAt(null);
    document.getElementById('kiriman-judul').scrollIntoView();
  });
  addEventListener('hashchange', opened);
  opened();
  schedule();
}
