"""The moderators' dashboard: numbers per kabupaten, KIM and week, time to moderate, overdue complaints, SVG charts
that are safe inline under the CSP, and a CSV export that no spreadsheet can run as a formula."""
import csv
import io
import re
import uuid
from datetime import date, datetime, timedelta, timezone
from xml.etree import ElementTree as ET

from sqlalchemy import select, update

from kim_app import csvtext
from kim_app.extensions import db
from kim_app.items import counts
from kim_app.items.models import Item
from kim_app.moderation import dashboard, deadlines
from kim_app.moderation.charts import Series, bar_chart
from kim_app.timeutil import WITA, utcnow
from kim_app.wilayah.models import KimGroup

SVG = "{http://www.w3.org/2000/svg}"


def item_id(app, body) -> int:
    with app.app_context():
        return db.session.scalar(select(Item.id).where(Item.client_uuid == uuid.UUID(body["uuid"])))


def received(app, ident: int, when: datetime) -> None:
    """Move an item's arrival back in time: written past the code that keeps the counts, so counted again after."""
    with app.app_context():
        db.session.execute(update(Item).where(Item.id == ident).values(received_at=when))
        counts.recount()
        db.session.commit()


def test_counts_per_kabupaten_and_kim_with_median_time(app, member, moderator, make_person, berita, aduan):
    ids = []
    for body in (berita(), berita(), aduan()):
        member.send(body)
        ids.append(item_id(app, body))
    moderator.decide(ids[0], "setujui")
    moderator.decide(ids[1], "tolak", "Duplikat")
    kupang = make_person("anggota2")  # KIM Maudemu, also in Belu
    other = berita(author_id=kupang.me["id"])
    kupang.send(other)
    page = moderator.get("/moderasi/dasbor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r"<strong>4</strong> kiriman diterima.*<strong>1</strong> disetujui.*<strong>1</strong> ditolak",
                     html, re.S)
    assert re.search(r'<th scope="row">Kabupaten Belu</th><td>4</td><td>1</td><td>1</td><td>0,0 jam</td>', html)
    assert '<th scope="row">KIM Kabuna</th><td>3</td><td>1</td><td>1</td>' in html
    assert '<th scope="row">KIM Maudemu</th><td>1</td><td>0</td><td>0</td><td>–</td>' in html


def test_moderator_sees_own_kabupaten_admin_sees_all(app, member, member_in, make_person, berita):
    member.send(berita())
    kupang_member = member_in("53.01.04.2003")  # Kabupaten Kupang
    kupang_member.send(kupang_member.berita())
    kupang = make_person("moderator.kupang").get("/moderasi/dasbor").get_data(as_text=True)
    belu = make_person("moderator").get("/moderasi/dasbor").get_data(as_text=True)
    admin = make_person("admin").get("/moderasi/dasbor").get_data(as_text=True)
    assert "<strong>1</strong> kiriman diterima" in kupang and "Kabupaten Belu</th>" not in kupang
    assert "<strong>1</strong> kiriman diterima" in belu and "Kabupaten Kupang</th>" not in belu
    assert "<strong>2</strong> kiriman diterima" in admin and "Semua kabupaten/kota" in admin


def test_only_moderators_and_admins(app, member):
    assert member.get("/moderasi/dasbor").status_code == 403
    assert member.get("/moderasi/dasbor.csv").status_code == 403
    assert app.test_client().get("/moderasi/dasbor").status_code == 302


def test_period_filter_and_bad_dates(app, member, moderator, berita):
    body = berita()
    member.send(body)
    received(app, item_id(app, body), datetime(2026, 1, 5, 2, tzinfo=timezone.utc))
    january = moderator.get("/moderasi/dasbor?dari=2026-01-01&sampai=2026-01-31").get_data(as_text=True)
    assert "<strong>1</strong> kiriman diterima" in january
    default = moderator.get("/moderasi/dasbor").get_data(as_text=True)
    assert "<strong>0</strong> kiriman diterima" in default
    bad = moderator.get("/moderasi/dasbor?dari=2026-02-01&sampai=2026-01-01")
    assert bad.status_code == 422 and "Tanggal awal harus sebelum tanggal akhir." in bad.get_data(as_text=True)
    assert moderator.get("/moderasi/dasbor.csv?dari=kemarin").status_code == 422


def test_default_period_is_eight_weeks_from_a_monday():
    period = dashboard.default_period(date(2026, 11, 26))  # a Thursday
    assert period.start == date(2026, 10, 5) and period.start.weekday() == 0 and period.end == date(2026, 11, 26)
    assert len(period.weeks()) == 8


def test_working_time_skips_weekends_in_wita():
    friday_evening = datetime(2026, 11, 27, 20, tzinfo=WITA)
    monday_morning = datetime(2026, 11, 30, 8, tzinfo=WITA)
    assert deadlines.working_seconds(friday_evening, monday_morning) == 12 * 3600
    assert deadlines.working_seconds(monday_morning, monday_morning + timedelta(days=7)) == 5 * 86400


def test_complaint_waiting_over_three_working_days_is_overdue(app, member, moderator, aduan):
    late, fresh = aduan(), aduan()
    member.send(late)
    member.send(fresh)
    received(app, item_id(app, late), utcnow() - timedelta(days=8))
    html = moderator.get("/moderasi/dasbor").get_data(as_text=True)
    assert "<strong>1</strong> aduan menunggu lebih dari 3 hari kerja" in html
    assert f'href="/moderasi/item/{item_id(app, late)}"' in html
    assert f'href="/moderasi/item/{item_id(app, fresh)}"' not in html
    assert "Agustinus Seran" not in html and "Pipa air" not in html  # the list names no complainant, no text


def test_a_long_overdue_list_shows_the_oldest_and_counts_them_all(app, member, moderator, aduan, monkeypatch):
    monkeypatch.setattr(dashboard, "OVERDUE_SHOWN", 2)
    ids = []
    for days in (9, 12, 10, 8):
        body = aduan()
        member.send(body)
        ids.append(item_id(app, body))
        received(app, ids[-1], utcnow() - timedelta(days=days))
    html = moderator.get("/moderasi/dasbor").get_data(as_text=True)
    assert "<strong>4</strong> aduan menunggu lebih dari 3 hari kerja" in html
    assert "Ditampilkan 2 aduan yang paling lama menunggu, dari 4 aduan terlambat." in html
    listed = re.findall(r'href="/moderasi/item/(\d+)"', html.split("<h2>Aduan terlambat</h2>")[1].split("<h2>")[0])
    assert listed == [str(ids[1]), str(ids[2])]  # 12 and 10 days: the oldest first
    rows = {row["bagian"]: row for row in csv.DictReader(io.StringIO(
        moderator.get("/moderasi/dasbor.csv").get_data(as_text=True).lstrip("\ufeff")))
        if row["bagian"] == "kabupaten"}
    assert rows["kabupaten"]["aduan_terlambat"] == "4"  # every one counted, not only those listed


def test_charts_are_inline_svg_without_script_or_style(app, moderator):
    html = moderator.get("/moderasi/dasbor").get_data(as_text=True)
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(svgs) == 2
    for markup in svgs:
        root = ET.fromstring(markup)
        assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
        assert root.get("role") == "img"
        for element in root.iter():
            assert element.tag not in (f"{SVG}script", f"{SVG}style", f"{SVG}foreignObject")
            assert not any(name == "style" or name.startswith("on") for name in element.attrib)


def test_chart_escapes_its_texts():
    chart = str(bar_chart("c", "</title><script>x</script>", "a & b", ['<img src=x onerror=1>'],
                          [Series('"><script>', "#000", [3])], unit=""))
    assert "<script>" not in chart and "<img" not in chart
    root = ET.fromstring(chart)
    assert root.find(f"{SVG}title").text == "</title><script>x</script>"


def test_csv_has_the_same_numbers_and_defuses_formulas(app, member, moderator, berita):
    with app.app_context():
        kim = db.session.scalar(select(KimGroup).where(KimGroup.nama == "KIM Kabuna"))
        kim.nama = '=HYPERLINK("http://jahat","klik"),"x"'
        db.session.commit()
    body = berita()
    member.send(body)
    moderator.decide(item_id(app, body), "setujui")
    response = moderator.get("/moderasi/dasbor.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="dasbor-kim-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["bagian", "kode", "nama", "diterima"]
    assert rows[1][:6] == ["jumlah", "", "Jumlah", "1", "1", "0"]
    (kim_row,) = [row for row in rows if row[0] == "kim"]
    assert kim_row[2] == '\'=HYPERLINK("http://jahat","klik"),"x"'
    assert len([row for row in rows if row[0] == "minggu"]) == 8
    assert csvtext.cell("-1+2") == "'-1+2" and csvtext.cell("@SUM") == "'@SUM"
    assert csvtext.cell(5) == 5 and csvtext.cell("Belu") == "Belu"


def test_admin_compares_kabupaten_and_chooses_one_for_its_kim_table(app, member, member_in, make_person, berita):
    member.send(berita())
    kupang_member = member_in("53.01.04.2003")  # Kabupaten Kupang
    kupang_member.send(kupang_member.berita())
    admin = make_person("admin")
    html = admin.get("/moderasi/dasbor?dari=2026-01-01&sampai=" + date.today().isoformat()).get_data(as_text=True)
    per_kim = html.split("<h2>Per KIM</h2>")[1]
    assert "pilih namanya di tabel di atas" in per_kim and "KIM Kabuna" not in per_kim
    links = {name: href for href, name in re.findall(r'<th scope="row"><a href="([^"]+)">([^<]+)</a>', html)}
    assert set(links) == {"Kabupaten Belu", "Kabupaten Kupang"}
    assert "kabupaten=53.04" in links["Kabupaten Belu"] and "dari=2026-01-01" in links["Kabupaten Belu"]

    belu = admin.get(links["Kabupaten Belu"].replace("&amp;", "&"))
    html = belu.get_data(as_text=True)
    assert belu.status_code == 200 and "Kabupaten Belu ·" in html and "← Semua kabupaten/kota" in html
    assert "<strong>1</strong> kiriman diterima" in html and "Kabupaten Kupang</" not in html
    assert '<th scope="row">KIM Kabuna</th><td>1</td>' in html
    assert 'name="kabupaten" value="53.04"' in html  # a new period keeps the choice
    rows = list(csv.reader(io.StringIO(admin.get("/moderasi/dasbor.csv?kabupaten=53.04").get_data(as_text=True)
                                       .lstrip("\ufeff"))))
    assert [row[2] for row in rows if row[0] == "kim"] == ["KIM Kabuna"]
    assert [row[2] for row in rows if row[0] == "kabupaten"] == ["Kabupaten Belu"]


def test_a_kabupaten_that_is_not_there_or_not_ones_own(app, moderator, make_person):
    admin = make_person("admin")
    for code in ("99.99", "53.04'--", "x" * 300):
        page = admin.get("/moderasi/dasbor", query_string={"kabupaten": code})
        assert page.status_code == 422 and "Kabupaten/kota itu tidak dikenal." in page.get_data(as_text=True)
        assert admin.get("/moderasi/dasbor.csv", query_string={"kabupaten": code}).status_code == 422
    assert moderator.get("/moderasi/dasbor?kabupaten=53.01").status_code == 403  # Belu's desk, Kupang's numbers
    assert moderator.get("/moderasi/dasbor?kabupaten=53.04").status_code == 200


def test_the_median_comes_from_the_kept_histogram_and_the_kim_table_agrees(app, member, moderator, berita):
    """Three items decided after 1, 2 and 30 hours: the median is 2 hours, within its bucket, on the kabupaten's row,
    the KIM group's and the week's alike."""
    ids = []
    for _ in range(3):
        body = berita()
        member.send(body)
        ids.append(item_id(app, body))
    for ident in ids:
        moderator.decide(ident, "setujui")
    now = utcnow()
    with app.app_context():
        for ident, hours in zip(ids, (1, 2, 30), strict=True):
            db.session.execute(update(Item).where(Item.id == ident).values(
                received_at=now - timedelta(hours=hours), decided_at=now))
        counts.recount()
        db.session.commit()
    html = moderator.get("/moderasi/dasbor").get_data(as_text=True)
    medians = re.findall(r'<th scope="row">(?:Kabupaten Belu|KIM Kabuna)</th><td>3</td><td>3</td><td>0</td>'
                         r'<td>(\d+),(\d) jam</td>', html)
    assert len(medians) == 2 and medians[0] == medians[1]
    assert 1.8 <= float(".".join(medians[0])) <= 2.3


def test_overdue_for_every_kabupaten_from_kept_days_and_the_deadline_day_agrees_with_the_rows(
        app, member, member_in, make_person, aduan):
    """The admin's count reads whole days from the kept counts and the deadline's own day from the rows; one
    kabupaten's count reads the rows. Complaints received on the deadline's day just before and just after it, on
    the day before and long before: both give what `is_overdue` says of each."""
    from kim_app.accounts.services import find_user

    now = utcnow()
    before = deadlines.overdue_before(now)
    moments = [before - timedelta(days=20), before - timedelta(days=1), before - timedelta(microseconds=1), before,
               before + timedelta(seconds=1)]
    kupang = member_in("53.01.04.2003")
    ids = []
    for index in range(len(moments)):
        person = member if index % 2 else kupang
        body = aduan(author_id=person.me["id"], desa_kode="53.01.04.2003") if person is kupang else aduan()
        person.send(body)
        ids.append(item_id(app, body))
    with app.app_context():
        for ident, moment in zip(ids, moments, strict=True):
            db.session.execute(update(Item).where(Item.id == ident).values(received_at=moment))
        counts.recount()
        db.session.commit()
        expected = sum(deadlines.is_overdue(db.session.get(Item, ident), now) for ident in ids)
        assert expected == 3
        admin = find_user("admin")
        wide = dashboard.overdue_complaints(admin, shown=10, now=now)
        narrow = [dashboard.overdue_complaints(admin, shown=10, now=now, kabupaten=kab) for kab in ("53.01", "53.04")]
        assert wide.total == sum(one.total for one in narrow) == expected
        assert wide.per_kabupaten == {kab: one.total for kab, one in zip(("53.01", "53.04"), narrow, strict=True)}
        assert [late.item_id for late in wide.oldest] == ids[:3]


def test_any_period_counts_its_whole_weeks_and_its_edge_days_once(app, member, moderator, berita):
    """A period's whole weeks are read from the weekly counts and its other days from the daily ones: whatever the
    period, each item is counted once, in its week's row and its kabupaten's."""
    from kim_app.accounts.services import find_user

    monday = dashboard.today_wita() - timedelta(days=dashboard.today_wita().weekday() + 21)
    days = [monday + timedelta(days=n) for n in (0, 2, 6, 7, 9, 13, 15, 20, 22)]
    ids = []
    for _ in days:
        body = berita()
        member.send(body)
        ids.append(item_id(app, body))
    with app.app_context():
        for ident, day in zip(ids, days, strict=True):
            noon = datetime.combine(day, datetime.min.time(), WITA).replace(hour=12)
            db.session.execute(update(Item).where(Item.id == ident).values(received_at=noon))
        counts.recount()
        db.session.commit()
        desk = find_user("moderator")
        for first, last in ((0, 22), (2, 13), (1, 6), (3, 3), (5, 16), (6, 7), (0, 6), (7, 20), (8, 21)):
            period = dashboard.Period(monday + timedelta(days=first), monday + timedelta(days=last))
            data = dashboard.report(desk, period)
            inside = [day for day in days if period.start <= day <= period.end]
            assert data.total.diterima == len(inside) == sum(t.diterima for t in data.kabupaten), (first, last)
            assert {week.kode: week.diterima for week in data.weeks if week.diterima} == {
                key.isoformat(): sum(1 for day in inside if day - timedelta(days=day.weekday()) == key)
                for key in {day - timedelta(days=day.weekday()) for day in inside}}, (first, last)


def test_a_kabupaten_code_with_nul_or_broken_text_is_refused_clearly(app, make_person):
    admin = make_person("admin")
    for code in ("53%00", "%ED%A0%80", "53.0%00", "%FF"):
        for path in ("/moderasi/dasbor", "/moderasi/dasbor.csv"):
            page = admin.get(f"{path}?kabupaten={code}")
            assert page.status_code in (400, 422), (path, code, page.status_code)
