// Draws "Kiriman saya", the count of unsent items, and the items of other accounts on this shared phone.
// Other accounts' items are listed collapsed and without their content: a family member sees that something
// is waiting for its owner, not what a neighbour complained about.
// Each photo is shown from its stored Blob, with its own upload progress; a refused one can be sent again.

import { formatBytes } from './photos.js';
import { isIncomplete, isUnsent, shownState, stateLabel } from './states.js';

const WITA = new Intl.DateTimeFormat('id-ID', { timeZone: 'Asia/Makassar', dateStyle: 'medium', timeStyle: 'short' });

const KIND_LABELS = { berita: 'Berita', aduan: 'Aduan', foto: 'Cerita foto' };

// One object URL per stored photo, kept across redraws (a redraw per uploaded chunk must not reload every image)
// and revoked once the photo is no longer drawn.
const thumbUrls = new Map();

function thumbUrl(photo) {
  if (!thumbUrls.has(photo.id)) thumbUrls.set(photo.id, URL.createObjectURL(photo.blob));
  return thumbUrls.get(photo.id);
}

function forgetThumbs(keep) {
  for (const [id, url] of thumbUrls) {
    if (!keep.has(id)) {
      URL.revokeObjectURL(url);
      thumbUrls.delete(id);
    }
  }
}

const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
};

function capturedAt(item) {
  const time = el('time', '', `${WITA.format(new Date(item.captured_at))} WITA`);
  time.dateTime = item.captured_at;
  return time;
}

function heading(item) {
  const line = el('p', 'item-meta', `${KIND_LABELS[item.kind] || item.kind} · `);
  line.append(capturedAt(item));
  return line;
}

function photoProgress(photo, number, total, onServer) {
  const name = `foto ${number} dari ${total}`;
  if (photo.state === 'siap') return `${name} — terkirim`;
  if (photo.state === 'gagal') return `${name} — gagal: ${photo.error}`;
  if (!onServer) return `${name} — ${formatBytes(photo.size)}`;
  return `${name} — ${Math.floor((100 * (photo.received || 0)) / photo.size)}%`;
}

function photoList(item, photos, onRetry) {
  const list = el('ol', 'thumbs');
  photos.forEach((photo, index) => {
    const li = el('li', 'thumb');
    li.dataset.photo = photo.id;
    li.dataset.photoState = photo.state;
    const img = el('img');
    img.src = thumbUrl(photo);
    img.alt = `Foto ${index + 1}`;
    li.append(img, el('p', 'quiet', photoProgress(photo, index + 1, photos.length, !isUnsent(item))));
    if (photo.state === 'gagal') {
      const retry = el('button', 'secondary', 'Kirim ulang foto');
      retry.type = 'button';
      retry.addEventListener('click', () => onRetry(photo));
      li.append(retry);
    }
    list.append(li);
  });
  return list;
}

// "3 foto, 612 KB menunggu dikirim": what is still to travel for this item.
function photoSummary(photos) {
  const left = photos.filter((photo) => photo.state !== 'siap')
    .reduce((sum, photo) => sum + photo.size - (photo.received || 0), 0);
  const total = photos.reduce((sum, photo) => sum + photo.size, 0);
  return left > 0 ? `${photos.length} foto, ${formatBytes(left)} menunggu dikirim`
    : `${photos.length} foto, ${formatBytes(total)}`;
}

function ownItem(item, photos, onRetry) {
  const li = el('li', 'item');
  li.dataset.uuid = item.uuid;
  li.append(heading(item), el('p', 'item-title', item.judul || item.keterangan || item.uraian));
  if (photos.length) li.append(photoList(item, photos, onRetry), el('p', 'quiet', photoSummary(photos)));
  const shown = shownState(item, photos);
  const state = el('p', `state state-${shown}`, stateLabel(item, photos));
  state.dataset.state = shown;
  li.append(state);
  // For a rejection or a revision request the note is already part of the state label.
  if (item.moderator_note && item.state !== 'ditolak' && item.state !== 'perlu_revisi') {
    li.append(el('p', 'note', `Catatan moderator: ${item.moderator_note}`));
  }
  if (item.state === 'gagal' && item.server_status) {
    const server = stateLabel({ state: item.server_status });
    li.append(el('p', 'note', `Server menyimpan versi lain dari kiriman ini (${server}). Isi di HP ini tidak diubah.`));
  }
  if (item.public_url) {
    const link = el('a', '', 'Lihat di portal');
    link.href = item.public_url;
    li.append(link);
  }
  return li;
}

function otherItem(item) {
  const li = el('li', 'item');
  li.dataset.uuid = item.uuid;
  const state = el('p', 'state', 'menunggu pemiliknya masuk');
  state.dataset.state = item.state;
  li.append(heading(item), state);
  return li;
}

// The phone writes '…Z', the server '…+00:00': compare instants, not strings.
const newestFirst = (a, b) => Date.parse(b.captured_at) - Date.parse(a.captured_at);

// `me` is the cached member, or null when nobody is signed in (then every unsent item waits for its owner).
// `allPhotos` are the photo records of every item; `onRetry(photo)` sends a refused photo again.
export function renderItems(all, me, allPhotos, onRetry) {
  const photosOf = new Map(all.map((item) => [item.uuid, []]));
  for (const photo of [...allPhotos].sort((a, b) => a.position - b.position)) {
    photosOf.get(photo.item_uuid)?.push(photo);
  }
  const incomplete = (item) => isIncomplete(item, photosOf.get(item.uuid));
  const mine = me ? all.filter((item) => item.author_id === me.id).sort(newestFirst) : [];
  const others = all.filter((item) => (!me || item.author_id !== me.id) && incomplete(item)).sort(newestFirst);

  const drawn = mine.map((item) => ownItem(item, photosOf.get(item.uuid), onRetry));
  document.getElementById('mine').replaceChildren(...drawn);
  forgetThumbs(new Set(mine.flatMap((item) => photosOf.get(item.uuid).map((photo) => photo.id))));
  document.getElementById('empty').hidden = mine.length > 0 || !me;

  const waiting = (me ? mine : others).filter(incomplete);
  const bytes = waiting.flatMap((item) => photosOf.get(item.uuid)).filter((photo) => photo.state !== 'siap')
    .reduce((sum, photo) => sum + photo.size - (photo.received || 0), 0);
  const unsent = waiting.length;
  document.getElementById('pending').textContent = `${unsent} belum terkirim`
    + (bytes > 0 ? ` · ${formatBytes(bytes)} foto` : '');

  document.getElementById('others').hidden = others.length === 0;
  document.getElementById('others-summary').textContent =
    `${others.length} kiriman akun lain di HP ini: menunggu pemiliknya masuk`;
  document.getElementById('others-list').replaceChildren(...others.map(otherItem));
  return unsent;
}
