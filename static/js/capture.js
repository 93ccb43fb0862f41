// The capture forms (berita, aduan, cerita foto). Checks them on the phone, stores the item and its photos in the
// outbox before anything else, clears the form and says "Tersimpan di HP". Works with no network at all.
//
// The Indonesian messages live in the template next to their field: data-wajib (required and left empty) and
// data-pola (does not match the field's pattern). Errors are tied to fields with aria-describedby.

import { FIELDS, saveNewItem } from './outbox.js';
import { photoPicker } from './picker.js';
import { cachedMe } from './session.js';

function problemOf(field) {
  if (field.required && !field.value.trim()) return field.dataset.wajib;
  if (field.validity.patternMismatch) return field.dataset.pola;
  return null;
}

function showProblem(field, message) {
  const hint = document.getElementById(`${field.id}-galat`);
  hint.textContent = message || '';
  hint.hidden = !message;
  if (message) field.setAttribute('aria-invalid', 'true');
  else field.removeAttribute('aria-invalid');
}

function check(form, kind) {
  let first = null;
  for (const name of FIELDS[kind]) {
    const field = form.elements[name];
    const message = problemOf(field);
    showProblem(field, message);
    if (message && !first) first = field;
  }
  if (first) first.focus();
  return !first;
}

export function startCapture(onSaved) {
  for (const form of document.querySelectorAll('form[data-kind]')) {
    const kind = form.dataset.kind;
    const done = form.querySelector('[data-saved]');
    const picker = photoPicker(form);
    form.addEventListener('input', (event) => {
      if (event.target.hasAttribute('aria-invalid')) showProblem(event.target, problemOf(event.target));
      done.textContent = '';
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const photos = picker ? await picker.photos() : [];
      const photosOk = !picker || picker.check(photos.length);
      if (!check(form, kind) || !photosOk) return;
      // Whoever the phone knows as signed in at the moment of saving: the item is theirs from then on.
      const me = await cachedMe();
      if (!me) return;
      const values = Object.fromEntries(new FormData(form));
      try {
        const item = await saveNewItem(kind, values, me, photos);
        form.reset();
        if (picker) picker.clear();
        done.textContent = 'Tersimpan di HP';
        onSaved(item);
      } catch (error) {
        done.textContent = `Gagal menyimpan di HP: ${error.message}. Periksa sisa ruang penyimpanan HP.`;
      }
    });
  }
}
