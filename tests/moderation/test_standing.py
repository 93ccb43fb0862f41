"""A KIM group's monthly standing ("Peringkat KIM"): counted from the audit log, weighted, ranked, scoped to the
desk's area, downloadable as CSV — and the same numbers for a past month whenever they are computed.

Most tests write the audit trail of past months directly (items and their events at chosen times): the live moves
stamp events with the present, and a month's standing is about what happened in it. One test goes through the real
desk to show that its verdicts are what the standing counts.
"""
from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select, update

from kim_app import config as kim_config
from kim_app import create_app, inputs
from kim_app.accounts.services import find_user
from kim_app.extensions import db
from kim_app.items import kinds
from kim_app.items.models import Item, ItemEvent
from kim_app.moderation import standing
from kim_app.pengumuman import services as pengumuman_services
from kim_app.pengumuman.forms import Draft
from kim_app.timeutil import WITA
from kim_app.wilayah.models import Desa, KimGroup
from kim_app.wilayah.services import ensure_kim_group

OCTOBER, NOVEMBER = date(2026, 10, 1), date(2026, 11, 1)
WEIGHTS = {"berita": 3, "foto": 1, "kegiatan": 2, "diseminasi": 2, "diseminasi_cepat": 1, "aduan": 2}


def wita(year, month, day, hour=10, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WITA).astimezone(timezone.utc)


@pytest.fixture
def groups(app, people):
    """KIM Kabuna and KIM Maudemu (Belu, from the demo), KIM Kota Lama (Kupang, another kabupaten), all registered
    at the start of the year. Returns {nama: id}."""
    with app.app_context():
        kupang_desa = db.session.scalar(select(Desa.kode).where(Desa.kode.like("53.01.%")).order_by(Desa.kode))
        ensure_kim_group("KIM Kota Lama", kupang_desa)
        db.session.execute(update(KimGroup).values(created_at=datetime(2026, 1, 1, tzinfo=timezone.utc)))
        db.session.commit()
        found = dict(db.session.execute(select(KimGroup.nama, KimGroup.id)).all())
        db.session.remove()
    return found


@pytest.fixture
def record(app, people):
    """Write an item of a KIM group and its moves at the given moments, as the audit log keeps them."""

    def make(kim_id: int, kind: str, *moves: tuple[str, datetime], rincian: dict | None = None) -> int:
        with app.app_context():
            group = db.session.get(KimGroup, kim_id)
            status = {"setujui": "disetujui", "tolak": "ditolak", "lapor": "tercatat"}.get(moves[-1][0], "menunggu")
            tracked = kinds.KINDS[kind].tracked
            item = Item(
                client_uuid=uuid.uuid4(), kind=kind, author_id=people.anggota, kim_id=kim_id,
                desa_kode=group.desa_kode, kabupaten_kode=group.desa_kode[:5], captured_at=moves[0][1],
                received_at=moves[0][1], updated_at=moves[-1][1], status=status, kategori="lainnya",
                judul="Judul", isi="Isi", uraian="Uraian", lokasi="Lokasi", keterangan="Keterangan",
                rincian=rincian, content_hash=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
                tracking_code=uuid.uuid4().hex[:8].upper() if tracked else None,
                aduan_status=("ditolak" if status == "ditolak" else "diterima") if tracked else None,
            )
            db.session.add(item)
            db.session.flush()
            before = None
            for action, at in moves:
                after = {"kirim": "menunggu", "setujui": "disetujui", "tolak": "ditolak",
                         "lapor": "tercatat"}.get(action, before)
                db.session.add(ItemEvent(item_id=item.id, actor_id=people.moderator if action != "kirim"
                                         else people.anggota, action=action, from_status=before, to_status=after,
                                         revision=1, created_at=at))
                before = after
            db.session.commit()
            item_id = item.id
            db.session.remove()
        return item_id

    return make


def compute(app, month, kabupaten=None, weights=None):
    with app.app_context():
        data = standing.compute(month, standing.scope_named(kabupaten), weights or WEIGHTS)
        db.session.remove()
    return data


def by_name(data) -> dict[str, standing.Row]:
    return {row.nama: row for row in data.rows}


def october_activity(record, groups):
    kabuna, maudemu = groups["KIM Kabuna"], groups["KIM Maudemu"]
    for day in (3, 10):
        record(kabuna, "berita", ("kirim", wita(2026, 10, day)), ("setujui", wita(2026, 10, day, 14)))
    record(kabuna, "foto", ("kirim", wita(2026, 10, 5)), ("setujui", wita(2026, 10, 6)))
    record(kabuna, "aduan", ("kirim", wita(2026, 10, 7)), ("setujui", wita(2026, 10, 8)))  # verified: channelled
    record(kabuna, "aduan", ("kirim", wita(2026, 10, 7)), ("tolak", wita(2026, 10, 8)))  # rejected: not
    record(kabuna, "berita", ("kirim", wita(2026, 10, 20)), ("tolak", wita(2026, 10, 21)))  # rejected: not
    record(maudemu, "berita", ("kirim", wita(2026, 10, 12)), ("setujui", wita(2026, 10, 12, 16)))
    record(maudemu, "berita", ("kirim", wita(2026, 10, 25)))  # still waiting: not


def test_components_are_counted_from_the_months_events_and_weighted(app, groups, record):
    october_activity(record, groups)
    data = compute(app, OCTOBER, "53.04")
    rows = by_name(data)
    kabuna, maudemu = rows["KIM Kabuna"], rows["KIM Maudemu"]
    assert (kabuna.counts["berita"], kabuna.counts["foto"], kabuna.counts["aduan"]) == (2, 1, 1)
    assert kabuna.skor == 2 * 3 + 1 * 1 + 1 * 2
    assert (maudemu.counts["berita"], maudemu.skor) == (1, 3)
    assert [row.nama for row in data.rows] == ["KIM Kabuna", "KIM Maudemu"]
    assert [row.peringkat for row in data.rows] == [1, 2]


def test_month_boundaries_are_wita(app, groups, record):
    kabuna = groups["KIM Kabuna"]
    # 1 November 00.30 WITA is still 31 October in UTC: it belongs to November.
    record(kabuna, "berita", ("kirim", wita(2026, 10, 31, 20)), ("setujui", wita(2026, 11, 1, 0, 30)))
    # 31 October 23.30 WITA: October.
    record(kabuna, "berita", ("kirim", wita(2026, 10, 31, 20)), ("setujui", wita(2026, 10, 31, 23, 30)))
    assert by_name(compute(app, OCTOBER))["KIM Kabuna"].counts["berita"] == 1
    assert by_name(compute(app, NOVEMBER))["KIM Kabuna"].counts["berita"] == 1


def test_weights_change_the_score_and_the_order(app, groups, record):
    october_activity(record, groups)
    record(groups["KIM Maudemu"], "foto", *[("kirim", wita(2026, 10, 2)), ("setujui", wita(2026, 10, 3))])
    only_foto = dict.fromkeys(WEIGHTS, 0) | {"foto": 10, "berita": 0.5}
    data = compute(app, OCTOBER, "53.04", only_foto)
    assert [(row.nama, row.skor) for row in data.rows] == [("KIM Kabuna", 11.0), ("KIM Maudemu", 10.5)]
    assert standing.decimal_text(10.5) == "10,5"


def test_ties_are_broken_by_name_and_groups_with_nothing_are_listed(app, groups):
    data = compute(app, OCTOBER)
    assert [row.nama for row in data.rows] == ["KIM Kabuna", "KIM Kota Lama", "KIM Maudemu"]
    assert all(row.skor == 0 and not any(row.counts.values()) for row in data.rows)
    assert [row.peringkat for row in data.rows] == [1, 2, 3]


def test_a_past_month_gives_the_same_numbers_after_later_activity(app, groups, record, make_person):
    october_activity(record, groups)
    # Sent in October, still waiting at the month's end.
    late_berita = record(groups["KIM Maudemu"], "berita", ("kirim", wita(2026, 10, 30)))
    admin = make_person("admin")
    before = admin.get("/moderasi/peringkat.csv?bulan=2026-10&kabupaten=provinsi").get_data(as_text=True)

    # November: October's waiting items decided, more news, a complaint sent in October verified, a new KIM group.
    with app.app_context():
        db.session.add(ItemEvent(item_id=late_berita, actor_id=find_user("moderator").id, action="setujui",
                                 from_status="menunggu", to_status="disetujui", revision=1,
                                 created_at=wita(2026, 11, 2)))
        group = ensure_kim_group("KIM Baru", "53.04.05.2006")
        group.created_at = wita(2026, 11, 15)
        db.session.commit()
    record(groups["KIM Kota Lama"], "berita", ("kirim", wita(2026, 11, 3)), ("setujui", wita(2026, 11, 4)))
    record(groups["KIM Kabuna"], "aduan", ("kirim", wita(2026, 10, 31)), ("setujui", wita(2026, 11, 2)))

    after = admin.get("/moderasi/peringkat.csv?bulan=2026-10&kabupaten=provinsi").get_data(as_text=True)
    assert after == before
    november = by_name(compute(app, NOVEMBER))
    assert november["KIM Maudemu"].counts["berita"] == 1  # the late approval counts in its own month
    assert november["KIM Kabuna"].counts["aduan"] == 1
    assert "KIM Baru" in november


def test_the_desks_verdicts_are_what_counts(app, groups, member, moderator, berita, send_item):
    item_id = send_item(member, berita())
    assert moderator.decide(item_id, "setujui").status_code == 302
    this_month = standing.this_month()
    page = moderator.get(f"/moderasi/peringkat?bulan={this_month:%Y-%m}").get_data(as_text=True)
    kabuna = re.search(r"<tr>\s*<td[^>]*>(\d+)</td><th scope=\"row\">KIM Kabuna</th>(.*?)</tr>", page, re.S)
    assert kabuna.group(1) == "1"
    cells = re.findall(r"<td[^>]*>(?:<strong>)?([^<]*)", kabuna.group(2))
    assert cells[2:] == ["1", "0", "0", "0", "0", "0", "3"]  # desa, kecamatan, berita … aduan, skor


def test_moderator_sees_only_their_kabupaten_and_admin_the_province(app, groups, record, make_person):
    october_activity(record, groups)
    record(groups["KIM Kota Lama"], "berita", ("kirim", wita(2026, 10, 3)), ("setujui", wita(2026, 10, 4)))
    moderator = make_person("moderator")
    page = moderator.get("/moderasi/peringkat?bulan=2026-10")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "KIM Kabuna" in text and "KIM Maudemu" in text and "KIM Kota Lama" not in text
    assert "Kabupaten Belu" in text
    for other in ("53.01", "provinsi"):
        assert moderator.get(f"/moderasi/peringkat?bulan=2026-10&kabupaten={other}").status_code == 403
        assert moderator.get(f"/moderasi/peringkat.csv?bulan=2026-10&kabupaten={other}").status_code == 403
    assert "KIM Kota Lama" not in moderator.get("/moderasi/peringkat.csv?bulan=2026-10").get_data(as_text=True)

    admin = make_person("admin")
    province = admin.get("/moderasi/peringkat?bulan=2026-10").get_data(as_text=True)
    assert all(name in province for name in ("KIM Kabuna", "KIM Maudemu", "KIM Kota Lama"))
    assert "Seluruh provinsi" in province
    kupang = admin.get("/moderasi/peringkat?bulan=2026-10&kabupaten=53.01").get_data(as_text=True)
    assert "KIM Kota Lama" in kupang and "KIM Kabuna" not in kupang


def test_csv_is_the_table_for_excel(app, groups, record, make_person):
    october_activity(record, groups)
    with app.app_context():
        db.session.execute(update(KimGroup).where(KimGroup.id == groups["KIM Maudemu"]).values(nama="=KIM Maudemu"))
        db.session.commit()
    response = make_person("moderator").get("/moderasi/peringkat.csv?bulan=2026-10")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="peringkat-kim-2026-10-kab-53.04.csv"' in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ("bulan;wilayah;peringkat;kim_id;kim;desa;kecamatan;kabupaten;berita;foto;kegiatan;"
                        "diseminasi;diseminasi_cepat;aduan;median_jam_penyebaran;skor")
    first = lines[1].split(";")
    assert first[:3] == ["2026-10", "Kabupaten Belu", "1"]
    assert first[4] == "KIM Kabuna" and first[8:] == ["2", "1", "0", "0", "0", "1", "", "9"]
    second = lines[2].split(";")
    assert second[4] == "'=KIM Maudemu"  # a name is never a spreadsheet formula
    assert len(lines) == 4 and lines[3] == ""

    admin = make_person("admin").get("/moderasi/peringkat.csv?bulan=2026-10&kabupaten=provinsi")
    assert 'filename="peringkat-kim-2026-10-provinsi.csv"' in admin.headers["Content-Disposition"]
    assert admin.get_data(as_text=True).count("\r\n") == 4  # header and the three groups


@pytest.mark.parametrize("bulan, message", [
    ("2026-13", "format TTTT-BB"),
    ("Oktober", "format TTTT-BB"),
    ("2026-1", "format TTTT-BB"),
    ("1999-12", "Tanggal harus antara"),
    ("9999-01", "Tanggal harus antara"),
    ("٢٠٢٦-١٠", "format TTTT-BB"),
])
def test_a_bad_month_gets_a_message_not_an_error(app, groups, make_person, bulan, message):
    moderator = make_person("moderator")
    page = moderator.get("/moderasi/peringkat", query_string={"bulan": bulan})
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
    assert "KIM Kabuna" in page.get_data(as_text=True)  # the last complete month is still shown
    download = moderator.get("/moderasi/peringkat.csv", query_string={"bulan": bulan})
    assert download.status_code == 400 and message in download.get_data(as_text=True)


def test_a_month_not_yet_begun_and_an_unknown_kabupaten_are_refused(app, groups, make_person):
    admin = make_person("admin")
    coming = standing.next_month(standing.this_month())
    page = admin.get(f"/moderasi/peringkat?bulan={coming:%Y-%m}")
    assert page.status_code == 400 and "belum tiba" in page.get_data(as_text=True)
    unknown = admin.get("/moderasi/peringkat?kabupaten=99.99")
    assert unknown.status_code == 400 and "tidak dikenal" in unknown.get_data(as_text=True)


def test_the_page_defaults_to_the_last_complete_month(app, groups, make_person):
    last = standing.last_complete_month()
    page = make_person("moderator").get("/moderasi/peringkat").get_data(as_text=True)
    assert f'name="bulan" value="{last:%Y-%m}"' in page
    assert standing.last_complete_month(date(2027, 1, 15)) == date(2026, 12, 1)
    assert standing.last_complete_month(date(2026, 12, 1)) == date(2026, 11, 1)


def test_the_menu_offers_the_standing_to_the_desk(make_person):
    assert "Peringkat KIM" in make_person("moderator").get("/moderasi").get_data(as_text=True)
    assert "Peringkat KIM" not in make_person("anggota").get("/").get_data(as_text=True)


def test_a_page_costs_a_few_queries_however_many_groups(app, groups, record):
    with app.app_context():
        desa = db.session.scalars(select(Desa.kode).where(Desa.kode.like("53.04.%")).limit(60)).all()
        for n, kode in enumerate(desa):
            db.session.add(KimGroup(nama=f"KIM {n:03d}", desa_kode=kode, created_at=wita(2026, 1, 1)))
        db.session.commit()
        ids = db.session.scalars(select(KimGroup.id).where(KimGroup.nama.like("KIM 0%"))).all()
        db.session.remove()
    for kim_id in ids[:20]:
        record(kim_id, "berita", ("kirim", wita(2026, 10, 3)), ("setujui", wita(2026, 10, 4)))
    statements = []
    with app.app_context():
        engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            data = standing.compute(OCTOBER, standing.Scope("53.04", "Kabupaten Belu"), WEIGHTS)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
            db.session.remove()
    assert len(data.rows) >= 60
    assert sum(row.counts["berita"] for row in data.rows) == 20
    queries = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    assert len(queries) <= 3, queries


# --- Kegiatan and dissemination ----------------------------------------------------------------------------------

def test_approved_kegiatan_count(app, groups, record):
    record(groups["KIM Kabuna"], "kegiatan", ("kirim", wita(2026, 10, 3)), ("setujui", wita(2026, 10, 4)),
           rincian={"tanggal": "2026-10-02"})
    row = by_name(compute(app, OCTOBER))["KIM Kabuna"]
    assert (row.counts["kegiatan"], row.skor) == (1, 2)


def test_a_pengumuman_counts_once_per_group(app, groups, record):
    kabuna = groups["KIM Kabuna"]
    for day, pengumuman in ((3, 7), (4, 7), (5, 8)):  # two members report pengumuman 7: one dissemination
        record(kabuna, "diseminasi", ("lapor", wita(2026, 10, day)),
               rincian={"pengumuman": pengumuman, "tanggal": "2026-10-02", "jangkauan": 30})
    row = by_name(compute(app, OCTOBER))["KIM Kabuna"]
    assert row.counts["diseminasi"] == 2


def test_a_report_within_three_days_of_publication_counts_as_fast(app, groups, record):
    """Hours from the pengumuman's publication to the report's arrival: 50 h is fast, 100 h is not; the median is in
    the table."""
    with app.app_context():
        ids = []
        for judul in ("Cepat", "Lambat"):
            found = pengumuman_services.save(find_user("admin"), Draft(judul=judul, isi="Isi.", provinsi=True),
                                             publish=True)
            found.published_at = wita(2026, 10, 1)
            ids.append(found.id)
        db.session.commit()
    kabuna = groups["KIM Kabuna"]
    for pengumuman_id, hours in zip(ids, (50, 100), strict=True):
        record(kabuna, "diseminasi", ("lapor", wita(2026, 10, 1) + timedelta(hours=hours)),
               rincian={"pengumuman": str(pengumuman_id), "tanggal": "2026-10-02", "jangkauan": "30"})
    row = by_name(compute(app, OCTOBER))["KIM Kabuna"]
    assert (row.counts["diseminasi"], row.counts["diseminasi_cepat"]) == (2, 1)
    assert row.median_jam == 75
    assert row.skor == 2 * WEIGHTS["diseminasi"] + WEIGHTS["diseminasi_cepat"]


# --- The month parser and the weights' setting (no database) -------------------------------------------------------

def test_parse_month():
    assert inputs.parse_month("2026-10") == date(2026, 10, 1)
    assert inputs.parse_month(" 2026-01 ") == date(2026, 1, 1)
    assert inputs.parse_month("") is None and inputs.parse_month(None) is None
    for bad in ("2026-00", "2026-10-01", "26-10", "2026/10", "x"):
        with pytest.raises(inputs.BadInput):
            inputs.parse_month(bad)


def test_weights_from_the_environment():
    defaults = kim_config.Config.KIM_STANDING_WEIGHTS
    assert kim_config.standing_weights(defaults, "") == defaults
    changed = kim_config.standing_weights(defaults, "berita=5, foto = 0.5")
    assert changed == {**defaults, "berita": 5.0, "foto": 0.5}
    kim_config.check_standing_weights({"KIM_STANDING_WEIGHTS": changed})


@pytest.mark.parametrize("weights, says", [
    ({**WEIGHTS, "beritaa": 1}, "unknown component beritaa"),
    ({**WEIGHTS, "foto": -1}, "foto must be a number ≥ 0"),
    ({**WEIGHTS, "foto": "satu"}, "foto must be a number ≥ 0"),
    ({**WEIGHTS, "foto": float("nan")}, "foto must be a number ≥ 0"),
    ({**WEIGHTS, "foto": True}, "foto must be a number ≥ 0"),
    ({key: value for key, value in WEIGHTS.items() if key != "aduan"}, "no weight for aduan"),
    ([1, 2], "must be a mapping"),
])
def test_wrong_weights_stop_the_start(weights, says):
    with pytest.raises(RuntimeError, match=says):
        kim_config.check_standing_weights({"KIM_STANDING_WEIGHTS": weights})


def test_the_app_refuses_to_start_with_wrong_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("KIM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("KIM_STANDING_WEIGHTS", "berita=-2")
    with pytest.raises(RuntimeError, match="KIM_STANDING_WEIGHTS: the weight of berita"):
        create_app({"KIM_ENV": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
