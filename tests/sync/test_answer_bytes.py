"""What a phone on 2G downloads for "nothing new" (docs/sync-protocol.md, "Bytes on the wire"): an empty delta pull
or an empty batch answer is a few hundred bytes, headers included, and the API's JSON answers carry no page-only
headers (those protect documents: pages and the service worker's script)."""

import json

PAGE_ONLY = ("Content-Security-Policy", "Permissions-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy",
             "Referrer-Policy")


def wire_bytes(response) -> int:
    """Status line, headers and body as the server puts them on the wire (HTTP/1.1)."""
    head = f"HTTP/1.1 {response.status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in response.headers.items()) + "\r\n"
    return len(head.encode("latin-1")) + len(response.get_data())


def test_an_empty_delta_pull_is_a_few_hundred_bytes(member):
    cursor = member.get("/api/v1/items").json["cursor"]
    response = member.get(f"/api/v1/items?since={cursor}")
    assert response.status_code == 200 and response.json["items"] == []
    print(dict(response.headers))
    assert wire_bytes(response) < 600, dict(response.headers)


def test_api_answers_carry_no_page_only_headers(member, berita):
    for response in (member.get("/api/v1/me"), member.get("/api/v1/items"), member.send(berita()),
                     member.get("/api/v1/items/00000000-0000-0000-0000-000000000000")):
        assert response.mimetype in ("application/json", "application/problem+json")
        for name in PAGE_ONLY:
            assert name not in response.headers, (response.request.path, name)
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_and_the_worker_keep_their_protective_headers(app, member):
    for response in (app.test_client().get("/"), member.get("/app"), app.test_client().get("/masuk"),
                     app.test_client().get("/sw.js")):
        for name in PAGE_ONLY:
            assert name in response.headers, (response.request.path, name)


def test_the_shells_modules_and_styles_carry_only_what_they_need(app):
    client = app.test_client()
    for path in ("/static/js/sync.js", "/static/css/app.css", "/static/icons/icon-192.png"):
        with client.get(path) as response:
            assert response.status_code == 200
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            for name in PAGE_ONLY:
                assert name not in response.headers, (path, name)


def test_a_batch_answer_adds_a_few_hundred_bytes_to_its_items(member, berita):
    body = berita()
    member.send(body)
    cursor = member.get("/api/v1/items").json["cursor"]
    response = member.post_json("/api/v1/items/batch", {"items": [body], "since": cursor})
    assert response.status_code == 200 and response.json["changes"] == []
    item = response.json["results"][0]["item"]
    envelope = wire_bytes(response) - len(json.dumps(item, separators=(",", ":")).encode())
    assert envelope < 600, dict(response.headers)
