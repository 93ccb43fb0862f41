"""The Dinas Kominfo's desk (pages): the queue, claiming the next item, one item, verdicts, edits, complaints, and
the KIM groups' monthly standing."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kim_app import inputs
from kim_app.accounts import policy
from kim_app.errors import Invalid, ProblemError
from kim_app.items import kinds, pelapor
from kim_app.items.statuses import ADUAN_STATUS_LABELS, FOLLOW_UP, MOVES
from kim_app.moderation import deadlines, notify, services, standing
from kim_app.moderation import queue as desk

bp = Blueprint("moderation", __name__, url_prefix="/moderasi")
moderators_only = policy.allowed_by(policy.can_moderate_at_all)

DONE_MESSAGES = {
    "setujui": "Item disetujui.",
    "tolak": "Item ditolak; alasan dikirim ke anggota.",
    "revisi": "Permintaan revisi dikirim ke anggota.",
}
COMPLAINT_DONE = {
    "teruskan": "Aduan diteruskan ke OPD.",
    "tindaklanjuti": "Tanggapan OPD dicatat.",
    "selesai": "Aduan ditandai selesai.",
}


def _version() -> int:
    """The item version the page showed: every action from a page carries it (services.apply_change)."""
    version = inputs.arg_int("version", label="Versi item", minimum=1, maximum=inputs.MAX_ID, source=request.form)
    if version is None:
        raise Invalid("Formulir ini tidak membawa versi item. Muat ulang halaman lalu coba lagi.")
    return version


def _back_to_item(item_id: int, error: ProblemError):
    if error.status == 404:
        raise error
    flash(error.detail, "error")
    return redirect(url_for("moderation.item", item_id=item_id))


def _selection(value: str) -> tuple[int, int]:
    """One ticked row of the bulk form, "item id:version"."""
    item_id, _, version = value.partition(":")
    return (inputs.parse_int(item_id, label="Item yang dipilih", minimum=1, maximum=inputs.MAX_ID),
            inputs.parse_int(version, label="Versi item", minimum=1, maximum=inputs.MAX_ID))


@bp.route("")
@moderators_only
def queue():
    where = desk.QueueFilter.from_args(request.args)
    found = desk.queue_page(current_user, where, after=request.args.get("setelah"))
    return render_template(
        "moderation/queue.html",
        page=found,
        where=where,
        filter_args=where.as_args(),
        alasan_tolak=kinds.ALASAN_TOLAK,
        is_overdue=deadlines.is_overdue,
        alerts_on=notify.alerts_on(current_user) if policy.can_hear_of_queue(current_user) else None,
    )


@bp.route("/pemberitahuan", methods=["POST"])
@policy.allowed_by(policy.can_hear_of_queue)
def alerts():
    """The desk's setting: a push (batched) when new items enter the moderator's queue."""
    on = request.form.get("on") == "1"
    notify.set_alerts(current_user, on)
    flash("Pemberitahuan antrean dinyalakan untuk akun ini." if on else "Pemberitahuan antrean dimatikan.", "ok")
    return redirect(url_for("moderation.queue"))


@bp.route("/ambil", methods=["POST"])
@moderators_only
def claim_next():
    item = desk.claim_next(current_user)
    if item is None:
        flash("Tidak ada item yang bebas di antrean Anda saat ini.", "ok")
        return redirect(url_for("moderation.queue"))
    return redirect(url_for("moderation.item", item_id=item.id))


@bp.route("/massal", methods=["POST"])
@moderators_only
def decide_many():
    note = request.form.get("note") or request.form.get("alasan_preset")
    try:
        selected = [_selection(value) for value in request.form.getlist("pilih")]
        results = services.decide_many(current_user, selected, request.form.get("action", ""), note)
    except ProblemError as error:
        flash(error.detail, "error")
        return redirect(url_for("moderation.queue"))
    done = sum(result.ok for result in results)
    flash(f"{done} dari {len(results)} item diproses.", "ok")
    for result in results:
        if not result.ok:
            flash(f"Item {result.item_id}: {result.message}", "error")
    return redirect(url_for("moderation.queue"))


@bp.route("/item/<int:item_id>")
@moderators_only
def item(item_id: int):
    found = services.item_for(current_user, item_id)
    return render_template(
        "moderation/item.html",
        item=found,
        events=services.history(found),
        alasan_tolak=found.spec.rejection_reasons,
        changes=services.revision_changes(found),
        editable=found.spec.editable,
        overdue=deadlines.is_overdue(found),
        deadline=deadlines.verification_deadline(found.received_at) if found.spec.tracked else None,
        aduan_labels=ADUAN_STATUS_LABELS,
        follow_up=[MOVES[action] for action in FOLLOW_UP],
        moves=MOVES,
        word_diff=services.word_diff,
        kabari=pelapor.kabari(found) if policy.can_contact_pelapor(current_user, found) else None,
    )


@bp.route("/item/<int:item_id>", methods=["POST"])
@moderators_only
def decide(item_id: int):
    services.item_for(current_user, item_id)  # another region's item: 404 before the form is read
    action = request.form.get("action", "")
    note = request.form.get("note") or request.form.get("alasan_preset")
    try:
        services.decide(current_user, item_id, action, note, _version())
    except ProblemError as error:
        return _back_to_item(item_id, error)
    flash(DONE_MESSAGES[action], "ok")
    return _next_in_queue()


def _next_in_queue():
    """After a verdict the moderator goes on with the next free item of their queue, leased to them as "Ambil
    berikutnya" does (the item page links back to the list); the list itself once nothing is left."""
    item = desk.claim_next(current_user)
    if item is None:
        flash("Antrean Anda sudah habis.", "ok")
        return redirect(url_for("moderation.queue"))
    flash("Ini item berikutnya di antrean Anda.", "ok")
    return redirect(url_for("moderation.item", item_id=item.id))


@bp.route("/item/<int:item_id>/sunting", methods=["POST"])
@moderators_only
def edit(item_id: int):
    services.item_for(current_user, item_id)  # another region's item: 404 before the form is read
    changes = {name: request.form[name] for name in ("judul", "isi", "keterangan") if name in request.form}
    try:
        services.edit(current_user, item_id, _version(), changes)
    except ProblemError as error:
        return _back_to_item(item_id, error)
    flash("Perubahan disimpan; tulisan asli anggota tetap tersimpan di riwayat.", "ok")
    return redirect(url_for("moderation.item", item_id=item_id))


@bp.route("/item/<int:item_id>/aduan", methods=["POST"])
@moderators_only
def advance_complaint(item_id: int):
    services.item_for(current_user, item_id)  # another region's item: 404 before the form is read
    action = request.form.get("action", "")
    try:
        services.advance_complaint(current_user, item_id, action, _version(), request.form.get("text"))
    except ProblemError as error:
        return _back_to_item(item_id, error)
    flash(COMPLAINT_DONE[action], "ok")
    return redirect(url_for("moderation.item", item_id=item_id))


def _standing_asked() -> tuple[standing.Standing | None, str | None]:
    """The standing the page's parameters ask for (`bulan`, `kabupaten`), or the message saying why not. An area the
    account may not see is 403, whatever the month."""
    asked = request.args.get("kabupaten", "").strip()
    kabupaten = asked or policy.standing_scope_of(current_user)
    if asked == "provinsi":
        kabupaten = None
    if not policy.may_see_standing_of(current_user, kabupaten):
        abort(403)
    try:
        month = standing.parse_month(request.args.get("bulan"))
        scope = standing.scope_named(kabupaten)
    except standing.StandingError as error:
        return None, str(error)
    return standing.compute(month, scope), None


@bp.route("/peringkat")
@policy.allowed_by(policy.can_see_standing)
def standing_page():
    data, error = _standing_asked()
    if data is None:
        # The page stays usable: the message, and the default month of the account's own area.
        data = standing.compute(standing.last_complete_month(),
                                standing.scope_named(policy.standing_scope_of(current_user)))
    return render_template(
        "moderation/standing.html",
        data=data,
        error=error,
        components=standing.COMPONENTS,
        fast_hours=standing.FAST_HOURS,
        decimal=standing.decimal_text,
        month_label=standing.month_label,
        latest_month=standing.this_month(),
        kabupaten=standing.kabupaten_choices() if policy.may_see_standing_of(current_user, None) else None,
    ), (200 if error is None else 400)


@bp.route("/peringkat.csv")
@policy.allowed_by(policy.can_see_standing)
def standing_csv():
    data, error = _standing_asked()
    if data is None:
        return Response(error, status=400, mimetype="text/plain")
    # The byte-order mark makes spreadsheet programs read the names' accents as UTF-8.
    return Response(
        standing.to_csv(data),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{standing.csv_filename(data)}"',
                 "Cache-Control": "private, no-store"},
    )
