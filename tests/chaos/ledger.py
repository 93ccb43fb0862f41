"""What the phone captured against what the server stored, item by item (tests/chaos/).

The phone's IndexedDB records are the truth of what members captured. Every one of them must be on the server once,
under its UUID, with the same author and content, in exactly one row with exactly one "kirim" audit event, and the
phone must know it arrived. Every declared photo must be complete and verified. Nothing else may be on the server.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from kim_app.extensions import db
from kim_app.items.models import Item, ItemEvent, Photo
from kim_app.timeutil import as_utc

CONTENT = ("kind", "kategori", "desa_kode", "judul", "isi", "uraian", "lokasi", "pelapor_nama", "pelapor_telepon",
           "keterangan")
UNSENT = ("tersimpan", "mengirim", "gagal")


def server_rows(app) -> list[dict]:
    """Every stored item as a dict shaped like a phone record, with its photos and its count of "kirim" events."""
    with app.app_context():
        sends = dict(db.session.execute(
            select(ItemEvent.item_id, func.count())
            .where(ItemEvent.action == "kirim").group_by(ItemEvent.item_id)
        ).all())
        photos: dict[int, list[dict]] = {}
        for photo in db.session.scalars(select(Photo).order_by(Photo.item_id, Photo.position)):
            photos.setdefault(photo.item_id, []).append({
                "id": str(photo.id), "sha256": photo.sha256, "size": photo.size,
                "received": photo.received, "state": photo.state, "error": photo.error,
            })
        rows = []
        for item in db.session.scalars(select(Item).order_by(Item.id)):
            row = {name: getattr(item, name) for name in CONTENT}
            row.update(uuid=str(item.client_uuid), author_id=item.author_id, captured_at=as_utc(item.captured_at),
                       status=item.status, sends=sends.get(item.id, 0), photos=photos.get(item.id, []))
            rows.append(row)
        db.session.remove()
    return rows


def _instant(value: str) -> datetime:
    return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))


@dataclass
class Ledger:
    captured: int = 0
    delivered: int = 0
    lost: list[str] = field(default_factory=list)  # on the phone, not on the server (or not complete there)
    duplicated: list[str] = field(default_factory=list)  # on the server more than once, or never captured
    different: list[str] = field(default_factory=list)  # on the server, but not as captured
    stuck: list[str] = field(default_factory=list)  # on the server, but the phone does not know it yet

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.different or self.stuck)

    def report(self) -> str:
        lines = [f"{self.captured} captured, {self.delivered} delivered, {len(self.lost)} lost, "
                 f"{len(self.duplicated)} duplicated, {len(self.different)} different, {len(self.stuck)} stuck"]
        for name in ("lost", "duplicated", "different", "stuck"):
            lines += [f"  {name}: {entry}" for entry in getattr(self, name)[:10]]
        return "\n".join(lines)


def reconcile(phone_items: list[dict], rows: list[dict], phone_photos: list[dict] = ()) -> Ledger:
    ledger = Ledger(captured=len(phone_items))
    by_uuid: dict[str, list[dict]] = {}
    for row in rows:
        by_uuid.setdefault(row["uuid"], []).append(row)
    on_phone = {item["uuid"] for item in phone_items}
    ledger.duplicated += [f"{uuid}: {len(found)} rows" for uuid, found in by_uuid.items() if len(found) > 1]
    ledger.duplicated += [f"{uuid}: on the server, never captured on this phone" for uuid in by_uuid
                          if uuid not in on_phone]
    # The same captured text under two UUIDs would be a duplicate the unique constraint cannot see.
    texts = Counter((row["kind"], row["judul"], row["uraian"], row["keterangan"]) for row in rows)
    ledger.duplicated += [f"{text}: stored {n} times" for text, n in texts.items() if n > 1]
    photo_state = {photo["id"]: photo for photo in phone_photos}

    for item in phone_items:
        found = by_uuid.get(item["uuid"])
        text = item.get("judul") or item.get("uraian") or item.get("keterangan")
        name = f"{item['uuid']} ({item['kind']} {text!r:.40})"
        if not found:
            ledger.lost.append(f"{name}: not on the server; phone state {item['state']} {item.get('reason') or ''}")
            continue
        row = found[0]
        differences = [f"{key}: phone {item.get(key)!r} server {row[key]!r}" for key in CONTENT
                       if item.get(key) != row[key]]
        if item["author_id"] != row["author_id"]:
            differences.append(f"author: phone {item['author_id']} server {row['author_id']}")
        if _instant(item["captured_at"]) != row["captured_at"]:
            differences.append(f"captured_at: phone {item['captured_at']} server {row['captured_at']}")
        declared = [(p["id"], p["sha256"], p["size"]) for p in item.get("photos") or []]
        if declared != [(p["id"], p["sha256"], p["size"]) for p in row["photos"]]:
            differences.append(f"photos: phone {declared} server {row['photos']}")
        if differences:
            ledger.different.append(f"{name}: " + "; ".join(differences))
            continue
        if row["sends"] != 1:
            ledger.duplicated.append(f"{name}: {row['sends']} 'kirim' events for one item")
        incomplete = [p for p in row["photos"] if p["state"] != "siap" or p["received"] != p["size"]]
        if incomplete:
            ledger.lost.append(f"{name}: photos incomplete on the server {incomplete}")
            continue
        ledger.delivered += 1
        waiting = [p["id"] for p in row["photos"] if photo_state.get(p["id"], {}).get("state") != "siap"]
        if item["state"] in UNSENT or item["state"] != row["status"] or waiting:
            ledger.stuck.append(f"{name}: phone state {item['state']}, server {row['status']}, "
                                f"photos not siap on the phone {waiting}")
    return ledger


def assert_all_arrived_once(app, phone, proxy, server, expected: int) -> None:
    items, photos = phone.outbox()
    ledger = reconcile(items, server_rows(app), photos)
    print(ledger.report())
    print(proxy.summary())
    assert ledger.clean, f"{proxy.summary()}\n{ledger.report()}"
    assert ledger.captured == ledger.delivered == expected
    assert server.errors_in_log() == [], "\n".join(server.errors_in_log())
    assert 500 not in proxy.upstream_statuses(), proxy.upstream_statuses()

