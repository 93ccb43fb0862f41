"""A KIM's activity (kegiatan) at the desk, as a berita is: in the queue with its own filter and labels, its date and
participants on the item page, approved or refused by a verdict — never on the news portal. A dissemination report
(diseminasi) is never in the queue, but its page, reached by its address, shows it without a verdict to give."""
import csv
import io
import uuid

from sqlalchemy import select

from kim_app.extensions import db
from kim_app.items.models import Item, ItemEvent


def sent_item(app, member, body) -> int:
    assert member.send(body).status_code == 201
    with app.app_context():
        return db.session.scalar(select(Item.id).where(Item.client_uuid == uuid.UUID(body["uuid"])))


def test_an_activity_is_in_the_queue_with_its_kind_and_its_own_filter(app, member, moderator, kegiatan, berita):
    activity = sent_item(app, member, kegiatan(keterangan="Sosialisasi sampah plastik", kategori="sosialisasi"))
    sent_item(app, member, berita(judul="Berita biasa"))
    page = moderator.get("/moderasi").get_data(as_text=True)
    assert f"/moderasi/item/{activity}" in page and "Kegiatan KIM" in page
    only = moderator.get("/moderasi?jenis=kegiatan").get_data(as_text=True)
    assert f"/moderasi/item/{activity}" in only and "Berita biasa" not in only


def test_the_item_page_shows_the_activity_and_approving_it_does_not_publish_it(app, member, moderator, kegiatan,
                                                                                people):
    activity = sent_item(app, member, kegiatan(keterangan="Pelatihan jurnalistik warga", peserta="31"))
    page = moderator.get(f"/moderasi/item/{activity}").get_data(as_text=True)
    for shown in ("Kegiatan KIM", "Pelatihan", "Tanggal kegiatan", "2026-11-27", "Jumlah peserta", "31",
                  "Pelatihan jurnalistik warga", "Setujui", "Tidak dipublikasikan."):
        assert shown in page
    assert moderator.decide(activity, "setujui").status_code == 302
    with app.app_context():
        item = db.session.get(Item, activity)
        assert (item.status, item.published_at, item.is_public) == ("disetujui", None, False)
        events = db.session.scalars(select(ItemEvent).where(ItemEvent.item_id == activity)).all()
        assert [(e.action, e.to_status, e.actor_id) for e in events] == [
            ("kirim", "menunggu", people.anggota), ("setujui", "disetujui", people.moderator)]
    member_view = member.get("/api/v1/items").json["items"][0]
    assert member_view["status"] == "disetujui" and member_view["public_url"] is None
    assert "Pelatihan jurnalistik warga" not in app.test_client().get("/").get_data(as_text=True)


def test_an_activity_can_be_sent_back_for_revision_and_corrected(app, member, moderator, kegiatan):
    body = kegiatan()
    activity = sent_item(app, member, body)
    moderator.decide(activity, "revisi", "Tulis jumlah peserta yang benar.")
    revised = member.post_json(f"/api/v1/items/{body['uuid']}/revisions", {
        **{k: body[k] for k in ("author_id", "kategori", "tanggal", "keterangan")},
        "peserta": "30", "captured_at": "2026-11-29T01:00:00Z", "revision": 2})
    assert revised.status_code == 201, revised.json
    assert (revised.json["status"], revised.json["peserta"]) == ("menunggu", "30")
    bad = member.post_json(f"/api/v1/items/{body['uuid']}/revisions", {
        **{k: body[k] for k in ("author_id", "kategori", "keterangan")},
        "tanggal": "kemarin", "captured_at": "2026-11-29T02:00:00Z", "revision": 3})
    assert bad.status_code == 422
    assert bad.json["errors"]["tanggal"] == ["Tanggal kegiatan harus dalam format TTTT-BB-HH."]


def test_a_report_is_never_in_the_queue_but_its_page_shows_it_without_verdicts(app, member, moderator, diseminasi):
    report = sent_item(app, member, diseminasi(keterangan="Lewat grup WA RT 03"))
    assert f"/moderasi/item/{report}" not in moderator.get("/moderasi").get_data(as_text=True)
    assert f"/moderasi/item/{report}" not in moderator.get("/moderasi?jenis=diseminasi").get_data(as_text=True)
    response = moderator.get(f"/moderasi/item/{report}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for shown in ("Laporan penyebaran", "Grup WhatsApp", "Tercatat", "Dilaporkan", "Lewat grup WA RT 03", "150"):
        assert shown in page
    assert 'value="setujui"' not in page
    refused = moderator.decide(report, "setujui")
    assert refused.status_code in (302, 409)
    with app.app_context():
        assert db.session.get(Item, report).status == "tercatat"


def test_the_dashboard_counts_activities_as_received_and_leaves_reports_out(app, member, moderator, kegiatan,
                                                                             diseminasi):
    sent_item(app, member, kegiatan())
    sent_item(app, member, diseminasi())
    assert moderator.get("/moderasi/dasbor").status_code == 200
    rows = list(csv.reader(io.StringIO(moderator.get("/moderasi/dasbor.csv").get_data(as_text=True).lstrip("\ufeff"))))
    total = next(row for row in rows[1:] if row[2] == "Jumlah")
    assert total[3] == "1"  # received for judging: the activity; the report is only recorded
