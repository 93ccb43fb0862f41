// Push notifications on this phone. Offered once a sent item of the member's is on the server, never on first open,
// in our own words before the browser asks; the answer is kept per account. A subscription serves one account:
// another account on the phone takes it over only if it said yes too, else it ends; signing out ends it.

import * as api from '../api.js';
import { items, meta } from '../db.js';
import { isUnsent } from '../states.js';

const ok = () => 'PushManager' in self && 'Notification' in self && 'serviceWorker' in navigator;
const choiceOf = (me) => meta.get(`push-choice:${me.id}`);
const key = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

async function register(me, sub) {
  const session = await api.getMe();
  if (session.status !== 200 || session.data.id !== me.id) return;
  const answer = await api.postPushSubscription(sub.toJSON(), session.data.csrf_token);
  if (answer.data && answer.data.id) await meta.set('push', { account: me.id, endpoint: sub.endpoint, id: answer.data.id });
}

async function subscribe(me) {
  const answer = await api.getPushKey();
  const reg = await navigator.serviceWorker.ready;
  const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(answer.data.public_key) });
  await register(me, sub);
}

function offer(me) {
  if (document.getElementById('push-offer')) return;
  const box = document.createElement('div');
  const text = document.createElement('p');
  box.id = 'push-offer';
  box.className = 'banner';
  text.textContent = 'Mau diberi tahu di HP ini saat moderator memeriksa kiriman Anda?';
  box.append(text);
  for (const [label, yes] of [['Ya, beri tahu', true], ['Tidak usah', false]]) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = label;
    if (!yes) button.className = 'secondary';
    button.addEventListener('click', async () => {
      // The answer is kept before the offer goes: a reload or the next sync right after cannot bring it back.
      const granted = yes && (await Notification.requestPermission()) === 'granted';
      await meta.set(`push-choice:${me.id}`, granted ? 'ya' : 'tidak');
      box.remove();
      if (granted) await subscribe(me);
    });
    box.append(button);
  }
  document.querySelector('main').prepend(box);
}

// After each sync: keep the subscription with the account signed in, and offer it when the time has come.
async function check(fresh) {
  const me = await meta.get('me');
  if (!me) return;
  const choice = await choiceOf(me);
  const reg = await navigator.serviceWorker.ready;
  const sub = await reg.pushManager.getSubscription();
  const kept = await meta.get('push');
  const wanted = choice === 'ya' && Notification.permission === 'granted';
  if (sub && !(kept && kept.account === me.id)) {
    if (wanted) await register(me, sub);
    else await sub.unsubscribe().then(() => meta.remove('push'));
  } else if (sub && (fresh || kept.endpoint !== sub.endpoint)) {
    await register(me, sub);
  } else if (!sub && wanted) {
    await subscribe(me);
  } else if (!choice && Notification.permission !== 'denied'
    && (await items.all()).some((item) => item.author_id === me.id && !isUnsent(item))) {
    offer(me);
  }
}

export function startPush() {
  if (!ok()) return;
  new BroadcastChannel('kim-sync').addEventListener('message', ({ data }) => {
    // A new 'me' is a new sign-in: the server learns this session's device again (it forgets it at sign-out).
    if (data.type === 'me' || (data.type === 'done' && data.state === 'ok')) check(data.type === 'me').catch(() => {});
  });
}

// At sign-out, while the session still holds: the server forgets this device, the browser ends the subscription.
export async function stopPush() {
  const reg = ok() && (await navigator.serviceWorker.getRegistration());
  const sub = reg && (await reg.pushManager.getSubscription());
  const kept = await meta.get('push');
  const session = kept && (await api.getMe());
  if (session && session.status === 200) await api.deletePushSubscription(kept.id, session.data.csrf_token);
  if (sub) await sub.unsubscribe();
  await meta.remove('push');
}
