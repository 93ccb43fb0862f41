"""An account signed in with a temporary password, against every route of the app: it may choose a new password, sign
out, and reach what belongs to nobody; every other page leads to "Buat kata sandi baru" and every other API answer is
the problem `password-change-required`. A new route is covered without anyone listing it."""
import re
import uuid

import pytest

from kim_app.accounts.routes import OPEN_WITH_TEMPORARY_PASSWORD
from kim_app.accounts.services import find_user, reset_password
from kim_app.extensions import db
from tests.helpers import Person

ARGUMENTS = {"int": "1", "uuid": str(uuid.uuid4()), "path": "site/site.css", "any": "thumb"}


def path_of(rule) -> str:
    def value(match):
        converter = match.group(1) or ""
        return ARGUMENTS.get(converter.split("(")[0], "53.04")

    return re.sub(r"<(?:([^:<>]+):)?[^<>]+>", value, rule.rule)


@pytest.fixture
def temporary(app, make_ketua):
    """The demo member, signed in with the temporary password their ketua gave."""
    make_ketua()
    with app.app_context():
        _, password = reset_password(find_user("ketua"), find_user("anggota").id)
        db.session.commit()
    return Person(app.test_client()).login("anggota", password)


def every_route(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_a_temporary_password_opens_nothing_but_choosing_a_new_one(app, temporary):
    checked = 0
    for rule, method in every_route(app):
        if rule.endpoint in OPEN_WITH_TEMPORARY_PASSWORD:
            continue
        path = path_of(rule)
        response = temporary.client.open(path, method=method, headers={"X-CSRFToken": temporary.csrf},
                                         **({"json": {}} if path.startswith("/api/") else {"data": {}}))
        response.close()
        where = f"{method} {path} -> {response.status_code}"
        if path.startswith("/api/"):
            assert response.status_code == 403, where
            assert response.json["type"] == "urn:kim:problem:password-change-required", where
        else:
            assert response.status_code == 302, where
            assert response.headers["Location"].startswith("/akun/sandi-baru"), where
        checked += 1
    assert checked > 40
    # Still signed in with the temporary password: nothing above changed anything.
    assert temporary.get("/api/v1/me").status_code == 403


@pytest.mark.parametrize("path", ["/akun/sandi-baru", "/app", "/sw.js", "/bantuan", "/static/site/site.css",
                                  "/api/v1/push/key", "/healthz"])
def test_what_stays_open_with_a_temporary_password(temporary, path):
    response = temporary.get(path)
    response.close()  # a static file's answer holds the file open
    assert response.status_code == 200, f"{path} -> {response.status_code}"


def test_signing_out_stays_possible_with_a_temporary_password(temporary):
    # The phone signs out with the CSRF token that /api/v1/me hands over even in this state.
    ended = temporary.client.delete("/api/v1/me/sessions", headers={"X-CSRFToken": temporary.csrf})
    assert ended.status_code == 200 and ended.json["ended"] == 1
    assert temporary.get("/api/v1/me").status_code == 401
