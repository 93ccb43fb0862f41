// The phone's storage: IndexedDB database 'kim', behind a tiny promise API.
// Used by the page and by the service worker alike, so it touches neither window nor DOM.
//
// Stores: 'items' (outbox and server copies, keyPath uuid, index author_id), 'meta' (small named values:
// the signed-in member 'me', one delta-pull cursor per account, settings) and 'photos' (the shrunk JPEG Blob of
// each photo with its upload progress, keyPath id, index item_uuid); 'pengumuman' (the Dinas' pengumuman for the
// member, keyPath id, with `account` and the phone-only `read_at`).
//
// Upgrades MIGRATE: each step below only adds what is missing, so a member's unsent items survive every new
// version of the app. Never delete or recreate a store that holds member data here.

const NAME = 'kim';

const STEPS = [
  // version 1
  (db) => {
    if (!db.objectStoreNames.contains('items')) {
      const items = db.createObjectStore('items', { keyPath: 'uuid' });
      items.createIndex('author_id', 'author_id');
    }
    if (!db.objectStoreNames.contains('meta')) db.createObjectStore('meta');
  },
  // version 2: photos
  (db) => {
    if (!db.objectStoreNames.contains('photos')) {
      db.createObjectStore('photos', { keyPath: 'id' }).createIndex('item_uuid', 'item_uuid');
    }
  },
  // version 3: pengumuman. The pull cursors are dropped, so the first pull after the upgrade is a full one and brings
  // the pengumuman published before it (the old app's pulls left them out); the items it repeats are harmless.
  (db, tx) => {
    if (!db.objectStoreNames.contains('pengumuman')) db.createObjectStore('pengumuman', { keyPath: 'id' });
    const store = tx.objectStore('meta');
    const keys = store.getAllKeys();
    keys.onsuccess = () => keys.result.filter((key) => `${key}`.startsWith('cursor:')).forEach((key) => store.delete(key));
  },
];

let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, STEPS.length);
      request.onupgradeneeded = (event) => {
        for (let v = event.oldVersion; v < STEPS.length; v += 1) STEPS[v](request.result, request.transaction);
      };
      request.onsuccess = () => {
        const db = request.result;
        // A newer version of the app (another tab, or a new service worker) wants to upgrade: let it.
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      request.onerror = () => {
        opening = null;
        reject(request.error);
      };
    });
  }
  return opening;
}

// Runs `work(store)` in one transaction; resolves with the result of the request `work` returns (if any)
// once the transaction has committed, so a resolved write is really on disk. With several store names, `work`
// receives the transaction instead of a store.
async function run(storeName, mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    const request = work(Array.isArray(storeName) ? tx : tx.objectStore(storeName));
    tx.oncomplete = () => resolve(request ? request.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

// Read-modify-write in a single transaction, so two writers cannot lose each other's change.
// `change(old)` returns the new record, or null to leave it as it is; resolves with what was written.
async function update(storeName, key, change) {
  let next = null;
  await run(storeName, 'readwrite', (s) => {
    const read = s.get(key);
    read.onsuccess = () => {
      next = change(read.result);
      if (next) s.put(next);
    };
    return null;
  });
  return next;
}

export const items = {
  get: (uuid) => run('items', 'readonly', (s) => s.get(uuid)),
  all: () => run('items', 'readonly', (s) => s.getAll()),
  put: (item) => run('items', 'readwrite', (s) => s.put(item)),
  update: (uuid, change) => update('items', uuid, change),
  // A new item and its photos, stored together or not at all; nothing when an item with its uuid is stored already
  // (the same form saved twice). Resolves true when written.
  add: async (item, photoRecords) => {
    let written = false;
    await run(['items', 'photos'], 'readwrite', (tx) => {
      const store = tx.objectStore('items');
      const read = store.getKey(item.uuid);
      read.onsuccess = () => {
        if (read.result !== undefined) return;
        written = true;
        store.put(item);
        for (const photo of photoRecords) tx.objectStore('photos').put(photo);
      };
      return null;
    });
    return written;
  },
};

export const photos = {
  get: (id) => run('photos', 'readonly', (s) => s.get(id)),
  all: () => run('photos', 'readonly', (s) => s.getAll()),
  ofItem: (uuid) => run('photos', 'readonly', (s) => s.index('item_uuid').getAll(uuid)),
  update: (id, change) => update('photos', id, change),
  remove: (id) => run('photos', 'readwrite', (s) => s.delete(id)),
};

// An item and its photo records changed together in one transaction. `change(item, records)` returns
// {item, records} to write in their place (records no longer listed are deleted), or null to leave both as they are.
export async function changeWithPhotos(uuid, change) {
  let next = null;
  await run(['items', 'photos'], 'readwrite', (tx) => {
    const itemStore = tx.objectStore('items');
    const photoStore = tx.objectStore('photos');
    const readItem = itemStore.get(uuid);
    readItem.onsuccess = () => {
      const readPhotos = photoStore.index('item_uuid').getAll(uuid);
      readPhotos.onsuccess = () => {
        next = readItem.result ? change(readItem.result, readPhotos.result) : null;
        if (!next) return;
        for (const old of readPhotos.result) photoStore.delete(old.id);
        itemStore.put(next.item);
        for (const record of next.records) photoStore.put(record);
      };
    };
    return null;
  });
  return next && next.item;
}

// An item not yet sent, deleted with its photos in one transaction, if `check(item)` still holds when it is read.
// Resolves true when it was deleted.
export async function removeWithPhotos(uuid, check) {
  let removed = false;
  await run(['items', 'photos'], 'readwrite', (tx) => {
    const itemStore = tx.objectStore('items');
    const photoStore = tx.objectStore('photos');
    const readItem = itemStore.get(uuid);
    readItem.onsuccess = () => {
      if (!readItem.result || !check(readItem.result)) return;
      const readPhotos = photoStore.index('item_uuid').getAllKeys(uuid);
      readPhotos.onsuccess = () => {
        for (const id of readPhotos.result) photoStore.delete(id);
        itemStore.delete(uuid);
        removed = true;
      };
    };
    return null;
  });
  return removed;
}

export const pengumuman = {
  all: () => run('pengumuman', 'readonly', (s) => s.getAll()),
  update: (id, change) => update('pengumuman', id, change),
  remove: (id) => run('pengumuman', 'readwrite', (s) => s.delete(id)),
};

// A pull's pengumuman (docs/sync-protocol.md): those listed stored for `account` (keeping read_at), the gone deleted;
// after a pull without a cursor (`all`) every one not listed goes too. Resolves true when anything was there to do.
export async function keepPengumuman(account, { pengumuman: listed = [], pengumuman_gone: gone = [] }, all) {
  if (!listed.length && !gone.length && !all) return false;
  await run('pengumuman', 'readwrite', (s) => {
    const read = s.getAll();
    read.onsuccess = () => {
      const old = new Map(read.result.map((p) => [p.id, p]));
      for (const id of all ? old.keys() : gone) s.delete(id);
      for (const p of listed) s.put({ ...p, account, read_at: (old.get(p.id) || {}).read_at || null });
    };
    return null;
  });
  return true;
}

export const meta = {
  keys: () => run('meta', 'readonly', (s) => s.getAllKeys()),
  get: (key) => run('meta', 'readonly', (s) => s.get(key)),
  set: (key, value) => run('meta', 'readwrite', (s) => s.put(value, key)),
  remove: (key) => run('meta', 'readwrite', (s) => s.delete(key)),
};
