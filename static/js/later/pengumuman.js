// "Pengumuman dari Dinas" on the phone, read offline, attachments kept within BUDGET: docs/sync-protocol.md,
// "Pengumuman from the Dinas".

import { pengumuman as store } from '../db.js';
import { el, witaTime } from '../list.js';

const expired = (p, now) => p.expires_at && Date.parse(p.expires_at) <= now;
const BUDGET = 20 * 1024 * 1024;
const FILES = 'kim-lampiran';
const mb = (bytes) => `${(bytes / 1048576).toLocaleString('id-ID', { maximumFractionDigits: 1 })} MB`;
let shown = [];

// The attachments to keep: newest pengumuman first, while they fit the budget (a photo's thumbnail counted with it).
function wanted(list) {
  const keep = new Map();
  let used = 0;
  for (const a of list.flatMap((p) => p.lampiran || [])) {
    const size = a.jenis === 'foto' ? Math.ceil(a.size * 1.2) : a.size;
    if (used + size > BUDGET) continue;
    used += size;
    keep.set(a.url, size);
    if (a.thumb_url) keep.set(a.thumb_url, 0);
  }
  return keep;
}

async function keepFiles(list) {
  if (!window.caches) return;
  const cache = await caches.open(FILES);
  const keep = wanted(list);
  for (const request of await cache.keys()) {
    if (!keep.has(new URL(request.url).pathname)) await cache.delete(request);
  }
  let used = 0;
  for (const [url, size] of keep) {
    if (!(await cache.match(url)) && navigator.onLine) await cache.add(url).catch(() => {});
    if (await cache.match(url)) used += size;
  }
  document.getElementById('pengumuman-ruang').textContent = `Lampiran tersimpan di HP: ${mb(used)} dari batas `
    + `${mb(BUDGET)}.`;
}

function button(text, onClick) {
  const node = el('button', 'secondary', text);
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}

// A PDF from the phone's copy when there is one (no signal needed), else from the server.
async function download(a) {
  const cached = window.caches && (await caches.match(a.url));
  const link = el('a');
  link.href = cached ? URL.createObjectURL(await cached.blob()) : a.url;
  link.download = a.nama;
  link.click();
}

function attachment(a) {
  if (a.jenis === 'foto') {
    const img = el('img', 'news-thumb');
    img.alt = a.nama;
    img.src = a.thumb_url;
    img.addEventListener('error', () => img.remove());
    return img;
  }
  return button(`Unduh ${a.nama} (PDF, ${Math.ceil(a.size / 1024)} KB)`, () => download(a));
}

function countUnread() {
  const count = shown.filter((p) => !p.read_at).length;
  const node = document.getElementById('pengumuman-baru');
  node.textContent = `${count} pengumuman baru`;
  node.hidden = !count;
}

// Opened in this page, by id: a redraw that read the store before the mark was written must not count the
// pengumuman as new again (its list replaces the one the member opened it in).
const readHere = new Map();

async function markRead(p, summary) {
  if (p.read_at) return;
  p.read_at = new Date().toISOString();
  readHere.set(p.id, p.read_at);
  summary.classList.remove('unread');
  countUnread();
  await store.update(p.id, (old) => (old ? { ...old, read_at: old.read_at || p.read_at } : null));
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

function article(p, open) {
  const box = el('details');
  box.open = open;
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
  for (const a of p.lampiran || []) box.append(attachment(a));
  if (p.expires_at) {
    const until = el('p', 'quiet', 'Berlaku sampai ');
    until.append(witaTime(p.expires_at));
    box.append(until);
  }
  const actions = el('div', 'actions');
  let sharing;
  if (navigator.share) {
    // A closed share sheet rejects: nothing to do.
    sharing = button('Bagikan', () => navigator.share({ title: p.judul, text: p.judul, url: p.url }).catch(() => {}));
  } else {
    sharing = el('a', 'button secondary', 'Bagikan ke WhatsApp');
    sharing.href = `https://wa.me/?text=${encodeURIComponent(`${p.judul}\n${p.url}`)}`;
    sharing.rel = 'noopener';
    sharing.target = '_blank';
  }
  const done = button('Sudah disebarkan', () => reported(p, done));
  actions.append(sharing, done);
  box.append(actions);
  box.addEventListener('toggle', () => box.open && markRead(p, summary));
  // Open again after a redraw: read already, whether or not the browser tells this new box of its opening.
  if (open) markRead(p, summary).catch(() => {});
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
    .map((p) => (p.read_at || !readHere.has(p.id) ? p : { ...p, read_at: readHere.get(p.id) }))
    .sort((a, b) => b.published_at.localeCompare(a.published_at));
  document.getElementById('pengumuman-list').replaceChildren(...shown.map((p) => article(p, open.has(p.id))));
  document.getElementById('pengumuman').hidden = !shown.length;
  countUnread();
  keepFiles(shown).catch(() => {});
  document.getElementById('pengumuman-baru').onclick = () => document.getElementById('pengumuman').scrollIntoView();
}
