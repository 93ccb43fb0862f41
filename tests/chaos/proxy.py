"""A small HTTP/1.1 proxy that breaks requests on purpose, between a real browser and the app (tests/chaos/).

Each connection carries one request: the proxy reads it whole, decides its fate, and answers with the connection
closed, so the browser never reuses a socket (and never retries a request on its own behind the app's back).
Which requests may be broken is a predicate (by default the member API, /api/); the fault of each is drawn from a
random generator seeded by the caller, so a failing run can be replayed with the same seed.

The faults, each a thing a 2G phone or a reverse proxy really does:

- drop_request   the request never reaches the server; the connection closes without an answer
- drop_response  the server processes the request, but its answer is lost (the case idempotency exists for)
- cut_request    half the body reaches the server, then both connections are reset
- cut_response   the server processes the request; half its answer arrives, then the connection is reset
- http_502/503   the proxy answers itself, as nginx does when the app is down or overloaded
- latency        the request goes through, late

Only loopback traffic: it listens on 127.0.0.1 and forwards to 127.0.0.1.
"""
from __future__ import annotations

import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

FAULT_WEIGHTS = {
    "drop_request": 2,
    "drop_response": 3,
    "cut_request": 1,
    "cut_response": 2,
    "http_502": 1,
    "http_503": 1,
    "latency": 2,
}
HEAD_LIMIT = 64 * 1024
TIMEOUT_S = 30


@dataclass
class Request:
    method: str
    path: str
    head: bytes  # request line and headers, rewritten for the upstream ("Connection: close")
    body: bytes
    number: int = 0  # 1, 2, … in order of arrival, over all requests
    fault: str | None = None
    delay: float = 0.0  # seconds, for the latency fault
    held: bool = False

    def header(self, name: str) -> str | None:
        for line in self.head.decode("latin-1").split("\r\n")[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == name.lower():
                return value.strip()
        return None

    def json(self):
        return json.loads(self.body)
    status: int | None = None  # the server's status, when it answered


@dataclass
class Hold:
    """Keeps the answer to the first request matching `match` back until released (after the server processed it)."""

    match: object
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    request: Request | None = None

    def release(self) -> None:
        self.released.set()


def api_only(method: str, path: str) -> bool:
    return path.startswith("/api/")


class FaultProxy:
    def __init__(self, upstream_port: int, seed: int, fault_rate: float = 0.0, faulty=api_only, weights=None):
        self.upstream_port = upstream_port
        self.seed = seed
        self.fault_rate = fault_rate
        self.faulty = faulty
        self.weights = dict(weights or FAULT_WEIGHTS)
        self.faults: Counter[str] = Counter()
        self.requests: list[Request] = []
        # Called with the Request once it is entirely in the server's hands, before its answer is read.
        self.on_forwarded = None
        # Called with each Request as it arrives: a fault's name to impose on it (e.g. "drop_response" for a chosen
        # request), or None to leave it to chance.
        self.impose = None
        self._hold: Hold | None = None
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)

    # --- control, from the test ----------------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() that close() alone would leave waiting
        self._listener.close()
        self._thread.join(timeout=5)
        if self._hold:
            self._hold.release()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @contextmanager
    def calm(self):
        """No faults inside the block (signing in, say, which is not what a chaos test is about)."""
        rate, self.fault_rate = self.fault_rate, 0.0
        try:
            yield
        finally:
            self.fault_rate = rate

    def hold(self, match) -> Hold:
        self._hold = Hold(match)
        return self._hold

    def wait_for_requests(self, count: int, timeout: float = TIMEOUT_S) -> bool:
        """Until `count` requests have arrived in all; False if they did not within `timeout` seconds."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.requests) >= count, timeout)

    def upstream_statuses(self) -> Counter[int]:
        with self._lock:
            return Counter(r.status for r in self.requests if r.status is not None)

    def answers_lost(self) -> list[Request]:
        """Requests the server processed whose answer never (or only half) reached the browser."""
        with self._lock:
            return [r for r in self.requests if r.status is not None and r.fault in ("drop_response", "cut_response")]

    def summary(self) -> str:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.faults.items())) or "none"
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(self.upstream_statuses().items()))
        created = sum(1 for r in self.answers_lost() if r.method == "POST" and r.status == 201)
        return (f"seed {self.seed}: {len(self.requests)} requests, {sum(self.faults.values())} faults ({kinds}); "
                f"{len(self.answers_lost())} answers lost after the server processed the request ({created} of them "
                f"a new item's 201); the server answered {statuses}")

    # --- the proxy itself ----------------------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            client.settimeout(TIMEOUT_S)
            try:
                request = read_request(client)
            except (OSError, ValueError):
                return
            if request is None:
                return
            with self._arrived:
                request.number = len(self.requests) + 1
                hold = self._hold
                if hold and hold.request is None and hold.match(request):
                    hold.request, request.held = request, True
                else:
                    request.fault = (self.impose and self.impose(request)) or self._draw(request)
                if request.fault == "latency":
                    request.delay = self._rng.uniform(0.05, 0.4)
                self.requests.append(request)
                if request.fault:
                    self.faults[request.fault] += 1
                self._arrived.notify_all()
            with suppress(OSError):  # the browser went away (a closed tab, offline): nothing to answer
                self._handle(client, request)

    def _draw(self, request: Request) -> str | None:
        if not self.faulty(request.method, request.path) or self._rng.random() >= self.fault_rate:
            return None
        kinds = list(self.weights)
        return self._rng.choices(kinds, weights=[self.weights[k] for k in kinds])[0]

    def _handle(self, client: socket.socket, request: Request) -> None:
        fault = request.fault
        if fault == "drop_request":
            return
        if fault in ("http_502", "http_503"):
            client.sendall(plain_answer(int(fault[-3:])))
            return
        if fault == "latency":
            time.sleep(request.delay)
        answer = self._forward(request, cut=fault == "cut_request")
        if fault == "cut_request":
            reset(client)
            return
        if request.held:
            self._hold.reached.set()
            self._hold.released.wait(TIMEOUT_S)
        if fault == "drop_response":
            return
        if fault == "cut_response":
            client.sendall(answer[: max(1, len(answer) // 2)])
            reset(client)
            return
        client.sendall(answer)

    def _forward(self, request: Request, cut: bool = False) -> bytes:
        """Sends the request to the app and returns its whole answer; a 502 of our own when the app is down or
        dies before answering (as a reverse proxy does)."""
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=TIMEOUT_S)
        except OSError:
            return plain_answer(502)
        with upstream:
            try:
                if cut:
                    upstream.sendall(request.head + request.body[: len(request.body) // 2])
                    reset(upstream)
                    return b""
                upstream.sendall(request.head + request.body)
                if self.on_forwarded:
                    self.on_forwarded(request)
                answer = read_until_closed(upstream)
            except OSError:
                return plain_answer(502)
        if not answer:
            return plain_answer(502)
        try:
            request.status = int(answer.split(b" ", 2)[1])
        except (IndexError, ValueError):
            return plain_answer(502)
        return answer


def read_request(sock: socket.socket) -> Request | None:
    """One HTTP/1.1 request with a Content-Length body (what fetch() sends), its head rewritten to close."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > HEAD_LIMIT:
            raise ValueError("request head too large")
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    headers = []
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        lowered = name.strip().lower()
        if lowered == "transfer-encoding":
            raise ValueError("chunked request bodies are not supported by this proxy")
        if lowered == "content-length":
            length = int(value.strip())
        if lowered not in ("connection", "keep-alive", "proxy-connection"):
            headers.append(line)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    rewritten = "\r\n".join([f"{method} {target} {version}", *headers, "Connection: close"]) + "\r\n\r\n"
    return Request(method=method, path=target, head=rewritten.encode("latin-1"), body=body[:length])


def read_until_closed(sock: socket.socket) -> bytes:
    parts = []
    while chunk := sock.recv(65536):
        parts.append(chunk)
    return b"".join(parts)


def plain_answer(status: int) -> bytes:
    reason = {502: "Bad Gateway", 503: "Service Unavailable"}[status]
    body = f"{status} {reason}\n".encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n")
    return head.encode() + body


def reset(sock: socket.socket) -> None:
    """Close with RST instead of FIN: the peer sees 'connection reset'."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
