"""The push API under /api/v1/push (the phone: static/js/later/push.js), and the admin's page of failed deliveries."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint as ApiBlueprint

from kim_app.accounts import policy
from kim_app.errors import Forbidden, ProblemError, ProblemSchema
from kim_app.extensions import db
from kim_app.notifications import services
from kim_app.notifications.schemas import PushDeviceSchema, PushKeySchema, PushSubscriptionSchema

api_bp = ApiBlueprint(
    "push", __name__, url_prefix="/api/v1/push", description="Web Push to the signed-in account's devices"
)
bp = Blueprint("deliveries", __name__)

PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}
# A subscription is a few hundred bytes; anything much larger is refused before it is read.
BODY_LIMIT = 4096


def may_receive_push(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not policy.can_receive_push(current_user):
            raise Forbidden("Akun ini tidak menerima pemberitahuan.")
        # Checked here, not through request.max_content_length: the CSRF check has opened the body stream already,
        # with the app-wide limit. A body without a length is still held to that limit (MAX_CONTENT_LENGTH).
        if (request.content_length or 0) > BODY_LIMIT:
            abort(413)
        return view(*args, **kwargs)

    return wrapped


@api_bp.route("/key")
class PushKey(MethodView):
    @api_bp.response(200, PushKeySchema, headers={"Cache-Control": {"schema": {"type": "string"}}})
    @api_bp.doc(security=[])
    def get(self):
        """The server's VAPID public key, for PushManager.subscribe (public, no sign-in)"""
        return {"public_key": current_app.config["VAPID_PUBLIC_KEY"]}, 200, {"Cache-Control": "public, max-age=86400"}


@api_bp.route("/subscriptions")
class Subscriptions(MethodView):
    decorators = [may_receive_push, login_required]

    @api_bp.arguments(PushSubscriptionSchema())
    @api_bp.response(201, PushDeviceSchema, description="This browser is now subscribed for the signed-in account")
    @api_bp.alt_response(200, schema=PushDeviceSchema, description="Already subscribed: its keys are updated")
    @api_bp.alt_response(422, description="Not a subscription of a known push service, or keys of the wrong form",
                         **PROBLEM)
    @api_bp.alt_response(413, description="The body is larger than 4 KB", **PROBLEM)
    @api_bp.alt_response(409, description="The same endpoint is being registered right now: try again", **PROBLEM)
    @api_bp.alt_response(401, description="Not signed in", **PROBLEM)
    @api_bp.alt_response(400, description="Missing or stale X-CSRFToken (type csrf)", **PROBLEM)
    def post(self, data):
        """Register (or refresh) this browser's push subscription; an endpoint another account had moves here"""
        subscription, created = services.register_device(
            current_user, data["endpoint"], data["keys"]["p256dh"], data["keys"]["auth"]
        )
        db.session.commit()
        return {"id": subscription.id}, 201 if created else 200


@api_bp.route("/subscriptions/<int:subscription_id>")
class Subscription(MethodView):
    decorators = [may_receive_push, login_required]

    @api_bp.response(204, description="Removed: nothing more is pushed to that browser")
    @api_bp.alt_response(404, description="No subscription of yours has this id", **PROBLEM)
    @api_bp.alt_response(401, description="Not signed in", **PROBLEM)
    def delete(self, subscription_id: int):
        """Remove one of your subscriptions (the phone does at sign-out)"""
        services.remove_device(current_user, subscription_id)
        db.session.commit()


# --- /admin/pengiriman -------------------------------------------------------------------------------------------

overseers_only = policy.allowed_by(policy.can_oversee_deliveries)


@bp.route("/admin/pengiriman")
@overseers_only
def failed():
    deliveries = services.failed_deliveries()
    return render_template(
        "notifications/failed.html",
        deliveries=[(delivery, services.describe(delivery)) for delivery in deliveries],
        counts=services.counts_by_state(),
    )


@bp.route("/admin/pengiriman/<int:delivery_id>/ulang", methods=["POST"])
@overseers_only
def retry(delivery_id: int):
    try:
        services.retry(delivery_id)
        db.session.commit()
    except ProblemError as error:
        db.session.rollback()
        if error.status == 404:
            raise
        flash(error.detail, "error")
    else:
        flash("Pesan dikirim ulang; hasilnya tampil di sini bila gagal lagi.", "ok")
    return redirect(url_for("deliveries.failed"))
