"""The member's delta pull carries the pengumuman targeted at their KIM group, and the ids of those withdrawn or
expired since, so the phone removes them (docs/sync-protocol.md, "Pengumuman from the Dinas")."""
from sqlalchemy import update

from kim_app.accounts.services import find_user
from kim_app.extensions import db
from kim_app.pengumuman import services
from kim_app.pengumuman.forms import Draft
from kim_app.pengumuman.models import Pengumuman
from kim_app.timeutil import utcnow
from kim_app.wilayah.models import Provinsi

DESA_KABUNA = "53.04.05.2006"


def publish(app, username="moderator", status="terbit", **targets) -> int:
    with app.app_context():
        draft = Draft(judul=f"Untuk {targets}", isi="Isi pengumuman.", areas=targets.pop("areas", {}), **targets)
        found = services.save(find_user(username), draft, publish=status != "draf")
        db.session.commit()
        return found.id


def titles(answer) -> list[int]:
    return [p["id"] for p in answer.get("pengumuman", [])]


def test_a_member_receives_what_targets_their_kim_and_nothing_else(app, member):
    to_kabupaten = publish(app, areas={"kabupaten": ["53.04"]})
    to_desa = publish(app, areas={"desa": [DESA_KABUNA]})
    to_kecamatan = publish(app, areas={"kecamatan": ["53.04.05"]})
    to_province = publish(app, "admin", provinsi=True)
    with app.app_context():
        kim_id = find_user("anggota").kim_id
    to_group = publish(app, kim_ids=[kim_id])
    publish(app, status="draf", areas={"desa": [DESA_KABUNA]})
    publish(app, areas={"desa": ["53.04.05.2001"]})  # the neighbouring desa (KIM Maudemu)
    publish(app, "moderator.kupang", areas={"kabupaten": ["53.01"]})
    answer = member.get("/api/v1/items").json
    assert sorted(titles(answer)) == sorted([to_kabupaten, to_desa, to_kecamatan, to_province, to_group])
    first = next(p for p in answer["pengumuman"] if p["id"] == to_desa)
    assert first["jenis_label"] == "Pengumuman" and first["url"].endswith(f"/pengumuman/{to_desa}")


def test_the_next_pull_brings_only_what_changed_and_the_gone(app, member):
    kept = publish(app, areas={"desa": [DESA_KABUNA]})
    withdrawn = publish(app, areas={"desa": [DESA_KABUNA]})
    expiring = publish(app, areas={"desa": [DESA_KABUNA]})
    first = member.get("/api/v1/items").json
    assert sorted(titles(first)) == [kept, withdrawn, expiring] and "pengumuman_gone" not in first
    with app.app_context():
        services.withdraw(find_user("moderator"), db.session.get(Pengumuman, withdrawn))
        db.session.execute(update(Pengumuman).where(Pengumuman.id == expiring)
                           .values(expires_at=utcnow()))  # it expires now, after the first pull
        db.session.commit()
    later = publish(app, areas={"kabupaten": ["53.04"]})
    # Outside the cursor's safety window, as a pull minutes later would be.
    app.config["SYNC_CURSOR_OVERLAP_SECONDS"] = 0
    try:
        second = member.get(f"/api/v1/items?since={first['cursor']}").json
    finally:
        app.config["SYNC_CURSOR_OVERLAP_SECONDS"] = 120
    assert titles(second) == [later]
    assert second["pengumuman_gone"] == [withdrawn, expiring]
    full = member.get("/api/v1/items").json
    assert sorted(titles(full)) == [kept, later]


def test_an_empty_pull_carries_no_pengumuman_keys(app, member):
    publish(app, areas={"desa": [DESA_KABUNA]})
    cursor = member.get("/api/v1/items").json["cursor"]
    app.config["SYNC_CURSOR_OVERLAP_SECONDS"] = 0
    try:
        answer = member.get(f"/api/v1/items?since={cursor}").json
    finally:
        app.config["SYNC_CURSOR_OVERLAP_SECONDS"] = 120
    assert set(answer) == {"items", "cursor", "account_id"}  # account_id: whose pull it is (sync-protocol.md)


def test_a_batch_answer_carries_the_pengumuman_too(app, member, berita):
    pid = publish(app, areas={"desa": [DESA_KABUNA]})
    answer = member.post_json("/api/v1/items/batch", {"items": [berita()], "since": None}).json
    assert titles(answer) == [pid]


def test_the_openapi_document_describes_the_pengumuman_of_a_pull(app):
    spec = app.test_client().get("/api/openapi.json").json
    listing = spec["components"]["schemas"]["ItemList"]["properties"]
    assert {"pengumuman", "pengumuman_gone"} <= set(listing)
    assert "Pengumuman" in spec["components"]["schemas"]


def test_the_whole_province_is_the_deployments_even_with_other_provinces_loaded(app, member):
    """Regions of another province in the database (a national import) change nothing: "seluruh provinsi" is
    KIM_PROVINSI's."""
    with app.app_context():
        if db.session.get(Provinsi, "11") is None:
            db.session.add(Provinsi(kode="11", nama="Aceh"))
            db.session.commit()
    to_province = publish(app, "admin", provinsi=True)
    assert to_province in titles(member.get("/api/v1/items").json)
    with app.app_context():
        assert [t.kode for t in db.session.get(Pengumuman, to_province).targets] == ["53"]
