// The capture forms (berita, aduan, cerita foto). Checks them on the phone, stores the item and its photos in the
// outbox before anything else, clears the form and says "Tersimpan di HP". Works with no network at all.
//
// The same forms edit an item the moderators sent back ("Perbaiki"): prefilled, saved as the item's next revision
// (outbox.js), photos unchanged; and an item not yet sent ("Ubah"): the same item, new content (later/manage.js).
// The template holds the edit banner of each form ([data-editing]).
//
// What the member types is kept as a draft as they type (later/drafts.js, loaded after the first paint) and put back
// when the app opens again: the draft of a new item in its kind's form, the draft of an edit by reopening the edit.
//
// The Indonesian messages live in the template next to their field: data-wajib (required and left empty) and
// data-pola (does not match the field's pattern). Errors are tied to fields with aria-describedby.

import { meta } from './db.js';
import {
  editValues, isEditable, saveNewItem, saveRevision,
} from './outbox.js';
import { photoPicker } from './picker.js';
import { fieldsOf, registry } from './registry.js';
import { isChangeable } from './states.js';
import { cachedMe } from './session.js';

// Drafts are a comfort, not a condition: without the module (not yet fetched, offline) the forms work as before.
const noDrafts = { restore: async () => false, discard: async () => {}, flush: async () => {}, cancel: () => {} };
const draftModule = () => import('./later/drafts.js').catch(() => null);

// A number or date field the phone cannot read (letters, "1.000", out of range) has an empty value and badInput.
function problemOf(field) {
  const { validity } = field;
  if (field.required && !field.value.trim() && !validity.badInput) return field.dataset.wajib;
  if (!validity.valid && !validity.valueMissing) return field.dataset.pola;
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

// One form: saving a new item, or (while `editing` holds {uuid, mode}) an edit of that item: 'revisi' makes its next
// revision, 'ubah' changes an item not yet sent.
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
  let drafts = noDrafts;
  const draftKey = () => (editing ? `${editing.mode}:${editing.uuid}` : kind);

  const stopEditing = () => {
    editing = null;
    banner.hidden = true;
    if (photoBox) photoBox.hidden = false;
    submit.textContent = submit.dataset.simpan;
    form.reset();
    for (const name of fieldsOf(kind)) showProblem(form.elements[name], null);
    return drafts.restore(kind); // the new item the member was writing before the edit
  };
  submit.dataset.simpan = submit.textContent;
  banner.querySelector('button').addEventListener('click', async () => {
    await drafts.discard(draftKey());
    await stopEditing();
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
      const values = Object.fromEntries(new FormData(form));
      const edit = editing;
      const saved = edit.mode === 'ubah'
        ? await (await import('./later/manage.js')).saveUnsentEdit(edit.uuid, values)
        : await saveRevision(edit.uuid, values);
      drafts.cancel();
      if (saved) await drafts.discard(`${edit.mode}:${edit.uuid}`);
      await stopEditing();
      const said = edit.mode === 'ubah'
        ? ['Perubahan tersimpan di HP', 'Kiriman ini sudah terkirim, tidak dapat diubah.']
        : ['Perbaikan tersimpan di HP', 'Kiriman ini tidak dapat diperbaiki lagi.'];
      done.textContent = saved ? said[0] : said[1];
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
      drafts.cancel();
      form.reset();
      if (picker) picker.clear();
      await drafts.discard(kind);
      done.textContent = 'Tersimpan di HP';
      onSaved(item);
    } catch (error) {
      done.textContent = `Gagal menyimpan di HP: ${error.message}. Periksa sisa ruang penyimpanan HP.`;
    }
  }

  // Opens the form on `item`, prefilled ('revisi': with the edit the server refused, if any), then the member's
  // draft of this very edit over it.
  const startEdit = async (item, mode) => {
    await drafts.flush(); // the new item being written stays in its draft
    const values = mode === 'revisi' ? editValues(item) : item;
    editing = { uuid: item.uuid, mode };
    for (const name of fieldsOf(kind)) {
      form.elements[name].value = values[name] || '';
      showProblem(form.elements[name], null);
    }
    const note = (item.base || item).moderator_note;
    banner.querySelector('[data-note]').textContent = mode === 'ubah' ? 'Belum terkirim: isinya masih bisa diubah.'
      : (note ? `Catatan moderator: ${note}` : '');
    banner.querySelector('p').firstChild.textContent = mode === 'ubah' ? 'Mengubah kiriman. ' : 'Memperbaiki kiriman. ';
    banner.hidden = false;
    if (photoBox) photoBox.hidden = true; // an edit keeps the item's photos (removed one by one in the list)
    if (picker) picker.clear();
    submit.textContent = mode === 'ubah' ? 'Simpan perubahan' : 'Simpan perbaikan';
    done.textContent = '';
    await drafts.restore(draftKey());
    const box = form.closest('details');
    box.hidden = false; // a form outside the list (a dissemination report), opened to change its unsent item
    box.open = true;
    form.elements[fieldsOf(kind)[0]].focus();
    form.scrollIntoView({ block: 'start' });
  };

  return {
    edit: startEdit,
    // A photo shared into the app from the gallery or WhatsApp: a new item of this kind with it, its text as caption.
    async share(files, text) {
      if (editing) await stopEditing();
      const caption = form.elements[registry().kinds[kind].headline];
      if (text && caption && !caption.value) caption.value = text;
      form.closest('details').open = true;
      form.scrollIntoView({ block: 'start' });
      await picker.take(files);
    },
    // Once the module is in and the member known: keep drafts from now on, and put this kind's draft back.
    async startDrafts(module) {
      drafts = module.keepDrafts(form, draftKey, picker, async (key) => {
        if (key === kind) {
          form.reset();
          if (picker) picker.clear();
        } else await stopEditing();
      });
      if (!editing) await drafts.restore(kind);
    },
  };
}

// Returns {edit(item, mode), restoreDrafts(me, items)}: edit opens the item's form, prefilled, for its next revision
// ('revisi') or to change it before it is sent ('ubah'); restoreDrafts puts the member's drafts back once.
export function startCapture(onSaved) {
  const forms = {};
  for (const form of document.querySelectorAll('form[data-kind]')) {
    forms[form.dataset.kind] = startForm(form, onSaved);
  }
  let restored = false;
  return {
    edit: (item, mode = 'revisi') => forms[item.kind].edit(item, mode),
    async restoreDrafts(me, all) {
      if (restored || !me) return;
      restored = true;
      const module = await draftModule();
      if (module) {
        for (const form of Object.values(forms)) await form.startDrafts(module);
        // An edit in progress is reopened, if its item may still be edited that way.
        for (const key of await module.draftForms(me.id)) {
          const [mode, uuid] = key.split(':');
          const item = uuid && all.find((candidate) => candidate.uuid === uuid && candidate.author_id === me.id);
          if (item && ((mode === 'revisi' && isEditable(item)) || (mode === 'ubah' && isChangeable(item)))) {
            await forms[item.kind].edit(item, mode);
          }
        }
      }
      // What was shared into the app (sw.js keeps it) goes to whoever is signed in, in the kind that needs photos.
      const shared = await meta.get('shared');
      const photoKind = Object.keys(forms).find((kind) => registry().kinds[kind].min_photos > 0);
      if (shared && photoKind) {
        await meta.remove('shared');
        await forms[photoKind].share(shared.files, shared.text);
      }
    },
  };
}
