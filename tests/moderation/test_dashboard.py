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
    with app.app_context():
        db.session.execute(update(Item).where(Item.id == ident).values(received_at=when))
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
