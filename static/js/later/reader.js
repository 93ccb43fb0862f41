// "Berita terbaru di daerah Anda": the news news.js keeps, readable offline, folded below the member's own items.
// Text always; a photo only when the browser already holds it or can fetch it: an image that fails to load (offline,
// not cached) is removed rather than shown broken. Images inside closed <details> are not loaded at all.

import { witaTime } from '../list.js';
import { newsList, storedNews } from '../news.js';

const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
};

function article(item) {
  const li = el('li', 'item');
  const box = el('details');
  box.append(el('summary', '', item.judul));
  const where = el('p', 'item-meta', `${item.kategori_label} · Desa ${item.desa.nama} · `);
  where.append(witaTime(item.published_at));
  box.append(where);
  const photo = item.photos && item.photos[0];
  if (photo && photo.thumb_url) {
    const img = el('img', 'news-thumb');
    img.loading = 'lazy';
    img.alt = '';
    img.src = photo.thumb_url;
    img.addEventListener('error', () => img.remove());
    box.append(img);
  }
  if (item.isi !== item.judul) box.append(el('p', 'news-text', item.isi));
  const link = el('a', '', 'Buka di portal');
  link.dataset.online = '';
  link.href = item.url;
  box.append(link);
  li.append(box);
  return li;
}

export async function renderNews() {
  const items = newsList(await storedNews());
  document.getElementById('berita-daerah').hidden = items.length === 0;
  document.getElementById('berita-list').replaceChildren(...items.map(article));
}
