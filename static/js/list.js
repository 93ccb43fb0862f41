// Draws "Kiriman saya", the count of unsent items, and the items of other accounts on this shared phone.
// Other accounts' items are listed collapsed and without their content: a family member sees that something
// is waiting for its owner, not what a neighbour complained about.
// Each photo is shown from its stored Blob (a thumbnail once delivered), with its own upload progress; a refused one
// can be sent again or removed. An item sent back for revision offers "Perbaiki"; each item's history (sent,
// verdicts, notes) is folded under it, so the list stays light.

import { isEditable, isRevision } from './outbox.js';
import { formatBytes } from './photos.js';
import {
  actionLabel, aduanStatusLabel, fieldsOf, headlineOf, kindLabel, registry,
} from './registry.js';
import {
  isChangeable, isIncomplete, isUnsent, shownState, stateLabel,
} from './states.js';

const WITA = new Intl.DateTimeFormat('id-ID', { timeZone: 'Asia/Makassar', dateStyle: 'medium', timeStyle: 'short' });

// One object URL per stored photo Blob, kept across redraws (a redraw per uploaded chunk must not reload every image)
// and revoked once the photo is no longer drawn or its Blob was replaced by a thumbnail.
const thumbUrls = new Map();
const blobKey = (photo) => `${photo.id}${photo.thumb ? ':thumb' : ''}`;

function thumbUrl(photo) {
  const key = blobKey(photo);
  if (!thumbUrls.has(key)) thumbUrls.set(key, URL.createObjectURL(photo.blob));
  return thumbUrls.get(key);
}

function forgetThumbs(keep) {
  for (const [id, url] of thumbUrls) {
    if (!keep.has(id)) {
      URL.revokeObjectURL(url);
      thumbUrls.delete(id);
    }
  }
}

export const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
};

export function witaTime(iso) {
  const time = el('time', '', `${WITA.format(new Date(iso))} WITA`);
  time.dateTime = iso;
  return time;
}

function heading(item) {
  const line = el('p', 'item-meta', `${kindLabel(item.kind)} · `);
  line.append(witaTime(item.captured_at));
  return line;
}

function photoProgress(photo, number, total, onServer) {
  const name = `foto ${number} dari ${total}`;
  if (photo.withdraw) return `${name} — dihapus, menunggu sinyal untuk memberi tahu server`;
  if (photo.state === 'siap') return `${name} — terkirim`;
  if (photo.state === 'gagal') return `${name} — gagal: ${photo.error}`;
  if (!onServer) return `${name} — ${formatBytes(photo.size)}`;
  return `${name} — ${Math.floor((100 * (photo.received || 0)) / photo.size)}%`;
}

const button = (text, onClick, label) => {
  const node = el('button', 'secondary', text);
  node.type = 'button';
  if (label) node.setAttribute('aria-label', label);
  node.addEventListener('click', onClick);
  return node;
};

// `act` is what the member's buttons do (app.js): retry(photo), withdraw(photo), edit(item), resend(item) for an item
// marked 'gagal', and for an item not yet sent change(item), remove(item), removeUnsentPhoto(item, photo).
function photoList(item, photos, act) {
  const list = el('ol', 'thumbs');
  const onServer = !isUnsent(item);
  const droppable = isChangeable(item) && photos.length > registry().kinds[item.kind].min_photos;
  // A photo story keeps at least one photo (the server refuses to withdraw its last one).
  const removable = item.kind !== 'foto' || photos.filter((photo) => !photo.withdraw).length > 1;
  photos.forEach((photo, index) => {
    const li = el('li', photo.withdraw ? 'thumb withdrawn' : 'thumb');
    li.dataset.photo = photo.id;
    li.dataset.photoState = photo.withdraw ? 'dihapus' : photo.state;
    const img = el('img');
    img.src = thumbUrl(photo);
    img.alt = `Foto ${index + 1}`;
    li.append(img, el('p', 'quiet', photoProgress(photo, index + 1, photos.length, onServer)));
    if (photo.withdraw_error) li.append(el('p', 'note', photo.withdraw_error));
    if (photo.state === 'gagal' && !photo.withdraw) {
      li.append(button('Kirim ulang foto', () => act.retry(photo)));
    }
    if (onServer && removable && photo.state !== 'siap' && !photo.withdraw) {
      li.append(button('Hapus foto', () => act.withdraw(photo), `Hapus foto ${index + 1}`));
    }
    if (droppable) li.append(button('Hapus foto', () => act.removeUnsentPhoto(item, photo), `Hapus foto ${index + 1}`));
    list.append(li);
  });
  return list;
}

// "3 foto, 612 KB menunggu dikirim": what is still to travel for this item. Removed photos no longer count.
function photoSummary(photos) {
  const kept = photos.filter((photo) => !photo.withdraw);
  const left = kept.filter((photo) => photo.state !== 'siap')
    .reduce((sum, photo) => sum + photo.size - (photo.received || 0), 0);
  const total = kept.reduce((sum, photo) => sum + photo.size, 0);
  return left > 0 ? `${kept.length} foto, ${formatBytes(left)} menunggu dikirim`
    : `${kept.length} foto, ${formatBytes(total)}`;
}

// Folded boxes the member opened stay open across redraws (one per uploaded chunk, or per pulled change).
const opened = new Set();

function folded(key, title) {
  const box = el('details', 'history');
  box.open = opened.has(key);
  box.addEventListener('toggle', () => (box.open ? opened.add(key) : opened.delete(key)));
  box.append(el('summary', '', title));
  return box;
}

// The item's moves as the server tells them (docs/sync-protocol.md, "History"), oldest first, folded.
function history(uuid, kind, entries) {
  const box = folded(`riwayat:${uuid}`, `Riwayat (${entries.length})`);
  const list = el('ol');
  for (const entry of entries) {
    const line = el('li');
    line.append(witaTime(entry.at), ` — ${actionLabel(entry.action, kind)}`
      + (entry.revision > 1 ? ` (revisi ${entry.revision})` : ''));
    if (entry.note) line.append(el('span', 'note', `: ${entry.note}`));
    list.append(line);
  }
  box.append(list);
  return box;
}

// An edit the server would not take, kept so that nothing the member wrote is lost.
function refusedEdit(uuid, kind, edit) {
  const box = folded(`ditolak:${uuid}`, 'Perbaikan Anda yang tidak diterima server');
  box.append(el('p', 'note', edit.reason));
  const headline = headlineOf({ ...edit, kind });
  box.append(el('p', '', headline));
  for (const name of fieldsOf(kind)) {
    if (name !== 'kategori' && edit[name] && edit[name] !== headline) box.append(el('p', '', edit[name]));
  }
  return box;
}

function ownItem(item, photos, act) {
  const li = el('li', 'item');
  li.dataset.uuid = item.uuid;
  li.append(heading(item), el('p', 'item-title', headlineOf(item)));
  if (photos.length) li.append(photoList(item, photos, act), el('p', 'quiet', photoSummary(photos)));
  const shown = shownState(item, photos);
  const state = el('p', `state state-${shown}`, stateLabel(item, photos));
  state.dataset.state = shown;
  li.append(state);
  if (isRevision(item)) {
    li.append(el('p', 'note', `Perbaikan (revisi ${item.revision}) untuk: ${item.base.moderator_note || 'revisi'}`));
  }
  // For a rejection or a revision request the note is already part of the state label.
  if (item.moderator_note && item.state !== 'ditolak' && item.state !== 'perlu_revisi' && !isRevision(item)) {
    li.append(el('p', 'note', `Catatan moderator: ${item.moderator_note}`));
  }
  if (item.state === 'gagal') li.append(button('Kirim ulang', () => act.resend(item)));
  if (item.state === 'gagal' && item.server_status && !isRevision(item)) {
    const server = stateLabel({ state: item.server_status, kind: item.kind });
    li.append(el('p', 'note', `Server menyimpan versi lain dari kiriman ini (${server}). Isi di HP ini tidak diubah.`));
  }
  if (item.tracking_code) {
    // The citizen who complained follows the complaint with this code at /aduan/cek; the member passes it on.
    const status = aduanStatusLabel(item.aduan_status);
    li.append(el('p', 'note', `Kode pelacakan aduan: ${item.tracking_code}${status ? ` · ${status}` : ''}`));
  }
  if (item.kabari_pelapor) {
    // "Kabari pelapor" (later/kabari.js): drawn into its place once the module is in, after the first paint.
    const box = el('p', 'kabari');
    li.append(box);
    import('./later/kabari.js').then((module) => module.kabari(box, item.kabari_pelapor)).catch(() => {});
  }
  if (item.unsent_edit) li.append(refusedEdit(item.uuid, item.kind, item.unsent_edit));
  if (isEditable(item)) li.append(button('Perbaiki', () => act.edit(item)));
  if (isChangeable(item)) {
    const row = el('div', 'actions');
    row.append(button('Ubah', () => act.change(item)), button('Hapus', () => act.remove(item), 'Hapus kiriman'));
    li.append(row);
  }
  if (item.public_url) {
    const link = el('a', '', 'Lihat di portal');
    link.dataset.online = '';
    link.href = item.public_url;
    li.append(link);
  }
  if (item.history && item.history.length) li.append(history(item.uuid, item.kind, item.history));
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

// What "Kiriman saya" shows (later/find.js changes it): the items `keep(item, photos)` accepts (all when null),
// newest first, `limit` of them; a verdict (or a recorded report) older than 30 days is folded away until asked for
// (or found).
// Drawing only a page keeps the app as quick to open with 500 items as with 5 (benchmarks/app_open.py).
export const view = { keep: null, limit: 20, old: false };
const OLD_MS = 30 * 24 * 3600 * 1000;
const isOld = (item) => ['disetujui', 'ditolak', 'tercatat'].includes(item.state)
  && Date.now() - Date.parse(item.captured_at) > OLD_MS;

// The phone writes '…Z', the server '…+00:00': compare instants, not strings.
const newestFirst = (a, b) => Date.parse(b.captured_at) - Date.parse(a.captured_at);

// `me` is the cached member, or null when nobody is signed in (then every unsent item waits for its owner).
// `allPhotos` are the photo records of every item; `act` is what the member's buttons do (photoList).
export function renderItems(all, me, allPhotos, act) {
  const photosOf = new Map(all.map((item) => [item.uuid, []]));
  for (const photo of [...allPhotos].sort((a, b) => a.position - b.position)) {
    photosOf.get(photo.item_uuid)?.push(photo);
  }
  const incomplete = (item) => isIncomplete(item, photosOf.get(item.uuid));
  const mine = me ? all.filter((item) => item.author_id === me.id).sort(newestFirst) : [];
  const others = all.filter((item) => (!me || item.author_id !== me.id) && incomplete(item)).sort(newestFirst);

  const listed = mine.filter((item) => (view.keep ? view.keep(item, photosOf.get(item.uuid))
    : view.old || !isOld(item)));
  const page = listed.slice(0, view.limit);
  document.getElementById('mine').replaceChildren(...page.map((item) => ownItem(item, photosOf.get(item.uuid), act)));
  forgetThumbs(new Set(page.flatMap((item) => photosOf.get(item.uuid).map(blobKey))));
  document.getElementById('empty').hidden = mine.length > 0 || !me;
  document.getElementById('more').hidden = listed.length <= view.limit;
  const old = view.keep ? 0 : mine.length - listed.length;
  document.getElementById('old').hidden = old === 0;
  document.getElementById('old').textContent = `Tampilkan ${old} kiriman lama (lebih dari 30 hari)`;
  document.getElementById('found').textContent = view.keep ? `${listed.length} kiriman cocok` : '';

  const waiting = (me ? mine : others).filter(incomplete);
  const bytes = waiting.flatMap((item) => photosOf.get(item.uuid))
    .filter((photo) => photo.state !== 'siap' && !photo.withdraw)
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
