"""The streamed photo upload (docs/sync-protocol.md, "Resumable upload, streamed"): the rest of a photo in one
PATCH, stored piece by piece as it arrives, so a broken connection keeps what came and the phone goes on from the
server's offset.

The same through a real gunicorn and a socket that breaks off: tests/media/test_photo_stream_socket.py."""
import io
import threading

from kim_app.media import pipeline
from tests.helpers import camera_photo, make_jpeg, part_file, patch_photo, put_chunk

PIECE = 64 * 1024
MIB = 1024 * 1024


class CutStream(io.RawIOBase):
    """A request body that delivers `data` and then breaks off, as a phone's link that goes down mid-body does
    (werkzeug then sees fewer bytes than the Content-Length announced). With `hold`, it waits for that event before
    delivering anything past `hold_after` bytes: the link is slow, and another request overtakes this one."""

    def __init__(self, data: bytes, announced: int, hold: threading.Event | None = None, hold_after: int = 0,
                 reached: threading.Event | None = None):
        self.data, self.position, self.announced, self.at = data, 0, announced, 0
        self.hold, self.hold_after, self.reached = hold, hold_after, reached

    def readable(self):
        return True

    # The test client measures a body by seeking to its end: the length announced, not the bytes that will come.
    def seek(self, offset, whence=io.SEEK_SET):
        self.at = self.announced if whence == io.SEEK_END else offset
        return self.at

    def tell(self):
        return self.at

    def readinto(self, buffer):
        if self.hold is not None and self.position >= self.hold_after:
            self.reached.set()
            self.hold.wait(timeout=30)
            self.hold = None
        chunk = self.data[self.position:self.position + min(len(buffer), PIECE)]
        buffer[:len(chunk)] = chunk
        self.position += len(chunk)
        return len(chunk)


def send_cut(person, photo_id, offset, stream):
    return person.client.patch(
        f"/api/v1/photos/{photo_id}/content", input_stream=stream,
        headers={"X-CSRFToken": person.csrf, "Upload-Offset": str(offset),
                 "Content-Type": "application/offset+octet-stream"},
    )


def test_whole_photo_in_one_request_becomes_siap(app, member, foto):
    data = camera_photo()
    assert len(data) > 3 * PIECE
    body, (declared,) = foto(data)
    answer = member.send(body)
    assert answer.json["photos"][0]["received"] == 0  # where to start, without asking first

    response = patch_photo(member, declared["id"], 0, data)
    assert response.status_code == 200
    assert (response.json["state"], response.json["received"]) == ("siap", len(data))
    expected = pipeline.process(io.BytesIO(data))
    assert member.client.get(response.json["display_url"]).get_data() == expected.display
    assert not part_file(app, declared["id"]).exists()


def test_a_body_cut_midway_keeps_what_arrived_and_the_upload_resumes_there(app, member, foto):
    data = camera_photo(seed=4)
    body, (declared,) = foto(data)
    member.send(body)
    arrived = 2 * PIECE + 5000  # the link went down inside the third piece

    send_cut(member, declared["id"], 0, CutStream(data[:arrived], announced=MIB))

    state = member.get(f"/api/v1/photos/{declared['id']}").json
    assert (state["state"], state["received"]) == ("menunggu", arrived)
    assert part_file(app, declared["id"]).read_bytes() == data[:arrived]
    more = patch_photo(member, declared["id"], state["received"], data[state["received"]:MIB])
    assert more.json["received"] == MIB
    done = patch_photo(member, declared["id"], MIB, data[MIB:])
    assert (done.json["state"], done.json["received"]) == ("siap", len(data))


def test_a_photo_larger_than_one_request_goes_in_several(member, foto):
    data = camera_photo(seed=1, width=2400, height=1800)
    assert len(data) > 1024 * 1024
    body, (declared,) = foto(data)
    member.send(body)
    answers = [patch_photo(member, declared["id"], offset, data[offset:offset + MIB])
               for offset in range(0, len(data), MIB)]
    assert [(a.json["state"], a.json["received"]) for a in answers] == [
        ("menunggu", MIB), ("menunggu", 2 * MIB), ("siap", len(data))]


def test_more_than_1_mib_in_one_request_is_413_and_nothing_is_stored(app, member, foto):
    data = camera_photo(seed=1, width=2400, height=1800)
    body, (declared,) = foto(data)
    member.send(body)
    response = patch_photo(member, declared["id"], 0, data[:MIB + 1])
    assert response.status_code == 413
    assert response.json["type"] == "urn:kim:problem:chunk-too-large"
    assert "1024 KiB" in response.json["detail"]
    assert not part_file(app, declared["id"]).exists()


def test_wrong_offset_is_refused_before_a_byte_is_stored(app, member, foto):
    data = camera_photo()
    body, (declared,) = foto(data)
    member.send(body)
    put_chunk(member, declared["id"], 0, data[:1000])
    response = patch_photo(member, declared["id"], 5000, data[5000:])
    assert response.status_code == 409
    assert response.json["type"] == "urn:kim:problem:wrong-offset"
    assert response.json["received"] == 1000
    assert part_file(app, declared["id"]).read_bytes() == data[:1000]


def test_a_body_past_the_declared_size_is_refused_before_a_byte_is_stored(app, member, foto):
    data = make_jpeg()
    body, (declared,) = foto(data)
    member.send(body)
    response = patch_photo(member, declared["id"], 0, data + b"tambahan")
    assert response.status_code == 422
    assert response.json["type"] == "urn:kim:problem:too-many-bytes"
    assert member.get(f"/api/v1/photos/{declared['id']}").json["received"] == 0
    assert not part_file(app, declared["id"]).exists()


def test_a_body_without_its_length_is_refused(member, foto):
    data = make_jpeg()
    body, (declared,) = foto(data)
    member.send(body)
    response = member.client.patch(
        f"/api/v1/photos/{declared['id']}/content", data=data,
        environ_overrides={"HTTP_TRANSFER_ENCODING": "chunked"},  # no length: the body's end is its last chunk
        headers={"X-CSRFToken": member.csrf, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert response.status_code == 411
    assert response.json["type"] == "urn:kim:problem:length-required"


def test_a_photo_already_siap_answers_its_state_to_a_stream(member, foto):
    data = make_jpeg()
    body, (declared,) = foto(data)
    member.send(body)
    assert patch_photo(member, declared["id"], 0, data).json["state"] == "siap"
    again = patch_photo(member, declared["id"], 0, data)  # the answer was lost: the phone sends again
    assert (again.status_code, again.json["state"]) == (200, "siap")


def test_a_resumed_stream_overtaking_the_cut_one_is_never_interleaved(app, make_person, foto):
    """The phone lost its link in the middle of a stream and resumed from the server's offset on a new connection,
    while the server still reads the old one (another worker). The old one's late piece is refused; the bytes stored
    are the photo's, in order."""
    data = camera_photo(seed=5)
    old_phone, new_phone = make_person("anggota"), make_person("anggota")
    body, (declared,) = foto(data)
    old_phone.send(body)
    release, reached = threading.Event(), threading.Event()
    old = CutStream(data[:MIB], announced=MIB, hold=release, hold_after=PIECE, reached=reached)
    answers = {}
    thread = threading.Thread(target=lambda: answers.setdefault(
        "old", send_cut(old_phone, declared["id"], 0, old)))
    thread.start()
    assert reached.wait(timeout=30)  # the first piece is in; the old body stalls

    resumed_at = new_phone.get(f"/api/v1/photos/{declared['id']}").json["received"]
    assert resumed_at == PIECE
    resumed = patch_photo(new_phone, declared["id"], resumed_at, data[resumed_at:resumed_at + PIECE])
    assert resumed.json["received"] == 2 * PIECE
    release.set()
    thread.join(timeout=30)

    late = answers["old"]
    assert late.status_code == 409 and late.json["type"] == "urn:kim:problem:wrong-offset"
    assert late.json["received"] == 2 * PIECE
    assert part_file(app, declared["id"]).read_bytes() == data[:2 * PIECE]
    patch_photo(new_phone, declared["id"], 2 * PIECE, data[2 * PIECE:MIB])
    done = patch_photo(new_phone, declared["id"], MIB, data[MIB:])
    assert done.json["state"] == "siap"


def test_the_openapi_document_describes_the_stream(app):
    spec = app.test_client().get("/api/openapi.json").json
    content = spec["paths"]["/api/v1/photos/{photo_id}/content"]
    assert {"put", "patch"} <= set(content)
    patch = content["patch"]
    assert {"200", "409", "411", "413", "422"} <= set(patch["responses"])
    body = patch["requestBody"]["content"]["application/offset+octet-stream"]["schema"]
    assert body["maxLength"] == 1024 * 1024
    assert any(p["name"] == "Upload-Offset" and p["in"] == "header" for p in patch["parameters"])
