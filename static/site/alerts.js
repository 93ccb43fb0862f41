// The desk's push setting (templates/moderation/queue.html). Before the setting is turned on, this browser subscribes:
// its own permission, the service worker at '/' (it shows every push of ours as a notification), the server's VAPID
// key, and the subscription registered for the signed-in account (docs/sync-protocol.md, "Push notifications").
// Where that cannot be done the setting stays off and the page says why.

const form = document.getElementById('queue-alerts');
const status = document.getElementById('queue-alerts-status');
const key = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

async function subscribe(token) {
  if (!('PushManager' in window) || !navigator.serviceWorker) {
    throw new Error('Peramban ini tidak dapat menerima pemberitahuan.');
  }
  if ((await Notification.requestPermission()) !== 'granted') {
    throw new Error('Pemberitahuan tidak diizinkan di peramban ini. Izinkan di pengaturan situs, lalu coba lagi.');
  }
  await navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' });
  const { pushManager } = await navigator.serviceWorker.ready;
  const { public_key: serverKey } = await (await fetch('/api/v1/push/key')).json();
  const subscription = (await pushManager.getSubscription())
    || (await pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(serverKey) }));
  const saved = await fetch('/api/v1/push/subscriptions', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': token },
    body: JSON.stringify(subscription.toJSON()),
  });
  if (!saved.ok) throw new Error(`Peramban ini belum terdaftar (kode ${saved.status}). Coba lagi.`);
}

let subscribed = false;
form.addEventListener('submit', async (event) => {
  if (subscribed || form.elements.on.value !== '1') return;
  event.preventDefault();
  status.textContent = 'Menyiapkan pemberitahuan di peramban ini…';
  try {
    await subscribe(form.elements.csrf_token.value);
  } catch (error) {
    status.textContent = error.message;
    return;
  }
  subscribed = true;
  form.requestSubmit();
});
