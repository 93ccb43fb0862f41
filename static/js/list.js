// Draws "Kiriman saya", the count of unsent items, and the items of other accounts on this shared phone.
// Other accounts' items are listed collapsed and without their content: a family member sees that something
// is waiting for its owner, not what a neighbour complained about.

import { isUnsent, stateLabel } from './states.js';

const WITA = new Intl.DateTimeFormat('id-ID', { timeZone: 'Asia/Makassar', dateStyle: 'medium', timeStyle: 'short' });

const KIND_LABELS = { berita: 'Berita', aduan: 'Aduan' };

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

function ownItem(item) {
  const li = el('li', 'item');
  li.dataset.uuid = item.uuid;
  li.append(heading(item), el('p', 'item-title', item.kind === 'berita' ? item.judul : item.uraian));
  const state = el('p', `state state-${item.state}`, stateLabel(item));
  state.dataset.state = item.state;
  li.append(state);
  // For a rejection or a revision request the note is already part of the state label.
  if (item.moderator_note && item.state !== 'ditolak' && item.state !== 'perlu_revisi') {
    li.append(el('p', 'note', `Catatan moderator: ${item.moderator_note}`));
  }
  if (item.state === 'gagal' && item.server_status) {
    li.append(el('p', 'note', `Server menyimpan versi lain dari kiriman ini (${stateLabel({ state: item.server_status })}). `
      + 'Isi di HP ini tidak diubah.'));
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
export function renderItems(all, me) {
  const mine = me ? all.filter((item) => item.author_id === me.id).sort(newestFirst) : [];
  const others = all.filter((item) => (!me || item.author_id !== me.id) && isUnsent(item)).sort(newestFirst);

  document.getElementById('mine').replaceChildren(...mine.map(ownItem));
  document.getElementById('empty').hidden = mine.length > 0 || !me;

  const unsent = (me ? mine : others).filter(isUnsent).length;
  document.getElementById('pending').textContent = `${unsent} belum terkirim`;

  document.getElementById('others').hidden = others.length === 0;
  document.getElementById('others-summary').textContent =
    `${others.length} kiriman akun lain di HP ini: menunggu pemiliknya masuk`;
  document.getElementById('others-list').replaceChildren(...others.map(otherItem));
  return unsent;
}
