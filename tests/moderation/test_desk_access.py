"""Every role against every route: who is let in, who gets 403, who is sent to sign in, and that another region's
item answers exactly like a missing one.

The routes come from the app's own URL map: a route that is not in ROUTES fails the test, so a new page or endpoint
cannot ship without someone deciding who may use it.
"""
import re
import uuid

import pytest

from kim_app.accounts.services import create_user, find_user
from kim_app.extensions import db
from kim_app.pengumuman import services as pengumuman
from kim_app.pengumuman.forms import Draft
from tests.helpers import PASSWORD

ROLES = ("anonymous", "anggota", "ketua", "moderator", "moderator_lain", "admin")
EVERYONE = set(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
MEMBERS = {"anggota", "ketua"}
DESK = {"moderator", "admin"}  # moderator_lain is a moderator too, but not of the item's kabupaten

# (endpoint, method) -> who is let in. Anyone else: 401/login redirect when anonymous, 403 when signed in — or, for
# routes about one item, the same 404 as for a missing item (ITEM_ROUTES).
ROUTES = {
    ("static", "GET"): EVERYONE,
    ("publish.home", "GET"): EVERYONE,
    ("publish.kabupaten", "GET"): EVERYONE,
    ("publish.kecamatan", "GET"): EVERYONE,
    ("publish.desa", "GET"): EVERYONE,
    ("publish.kategori", "GET"): EVERYONE,
    ("publish.cari", "GET"): EVERYONE,
    ("publish.berita", "GET"): EVERYONE,
    ("publish.feed", "GET"): EVERYONE,
    ("publish.kabupaten_feed", "GET"): EVERYONE,
    ("accounts.login", "GET"): EVERYONE,
    ("accounts.login", "POST"): EVERYONE,
    ("accounts.logout", "POST"): EVERYONE,
    ("app_shell.shell", "GET"): EVERYONE,
    ("app_shell.web_manifest", "GET"): EVERYONE,
    ("app_shell.service_worker", "GET"): EVERYONE,
    ("app_shell.help_page", "GET"): EVERYONE,
    ("app_shell.share_target", "POST"): EVERYONE,
    ("app_shell.versioned_module", "GET"): EVERYONE,  # the shell's modules under their version's URL
    ("health.healthz", "GET"): EVERYONE,
    ("api-docs.openapi_json", "GET"): EVERYONE,
    ("aduan.check", "GET"): EVERYONE,
    ("aduan.status", "GET"): EVERYONE,
    ("media.photo_file", "GET"): EVERYONE,  # its own rules: tests/media/test_photo_upload.py
    ("berita.Berita", "GET"): EVERYONE,  # published news for offline reading, public like the portal
    ("berita.BeritaDaerah", "GET"): EVERYONE,  # the same for a desa and its kabupaten in one answer
    ("me.me", "GET"): SIGNED_IN,
    ("me.end_my_sessions", "DELETE"): SIGNED_IN,  # one's own sessions only
    ("accounts.logout_everywhere", "POST"): SIGNED_IN,
    ("accounts.change_password", "GET"): SIGNED_IN,
    ("accounts.change_password", "POST"): SIGNED_IN,
    # Open to everyone signed in; only an account with a temporary password has anything to do there (the others are
    # sent on to their home page). What such an account may reach: tests/security/test_temporary_password.py.
    ("accounts.new_password", "GET"): SIGNED_IN,
    ("accounts.new_password", "POST"): SIGNED_IN,
    ("items.Items", "GET"): MEMBERS,
    ("items.Items", "POST"): MEMBERS,
    ("items.ItemBatch", "POST"): MEMBERS,
    ("items.Item", "GET"): MEMBERS,
    ("items.Revisions", "POST"): MEMBERS,
    ("photos.PhotoState", "GET"): MEMBERS,
    ("photos.PhotoState", "DELETE"): MEMBERS,
    ("photos.PhotoContent", "PUT"): MEMBERS,
    ("photos.PhotoContent", "PATCH"): MEMBERS,
    ("moderation.queue", "GET"): DESK | {"moderator_lain"},
    ("moderation.claim_next", "POST"): DESK | {"moderator_lain"},
    ("moderation.decide_many", "POST"): DESK | {"moderator_lain"},
    ("moderation.alerts", "POST"): DESK | {"moderator_lain"},  # one's own setting: pushes of one's own queue
    ("moderation.item", "GET"): DESK,
    ("moderation.decide", "POST"): DESK,
    ("moderation.edit", "POST"): DESK,
    ("moderation.advance_complaint", "POST"): DESK,
    ("dashboard.dashboard", "GET"): DESK | {"moderator_lain"},
    ("dashboard.dashboard_csv", "GET"): DESK | {"moderator_lain"},
    # Each moderator their own kabupaten's standing; another kabupaten's is 403 (tests/moderation/test_standing.py).
    ("moderation.standing_page", "GET"): DESK | {"moderator_lain"},
    ("moderation.standing_csv", "GET"): DESK | {"moderator_lain"},
    ("manage.members", "GET"): {"ketua"},
    ("manage.add_member", "POST"): {"ketua"},
    ("manage.member_status", "POST"): {"ketua"},
    ("manage.profile", "GET"): {"ketua"},  # their own KIM's profile only: tests/accounts/test_kim_profil.py
    ("manage.profile", "POST"): {"ketua"},
    ("publish.kim_profile", "GET"): EVERYONE,
    ("registri.groups", "GET"): DESK | {"moderator_lain"},  # each sees their own kabupaten's KIM groups
    ("registri.group", "GET"): DESK,
    ("registri.verify", "POST"): DESK,
    ("manage.member_password", "POST"): {"ketua"},  # whose: tests/accounts/test_password_reset.py
    ("manage.admin", "GET"): {"admin"},
    ("manage.create_user", "POST"): {"admin"},
    ("manage.user_status", "POST"): {"admin"},
    ("manage.user_sessions", "POST"): {"admin"},
    ("manage.user_page", "GET"): {"admin"},
    ("manage.user_password", "POST"): {"admin"},
    ("manage.create_group", "POST"): {"admin"},
    ("push.PushKey", "GET"): EVERYONE,  # the server's public key, nothing else
    ("push.Subscriptions", "POST"): SIGNED_IN,
    # One's own only: another's answers 404 (tests/notifications/test_push_api.py).
    ("push.Subscription", "DELETE"): SIGNED_IN,
    ("pengumuman.desk", "GET"): DESK | {"moderator_lain"},
    ("pengumuman.new", "GET"): DESK | {"moderator_lain"},
    ("pengumuman.create", "POST"): DESK | {"moderator_lain"},  # the form's targets: tests/pengumuman/test_desk.py
    ("pengumuman.edit", "GET"): DESK,
    ("pengumuman.update", "POST"): DESK,
    ("pengumuman.publish", "POST"): DESK,
    ("pengumuman.withdraw", "POST"): DESK,
    ("pengumuman.public_page", "GET"): EVERYONE,  # a published one only; the link members share
    # A published one's attachments are public; a draf's are the desk's (tests/pengumuman/test_attachments.py).
    ("pengumuman.lampiran", "GET"): EVERYONE,
    ("pengumuman.lampiran_kecil", "GET"): EVERYONE,
    ("cakupan.page", "GET"): DESK,  # the coverage of one pengumuman: the desk that manages it
    ("cakupan.as_csv", "GET"): DESK,
    **{(f"pengumuman_publik.{name}", "GET"): EVERYONE  # the portal's pengumuman pages and feeds
       for name in ("everywhere", "everywhere_feed", "klarifikasi", "kabupaten", "kabupaten_feed", "desa",
                    "desa_feed")},
    ("deliveries.failed", "GET"): {"admin"},
    ("deliveries.retry", "POST"): {"admin"},
}
# Routes about one item of the Belu moderator's region: a moderator of another kabupaten must get exactly the answer
# a missing item gets.
ITEM_ROUTES = {("moderation.item", "GET"), ("moderation.decide", "POST"), ("moderation.edit", "POST"),
               ("moderation.advance_complaint", "POST"), ("pengumuman.edit", "GET"), ("pengumuman.update", "POST"),
               ("pengumuman.publish", "POST"), ("pengumuman.withdraw", "POST"), ("cakupan.page", "GET"),
               ("cakupan.as_csv", "GET")}
# Routes about one KIM group (KIM Kabuna, in Belu): the same for a moderator of another kabupaten.
KIM_ROUTES = {("registri.group", "GET"), ("registri.verify", "POST")}
# A member managed by the ketua: anyone else with the page's right but not over this member gets "missing".
MEMBER_ROUTES = {("manage.member_status", "POST"), ("manage.member_password", "POST")}
# A member's own photos: the protocol answers 404 to anyone else, signed in or not a member (docs/sync-protocol.md,
# "Photos"), as for a photo that does not exist.
OWN_OBJECT_ROUTES = {("photos.PhotoState", "GET"), ("photos.PhotoState", "DELETE"), ("photos.PhotoContent", "PUT"),
                     ("photos.PhotoContent", "PATCH")}
API_PREFIX = "/api/"


def app_routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((rule.endpoint, method))
    return found


def test_every_route_has_an_access_rule(app):
    unlisted = app_routes(app) - set(ROUTES)
    assert not unlisted, f"routes without an access rule in tests/moderation/test_desk_access.py: {sorted(unlisted)}"


def url_for_route(app, endpoint: str, values: dict) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    path = rule.rule
    for argument in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{argument}>", str(values.get(argument, "x")), path)
    return path


@pytest.fixture
def world(app, make_person, make_ketua, send_item, aduan, people):
    """One aduan and one pengumuman in Belu (every item route acts on them), a member managed by the ketua, and a
    client per role."""
    ketua = make_ketua()
    member = make_person("anggota")
    item_id = send_item(member, aduan())
    with app.app_context():
        managed = create_user("anggota3", PASSWORD, "anggota", "Anggota Tiga", kim_id=find_user("anggota").kim_id)
        db.session.commit()
        managed_id, kim_id = managed.id, managed.kim_id
        draft = Draft(judul="Rapat KIM", isi="Di balai desa.", areas={"desa": ["53.04.05.2006"]})
        pengumuman_id = pengumuman.save(find_user("moderator"), draft, publish=True).id
        db.session.commit()
    clients = {
        "anonymous": make_person(),
        "anggota": member,
        "ketua": make_person(ketua),
        "moderator": make_person("moderator"),
        "moderator_lain": make_person("moderator.kupang"),
        "admin": make_person("admin"),
    }
    # Anonymous visitors get a CSRF token from the sign-in page, so their POSTs meet the login check, not CSRF.
    page = clients["anonymous"].get("/masuk").get_data(as_text=True)
    clients["anonymous"].csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    values = {
        "item_id": item_id, "user_id": managed_id, "item_uuid": str(uuid.uuid4()), "photo_id": str(uuid.uuid4()),
        "kode": "53.04", "kategori": "pertanian", "variant": "thumb", "filename": "site/site.css",
        "subscription_id": 999999, "delivery_id": 999999, "kim_id": kim_id, "pengumuman_id": pengumuman_id,
    }
    return clients, values


def call(person, method: str, path: str):
    headers = {"X-CSRFToken": person.csrf} if person.csrf else {}
    if method == "GET":
        response = person.client.get(path)
    elif path.endswith("/content"):
        headers.update({"Upload-Offset": "0", "Content-Type": "application/octet-stream"})
        response = person.client.open(path, method=method, data=b"x", headers=headers)
    elif path.startswith(API_PREFIX):
        response = person.client.open(path, method=method, json={}, headers=headers)
    else:
        response = person.client.open(path, method=method, data={}, headers=headers)
    response.get_data()
    response.close()
    return response


def without_tokens(response) -> str:
    """The body with its CSRF tokens blanked: they carry a timestamp, so two pages a second apart differ there."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', response.get_data(as_text=True))


def is_login(response, path: str) -> bool:
    if path.startswith(API_PREFIX):
        return response.status_code == 401
    return response.status_code == 302 and "/masuk" in response.headers.get("Location", "")


@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda r: f"{r[1]} {r[0]}")
def test_each_role_gets_its_answer(app, world, route):
    if route not in app_routes(app):
        pytest.skip("route not in this build")
    clients, values = world
    endpoint, method = route
    path = url_for_route(app, endpoint, values)
    if endpoint in ("accounts.logout", "accounts.logout_everywhere"):
        # Signing out is everyone's right and would end the sessions the other checks need; ending every session
        # is for the signed-in only (tests/security/test_sessions.py).
        return
    allowed = ROUTES[route]
    # Refusals first, so an allowed action changing state cannot hide a refusal.
    for role in sorted(ROLES, key=lambda r: r in allowed):
        response = call(clients[role], method, path)
        where = f"{role} {method} {path} -> {response.status_code}"
        if role in allowed:
            # Let in. (A made-up photo or item UUID is still "not found" for a member; the Belu item is not.)
            assert response.status_code not in (401, 403) and not is_login(response, path), where
            assert route not in ITEM_ROUTES | KIM_ROUTES or response.status_code != 404, where
        elif role == "anonymous":
            assert is_login(response, path), where
        elif route in OWN_OBJECT_ROUTES:
            assert response.status_code == 404, where
        elif route in ITEM_ROUTES and role == "moderator_lain":
            missing = call(clients[role], method, url_for_route(app, endpoint, {**values, "item_id": 999999,
                                                                         "pengumuman_id": 999999}))
            assert response.status_code == missing.status_code == 404, where
            assert without_tokens(response) == without_tokens(missing), where
        elif route in KIM_ROUTES and role == "moderator_lain":
            missing = call(clients[role], method, url_for_route(app, endpoint, {**values, "kim_id": 999999}))
            assert response.status_code == missing.status_code == 404, where
            assert without_tokens(response) == without_tokens(missing), where
        else:
            assert response.status_code == 403, where


def test_ketua_cannot_touch_another_groups_member_and_it_looks_missing(app, world, people):
    clients, values = world
    ketua = clients["ketua"]
    other = ketua.client.post(f"/kim/anggota/{people.anggota_lain}/status", data={"aktif": "0"},
                              headers={"X-CSRFToken": ketua.csrf})
    missing = ketua.client.post("/kim/anggota/999999/status", data={"aktif": "0"}, headers={"X-CSRFToken": ketua.csrf})
    assert other.status_code == missing.status_code == 404
    assert other.get_data() == missing.get_data()
    with app.app_context():
        assert db.session.get(type(find_user("anggota")), people.anggota_lain).active


def test_ketua_deactivates_a_member_who_is_then_signed_out(app, world):
    clients, values = world
    ketua = clients["ketua"]
    managed = clients["anggota"]
    anggota_id = managed.me["id"]
    response = ketua.client.post(f"/kim/anggota/{anggota_id}/status", data={"aktif": "0"},
                                 headers={"X-CSRFToken": ketua.csrf})
    assert response.status_code == 302
    assert managed.get("/api/v1/me").status_code == 401
    assert "nonaktif" in ketua.get("/kim/anggota").get_data(as_text=True).lower()


def test_ketua_adds_a_member_to_their_own_group(app, world):
    clients, _ = world
    ketua = clients["ketua"]
    ketua.client.post("/kim/anggota", data={"username": "baru", "nama": "Anggota Baru", "password": "rahasia123"},
                      headers={"X-CSRFToken": ketua.csrf})
    with app.app_context():
        added = find_user("baru")
        assert (added.role, added.kim_id, added.ketua) == ("anggota", find_user("ketua").kim_id, False)


@pytest.mark.parametrize("username, offered, not_offered", [
    ("anggota", ["Aplikasi anggota"], ["Anggota KIM", "Profil KIM", "Antrean moderasi", "Registri KIM", "Peringkat KIM",
                                       "Admin"]),
    ("ketua", ["Aplikasi anggota", "Anggota KIM", "Profil KIM"], ["Antrean moderasi", "Registri KIM", "Peringkat KIM",
                                                                "Admin"]),
    ("moderator", ["Antrean moderasi", "Dasbor", "Registri KIM", "Peringkat KIM"],
     ["Anggota KIM", "Profil KIM", "Admin"]),
    ("admin", ["Antrean moderasi", "Dasbor", "Registri KIM", "Peringkat KIM", "Admin"], ["Anggota KIM", "Profil KIM"]),
])
def test_the_menu_offers_each_role_its_own_pages_only(make_person, make_ketua, username, offered, not_offered):
    if username == "ketua":
        make_ketua()
    page = make_person(username).get("/").get_data(as_text=True)
    menu = re.search(r'<nav aria-label="Menu utama">(.*?)</nav>', page, re.S).group(1)
    links = [re.sub(r"<[^>]+>|\s+\d+$", "", text).strip() for text in re.findall(r"<a [^>]*>(.*?)</a>", menu, re.S)]
    assert all(name in links for name in offered), links
    assert not any(name in links for name in not_offered), links
