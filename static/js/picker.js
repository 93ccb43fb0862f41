// The photos of one capture form, until the item is saved: taken with the camera or picked from the gallery,
// shrunk at once (photos.js) one after the other, shown as thumbnails with their size, removable.
// The template holds the inputs and the messages (data-wajib on the fieldset when a photo is required).

import { MAX_PHOTOS, PhotoProblem, formatBytes, shrink } from './photos.js';

export function photoPicker(form) {
  const box = form.querySelector('[data-photos]');
  if (!box) return null;
  const thumbs = box.querySelector('[data-thumbs]');
  const summary = box.querySelector('[data-photo-summary]');
  const problem = box.querySelector('.galat');
  const chosen = []; // {blob, sha256, size, mime, url}
  let working = Promise.resolve();
  let changed = () => {}; // told when the member adds or removes a photo (drafts keep the form)

  const say = (message) => {
    problem.textContent = message || '';
    problem.hidden = !message;
  };

  function draw() {
    thumbs.replaceChildren(...chosen.map((photo, index) => {
      const li = document.createElement('li');
      li.className = 'thumb';
      const img = document.createElement('img');
      img.src = photo.url;
      img.alt = `Foto ${index + 1}`;
      const size = document.createElement('p');
      size.className = 'quiet';
      size.textContent = formatBytes(photo.size);
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'secondary';
      remove.textContent = 'Hapus';
      remove.setAttribute('aria-label', `Hapus foto ${index + 1}`);
      remove.addEventListener('click', () => {
        URL.revokeObjectURL(photo.url);
        chosen.splice(chosen.indexOf(photo), 1);
        say('');
        draw();
        changed();
      });
      li.append(img, size, remove);
      return li;
    }));
    const bytes = chosen.reduce((sum, photo) => sum + photo.size, 0);
    summary.textContent = chosen.length ? `${chosen.length} foto, ${formatBytes(bytes)}` : '';
  }

  async function add(files) {
    for (const file of files) {
      if (chosen.length >= MAX_PHOTOS) {
        say(`Paling banyak ${MAX_PHOTOS} foto per kiriman.`);
        break;
      }
      summary.textContent = 'Mengecilkan foto…';
      try {
        const photo = await shrink(file);
        chosen.push({ ...photo, url: URL.createObjectURL(photo.blob) });
        say('');
      } catch (error) {
        if (!(error instanceof PhotoProblem)) console.error('photo', error);
        say(error instanceof PhotoProblem ? error.message : 'Foto ini tidak dapat diproses. Coba foto lain.');
      }
      draw();
    }
    changed();
  }

  for (const input of box.querySelectorAll('input[type=file]')) {
    input.addEventListener('change', () => {
      const files = [...input.files];
      input.value = ''; // the same photo may be chosen again after removing it
      working = working.then(() => add(files));
    });
  }

  return {
    // The shrunk photos, once every photo chosen so far is ready.
    async photos() {
      await working;
      return chosen.map(({ url, ...photo }) => photo);
    },
    // True when the form may be saved; shows why not otherwise.
    check(count) {
      const message = box.dataset.wajib && count === 0 ? box.dataset.wajib : null;
      say(message);
      return !message;
    },
    hidden: () => box.hidden,
    // Files from elsewhere (a photo shared into the app), taken as if picked from the gallery.
    take(files) {
      working = working.then(() => add(files));
      return working;
    },
    onChange(listener) {
      changed = listener;
    },
    // Photos kept in a draft ({blob, sha256, size, mime}), shown again as chosen.
    restore(photos) {
      this.clear();
      for (const photo of photos) chosen.push({ ...photo, url: URL.createObjectURL(photo.blob) });
      draw();
    },
    clear() {
      for (const photo of chosen) URL.revokeObjectURL(photo.url);
      chosen.length = 0;
      say('');
      draw();
    },
  };
}
