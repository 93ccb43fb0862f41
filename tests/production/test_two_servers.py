"""Two app servers of one deployment (tests/production/conftest.py): whatever a member or moderator does through one
is true on the other, a server killed in the middle of a request loses nothing, and a server refuses to start on
services that do not answer."""
from __future__ import annotations

import json
import time
import uuid

import pytest
from sqlalchemy import func, select

from kim_app.extensions import db
from kim_app.items.models import Item, Photo
from tests.chaos.server import free_port
from tests.helpers import camera_photo, item_id, make_jpeg

from .conftest import PASSWORD, Phone

pytestmark = pytest.mark.production

CHUNK = 64 * 1024


def _photo(app, photo_id: str) -> Photo:
    with app.app_context():
        photo = db.session.get(Photo, uuid.UUID(photo_id))
        db.session.expunge_all()
        return photo


def test_photo_cut_on_one_server_resumes_on_the_other_and_is_published_from_the_bucket(
        app, cluster, s3_server, berita, foto):
    a, b = cluster.start("a"), cluster.start("b")
    member = Phone().login(a, "anggota")
    assert member.get(b, "/api/v1/me").json()["username"] == "anggota"  # one sign-in serves every server
    assert member.send(a, berita()).status_code == 201
    data = camera_photo()
    body, (declared,) = foto(data)
    photo_id = declared["id"]
    assert member.send(a, body).status_code == 201

    for offset in (0, CHUNK):
        assert member.put_chunk(a, photo_id, offset, data[offset:offset + CHUNK]).status_code == 200
    member.start_and_leave(a, "PUT", f"/api/v1/photos/{photo_id}/content", data[2 * CHUNK:3 * CHUNK],
                           sent=CHUNK // 2, headers={"Upload-Offset": str(2 * CHUNK),
                                                     "Content-Type": "application/octet-stream"}).close()
    assert member.get(b, f"/api/v1/photos/{photo_id}").json()["received"] == 2 * CHUNK
    assert member.upload_from(b, photo_id, data)["state"] == "siap"

    moderator = Phone().login(b, "moderator")
    news_id = item_id(app, body)
    assert moderator.decide(b, news_id, "setujui").status_code == 302

    visitor = Phone()
    assert f"/media/{photo_id}/display.jpg" in visitor.get(a, f"/berita/{news_id}").text
    image = visitor.get(a, f"/media/{photo_id}/display.jpg")
    photo = _photo(app, photo_id)
    held = s3_server.objects(cluster.bucket)
    assert set(held) == {photo.display_key, photo.thumb_key}
    assert image.status_code == 200 and image.content == held[photo.display_key]
    assert "public" in image.headers["Cache-Control"] and "max-age=31536000" in image.headers["Cache-Control"]
    assert cluster.local_media() == []
    assert a.errors_in_log() == [] and b.errors_in_log() == []


def test_photo_stream_cut_on_one_server_keeps_what_came_and_is_finished_on_the_other(app, cluster, s3_server, foto):
    a, b = cluster.start("a"), cluster.start("b")
    member = Phone().login(a, "anggota")
    data = camera_photo()
    assert len(data) <= 1024 * 1024  # the whole photo in one PATCH
    body, (declared,) = foto(data)
    photo_id = declared["id"]
    assert member.send(a, body).json()["photos"][0]["received"] == 0
    sent = 3 * CHUNK + 5000
    member.start_and_leave(a, "PATCH", f"/api/v1/photos/{photo_id}/content", data, sent=sent,
                           headers={"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}).close()

    deadline = time.monotonic() + 20  # until server A has stored what came before the cut, in the bucket
    while (held := member.get(b, f"/api/v1/photos/{photo_id}").json()["received"]) != sent:
        assert time.monotonic() < deadline, held
        time.sleep(0.05)
    rest = member.http.patch(f"http://127.0.0.1:{b.port}/api/v1/photos/{photo_id}/content", data=data[sent:],
                             timeout=30, headers={"X-CSRFToken": member.csrf, "Upload-Offset": str(sent),
                                                  "Content-Type": "application/offset+octet-stream"})
    assert rest.status_code == 200, rest.text
    assert (rest.json()["state"], rest.json()["received"]) == ("siap", len(data))  # the SHA-256 matched
    assert a.errors_in_log() == [] and b.errors_in_log() == []


def test_failed_sign_ins_count_across_both_servers(cluster):
    limits = {"LOGIN_RATE_LIMIT_ACCOUNT": "3 per minute"}
    a, b = cluster.start("a", **limits), cluster.start("b", **limits)
    guesser = Phone()
    for server in (a, b, a):
        assert guesser.try_login(server, "anggota", "salah-terus").status_code == 200
    assert guesser.try_login(b, "anggota", "salah-terus").status_code == 429
    assert Phone().try_login(a, "anggota", PASSWORD).status_code == 429  # the account rests on every server
    assert Phone().try_login(b, "anggota2", PASSWORD).status_code == 302  # and only that account


def test_server_killed_in_the_middle_of_requests_loses_nothing_and_the_retry_lands_once(
        app, cluster, s3_server, berita, foto):
    a, b = cluster.start("a"), cluster.start("b")
    member = Phone().login(a, "anggota")
    news = berita(judul="Dikirim saat server mati")
    data = make_jpeg(900, 600, quality=95)
    body, (declared,) = foto(data)
    assert member.send(a, body).status_code == 201
    assert len(data) < CHUNK  # its one chunk is also its last: A may die while processing it

    created = json.dumps(news).encode()
    in_flight = [
        member.start_and_leave(a, "POST", "/api/v1/items", created, sent=len(created) // 2,
                               headers={"Content-Type": "application/json"}),
        member.start_and_leave(a, "PUT", f"/api/v1/photos/{declared['id']}/content", data, sent=len(data),
                               headers={"Upload-Offset": "0", "Content-Type": "application/octet-stream"}),
    ]
    a.crash()  # SIGKILL, by pid, to the master and its workers
    for connection in in_flight:
        connection.close()

    assert member.send(b, news).status_code == 201  # A had not stored the half-sent item
    assert member.send(b, news).status_code == 200  # the phone's second retry: already there
    assert member.upload_from(b, declared["id"], data)["state"] == "siap"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Item).where(
            Item.client_uuid == uuid.UUID(news["uuid"]))) == 1
        assert db.session.scalar(select(func.count()).select_from(Photo)) == 1
    photo = _photo(app, declared["id"])
    assert set(s3_server.objects(cluster.bucket)) == {photo.display_key, photo.thumb_key}
    assert b.errors_in_log() == []


def test_redis_gone_under_a_running_server_is_reported_and_sign_in_still_works(cluster, own_redis):
    server = cluster.start("a", REDIS_URL=own_redis.url)
    visitor = Phone()
    healthy = visitor.get(server, "/healthz")
    assert healthy.json() == {"status": "ok", "database": "ok", "redis": "ok", "media": "ok"}

    own_redis.stop()
    sick = visitor.get(server, "/healthz")
    assert sick.status_code == 503
    assert sick.json() == {"status": "error", "database": "ok", "redis": "unreachable", "media": "ok"}
    assert Phone().try_login(server, "anggota", "salah").status_code == 200  # refused as wrong, not a 500
    Phone().login(server, "anggota")
    assert server.errors_in_log() == []
    with pytest.raises(RuntimeError, match="KIM does not start: Redis does not answer at REDIS_URL"):
        cluster.start("b", REDIS_URL=own_redis.url)


@pytest.mark.parametrize(("setting", "value", "said"), [
    ("S3_BUCKET", "", "MEDIA_STORAGE=s3 needs S3_BUCKET"),
    ("AWS_SECRET_ACCESS_KEY", "", "MEDIA_STORAGE=s3 needs AWS_SECRET_ACCESS_KEY"),
    ("S3_BUCKET", "belum-dibuat", "KIM does not start: the bucket 'belum-dibuat' does not exist"),
    ("REDIS_URL", "redis://127.0.0.1:{port}/0", "KIM does not start: Redis does not answer at REDIS_URL"),
])
def test_server_refuses_to_start_on_bad_configuration(cluster, setting, value, said):
    with pytest.raises(RuntimeError, match=said):
        cluster.start("a", **{setting: value.format(port=free_port())})
