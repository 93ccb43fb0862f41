// The service worker of the member app: precached shell, offline navigation, Background Sync, push notifications.
//
// The server prepends two constants to this file when it serves /sw.js, generated from static/:
//   SHELL_VERSION  a hash of the shell's files (so any change to the shell makes a new worker)
//   SHELL_FILES    every URL of the shell, '/app' first
//   LATER_FILES    modules the app imports on demand and the help page: fetched when the page says the worker is
//                  ready ('keep-later'), best effort (the app works without them; a missing one is fetched and kept
//                  when first used)
// and, after this file, one import line for each module its imports import in turn (sync/shell.py, _worker_imports).
// Registered as a module worker (scope '/'), so it shares the sync code with the page. Module workers allow
// only static imports at the top level.
//
// It never touches /api/ (the sync owns those requests) or /sw.js itself.

import { meta } from '/static/js/db.js';
import { showBadge, unread } from '/static/js/live.js';
import { runSync } from '/static/js/sync.js';

const CACHE_PREFIX = 'kim-shell-';
const CACHE = `${CACHE_PREFIX}${SHELL_VERSION}`;
const SHELL_PATHS = new Set(SHELL_FILES);
const LATER_PATHS = new Set(LATER_FILES);

// The modules' URLs carry this version (/static/v/<version>/) and are immutable: the copies the page has just
// loaded are taken from the HTTP cache without asking again (20 round trips on 2G). Every other file — its URL the
// same in every version — is revalidated ('no-cache'), so an old copy cannot slip into a new version.
const IMMUTABLE = `/static/v/${SHELL_VERSION}/`;
const fetchForCache = (path) => fetch(new Request(path, {
  cache: path.startsWith(IMMUTABLE) ? 'default' : 'no-cache', credentials: 'same-origin',
}));

self.addEventListener('install', (event) => {
  // No skipWaiting here: a new version waits until the member presses "Perbarui".
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await Promise.all(SHELL_FILES.map(async (path) => {
      // A cut connection is tried again twice; a redirect (e.g. to a login page) or an error status must fail the
      // install, not be cached as the shell.
      let response;
      for (let attempt = 1; !response; attempt += 1) {
        response = await fetchForCache(path).catch((error) => { if (attempt === 3) throw error; });
      }
      if (!response.ok || response.redirected) throw new Error(`precache ${path}: ${response.status}`);
      await cache.put(path, path === '/app' ? await withoutPreload(response) : response);
    }));
  })());
});

// The network's /app asks the browser to fetch /api/v1/me with the page (sync/shell.py, EARLY_ME); the installed app
// knows its member, and its sync lets the pull say whether that is still so (sync.js).
async function withoutPreload(response) {
  const headers = new Headers(response.headers);
  headers.delete('Link');
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers });
}

// LATER_FILES, once the page has a worker ready: not part of the install, which would otherwise hold the shell
// back by their round trips (thirteen requests, two seconds and more on 2G) for files the first paint never needs.
// Asked at every open, so a file an earlier attempt missed is fetched again; one already kept costs no request.
async function keepLater() {
  const cache = await caches.open(CACHE);
  await Promise.all(LATER_FILES.map(async (path) => {
    if (await cache.match(path)) return;
    const response = await fetchForCache(path).catch(() => null);
    if (response && response.ok && !response.redirected) await cache.put(path, response);
  }));
}

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE)
      .map((name) => caches.delete(name)));
    // Activation happens only on the very first install or after the member agreed to update, so taking
    // control of open pages here never mixes versions against their will.
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'skip-waiting') self.skipWaiting();
  // Asked by a page that missed the first claim, when no other version is on its way (static/js/worker.js).
  if (event.data && event.data.type === 'claim') event.waitUntil(self.clients.claim());
  if (event.data && event.data.type === 'keep-later') event.waitUntil(keepLater().catch(() => null));
});

async function fromCache(path) {
  const cache = await caches.open(CACHE);
  return cache.match(path, { ignoreSearch: true, ignoreVary: true });
}

async function cacheFirst(request, path) {
  return (await fromCache(path)) || fetch(request);
}

// A module or page of LATER_FILES that the install could not fetch is kept the first time it is used.
async function cacheFirstKeep(request, path) {
  const cached = await fromCache(path);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const copy = response.clone();
    caches.open(CACHE).then((cache) => cache.put(path, copy)).catch(() => null);
  }
  return response;
}

async function navigate(request, path) {
  if (path === '/app') return cacheFirst(request, '/app');
  if (LATER_PATHS.has(path)) return cacheFirstKeep(request, path);
  try {
    return await fetch(request);
  } catch (error) {
    // No network: any page of the site falls back to the app, which works offline.
    const shell = await fromCache('/app');
    if (shell) return shell;
    throw error;
  }
}

async function networkFirst(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cached = await caches.match(request);
    if (cached) return cached;
    throw error;
  }
}

// A photo shared into KIM from the gallery or WhatsApp (the manifest's share_target): kept in IndexedDB with no
// network needed, and the app opened; it starts a new photo story with it (capture.js, later/share.js).
async function receiveShare(request) {
  const form = await request.formData();
  const files = form.getAll('foto').filter((file) => file instanceof Blob && file.size > 0);
  const text = ['title', 'text'].map((name) => form.get(name)).filter(Boolean).join(' ');
  await meta.set('shared', { files, text });
  return Response.redirect('/app', 303);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method === 'POST' && url.origin === self.location.origin && url.pathname === '/app/bagikan') {
    event.respondWith(receiveShare(request));
    return;
  }
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/sw.js') return;
  if (request.mode === 'navigate') event.respondWith(navigate(request, url.pathname));
  else if (SHELL_PATHS.has(url.pathname)) event.respondWith(cacheFirst(request, url.pathname));
  else if (LATER_PATHS.has(url.pathname)) event.respondWith(cacheFirstKeep(request, url.pathname));
  else event.respondWith(networkFirst(request));
});

self.addEventListener('sync', (event) => {
  if (event.tag !== 'kim-outbox') return;
  event.waitUntil((async () => {
    const result = await runSync();
    // Rejecting asks the browser to try again later; pointless when only the member can help (login-needed).
    if (!result.state.endsWith('-needed') && result.waiting > 0) throw new Error('outbox not sent yet');
  })());
});

// A push (kim_app/notifications): the server's message as it is — it holds nothing a lock screen must not show.
self.addEventListener('push', (event) => {
  let message = {};
  try {
    message = event.data.json();
  } catch (error) {
    // Unreadable or empty: still a notification (a push must show one), the app tells the rest.
  }
  event.waitUntil(Promise.all([
    self.registration.showNotification(message.title || 'KIM', {
      body: message.body || '',
      tag: message.tag || undefined,
      icon: '/static/icons/icon-192.png',
      data: { url: message.url || '/app' },
    }),
    String(message.url).startsWith('/app') && tellOrSync().catch(() => {}),
  ]));
});

// No app in view to sync when told (live.js): the worker syncs, so the item is here when tapped, and counts it.
async function tellOrSync() {
  const windows = await self.clients.matchAll({ type: 'window' });
  for (const client of windows) client.postMessage({ type: 'push' });
  if (windows.some((client) => client.visibilityState === 'visible')) return;
  if ((await runSync()).state === 'ok') await showBadge((await unread(await meta.get('me'))).length);
}

// A tap opens the app where the message points (e.g. /app#item=<uuid>), in a window already open if there is one.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(event.notification.data.url, self.location.origin);
  if (url.origin !== self.location.origin) return;
  event.waitUntil((async () => {
    for (const client of await self.clients.matchAll({ type: 'window' })) {
      const moved = await client.navigate(url.href).catch(() => null);
      if (moved) return moved.focus().catch(() => moved);
    }
    return self.clients.openWindow(url.href);
  })());
});
