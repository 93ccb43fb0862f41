// Who is signed in, asked while the modules still load; the first run takes it (api.js getMe).
self.kimEarlyMe = fetch('/api/v1/me', {
  credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store',
}).catch(() => null);
