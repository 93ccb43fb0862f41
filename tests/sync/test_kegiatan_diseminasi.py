"""The two new kinds through the member's API: an activity (kegiatan) is sent into the queue like a berita; a
dissemination report (diseminasi) is recorded as `tercatat` and never queued. Both are idempotent by UUID, and a bad
date or number is a 422 problem naming the field, in Indonesian."""
import json
import re

import pytest
from sqlalchemy import func, select

from kim_app.accounts.services import find_user
from kim_app.extensions import db
from kim_app.items.models import Item, ItemEvent
from kim_app.pengumuman import services as pengumuman_services
from kim_app.pengumuman.forms import Draft
from tests.helpers import item_id, make_jpeg, photo_declaration, put_chunk, queued_ids

BATCH = "/api/v1/items/batch"


def count_items(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Item))


def test_an_activity_is_sent_into_the_queue_with_its_date_and_participants(member, kegiatan, app):
    body = kegiatan()
    answer = member.send(body)
    assert answer.status_code == 201
    item = answer.json
    assert (item["kind"], item["status"], item["kategori"]) == ("kegiatan", "menunggu", "pelatihan")
    assert (item["tanggal"], item["peserta"], item["keterangan"]) == ("2026-11-27", "24", body["keterangan"])
    assert [entry["action"] for entry in item["history"]] == ["kirim"]
    assert item["public_url"] is None
    assert item_id(app, body) in queued_ids(app)


def test_a_report_arrives_recorded_and_never_enters_the_queue(member, moderator, diseminasi, app,
                                                             published_pengumuman):
    body = diseminasi(keterangan="Dibagikan ke grup WA desa")
    answer = member.send(body)
    assert answer.status_code == 201
    item = answer.json
    assert (item["status"], item["pengumuman"], item["jangkauan"]) == ("tercatat", str(published_pengumuman), "150")
    assert [(entry["action"], entry["status"]) for entry in item["history"]] == [("lapor", "tercatat")]
    assert item["public_url"] is None
    stored = item_id(app, body)
    assert stored not in queued_ids(app)
    assert stored not in queued_ids(app, "admin")
    assert "Dibagikan ke grup WA desa" not in moderator.get("/moderasi").get_data(as_text=True)
    with app.app_context():
        events = db.session.scalars(select(ItemEvent).where(ItemEvent.item_id == stored)).all()
        assert [(e.action, e.from_status, e.to_status) for e in events] == [("lapor", None, "tercatat")]
    # The member's delta pull carries it with its status.
    pulled = {i["uuid"]: i for i in member.get("/api/v1/items").json["items"]}
    assert pulled[body["uuid"]]["status"] == "tercatat"


def test_a_report_with_a_photo_stays_out_of_the_queue_when_the_photo_is_in(member, diseminasi, app):
    data = make_jpeg()
    photo = photo_declaration(data)
    body = diseminasi(photos=[photo])
    assert member.send(body).status_code == 201
    assert put_chunk(member, photo["id"], 0, data).status_code in (200, 201, 204)
    with app.app_context():
        item = db.session.get(Item, item_id(app, body))
        assert item.status == "tercatat" and item.photos_complete
    assert item_id(app, body) not in queued_ids(app)
    two = diseminasi(photos=[photo_declaration(make_jpeg(width=60)), photo_declaration(make_jpeg(width=70))])
    refused = member.send(two)
    assert refused.status_code == 422
    assert refused.json["errors"]["photos"] == ["Paling banyak 1 foto per item."]


@pytest.mark.parametrize("kind", ["kegiatan", "diseminasi"])
def test_both_kinds_are_idempotent_by_uuid(member, kegiatan, diseminasi, app, kind):
    body = (kegiatan if kind == "kegiatan" else diseminasi)()
    first, again = member.send(body), member.send(body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    other = member.send({**body, "tanggal": "2026-11-20"})
    assert other.status_code == 409
    assert count_items(app) == 1


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"tanggal": "28/11/2026"}, "tanggal", "Tanggal kegiatan harus dalam format TTTT-BB-HH."),
    ({"tanggal": "1999-12-31"}, "tanggal", "Tanggal kegiatan harus antara 2000-01-01 dan"),
    ({"tanggal": "2099-01-01"}, "tanggal", "Tanggal kegiatan harus antara 2000-01-01 dan"),
    ({"tanggal": None}, "tanggal", "Wajib diisi."),
    ({"peserta": "1.000"}, "peserta", "Harus angka bulat dari 0 sampai 1.000.000, tanpa titik."),
    ({"peserta": "-3"}, "peserta", "Harus angka bulat"),
    ({"peserta": "2000000"}, "peserta", "Harus angka bulat"),
    ({"peserta": 24}, "peserta", "Harus berupa teks."),
    ({"kategori": "pertanian"}, "kategori", "Kategori tidak dikenal."),
    ({"keterangan": ""}, "keterangan", "Wajib diisi."),
])
def test_a_bad_activity_is_a_422_problem_naming_the_field(member, kegiatan, app, overrides, field, message):
    answer = member.send(kegiatan(**overrides))
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert answer.json["type"] == "urn:kim:problem:validation"
    assert answer.json["errors"][field][0].startswith(message)
    assert count_items(app) == 0


@pytest.mark.parametrize(("overrides", "field"), [
    ({"pengumuman": "0"}, "pengumuman"), ({"pengumuman": "abc"}, "pengumuman"), ({"pengumuman": None}, "pengumuman"),
    ({"jangkauan": None}, "jangkauan"), ({"jangkauan": "banyak"}, "jangkauan"), ({"tanggal": "2026-02-30"}, "tanggal"),
    ({"kategori": "pelatihan"}, "kategori"), ({"judul": "Judul"}, "judul"),
])
def test_a_bad_report_is_a_422_problem_naming_the_field(member, diseminasi, app, overrides, field):
    answer = member.send(diseminasi(**overrides))
    assert answer.status_code == 422
    assert field in answer.json["errors"]
    assert count_items(app) == 0


def test_a_batch_takes_both_kinds_and_answers_a_bad_one_alone(member, kegiatan, diseminasi, berita, app):
    bodies = [kegiatan(), diseminasi(jangkauan="1,5"), diseminasi(), berita()]
    answer = member.post_json(BATCH, {"items": bodies})
    assert [result["status"] for result in answer.json["results"]] == [201, 422, 201, 201]
    assert [result["item"]["status"] for result in answer.json["results"] if "item" in result] == [
        "menunggu", "tercatat", "menunggu"]
    assert answer.json["results"][1]["problem"]["errors"]["jangkauan"]
    assert count_items(app) == 3
    assert item_id(app, bodies[2]) not in queued_ids(app)


def test_the_api_document_describes_the_new_fields(app):
    spec = app.test_client().get("/api/openapi.json").json
    fields = spec["components"]["schemas"]["ItemCreate"]["properties"]
    assert fields["tanggal"]["format"] == "date"
    assert fields["peserta"]["pattern"] == "^[0-9]+$"
    assert "kegiatan" in fields["kind"]["enum"] and "diseminasi" in fields["kind"]["enum"]


def test_the_shell_lists_the_activity_form_and_holds_the_report_form_hidden(app):
    client = app.test_client()
    shell = client.get("/app").get_data(as_text=True)
    assert "<summary>Catat kegiatan KIM</summary>" in shell
    assert 'id="kegiatan-tanggal" name="tanggal" type="date"' in shell
    assert 'id="kegiatan-peserta" name="peserta" type="number" inputmode="numeric"' in shell
    hidden = shell.index('<details class="card" id="lapor-diseminasi" hidden>')
    assert shell.index('<form data-kind="diseminasi"', hidden) > hidden
    assert 'id="diseminasi-pengumuman" name="pengumuman" type="hidden"' in shell
    # The module that opens it is fetched after the shell and kept for offline use, like every later module.
    worker = client.get("/sw.js").get_data(as_text=True)
    later = json.loads(re.search(r"^const LATER_FILES = (\[.*\]);", worker, re.M).group(1))
    assert any(url.endswith("/js/later/lapor.js") for url in later)
    assert '"tercatat": "Tercatat"' in worker


def test_a_report_names_a_pengumuman_sent_to_the_members_kim(app, member, make_person, diseminasi):
    """A report on a pengumuman that does not exist, is still a draf, or went to another KIM is refused whole (422,
    the field named); one on a pengumuman withdrawn since is still a true report."""
    with app.app_context():
        moderator = find_user("moderator")
        elsewhere = pengumuman_services.save(moderator, Draft(judul="Untuk Maudemu", isi="Isi.",
                                                              areas={"desa": ["53.04.05.2001"]}), publish=True).id
        draf = pengumuman_services.save(moderator, Draft(judul="Draf", isi="Isi.", areas={"kabupaten": ["53.04"]})).id
        withdrawn = pengumuman_services.save(moderator, Draft(judul="Ditarik", isi="Isi.",
                                                              areas={"kabupaten": ["53.04"]}), publish=True)
        pengumuman_services.withdraw(moderator, withdrawn)
        withdrawn_id = withdrawn.id
        db.session.commit()
    for wrong in ("999999", str(elsewhere), str(draf)):
        answer = member.send(diseminasi(pengumuman=wrong))
        assert answer.status_code == 422, wrong
        assert answer.json["type"].endswith("unknown-reference")
        assert answer.json["errors"]["pengumuman"] == ["Pengumuman ini tidak ditemukan atau tidak dikirim ke KIM Anda."]
    assert member.send(diseminasi(pengumuman=str(withdrawn_id))).status_code == 201
    # The neighbouring KIM, to which it was sent, may report it.
    maudemu = make_person("anggota2")
    assert maudemu.send(diseminasi(pengumuman=str(elsewhere), author_id=maudemu.me["id"])).status_code == 201
