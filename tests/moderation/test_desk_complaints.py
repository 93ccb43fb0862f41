"""Complaints: a tracking code on receipt, the lifecycle with its one table of moves, the overdue flag, and the public
status check that never names the complainant."""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kim_app.extensions import db
from kim_app.items import services as items
from kim_app.items.models import Item, ItemEvent
from kim_app.moderation import deadlines
from kim_app.timeutil import utcnow
from tests.helpers import page_version

NAME, PHONE = "Pelapor Rahasia Zet", "0813 7777 1234"


def test_complaint_gets_a_tracking_code_in_its_answer(member, aduan, berita):
    answer = member.send(aduan()).json
    code = answer["tracking_code"]
    assert len(code) == 8 and set(code) <= set(items.ALPHABET)
    assert answer["aduan_status"] == "diterima"
    assert member.send(berita()).json["tracking_code"] is None


def test_a_taken_code_is_drawn_again(app, member, aduan, monkeypatch):
    first = member.send(aduan()).json["tracking_code"]
    codes = iter([first, "ZZZZ2222"])
    monkeypatch.setattr(items, "new_tracking_code", lambda: next(codes))
    assert member.send(aduan()).json["tracking_code"] == "ZZZZ2222"


def advance(moderator, item_id, action, text=""):
    token, version = page_version(moderator, item_id)
    return moderator.client.post(f"/moderasi/item/{item_id}/aduan",
                                 data={"csrf_token": token, "version": version, "action": action, "text": text})


def test_lifecycle_moves_in_order_and_is_public_without_the_complainant(app, member, moderator, send_item, aduan):
    body = aduan(pelapor_nama=NAME, pelapor_telepon=PHONE, uraian="Pipa bocor di dusun 2")
    item_id = send_item(member, body)
    assert advance(moderator, item_id, "teruskan", "Dinas PUPR").status_code == 302  # not verified yet: refused
    moderator.decide(item_id, "setujui")
    advance(moderator, item_id, "teruskan", "Dinas PUPR Kabupaten Belu")
    advance(moderator, item_id, "tindaklanjuti", "Pipa diganti pada 2 Desember.")
    advance(moderator, item_id, "selesai")
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert (item.aduan_status, item.opd) == ("selesai", "Dinas PUPR Kabupaten Belu")
        actions = db.session.scalars(select(ItemEvent.action).where(ItemEvent.item_id == item_id))
        assert list(actions) == ["kirim", "setujui", "teruskan", "tindaklanjuti", "selesai"]
        code = item.tracking_code
    visitor = app.test_client()
    page = visitor.get(f"/aduan/{code.lower()}").get_data(as_text=True)
    assert "Selesai" in page and "Pipa diganti pada 2 Desember." in page and "Dinas PUPR Kabupaten Belu" in page
    for secret in (NAME, PHONE, "Pipa bocor", "Yohanes", "Maria Luruk"):
        assert secret not in page
    assert visitor.get(f"/aduan/cek?kode={code[:4]}-{code[4:]}").headers["Location"].endswith(f"/aduan/{code}")


def test_follow_up_needs_its_text(app, member, moderator, send_item, aduan):
    item_id = send_item(member, aduan())
    moderator.decide(item_id, "setujui")
    advance(moderator, item_id, "teruskan", "  ")
    assert "Tulis OPD" in moderator.get(f"/moderasi/item/{item_id}").get_data(as_text=True)


def test_rejected_complaint_shows_only_a_preset_reason(app, member, moderator, send_item, aduan):
    item_id = send_item(member, aduan())
    moderator.decide(item_id, "tolak", "Bukan wewenang pemerintah daerah")
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert item.aduan_status == "ditolak"
        code = item.tracking_code
    assert "Bukan wewenang" in app.test_client().get(f"/aduan/{code}").get_data(as_text=True)


def test_unknown_and_malformed_codes_look_the_same(app, member, aduan, berita):
    member.send(berita())
    visitor = app.test_client()
    assert visitor.get("/aduan/ZZZZZZZZ").status_code == 404
    assert visitor.get("/aduan/x").status_code == 404


@pytest.mark.parametrize("received, now, overdue", [
    # Friday 10.00 WITA: due Wednesday 10.00 (the weekend does not count).
    ("2026-11-27T02:00:00", "2026-12-02T01:59:00", False),
    ("2026-11-27T02:00:00", "2026-12-02T02:01:00", True),
    # Monday 10.00 WITA: due Thursday 10.00.
    ("2026-11-30T02:00:00", "2026-12-03T01:00:00", False),
    ("2026-11-30T02:00:00", "2026-12-03T03:00:00", True),
])
def test_overdue_after_three_working_days_unverified(received, now, overdue):
    item = Item(kind="aduan", aduan_status="diterima",
                received_at=datetime.fromisoformat(received).replace(tzinfo=timezone.utc))

    assert deadlines.is_overdue(item, datetime.fromisoformat(now).replace(tzinfo=timezone.utc)) is overdue


def test_overdue_complaint_is_flagged_in_the_queue(app, member, moderator, send_item, aduan):
    item_id = send_item(member, aduan())
    with app.app_context():
        item = db.session.get(Item, item_id)
        item.received_at = datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc)
        db.session.commit()
    assert "Terlambat" in moderator.get("/moderasi").get_data(as_text=True)


@pytest.mark.parametrize("received, due", [
    # Saturday 10.00 WITA: counting starts on Monday 00.00, so the complaint is due on Thursday 00.00 — not on
    # Wednesday 10.00, which the item page once said while the dashboard said Thursday.
    ("2026-11-28T10:00", "2026-12-03T00:00"),
    # Sunday 23.30 WITA: the same Thursday 00.00.
    ("2026-11-29T23:30", "2026-12-03T00:00"),
    # Friday 10.00 WITA: 14 hours on Friday, then Monday and Tuesday, and 10 hours of Wednesday.
    ("2026-11-27T10:00", "2026-12-02T10:00"),
])
def test_verification_deadline_counts_working_time_in_wita(received, due):
    wita = deadlines.WITA
    deadline = deadlines.verification_deadline(datetime.fromisoformat(received).replace(tzinfo=wita))
    assert deadline == datetime.fromisoformat(due).replace(tzinfo=wita)


def test_item_page_queue_and_dashboard_agree_on_a_complaint_received_on_a_saturday(
    app, member, moderator, send_item, aduan
):
    """Two complaints received on Saturdays: one whose deadline (a Thursday 00.00 WITA) has just passed, one whose
    deadline is still ahead. Each of the three desk views must call the first late and the second not."""
    now_wita = utcnow().astimezone(deadlines.WITA)
    # The Saturday whose Thursday-midnight deadline came most recently before now, and the one after it.
    thursday = datetime.combine(now_wita.date(), datetime.min.time(), deadlines.WITA)
    while thursday.weekday() != 3 or thursday > now_wita:
        thursday -= timedelta(days=1)
    saturdays = {"late": thursday - timedelta(days=5) + timedelta(hours=10),
                 "on_time": thursday + timedelta(days=2, hours=10)}
    ids = {}
    for name, saturday in saturdays.items():
        ids[name] = send_item(member, aduan())
        with app.app_context():
            db.session.get(Item, ids[name]).received_at = saturday
            db.session.commit()

    def late_on_item_page(item_id):
        page = moderator.get(f"/moderasi/item/{item_id}").get_data(as_text=True)
        return "Terlambat: verifikasi paling lambat" in page

    queue = moderator.get("/moderasi").get_data(as_text=True)
    dashboard = moderator.get("/moderasi/dasbor").get_data(as_text=True)

    def late_in_queue(item_id):
        (row,) = [row for row in queue.split("<tr") if f'href="/moderasi/item/{item_id}"' in row]
        return "Terlambat" in row

    assert late_on_item_page(ids["late"]) and late_in_queue(ids["late"])
    assert f'href="/moderasi/item/{ids["late"]}"' in dashboard.split("aduan menunggu lebih dari 3 hari kerja", 1)[1]
    assert not late_on_item_page(ids["on_time"]) and not late_in_queue(ids["on_time"])
    assert f'href="/moderasi/item/{ids["on_time"]}"' not in dashboard


@settings(max_examples=300, deadline=None)
@given(now=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)),
       waited=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=8)),
       off_by=st.sampled_from([timedelta(0), timedelta(microseconds=1), -timedelta(microseconds=1)]))
def test_one_moment_of_receipt_splits_overdue_from_not_yet(now, waited, off_by):
    """The dashboard finds overdue complaints by `received_at < overdue_before(now)`; the item page asks
    `is_overdue`. Around any moment, to the microsecond, both must give the same answer."""
    now = now.replace(tzinfo=timezone.utc)
    boundary = deadlines.overdue_before(now)
    for received in (now - waited, boundary + off_by):
        item = Item(kind="aduan", aduan_status="diterima", received_at=received)
        assert deadlines.is_overdue(item, now) is (received < boundary), (received, now, boundary)
