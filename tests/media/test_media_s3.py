"""Media in S3-compatible object storage (MEDIA_STORAGE=s3) against a real S3 endpoint (moto's server): the same
storage promises as the local folder, photos uploaded and served from the bucket, the move of an instance's media
into a bucket, and backups either way round."""
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from kim_app import create_app
from kim_app.extensions import db
from kim_app.items.models import Photo
from kim_app.media.storage import (
    LocalStorage,
    S3Storage,
    StorageUnavailable,
    UnsafeKey,
    derivative_key,
    incoming_key,
    storage,
)
from tests.helpers import camera_photo, item_id, make_jpeg, put_chunk

PART = incoming_key("0" * 32)
PHOTO = derivative_key("ab" + "0" * 62)


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "media")
    server = request.getfixturevalue("s3_server")
    return S3Storage.from_config(server.settings(server.new_bucket()))


# --- The storage's promises, in a folder and in a bucket -------------------------------------------------------------

def test_a_saved_file_reads_back_whole_and_is_listed_by_its_key(store):
    store.save(PHOTO, b"isi foto")
    store.append_at(PART, 0, b"separuh")
    assert store.read(PHOTO) == b"isi foto"
    with store.open(PHOTO) as handle:
        assert handle.read() == b"isi foto"
    assert store.exists(PHOTO) and store.size(PHOTO) == 8
    assert sorted(store.list_keys()) == [PART, PHOTO]
    store.delete(PHOTO)
    store.delete(PART)
    assert not store.exists(PHOTO) and not store.exists(PART) and store.size(PART) == 0
    assert list(store.list_keys()) == []


def test_append_at_cuts_bytes_that_were_never_acknowledged(store):
    store.append_at(PART, 0, b"aaaa")
    store.append_at(PART, 4, b"bbbbXXXX")  # the answer to this was lost …
    store.append_at(PART, 8, b"yy")  # … a chunk after it too …
    store.append_at(PART, 4, b"cccc")  # … and the server had said received=4
    assert store.read(PART) == b"aaaacccc"
    assert store.size(PART) == 8
    with pytest.raises(ValueError):
        store.append_at(PART, 100, b"d")


def test_storage_refuses_any_key_it_did_not_make(store):
    for key in ("../../etc/passwd", "/etc/passwd", "photos/ab/x.jpg", "incoming/../secret.part", ""):
        with pytest.raises(UnsafeKey):
            store.save(key, b"x")
        with pytest.raises(UnsafeKey):
            store.read(key)


def test_an_upload_begun_through_one_server_continues_through_another(s3_server):
    settings = s3_server.settings(s3_server.new_bucket())
    first, second = S3Storage.from_config(settings), S3Storage.from_config(settings)
    first.append_at(PART, 0, b"a" * 1000)
    assert second.size(PART) == 1000
    second.append_at(PART, 1000, b"b" * 10)
    assert first.read(PART) == b"a" * 1000 + b"b" * 10


def test_a_bucket_that_is_missing_or_unreachable_is_named(s3_server):
    settings = s3_server.settings("tidak-ada")
    with pytest.raises(StorageUnavailable, match="'tidak-ada' does not exist"):
        S3Storage.from_config(settings).check()
    closed = {**settings, "S3_ENDPOINT_URL": f"http://127.0.0.1:{_closed_port()}"}
    with pytest.raises(StorageUnavailable, match="cannot be reached"):
        S3Storage.from_config(closed).check()


def test_s3_without_bucket_or_credentials_refuses_to_start(s3_server):
    settings = s3_server.settings("kim")
    for missing, said in (("S3_BUCKET", "needs S3_BUCKET"), ("AWS_SECRET_ACCESS_KEY", "needs AWS_SECRET_ACCESS_KEY")):
        with pytest.raises(RuntimeError, match=said):
            create_app({"KIM_ENV": "test", **settings, missing: ""})
    with pytest.raises(RuntimeError, match="MEDIA_STORAGE must be 'local' or 's3'"):
        create_app({"KIM_ENV": "test", "MEDIA_STORAGE": "nfs"})


def _closed_port() -> int:
    from tests.chaos.server import free_port

    return free_port()


# --- Photos through the app -----------------------------------------------------------------------------------------

def _send_photo(app, member, foto, upload, data: bytes) -> tuple[int, str]:
    body, (declared,) = foto(data)
    assert member.send(body).status_code == 201
    answer = upload(member, declared["id"], data)
    assert answer.json["state"] == "siap", answer.get_data(as_text=True)
    return item_id(app, body), declared["id"]


def _keys(app, photo_id: str) -> tuple[str, str]:
    with app.app_context():
        photo = db.session.get(Photo, uuid.UUID(photo_id))
        return photo.display_key, photo.thumb_key


def test_photo_uploaded_in_chunks_lives_in_the_bucket_and_is_served_from_it(
        app, s3_media, s3_server, member, moderator, foto, upload):
    data = camera_photo()
    assert len(data) > 3 * 64 * 1024
    news_id, photo_id = _send_photo(app, member, foto, upload, data)
    display, thumb = _keys(app, photo_id)
    held = s3_server.objects(s3_media)
    assert set(held) == {display, thumb}  # the chunks and the original are gone once the derivatives are safe
    assert not (Path(app.config["MEDIA_ROOT"]) / display).exists()

    moderator.decide(news_id, "setujui")
    visitor = app.test_client()
    served = visitor.get(f"/media/{photo_id}/display.jpg")
    assert served.status_code == 200 and served.get_data() == held[display]
    assert served.headers["Content-Type"] == "image/jpeg"
    assert {"public", "max-age=31536000", "immutable"} <= set(served.headers["Cache-Control"].split(", "))
    assert "Location" not in served.headers
    again = visitor.get(f"/media/{photo_id}/display.jpg", headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_an_unpublished_photo_in_the_bucket_is_only_for_its_author_and_moderators(
        app, s3_media, member, foto, upload):
    _, photo_id = _send_photo(app, member, foto, upload, make_jpeg(300, 200))
    assert app.test_client().get(f"/media/{photo_id}/thumb.jpg").status_code == 404
    own = member.get(f"/media/{photo_id}/thumb.jpg")
    assert own.status_code == 200
    assert "private" in own.headers["Cache-Control"] and "public" not in own.headers["Cache-Control"]


def test_health_check_reports_the_bucket(app, s3_media, s3_server):
    assert app.test_client().get("/healthz").json == {"status": "ok", "database": "ok", "media": "ok"}
    s3_server.client().delete_bucket(Bucket=s3_media)
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json == {"status": "error", "database": "ok", "media": "unreachable"}


# --- Moving an instance's media into a bucket ------------------------------------------------------------------------

def test_media_to_s3_moves_every_file_under_the_same_key_and_photos_are_still_served(
        app, bucket_settings, s3_server, member, moderator, foto, upload, monkeypatch):
    news_id, photo_id = _send_photo(app, member, foto, upload, make_jpeg(400, 300))
    waiting, _ = foto(make_jpeg(500, 300))
    member.send(waiting)
    half = make_jpeg(500, 300)
    upload(member, waiting["photos"][0]["id"], half[:1000])  # an upload in progress moves too
    moderator.decide(news_id, "setujui")
    root = Path(app.config["MEDIA_ROOT"])
    local = {key: (root / key).read_bytes() for key in LocalStorage(root).list_keys()}
    display, thumb = _keys(app, photo_id)
    part = incoming_key(uuid.UUID(waiting["photos"][0]["id"]).hex)
    assert {display, thumb, part} <= set(local)

    for name, value in bucket_settings.items():  # the operator sets the S3_ variables, storage still local
        if name != "MEDIA_STORAGE":
            monkeypatch.setitem(app.config, name, value)
    moved = app.test_cli_runner().invoke(args=["kim", "media-to-s3", "--delete-local"])
    assert moved.exit_code == 0, moved.output
    assert f"{len(local)} berkas disalin" in moved.output

    bucket = S3Storage.from_config(bucket_settings)
    assert {key: bucket.read(key) for key in bucket.list_keys()} == local
    assert list(LocalStorage(root).list_keys()) == []
    again = app.test_cli_runner().invoke(args=["kim", "media-to-s3"])
    assert "0 berkas disalin" in again.output

    monkeypatch.setitem(app.config, "MEDIA_STORAGE", "s3")
    app.extensions.pop("kim_s3_storage", None)
    served = app.test_client().get(f"/media/{photo_id}/display.jpg")
    assert served.status_code == 200 and served.get_data() == local[display]
    assert member.get(f"/api/v1/photos/{waiting['photos'][0]['id']}").json["received"] == 1000
    app.extensions.pop("kim_s3_storage", None)


def test_media_to_s3_without_a_bucket_says_what_is_missing(app):
    refused = app.test_cli_runner().invoke(args=["kim", "media-to-s3"])
    assert refused.exit_code != 0
    assert "S3_BUCKET" in refused.output


# --- Backups with media in a bucket -------------------------------------------------------------------------------

@pytest.fixture
def empty_instance(second_instance):
    return lambda **media: second_instance("restore_s3", **media)


def _backup_and_restore(app, restored, tmp_path):
    archive = tmp_path / "kim.tar.gz"
    made = app.test_cli_runner().invoke(args=["kim", "backup", str(archive)])
    assert made.exit_code == 0, made.output
    loaded = restored.test_cli_runner().invoke(args=["kim", "restore", str(archive)])
    assert loaded.exit_code == 0, loaded.output


def test_backup_from_a_bucket_restores_into_a_local_folder(
        app, s3_media, s3_server, member, moderator, foto, upload, empty_instance, tmp_path):
    news_id, photo_id = _send_photo(app, member, foto, upload, make_jpeg(400, 300))
    moderator.decide(news_id, "setujui")
    held = s3_server.objects(s3_media)
    restored = empty_instance()
    _backup_and_restore(app, restored, tmp_path)

    root = Path(restored.config["MEDIA_ROOT"])
    assert {key: (root / key).read_bytes() for key in held} == held
    served = restored.test_client().get(f"/media/{photo_id}/display.jpg")
    assert served.status_code == 200 and served.get_data() == held[_keys(app, photo_id)[0]]


def test_backup_from_a_local_folder_restores_into_a_bucket(
        app, s3_server, member, moderator, foto, upload, empty_instance, tmp_path):
    news_id, photo_id = _send_photo(app, member, foto, upload, make_jpeg(400, 300))
    moderator.decide(news_id, "setujui")
    display, thumb = _keys(app, photo_id)
    bucket = s3_server.new_bucket()
    restored = empty_instance(**s3_server.settings(bucket))
    _backup_and_restore(app, restored, tmp_path)

    held = s3_server.objects(bucket)
    root = Path(app.config["MEDIA_ROOT"])
    assert held[display] == (root / display).read_bytes() and held[thumb] == (root / thumb).read_bytes()
    served = restored.test_client().get(f"/media/{photo_id}/display.jpg")
    assert served.status_code == 200 and served.get_data() == held[display]
    with restored.app_context():
        assert db.session.scalar(select(Photo.state).where(Photo.id == uuid.UUID(photo_id))) == "siap"


@pytest.mark.parametrize("media", ["local", "s3"])
def test_a_part_that_lost_acknowledged_bytes_is_asked_for_again(request, app, media, member, foto, upload):
    if media == "s3":
        request.getfixturevalue("s3_media")
    chunk = 64 * 1024
    data = camera_photo(seed=3)
    body, (declared,) = foto(data)
    member.send(body)
    for offset in (0, chunk):
        assert put_chunk(member, declared["id"], offset, data[offset:offset + chunk]).status_code == 200
    with app.app_context():
        storage().delete(incoming_key(uuid.UUID(declared["id"]).hex))  # a restore that lacked the part

    refused = put_chunk(member, declared["id"], 2 * chunk, data[2 * chunk:3 * chunk])
    assert refused.status_code == 409 and refused.json["received"] == 0
    assert member.get(f"/api/v1/photos/{declared['id']}").json["received"] == 0
    assert upload(member, declared["id"], data).json["state"] == "siap"
