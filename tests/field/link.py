"""A phone's radio link as a proxy on 127.0.0.1: a browser that talks to the app through it sees the bandwidth, the
round trip and the connection set-up of a mobile network (benchmarks/field_2g.py; tested in tests/field/).

The model, per direction (up: phone → server, down: server → phone):

- One shared link, as a phone's radio link is shared by all of its connections: bytes wait their turn for the
  link, which carries `kbps` in all, taking packet-sized segments from the connections with data waiting in turn
  (round robin), so a small answer is not stuck behind another connection's large one.
- After the link, every segment travels for half the round trip before it arrives.
- A new connection first pays a round trip (TCP's handshake) before its first byte leaves the phone; a reused
  (keep-alive) connection does not.
- `down()` is the phone losing its signal: every open connection dies (reset) and new ones are refused, until `up()`.

The proxy forwards bytes; it does not change them. It watches the HTTP/1.1 exchanges passing through (as the bytes
arrive on the far side) and counts requests, head and body bytes each way, and when each request reached the server
and its answer the phone. TLS, HTTP/2 and TCP's slow start are not modelled: the figures are for HTTP/1.1 without
the packets' own overhead.
"""
from __future__ import annotations

import socket
import struct
import threading
import time
from collections import deque
from contextlib import suppress
from dataclasses import dataclass, fields

SEGMENT = 1460  # bytes: a TCP segment on a link with a 1500-byte MTU
RECV = 65536
EOF = b""  # queued after a side's last byte: its FIN travels like data


@dataclass(frozen=True)
class Profile:
    down_kbps: float
    up_kbps: float
    rtt_ms: float

    @property
    def rtt(self) -> float:
        return self.rtt_ms / 1000

    def down_seconds(self, size: int) -> float:
        return size * 8 / (self.down_kbps * 1000)

    def up_seconds(self, size: int) -> float:
        return size * 8 / (self.up_kbps * 1000)

    def __str__(self) -> str:
        return f"{self.down_kbps:g} kbps down / {self.up_kbps:g} kbps up, {self.rtt_ms:g} ms round trip"


# WebPageTest's "2G" connectivity profile.
TWO_G = Profile(down_kbps=280, up_kbps=256, rtt_ms=800)


@dataclass
class Totals:
    """Counts over the link's life; subtract two snapshots for a window."""

    connections: int = 0
    requests: int = 0
    request_head_bytes: int = 0
    request_body_bytes: int = 0
    responses: int = 0
    response_head_bytes: int = 0
    response_body_bytes: int = 0

    def __sub__(self, other: Totals) -> Totals:
        return Totals(**{f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(self)})

    def __add__(self, other: Totals) -> Totals:
        return Totals(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @property
    def downloaded(self) -> int:
        return self.response_head_bytes + self.response_body_bytes

    @property
    def uploaded(self) -> int:
        return self.request_head_bytes + self.request_body_bytes


@dataclass
class Exchange:
    """One request and its answer, with the link's clock (time.monotonic) at the moments that matter."""

    method: str
    path: str
    connection: int
    head_bytes: int
    body_bytes: int = 0
    sent_at: float = 0.0  # the request's last byte reached the server
    status: int | None = None
    response_head_bytes: int = 0
    response_body_bytes: int = 0
    answered_at: float | None = None  # the answer's last byte reached the phone

    @property
    def totals(self) -> Totals:
        answered = self.answered_at is not None
        return Totals(requests=1, request_head_bytes=self.head_bytes, request_body_bytes=self.body_bytes,
                      responses=int(answered), response_head_bytes=self.response_head_bytes,
                      response_body_bytes=self.response_body_bytes)


class _Parser:
    """Follows the HTTP/1.1 messages of one direction of one connection, fed the bytes as they arrive."""

    def __init__(self, on_head, on_body, on_end):
        self.on_head, self.on_body, self.on_end = on_head, on_body, on_end
        self.buffer = b""
        self.remaining = 0  # body bytes still to come, for a Content-Length body
        self.state = "head"  # head | length | chunk-size | chunk-data | trailer | until-close
        self.broken = False

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while self.buffer:
            if self.state == "head":
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head, self.buffer = self.buffer[:end + 4], self.buffer[end + 4:]
                self.state, self.remaining = self.on_head(head)
                if self.state == "head":
                    self.on_end()
                elif self.state == "interim":  # 100 Continue and friends: the real answer follows
                    self.state = "head"
            elif self.state == "length":
                taken = min(self.remaining, len(self.buffer))
                self._body(taken)
                self.remaining -= taken
                if not self.remaining:
                    self._end()
            elif self.state == "until-close":
                self._body(len(self.buffer))
            elif self.state == "chunk-size":
                end = self.buffer.find(b"\r\n")
                if end < 0:
                    return
                size = int(self.buffer[:end].split(b";")[0].strip() or b"0", 16)
                self._body(end + 2)
                self.state, self.remaining = ("chunk-data", size + 2) if size else ("trailer", 0)
            elif self.state == "chunk-data":
                taken = min(self.remaining, len(self.buffer))
                self._body(taken)
                self.remaining -= taken
                if not self.remaining:
                    self.state = "chunk-size"
            elif self.state == "trailer":
                end = self.buffer.find(b"\r\n")
                if end < 0:
                    return
                self._body(end + 2)
                if end == 0:
                    self._end()

    def close(self) -> None:
        if self.state == "until-close":
            self._end()

    def _body(self, size: int) -> None:
        self.buffer = self.buffer[size:]
        self.on_body(size)

    def _end(self) -> None:
        self.state = "head"
        self.on_end()


def _headers(head: bytes) -> tuple[str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    return lines[0], headers


def _body_framing(headers: dict[str, str], no_body: bool, close_delimited: bool) -> tuple[str, int]:
    if no_body:
        return "head", 0
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return "chunk-size", 0
    if "content-length" in headers:
        length = int(headers["content-length"])
        return ("length", length) if length else ("head", 0)
    return ("until-close", 0) if close_delimited else ("head", 0)


class _Pipe:
    """One direction of one connection: bytes read from `source`, carried by the link, written to `target`."""

    def __init__(self, connection: _Connection, source: socket.socket, target: socket.socket, direction: _Direction):
        self.connection = connection
        self.source, self.target, self.direction = source, target, direction
        # (when it was queued, segment): waiting for the link, guarded by the direction's lock
        self.waiting: deque[tuple[float, bytes]] = deque()
        self.arriving: deque[tuple[float, bytes]] = deque()  # (when it arrives, segment): in flight after the link
        self.arrived = threading.Condition()
        self.closed = False


class _Direction:
    """The shared link of one direction: a scheduler thread hands out its time segment by segment."""

    def __init__(self, link: Link, kbps: float, name: str):
        self.link = link
        self.bytes_per_s = kbps * 1000 / 8
        self.name = name
        self.lock = threading.Condition()
        self.turns: deque[_Pipe] = deque()  # pipes with segments waiting, in the order of their next turn
        self.free_at = 0.0  # when the link has finished sending what it has already taken
        self.thread = threading.Thread(target=self._run, name=f"link-{name}", daemon=True)

    def submit(self, pipe: _Pipe, data: bytes) -> None:
        now = time.monotonic()
        with self.lock:
            if pipe.closed:
                return
            if data == EOF:
                pipe.waiting.append((now, EOF))
            else:
                pipe.waiting.extend((now, data[i:i + SEGMENT]) for i in range(0, len(data), SEGMENT))
            if pipe not in self.turns:
                self.turns.append(pipe)
            self.lock.notify()

    def forget(self, pipe: _Pipe) -> None:
        with self.lock:
            pipe.waiting.clear()
            with suppress(ValueError):
                self.turns.remove(pipe)

    def _run(self) -> None:
        half_rtt = self.link.profile.rtt / 2
        while not self.link.stopping.is_set():
            with self.lock:
                now = time.monotonic()
                if self.free_at > now:
                    # Still sending the last segment taken; the next turn is decided when it is done, so a
                    # connection that has data by then gets its share.
                    self.lock.wait(self.free_at - now)
                    continue
                if not self.turns:
                    self.lock.wait(0.5)
                    continue
                pipe = self.turns.popleft()
                queued_at, segment = pipe.waiting.popleft()
                if pipe.waiting:
                    self.turns.append(pipe)
                # From the link's own clock, not `now`: a late wake-up of this thread must not slow the link down.
                start = max(queued_at, self.free_at)
                self.free_at = start + len(segment) / self.bytes_per_s
                arrives = self.free_at + half_rtt
            with pipe.arrived:
                pipe.arriving.append((arrives, segment))
                pipe.arrived.notify()


class _Connection:
    def __init__(self, link: Link, number: int, client: socket.socket, upstream: socket.socket):
        self.link = link
        self.number = number
        self.client, self.upstream = client, upstream
        self.opened_at = time.monotonic()
        self.up = _Pipe(self, client, upstream, link.up_direction)
        self.down = _Pipe(self, upstream, client, link.down_direction)
        self.exchanges: deque[Exchange] = deque()  # sent to the server, not yet answered to the phone
        self.current: Exchange | None = None  # the request being read
        self.answer: Exchange | None = None  # the answer being delivered
        self.request_parser = _Parser(self._request_head, self._request_body, self._request_end)
        self.response_parser = _Parser(self._response_head, self._response_body, self._response_end)
        self.finished = 0
        self.lock = threading.Lock()

    def start(self) -> None:
        for pipe, parser in ((self.up, self.request_parser), (self.down, self.response_parser)):
            threading.Thread(target=self._read, args=(pipe,), daemon=True, name=f"link-read-{self.number}").start()
            threading.Thread(target=self._deliver, args=(pipe, parser), daemon=True,
                             name=f"link-deliver-{self.number}").start()

    def _read(self, pipe: _Pipe) -> None:
        handshake_done = self.opened_at + self.link.profile.rtt
        first = True
        while True:
            try:
                data = pipe.source.recv(RECV)
            except OSError:
                self.kill()
                return
            if pipe is self.up and first:
                # The phone's first byte leaves only once SYN and SYN-ACK have crossed the link.
                first = False
                wait = handshake_done - time.monotonic()
                if wait > 0 and self.link.stopping.wait(wait):
                    return
            if pipe is self.down and data:
                self.link._server_spoke()
            pipe.direction.submit(pipe, data)
            if not data:
                return

    def _deliver(self, pipe: _Pipe, parser: _Parser) -> None:
        while True:
            with pipe.arrived:
                while not pipe.arriving or pipe.arriving[0][0] > time.monotonic():
                    if pipe.closed:
                        return
                    timeout = max(0.0, pipe.arriving[0][0] - time.monotonic()) if pipe.arriving else None
                    pipe.arrived.wait(timeout)
                _, segment = pipe.arriving.popleft()
            # Counted as it is handed over, so that whoever reads these bytes finds them counted.
            with self.link.lock:
                try:
                    if segment == EOF:
                        parser.close()
                    elif not parser.broken:
                        parser.feed(segment)
                except (ValueError, IndexError):
                    parser.broken = True  # not HTTP/1.1 as we know it: forwarded all the same, no longer counted
            try:
                if segment == EOF:
                    pipe.target.shutdown(socket.SHUT_WR)
                    self._finish()
                    return
                pipe.target.sendall(segment)
            except OSError:
                self.kill()
                return

    def _finish(self) -> None:
        with self.lock:
            self.finished += 1
            done = self.finished == 2
        if done:
            self.close()

    # --- the parsers' callbacks, under the link's lock -----------------------------------------------------------

    def _request_head(self, head: bytes):
        line, headers = _headers(head)
        method, _, rest = line.partition(" ")
        path = rest.rsplit(" ", 1)[0]
        self.current = Exchange(method=method, path=path, connection=self.number, head_bytes=len(head))
        self.link.totals.requests += 1
        self.link.totals.request_head_bytes += len(head)
        return _body_framing(headers, no_body=False, close_delimited=False)

    def _request_body(self, size: int) -> None:
        self.current.body_bytes += size
        self.link.totals.request_body_bytes += size

    def _request_end(self) -> None:
        self.current.sent_at = time.monotonic()
        self.link.exchanges.append(self.current)
        self.exchanges.append(self.current)
        self.current = None

    def _response_head(self, head: bytes):
        line, headers = _headers(head)
        status = int(line.split(" ", 2)[1])
        self.link.totals.response_head_bytes += len(head)
        if status < 200:
            if self.exchanges:
                self.exchanges[0].response_head_bytes += len(head)
            return "interim", 0
        self.answer = self.exchanges.popleft() if self.exchanges else None
        if self.answer:
            self.answer.status = status
            self.answer.response_head_bytes += len(head)
        method = self.answer.method if self.answer else "GET"
        no_body = method == "HEAD" or status in (204, 304)
        return _body_framing(headers, no_body, close_delimited=True)

    def _response_body(self, size: int) -> None:
        self.link.totals.response_body_bytes += size
        if self.answer:
            self.answer.response_body_bytes += size

    def _response_end(self) -> None:
        self.link.totals.responses += 1
        if self.answer:
            self.answer.answered_at = time.monotonic()
            self.answer = None
        self.link.answered.notify_all()

    # --- ending ----------------------------------------------------------------------------------------------------

    def kill(self) -> None:
        """Both sides reset at once: the signal is gone, or one side broke the connection."""
        for sock in (self.client, self.upstream):
            with suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def close(self) -> None:
        for pipe in (self.up, self.down):
            pipe.direction.forget(pipe)
            with pipe.arrived:
                pipe.closed = True
                pipe.arriving.clear()
                pipe.arrived.notify_all()
        for sock in (self.client, self.upstream):
            with suppress(OSError):
                sock.close()
        self.link._closed(self)


class Link:
    """The proxy: listens on 127.0.0.1 (`url`), forwards to 127.0.0.1:`upstream_port` through the modelled link."""

    def __init__(self, upstream_port: int, profile: Profile = TWO_G):
        self.upstream_port = upstream_port
        self.profile = profile
        self.stopping = threading.Event()
        self.lock = threading.Lock()  # guards the counts, the exchanges and the open connections
        self.answered = threading.Condition(self.lock)  # notified when an answer has fully reached the phone
        self.spoke = threading.Condition()  # notified when the server sends anything
        self.server_sends = 0
        self.server_spoke_at = 0.0
        self.totals = Totals()
        self.exchanges: list[Exchange] = []
        self.connections: set[_Connection] = set()
        self.is_up = True
        self.up_direction = _Direction(self, profile.up_kbps, "up")
        self.down_direction = _Direction(self, profile.down_kbps, "down")
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._accept, name="link-accept", daemon=True)

    @staticmethod
    def clock() -> float:
        """The clock of every time this link records."""
        return time.monotonic()

    # --- control ---------------------------------------------------------------------------------------------------

    def start(self) -> Link:
        self.up_direction.thread.start()
        self.down_direction.thread.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        with suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() that close() alone would leave waiting
        self._listener.close()
        self._kill_all()
        self._thread.join(timeout=5)
        for direction in (self.up_direction, self.down_direction):
            with direction.lock:
                direction.lock.notify_all()
            direction.thread.join(timeout=5)

    def __enter__(self) -> Link:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def down(self) -> None:
        """The phone loses its signal: open connections die and new ones are refused."""
        self.is_up = False
        self._kill_all()

    def up(self) -> None:
        self.is_up = True

    def snapshot(self) -> Totals:
        with self.lock:
            return Totals(**{f.name: getattr(self.totals, f.name) for f in fields(Totals)})

    def exchanges_between(self, start: float, end: float) -> list[Exchange]:
        """The exchanges whose request reached the server in [start, end]."""
        with self.lock:
            return [e for e in self.exchanges if start <= e.sent_at <= end]

    def wait_until_answered(self, exchanges: list[Exchange], timeout: float) -> bool:
        """Until the phone has every answer to these requests (False after `timeout` s, or when a connection died
        before its answer: then it never comes)."""
        deadline = time.monotonic() + timeout
        with self.answered:
            while True:
                pending = [e for e in exchanges if e.answered_at is None]
                if not pending:
                    return True
                open_connections = {c.number for c in self.connections}
                if not any(e.connection in open_connections for e in pending):
                    return False
                left = deadline - time.monotonic()
                if left <= 0 or not self.answered.wait(left):
                    return not [e for e in exchanges if e.answered_at is None]

    def wait_for_server(self, seen: int, timeout: float) -> tuple[int, float]:
        """Until the server has sent something more than the `seen`-th time; returns (times, when it last spoke)."""
        with self.spoke:
            self.spoke.wait_for(lambda: self.server_sends > seen or self.stopping.is_set(), timeout)
            return self.server_sends, self.server_spoke_at

    def busy(self) -> bool:
        """Whether anything is on its way: bytes on the link, a request or an answer not yet complete."""
        with self.lock:
            connections = list(self.connections)
        for c in connections:
            if c.exchanges or c.current is not None or c.answer is not None:
                return True
            if any(pipe.waiting or pipe.arriving for pipe in (c.up, c.down)):
                return True
        return False

    # --- internals -------------------------------------------------------------------------------------------------

    def _server_spoke(self) -> None:
        with self.spoke:
            self.server_sends += 1
            self.server_spoke_at = time.monotonic()
            self.spoke.notify_all()

    def _accept(self) -> None:
        number = 0
        while not self.stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self.is_up:
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            number += 1
            connection = _Connection(self, number, client, upstream)
            with self.lock:
                self.connections.add(connection)
                self.totals.connections += 1
            connection.start()

    def _closed(self, connection: _Connection) -> None:
        with self.lock:
            self.connections.discard(connection)
            self.answered.notify_all()

    def _kill_all(self) -> None:
        with self.lock:
            connections = list(self.connections)
        for connection in connections:
            connection.kill()


__all__ = ["TWO_G", "Exchange", "Link", "Profile", "Totals"]
