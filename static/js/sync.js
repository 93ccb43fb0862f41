// The sender and the delta pull (docs/sync-protocol.md). One run: ask the server who is signed in, send that
// member's due items (new ones and revisions) one at a time, then the photos they removed, then their photos (text
// before any photo: upload.js), then pull the verdicts and the area's news. No DOM: the service worker runs this same code on
// Background Sync, and every change is announced on BroadcastChannel 'kim-sync' so open pages redraw.
//
// A run ends with {state, waiting, next_attempt_at, photos_held}: state is 'ok', 'login-needed' (session gone:
// nothing was touched) or 'offline' (no answer, or the server is in trouble: try again later); photos_held says
// why photos wait although the network is there (the member's Wi-Fi-only setting), or is null.

import * as api from './api.js';
import { items, meta, photos } from './db.js';
import {
  afterPull, isRevision, keepRefusedEdit, renewPhotoIds, requestBody, revisionBody, withServerCopy,
} from './outbox.js';
import { refreshNews } from './news.js';
import { isSendable, isUnsent } from './states.js';
import { adoptServerPhotos, photosHeldBecause, shrinkDelivered, uploadPhoto, withdrawPhoto } from './upload.js';

const channel = 'BroadcastChannel' in self ? new BroadcastChannel('kim-sync') : null;

const announce = (message) => channel && channel.postMessage(message);

// Only one run at a time per phone, across tabs and the service worker.
export async function runSync({ ignoreBackoff = false } = {}) {
  const result = navigator.locks
    ? await navigator.locks.request('kim-sync', () => syncOnce(ignoreBackoff))
    : await syncOnce(ignoreBackoff);
  announce({ type: 'done', ...result });
  return result;
}

async function syncOnce(ignoreBackoff) {
  let me = null;
  try {
    const session = await fetchSession();
    if (!session) return summary('login-needed', null);
    me = session.me;
    const sent = await sendDue(session, ignoreBackoff);
    if (sent !== 'ok') return summary(sent, me);
    const withdrawn = await sendWithdrawals(session);
    if (withdrawn !== 'ok') return summary(withdrawn, me);
    const uploaded = await sendPhotos(session, ignoreBackoff);
    if (uploaded !== 'ok') return summary(uploaded, me);
    if (!(await pull(me))) return summary('login-needed', me);
    await keepNews(me);
    return summary('ok', me);
  } catch (error) {
    if (error instanceof api.NetworkError) return summary('offline', me);
    throw error;
  }
}

// Who is signed in right now, with a fresh CSRF token; null when nobody is. The cached 'me' follows the server,
// so that items are only ever sent as the account that is really signed in.
async function fetchSession() {
  const answer = await api.getMe();
  if (answer.status === 401) return null;
  if (answer.status !== 200 || !answer.data) throw new api.NetworkError(`me: ${answer.status}`);
  const { csrf_token: token, ...me } = answer.data;
  const cached = await meta.get('me');
  if (JSON.stringify(cached) !== JSON.stringify(me)) {
    await meta.set('me', me);
    announce({ type: 'me' });
  }
  const session = { me, token };
  // A stale CSRF token mid-run: a fresh one, as long as the same member is still signed in.
  session.renew = async () => {
    const fresh = await fetchSession();
    if (!fresh || fresh.me.id !== me.id) return false;
    session.token = fresh.token;
    return true;
  };
  return session;
}

async function sendDue(session, ignoreBackoff) {
  const now = Date.now();
  const due = (await items.all())
    .filter((item) => item.author_id === session.me.id && isSendable(item))
    .filter((item) => ignoreBackoff || !item.next_attempt_at || Date.parse(item.next_attempt_at) <= now)
    .sort((a, b) => Date.parse(a.captured_at) - Date.parse(b.captured_at));
  for (const item of due) {
    const outcome = await sendOne(item, session);
    if (outcome !== 'next') return outcome;
  }
  return 'ok';
}

const change = async (uuid, edit) => {
  const written = await items.update(uuid, edit);
  announce({ type: 'changed', uuid });
  return written;
};

// One item, one answer, one decision (the table "Sending: what the phone does with each answer", and the one under
// "Revisions"). Returns 'next' to go on with the following item, or the state that ends the run.
async function sendOne(item, session) {
  await change(item.uuid, (i) => ({ ...i, state: 'mengirim' }));
  const revision = isRevision(item);
  const post = () => (revision ? api.postRevision(item.uuid, revisionBody(item), session.token)
    : api.postItem(requestBody(item), session.token));
  let answer;
  try {
    answer = await post();
    if (api.isCsrfProblem(answer)) {
      const fresh = await fetchSession();
      if (!fresh || fresh.me.id !== item.author_id) answer = { status: 401 };
      else {
        session.token = fresh.token;
        answer = await post();
      }
    }
  } catch (error) {
    if (!(error instanceof api.NetworkError)) throw error;
    await change(item.uuid, retryLater);
    return 'offline';
  }

  const { status, data } = answer;
  const outcome = api.classify(answer);
  if (outcome === 'delivered') {
    await change(item.uuid, (i) => withServerCopy(i, data, i.author_id));
    await adoptServerPhotos(data.photos, announce);
  } else if (outcome === 'login') {
    await change(item.uuid, (i) => ({ ...i, state: 'tersimpan' }));
    return 'login-needed';
  } else if (!revision && status === 409 && api.isProblem(answer, 'photo-conflict')
    && !item.received_at && !item.photo_ids_renewed) {
    // A photo id is another item's: this item was never accepted, so its photos get new ids and it goes again.
    const renewed = await renewPhotoIds(item.uuid);
    if (renewed) return sendOne(renewed, session);
  } else if (revision && status === 409
    && (api.isProblem(answer, 'revision-conflict') || api.isProblem(answer, 'conflict'))) {
    return refusedRevision(item, reasonOf(data, status));
  } else if (outcome === 'refused') {
    // Conflict, validation, wrong author …: retrying the same body cannot help; the member has to see why.
    await change(item.uuid, (i) => ({ ...i, state: 'gagal', reason: reasonOf(data, status) }));
  } else if (outcome === 'failed') {
    await change(item.uuid, (i) => failedOnServer(i, status));
  } else {
    await change(item.uuid, retryLater);
  }
  // Whatever became of this item, the next one goes: one item the server breaks on never holds the others back.
  return 'next';
}

// The server holds another revision, or the item is no longer waiting for one: show the server's copy, with the
// member's edit kept beside it. Without an answer to the pull, the edit waits as 'gagal' with the reason.
async function refusedRevision(item, reason) {
  const answer = await api.getItem(item.uuid);
  if (answer.status === 200 && answer.data) {
    await change(item.uuid, (i) => keepRefusedEdit(i, answer.data, reason));
    await adoptServerPhotos(answer.data.photos, announce);
  } else {
    await change(item.uuid, (i) => ({ ...i, state: 'gagal', reason }));
  }
  return 'next';
}

const retryLater = (item) => ({
  ...item,
  state: 'tersimpan',
  attempts: (item.attempts || 0) + 1,
  next_attempt_at: api.backoffUntil((item.attempts || 0) + 1),
});

// The server broke on this item (a 500): tried again later with backoff like any retry, but only so often — an item
// the server cannot take would otherwise be retried forever without the member ever hearing of it.
function failedOnServer(item, status) {
  const failures = (item.server_failures || 0) + 1;
  if (failures >= api.MAX_SERVER_FAILURES) {
    return { ...item, state: 'gagal', server_failures: failures, reason: api.serverFailedReason(status) };
  }
  return { ...retryLater(item), server_failures: failures };
}

// The server's Indonesian sentence, plus the per-field messages of a validation problem.
function reasonOf(problem, status) {
  if (!problem) return `kode ${status}`;
  const messages = [];
  const collect = (value) => {
    if (typeof value === 'string') messages.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(problem.errors);
  return [problem.detail || problem.title || `kode ${status}`, ...messages].join(' ');
}

// The member's items the server has accepted: uuid -> capture time (the order their photos go in).
async function itemsOnServer(me) {
  return new Map((await items.all())
    .filter((item) => item.author_id === me.id && !isUnsent(item))
    .map((item) => [item.uuid, Date.parse(item.captured_at)]));
}

// The photos this member removed ("Hapus foto") from items the server has. Not held by the Wi-Fi-only setting: a
// DELETE is a few hundred bytes, and it lets the item reach the moderators.
async function sendWithdrawals(session) {
  const onServer = await itemsOnServer(session.me);
  for (const photo of (await photos.all()).filter((p) => p.withdraw && onServer.has(p.item_uuid))) {
    if ((await withdrawPhoto(photo, session, announce)) === 'login-needed') return 'login-needed';
  }
  return 'ok';
}

// The photos of this member's items that the server has accepted, oldest item first, one photo at a time; a photo
// the server broke on waits out its backoff (upload.js) unless the member pressed "Kirim sekarang".
async function sendPhotos(session, ignoreBackoff) {
  if (await photosHeldBecause()) return 'ok';
  const onServer = await itemsOnServer(session.me);
  const now = Date.now();
  const due = (await photos.all())
    .filter((photo) => photo.state === 'menunggu' && !photo.withdraw && onServer.has(photo.item_uuid))
    .filter((photo) => ignoreBackoff || !photo.next_attempt_at || Date.parse(photo.next_attempt_at) <= now)
    .sort((a, b) => onServer.get(a.item_uuid) - onServer.get(b.item_uuid) || a.position - b.position);
  for (const photo of due) {
    let outcome;
    try {
      outcome = await uploadPhoto(photo, session, announce);
    } catch (error) {
      if (!(error instanceof api.NetworkError)) throw error;
      // On 2G a connection cut halfway is common and the next request often gets through: ask the server where it
      // stands and go on, once; after a second failure the run ends and a later one resumes.
      const current = await photos.get(photo.id);
      outcome = current && !current.withdraw ? await uploadPhoto(current, session, announce) : 'next';
    }
    if (outcome === 'login-needed') return outcome;
  }
  await shrinkDelivered(announce);
  return 'ok';
}

// Verdicts back to the phone. The cursor is kept per account: another account's cursor would skip this
// member's older items. Applying a server copy twice is harmless, so overlapping pulls are fine.
async function pull(me) {
  const key = `cursor:${me.id}`;
  const answer = await api.pullItems(await meta.get(key));
  if (answer.status === 401) return false;
  if (answer.status !== 200 || !answer.data) throw new api.NetworkError(`items: ${answer.status}`);
  // Items the phone does not have yet (captured on another phone) are added the same way.
  for (const server of answer.data.items) {
    const local = await change(server.uuid, (old) => afterPull(old, server, me.id));
    if (local && local.state !== 'gagal') await adoptServerPhotos(server.photos, announce);
  }
  await meta.set(key, answer.data.cursor);
  return true;
}

// The news of the member's area, for reading offline. Last and optional: a failure here is not the outbox's.
async function keepNews(me) {
  try {
    if (await refreshNews(me)) announce({ type: 'berita' });
  } catch (error) {
    if (!(error instanceof api.NetworkError)) console.error('berita', error);
  }
}

// When the server could not be asked who is signed in, the cached member stands in: their items still wait.
// Items whose photos are still to go count as waiting, unless the photos are held on purpose.
async function summary(state, signedIn) {
  const me = signedIn || (await meta.get('me'));
  const mine = me ? (await items.all()).filter((item) => item.author_id === me.id) : [];
  const waiting = mine.filter(isSendable);
  const onServer = new Set(mine.filter((item) => !isUnsent(item)).map((item) => item.uuid));
  const stored = (await photos.all()).filter((photo) => onServer.has(photo.item_uuid));
  const pending = stored.filter((photo) => photo.state === 'menunggu' && !photo.withdraw);
  const held = pending.length ? await photosHeldBecause() : null;
  const photosDue = [...(held ? [] : pending), ...stored.filter((photo) => photo.withdraw)];
  const earliest = waiting.map((item) => item.next_attempt_at || '').sort()[0];
  return {
    state,
    waiting: waiting.length + new Set(photosDue.map((photo) => photo.item_uuid)).size,
    next_attempt_at: earliest || null,
    photos_held: held,
  };
}
