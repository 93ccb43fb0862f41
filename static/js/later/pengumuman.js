// "Pengumuman dari Dinas" (docs/sync-protocol.md, "Pengumuman from the Dinas"): the pengumuman the pull keeps in
// IndexedDB, read with no signal, marked read when opened; the header's "N pengumuman baru"; expired ones deleted by
// the phone's own clock. "Bagikan" shares the public link; "Sudah disebarkan" opens the report form of lapor.js.

import { pengumuman as store } from '../db.js';
import { witaTime } from '../list.js';

const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
};
const expired = (p, now) => p.expires_at && Date.parse(p.expires_at) <= now;
let shown = [];

function countUnread() {
  const count = shown.filter((p) => !p.read_at).length;
  const node = document.getElementById('pengumuman-baru');
  node.textContent = `${count} pengumuman baru`;
  node.hidden = !count;
}

async function markRead(p, summary) {
  if (p.read_at) return;
  p.read_at = new Date().toISOString();
  await store.update(p.id, (old) => (old ? { ...old, read_at: p.read_at } : null));
  summary.classList.remove('unread');
  countUnread();
}

async function share(p) {
  try {
    await navigator.share({ title: p.judul, text: p.judul, url: p.url });
  } catch (error) {
    // The member closed the share sheet: nothing to do.
  }
}

async function reported(p, button) {
  try {
    const { openDiseminasi } = await import('./lapor.js');
    openDiseminasi(p.id, p.judul);
  } catch (error) {
    button.after(el('p', 'quiet', 'Laporan penyebaran belum dapat dicatat di versi aplikasi ini.'));
  }
}

function line(label, text) {
  const p = el('p', '', text);
  p.prepend(el('strong', '', `${label}: `));
  return p;
}

function article(p) {
  const box = el('details');
  const summary = el('summary', p.read_at ? '' : 'unread', `${p.jenis_label}: ${p.judul}`);
  box.append(summary);
  const when = el('p', 'item-meta', 'Dari Dinas Kominfo · ');
  when.append(witaTime(p.published_at));
  box.append(when);
  const r = p.rincian || {};
  if (r.mulai) {
    const start = line('Waktu', '');
    start.append(witaTime(r.mulai));
    box.append(start, line('Tempat', r.tempat || ''));
  }
  if (r.klaim) box.append(line('Klaim yang beredar', r.klaim), line('Faktanya', r.fakta || ''));
  for (const text of p.isi.split('\n').filter((t) => t.trim())) box.append(el('p', 'news-text', text));
  if (p.expires_at) {
    const until = el('p', 'quiet', 'Berlaku sampai ');
    until.append(witaTime(p.expires_at));
    box.append(until);
  }
  const actions = el('div', 'actions');
  let sharing;
  if (navigator.share) {
    sharing = el('button', 'secondary', 'Bagikan');
    sharing.type = 'button';
    sharing.addEventListener('click', () => share(p));
  } else {
    sharing = el('a', 'button secondary', 'Bagikan ke WhatsApp');
    sharing.href = `https://wa.me/?text=${encodeURIComponent(`${p.judul}\n${p.url}`)}`;
    sharing.rel = 'noopener';
    sharing.target = '_blank';
  }
  const done = el('button', 'secondary', 'Sudah disebarkan');
  done.type = 'button';
  done.addEventListener('click', () => reported(p, done));
  actions.append(sharing, done);
  box.append(actions);
  box.addEventListener('toggle', () => box.open && markRead(p, summary));
  const li = el('li', 'item');
  li.dataset.pengumuman = p.id;
  li.append(box);
  return li;
}

export async function renderPengumuman(me) {
  const now = Date.now();
  const all = await store.all();
  for (const p of all.filter((one) => expired(one, now))) await store.remove(p.id);
  const open = new Set([...document.querySelectorAll('#pengumuman-list details[open]')]
    .map((box) => Number(box.parentNode.dataset.pengumuman)));
  shown = all.filter((p) => me && p.account === me.id && !expired(p, now))
    .sort((a, b) => b.published_at.localeCompare(a.published_at));
  const items = shown.map(article);
  for (const li of items) if (open.has(Number(li.dataset.pengumuman))) li.firstChild.open = true;
  document.getElementById('pengumuman-list').replaceChildren(...items);
  document.getElementById('pengumuman').hidden = !shown.length;
  countUnread();
  const header = document.getElementById('pengumuman-baru');
  if (!header.dataset.wired) {
    header.dataset.wired = '1';
    header.addEventListener('click', () => document.getElementById('pengumuman').scrollIntoView());
  }
}
