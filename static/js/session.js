// Who is signed in on this phone, as far as the phone knows, and signing out.
// The cached 'me' is written by the sync (it asks the server first on every run); here it is only read,
// shown, and forgotten on logout. Logging out never touches the outbox.

import * as api from './api.js';
import { meta } from './db.js';

export const cachedMe = async () => (await meta.get('me')) || null;

// The first open: the phone knows nobody yet, and the sync that asks who is signed in follows the first paint
// (app.js). early.js's answer names the member already: kept as the sync would keep it, so the page shows their
// name and saves their items without waiting for it. Only when no member is kept: a change of member on the phone is
// the sync's to find (sync.js, fetchSession). Resolves with whether it kept one.
export async function adoptEarlyMe() {
  const answer = self.kimEarlyAccount && (await self.kimEarlyAccount);
  self.kimEarlyAccount = null;
  if (!answer || !answer.id || (await meta.get('me'))) return false;
  const me = { ...answer };
  delete me.csrf_token;
  await meta.set('me', me);
  return true;
}

// `signedOut` is true once we know nobody is signed in (the server said so, or there is no network to ask and no
// member is cached). Until then the capture forms stay as the shell draws them, visible: hiding them and showing
// them again a moment later, when the server names the member, would shift the whole page twice.
export function renderAccount(me, signedOut) {
  document.getElementById('who').textContent = me
    ? `Masuk sebagai ${me.nama} (${me.username})${me.desa ? ` · Desa ${me.desa.nama}` : ''}`
    : 'Memuat…';
  // Nobody signed in: the visitor sees what the app is and the way in, not the member's tools.
  document.body.classList.toggle('signed-out', Boolean(signedOut) && !me);
  document.getElementById('intro').hidden = !signedOut || Boolean(me);
  document.getElementById('logout').hidden = !me;
  document.getElementById('account-more').hidden = !me;
  for (const node of document.querySelectorAll('[data-desa]')) {
    node.textContent = me && me.desa ? me.desa.nama : 'desa akun Anda';
  }
  renderDesaChoice(me);
}

// The desa a member may file into (their KIM's area, from /api/v1/me): one shows as text, several as a choice in
// every capture form, the KIM's own desa chosen first. The server refuses any other (422).
function renderDesaChoice(me) {
  const choices = (me && me.desa_pilihan) || [];
  const several = choices.length > 1;
  for (const form of document.querySelectorAll('form[data-kind]')) {
    const select = form.elements.desa_kode;
    form.querySelector('[data-desa-satu]').hidden = several;
    form.querySelector('[data-desa-pilih]').hidden = !several;
    select.disabled = !several;
    const wanted = choices.map((desa) => desa.kode).join(',');
    if (select.dataset.pilihan === wanted) continue;
    select.dataset.pilihan = wanted;
    select.replaceChildren(...choices.map((desa, i) => new Option(desa.nama, desa.kode, i === 0, i === 0)));
  }
}

async function signOut(everywhere) {
  const leave = everywhere ? api.endAllSessions : api.logout;
  let answer = await api.getMe();
  if (answer.data?.csrf_token) {
    const token = answer.data.csrf_token;
    answer = await leave(token);
    if (api.isCsrfProblem(answer)) {
      const me = await api.getMe();
      answer = me.data?.csrf_token ? await leave(me.data.csrf_token) : me;
    }
  }
  // 401 from /me: the server had already ended the session; the phone only has to forget it too.
  if (answer.status !== 200 && answer.status !== 401) {
    return `Gagal keluar (kode ${answer.status}). Coba lagi.`;
  }
  await meta.remove('me');
  return null;
}

// Resolves with null when signed out, or an Indonesian sentence saying why not. Holds the sync lock so that a
// run in progress cannot write 'me' back after it was forgotten. `everywhere`: every session of the account ends,
// on every phone and computer ("Keluar dari semua perangkat"); the outbox stays as it is either way.
export async function logout(everywhere = false) {
  const run = () => signOut(everywhere);
  try {
    return navigator.locks ? await navigator.locks.request('kim-sync', run) : await run();
  } catch (error) {
    if (error instanceof api.NetworkError) return 'Perlu sinyal untuk keluar. Coba lagi saat ada sinyal.';
    throw error;
  }
}
