// Who is signed in, asked while the modules still load, when the phone may not know: on the first open (no service
// worker yet) and when another page of the site opened the app (the sign-in, a new password). Otherwise the phone
// knows its member, and the sync's pull says whether that is still so (sync.js, pullAlone): one request less.
const from = document.referrer && new URL(document.referrer);
const known = navigator.serviceWorker && navigator.serviceWorker.controller
  && !(from && from.origin === location.origin && from.pathname !== '/app');
// Exactly the request of the page's preload (sync/shell.py, EARLY_ME), so the browser hands over that answer: no other
// header, the default cache mode (the answer itself says no-store).
self.kimEarlyMe = known ? null : fetch('/api/v1/me', { credentials: 'same-origin' }).catch(() => null);
// Who it names, for the page to draw at once (app.js) while the sync that stores it is still on its way. Read from a
// copy taken as the answer arrives, before the sync's first run reads the answer itself (api.getMe).
self.kimEarlyAccount = self.kimEarlyMe && self.kimEarlyMe
  .then((response) => (response && response.status === 200 ? response.clone().json() : null))
  .catch(() => null);
