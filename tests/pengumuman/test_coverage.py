"""The desk's coverage of a pengumuman: which KIM groups it reaches have reported spreading it, how and to how many;
who has not, per kabupaten and kecamatan; the same as CSV."""
import csv
import io
import uuid

from kim_app.accounts.services import find_user
from kim_app.extensions import db
from kim_app.pengumuman import services
from kim_app.pengumuman.forms import Draft

KABUNA = "53.04.05.2006"


def published(app, username="moderator", **targets) -> int:
    with app.app_context():
        draft = Draft(judul="Waspada hoaks bantuan tunai", isi="Tidak ada pendaftaran lewat tautan.", **targets)
        found = services.save(find_user(username), draft, publish=True)
        db.session.commit()
        return found.id


def report(person, pengumuman_id: int, cara: str = "grup_whatsapp", jangkauan: str = "40", **extra):
    body = {"uuid": str(uuid.uuid4()), "kind": "diseminasi", "author_id": person.me["id"],
            "captured_at": "2026-12-07T02:00:00Z", "kategori": cara, "pengumuman": str(pengumuman_id),
            "tanggal": "2026-12-07", "jangkauan": jangkauan, **extra}
    answer = person.send(body)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return body


def test_coverage_counts_reports_of_the_kim_groups_reached_and_lists_those_still_silent(
        app, member, make_person, moderator):
    maudemu = make_person("anggota2")  # KIM Maudemu, in the same kecamatan as the demo KIM
    pid = published(app, areas={"kecamatan": ["53.04.05"]})
    other = published(app, areas={"kecamatan": ["53.04.05"]})
    report(member, pid, "pertemuan_warga", "35")
    report(member, pid, "grup_whatsapp", "120")
    report(maudemu, other, "papan_pengumuman", "500")  # another pengumuman's report counts there only

    page = moderator.get(f"/moderasi/pengumuman/{pid}/cakupan")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Waspada hoaks bantuan tunai" in html
    assert "<dt>Sudah melapor</dt><dd>1 (50%)</dd>" in html
    assert "<dt>Jangkauan dilaporkan</dt><dd>155 orang</dd>" in html
    assert "Pertemuan warga: 1 laporan" in html and "Grup WhatsApp: 1 laporan" in html
    belum = html.split('id="belum"')[1].split("Semua KIM sasaran")[0]
    assert "KIM Maudemu" in belum and "KIM Kabuna" not in belum

    rows = list(csv.reader(io.StringIO(moderator.get(f"/moderasi/pengumuman/{pid}/cakupan.csv")
                                       .get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:5] == ["Kabupaten/Kota", "Kecamatan", "Desa", "KIM", "Sudah melapor"]
    by_kim = {row[3]: row for row in rows[1:]}
    assert by_kim["KIM Maudemu"][4:6] == ["belum", "0"]
    kabuna = next(row for name, row in by_kim.items() if name != "KIM Maudemu")
    assert kabuna[4:6] == ["ya", "2"] and kabuna[7] == "155"


def test_coverage_is_for_the_desk_that_sent_it(app, member, make_person, moderator):
    pid = published(app, areas={"kabupaten": ["53.04"]})
    kupang = make_person("moderator.kupang")
    assert kupang.get(f"/moderasi/pengumuman/{pid}/cakupan").status_code in (403, 404)
    assert kupang.get(f"/moderasi/pengumuman/{pid}/cakupan.csv").status_code in (403, 404)
    assert member.get(f"/moderasi/pengumuman/{pid}/cakupan").status_code == 403
    assert app.test_client().get(f"/moderasi/pengumuman/{pid}/cakupan").status_code in (302, 401)
    assert moderator.get("/moderasi/pengumuman/99999999999999999999/cakupan").status_code == 404
    assert make_person("admin").get(f"/moderasi/pengumuman/{pid}/cakupan").status_code == 200


def test_a_kim_name_that_looks_like_a_formula_is_written_as_text(app, member, moderator):
    with app.app_context():
        kim = find_user("anggota").kim
        kim.nama = '=HYPERLINK("http://jahat","klik")'
        db.session.commit()
    pid = published(app, areas={"desa": [KABUNA]})
    text = moderator.get(f"/moderasi/pengumuman/{pid}/cakupan.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text
