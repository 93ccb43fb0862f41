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

  const registration = await navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' });

  const offer = () => {
    if (navigator.serviceWorker.controller) banner.hidden = false;
  };
  document.getElementById('update-button').addEventListener('click', () => {
    if (!registration.waiting) return;
    agreed = true;
    registration.waiting.postMessage({ type: 'skip-waiting' });
  });
  const watch = (worker) => worker && worker.addEventListener('statechange', () => {
    if (worker.state === 'installed') offer();
  });

  if (registration.waiting) offer();
  watch(registration.installing);
  registration.addEventListener('updatefound', () => watch(registration.installing));
}

// Lets the browser send the outbox later, even after this page is closed, where Background Sync exists.
export async function requestBackgroundSync() {
  const registration = 'serviceWorker' in navigator && (await navigator.serviceWorker.getRegistration());
  if (!registration || !registration.sync) return;
  await registration.sync.register('kim-outbox').catch(() => {
    // Refused (e.g. the permission is off): the page's own triggers still send.
  });
}
