// The sender and the delta pull (docs/sync-protocol.md). One run: ask the server who is signed in (or, with nothing
// to send, let the pull's answer say it: pullAlone), send that member's due items (new ones in batches whose answer
// is also the pull, revisions alone), then the photos they removed, then their photos (text first), then pull the
// verdicts unless a batch did, and the area's news. No DOM: the service worker runs this code on Background Sync;
// changes are announced on BroadcastChannel 'kim-sync'.
//
// A run ends with {state, waiting, next_attempt_at, photos_held}: state is 'ok', 'login-needed' (session gone:
// nothing was touched) or 'offline' (no answer, or the server is in trouble: try again later); photos_held says
// why photos wait although the network is there (the member's Wi-Fi-only setting), or is null.

import * as api from './api.js';
import { items, keepPengumuman, meta, photos } from './db.js';
import {
  afterPull, isRevision, keepRefusedEdit, renewPhotoIds, requestBody, revisionBody, withServerCopy,
} from './outbox.js';
import { refreshNews } from './news.js';
import { isSendable, isUnsent } from './states.js';
import { adoptServerPhotos, photosHeldBecause, shrinkDelivered, uploadPhoto, withdrawPhoto } from './upload.js';

const channel = 'BroadcastChannel' in self ? new BroadcastChannel('kim-sync') : null;

const announce = (message) => channel && channel.postMessage(message);

// One run at a time per phone, across tabs and the worker (Web Locks). A request that waited while another run
// went through is answered by it unless that run failed or something became due since: one run per reconnect
// ('online', Background Sync, a re-run), not three. `askedAt`: when first asked (triggers.js may hold it back).
export async function runSync({ ignoreBackoff = false, askedAt = Date.now() } = {}) {
  const asked = askedAt;
  const once = async () => {
    const last = await meta.get('last-run');
    if (last && last.finished > asked && last.result.state === 'ok' && !(await anythingDue(ignoreBackoff))) {
      return { ...last.result, coalesced: true };
    }
    const result = await syncOnce(ignoreBackoff);
    await meta.set('last-run', { finished: Date.now(), result });
    return result;
  };
  const result = navigator.locks ? await navigator.locks.request('kim-sync', once) : await once();
  announce({ type: 'done', ...result });
  return result;
}

async function anythingDue(ignoreBackoff) {
  const me = await meta.get('me');
  if (!me) return true;
  const now = Date.now();
  return (await items.all()).some((item) => item.author_id === me.id && isSendable(item)
    && (ignoreBackoff || !item.next_attempt_at || Date.parse(item.next_attempt_at) <= now));
}

async function syncOnce(ignoreBackoff) {
  let me = null;
  try {
    const pulled = await pullAlone(ignoreBackoff);
    if (pulled) return pulled;
    const session = await fetchSession();
    if (!session) return summary(session === null ? 'login-needed' : 'password-needed', null);
    me = session.me;
    const sent = await sendDue(session, ignoreBackoff);
    if (sent !== 'ok') return summary(sent, me);
    const withdrawn = await sendWithdrawals(session);
    if (withdrawn !== 'ok') return summary(withdrawn, me);
    const uploaded = await sendPhotos(session, ignoreBackoff);
    if (uploaded !== 'ok') return summary(uploaded, me);
    // A batch answer was the pull already.
    if (!session.pulled && !(await pull(me))) return summary('login-needed', me);
    await keepNews(me);
    return summary('ok', me);
  } catch (error) {
    if (error instanceof api.NetworkError) return summary('offline', me);
    throw error;
  }
}

// A run with nothing to send, for a member the phone knows: the pull alone, one request instead of two — it needs no
// CSRF token, and its answer names the account it is for. Anything else (someone else signed in, nobody, a new
// password needed) and the full run asks /api/v1/me and decides; no answer ends the run as 'offline'. Not when the page has already asked.
async function pullAlone(ignoreBackoff) {
  const me = await meta.get('me');
  if (!me || self.kimEarlyMe || (await anythingToSend(me, ignoreBackoff))) return null;
  const answer = await api.pullItems(await meta.get(`cursor:${me.id}`));
  if (answer.status !== 200 || !answer.data || answer.data.account_id !== me.id) return null;
  await applyPulled(me, answer.data.items, answer.data.cursor, answer.data);
  await keepNews(me);
  return summary('ok', me);
}

async function anythingToSend(me, ignoreBackoff) {
  if (await anythingDue(ignoreBackoff)) return true;
  const onServer = await itemsOnServer(me);
  return (await photos.all()).some((photo) => onServer.has(photo.item_uuid)
    && (photo.withdraw || photo.state === 'menunggu'));
}

// Who is signed in right now, with a fresh CSRF token; null when nobody is, false until a new password. The
// cached 'me' follows the server, so that items are only ever sent as the account that is really signed in.
async function fetchSession() {
  const answer = await api.getMe();
  if (api.classify(answer) === 'login') return answer.status === 401 ? null : false;
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
  // New items travel together; a revision (rare) has its own endpoint and goes alone, after them.
  for (const batch of batches(due.filter((item) => !isRevision(item)))) {
    const outcome = await sendBatch(batch, session);
    if (outcome !== 'next') return outcome;
  }
  for (const item of due.filter(isRevision)) {
    const outcome = await sendOne(item, session);
    if (outcome !== 'next') return outcome;
  }
  return 'ok';
}

// Under the server's 50 items and 256 KB a batch.
const BATCH_ITEMS = 50;
const BATCH_BYTES = 240 * 1024;
const encoder = new TextEncoder();

function batches(list) {
  const all = [];
  let current = [];
  let bytes = 0;
  for (const item of list) {
    const size = encoder.encode(JSON.stringify(requestBody(item))).length + 1;
    if (current.length && (current.length >= BATCH_ITEMS || bytes + size > BATCH_BYTES)) {
      all.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length) all.push(current);
  return all;
}

const change = async (uuid, edit) => {
  const written = await items.update(uuid, edit);
  announce({ type: 'changed', uuid });
  return written;
};

// Once more with a fresh CSRF token if it went stale, while the same member is signed in.
async function withFreshToken(post, session, authorId) {
  const answer = await post();
  if (!api.isCsrfProblem(answer)) return answer;
  const fresh = await fetchSession();
  if (!fresh || fresh.me.id !== authorId) return { status: 401 };
  session.token = fresh.token;
  return post();
}

// Many new items in one request (docs/sync-protocol.md, "Sending many items at once"): each item's result is the
// answer it would have had alone, decided on as in sendOne; the answer's changes and cursor are the pull.
async function sendBatch(batch, session) {
  for (const item of batch) await change(item.uuid, (i) => ({ ...i, state: 'mengirim' }));
  const key = `cursor:${session.me.id}`;
  const post = async () => api.postBatch({ items: batch.map(requestBody), since: (await meta.get(key)) || null },
    session.token);
  let answer;
  try {
    answer = await withFreshToken(post, session, session.me.id);
  } catch (error) {
    if (!(error instanceof api.NetworkError)) throw error;
    for (const item of batch) await change(item.uuid, retryLater);
    return 'offline';
  }
  const results = answer.status === 200 && answer.data && answer.data.results;
  if (Array.isArray(results)) {
    for (const [index, item] of batch.entries()) {
      const result = results[index];
      if (!result || result.uuid !== item.uuid) {
        await change(item.uuid, retryLater);
        continue;
      }
      const outcome = await decide(item, { status: result.status, data: result.item || result.problem }, session);
      if (outcome !== 'next') return outcome;
    }
    await applyPulled(session.me, answer.data.changes || [], answer.data.cursor, answer.data);
    session.pulled = true;
    return 'next';
  }
  const outcome = api.classify(answer);
  if (outcome === 'login') {
    for (const item of batch) await change(item.uuid, (i) => ({ ...i, state: 'tersimpan' }));
    return 'login-needed';
  }
  if (outcome === 'refused' || outcome === 'failed') {
    // A server without batches or with smaller limits; or one that broke on the batch (a 500: one of its items may be
    // the cause). One at a time then: each item gets its own answer, and one the server breaks on alone becomes
    // 'gagal' after its attempts without holding back the others.
    for (const item of batch) {
      const single = await sendOne(item, session);
      if (single !== 'next') return single;
    }
    return 'next';
  }
  for (const item of batch) await change(item.uuid, retryLater);
  return 'next';
}

// One item, one answer, one decision (the table "Sending: what the phone does with each answer", and the one under
// "Revisions"). Returns 'next' to go on with the following item, or the state that ends the run.
async function sendOne(item, session) {
  await change(item.uuid, (i) => ({ ...i, state: 'mengirim' }));
  const revision = isRevision(item);
  const post = () => (revision ? api.postRevision(item.uuid, revisionBody(item), session.token)
    : api.postItem(requestBody(item), session.token));
  let answer;
  try {
    answer = await withFreshToken(post, session, item.author_id);
  } catch (error) {
    if (!(error instanceof api.NetworkError)) throw error;
    await change(item.uuid, retryLater);
    return 'offline';
  }
  return decide(item, answer, session);
}

async function decide(item, answer, session) {
  const revision = isRevision(item);
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

// The photos of this member's items that the server has accepted, oldest item first, two at a time; a photo the
// server broke on waits out its backoff (upload.js) unless the member pressed "Kirim sekarang". Two, because each
// photo ends with a pause in which the link carries nothing — the round trip of its answer, the server checking and
// shrinking it, the phone making its thumbnail — which the other photo's bytes fill: on 2G, one at a time left the
// link idle a fifth of the time (docs/benchmarks.md, "2G field").
const PHOTOS_AT_ONCE = 2;

async function sendPhotos(session, ignoreBackoff) {
  if (await photosHeldBecause()) return 'ok';
  const onServer = await itemsOnServer(session.me);
  const now = Date.now();
  const due = (await photos.all())
    .filter((photo) => photo.state === 'menunggu' && !photo.withdraw && onServer.has(photo.item_uuid))
    .filter((photo) => ignoreBackoff || !photo.next_attempt_at || Date.parse(photo.next_attempt_at) <= now)
    .sort((a, b) => onServer.get(a.item_uuid) - onServer.get(b.item_uuid) || a.position - b.position);
  let stop = null; // 'login-needed', or the NetworkError that ends this run: no lane starts another photo then
  const lane = async () => {
    while (!stop && due.length) {
      const photo = due.shift();
      let outcome;
      try {
        try {
          outcome = await uploadPhoto(photo, session, announce);
        } catch (error) {
          if (!(error instanceof api.NetworkError)) throw error;
          // On 2G a connection cut halfway is common and the next request often gets through: ask the server where
          // it stands and go on, once; after a second failure the run ends and a later one resumes.
          const current = await photos.get(photo.id);
          outcome = current && !current.withdraw ? await uploadPhoto(current, session, announce) : 'next';
        }
      } catch (error) {
        stop = stop || error;
        return;
      }
      if (outcome === 'login-needed') stop = stop || outcome;
    }
  };
  // Both lanes end before the run goes on (or ends): none may still be sending when the next run starts.
  await Promise.all(Array.from({ length: PHOTOS_AT_ONCE }, lane));
  if (stop === 'login-needed') return stop;
  if (stop) throw stop;
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
  await applyPulled(me, answer.data.items, answer.data.cursor, answer.data);
  return true;
}

// The server's copies from a pull or a batch answer and its pengumuman, then the cursor that follows them.
async function applyPulled(me, serverItems, cursor, data) {
  const key = `cursor:${me.id}`;
  if (await keepPengumuman(me.id, data, !(await meta.get(key)))) announce({ type: 'pengumuman' });
  // Items the phone does not have yet (captured on another phone) are added the same way.
  for (const server of serverItems) {
    const local = await change(server.uuid, (old) => afterPull(old, server, me.id));
    if (local && local.state !== 'gagal') await adoptServerPhotos(server.photos, announce);
  }
  if (cursor) await meta.set(key, cursor);
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
