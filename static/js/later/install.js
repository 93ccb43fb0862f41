// The in-app install offer: once, right after the member's first saved item (the moment the app has shown what it
// is for), and only when the browser said it can install (beforeinstallprompt, kept by app.js). "Nanti saja" closes
// it for good; the browser's own menu still installs. Imported on demand (sync/shell.py, LATER_DIR).

import { meta } from '../db.js';

export async function offerInstall(prompt) {
  if (await meta.get('install-offered')) return;
  await meta.set('install-offered', new Date().toISOString());
  const box = document.getElementById('install');
  box.hidden = false;
  box.querySelector('[data-install]').addEventListener('click', async () => {
    box.hidden = true;
    prompt.prompt();
    await prompt.userChoice.catch(() => null);
  }, { once: true });
  box.querySelector('[data-later]').addEventListener('click', () => {
    box.hidden = true;
  }, { once: true });
}
