// The page's side of the service worker: registering it, offering an update, and asking for Background Sync.
//
// A new version waits until the member presses "Perbarui"; only then does it take over and the page reloads,
// once, so old and new files never mix in one page (docs/sync-protocol.md, "The service worker").

export async function startWorker() {
  if (!('serviceWorker' in navigator)) return;
  const banner = document.getElementById('update');
  let agreed = false;

  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // The first install also changes the controller (clients.claim): that one must not reload the page.
    if (!agreed) return;
    agreed = false;
    window.location.reload();
  });

  // On a village connection the first install can fail (one shell file cut off), and a failed first install leaves
  // no registration behind: register again, after growing pauses and whenever the network returns, until a worker
  // is active. Otherwise the app would not open the next time there is no signal.
  let pause = 3000;
  let registration;
  const watched = new WeakSet();
  const register = async () => {
    registration = await navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' }).catch(() => null);
    if (!registration) return retry();
    if (registration.waiting) offer();
    watch(registration.installing);
    if (watched.has(registration)) return;
    watched.add(registration);
    registration.addEventListener('updatefound', () => watch(registration.installing));
  };
  const retry = () => {
    setTimeout(register, pause);
    pause = Math.min(pause * 3, 300000);
  };
  const offer = () => {
    if (navigator.serviceWorker.controller) banner.hidden = false;
  };
  const watch = (worker) => {
    if (!worker || watched.has(worker)) return;
    watched.add(worker);
    worker.addEventListener('statechange', () => {
      if (worker.state === 'installed') offer();
      if (worker.state === 'redundant' && !registration.active && !registration.waiting) retry();
    });
  };
  window.addEventListener('online', () => {
    if (!registration || !registration.active) register();
  });
  document.getElementById('update-button').addEventListener('click', () => {
    if (!registration || !registration.waiting) return;
    agreed = true;
    registration.waiting.postMessage({ type: 'skip-waiting' });
  });

  await register();
  // A page that was still loading when the first worker activated can miss that worker's claim and stay without a
  // controller until reloaded: ask the active worker to claim it. Not while another version is on its way: then this
  // page may be newer than the active worker's cache, and stays with the network until it reloads.
  navigator.serviceWorker.ready.then((ready) => {
    // The files the app loads on demand follow the shell, once it is held (service-worker/sw.js, keepLater).
    ready.active.postMessage({ type: 'keep-later' });
    if (navigator.serviceWorker.controller || ready.waiting || ready.installing) return;
    ready.active.postMessage({ type: 'claim' });
  });
}

// Lets the browser send the outbox later, even after this page is closed, where Background Sync exists.
export async function requestBackgroundSync() {
  const registration = 'serviceWorker' in navigator && (await navigator.serviceWorker.getRegistration());
  if (!registration || !registration.sync) return;
  await registration.sync.register('kim-outbox').catch(() => {
    // Refused (e.g. the permission is off): the page's own triggers still send.
  });
}
