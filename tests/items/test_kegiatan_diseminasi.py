"""The registry's rules for a KIM's activity (kegiatan) and a dissemination report (diseminasi), with no database:
their fields' dates and numbers, the move `lapor` that records a report outside the queue, and what the phone reads."""
from __future__ import annotations

from datetime import timedelta

import pytest

from kim_app.items import kinds
from kim_app.items.statuses import MOVES, STATUS_LABELS, Actor, Status, first_move
from kim_app.timeutil import utcnow

KEGIATAN = {"kategori": "pertemuan", "tanggal": "2026-11-27", "keterangan": "Rapat pengurus KIM", "peserta": "12"}
DISEMINASI = {"kategori": "pertemuan_warga", "pengumuman": "3", "tanggal": "2026-11-28", "jangkauan": "40"}


def test_valid_activity_and_report_have_no_errors():
    assert kinds.errors_for("kegiatan", KEGIATAN, photos=[]) == {}
    assert kinds.errors_for("diseminasi", DISEMINASI, photos=[]) == {}
    # The number of participants may be left out; the reach of a report may not.
    assert kinds.errors_for("kegiatan", {**KEGIATAN, "peserta": None}) == {}
    assert kinds.errors_for("diseminasi", {**DISEMINASI, "jangkauan": None}) == {"jangkauan": ["Wajib diisi."]}


@pytest.mark.parametrize("tanggal", ["27-11-2026", "2026-11-31", "2026/11/27", "20261127", "1999-12-31",
                                     "2026-W48-5", "kemarin", "２０２６-11-27"])
def test_a_date_that_is_not_a_day_in_the_window_is_refused_in_indonesian(tanggal):
    errors = kinds.errors_for("kegiatan", {**KEGIATAN, "tanggal": tanggal})
    assert list(errors) == ["tanggal"]
    assert errors["tanggal"][0].startswith("Tanggal kegiatan harus")


def test_a_date_may_be_a_few_days_ahead_for_a_wrong_clock_but_not_more():
    today = utcnow().date()
    near = (today + timedelta(days=kinds.DATE_DAYS_AHEAD)).isoformat()
    far = (today + timedelta(days=kinds.DATE_DAYS_AHEAD + 1)).isoformat()
    assert kinds.errors_for("kegiatan", {**KEGIATAN, "tanggal": near}) == {}
    assert kinds.errors_for("kegiatan", {**KEGIATAN, "tanggal": far}) == {
        "tanggal": [f"Tanggal kegiatan harus antara 2000-01-01 dan {near}."]
    }
    assert kinds.errors_for("kegiatan", {**KEGIATAN, "tanggal": "2000-01-01"}) == {}


@pytest.mark.parametrize("peserta", ["-1", "1.000", "1,5", "12 orang", " 12", "+3", "٣", "1000001", "1e3",
                                     "99999999999"])
def test_a_number_is_digits_only_within_its_range(peserta):
    errors = kinds.errors_for("kegiatan", {**KEGIATAN, "peserta": peserta})
    assert errors == {"peserta": ["Harus angka bulat dari 0 sampai 1.000.000, tanpa titik."]}


def test_numbers_at_the_edges_of_the_range_are_taken():
    for peserta in ("0", "1000000", "007"):
        assert kinds.errors_for("kegiatan", {**KEGIATAN, "peserta": peserta}) == {}


def test_a_report_names_its_pengumuman_by_a_positive_id():
    for pengumuman in ("0", "-4", "abc", "2147483648"):
        assert list(kinds.errors_for("diseminasi", {**DISEMINASI, "pengumuman": pengumuman})) == ["pengumuman"]
    assert kinds.errors_for("diseminasi", {**DISEMINASI, "pengumuman": "2147483647"}) == {}
    assert kinds.errors_for("diseminasi", {**DISEMINASI, "pengumuman": None}) == {"pengumuman": ["Wajib diisi."]}


def test_categories_photos_and_foreign_fields_follow_the_kind():
    assert kinds.errors_for("kegiatan", {**KEGIATAN, "kategori": "ekonomi"}) == {
        "kategori": ["Kategori tidak dikenal."]
    }
    assert kinds.errors_for("diseminasi", {**DISEMINASI, "judul": "Judul"}) == {
        "judul": ["Tidak dipakai untuk diseminasi."]
    }
    assert kinds.errors_for("kegiatan", {**KEGIATAN, "jangkauan": "3"}) == {
        "jangkauan": ["Tidak dipakai untuk kegiatan."]
    }
    assert list(kinds.errors_for("diseminasi", DISEMINASI, photos=[{}, {}])) == ["photos"]
    assert kinds.errors_for("kegiatan", KEGIATAN, photos=[{}] * 5) == {}


def test_the_kinds_are_named_as_every_branch_names_them():
    kegiatan, diseminasi = kinds.KINDS["kegiatan"], kinds.KINDS["diseminasi"]
    assert [value for value, _ in kegiatan.kategori] == ["pertemuan", "pelatihan", "sosialisasi", "liputan", "lainnya"]
    assert [value for value, _ in diseminasi.kategori] == [
        "pertemuan_warga", "grup_whatsapp", "papan_pengumuman", "mulut_ke_mulut", "lainnya"]
    assert kegiatan.field_names == ("tanggal", "keterangan", "peserta")
    assert kegiatan.required == ("tanggal", "keterangan")
    assert diseminasi.field_names == ("pengumuman", "tanggal", "jangkauan", "keterangan")
    assert diseminasi.required == ("pengumuman", "tanggal", "jangkauan")
    assert (kegiatan.max_photos, diseminasi.max_photos) == (5, 1)
    assert not kegiatan.public and not diseminasi.public
    assert kinds.PROFILE_KINDS == ("berita", "foto", "kegiatan")
    assert [name for name, kind in kinds.KINDS.items() if not kind.menu] == ["diseminasi"]


def test_a_report_is_recorded_by_lapor_outside_the_queue_and_everything_else_is_sent_by_kirim():
    lapor = MOVES["lapor"]
    assert (lapor.leaves, lapor.reaches, lapor.by, lapor.kinds) == ((None,), Status.TERCATAT, Actor.ANGGOTA,
                                                                    ("diseminasi",))
    assert not lapor.enters_queue
    assert lapor.label == "Dilaporkan" and STATUS_LABELS[Status.TERCATAT] == "Tercatat"
    assert {name: first_move(name).action for name in kinds.KINDS} == {
        "berita": "kirim", "aduan": "kirim", "foto": "kirim", "kegiatan": "kirim", "diseminasi": "lapor"}
    # Nothing leaves `tercatat` but a photo withdrawn: no verdict, no revision.
    assert [name for name, move in MOVES.items() if Status.TERCATAT in move.leaves] == ["hapus_foto"]


def test_the_phone_reads_the_new_kinds_their_form_place_and_first_status():
    phone = kinds.for_phone()
    assert phone["kinds"]["diseminasi"]["menu"] is False and phone["kinds"]["kegiatan"]["menu"] is True
    assert phone["kinds"]["diseminasi"]["first_status"] == "tercatat"
    assert phone["kinds"]["kegiatan"]["fields"] == ["kategori", "tanggal", "keterangan", "peserta"]
    assert phone["statuses"]["tercatat"] == "Tercatat" and phone["actions"]["lapor"] == "Dilaporkan"
