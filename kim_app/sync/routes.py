"""The member's API under /api/v1: send items, pull what became of them (docs/sync-protocol.md)."""
from __future__ import annotations

import uuid
from functools import wraps

from flask import abort, request
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from kim_app.accounts import policy
from kim_app.errors import PROBLEM, Forbidden
from kim_app.sync import services
from kim_app.sync.schemas import (
    BATCH_MAX_BYTES,
    ItemBatchAnswerSchema,
    ItemBatchSchema,
    ItemCreateSchema,
    ItemListArgs,
    ItemListSchema,
    ItemRevisionSchema,
    ItemSchema,
)

bp = Blueprint("items", __name__, url_prefix="/api/v1", description="Items captured on members' phones")


def _member():
    if not policy.can_capture(current_user):
        raise Forbidden("Hanya anggota KIM yang mengirim berita dan aduan.")
    return current_user


def members_only(view):
    """Refuse non-members before the body is read: a moderator's request gets 403, not a validation error."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        _member()
        return view(*args, **kwargs)

    return wrapped


@bp.route("/items")
class Items(MethodView):
    # Applied in order: login_required ends up outermost, so anonymous requests get 401 first.
    decorators = [members_only, login_required]

    @bp.arguments(ItemListArgs(), location="query")
    @bp.response(200, ItemListSchema)
    def get(self, args):
        """Your items changed since a cursor (delta pull), and the pengumuman for your KIM group"""
        member = _member()
        items, cursor = services.changes_since(member, args["since"])
        return {"items": items, "cursor": cursor, "account_id": member.id,
                **services.pengumuman_since(member, args["since"])}

    @bp.arguments(ItemCreateSchema())
    @bp.response(201, ItemSchema, description="The item was new and is stored")
    @bp.alt_response(200, schema=ItemSchema, description="The same item was already stored; nothing changed")
    @bp.alt_response(409, description="An item with this UUID exists with a different body or author", **PROBLEM)
    @bp.alt_response(403, description="author_id is not the signed-in account (type wrong-author)", **PROBLEM)
    @bp.alt_response(
        422,
        description="type validation: a field is missing or invalid; type desa-outside-area: desa_kode is not in "
        "the area of the member's KIM (GET /api/v1/me, desa_pilihan); nothing is stored",
        **PROBLEM,
    )
    @bp.alt_response(401, description="Not signed in, or the session ended (signed out, possibly elsewhere)",
                     **PROBLEM)
    @bp.alt_response(
        400,
        description="Missing or stale X-CSRFToken (type csrf): fetch /api/v1/me again; a body that is no JSON or is "
        "nested more than 32 levels (type bad-input); text holding NUL or a lone surrogate (type invalid-text)",
        **PROBLEM,
    )
    @bp.alt_response(413, description="A body larger than 256 KiB (type too-large)", **PROBLEM)
    def post(self, data):
        """Send an item captured on the phone; idempotent on its UUID"""
        item, created = services.receive_item(_member(), data)
        return item, 201 if created else 200


def batch_sized(view):
    """A batch over the byte limit is refused before it is read (413). Checked here rather than through
    request.max_content_length: the CSRF check has opened the body stream already, with the app-wide limit."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if (request.content_length or 0) > BATCH_MAX_BYTES:
            abort(413)
        return view(*args, **kwargs)

    return wrapped


@bp.route("/items/batch")
class ItemBatch(MethodView):
    decorators = [batch_sized, members_only, login_required]

    @bp.arguments(ItemBatchSchema())
    @bp.response(200, ItemBatchAnswerSchema, description="Each item's own answer, and your changes since `since`")
    @bp.alt_response(413, description="The body is larger than 256 KB: send fewer items per batch", **PROBLEM)
    @bp.alt_response(422, description="Not a list of 1 to 50 items (one bad item is that item's answer)", **PROBLEM)
    @bp.alt_response(401, description="Not signed in, or the session expired", **PROBLEM)
    @bp.alt_response(400, description="Missing or stale X-CSRFToken (type csrf): fetch /api/v1/me again", **PROBLEM)
    def post(self, data):
        """Send up to 50 items at once; each is idempotent on its UUID and answered as POST /api/v1/items would"""
        member = _member()
        results = services.receive_batch(member, data["items"])
        sent = [result.item.client_uuid for result in results if result.item is not None]
        changes, cursor = services.changes_since(member, data["since"], leave_out=sent)
        return {"results": results, "changes": changes, "cursor": cursor,
                **services.pengumuman_since(member, data["since"])}


@bp.route("/items/<uuid:item_uuid>")
class Item(MethodView):
    decorators = [members_only, login_required]

    @bp.response(200, ItemSchema)
    def get(self, item_uuid: uuid.UUID):
        """One of your items"""
        return services.own_item(_member(), item_uuid)


@bp.route("/items/<uuid:item_uuid>/revisions")
class Revisions(MethodView):
    decorators = [members_only, login_required]

    @bp.arguments(ItemRevisionSchema())
    @bp.response(201, ItemSchema, description="The revision was new: the item is back in the queue (menunggu)")
    @bp.alt_response(200, schema=ItemSchema, description="This revision was already stored with the same body")
    @bp.alt_response(
        409,
        description="type conflict: this revision is stored with a different body; type revision-conflict: the "
        "item is not in perlu_revisi at the revision before (the answer carries the server's revision and status)",
        **PROBLEM,
    )
    @bp.alt_response(404, description="No item of yours has this UUID", **PROBLEM)
    @bp.alt_response(403, description="author_id is not the signed-in account (type wrong-author)", **PROBLEM)
    @bp.alt_response(
        422,
        description="type validation: a field is missing or invalid; type desa-outside-area: the item's desa is no "
        "longer in the area of the member's KIM",
        **PROBLEM,
    )
    @bp.alt_response(
        400,
        description="Missing or stale X-CSRFToken (type csrf); a body that is no JSON or is nested more than 32 "
        "levels (type bad-input); text holding NUL or a lone surrogate (type invalid-text)",
        **PROBLEM,
    )
    @bp.alt_response(413, description="A body larger than 256 KiB (type too-large)", **PROBLEM)
    def post(self, data, item_uuid: uuid.UUID):
        """Send a new revision of an item sent back for revision; idempotent per revision"""
        item, created = services.receive_revision(_member(), item_uuid, data)
        return item, 201 if created else 200
