"""What each kind of push says, in plain Indonesian: keyword arguments for `services.push_to_account`.

A notification shows on the lock screen, to whoever holds the phone. So these texts are built from our own words,
labels and codes only — never from what a member or a citizen typed, never a complainant's name or number. Each
opens the place in the app where the member reads the rest after signing in.
"""
from __future__ import annotations

VERDICTS = {
    "disetujui": ("Kiriman Anda disetujui", "{label} Anda sudah disetujui moderator."),
    "ditolak": ("Kiriman Anda ditolak", "{label} Anda ditolak moderator. Buka aplikasi untuk melihat alasannya."),
    "perlu_revisi": ("Kiriman Anda perlu diperbaiki",
                     "Moderator meminta perbaikan {label_lower} Anda. Buka aplikasi untuk melihat catatannya."),
}


def _item(item_uuid) -> dict:
    return {"url": f"/app#item={item_uuid}", "tag": f"item-{item_uuid}"}


def verdict(item_uuid, kind_label: str, status: str) -> dict:
    """A moderator decided on the member's item. kind_label: 'Berita', 'Aduan', 'Cerita foto'."""
    title, body = VERDICTS[status]
    return {"kind": "verdict", "title": title,
            "body": body.format(label=kind_label, label_lower=kind_label.lower()), **_item(item_uuid)}


def aduan_status(item_uuid, tracking_code: str, status_label: str) -> dict:
    """A complaint the member recorded moved on; the tracking code is the one the member gives the citizen."""
    return {"kind": "aduan_status", "title": "Status aduan berubah",
            "body": f"Aduan {tracking_code}: {status_label}.", **_item(item_uuid)}


def pengumuman(judul: str, url: str) -> dict:
    """A new announcement of the Dinas (public text, written by the Dinas itself)."""
    return {"kind": "pengumuman", "title": "Pengumuman baru", "body": judul[:240], "url": url, "tag": "pengumuman"}


def antrean(count: int) -> dict:
    """Moderators: items came into their queue (one batch; the newest replaces the older on the screen). The count
    only: nothing of the items, whose complaints may name people."""
    return {"kind": "antrean", "title": "Antrean moderasi",
            "body": f"{count} kiriman baru menunggu moderasi.", "url": "/moderasi", "tag": "antrean"}
