// Entry point of the member app (templates/app/shell.html): wires the modules together. The page redraws from
// IndexedDB whenever the sync announces a change, whether the sync ran in this page or in the service worker.

import { startCapture } from './capture.js';
import { items, photos } from './db.js';
import { renderItems } from './list.js';
import { resendItem } from './outbox.js';
import { adoptEarlyMe, cachedMe, logout, renderAccount } from './session.js';
import { requestBackgroundSync, startWorker } from './worker.js';

let me = null;
// Whether the last sync found nobody signed in (or could not ask); null before the first sync has answered.
let signedOut = null;
let unsent = 0;
let redrawQueued = false;
// The sending side (triggers.js, and sync.js, upload.js, news.js behind it) follows the first paint: drawing the app
// does not need it, and on HTTP/1.1 its files would take the connections the drawing needs (sync/shell.py,
// `_page_modules`). A sync asked before it is in is run as it starts; one asked "now" (ignoring the backoff) too.
let askedEarly = null;
let syncNow = (ignoreBackoff = false) => {
  askedEarly = askedEarly === true || ignoreBackoff === true;
};
const sync = (ignoreBackoff) => syncNow(ignoreBackoff);
const upload = () => import('./upload.js');
// A push reached the worker while the app is in view: the worker leaves the sync to the page. Heard here, in the
// shell, from the first moment — a push that came before the later tier loaded was lost, the item stayed as it was.
let pushWaiting = false;
if (navigator.serviceWorker) {
  navigator.serviceWorker.addEventListener('message', ({ data }) => {
    if (data.type !== 'push' || document.visibilityState !== 'visible') return;
    pushWaiting = true;
    syncNow();
  });
  navigator.serviceWorker.startMessages();
}

// What the buttons of the list do. Each writes to IndexedDB first (offline too), then asks for a sync.
const act = {
  // A photo the server refused: the member sends it again from its first byte.
  async retry(photo) {
    await photos.update(photo.id, (p) => (p ? {
      ...p, state: 'menunggu', error: null, received: 0, retry: true, server_failures: 0, next_attempt_at: null,
    } : null));
    queueRedraw();
    syncNow(true);
  },
  // "Hapus foto". A refused photo goes without asking; one still on its way is a good photo, so we ask first.
  async withdraw(photo) {
    if (photo.state !== 'gagal' && !window.confirm('Hapus foto ini dari kiriman? Foto tidak akan dikirim.')) return;
    await (await upload()).markForWithdrawal(photo.id);
    queueRedraw();
    syncNow(true);
  },
  edit: (item) => capture.edit(item, 'revisi'),
  // An item not yet sent: changed in its form, deleted, or one of its photos removed (later/manage.js).
  change: (item) => capture.edit(item, 'ubah'),
  async remove(item) {
    if (!window.confirm('Hapus kiriman ini? Kiriman ini belum terkirim dan akan hilang dari HP.')) return;
    const { deleteUnsent } = await import('./later/manage.js');
    if (!(await deleteUnsent(item.uuid))) say('Kiriman ini sudah terkirim, tidak dapat dihapus lagi.');
    queueRedraw();
  },
  async removeUnsentPhoto(item, photo) {
    if (!window.confirm('Hapus foto ini dari kiriman? Foto ini belum terkirim dan akan hilang dari HP.')) return;
    const { removeUnsentPhoto } = await import('./later/manage.js');
    if (!(await removeUnsentPhoto(item.uuid, photo.id))) say('Foto ini tidak dapat dihapus lagi.');
    queueRedraw();
  },
  // An item marked 'gagal' ("Kirim ulang"): back into the outbox, sent at once.
  async resend(item) {
    await resendItem(item.uuid);
    queueRedraw();
    syncNow(true);
  },
};
// Not needed for the first paint: the news reader and the storage line come after it (sync/shell.py, LATER_DIR).
const renderNews = () => import('./later/reader.js').then((module) => module.renderNews()).catch(() => {});
// Web Push: asked for after the member's first item is sent, so it follows the first paint too.
const push = () => import('./later/push.js');
// The header's "N kabar baru" and the clock that syncs while the app is in view (later/kabar.js).
const kabar = () => import('./later/kabar.js');
// "Pengumuman dari Dinas": the list, reading, the header's "N pengumuman baru" (later/pengumuman.js).
const renderPengumuman = () => import('./later/pengumuman.js').then((module) => module.renderPengumuman(me))
  .catch(() => {});
const keepStorage = () => import('./later/storage.js').then((module) => module.keepStorage()).catch(() => {});
// The browser's install offer, kept for the moment the app asks (after the first saved item, later/install.js).
let installPrompt = null;
window.addEventListener('beforeinstallprompt', (event) => {
  event.preventDefault();
  installPrompt = event;
});
window.addEventListener('appinstalled', () => {
  installPrompt = null;
});
let capture = { edit: () => {}, restoreDrafts: async () => {} };
const say = (text) => {
  document.getElementById('sync-status').textContent = text;
};

async function redraw() {
  me = await cachedMe();
  renderAccount(me, Boolean(signedOut));
  const all = await items.all();
  unsent = renderItems(all, me, await photos.all(), act);
  capture.restoreDrafts(me, all);
  renderPengumuman();
  // Not waited for: on the first open the module is still on its way, and the sync must not wait for it.
  kabar().then((module) => module.renderKabar(me)).catch(() => {});
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
  document.getElementById('password-needed').hidden = result.state !== 'password-needed';
  document.getElementById('sync-status').textContent = result.state === 'offline'
    ? 'Belum tersambung ke server. Kiriman dikirim otomatis saat ada sinyal.'
    : result.photos_held || '';
}

async function onLogout(everywhere) {
  const question = `Ada ${unsent} kiriman yang belum terkirim. Kiriman tetap aman di HP ini `
    + 'dan akan dikirim setelah Anda masuk lagi. Tetap keluar?';
  if (unsent > 0 && !window.confirm(question)) return;
  if (everywhere && !window.confirm('Akun ini akan keluar di semua HP dan komputer, termasuk HP ini. Lanjutkan?')) {
    return;
  }
  const status = document.getElementById('sync-status');
  status.textContent = 'Sedang keluar…';
  await push().then((module) => module.stopPush()).catch(() => {});
  await import('./live.js').then((module) => module.showBadge(0)).catch(() => {});
  const problem = await logout(everywhere);
  if (problem) status.textContent = problem;
  else window.location.assign('/masuk?next=/app');
}

// Links that need the network (the portal) say so with no signal, instead of opening the app's offline fallback:
// marked "(perlu sinyal)", and a tap explains in the header, which stays in view.
function markOffline() {
  document.body.classList.toggle('offline', !navigator.onLine);
  if (navigator.onLine) document.getElementById('no-signal').hidden = true;
}

function needsSignal(event) {
  const link = event.target.closest('a[data-online]');
  if (!link || navigator.onLine) return;
  event.preventDefault();
  document.getElementById('no-signal').hidden = false;
}

// Starts the triggers, which sync at once. Should the module not come (the signal lost on the very first open, before
// the worker holds it), it is asked for again when the network returns; meanwhile the worker's Background Sync sends.
function startSending() {
  import('./triggers.js').then(({ startTriggers }) => {
    const early = askedEarly;
    syncNow = startTriggers();
    if (early === true) syncNow(true);
    if (pushWaiting) syncNow();
  }).catch(() => window.addEventListener('online', startSending, { once: true }));
}

async function main() {
  // First: on the first open, the worker's install is what keeps the app usable with no signal, and it takes round
  // trips of its own.
  startWorker().catch((error) => console.error('service worker', error));
  markOffline();
  window.addEventListener('online', markOffline);
  window.addEventListener('offline', markOffline);
  document.addEventListener('click', needsSignal);
  await redraw();
  if (!me) adoptEarlyMe().then((kept) => kept && queueRedraw()).catch(() => {});
  renderNews();
  new BroadcastChannel('kim-sync').addEventListener('message', (event) => {
    if (event.data.type === 'done') showSyncResult(event.data);
    if (event.data.type === 'berita') renderNews();
    else queueRedraw();
  });
  startSending();
  kabar().then((module) => module.startLive(sync)).catch(() => {});
  upload().then(async ({ setWifiOnly, wifiOnly }) => {
    const setting = document.getElementById('wifi-only');
    setting.checked = await wifiOnly();
    setting.addEventListener('change', async () => {
      await setWifiOnly(setting.checked);
      syncNow(true);
    });
  }).catch(() => {});
  capture = startCapture(() => {
    queueRedraw();
    if (installPrompt) {
      import('./later/install.js').then((module) => module.offerInstall(installPrompt)).catch(() => {});
    }
    requestBackgroundSync();
    syncNow();
    keepStorage();
  });
  capture.restoreDrafts(me, await items.all());
  import('./later/find.js').then((module) => module.startFinding(queueRedraw)).catch(() => {});
  document.getElementById('send-now').addEventListener('click', () => syncNow(true));
  document.getElementById('logout').addEventListener('click', () => onLogout(false));
  document.getElementById('logout-all').addEventListener('click', () => onLogout(true));
  keepStorage();
  push().then((module) => module.startPush()).catch(() => {});
}

main();
