// The states an item goes through and how each is shown to the member (table in docs/sync-protocol.md).
// The first three exist only on the phone; the rest are the server's status, copied back by the sync.

const LABELS = {
  tersimpan: 'Tersimpan di HP',
  mengirim: 'Sedang dikirim',
  gagal: 'Gagal dikirim',
  menunggu: 'Terkirim (menunggu moderasi)',
  disetujui: 'Disetujui',
  ditolak: 'Ditolak',
  perlu_revisi: 'Perlu revisi',
};

const UNSENT = new Set(['tersimpan', 'mengirim', 'gagal']);

// Items the sender picks up. 'mengirim' is here because a run that died mid-send (tab closed, phone off)
// leaves its item in that state; sending again is harmless since creation is idempotent on the uuid.
const SENDABLE = new Set(['tersimpan', 'mengirim']);

export const isUnsent = (item) => UNSENT.has(item.state);

export const isSendable = (item) => SENDABLE.has(item.state);

export function stateLabel(item) {
  const base = LABELS[item.state] || item.state;
  const reason = item.state === 'gagal' ? item.reason
    : (item.state === 'ditolak' || item.state === 'perlu_revisi') ? item.moderator_note
      : null;
  return reason ? `${base}: ${reason}` : base;
}
