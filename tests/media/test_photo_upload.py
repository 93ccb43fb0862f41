"""Photos from the field (docs/sync-protocol.md, "Photos"): declared with the item, uploaded in resumable chunks,
verified and processed on the server, shown only to those who may see the item."""
import hashlib
import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from kim_app.accounts.services import find_user
from kim_app.media import pipeline
from kim_app.sync.services import content_hash
from tests.helpers import (
    camera_photo,
    item_id,
    make_jpeg,
    media_root,
    part_file,
    photo_declaration,
    png_bomb,
    put_chunk,
    queued_ids,
)

CHUNK = 64 * 1024


def derivative_files(app) -> set[Path]:
    return set((media_root(app) / "photos").rglob("*")) if (media_root(app) / "photos").exists() else set()


def fetch(client, url: str):
    response = client.get(url)
    return response.status_code, response.get_data()


# --- Declaring ---------------------------------------------------------------------------------------------------

def test_item_declares_its_photos_which_wait_for_their_bytes(member, foto):
    data = make_jpeg()
    body, (declared,) = foto(data)
    response = member.send(body)
    assert response.status_code == 201
    assert response.json["keterangan"] == body["keterangan"]
    assert response.json["photos"] == [{
        "id": declared["id"], "position": 0, "size": len(data), "received": 0, "state": "menunggu",
        "error": None, "thumb_url": None, "display_url": None,
    }]
    assert member.get(f"/api/v1/photos/{declared['id']}").json["state"] == "menunggu"


def test_photo_story_needs_a_caption_and_a_photo(member, foto):
    body, _ = foto(make_jpeg(), keterangan="  ", photos=[])
    response = member.send(body)
    assert response.status_code == 422
    assert response.json["errors"]["keterangan"] == ["Wajib diisi."]
    assert response.json["errors"]["photos"] == ["Cerita foto perlu paling sedikit satu foto."]


def test_berita_and_aduan_may_carry_photos_too(member, berita, aduan):
    assert member.send(berita(photos=[photo_declaration(make_jpeg())])).status_code == 201
    assert member.send(aduan(photos=[photo_declaration(make_jpeg(60, 40))])).status_code == 201


def test_declared_size_over_8_mb_or_zero_is_refused(member, foto):
    body, _ = foto(make_jpeg())
    body["photos"] = [photo_declaration(b"x", size=8 * 1024 * 1024 + 1), photo_declaration(b"", size=0)]
    response = member.send(body)
    assert response.status_code == 422
    assert set(response.json["errors"]["photos"]) == {"0", "1"}
    assert "8 MB" in response.json["errors"]["photos"]["0"]["size"][0]


def test_more_than_five_photos_or_a_bad_hash_or_type_are_refused(member, foto):
    body, _ = foto(*[make_jpeg(40 + n) for n in range(6)])
    assert member.send(body).json["errors"]["photos"] == ["Paling banyak 5 foto per item."]
    body, _ = foto(make_jpeg())
    body["photos"][0].update(sha256="xyz", mime="image/gif")
    errors = member.send(body).json["errors"]["photos"]["0"]
    assert set(errors) == {"sha256", "mime"}


def test_same_item_resent_with_another_photo_list_is_a_conflict(member, foto):
    body, _ = foto(make_jpeg())
    assert member.send(body).status_code == 201
    assert member.send(body).status_code == 200
    other = {**body, "photos": [photo_declaration(make_jpeg(64, 64))]}
    response = member.send(other)
    assert response.status_code == 409
    assert response.json["type"] == "urn:kim:problem:conflict"


def test_photo_id_of_another_item_is_a_conflict(member, foto):
    body, (declared,) = foto(make_jpeg())
    member.send(body)
    second, _ = foto(make_jpeg(), photos=[declared])
    response = member.send(second)
    assert response.status_code == 409
    assert response.json["type"] == "urn:kim:problem:photo-conflict"


def test_items_without_photos_keep_their_old_content_hash():
    # The canonical form of items stored before photos existed must not change, or their resends would conflict.
    from datetime import datetime, timezone

    fields = {"judul": "Panen", "isi": "Jagung", "uraian": None, "lokasi": None, "pelapor_nama": None,
              "pelapor_telepon": None, "keterangan": None}
    captured = datetime(2026, 11, 27, 23, 15, tzinfo=timezone.utc)
    before = {"kind": "berita", "author_id": 3, "desa_kode": "53.04.05.2006",
              "captured_at": captured.isoformat(timespec="microseconds"),
              **{k: v for k, v in fields.items() if k != "keterangan"}}
    encoded = json.dumps(before, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    assert content_hash("berita", 3, "53.04.05.2006", captured, fields) == hashlib.sha256(encoded).hexdigest()


# --- Uploading ------------------------------------------------------------------------------------------------------

def test_photo_sent_in_chunks_becomes_siap_with_its_urls(app, member, foto, upload):
    data = camera_photo()
    assert len(data) > 3 * CHUNK
    body, (declared,) = foto(data)
    member.send(body)
    response = upload(member, declared["id"], data)
    assert response.status_code == 200
    photo = response.json
    assert (photo["state"], photo["received"], photo["error"]) == ("siap", len(data), None)
    assert photo["display_url"] == f"/media/{declared['id']}/display.jpg"
    assert photo["thumb_url"] == f"/media/{declared['id']}/thumb.jpg"
    assert not part_file(app, declared["id"]).exists()  # the original is not kept
    item = member.get(f"/api/v1/items/{body['uuid']}").json
    assert item["photos"][0]["state"] == "siap"


def test_upload_resumes_after_a_lost_answer_and_the_result_is_byte_identical(app, member, foto, upload):
    data = camera_photo(seed=3)
    body, (declared,) = foto(data)
    member.send(body)
    cut = CHUNK + 12345  # the connection dropped mid-chunk: the phone resends from an arbitrary place
    assert put_chunk(member, declared["id"], 0, data[:CHUNK]).status_code == 200
    assert put_chunk(member, declared["id"], CHUNK, data[CHUNK:cut]).status_code == 200
    put_chunk(member, declared["id"], cut, data[cut:cut + CHUNK])  # the answer to this one never reached the phone

    state = member.get(f"/api/v1/photos/{declared['id']}").json
    assert state["received"] == cut + CHUNK
    stale = put_chunk(member, declared["id"], cut, data[cut:cut + CHUNK])  # a blind retry is told where to go on
    assert stale.status_code == 409 and stale.json["received"] == cut + CHUNK
    done = upload(member, declared["id"], data, start=state["received"])
    assert done.json["state"] == "siap"

    expected = pipeline.process(io.BytesIO(data))
    assert fetch(member.client, done.json["display_url"]) == (200, expected.display)
    assert fetch(member.client, done.json["thumb_url"]) == (200, expected.thumb)


def test_wrong_offset_is_409_with_received(member, foto):
    data = camera_photo()
    body, (declared,) = foto(data)
    member.send(body)
    put_chunk(member, declared["id"], 0, data[:1000])
    response = put_chunk(member, declared["id"], 5000, data[5000:6000])
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] == "urn:kim:problem:wrong-offset"
    assert response.json["received"] == 1000
    assert "1000" in response.json["detail"]


def test_chunk_over_64_kib_is_413_and_nothing_is_stored(app, member, foto):
    data = camera_photo()
    body, (declared,) = foto(data)
    member.send(body)
    response = put_chunk(member, declared["id"], 0, data[: CHUNK + 1])
    assert response.status_code == 413
    assert response.json["type"] == "urn:kim:problem:chunk-too-large"
    assert "64 KiB" in response.json["detail"]
    assert member.get(f"/api/v1/photos/{declared['id']}").json["received"] == 0
    assert not part_file(app, declared["id"]).exists()


def test_bytes_past_the_declared_size_are_refused(member, foto):
    data = make_jpeg()
    body, (declared,) = foto(data)
    member.send(body)
    response = put_chunk(member, declared["id"], 0, data + b"tambahan")
    assert response.status_code == 422
    assert response.json["type"] == "urn:kim:problem:too-many-bytes"
    assert member.get(f"/api/v1/photos/{declared['id']}").json["received"] == 0


def test_wrong_sha256_discards_the_bytes_and_asks_for_a_restart(app, member, foto, upload):
    data = camera_photo()
    body, (declared,) = foto(data)
    declared["sha256"] = hashlib.sha256(b"foto lain").hexdigest()
    member.send(body)
    before = derivative_files(app)
    response = upload(member, declared["id"], data)
    assert response.status_code == 422
    assert response.json["type"] == "urn:kim:problem:hash-mismatch"
    assert response.json["received"] == 0
    state = member.get(f"/api/v1/photos/{declared['id']}").json
    assert (state["state"], state["received"]) == ("menunggu", 0)
    assert not part_file(app, declared["id"]).exists()
    assert derivative_files(app) == before


def truncated_jpeg() -> bytes:
    data = make_jpeg(800, 600, quality=95)
    return data[: len(data) // 2]


def svg() -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def strip_png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (1, 100_000)).save(out, "PNG")
    return out.getvalue()


def bomb_png() -> bytes:

    return png_bomb(40_000, 40_000)


@pytest.mark.parametrize("make, slug, words", [
    (truncated_jpeg, "damaged-image", "rusak"),
    (lambda: b"Catatan rapat desa, bukan foto.\n", "not-an-image", "bukan foto"),
    (svg, "unsupported-format", "SVG"),
    (strip_png, "extreme-aspect-ratio", "tidak wajar"),
    (bomb_png, "too-many-pixels", "terlalu besar"),
], ids=["truncated-jpeg", "text-named-jpg", "svg", "1x100000", "png-bomb"])
def test_refused_image_is_gagal_with_its_reason_and_nothing_is_kept(app, member, foto, upload, make, slug, words):
    data = make()
    body, (declared,) = foto(data)
    member.send(body)
    before = derivative_files(app)
    response = upload(member, declared["id"], data)
    assert response.status_code == 422
    assert response.json["type"] == f"urn:kim:problem:{slug}"
    assert words in response.json["detail"]
    state = member.get(f"/api/v1/photos/{declared['id']}").json
    assert state["state"] == "gagal" and words in state["error"]
    assert state["display_url"] is None and state["thumb_url"] is None
    assert not part_file(app, declared["id"]).exists()
    assert derivative_files(app) == before
    assert item_id(app, body) not in queued_ids(app)


def test_failed_photo_may_be_sent_again_from_the_start(app, member, foto, upload):
    data = truncated_jpeg()
    body, (declared,) = foto(data)
    member.send(body)
    upload(member, declared["id"], data)
    assert put_chunk(member, declared["id"], 10, data[10:20]).json["received"] == 0
    again = upload(member, declared["id"], data)
    assert again.json["type"] == "urn:kim:problem:damaged-image"  # the same bytes fail the same way


def test_polyglot_jpeg_with_html_is_served_as_a_clean_reencoded_jpeg(app, member, foto, upload):
    data = make_jpeg(300, 200) + b"<html><script>alert(document.cookie)</script></html>"
    body, (declared,) = foto(data)
    member.send(body)
    photo = upload(member, declared["id"], data).json
    response = member.client.get(photo["display_url"])
    served = response.get_data()
    assert response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert served.startswith(b"\xff\xd8") and served.endswith(b"\xff\xd9") and b"<script" not in served
    assert Image.open(io.BytesIO(served)).size == (300, 200)


def test_served_derivatives_are_upright_and_carry_no_exif_or_gps(member, foto, upload):
    data = make_jpeg(120, 80, orientation=6, gps=True)
    body, (declared,) = foto(data)
    member.send(body)
    photo = upload(member, declared["id"], data).json
    for url in (photo["display_url"], photo["thumb_url"]):
        image = Image.open(io.BytesIO(member.client.get(url).get_data()))
        assert image.size == (80, 120)
        assert image.getpixel((40, 10))[0] > 180 and image.getpixel((40, 110))[2] > 180
        assert not image.getexif() and "exif" not in image.info


def test_only_the_author_may_see_or_send_a_photos_bytes(app, member, make_person, foto):
    data = make_jpeg()
    body, (declared,) = foto(data)
    member.send(body)
    other = make_person("anggota2")
    assert other.get(f"/api/v1/photos/{declared['id']}").status_code == 404
    assert put_chunk(other, declared["id"], 0, data).status_code == 404
    stranger = app.test_client()
    response = stranger.put(f"/api/v1/photos/{declared['id']}/content", data=data, headers={"Upload-Offset": "0"})
    assert response.status_code in (400, 401)  # no session: CSRF or login refuses first, never the upload
    assert member.get(f"/api/v1/photos/{declared['id']}").json["received"] == 0


def test_missing_upload_offset_is_explained(member, foto):
    body, (declared,) = foto(make_jpeg())
    member.send(body)
    response = member.client.put(
        f"/api/v1/photos/{declared['id']}/content", data=b"x", headers={"X-CSRFToken": member.csrf}
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_same_chunk_sent_twice_at_once_is_stored_once(app, make_person, foto):
    data = camera_photo()
    phones = [make_person("anggota") for _ in range(4)]
    body, (declared,) = foto(data)
    phones[0].send(body)
    start = threading.Barrier(len(phones))

    def send(phone):
        start.wait()
        return put_chunk(phone, declared["id"], 0, data[:CHUNK])

    with ThreadPoolExecutor(len(phones)) as pool:
        codes = sorted(r.status_code for r in pool.map(send, phones))
    assert codes == [200, 409, 409, 409]
    assert part_file(app, declared["id"]).read_bytes() == data[:CHUNK]


# --- Content-addressed reuse ----------------------------------------------------------------------------------

def test_photo_already_delivered_by_the_author_is_siap_without_sending_a_byte(app, member, foto, upload):
    data = camera_photo()
    first, (declared,) = foto(data)
    member.send(first)
    delivered = upload(member, declared["id"], data).json
    second, (again,) = foto(data, keterangan="Foto yang sama untuk cerita lain")
    response = member.send(second)
    photo = response.json["photos"][0]
    assert photo["id"] == again["id"] != declared["id"]
    assert (photo["state"], photo["received"]) == ("siap", len(data))
    assert fetch(member.client, photo["display_url"]) == fetch(member.client, delivered["display_url"])
    assert not part_file(app, again["id"]).exists()
    assert item_id(app, second) in queued_ids(app)


def test_a_story_with_one_photo_already_delivered_and_one_new_is_stored(app, member, foto, upload):
    data, new = camera_photo(), make_jpeg(90, 60)
    first, (declared,) = foto(data)
    member.send(first)
    upload(member, declared["id"], data)
    second, (again, fresh) = foto(data, new, keterangan="Satu foto lama, satu baru")
    response = member.send(second)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert [photo["state"] for photo in response.json["photos"]] == ["siap", "menunggu"]
    assert item_id(app, second) not in queued_ids(app)
    assert upload(member, fresh["id"], new).json["state"] == "siap"
    assert item_id(app, second) in queued_ids(app)


def test_another_members_identical_photo_is_not_reused(member, make_person, foto, upload, people):
    data = make_jpeg()
    body, (declared,) = foto(data)
    member.send(body)
    upload(member, declared["id"], data)
    other = make_person("anggota2")
    second, _ = foto(data, author_id=people.anggota_lain)
    assert other.send(second).json["photos"][0]["state"] == "menunggu"


# --- Moderation and the public -----------------------------------------------------------------------------------

def test_item_reaches_the_queue_only_when_every_photo_is_siap(app, member, moderator, foto, upload):
    first, second = camera_photo(1), make_jpeg()
    body, declared = foto(first, second)
    member.send(body)
    number = item_id(app, body)
    assert number not in queued_ids(app)
    upload(member, declared[0]["id"], first)
    assert number not in queued_ids(app)
    page = moderator.get(f"/moderasi/item/{number}").get_data(as_text=True)
    assert "Foto belum lengkap" in page and "1 dari 2" in page and 'name="action"' not in page
    refused = moderator.decide(number, "setujui")  # a stale form, say: the desk refuses and says why
    assert "Foto item ini belum lengkap" in moderator.get(refused.headers["Location"]).get_data(as_text=True)
    assert member.get(f"/api/v1/items/{body['uuid']}").json["status"] == "menunggu"
    upload(member, declared[1]["id"], second)
    assert number in queued_ids(app)
    page = moderator.get(f"/moderasi/item/{number}").get_data(as_text=True)
    assert "Foto belum lengkap" not in page
    assert f"/media/{declared[1]['id']}/thumb.jpg" in page and f"/media/{declared[1]['id']}/display.jpg" in page


def test_one_failed_photo_does_not_stop_the_others(app, member, moderator, foto, upload):
    good, bad = make_jpeg(), b"bukan foto"
    body, declared = foto(bad, good)
    member.send(body)
    assert upload(member, declared[0]["id"], bad).status_code == 422
    assert upload(member, declared[1]["id"], good).json["state"] == "siap"
    states = [p["state"] for p in member.get(f"/api/v1/items/{body['uuid']}").json["photos"]]
    assert states == ["gagal", "siap"]
    number = item_id(app, body)
    assert number not in queued_ids(app)
    assert "ditolak server" in moderator.get(f"/moderasi/item/{number}").get_data(as_text=True)


def test_verdict_is_refused_while_photos_are_missing(app, member, foto):
    from kim_app.errors import ProblemError
    from kim_app.moderation.services import decide

    body, _ = foto(make_jpeg())
    member.send(body)
    number = item_id(app, body)
    with app.app_context(), pytest.raises(ProblemError) as refused:
        decide(find_user("moderator"), number, "setujui", None)
    assert refused.value.slug == "photos-incomplete"


def test_media_are_private_until_the_item_is_published(app, member, moderator, make_person, foto, upload):
    data = make_jpeg(200, 150)
    body, (declared,) = foto(data)
    member.send(body)
    photo = upload(member, declared["id"], data).json
    url = photo["display_url"]
    stranger, other_member = app.test_client(), make_person("anggota2")
    kupang, admin = make_person("moderator.kupang"), make_person("admin")

    assert member.get(url).status_code == 200
    assert "private" in member.get(url).headers["Cache-Control"]
    assert moderator.get(url).status_code == 200 and admin.get(url).status_code == 200
    for outsider in (stranger, other_member, kupang):
        assert outsider.get(url).status_code == 404

    assert moderator.decide(item_id(app, body), "setujui").status_code == 302
    response = stranger.get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    cache = response.headers["Cache-Control"]
    assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
    assert kupang.get(photo["thumb_url"]).status_code == 200


def test_complaint_photos_are_never_public(app, member, moderator, aduan, upload):
    data = make_jpeg()
    declared = photo_declaration(data)
    body = aduan(photos=[declared])
    member.send(body)
    url = upload(member, declared["id"], data).json["display_url"]
    moderator.decide(item_id(app, body), "setujui")
    assert app.test_client().get(url).status_code == 404
    assert moderator.get(url).status_code == 200


def test_public_page_shows_photos_with_srcset_and_og_image(app, member, moderator, foto, upload):
    data = make_jpeg(1600, 1200)
    body, (declared,) = foto(data)
    member.send(body)
    upload(member, declared["id"], data)
    number = item_id(app, body)
    moderator.decide(number, "setujui")
    visitor = app.test_client()
    page = visitor.get(f"/berita/{number}").get_data(as_text=True)
    thumb, display = f"/media/{declared['id']}/thumb.jpg", f"/media/{declared['id']}/display.jpg"
    assert f'srcset="{thumb} 320w, {display} 1280w"' in page
    assert f'property="og:image" content="http://localhost{display}"' in page
    assert 'width="1280" height="960"' in page
    assert body["keterangan"] in page
    assert thumb in visitor.get("/").get_data(as_text=True)
    assert member.get(f"/api/v1/items/{body['uuid']}").json["public_url"] == f"/berita/{number}"


@pytest.mark.parametrize("path", [
    "/media/../../etc/passwd",
    "/media/..%2F..%2Fetc%2Fpasswd/display.jpg",
    "/media/{id}/..%2F..%2F..%2Fetc%2Fpasswd.jpg",
    "/media/{id}/../../../../etc/passwd",
    "/media/{id}/passwd.jpg",
    "/media/{id}/display.jpg%00.png",
    "/api/v1/photos/..%2F..%2Fetc%2Fpasswd",
    "/api/v1/photos/../../etc/passwd/content",
])
def test_path_traversal_finds_nothing(app, member, moderator, foto, upload, path):
    data = make_jpeg()
    body, (declared,) = foto(data)
    member.send(body)
    upload(member, declared["id"], data)
    moderator.decide(item_id(app, body), "setujui")
    response = member.get(path.format(id=declared["id"]))
    assert response.status_code == 404
    assert b"root:" not in response.get_data()
