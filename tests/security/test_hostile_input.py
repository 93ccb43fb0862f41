"""The bad inputs an outside test found to cause server errors, one test per class (issue 10, finding 3): each is now
refused with a sentence, or not found, and nothing is stored. Run on SQLite and PostgreSQL alike (NUL bytes and big
integers fail differently on each)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kim_app.extensions import db
from kim_app.inputs import JSON_MAX_BYTES, JSON_MAX_DEPTH
from kim_app.items.models import Item
from kim_app.timeutil import utcnow

BIG = [str(2**31), str(2**63), str(2**64), "9" * 40]


def item_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Item.id)))


# --- Integers -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("number", BIG)
def test_an_id_beyond_any_column_in_a_path_is_simply_not_found(everyone, number):
    assert everyone["anonim"].get(f"/berita/{number}").status_code == 404
    assert everyone["moderator"].get(f"/moderasi/item/{number}").status_code == 404


@pytest.mark.parametrize("halaman", [*BIG, "abc", "0", "٣"])
def test_a_page_number_that_is_no_page_is_refused_with_a_sentence(everyone, halaman):
    response = everyone["anonim"].get("/", query_string={"halaman": halaman})
    assert response.status_code == 400
    assert "Nomor halaman harus bilangan bulat" in response.get_data(as_text=True)


@pytest.mark.parametrize("number", BIG)
def test_numbers_beyond_any_column_in_the_desk_forms_are_refused_with_a_sentence(everyone, number):
    moderator, admin = everyone["moderator"], everyone["admin"]
    for path, data in (
        ("/moderasi/item/1", {"action": "setujui", "version": number}),
        ("/moderasi/massal", {"action": "setujui", "pilih": f"{number}:1"}),
        ("/moderasi/massal", {"action": "setujui", "pilih": f"1:{number}"}),
    ):
        response = moderator.client.post(path, data={**data, "csrf_token": moderator.csrf}, follow_redirects=True)
        assert response.status_code == 200
        assert "harus bilangan bulat" in response.get_data(as_text=True)
    response = admin.client.post("/admin/pengguna", follow_redirects=True, data={
        "username": "baru", "password": "rahasia12345", "role": "anggota", "nama": "Baru", "kim": number,
        "csrf_token": admin.csrf,
    })
    assert "KIM harus bilangan bulat" in response.get_data(as_text=True)
    response = moderator.get("/moderasi", query_string={"kim": number})
    assert response.status_code == 400


def test_numbers_beyond_any_column_in_the_api_are_refused_per_field(everyone, berita):
    member = everyone["anggota"]
    response = member.send(berita(author_id=2**64))
    assert response.status_code == 422
    assert "author_id" in response.json["errors"]
    body = berita()
    member.send(body)
    revision = {"revision": 2**63, "author_id": member.me["id"], "captured_at": "2026-11-28T01:00:00Z",
                "kategori": "pertanian", "judul": "J", "isi": "I"}
    response = member.post_json(f"/api/v1/items/{body['uuid']}/revisions", revision)
    assert response.status_code == 422
    assert "revision" in response.json["errors"]


# --- Dates ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("moment", [
    "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59Z",
    "1999-12-31T23:59:59Z",
])
def test_a_capture_time_at_the_calendars_edges_is_refused_with_a_sentence(app, everyone, berita, moment):
    response = everyone["anggota"].send(berita(captured_at=moment))
    assert response.status_code == 422
    assert "Tanggal harus antara 2000-01-01" in response.json["errors"]["captured_at"][0]
    assert item_count(app) == 2  # the two of the fixture


def test_a_capture_time_in_the_future_is_stored_as_the_time_received_and_the_item_opens(app, everyone, berita):
    member, moderator = everyone["anggota"], everyone["moderator"]
    ahead = (utcnow() + timedelta(days=300)).isoformat()
    body = berita(captured_at=ahead, judul="Jam HP terlalu maju")
    created = member.send(body)
    assert created.status_code == 201
    assert created.json["captured_at"] <= created.json["received_at"]
    assert member.send(body).status_code == 200  # a resend of the same body is still the same item
    with app.app_context():
        item_id = db.session.scalar(select(Item.id).where(Item.judul == "Jam HP terlalu maju"))
    assert moderator.get(f"/moderasi/item/{item_id}").status_code == 200
    assert moderator.get("/moderasi").status_code == 200


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2026-02-30", "kemarin"])
def test_the_desks_date_filters_refuse_days_outside_the_window(everyone, day):
    moderator = everyone["moderator"]
    queue = moderator.get("/moderasi", query_string={"dari": day})
    assert queue.status_code == 400
    assert "Tanggal awal" in queue.get_data(as_text=True)
    dashboard = moderator.get("/moderasi/dasbor", query_string={"sampai": day})
    assert dashboard.status_code == 422
    assert "Tanggal" in dashboard.get_data(as_text=True)
    assert moderator.get("/moderasi/dasbor.csv", query_string={"dari": day}).status_code == 422


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "1999-12", "2026-00", "2026-13", "bulan lalu",
                                   "99999999999999999999-01", "2026-10-01"])
def test_the_standings_month_refuses_months_outside_the_window(everyone, month):
    moderator = everyone["moderator"]
    page = moderator.get("/moderasi/peringkat", query_string={"bulan": month})
    assert page.status_code == 400
    assert "Bulan" in page.get_data(as_text=True)
    assert moderator.get("/moderasi/peringkat.csv", query_string={"bulan": month}).status_code == 400


# --- Text -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["\ud800", "Panen\udfff", "Panen\x00jagung"])
def test_text_that_is_not_unicode_or_holds_nul_is_refused_and_nothing_is_stored(app, everyone, berita, text):
    member = everyone["anggota"]
    for body in (berita(judul=text), berita(kategori=text), berita(desa_kode=text)):
        response = member.client.post("/api/v1/items", data=json.dumps(body), content_type="application/json",
                                      headers={"X-CSRFToken": member.csrf})
        assert response.status_code == 400
        assert response.json["type"] == "urn:kim:problem:invalid-text"
    assert item_count(app) == 2


def test_text_is_stored_in_nfc_whichever_way_the_keyboard_composed_it(app, everyone, berita):
    decomposed = "Cafe\u0301 di Atambua"  # e + combining acute, as some keyboards type it
    created = everyone["anggota"].send(berita(judul=decomposed))
    assert created.status_code == 201
    assert created.json["judul"] == "Caf\u00e9 di Atambua"


@pytest.mark.parametrize("url", ["/?q=%00", "/aduan/cek?kode=%00", "/moderasi?q=a%00b", "/api/v1/items?since=%00"])
def test_nul_in_a_query_string_is_refused(everyone, url):
    role = "moderator" if url.startswith("/moderasi") else "anggota"
    response = everyone[role].get(url)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/kabupaten/%00", "/desa/53.04%00", "/kategori/%00", "/aduan/AB%00CD"])
def test_nul_in_a_path_is_not_found(everyone, url):
    assert everyone["anonim"].get(url).status_code == 404


def test_nul_in_a_desk_form_is_refused_with_a_sentence(everyone):
    moderator = everyone["moderator"]
    response = moderator.client.post("/moderasi/item/1/sunting", follow_redirects=True, data={
        "version": "1", "judul": "Judul\x00", "isi": "Isi", "csrf_token": moderator.csrf,
    })
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


# --- JSON -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [JSON_MAX_DEPTH + 1, 5_000, 100_000])
def test_json_nested_deeper_than_the_limit_is_refused_before_parsing(everyone, depth):
    member = everyone["anggota"]
    response = member.client.post("/api/v1/items", data="[" * depth + "]" * depth, content_type="application/json",
                                  headers={"X-CSRFToken": member.csrf})
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert "terlalu dalam" in response.json["detail"]


def test_json_over_the_size_limit_is_refused_as_too_large(everyone, berita):
    member = everyone["anggota"]
    body = json.dumps(berita(isi="x" * JSON_MAX_BYTES))
    response = member.client.post("/api/v1/items", data=body, content_type="application/json",
                                  headers={"X-CSRFToken": member.csrf})
    assert response.status_code == 413
    assert response.json["type"] == "urn:kim:problem:too-large"


def test_a_number_of_thousands_of_digits_is_refused_as_unreadable_json(everyone):
    member = everyone["anggota"]
    response = member.client.post("/api/v1/items", data='{"author_id": ' + "9" * 5000 + "}",
                                  content_type="application/json", headers={"X-CSRFToken": member.csrf})
    assert response.status_code == 400
    assert response.json["type"] == "urn:kim:problem:bad-input"
