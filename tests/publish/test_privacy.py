"""The citizen who complained is known to moderators only: never in public pages, feeds, the public API, or logs.

The sweep walks every GET route a visitor can reach (from the app's own URL map, so new public routes are covered
without touching this test) and every log line written while the complaint travelled.
"""
import logging
import uuid

from sqlalchemy import select

from kim_app.extensions import db
from kim_app.items.models import Item
from kim_app.wilayah.models import KimGroup

NAME = "Pelapor Rahasia Zet"
PHONE = "0813 7777 1234"


def sample_values(app) -> dict[str, list[str]]:
    with app.app_context():
        ids = [str(i) for i in db.session.scalars(select(Item.id))]
        kim_ids = [str(i) for i in db.session.scalars(select(KimGroup.id))]
    return {
        "kim_id": kim_ids,
        "kode": ["53.04", "53.04.05", "53.04.05.2006", "53"],
        "item_id": ids,
        "filename": ["site/site.css"],
        "kategori": ["pertanian", "budaya"],
    }


def public_urls(app) -> list[str]:
    values = sample_values(app)
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static",):
            continue
        if not rule.arguments:
            urls.append(rule.rule)
            continue
        if any(arg not in values for arg in rule.arguments):
            continue
        (arg,) = rule.arguments if len(rule.arguments) == 1 else (None,)
        if arg is None:
            continue
        for value in values[arg]:
            urls.append(rule.rule.replace(f"<{arg}>", value).replace(f"<int:{arg}>", value))
    return urls


def test_complainant_never_reaches_public_answers_or_logs(app, member, moderator, aduan, berita, caplog):
    caplog.set_level(logging.DEBUG)
    complaint = aduan(pelapor_nama=NAME, pelapor_telepon=PHONE)
    news = berita()
    member.send(complaint)
    member.send(news)
    with app.app_context():
        ids = {
            row.client_uuid: row.id
            for row in db.session.execute(select(Item.client_uuid, Item.id))
        }
    moderator.decide(ids[uuid.UUID(complaint["uuid"])], "setujui")
    moderator.decide(ids[uuid.UUID(news["uuid"])], "setujui")
    # The moderator does see it: the sweep below would be meaningless if the data never arrived.
    assert NAME in moderator.get(f"/moderasi/item/{ids[uuid.UUID(complaint['uuid'])]}").get_data(as_text=True)

    visitor = app.test_client()
    urls = public_urls(app)
    complaint_id = ids[uuid.UUID(complaint["uuid"])]
    kim_id = member.me["kim"]["id"]
    assert {"/", f"/berita/{complaint_id}", "/desa/53.04.05.2006", "/api/openapi.json", "/app",
            f"/kim/{kim_id}"} <= set(urls)
    for url in urls:
        with visitor.get(url) as response:
            body = response.get_data(as_text=True)
        assert NAME not in body and PHONE not in body, url
    assert NAME not in caplog.text and PHONE not in caplog.text
