// The registry of kinds as the server gave it (kim_app/items/kinds.py, `for_phone`): each kind's fields, labels and
// photo limits, the statuses and the history's words. The page finds it in the app shell's JSON block; the service
// worker finds it in self.KIM_REGISTRY, prepended to /sw.js. Read on first use, not on import: a module worker runs
// its own lines after its imports.

let cached = null;

export function registry() {
  if (!cached) {
    const block = typeof document !== 'undefined' ? document.getElementById('kim-registry') : null;
    cached = block ? JSON.parse(block.textContent) : self.KIM_REGISTRY;
  }
  return cached;
}

const kindOf = (kind) => registry().kinds[kind] || null;

// The fields a member fills in for this kind, kategori first; what the outbox keeps and sends.
export const fieldsOf = (kind) => (kindOf(kind) ? kindOf(kind).fields : []);

export const kindLabel = (kind) => (kindOf(kind) ? kindOf(kind).label : kind);

export const isTracked = (kind) => Boolean(kindOf(kind) && kindOf(kind).tracked);

// What lists show as an item's title: its kind's headline field.
export const headlineOf = (item) => (kindOf(item.kind) ? item[kindOf(item.kind).headline] : null) || '';

// `kind` given: a complaint's statuses read as its own lifecycle ("Diverifikasi", not "Disetujui").
export const statusLabel = (status, kind) => (isTracked(kind) && registry().statuses_tracked[status])
  || registry().statuses[status] || status;

export const aduanStatusLabel = (status) => registry().aduan_statuses[status] || null;

export function actionLabel(action, kind) {
  const { actions, actions_tracked: tracked } = registry();
  return (isTracked(kind) && tracked[action]) || actions[action] || action;
}
