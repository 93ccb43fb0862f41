// Drafts: what the member typed in a capture form, or in an edit of an item, before pressing save. Cheap phones kill
// a background tab, so every form is kept in IndexedDB as the member types (a short pause after the last key) and
// put back when the app opens again. A draft is not an outbox item: nothing sends it, saving the form ends it.
//
// A draft belongs to the account signed in when it was typed: its key names the account ('draft:<id>:<form>'), and
// only that account's drafts are ever read back, so a relative on a shared phone never sees a neighbour's complaint.
// <form> is the kind for a new item, 'ubah:<uuid>' or 'revisi:<uuid>' for an edit of one.
// Imported on demand (sync/shell.py, LATER_DIR): the app works without it, only the drafts wait.

import { meta } from '../db.js';
import { cachedMe } from '../session.js';

const PAUSE_MS = 700;
const PREFIX = 'draft:';
const TIME = new Intl.DateTimeFormat('id-ID', { timeZone: 'Asia/Makassar', timeStyle: 'short' });

const keyOf = (accountId, form) => `${PREFIX}${accountId}:${form}`;

// The forms of this account that hold a draft ('berita', 'revisi:<uuid>' …).
export async function draftForms(accountId) {
  const mine = `${PREFIX}${accountId}:`;
  return (await meta.keys()).filter((key) => String(key).startsWith(mine)).map((key) => key.slice(mine.length));
}

// The typed values of a form: text only (file inputs are the photo picker's, kept below as Blobs).
function typed(form) {
  const values = {};
  for (const [name, value] of new FormData(form)) if (typeof value === 'string') values[name] = value;
  return values;
}

// `form` is a capture form; `formKey()` names what it holds now (null: nothing to keep); `picker` its photos (or
// null). Returns {restore(formKey), discard(formKey), cancel(), flush()}.
export function keepDrafts(form, formKey, picker, onDiscard) {
  const line = form.querySelector('[data-draft]');
  const said = line.querySelector('p');
  let timer = null;
  let pending = null; // the form key the waiting write belongs to

  const show = (text) => {
    said.textContent = text || '';
    line.hidden = !text;
  };

  async function write(key) {
    const me = await cachedMe();
    if (!me || !key) return;
    const values = typed(form);
    const photos = picker && !picker.hidden() ? await picker.photos() : [];
    if (!photos.length && !Object.values(values).some((value) => value.trim())) {
      await meta.remove(keyOf(me.id, key));
      show('');
      return;
    }
    const savedAt = new Date();
    await meta.set(keyOf(me.id, key), { values, photos, saved_at: savedAt.toISOString() });
    show(`Draf tersimpan ${TIME.format(savedAt)}`);
  }

  const flush = async () => {
    if (!timer) return;
    clearTimeout(timer);
    timer = null;
    await write(pending);
  };
  const schedule = () => {
    clearTimeout(timer);
    pending = formKey();
    timer = setTimeout(() => {
      timer = null;
      write(pending);
    }, PAUSE_MS);
  };
  form.addEventListener('input', schedule);
  form.addEventListener('change', schedule);
  if (picker) picker.onChange(schedule);

  const cancel = () => {
    clearTimeout(timer);
    timer = null;
  };

  async function discard(key) {
    cancel();
    const me = await cachedMe();
    if (me && key) await meta.remove(keyOf(me.id, key));
    show('');
  }

  line.querySelector('button').addEventListener('click', async () => {
    if (!window.confirm('Buang draf ini? Tulisan yang belum disimpan akan hilang.')) return;
    const key = formKey();
    await discard(key);
    onDiscard(key);
  });

  return {
    flush,
    cancel,
    discard,
    // Puts the account's draft for `key` back into the form; resolves true when there was one.
    async restore(key) {
      const me = await cachedMe();
      const draft = me && key ? await meta.get(keyOf(me.id, key)) : null;
      if (!draft) {
        show('');
        return false;
      }
      for (const [name, value] of Object.entries(draft.values)) {
        if (form.elements[name] && form.elements[name].type !== 'file') form.elements[name].value = value;
      }
      if (picker && draft.photos.length) picker.restore(draft.photos);
      show(`Draf dipulihkan (tersimpan ${TIME.format(new Date(draft.saved_at))})`);
      return true;
    },
  };
}
