// The photo upload (docs/sync-protocol.md, "Resumable upload, streamed"). No DOM: the service worker
// runs it too. A photo goes after its item's text was accepted, streamed: the rest of it from where the server
// stands, in one request of up to 1 MiB (a phone's photo is a few hundred kB), which the server stores as it
// arrives. So the photo goes at the link's speed, with one round trip for its answer, and a connection that breaks
// costs only the bytes in flight: the phone then asks where the server stands and goes on from there. Each answer
// is written to the photo's IndexedDB record, so the progress shown and the place to resume survive a closed tab.
//
// A photo record: {id, item_uuid, position, blob, sha256, size, mime, received, offset_known, state, error, retry,
// thumb, withdraw, withdraw_error, server_failures, next_attempt_at}, where state is 'menunggu' (bytes still to send),
// 'siap' (the server has it, verified: never sent again) or 'gagal' (refused by the server, or the server broke on it
// too often; `error` is its Indonesian sentence). `offset_known` says that `received` is the server's own word (from
// the item's answer, a pull or the photo's last answer), so the upload starts there without asking; it is cleared while
// a request is on its way, whose fate a broken connection leaves unknown. `retry` marks a refused photo the member
// asked to send again; `withdraw` one the member removed ("Hapus foto"), whose DELETE is still to be sent. Once a photo
// is 'siap', its blob is replaced by a small thumbnail (`thumb`), in the same write that records 'siap'.

import * as api from './api.js';
import { meta, photos } from './db.js';
import { thumbnail } from './photos.js';

const STREAM = 1024 * 1024; // the most one request carries (the server's limit)
const WIFI_ONLY = 'foto-wifi-saja';

export const wifiOnly = async () => Boolean(await meta.get(WIFI_ONLY));
export const setWifiOnly = (on) => meta.set(WIFI_ONLY, Boolean(on));

// Why photos must wait now, or null. Only when the member asked for it: on a metered or weak connection (as far as
// the browser tells) photos wait, the text of items still goes.
export async function photosHeldBecause() {
  const connection = self.navigator.connection;
  if (!connection || !(await wifiOnly())) return null;
  const weak = connection.saveData || connection.type === 'cellular'
    || ['slow-2g', '2g', '3g'].includes(connection.effectiveType);
  return weak ? 'Foto menunggu Wi-Fi atau sinyal kuat (sesuai pengaturan). Teks sudah dikirim.' : null;
}

const problemDetail = (data, status) => (data && (data.detail || data.title)) || `kode ${status}`;

// The server holds the photo, verified: record 'siap' and, in the same write, keep only a thumbnail of the blob. The
// thumbnail is made first (it takes time, and an IndexedDB transaction cannot wait); if the phone cannot make one,
// the full blob stays. Resolves with the record written, or null when there was nothing to change.
async function recordSiap(id) {
  const current = await photos.get(id);
  if (!current || (current.state === 'siap' && current.thumb)) return null;
  const small = current.thumb ? null : await thumbnail(current.blob).catch(() => null);
  if (current.state === 'siap' && !small) return null;
  return photos.update(id, (p) => {
    if (!p) return null;
    const done = { ...p, state: 'siap', received: p.size, error: null, retry: false, withdraw: false };
    return small && !p.thumb ? { ...done, blob: small, thumb: true } : done;
  });
}

// Takes the server's state of a photo into its record (from an item answer, a pull or a photo answer): 'siap' as it
// is; for a photo still 'menunggu' there, its `received`, where the upload starts without asking. A refusal is not
// taken: it must reach the member through the upload that got it.
export async function adoptServerPhotos(serverPhotos, announce) {
  for (const server of serverPhotos || []) {
    if (server.state === 'menunggu' && Number.isInteger(server.received)) {
      await photos.update(server.id, (p) => (p && p.state === 'menunggu' && !p.retry
        ? { ...p, received: server.received, offset_known: true } : null));
      continue;
    }
    if (server.state !== 'siap') continue;
    const done = await recordSiap(server.id);
    if (done) announce({ type: 'photo', id: done.id, item_uuid: done.item_uuid });
  }
}

// Photos recorded 'siap' that still hold their full blob (by an older version of the app, or on a phone that could
// not make a thumbnail then): thumbnails now.
export async function shrinkDelivered(announce) {
  for (const photo of await photos.all()) {
    if (photo.state !== 'siap' || photo.thumb) continue;
    const done = await recordSiap(photo.id);
    if (done && done.thumb) announce({ type: 'photo', id: done.id, item_uuid: done.item_uuid });
  }
}

// "Hapus foto": marked at once, offline too; the sync sends the DELETE (withdrawPhoto).
export const markForWithdrawal = (id) => photos.update(id, (p) => (p && p.state !== 'siap'
  ? { ...p, withdraw: true, withdraw_error: null } : null));

// Sends the DELETE of a photo the member removed (docs/sync-protocol.md, "Withdrawing a photo"). 204, or 404 (already
// gone): the record and its blob are deleted. Resolves with 'next' or 'login-needed'; throws api.NetworkError when
// there was no answer or the server is in trouble.
export async function withdrawPhoto(photo, session, announce) {
  let answer = await api.deletePhoto(photo.id, session.token);
  if (api.isCsrfProblem(answer)) {
    if (!(await session.renew())) return 'login-needed';
    answer = await api.deletePhoto(photo.id, session.token);
  }
  const { status, data } = answer;
  const outcome = api.classify(answer);
  if (outcome === 'delivered' || status === 404) {
    await photos.remove(photo.id); // withdrawn, now or by an earlier DELETE whose answer was lost
  } else if (outcome === 'login') {
    return 'login-needed';
  } else if (status === 409 && api.isProblem(answer, 'photo-ready')) {
    await recordSiap(photo.id); // it arrived after all: it stays, as the server has it
  } else if (outcome === 'refused') {
    await photos.update(photo.id, (p) => (p ? { ...p, withdraw: false, withdraw_error: problemDetail(data, status) }
      : null));
  } else if (outcome === 'failed') {
    // The server broke on this DELETE: the next run tries again, until it has happened too often.
    await photos.update(photo.id, (p) => {
      if (!p) return null;
      const failures = (p.server_failures || 0) + 1;
      return failures >= api.MAX_SERVER_FAILURES
        ? { ...p, withdraw: false, server_failures: 0, withdraw_error: api.serverFailedReason(status) }
        : { ...p, server_failures: failures };
    });
  } else {
    throw new api.NetworkError(`photo delete: ${status}`);
  }
  announce({ type: 'photo', id: photo.id, item_uuid: photo.item_uuid });
  return 'next';
}

// Sends one photo from where the server stands. Resolves with 'next' (this photo is done, for better or worse),
// 'login-needed', or throws api.NetworkError (no answer, or the server in trouble: the run ends, retried later).
// `session` is {token, renew()}: renew() fetches a fresh CSRF token, or resolves false when the session is gone.
export async function uploadPhoto(photo, session, announce) {
  const save = async (change) => {
    const saved = await photos.update(photo.id, (p) => (p ? { ...p, ...change } : null));
    announce({ type: 'photo', id: photo.id, item_uuid: photo.item_uuid });
    return saved;
  };
  const fail = async (message) => {
    await save({ state: 'gagal', error: message, retry: false });
    return 'next';
  };
  const done = async () => {
    await recordSiap(photo.id);
    announce({ type: 'photo', id: photo.id, item_uuid: photo.item_uuid });
    return 'next';
  };
  // The server broke on this photo (a 500): it waits out a backoff while the other photos go on, and after
  // MAX_SERVER_FAILURES times it is 'gagal', with "Kirim ulang foto".
  const failedOnServer = async (status) => {
    const current = await photos.get(photo.id);
    const failures = ((current && current.server_failures) || 0) + 1;
    if (failures >= api.MAX_SERVER_FAILURES) {
      await save({ state: 'gagal', error: api.serverFailedReason(status), retry: false, server_failures: failures });
    } else {
      await save({ server_failures: failures, next_attempt_at: api.backoffUntil(failures) });
    }
    return 'next';
  };

  let offset;
  if (photo.state === 'menunggu' && photo.offset_known && !photo.retry) {
    offset = photo.received; // the server said so, in the item's answer or the last one about this photo
  } else {
    const first = await api.getPhoto(photo.id);
    if (first.status === 401) return 'login-needed';
    if (first.status === 404) return fail('Server tidak mengenal foto ini. Simpan foto sebagai kiriman baru.');
    if (api.classify(first) === 'failed') return failedOnServer(first.status);
    if (first.status !== 200 || !first.data) throw new api.NetworkError(`photo: ${first.status}`);
    if (first.data.state === 'siap') return done();
    // A refusal we never heard (the answer was lost), unless the member asked to try again: then from byte 0.
    if (first.data.state === 'gagal' && !photo.retry) return fail(first.data.error || 'Foto ditolak server.');
    offset = first.data.state === 'gagal' ? 0 : first.data.received;
  }
  let restarted = false;

  // Every round either moves forward or learns where the server stands; the cap only guards against a server
  // that keeps answering nonsense.
  for (let round = 0; round < 4 * Math.ceil(photo.size / STREAM) + 8; round += 1) {
    // Until the answer comes, where the server stands is unknown: a broken connection leaves part of it there.
    const saved = await save({ received: offset, offset_known: false });
    if (!saved || saved.withdraw) return 'next'; // the member removed it meanwhile: its DELETE goes instead
    const part = photo.blob.slice(offset, offset + STREAM);
    let answer = await api.patchPhoto(photo.id, offset, part, session.token);
    if (api.isCsrfProblem(answer)) {
      if (!(await session.renew())) return 'login-needed';
      answer = await api.patchPhoto(photo.id, offset, part, session.token);
    }
    const { status, data } = answer;
    const outcome = api.classify(answer);
    if (outcome === 'delivered' && data) {
      if (data.state === 'siap') return done();
      if (data.state === 'gagal') return fail(data.error || 'Foto ditolak server.');
      offset = data.received;
    } else if (status === 409 && api.isProblem(answer, 'wrong-offset') && Number.isInteger(data.received)) {
      offset = data.received;
    } else if (status === 422 && api.isProblem(answer, 'hash-mismatch') && !restarted) {
      restarted = true; // bytes were damaged on the way: once from the start, then it is the member's call
      offset = 0;
    } else if (outcome === 'login') {
      return 'login-needed';
    } else if (outcome === 'refused') {
      return fail(problemDetail(data, status));
    } else if (outcome === 'failed') {
      return failedOnServer(status);
    } else {
      throw new api.NetworkError(`photo upload: ${status}`);
    }
  }
  throw new api.NetworkError('photo upload made no progress');
}
