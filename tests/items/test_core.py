"""The item core as pure rules, with no database: the table of status moves, the registry of kinds and what the
phone reads of it, and the one rule for an overdue complaint. The behaviour through the API and the desk is tested
in tests/sync/ and tests/moderation/; here each rule is checked on its own, so a wrong entry fails where it is."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import pairwise

import pytest

from kim_app.items import kinds
from kim_app.items.statuses import FOLLOW_UP, MOVES, VERDICTS, Actor, AduanStatus, Status
from kim_app.moderation.deadlines import NEVER_OVERDUE_BEFORE, verification_deadline, working_seconds
from kim_app.timeutil import WITA


def reachable_from_sending() -> set[Status]:
    reached, frontier = set(), {None}
    while frontier:
        status = frontier.pop()
        for move in MOVES.values():
            if status in move.leaves and move.reaches is not None and move.reaches not in reached:
                reached.add(move.reaches)
                frontier.add(move.reaches)
    return reached


def test_every_status_can_be_reached_from_sending_an_item():
    assert reachable_from_sending() == set(Status)


def test_an_item_enters_the_queue_by_being_sent_or_by_its_revision_and_by_nothing_else():
    assert {name for name, move in MOVES.items() if move.enters_queue} == {"kirim", "kirim_revisi"}


def test_members_send_and_revise_and_only_moderators_judge():
    assert all(MOVES[name].by is Actor.MODERATOR for name in (*VERDICTS, *FOLLOW_UP, "sunting"))
    assert {MOVES["kirim"].by, MOVES["kirim_revisi"].by} == {Actor.ANGGOTA}


def test_a_rejection_and_a_request_for_revision_must_say_why_in_indonesian():
    for name in ("tolak", "revisi"):
        assert MOVES[name].needs == "note"
        assert MOVES[name].needs_message.startswith("Tulis")


def test_a_complaints_follow_up_walks_its_lifecycle_in_order_and_applies_to_complaints_only():
    lifecycle = [MOVES["setujui"].aduan[1]] + [MOVES[name].aduan[1] for name in FOLLOW_UP]
    assert lifecycle == [AduanStatus.DIVERIFIKASI, AduanStatus.DITERUSKAN, AduanStatus.DITINDAKLANJUTI,
                         AduanStatus.SELESAI]
    for earlier, later in pairwise(FOLLOW_UP):
        assert MOVES[later].aduan[0] == MOVES[earlier].aduan[1]
    assert all(MOVES[name].applies_to("aduan") and not MOVES[name].applies_to("berita") for name in FOLLOW_UP)


def test_approving_a_complaint_reads_as_verifying_it():
    assert MOVES["setujui"].label_for(tracked=True) == "Diverifikasi"
    assert MOVES["setujui"].label_for(tracked=False) == "Disetujui"


def test_the_complainants_name_and_number_are_private_and_never_in_a_public_kind():
    private = {f.name for kind in kinds.KINDS.values() for f in kind.fields if f.private}
    assert private == {"pelapor_nama", "pelapor_telepon"}
    assert not any(f.private for name in kinds.PUBLIC_KINDS for f in kinds.KINDS[name].fields)
    assert "aduan" not in kinds.PUBLIC_KINDS


def test_the_registry_names_in_words_every_missing_required_field_and_every_stray_one():
    errors = kinds.errors_for("berita", {"kategori": "pertanian", "uraian": "bukan untuk berita"}, photos=[])
    assert errors == {"judul": ["Wajib diisi."], "isi": ["Wajib diisi."], "uraian": ["Tidak dipakai untuk berita."]}
    assert kinds.errors_for("foto", {"kategori": "budaya", "keterangan": "Tarian"}, photos=[])["photos"] == [
        kinds.KINDS["foto"].photo_required_message]
    assert kinds.errors_for("berita", {"kategori": "tidak-ada", "judul": "J", "isi": "I"}) == {
        "kategori": ["Kategori tidak dikenal."]}


def test_the_phone_reads_every_kind_field_status_and_move_from_the_same_registry():
    phone = kinds.for_phone()
    assert set(phone["kinds"]) == set(kinds.KINDS)
    for name, kind in kinds.KINDS.items():
        assert phone["kinds"][name]["fields"] == ["kategori", *kind.field_names]
    assert set(phone["statuses"]) == {str(status) for status in Status}
    assert set(phone["actions"]) == set(MOVES)


def wita(*args) -> datetime:
    return datetime(*args, tzinfo=WITA)


@pytest.mark.parametrize(("received", "due"), [
    (wita(2026, 11, 30, 10, 0), wita(2026, 12, 3, 10, 0)),  # Monday 10.00 → Thursday 10.00
    (wita(2026, 12, 4, 16, 0), wita(2026, 12, 9, 16, 0)),  # Friday 16.00 → Wednesday 16.00, over the weekend
    (wita(2026, 12, 5, 10, 0), wita(2026, 12, 10, 0, 0)),  # Saturday → Thursday 00.00, counted from Monday
    (wita(2026, 12, 6, 23, 59), wita(2026, 12, 10, 0, 0)),  # Sunday night: the same
])
def test_a_complaint_is_due_three_working_days_after_it_is_received_in_wita(received, due):
    assert verification_deadline(received) == due.astimezone(timezone.utc)
    assert working_seconds(received, due) == timedelta(days=3).total_seconds()
    assert due - received >= NEVER_OVERDUE_BEFORE


def test_a_kims_profile_lists_the_published_kinds_and_never_complaints():
    shown = kinds.profile_kinds()
    assert {"berita", "foto"} <= set(shown)
    assert "aduan" not in shown
