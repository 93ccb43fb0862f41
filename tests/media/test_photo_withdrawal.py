"""Withdrawing a photo that cannot be delivered (docs/sync-protocol.md, "Withdrawing a photo"): only the author, only
a photo that is not `siap`, never a photo story's last one; the item then reaches the queue without it."""
import uuid

from sqlalchemy import select

from kim_app.extensions import db
from kim_app.items.models import Item, ItemEvent
from tests.helpers import item_id, make_jpeg, part_file, put_chunk, queued_ids


def delete(person, photo_id: str):
    return person.client.delete(f"/api/v1/photos/{photo_id}", headers={"X-CSRFToken": person.csrf})


def test_withdrawn_photo_is_gone_and_its_item_reaches_the_queue(app, member, foto, upload):
    good, bad = make_jpeg(), b"bukan foto"
    body, declared = foto(good, bad)
    member.send(body)
    upload(member, declared[0]["id"], good)
    assert upload(member, declared[1]["id"], bad).status_code == 422
    assert item_id(app, body) not in queued_ids(app)

    assert delete(member, declared[1]["id"]).status_code == 204

    assert member.get(f"/api/v1/photos/{declared[1]['id']}").status_code == 404
    item = member.get(f"/api/v1/items/{body['uuid']}").json
    assert [p["id"] for p in item["photos"]] == [declared[0]["id"]]
    assert item_id(app, body) in queued_ids(app)


def test_withdrawal_is_audited_and_brought_by_the_next_pull(app, member, moderator, berita):
    data = make_jpeg()
    body = berita(photos=[{"id": str(uuid.uuid4()), "sha256": "0" * 64, "size": len(data), "mime": "image/jpeg"}])
    member.send(body)
    cursor = member.get("/api/v1/items").json["cursor"]

    assert delete(member, body["photos"][0]["id"]).status_code == 204

    pulled = member.get(f"/api/v1/items?since={cursor}").json["items"]
    assert [(i["uuid"], i["photos"]) for i in pulled] == [(body["uuid"], [])]
    with app.app_context():
        event = db.session.scalars(select(ItemEvent).order_by(ItemEvent.id.desc())).first()
        assert (event.action, event.actor_id, event.to_status) == ("hapus_foto", member.me["id"], "menunggu")
        assert event.details == {"foto": body["photos"][0]["id"], "urutan": 1, "ukuran": len(data), "diterima": 0}
    page = moderator.get(f"/moderasi/item/{item_id(app, body)}").get_data(as_text=True)
    assert f"foto ke-1 ditarik anggota sebelum lengkap (0 dari {len(data)} byte diterima)" in page


def test_withdrawing_an_unfinished_upload_deletes_its_part_file(app, member, foto):
    data = make_jpeg(400, 300)
    body, declared = foto(data, make_jpeg())
    member.send(body)
    assert put_chunk(member, declared[0]["id"], 0, data[:1000]).json["received"] == 1000
    assert part_file(app, declared[0]["id"]).exists()

    assert delete(member, declared[0]["id"]).status_code == 204

    assert not part_file(app, declared[0]["id"]).exists()


def test_withdrawing_twice_is_404_the_second_time(member, foto):
    body, declared = foto(make_jpeg(), make_jpeg(60, 40))
    member.send(body)
    assert delete(member, declared[0]["id"]).status_code == 204
    again = delete(member, declared[0]["id"])
    assert again.status_code == 404
    assert again.headers["Content-Type"] == "application/problem+json"


def test_a_photo_already_siap_cannot_be_withdrawn(member, foto, upload):
    data = make_jpeg()
    body, declared = foto(data, make_jpeg(60, 40))
    member.send(body)
    upload(member, declared[0]["id"], data)
    refused = delete(member, declared[0]["id"])
    assert refused.status_code == 409
    assert refused.json["type"].endswith("photo-ready")
    assert member.get(f"/api/v1/photos/{declared[0]['id']}").json["state"] == "siap"


def test_the_last_photo_of_a_photo_story_stays(member, foto):
    body, (declared,) = foto(make_jpeg())
    member.send(body)
    refused = delete(member, declared["id"])
    assert refused.status_code == 409
    assert refused.json["type"].endswith("last-photo")
    assert member.get(f"/api/v1/photos/{declared['id']}").status_code == 200


def test_berita_may_lose_its_only_photo(app, member, berita):
    photo = {"id": str(uuid.uuid4()), "sha256": "0" * 64, "size": 10, "mime": "image/jpeg"}
    body = berita(photos=[photo])
    member.send(body)
    assert delete(member, photo["id"]).status_code == 204
    assert item_id(app, body) in queued_ids(app)


def test_only_the_author_may_withdraw_a_photo(app, member, make_person, foto):
    body, declared = foto(make_jpeg(), make_jpeg(60, 40))
    member.send(body)
    for person in (make_person("anggota2"), make_person("moderator")):
        assert delete(person, declared[0]["id"]).status_code == 404
    assert make_person().client.delete(f"/api/v1/photos/{declared[0]['id']}").status_code in (400, 401)
    with app.app_context():
        item = db.session.scalar(select(Item).where(Item.client_uuid == uuid.UUID(body["uuid"])))
        assert len(item.photos) == 2


def test_resending_the_original_item_after_a_withdrawal_is_still_the_same_item(member, foto):
    body, declared = foto(make_jpeg(), make_jpeg(60, 40))
    member.send(body)
    delete(member, declared[1]["id"])
    again = member.send(body)
    assert again.status_code == 200
    assert [p["id"] for p in again.json["photos"]] == [declared[0]["id"]]
