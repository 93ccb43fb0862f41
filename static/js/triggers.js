// When the page sends: at start, when the network comes back (or changes kind), when the app becomes
// visible again, on "Kirim sekarang", and on a modest timer while items wait. "Kirim sekarang" and the network
// coming back ignore the backoff: the backoff is there for a network or server in trouble, and both say that
// may be over.
// Runs never overlap within the page; requests arriving during a run are folded into one more request after it,
// which carries when it was first asked for: the run under way may already answer it (sync.js, runSync).

import { runSync } from './sync.js';

const MIN_WAIT_MS = 15 * 1000;
const MAX_WAIT_MS = 5 * 60 * 1000;

export function startTriggers() {
  let running = false;
  let again = false;
  let forced = false;
  let askedAt = 0;
  let timer = 0;

  async function syncNow(ignoreBackoff = false) {
    forced = forced || ignoreBackoff === true;
    if (running) {
      again = true;
      askedAt = askedAt || Date.now();
      return;
    }
    running = true;
    clearTimeout(timer);
    let result = null;
    do {
      again = false;
      const options = { ignoreBackoff: forced, askedAt: askedAt || Date.now() };
      forced = false;
      askedAt = 0;
      result = await runSync(options).catch((error) => {
        console.error('sync', error);
        return null;
      });
    } while (again);
    running = false;
    scheduleNext(result);
  }

  // Wake up when the earliest waiting item is due. Not after a login-needed (only the member can help), and
  // not while the phone knows it is offline (the 'online' event will come).
  function scheduleNext(result) {
    if (!result || result.state.endsWith('-needed') || result.waiting === 0) return;
    if (result.state === 'offline' && !navigator.onLine) return;
    const due = result.next_attempt_at ? Date.parse(result.next_attempt_at) : 0;
    timer = setTimeout(syncNow, Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, due - Date.now())));
  }

  window.addEventListener('online', () => syncNow(true));
  // From cellular to Wi-Fi, say: photos held by the member's Wi-Fi-only setting may go now.
  if (navigator.connection) navigator.connection.addEventListener('change', () => syncNow());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') syncNow();
  });
  syncNow();
  return syncNow;
}
