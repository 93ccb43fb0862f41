import { el } from '../list.js';

// "Kabari pelapor": the server's prepared message to the complainant, by WhatsApp or, as this phone last chose, SMS.
export function kabari(box, link) {
  if (!link.whatsapp) {
    const none = el('button', 'secondary', link.alasan);
    none.disabled = true;
    box.append(none);
    return;
  }
  const open = el('a', 'button', 'Kabari pelapor');
  const sms = el('input');
  sms.type = 'checkbox';
  sms.checked = localStorage.getItem('kabari-sms') === '1';
  const pick = () => {
    open.href = sms.checked ? link.sms : link.whatsapp;
    localStorage.setItem('kabari-sms', sms.checked ? '1' : '');
  };
  sms.addEventListener('change', pick);
  pick();
  const label = el('label', 'check', ' lewat SMS');
  label.prepend(sms);
  box.append(open, label);
}
