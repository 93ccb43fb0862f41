// Finding one's own items in "Kiriman saya" after months of use: a search box over the phone's own copies (every
// field the member wrote, and a complaint's tracking code), a filter by state, and more of the list on demand.
// Sets list.js's `view` and asks for a redraw. Imported on demand (sync/shell.py, LATER_DIR).

import { view } from '../list.js';
import { fieldsOf } from '../registry.js';
import { isIncomplete } from '../states.js';

const PAGE = 20;

const textOf = (item) => [...fieldsOf(item.kind).map((name) => item[name]), item.tracking_code]
  .filter(Boolean).join(' ').toLowerCase();

// 'belum': anything of it still on the phone; a status: the server's, once the item is complete there.
const inState = (item, photos, state) => (state === 'belum' ? isIncomplete(item, photos)
  : item.state === state && !isIncomplete(item, photos));

export function startFinding(redraw) {
  const search = document.getElementById('cari');
  const filter = document.getElementById('saring');
  const apply = () => {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    const state = filter.value;
    view.limit = PAGE;
    view.keep = !words.length && !state ? null : (item, photos) => (!state || inState(item, photos, state))
      && words.every((word) => textOf(item).includes(word));
    redraw();
  };
  search.addEventListener('input', apply);
  filter.addEventListener('change', apply);
  document.getElementById('more').addEventListener('click', () => {
    view.limit += PAGE;
    redraw();
  });
  document.getElementById('old').addEventListener('click', () => {
    view.old = true;
    redraw();
  });
}
