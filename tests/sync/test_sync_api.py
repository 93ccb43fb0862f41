"""The sync contract (docs/sync-protocol.md): items arrive exactly once, under their own author, with clear errors."""
import pytest
from sqlalchemy import func, select

from kim_app.extensions import db
from kim_app.items.models import Item


def count_items(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Item))


def test_new_item_is_stored_and_returned(member, berita, app):
    body = berita()
    response = member.send(body)
    assert response.status_code == 201
    item = response.json
    assert item["uuid"] == body["uuid"]
    assert item["status"] == "menunggu"
    assert item["revision"] == 1
    assert item["desa_kode"] == "53.04.05.2006"  # the member's own desa when none was given
    assert item["captured_at"].startswith("2026-11-27T23:15:00")
    assert count_items(app) == 1


def test_same_uuid_twice_creates_one_item(member, berita, app):
    body = berita()
    first = member.send(body)
    second = member.send(body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json == first.json
    assert count_items(app) == 1


def test_resend_with_surrounding_spaces_is_the_same_item(member, berita, app):
    body = berita()
    member.send(body)
    again = member.send({**body, "judul": "  " + body["judul"] + " "})
    assert again.status_code == 200
    assert count_items(app) == 1


def test_same_uuid_with_different_body_is_a_conflict_not_a_merge(member, berita, app):
    body = berita()
    member.send(body)
    response = member.send({**body, "judul": "Judul lain"})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] == "urn:kim:problem:conflict"
    assert "berbeda" in response.json["detail"]
    stored = member.get(f"/api/v1/items/{body['uuid']}").json
    assert stored["judul"] == body["judul"]
    assert count_items(app) == 1


def test_another_members_uuid_is_a_conflict_that_reveals_nothing(member, make_person, berita, people, app):
    body = berita()
    member.send(body)
    other = make_person("anggota2")
    response = other.send({**body, "author_id": people.anggota_lain})
    assert response.status_code == 409
    assert body["judul"] not in response.get_data(as_text=True)
    assert count_items(app) == 1


def test_item_of_another_account_on_the_same_phone_is_refused(make_person, berita, app):
    second_person = make_person("anggota2")
    response = second_person.send(berita())  # captured by "anggota", sent while "anggota2" is signed in
    assert response.status_code == 403
    assert response.json["type"] == "urn:kim:problem:wrong-author"
    assert count_items(app) == 0


def test_aduan_keeps_the_complainant_for_moderators(member, aduan):
    response = member.send(aduan())
    assert response.status_code == 201
    assert response.json["pelapor_nama"] == "Agustinus Seran"
    assert response.json["lokasi"] == "Dusun 2, dekat gereja"


def test_aduan_without_the_complainants_details_is_accepted(member, aduan):
    # The phone sends the optional boxes as they are, often empty or only spaces.
    response = member.send(aduan(pelapor_nama="  ", pelapor_telepon=""))
    assert response.status_code == 201
    assert response.json["pelapor_nama"] is None
    assert response.json["pelapor_telepon"] is None


def test_a_phone_number_with_letters_is_explained(member, aduan, app):
    response = member.send(aduan(pelapor_telepon="nol delapan"))
    assert response.status_code == 422
    assert response.json["errors"]["pelapor_telepon"] == ["Nomor HP hanya boleh angka, contoh: 0812 3456 7890."]
    assert count_items(app) == 0


def test_missing_fields_are_named_in_indonesian(member, berita, app):
    response = member.send(berita(judul="   ", kategori="gosip"))
    assert response.status_code == 422
    problem = response.json
    assert problem["type"] == "urn:kim:problem:validation"
    assert problem["errors"]["judul"] == ["Wajib diisi."]
    assert problem["errors"]["kategori"] == ["Kategori tidak dikenal."]
    assert count_items(app) == 0


def test_fields_of_another_kind_are_refused(member, berita):
    response = member.send(berita(uraian="ini aduan"))
    assert response.status_code == 422
    assert response.json["errors"]["uraian"] == ["Tidak dipakai untuk berita."]


def test_bad_uuid_time_and_unknown_fields_are_explained(member, berita):
    response = member.send(berita(uuid="bukan-uuid", captured_at="kemarin", warna="merah"))
    assert response.status_code == 422
    errors = response.json["errors"]
    assert errors["uuid"] == ["Harus UUID yang dibuat oleh HP."]
    assert errors["captured_at"] == ["Waktu harus dalam format ISO 8601."]
    assert errors["warna"] == ["Isian ini tidak dikenal."]


def test_unknown_desa_is_refused(member, berita):
    response = member.send(berita(desa_kode="99.99.99.9999"))
    assert response.status_code == 422
    assert response.json["errors"]["desa_kode"] == ["Kode desa tidak dikenal."]


def test_body_that_is_not_json_gets_a_problem_document(member):
    response = member.client.post(
        "/api/v1/items", data="judul=x", headers={"X-CSRFToken": member.csrf, "Content-Type": "text/plain"}
    )
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"


def test_expired_session_gets_401_and_nothing_is_stored(app, berita):
    client = app.test_client()
    response = client.post("/api/v1/items", json=berita())
    # No session: the CSRF check or the login check refuses; either way a problem document and no row.
    assert response.status_code in (400, 401)
    assert response.mimetype == "application/problem+json"
    me = client.get("/api/v1/me")
    assert me.status_code == 401
    assert me.json["type"] == "urn:kim:problem:unauthenticated"
    assert "Masuk lagi" in me.json["detail"]
    assert count_items(app) == 0


def test_api_write_without_csrf_token_is_refused(member, berita, app):
    response = member.client.post("/api/v1/items", json=berita())
    assert response.status_code == 400
    assert response.json["type"] == "urn:kim:problem:csrf"
    assert count_items(app) == 0


def test_delta_pull_returns_verdicts_with_a_new_cursor(member, moderator, berita, app):
    body = berita()
    member.send(body)
    first = member.get("/api/v1/items").json
    assert [i["uuid"] for i in first["items"]] == [body["uuid"]]

    item_id = _item_id(app, body["uuid"])
    moderator.decide(item_id, "revisi", "Tambahkan nama kelompok tani.")
    second = member.get(f"/api/v1/items?since={first['cursor']}").json
    changed = {i["uuid"]: i for i in second["items"]}
    assert changed[body["uuid"]]["status"] == "perlu_revisi"
    assert changed[body["uuid"]]["moderator_note"] == "Tambahkan nama kelompok tani."
    assert second["cursor"] >= first["cursor"]


def test_delta_pull_skips_items_older_than_the_cursor_window(member, berita, app):
    from datetime import timedelta

    from kim_app.timeutil import utcnow

    body = berita()
    member.send(body)
    with app.app_context():
        item = db.session.scalar(select(Item))
        item.updated_at = utcnow() - timedelta(days=2)
        db.session.commit()
    cursor = (utcnow() - timedelta(hours=1)).isoformat()
    assert member.get("/api/v1/items", query_string={"since": cursor}).json["items"] == []


@pytest.mark.parametrize("cursor", ["kemarin-sore", "", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59"])
def test_unreadable_cursor_gets_a_full_pull_so_the_phone_is_whole_again(member, berita, cursor):
    body = berita()
    member.send(body)
    response = member.get("/api/v1/items", query_string={"since": cursor})
    assert response.status_code == 200
    # Year 9999 is no cursor this server wrote (outside the window of dates it takes): a full pull, not a phone that
    # never hears of a change again.
    assert [i["uuid"] for i in response.json["items"]] == [body["uuid"]]


def test_approved_berita_reports_its_public_page(member, moderator, berita, app):
    body = berita()
    member.send(body)
    moderator.decide(_item_id(app, body["uuid"]), "setujui")
    item = member.get(f"/api/v1/items/{body['uuid']}").json
    assert item["status"] == "disetujui"
    assert item["public_url"] == f"/berita/{_item_id(app, body['uuid'])}"


def test_me_tells_the_phone_who_and_where(member):
    me = member.me
    assert me["username"] == "anggota"
    assert me["role"] == "anggota"
    assert me["desa"] == {"kode": "53.04.05.2006", "nama": "Kabuna"}
    assert me["kabupaten"] == {"kode": "53.04", "nama": "Kabupaten Belu"}
    assert me["kim"]["nama"] == "KIM Kabuna"
    assert me["csrf_token"]


def _item_id(app, client_uuid: str) -> int:
    import uuid

    with app.app_context():
        return db.session.scalar(select(Item.id).where(Item.client_uuid == uuid.UUID(client_uuid)))


def test_a_pull_names_the_account_it_answers_for(member, member_in):
    """A phone with nothing to send pulls without asking /api/v1/me first; it keeps the answer only if it is for the
    member it knows (static/js/sync.js, pullAlone)."""
    me = member.get("/api/v1/me").json
    assert member.get("/api/v1/items").json["account_id"] == me["id"]
    other = member_in("53.04.05.2001")
    assert other.get("/api/v1/items").json["account_id"] not in (None, me["id"])
