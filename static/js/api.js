// The server's member API (docs/sync-protocol.md), as plain functions that answer {status, data}.
// No DOM: the service worker uses it too. No answer at all (no signal, timeout) throws NetworkError;
// every HTTP answer, even an error, is returned, because what to do with each status is the caller's decision.

// On 2G a small JSON answer can take many seconds; after this long we give up and retry later.
const TIMEOUT_MS = 30000;
// A photo's bytes get longer before we give up: two minutes, and more for every byte (patchPhoto).
const CHUNK_TIMEOUT_MS = 120000;

export class NetworkError extends Error {}

// fetch() rejects only when no answer arrived; that is the one case the sync treats as "offline".
async function send(path, options, timeout = TIMEOUT_MS) {
  try {
    return await fetch(path, { credentials: 'same-origin', signal: AbortSignal.timeout(timeout), ...options });
  } catch (error) {
    throw new NetworkError(error.message);
  }
}

const readJson = (response) =>
  ((response.headers.get('Content-Type') || '').includes('json') ? response.json().catch(() => null) : null);

async function call(method, path, { body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers['X-CSRFToken'] = token;
  const response = await send(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  return { status: response.status, data: await readJson(response) };
}

export const isCsrfProblem = (answer) => answer.status === 400 && isProblem(answer, 'csrf');

// What an answer means for what was sent, for the item sender and the photo uploader alike (docs/sync-protocol.md,
// "Sending: what the phone does with each answer"): 'delivered' (2xx); 'login' (401: the session ended, nothing on
// the phone changes); 'refused' (any other 4xx: sending the same again cannot help, the member has to see why);
// 'failed' (500 and the other 5xx but 502–504: the server broke on what was sent, which may be this very item: tried
// again a few times with backoff, then shown as 'gagal'); or 'retry' (502–504, 408, 429, a stale CSRF token: the
// server or the network is in trouble, whatever was sent: try again later, for as long as it takes).
export function classify(answer) {
  const { status } = answer;
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 401 || isProblem(answer, 'password-change-required')) return 'login';
  if (status >= 400 && status < 500 && status !== 408 && status !== 429 && !isCsrfProblem(answer)) return 'refused';
  if (status >= 500 && ![502, 503, 504].includes(status)) return 'failed';
  return 'retry';
}

const BASE_DELAY_MS = 10 * 1000;
const MAX_DELAY_MS = 5 * 60 * 1000;

// When to try again after `attempts` failed tries: exponential backoff with "equal jitter" (half fixed, half random),
// so that the phones of a village that got signal back at the same moment do not all return at the same moment,
// never waiting more than MAX_DELAY_MS.
export function backoffUntil(attempts, now = Date.now()) {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempts - 1));
  return new Date(now + ceiling / 2 + Math.random() * (ceiling / 2)).toISOString();
}

// How many times the server may break on the same item or photo ('failed') before the member is shown 'gagal' and
// a button to send it again by hand. With the backoff between attempts (sync.js) that is a few minutes.
export const MAX_SERVER_FAILURES = 5;

// The member's sentence for an item or photo the server broke on every time.
export const serverFailedReason = (status) => `Server gagal memproses kiriman ini ${MAX_SERVER_FAILURES} kali `
  + `(kode ${status}). Tekan "Kirim ulang" untuk mencoba lagi; bila tetap gagal, hubungi admin Dinas Kominfo.`;

// Problem types are `urn:kim:problem:<slug>` (docs/sync-protocol.md, "Errors").
export const isProblem = (answer, slug) => String(answer.data?.type || '') === `urn:kim:problem:${slug}`;

// The page's first run takes the answer early.js asked for while the modules were still loading; every later one
// asks anew (a fresh CSRF token, the account signed in now).
export async function getMe() {
  const early = self.kimEarlyMe;
  self.kimEarlyMe = null;
  const response = early && (await early);
  if (response) return { status: response.status, data: await readJson(response) };
  return call('GET', '/api/v1/me');
}

export const postItem = (body, token) => call('POST', '/api/v1/items', { body, token });

// Many new items at once (docs/sync-protocol.md, "Sending many items at once"): {items: [create body, …], since}.
export const postBatch = (body, token) => call('POST', '/api/v1/items/batch', { body, token });

export const postRevision = (uuid, body, token) => call('POST', `/api/v1/items/${uuid}/revisions`, { body, token });

export const getItem = (uuid) => call('GET', `/api/v1/items/${uuid}`);

export const pullItems = (cursor) =>
  call('GET', cursor ? `/api/v1/items?since=${encodeURIComponent(cursor)}` : '/api/v1/items');

export const getPhoto = (id) => call('GET', `/api/v1/photos/${id}`);

export const deletePhoto = (id, token) => call('DELETE', `/api/v1/photos/${id}`, { token });

// Public news of the member's desa and kabupaten in one answer (docs/sync-protocol.md, "Berita for offline reading"),
// revalidated with the ETag of the copy the phone keeps: 304 means nothing new was published, for a few bytes.
export async function getBerita(query, etag) {
  const headers = { Accept: 'application/json' };
  if (etag) headers['If-None-Match'] = etag;
  const response = await send(`/api/v1/berita/daerah?${query}`, { headers, cache: 'no-store' });
  return { status: response.status, data: await readJson(response), etag: response.headers.get('ETag') };
}

// The rest of a photo in one request (docs/sync-protocol.md, "Resumable upload, streamed"): `part` is a Blob slice
// of the stored photo from byte `offset`, up to 1 MiB. The server keeps what arrives even when the connection
// breaks. The time allowed grows with the part: 1 MiB at 16 kbit/s (a poor 2G cell) takes nine minutes.
export async function patchPhoto(id, offset, part, token) {
  const response = await send(`/api/v1/photos/${id}/content`, {
    method: 'PATCH',
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/offset+octet-stream',
      'Upload-Offset': String(offset),
      'X-CSRFToken': token,
    },
    body: part,
    cache: 'no-store',
  }, CHUNK_TIMEOUT_MS + Math.ceil(part.size / 2));
  return { status: response.status, data: await readJson(response) };
}

// Logout is a page route, not an API one: it answers with a redirect, which we do not follow.
export async function logout(token) {
  const response = await send('/keluar', {
    method: 'POST',
    headers: { 'X-CSRFToken': token, Accept: 'application/json' },
    redirect: 'manual',
  });
  if (response.ok || response.type === 'opaqueredirect') return { status: 200, data: null };
  return { status: response.status, data: await readJson(response) };
}

// "Keluar dari semua perangkat": every session of the account ends, this one too (docs/sync-protocol.md).
export const endAllSessions = (token) => call('DELETE', '/api/v1/me/sessions', { token });

// Push notifications (static/js/later/push.js; docs/sync-protocol.md, "Push notifications").
export const getPushKey = () => call('GET', '/api/v1/push/key');

export const postPushSubscription = (body, token) => call('POST', '/api/v1/push/subscriptions', { body, token });

export const deletePushSubscription = (id, token) => call('DELETE', `/api/v1/push/subscriptions/${id}`, { token });
