"""Managing accounts (pages): the ketua KIM's members and their KIM's profile under /kim, the admin's users and
groups under /admin.

Thin views: who may do what is asked of policy.py, the work is done by accounts/services.py and wilayah/services.py.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from kim_app import inputs
from kim_app.accounts import policy, profil, services
from kim_app.accounts.forms import NO_ACCOUNT, ProfilForm
from kim_app.accounts.models import ROLE_LABELS
from kim_app.errors import Invalid, ProblemError
from kim_app.extensions import db, limiter
from kim_app.wilayah.models import CAKUPAN_DESA
from kim_app.wilayah.services import ensure_kim_group

bp = Blueprint("manage", __name__)
ketua_only = policy.allowed_by(policy.can_manage_kim)
admin_only = policy.allowed_by(policy.can_administer)


def _refused(error: ProblemError, endpoint: str):
    db.session.rollback()  # the refusal is shown on the next page; nothing of this request stands
    if error.status == 404:
        raise error
    flash(error.detail, "error")
    return redirect(url_for(endpoint))


# --- Ketua KIM ---------------------------------------------------------------------------------------------------

@bp.route("/kim/anggota")
@ketua_only
def members():
    return render_template(
        "accounts/kim_anggota.html", group=current_user.kim, members=services.members_of(current_user.kim_id)
    )


@bp.route("/kim/anggota", methods=["POST"])
@ketua_only
def add_member():
    form = request.form
    try:
        member = services.add_member(current_user, form.get("username", ""), form.get("nama", ""),
                                     form.get("password", ""))
    except ProblemError as error:
        return _refused(error, "manage.members")
    flash(f"Anggota {member.nama} ({member.username}) ditambahkan.", "ok")
    return redirect(url_for("manage.members"))


@bp.route("/kim/anggota/<int:user_id>/status", methods=["POST"])
@ketua_only
def member_status(user_id: int):
    try:
        member = services.set_active(current_user, user_id, request.form.get("aktif") == "1")
    except ProblemError as error:
        return _refused(error, "manage.members")
    flash(f"Akun {member.nama} {'diaktifkan' if member.active else 'dinonaktifkan'}.", "ok")
    return redirect(url_for("manage.members"))


def _profil_input(form: ProfilForm) -> profil.ProfilInput:
    """The form's values as the service takes them: the date and account ids through kim_app/inputs.py, blank and
    removed rows left out."""
    rows = []
    for entry in form.pengurus:
        row = entry.form
        if row.hapus.data or row.blank:
            continue
        akun = (row.akun.data or "").strip()
        rows.append(profil.PengurusInput(
            jabatan=row.jabatan.data or "",
            nama=row.nama.data or "",
            bidang_nama=row.bidang_nama.data,
            user_id=inputs.parse_int(akun, label="Akun anggota", minimum=1, maximum=inputs.MAX_ID) if akun else None,
        ))
    return profil.ProfilInput(
        sk_nomor=form.sk_nomor.data,
        sk_tanggal=inputs.parse_day(form.sk_tanggal.data, label="Tanggal SK"),
        kimid_nomor=form.kimid_nomor.data,
        kontak=form.kontak.data,
        deskripsi=form.deskripsi.data,
        pengurus=rows,
    )


def _form_errors(form: ProfilForm) -> list[str]:
    found = []
    for name, errors in form.errors.items():
        if name == "pengurus":
            for number, row_errors in enumerate(errors, start=1):
                for messages in (row_errors or {}).values():
                    found.extend(f"Pengurus baris {number}: {message}" for message in messages)
        else:
            found.extend(errors)
    return found


BLANK_ROWS = 2


def _stored(group) -> dict:
    """The form's values as stored: what the page shows before the ketua changes anything."""
    return {
        "sk_nomor": group.sk_nomor or "",
        "sk_tanggal": group.sk_tanggal.isoformat() if group.sk_tanggal else "",
        "kimid_nomor": group.kimid_nomor or "",
        "kontak": group.kontak or "",
        "deskripsi": group.deskripsi or "",
        "pengurus": [
            {"jabatan": p.jabatan, "nama": p.nama, "bidang_nama": p.bidang_nama or "", "akun": str(p.user_id or "")}
            for p in group.pengurus
        ],
    }


@bp.route("/kim/profil", methods=["GET", "POST"])
@ketua_only
def profile():
    """The ketua keeps their KIM's registry entry. One form, saved whole or not at all; "Tambah baris" only redraws
    the form with one more empty pengurus row (no script needed)."""
    group = profil.own_group(current_user)
    form = ProfilForm(data=_stored(group)) if request.method == "GET" else ProfilForm()
    errors: list[str] = []
    status = 200
    if request.method == "POST" and "tambah" not in request.form:
        if form.validate_on_submit():
            try:
                changed = profil.save(current_user, _profil_input(form))
            except profil.ProfilInvalid as error:
                errors = error.messages
            except ProblemError as error:
                if error.status == 404:
                    raise
                errors = [error.detail]
            else:
                if not changed:
                    flash("Tidak ada perubahan; profil tetap seperti sebelumnya.", "ok")
                elif profil.state(group) == profil.MENUNGGU:
                    flash("Profil disimpan dan menunggu verifikasi Dinas Kominfo.", "ok")
                else:
                    flash(f"Profil disimpan. Agar dapat diverifikasi Dinas Kominfo, lengkapi: "
                          f"{', '.join(profil.missing(group))}.", "ok")
                return redirect(url_for("manage.profile"))
        else:
            errors = _form_errors(form)
        db.session.rollback()  # nothing of a refused form stands
        status = 422
    wanted = BLANK_ROWS if request.method == "GET" else int("tambah" in request.form)
    for _ in range(wanted):
        if len(form.pengurus) < form.pengurus.max_entries:
            form.pengurus.append_entry()
    members = profil.member_choices(group)
    for entry in form.pengurus:
        entry.form.akun.choices = [SelectChoice("", NO_ACCOUNT),
                                   *(SelectChoice(str(m.id), f"{m.nama} ({m.username})") for m in members)]
    return render_template(
        "accounts/kim_profil.html", group=group, form=form, errors=errors, state=profil.state(group),
        state_labels=profil.STATE_LABELS, missing=profil.missing(group), verifier=profil.verifier_name(group),
    ), status
def _resetter_key() -> str:
    # Counted per account doing resets, wherever they sign in from; a request nobody signed in for is refused anyway.
    return "reset:" + (current_user.get_id() or get_remote_address())


reset_limit = limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], key_func=_resetter_key)


def _reset(user_id: int, back: str):
    """Give the account a temporary password (the one typed, or a generated one) and show it once, on this answer
    alone: it is in no redirect, no flashed message and no log, so it cannot be read back later."""
    try:
        account, password = services.reset_password(current_user, user_id, request.form.get("password", ""))
    except ProblemError as error:
        db.session.rollback()
        if error.status == 404:
            raise
        flash(error.detail, "error")
        return redirect(back)
    return render_template("accounts/temporary_password.html", account=account, password=password, back=back)


@bp.route("/kim/anggota/<int:user_id>/kata-sandi", methods=["POST"])
@ketua_only
@reset_limit
def member_password(user_id: int):
    return _reset(user_id, url_for("manage.members"))


# --- Admin provinsi ----------------------------------------------------------------------------------------------

@bp.route("/admin")
@admin_only
def admin():
    return render_template(
        "accounts/admin.html", users=services.all_users(), groups=services.all_groups(), role_labels=ROLE_LABELS
    )


@bp.route("/admin/pengguna", methods=["POST"])
@admin_only
def create_user():
    form = request.form
    try:
        user = services.create_user(
            form.get("username", ""),
            form.get("password", ""),
            form.get("role", ""),
            form.get("nama", ""),
            kabupaten_kode=form.get("kabupaten") or None,
            kim_id=inputs.arg_int("kim", label="KIM", minimum=1, maximum=inputs.MAX_ID, source=form),
            ketua=form.get("ketua") == "1",
        )
    except ProblemError as error:
        return _refused(error, "manage.admin")
    flash(f"Akun {user.username} ({user.role_label}) dibuat.", "ok")
    return redirect(url_for("manage.admin"))


@bp.route("/admin/pengguna/<int:user_id>/status", methods=["POST"])
@admin_only
def user_status(user_id: int):
    try:
        user = services.set_active(current_user, user_id, request.form.get("aktif") == "1")
    except ProblemError as error:
        return _refused(error, "manage.admin")
    flash(f"Akun {user.username} {'diaktifkan' if user.active else 'dinonaktifkan'}.", "ok")
    return redirect(url_for("manage.admin"))


@bp.route("/admin/pengguna/<int:user_id>/sesi", methods=["POST"])
@admin_only
def user_sessions(user_id: int):
    """"Akhiri semua sesi akun ini": a lost or shared phone is signed out; the account stays active."""
    try:
        user = services.end_sessions_of(current_user, user_id)
    except ProblemError as error:
        return _refused(error, "manage.admin")
    flash(f"Semua sesi akun {user.username} diakhiri. Akun ini perlu masuk lagi di setiap perangkat.", "ok")
    return redirect(url_for("manage.admin"))


@bp.route("/admin/pengguna/<int:user_id>")
@admin_only
def user_page(user_id: int):
    """One account: who it is, its password reset, and the record of who reset its password and when."""
    account = services.member_for(current_user, user_id)
    return render_template("accounts/account.html", account=account, events=services.events_of(account.id),
                           may_reset=policy.can_reset_password(current_user, account))


@bp.route("/admin/pengguna/<int:user_id>/kata-sandi", methods=["POST"])
@admin_only
@reset_limit
def user_password(user_id: int):
    return _reset(user_id, url_for("manage.user_page", user_id=user_id))


@bp.route("/admin/kim", methods=["POST"])
@admin_only
def create_group():
    nama = (request.form.get("nama") or "").strip()
    try:
        if not nama or len(nama) > 120:
            raise Invalid("Nama KIM wajib diisi (paling banyak 120 karakter).")
        group = ensure_kim_group(nama, (request.form.get("desa") or "").strip(),
                                 request.form.get("cakupan") or CAKUPAN_DESA)
    except ProblemError as error:
        return _refused(error, "manage.admin")
    flash(f"{group.nama} (id {group.id}) terdaftar di Desa {group.desa.nama}.", "ok")
    return redirect(url_for("manage.admin"))
