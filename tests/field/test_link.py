"""The throttling link of benchmarks/field_2g.py (tests/field/link.py): it forwards HTTP/1.1 exchanges unchanged,
keep-alive included, counts them, and makes them take at least as long as the configured link allows.

Upstream is the standard library's HTTP/1.1 server; the client speaks raw HTTP over a socket, so the bytes counted
can be compared with the bytes received. Timing is asserted only as lower bounds computed from the profile (a busy
machine makes everything slower, never faster).
"""
from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .link import Link, Profile

BODY = b"kabar dari desa " * 320  # 5,120 bytes


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def do_GET(self):
        body = BODY if self.path == "/berita" else b"ok"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        received = self.rfile.read(int(self.headers["Content-Length"]))
        body = f"diterima {len(received)}".encode()
        self.send_response(201)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def upstream():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def make_link(upstream):
    links = []

    def make(profile: Profile) -> Link:
        link = Link(upstream, profile).start()
        links.append(link)
        return link

    yield make
    for link in links:
        link.stop()


def read_answer(sock: socket.socket) -> tuple[bytes, bytes]:
    """One HTTP/1.1 answer with a Content-Length body: (head, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = int(next(line.split(b":")[1] for line in lines if line.lower().startswith(b"content-length")))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk
        body += chunk
    return head + b"\r\n\r\n", body


def request(path: str, body: bytes | None = None) -> bytes:
    if body is None:
        return f"GET {path} HTTP/1.1\r\nHost: kim\r\n\r\n".encode()
    return f"POST {path} HTTP/1.1\r\nHost: kim\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body


def no_answer(sock: socket.socket) -> bool:
    """True when a request on this connection gets no answer: the connection is reset or closed."""
    try:
        sock.sendall(request("/kosong"))
        return sock.recv(1) == b""
    except OSError:
        return True


FAST = Profile(down_kbps=100_000, up_kbps=100_000, rtt_ms=2)


def test_exchanges_on_one_kept_alive_connection_are_forwarded_and_counted(make_link):
    link = make_link(FAST)
    sent = [request("/berita"), request("/items", b'{"judul": "Panen jagung"}'), request("/kosong")]
    received = []
    with socket.create_connection(("127.0.0.1", link.port)) as sock:
        for raw in sent:
            sock.sendall(raw)
            received.append(read_answer(sock))

    assert received[0][1] == BODY
    assert received[1][0].startswith(b"HTTP/1.1 201") and received[1][1] == b"diterima 25"
    assert received[2][1] == b"ok"
    totals = link.snapshot()
    assert totals.connections == 1
    assert totals.requests == totals.responses == 3
    assert totals.request_head_bytes + totals.request_body_bytes == sum(len(raw) for raw in sent)
    assert totals.request_body_bytes == 25
    assert totals.response_head_bytes == sum(len(head) for head, _ in received)
    assert totals.response_body_bytes == sum(len(body) for _, body in received)
    assert [(e.method, e.path, e.status) for e in link.exchanges] == [
        ("GET", "/berita", 200), ("POST", "/items", 201), ("GET", "/kosong", 200)]
    assert all(e.answered_at >= e.sent_at for e in link.exchanges)


def test_a_new_connection_pays_the_handshake_and_every_exchange_the_round_trip_and_the_bytes(make_link):
    profile = Profile(down_kbps=80, up_kbps=80, rtt_ms=200)  # 10,000 bytes/s each way
    link = make_link(profile)
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", link.port)) as sock:
        sock.sendall(request("/berita"))
        first_head, first_body = read_answer(sock)
        first = time.monotonic() - started

        started = time.monotonic()
        sock.sendall(request("/berita"))
        again_head, again_body = read_answer(sock)
        again = time.monotonic() - started

    answer_bytes = len(first_head) + len(first_body)
    one_exchange = profile.rtt + profile.up_seconds(len(request("/berita"))) + profile.down_seconds(answer_bytes)
    assert first >= profile.rtt + one_exchange  # the handshake's round trip first
    assert again >= one_exchange
    assert link.snapshot().connections == 1


def test_connections_share_one_link(make_link):
    profile = Profile(down_kbps=80, up_kbps=8_000, rtt_ms=20)  # 10,000 bytes/s down
    link = make_link(profile)
    sockets = [socket.create_connection(("127.0.0.1", link.port)) for _ in range(2)]
    answers = []

    def fetch(sock):
        sock.sendall(request("/berita"))
        answers.append(read_answer(sock))

    started = time.monotonic()
    threads = [threading.Thread(target=fetch, args=(sock,)) for sock in sockets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    both = time.monotonic() - started
    for sock in sockets:
        sock.close()

    assert [body for _, body in answers] == [BODY, BODY]
    # Each connection alone would need half of this: the two answers crossed one link, one after the other.
    assert both >= profile.down_seconds(sum(len(head) + len(body) for head, body in answers))


def test_a_link_that_goes_down_resets_connections_and_refuses_new_ones_until_it_is_up(make_link):
    link = make_link(FAST)
    kept = socket.create_connection(("127.0.0.1", link.port))
    kept.sendall(request("/kosong"))
    read_answer(kept)

    link.down()
    assert no_answer(kept)
    kept.close()
    with socket.create_connection(("127.0.0.1", link.port)) as refused:
        assert no_answer(refused)

    link.up()
    with socket.create_connection(("127.0.0.1", link.port)) as sock:
        sock.sendall(request("/kosong"))
        assert read_answer(sock)[1] == b"ok"
