"""What the open app's periodic pull costs (static/js/later/kabar.js syncs every LIVE_PULL_SECONDS while in view): a
delta pull that finds nothing new, measured on the wire — the request as a phone sends it (its User-Agent included) and
the answer, headers and body, through a real socket to the live server."""
from __future__ import annotations

import re
import socket
from urllib.parse import urlsplit

import requests

PHONE_UA = ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
            "Mobile Safari/537.36")
# The session cookie (about 300 bytes) and the User-Agent are most of the request; the security headers
# (kim_app/security.py, about 460 bytes, the same on every answer) most of the answer. Measured: 557 B and 711 B.
REQUEST_MAX, ANSWER_MAX = 600, 800


def signed_in(base_url: str) -> requests.Session:
    browser = requests.Session()
    browser.headers["User-Agent"] = PHONE_UA
    page = browser.get(f"{base_url}/masuk").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = browser.post(f"{base_url}/masuk", data={"username": "anggota", "password": "demo12345",
                                                     "csrf_token": token}, allow_redirects=False)
    assert answer.status_code == 302
    return browser


def exchange(base_url: str, path: str, cookie: str) -> tuple[bytes, bytes]:
    address = urlsplit(base_url)
    request = (f"GET {path} HTTP/1.1\r\nHost: {address.netloc}\r\nUser-Agent: {PHONE_UA}\r\n"
               f"Accept: application/json\r\nAccept-Encoding: br, gzip\r\nCookie: session={cookie}\r\n"
               "Connection: close\r\n\r\n").encode()
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return request, answer


def test_an_empty_delta_pull_costs_a_few_hundred_bytes_on_the_wire(live_server):
    phone = signed_in(live_server.url)
    cursor = phone.get(f"{live_server.url}/api/v1/items").json()["cursor"]
    request, answer = exchange(live_server.url, f"/api/v1/items?since={cursor}", phone.cookies["session"])
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b'"items":[]' in body
    assert b"Set-Cookie" not in head  # the cookie is not sent back with every answer
    print(f"\nempty delta pull: request {len(request)} B; answer {len(head) + 4} B of headers + {len(body)} B of body")
    assert len(request) <= REQUEST_MAX
    assert len(answer) <= ANSWER_MAX
