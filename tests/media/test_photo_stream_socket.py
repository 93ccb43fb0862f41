"""The streamed upload through a real server, as `make run` and production serve it (gunicorn's gthread workers): a
phone whose link breaks in the middle of a body. What came before the break is kept, the phone learns the offset
from the server and sends the rest; a late piece of the old body, still read by the server after the phone resumed
on a new connection, is refused and never mixed into the photo."""
from __future__ import annotations

import http.client
import json
import re
import socket
import time

import pytest
import requests
from chaos.server import Gunicorn

from tests.helpers import camera_photo

PASSWORD = "demo12345"
PIECE = 64 * 1024
THREADED = "--worker-class gthread --threads 4 --keep-alive 75"


@pytest.fixture
def server(app, people, tmp_path):
    gunicorn = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path, tmp_path / "gunicorn.log",
                        env={"GUNICORN_CMD_ARGS": THREADED})
    gunicorn.start()
    yield gunicorn
    gunicorn.stop()


@pytest.fixture
def production_workers(app, people, tmp_path):
    """gunicorn with nothing but gunicorn.conf.py's own choice of workers, and a heartbeat timeout of 2 s."""
    gunicorn = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path, tmp_path / "gunicorn.log",
                        env={"GUNICORN_TIMEOUT": "2"})
    gunicorn.start()
    yield gunicorn
    gunicorn.stop()


class Member:
    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.port = port
        self.http = requests.Session()
        page = self.http.get(f"{self.base}/masuk", timeout=30).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        signed_in = self.http.post(f"{self.base}/masuk", data={"username": "anggota", "password": PASSWORD,
                                                               "csrf_token": token}, allow_redirects=False, timeout=30)
        assert signed_in.status_code == 302
        self.csrf = self.http.get(f"{self.base}/api/v1/me", timeout=30).json()["csrf_token"]

    def send(self, body: dict) -> dict:
        answer = self.http.post(f"{self.base}/api/v1/items", json=body, headers={"X-CSRFToken": self.csrf},
                                timeout=30)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def received(self, photo_id: str) -> int:
        return self.http.get(f"{self.base}/api/v1/photos/{photo_id}", timeout=30).json()["received"]

    def stream(self, photo_id: str, offset: int, data: bytes) -> requests.Response:
        return self.http.patch(f"{self.base}/api/v1/photos/{photo_id}/content", data=data, timeout=60, headers={
            "X-CSRFToken": self.csrf, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})

    def begin_stream(self, photo_id: str, offset: int, length: int, first: bytes) -> socket.socket:
        """A PATCH announcing `length` bytes of body, of which only `first` is sent (so far)."""
        connection = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        head = [f"PATCH /api/v1/photos/{photo_id}/content HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                f"Content-Length: {length}", f"Cookie: {cookies}", f"X-CSRFToken: {self.csrf}",
                f"Upload-Offset: {offset}", "Content-Type: application/offset+octet-stream"]
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + first)
        return connection


def until_received(member: Member, photo_id: str, expected: int, timeout: float = 20) -> int:
    """Wait on the condition: the server holds `expected` bytes of the photo."""
    deadline = time.monotonic() + timeout
    while (held := member.received(photo_id)) != expected:
        assert time.monotonic() < deadline, f"the server holds {held} bytes, not {expected}"
        time.sleep(0.02)
    return held


def test_a_connection_cut_inside_the_body_keeps_the_bytes_that_came_and_the_phone_resumes(server, foto):
    member = Member(server.port)
    data = camera_photo()
    body, (declared,) = foto(data)
    assert member.send(body)["photos"][0]["received"] == 0
    sent = 3 * PIECE + 1000  # the link went down inside the fourth piece

    member.begin_stream(declared["id"], 0, len(data), data[:sent]).close()

    resume_at = until_received(member, declared["id"], sent)
    done = member.stream(declared["id"], resume_at, data[resume_at:])
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["received"]) == ("siap", len(data))  # the SHA-256 matched
    assert server.errors_in_log() == []


def test_a_late_piece_of_the_cut_body_is_refused_after_the_phone_resumed_elsewhere(server, foto):
    member = Member(server.port)
    data = camera_photo(seed=2)
    body, (declared,) = foto(data)
    member.send(body)
    length = 8 * PIECE
    old = member.begin_stream(declared["id"], 0, length, data[:2 * PIECE + 10])
    try:
        # The phone believes the link is gone; the server is still inside the old body, waiting for its third piece.
        resume_at = until_received(member, declared["id"], 2 * PIECE)
        assert member.stream(declared["id"], resume_at, data[resume_at:4 * PIECE]).json()["received"] == 4 * PIECE

        old.sendall(data[2 * PIECE + 10:length])  # the old connection comes back to life
        answer = http.client.HTTPResponse(old)
        answer.begin()
        refusal = json.loads(answer.read())
    finally:
        old.close()
    assert answer.status == 409
    assert (refusal["type"], refusal["received"]) == ("urn:kim:problem:wrong-offset", 4 * PIECE)

    assert member.received(declared["id"]) == 4 * PIECE
    done = member.stream(declared["id"], 4 * PIECE, data[4 * PIECE:])
    assert done.json()["state"] == "siap"  # nothing of the old body was mixed in: the SHA-256 matched
    assert server.errors_in_log() == []


def test_a_body_slower_than_the_workers_timeout_is_taken_whole(production_workers, foto):
    """gunicorn.conf.py's workers survive a 2G body: the timeout is their heartbeat, not a request's length."""
    server = production_workers
    member = Member(server.port)
    data = camera_photo(seed=3, width=800, height=600)
    assert len(data) > 3 * PIECE
    body, (declared,) = foto(data)
    member.send(body)
    workers = set(server.worker_pids())
    connection = member.begin_stream(declared["id"], 0, len(data), data[:PIECE])
    try:
        started = time.monotonic()
        for held in range(PIECE, len(data), PIECE):
            until_received(member, declared["id"], held)
            # The phone's link is slow: the next piece comes a second later (twice the workers' timeout in all).
            time.sleep(1.0)
            connection.sendall(data[held:held + PIECE])
        answer = http.client.HTTPResponse(connection)
        answer.begin()
        state = json.loads(answer.read())
    finally:
        connection.close()
    assert time.monotonic() - started > 2 * 1.0
    assert (answer.status, state["state"], state["received"]) == (200, "siap", len(data))
    assert set(server.worker_pids()) == workers, "a worker was killed inside the slow body"
    assert "WORKER TIMEOUT" not in server.log_tail(200)
