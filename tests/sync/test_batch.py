"""Batch sync (docs/sync-protocol.md, "Sending many items at once"): many items in one request, each answered as if
sent alone, a bad item never holding the others back, and the member's changes since their cursor in the answer."""
import json
import uuid

from sqlalchemy import func, select

from kim_app.extensions import db
from kim_app.items.models import Item
from kim_app.sync.schemas import BATCH_MAX_BYTES, BATCH_MAX_ITEMS

BATCH = "/api/v1/items/batch"


def count_items(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Item))


def statuses(answer) -> list[int]:
    return [result["status"] for result in answer.json["results"]]


def test_every_item_gets_the_answer_it_would_get_alone(member, berita, aduan, app):
    bodies = [berita(), aduan(), berita()]
    answer = member.post_json(BATCH, {"items": bodies})
    assert answer.status_code == 200
    assert statuses(answer) == [201, 201, 201]
    for body, result in zip(bodies, answer.json["results"], strict=True):
        assert result["uuid"] == body["uuid"]
        assert result["item"]["uuid"] == body["uuid"]
        assert result["item"]["status"] == "menunggu"
        assert "problem" not in result
    assert answer.json["results"][1]["item"]["tracking_code"]
    assert count_items(app) == 3
    # Each is now exactly what the single-item API shows.
    for result in answer.json["results"]:
        assert member.get(f"/api/v1/items/{result['uuid']}").json == result["item"]


def test_a_mixed_batch_answers_each_item_and_stores_only_the_good_ones(member, make_person, berita, people, app):
    stored = berita()
    member.send(stored)
    other = make_person("anggota2")
    theirs = berita(author_id=people.anggota_lain)
    other.send(theirs)
    good = berita()
    bad_field = berita(judul="")
    conflict = {**stored, "judul": "Judul lain"}
    wrong_author = berita(author_id=people.anggota_lain)
    not_an_object = "sembarang"
    taken_by_other = {**theirs, "author_id": people.anggota}
    answer = member.post_json(BATCH, {"items": [good, bad_field, stored, conflict, wrong_author, not_an_object,
                                                taken_by_other, berita()]})
    assert answer.status_code == 200
    assert statuses(answer) == [201, 422, 200, 409, 403, 422, 409, 201]
    results = answer.json["results"]
    # The same problem documents as the single-item API.
    assert results[1]["problem"]["type"] == "urn:kim:problem:validation"
    assert "judul" in results[1]["problem"]["errors"]
    assert results[3]["problem"]["type"] == "urn:kim:problem:conflict"
    assert results[3]["problem"] == member.send(conflict).json
    assert results[4]["problem"]["type"] == "urn:kim:problem:wrong-author"
    assert results[4]["problem"] == member.send(wrong_author).json
    assert results[5]["uuid"] is None
    assert results[6]["problem"] == results[3]["problem"]  # nothing about another member's item leaks
    assert count_items(app) == 4
    assert member.get(f"/api/v1/items/{stored['uuid']}").json["judul"] == stored["judul"]


def test_a_photo_id_taken_undoes_only_that_item(member, berita, app):
    photo = {"id": str(uuid.uuid4()), "sha256": "a" * 64, "size": 1000, "mime": "image/jpeg"}
    first = berita(photos=[photo])
    second = berita(photos=[photo])
    answer = member.post_json(BATCH, {"items": [first, second, berita()]})
    assert statuses(answer) == [201, 409, 201]
    assert answer.json["results"][1]["problem"]["type"] == "urn:kim:problem:photo-conflict"
    assert member.get(f"/api/v1/items/{second['uuid']}").status_code == 404
    assert count_items(app) == 2


def test_replaying_a_batch_stores_nothing_twice(member, berita, app):
    bodies = [berita() for _ in range(5)]
    first = member.post_json(BATCH, {"items": bodies})
    again = member.post_json(BATCH, {"items": bodies})
    assert statuses(first) == [201] * 5
    assert statuses(again) == [200] * 5
    assert [r["item"] for r in again.json["results"]] == [r["item"] for r in first.json["results"]]
    assert count_items(app) == 5


def test_the_answer_carries_the_members_changes_since_the_cursor(member, moderator, berita, app):
    earlier = berita()
    member.send(earlier)
    with app.app_context():
        item_id = db.session.scalar(select(Item.id).where(Item.client_uuid == uuid.UUID(earlier["uuid"])))
    first = member.post_json(BATCH, {"items": [berita()]})
    assert [c["uuid"] for c in first.json["changes"]] == [earlier["uuid"]]  # no cursor: all the others
    moderator.decide(item_id, "setujui")
    new = berita()
    answer = member.post_json(BATCH, {"items": [new], "since": first.json["cursor"]})
    changes = {c["uuid"]: c for c in answer.json["changes"]}
    assert changes[earlier["uuid"]]["status"] == "disetujui"
    assert new["uuid"] not in changes  # it is in results already
    assert answer.json["cursor"]


def test_more_than_fifty_items_is_refused_whole(member, berita, app):
    answer = member.post_json(BATCH, {"items": [berita() for _ in range(BATCH_MAX_ITEMS + 1)]})
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert "items" in answer.json["errors"]
    assert member.post_json(BATCH, {"items": []}).status_code == 422
    assert count_items(app) == 0


def test_a_batch_over_the_byte_limit_is_refused_before_it_is_read(member, berita, app):
    body = {"items": [berita(isi="x" * 6000) for _ in range(BATCH_MAX_ITEMS)]}
    assert len(json.dumps(body)) > BATCH_MAX_BYTES
    answer = member.post_json(BATCH, body)
    assert answer.status_code == 413
    assert answer.json["type"] == "urn:kim:problem:too-large"
    assert count_items(app) == 0


def test_a_batch_needs_a_member_and_the_csrf_token(member, moderator, make_person, berita, app):
    assert make_person().post_json(BATCH, {"items": [berita()]}).status_code in (400, 401)  # CSRF is checked first
    assert moderator.post_json(BATCH, {"items": [berita()]}).status_code == 403
    member.csrf = None
    answer = member.post_json(BATCH, {"items": [berita()]})
    assert answer.status_code == 400 and answer.json["type"] == "urn:kim:problem:csrf"
    assert count_items(app) == 0


def test_the_batch_is_in_the_openapi_document(app):
    spec = app.test_client().get("/api/openapi.json").json
    operation = spec["paths"]["/api/v1/items/batch"]["post"]
    assert {"200", "413", "422"} <= set(operation["responses"])


def test_the_next_pull_does_not_bring_back_what_the_batch_just_stored(member, moderator, berita, app):
    bodies = [berita() for _ in range(3)]
    answer = member.post_json(BATCH, {"items": bodies, "since": member.get("/api/v1/items").json["cursor"]})
    assert statuses(answer) == [201, 201, 201]
    # At once, well inside the safety window: nothing new for the phone.
    pulled = member.get(f"/api/v1/items?since={answer.json['cursor']}").json
    assert pulled["items"] == []
    member.send(berita())  # sent alone, by the same phone: not brought back either
    # A verdict on one of them afterwards is news again.
    with app.app_context():
        item_id = db.session.scalar(select(Item.id).where(Item.client_uuid == uuid.UUID(bodies[1]["uuid"])))
    moderator.decide(item_id, "setujui")
    pulled = member.get(f"/api/v1/items?since={pulled['cursor']}").json
    assert {item["uuid"] for item in pulled["items"]} == {bodies[1]["uuid"]}


def test_a_resent_batch_does_not_hide_its_items_from_the_next_pull(member, berita):
    """Only the items the batch created are named in its cursor: one it found already stored may have changed in a
    transaction still running, so the safety window keeps covering it."""
    body = berita()
    member.send(body)
    answer = member.post_json(BATCH, {"items": [body]})
    assert statuses(answer) == [200]
    assert "~" not in answer.json["cursor"]


def test_the_same_uuid_twice_in_one_batch_is_stored_once(member, berita, app):
    body = berita()
    answer = member.post_json(BATCH, {"items": [body, berita(), body, {**body, "judul": "Judul lain"}]})
    assert statuses(answer) == [201, 201, 200, 409]
    assert answer.json["results"][2]["item"] == answer.json["results"][0]["item"]
    assert answer.json["results"][3]["problem"]["type"] == "urn:kim:problem:conflict"
    assert count_items(app) == 2


def test_a_complaint_whose_code_is_taken_meanwhile_gets_another(member, aduan, app, monkeypatch):
    first = member.post_json(BATCH, {"items": [aduan()]}).json["results"][0]["item"]["tracking_code"]
    # The next draws give the code already taken, then fresh ones: the shared write leaves that complaint out, and it
    # is stored on its own with a code of its own.
    from kim_app.items import services as items

    draws = iter([first])
    real = items.new_tracking_code
    monkeypatch.setattr(items, "new_tracking_code", lambda: next(draws, None) or real())
    answer = member.post_json(BATCH, {"items": [aduan(), aduan()]})
    assert statuses(answer) == [201, 201]
    codes = [result["item"]["tracking_code"] for result in answer.json["results"]]
    assert first not in codes and len(set(codes)) == 2
    assert count_items(app) == 3


def test_consecutive_batches_do_not_send_back_the_earlier_ones(member, berita):
    """A phone sending its outbox in several batches, each with the cursor of the answer before."""
    cursor = member.get("/api/v1/items").json["cursor"]
    for _ in range(4):
        answer = member.post_json(BATCH, {"items": [berita() for _ in range(3)], "since": cursor})
        assert statuses(answer) == [201] * 3
        assert answer.json["changes"] == []
        cursor = answer.json["cursor"]
    assert member.get(f"/api/v1/items?since={cursor}").json["items"] == []


def test_a_cursor_is_a_moment_alone_and_an_earlier_versions_cursor_with_names_is_still_read(member, berita):
    """Cursors no longer name items (they travel in every pull's request line, on 2G); a phone still holding one of
    an earlier version, names and all, pulls from its moment as before — not a full pull."""
    cursor = member.get("/api/v1/items").json["cursor"]
    answer = member.post_json(BATCH, {"items": [berita() for _ in range(3)], "since": cursor})
    assert len(answer.json["cursor"]) == len("2026-12-08T02:30:00.000000Z")
    moment = answer.json["cursor"]
    old_style = f"{moment}~{moment}~0123abcd4567ef01"
    assert member.get(f"/api/v1/items?since={old_style}").json["items"] == []
    assert len(member.get("/api/v1/items?since=").json["items"]) == 3  # a full pull: everything


def test_a_long_outbox_is_not_sent_back_and_reaches_the_members_other_phone(member, make_person, berita):
    """300 items in six batches, well inside the safety window: more than a cursor can name (250). The phone that sent
    them gets none back, in any batch's answer or in its next pull; the same member signed in on another phone gets
    every one of them in its pull."""
    other_phone = make_person("anggota")
    other_cursor = other_phone.get("/api/v1/items").json["cursor"]
    cursor = member.get("/api/v1/items").json["cursor"]
    sent = set()
    for _ in range(6):
        bodies = [berita() for _ in range(50)]
        answer = member.post_json(BATCH, {"items": bodies, "since": cursor})
        assert statuses(answer) == [201] * 50
        assert answer.json["changes"] == []
        cursor = answer.json["cursor"]
        sent |= {body["uuid"] for body in bodies}
    assert member.get(f"/api/v1/items?since={cursor}").json["items"] == []
    pulled = other_phone.get(f"/api/v1/items?since={other_cursor}").json["items"]
    assert {item["uuid"] for item in pulled} == sent
