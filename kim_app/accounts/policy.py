"""Who may do what — the one place where access rules live.

Views and services ask these functions; nothing else compares roles. One rule per action:

- capture and send items, revise one's own (`can_capture`): anggota (a ketua is an anggota);
- file an item into a desa (`may_file_into`): a member, into the area of their KIM group — its own desa, or any desa
  of its kecamatan for a KIM formed at the kecamatan (`KimGroup.cakupan`); enforced for every create and revision in
  kim_app/sync/services.py, `_filing_desa`;
- open the queue, claim, decide, edit, move complaints (`can_moderate_at_all`, then `can_moderate` per item):
  the moderator of the item's kabupaten, and the admin;
- manage the members of a KIM group (`can_manage_kim`, then `can_manage_member` per account): that group's ketua;
- manage accounts and KIM groups everywhere (`can_administer`): the admin;
- receive push notifications on one's devices (`can_receive_push`, then `owns_device` per subscription): every
  signed-in account — members hear of verdicts, moderators of their queue if they ask (`can_hear_of_queue`, and
  `moderators_of` a kabupaten hear of its items);
- see failed e-mails and pushes and send them again (`can_oversee_deliveries`): the admin;
- check a complaint's status by its tracking code: everyone, without signing in;
- write, publish and withdraw pengumuman for the KIM groups (`can_write_pengumuman`, then `can_manage_pengumuman`
  per pengumuman and `may_target` per target): the admin for the whole province, a moderator within their own
  kabupaten; a member reads only the published pengumuman that target their KIM group (selected in
  kim_app/pengumuman/services.py, `for_member`), the public reads a published one by its link;
- tell the complainant how their complaint stands ("Kabari pelapor", `can_contact_pelapor`): whoever may see the
  complainant's number — the member who recorded the complaint, and who may moderate it.

tests/moderation/test_desk_access.py walks every role through every route against this list.

A signed-in user without the right gets 403; a moderator asking for an item outside their kabupaten (or a ketua for a
member of another group) gets the same 404 as for one that does not exist, so the answer never reveals other regions'
items.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import ColumnElement, false, true

from kim_app.accounts.models import User
from kim_app.wilayah.models import CAKUPAN_KECAMATAN

MODERATOR_ROLES = ("moderator", "admin")
ROLES_WITH_DEVICES = ("anggota", "moderator", "admin")


def scope_of_role(role: str) -> str | None:
    """What an account of this role is bound to: a member to a KIM group ("kim"), a moderator to a kabupaten
    ("kabupaten"), the province's admin to nothing narrower (None)."""
    return {"anggota": "kim", "moderator": "kabupaten"}.get(role)


def can_capture(user: User) -> bool:
    return user.role == "anggota"


def may_file_into(user: User, desa) -> bool:
    """A KIM reports from its own area: a member files items only into a desa of their group's area. Nobody else
    files items at all."""
    kim = user.kim
    if not can_capture(user) or kim is None:
        return False
    if kim.cakupan == CAKUPAN_KECAMATAN:
        return desa.kecamatan_kode == kim.desa.kecamatan_kode
    return desa.kode == kim.desa_kode


def sees_every_kabupaten(user: User) -> bool:
    """The province's admin works the whole province's queue and dashboard; a moderator their own kabupaten."""
    return user.role == "admin"


def scope_label(user: User) -> str:
    """The area a moderator's desk covers, as the pages name it."""
    if sees_every_kabupaten(user):
        return "Semua kabupaten/kota"
    return user.kabupaten.nama if user.kabupaten else ""


def can_moderate_at_all(user: User) -> bool:
    return user.role in MODERATOR_ROLES


def moderation_scope(user: User, kabupaten_column) -> ColumnElement[bool]:
    """A SQL condition selecting the items this user may moderate."""
    if sees_every_kabupaten(user):
        return true()
    if user.role == "moderator":
        return kabupaten_column == user.kabupaten_kode
    return false()


def moderators_of(kabupaten_kode: str) -> ColumnElement[bool]:
    """A SQL condition on accounts: those who may moderate the items of this kabupaten."""
    return (User.role == "admin") | ((User.role == "moderator") & (User.kabupaten_kode == kabupaten_kode))


def can_hear_of_queue(user: User) -> bool:
    """The desk's setting: a push when new items wait in the moderator's queue."""
    return can_moderate_at_all(user) and can_receive_push(user)


def can_moderate(user: User, item) -> bool:
    if sees_every_kabupaten(user):
        return True
    return user.role == "moderator" and item.kabupaten_kode == user.kabupaten_kode


def owns(user: User, item) -> bool:
    return item.author_id == user.id


def can_contact_pelapor(user: User, item) -> bool:
    return user.is_authenticated and (owns(user, item) or can_moderate(user, item))


def can_manage_kim(user: User) -> bool:
    """The ketua's pages: the members of their own group."""
    return user.role == "anggota" and user.ketua


def can_manage_member(user: User, member: User) -> bool:
    """A ketua manages the other members of their own group (never themselves: a ketua cannot lock themselves out)."""
    return (
        can_manage_kim(user)
        and member.role == "anggota"
        and member.kim_id == user.kim_id
        and member.id != user.id
    )


def can_administer(user: User) -> bool:
    return user.role == "admin"


def home_endpoint(user: User) -> str:
    """Where a person lands after signing in: a member in the phone app, the Dinas at its queue."""
    return "app_shell.shell" if can_capture(user) else "moderation.queue"


def can_receive_push(user: User) -> bool:
    return user.role in ROLES_WITH_DEVICES


def owns_device(user: User, subscription) -> bool:
    return subscription.account_id == user.id


def can_oversee_deliveries(user: User) -> bool:
    return can_administer(user)


def can_write_pengumuman(user: User) -> bool:
    return user.role in MODERATOR_ROLES


def may_target(user: User, tingkat: str, kode: str | None) -> bool:
    """Whether this author may send a pengumuman to that area: `kode` is the area's Kemendagri code, or for a KIM
    group the code of its desa. The admin reaches the whole province; a moderator any area inside their kabupaten
    (codes are dotted prefixes: 53.04 → 53.04.05 → 53.04.05.2006), never the whole province."""
    if not can_write_pengumuman(user):
        return False
    if sees_every_kabupaten(user):
        return True
    if tingkat == "provinsi" or not kode or not user.kabupaten_kode:
        return False
    return kode == user.kabupaten_kode or kode.startswith(user.kabupaten_kode + ".")


def can_manage_pengumuman(user: User, pengumuman) -> bool:
    """Edit, publish, withdraw: the admin any; a moderator those of their kabupaten's desk (its colleagues' too)."""
    if sees_every_kabupaten(user):
        return True
    return user.role == "moderator" and pengumuman.kabupaten_kode == user.kabupaten_kode


def pengumuman_scope(user: User, kabupaten_column) -> ColumnElement[bool]:
    """A SQL condition selecting the pengumuman this user's desk lists."""
    return moderation_scope(user, kabupaten_column)


def allowed_by(rule):
    """Page decorator: login first (flask-login redirects to /masuk), then `rule(current_user)`, else 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not rule(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
