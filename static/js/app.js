// Entry point of the member app (templates/app/shell.html): wires the modules together. The page redraws from
// IndexedDB whenever the sync announces a change, whether the sync ran in this page or in the service worker.

import { startCapture } from './capture.js';
import { items, photos } from './db.js';
import { renderItems } from './list.js';
import { renderKabar, showBadge, startLive } from './live.js';
import { startPush, stopPush } from './push.js';
import { renderNews } from './reader.js';
import { cachedMe, logout, renderAccount } from './session.js';
import { keepStorage } from './storage.js';
import { startTriggers } from './triggers.js';
import { markForWithdrawal, setWifiOnly, wifiOnly } from './upload.js';
import { requestBackgroundSync, startWorker } from './worker.js';

let me = null;
// Whether the last sync found nobody signed in (or could not ask); null before the first sync has answered.
let signedOut = null;
let unsent = 0;
let redrawQueued = false;
let syncNow = () => {};

// What the buttons of the list do. Each writes to IndexedDB first (offline too), then asks for a sync.
const act = {
  // A photo the server refused: the member sends it again from its first byte.
  async retry(photo) {
    await photos.update(photo.id, (p) => (p ? { ...p, state: 'menunggu', error: null, received: 0, retry: true }
      : null));
    queueRedraw();
    syncNow(true);
  },
  // "Hapus foto". A refused photo goes without asking; one still on its way is a good photo, so we ask first.
  async withdraw(photo) {
    if (photo.state !== 'gagal' && !window.confirm('Hapus foto ini dari kiriman? Foto tidak akan dikirim.')) return;
    await markForWithdrawal(photo.id);
    queueRedraw();
    syncNow(true);
  },
  edit: (item) => edit(item),
};
let edit = () => {};

async function redraw() {
  me = await cachedMe();
  renderAccount(me, Boolean(signedOut));
  unsent = renderItems(await items.all(), me, await photos.all(), act);
  await renderKabar(me);
}

// A pull can announce many changes in a row; draw once for all of them.
function queueRedraw() {
  if (redrawQueued) return;
  redrawQueued = true;
  setTimeout(() => {
    redrawQueued = false;
    redraw();
  }, 50);
}

function showSyncResult(result) {
  signedOut = result.state === 'login-needed' || result.state === 'offline';
  document.getElementById('login-needed').hidden = result.state !== 'login-needed' || !me;
  document.getElementById('sync-status').textContent = result.state === 'offline'
    ? 'Belum tersambung ke server. Kiriman dikirim otomatis saat ada sinyal.'
    : result.photos_held || '';
}

async function onLogout() {
  const question = `Ada ${unsent} kiriman yang belum terkirim. Kiriman tetap aman di HP ini `
    + 'dan akan dikirim setelah Anda masuk lagi. Tetap keluar?';
  if (unsent > 0 && !window.confirm(question)) return;
  const status = document.getElementById('sync-status');
  status.textContent = 'Sedang keluar…';
  await stopPush().catch(() => {});
  await showBadge(0);
  const problem = await logout();
  if (problem) status.textContent = problem;
  else window.location.assign('/masuk?next=/app');
}

async function main() {
  await redraw();
  renderNews();
  new BroadcastChannel('kim-sync').addEventListener('message', (event) => {
    if (event.data.type === 'done') showSyncResult(event.data);
    if (event.data.type === 'berita') renderNews();
    else queueRedraw();
  });
  syncNow = startTriggers();
  startLive(syncNow);
  const setting = document.getElementById('wifi-only');
  setting.checked = await wifiOnly();
  setting.addEventListener('change', async () => {
    await setWifiOnly(setting.checked);
    syncNow(true);
  });
  edit = startCapture(() => {
    queueRedraw();
    requestBackgroundSync();
    syncNow();
    keepStorage();
  });
  document.getElementById('send-now').addEventListener('click', () => syncNow(true));
  document.getElementById('logout').addEventListener('click', onLogout);
  keepStorage();
  startPush();
  startWorker().catch((error) => console.error('service worker', error));
}

main();
