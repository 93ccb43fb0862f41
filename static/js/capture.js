// The capture forms (berita, aduan, cerita foto). Checks them on the phone, stores the item and its photos in the
// outbox before anything else, clears the form and says "Tersimpan di HP". Works with no network at all.
//
// The same forms edit an item the moderators sent back ("Perbaiki"): prefilled, saved as the item's next revision
// (outbox.js), photos unchanged. The template holds the edit banner of each form ([data-editing]).
//
// The Indonesian messages live in the template next to their field: data-wajib (required and left empty) and
// data-pola (does not match the field's pattern). Errors are tied to fields with aria-describedby.

import { editValues, saveNewItem, saveRevision } from './outbox.js';
import { photoPicker } from './picker.js';
import { fieldsOf } from './registry.js';
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
  for (const name of fieldsOf(kind)) {
    const field = form.elements[name];
    const message = problemOf(field);
    showProblem(field, message);
    if (message && !first) first = field;
  }
  if (first) first.focus();
  return !first;
}

// One form: saving a new item, or (while `editing` holds an item's uuid) a revision of that item.
function startForm(form, onSaved) {
  const kind = form.dataset.kind;
  const done = form.querySelector('[data-saved]');
  const banner = form.querySelector('[data-editing]');
  const submit = form.querySelector('button[type=submit]');
  const photoBox = form.querySelector('[data-photos]');
  const picker = photoPicker(form);
  let editing = null;
  // The item this form saves gets its identity when the form opens, not when it is saved: a second press of
  // "Simpan" (a double tap, an impatient finger on a slow phone) names the same item and stores nothing more. A new
  // identity only once the form is cleared for the next item.
  let formUuid = crypto.randomUUID();
  let saving = false;

  const stopEditing = () => {
    editing = null;
    banner.hidden = true;
    if (photoBox) photoBox.hidden = false;
    submit.textContent = submit.dataset.simpan;
    form.reset();
    for (const name of fieldsOf(kind)) showProblem(form.elements[name], null);
  };
  submit.dataset.simpan = submit.textContent;
  banner.querySelector('button').addEventListener('click', () => {
    stopEditing();
    done.textContent = '';
  });

  form.addEventListener('input', (event) => {
    if (event.target.hasAttribute('aria-invalid')) showProblem(event.target, problemOf(event.target));
    done.textContent = '';
  });
  // One save at a time per form: the button is disabled until the save has finished, and a submit that comes in
  // meanwhile (Enter in a field) is ignored.
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (saving) return;
    saving = true;
    submit.disabled = true;
    try {
      await save();
    } finally {
      saving = false;
      submit.disabled = false;
    }
  });

  async function save() {
    if (editing) {
      if (!check(form, kind)) return;
      const saved = await saveRevision(editing, Object.fromEntries(new FormData(form)));
      stopEditing();
      done.textContent = saved ? 'Perbaikan tersimpan di HP' : 'Kiriman ini tidak dapat diperbaiki lagi.';
      if (saved) onSaved(saved);
      return;
    }
    const photos = picker ? await picker.photos() : [];
    const photosOk = !picker || picker.check(photos.length);
    if (!check(form, kind) || !photosOk) return;
    // Whoever the phone knows as signed in at the moment of saving: the item is theirs from then on.
    const me = await cachedMe();
    if (!me) return;
    const values = Object.fromEntries(new FormData(form));
    try {
      const item = await saveNewItem(kind, values, me, photos, formUuid);
      formUuid = crypto.randomUUID();
      form.reset();
      if (picker) picker.clear();
      done.textContent = 'Tersimpan di HP';
      onSaved(item);
    } catch (error) {
      done.textContent = `Gagal menyimpan di HP: ${error.message}. Periksa sisa ruang penyimpanan HP.`;
    }
  }

  return (item) => {
    const values = editValues(item);
    editing = item.uuid;
    for (const name of fieldsOf(kind)) {
      form.elements[name].value = values[name] || '';
      showProblem(form.elements[name], null);
    }
    const note = (item.base || item).moderator_note;
    banner.querySelector('[data-note]').textContent = note ? `Catatan moderator: ${note}` : '';
    banner.hidden = false;
    if (photoBox) photoBox.hidden = true; // a revision keeps the item's photos
    if (picker) picker.clear();
    submit.textContent = 'Simpan perbaikan';
    done.textContent = '';
    form.closest('details').open = true;
    form.elements[fieldsOf(kind)[0]].focus();
    form.scrollIntoView({ block: 'start' });
  };
}

// Returns edit(item): opens the item's form, prefilled, to make its next revision.
export function startCapture(onSaved) {
  const editors = {};
  for (const form of document.querySelectorAll('form[data-kind]')) {
    editors[form.dataset.kind] = startForm(form, onSaved);
  }
  return (item) => editors[item.kind](item);
}
