// Live while open (docs/sync-protocol.md): in view, sync on a push and every data-live-seconds, backing off while
// the server is out of reach, never while hidden; the header's "N kabar baru". Not needed for the first paint.

import { markSeen, showBadge, unread } from '../live.js';

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
    if (data.state === 'login-needed' || data.state === 'password-needed') clearTimeout(timer);
    else schedule();
  });
  // Shown again, triggers.js syncs at once; that run's 'done' restarts the clock. (A push: app.js syncs at once.)
  document.addEventListener('visibilitychange', () => visible() || clearTimeout(timer));
  document.getElementById('kabar').addEventListener('click', () => {
    lookAt(null);
    document.getElementById('kiriman-judul').scrollIntoView();
  });
  addEventListener('hashchange', opened);
  opened();
  schedule();
}
