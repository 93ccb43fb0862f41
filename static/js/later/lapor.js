// "Sudah disebarkan": the dissemination report of one pengumuman. Its capture form is drawn hidden in the shell from
// the registry (kind `diseminasi`, <details id="lapor-diseminasi">); the pengumuman the member reads opens it here,
// with the pengumuman's id in the form's hidden field and its title shown. Saved, it goes into the outbox like any
// item (capture.js), offline too.

// The phone's own calendar day, as a date input writes it: the report's date starts as today.
function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function openDiseminasi(pengumumanId, judul) {
  const box = document.getElementById('lapor-diseminasi');
  const form = box.querySelector('form[data-kind="diseminasi"]');
  const { elements } = form;
  if (elements.pengumuman.value !== String(pengumumanId)) {
    form.reset();
    elements.pengumuman.value = String(pengumumanId);
  }
  if (!elements.tanggal.value) elements.tanggal.value = today();
  box.querySelector('[data-judul]').textContent = judul || '';
  form.querySelector('[data-saved]').textContent = '';
  box.hidden = false;
  box.open = true;
  box.scrollIntoView({ block: 'start' });
  elements.kategori.focus();
  return form;
}
