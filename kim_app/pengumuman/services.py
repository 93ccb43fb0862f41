"""Writing, publishing and withdrawing pengumuman on the desk; who they reach; what a member's pull carries.

Services flush, never commit (one transaction per request, kim_app/database.py). Everything a form says is checked
before anything is written, so a refusal leaves nothing half-written; the rules of who may target what are asked of
kim_app/accounts/policy.py.
"""
from __future__ import annotations

import functools
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.orm import selectinload

from kim_app.accounts import policy
from kim_app.accounts.models import User
from kim_app.errors import Forbidden, Invalid, NotFound
from kim_app.extensions import db
from kim_app.pengumuman import attachments, forms
from kim_app.pengumuman.forms import Draft
from kim_app.pengumuman.jenis import TINGKAT_LABELS
from kim_app.pengumuman.models import Lampiran, Pengumuman, PengumumanTarget
from kim_app.timeutil import BULAN, WITA, format_wita, utcnow
from kim_app.wilayah.models import Desa, Kabupaten, Kecamatan, KimGroup, Provinsi

AREA_MODELS = {"kabupaten": Kabupaten, "kecamatan": Kecamatan, "desa": Desa}
DESK_LIST_LIMIT = 200


class ExpiryPassed(Invalid):
    pass


# --- The desk -------------------------------------------------------------------------------------------------------

def desk_list(user: User) -> list[Pengumuman]:
    query = (select(Pengumuman).where(policy.pengumuman_scope(user, Pengumuman.kabupaten_kode))
             .options(selectinload(Pengumuman.targets))
             .order_by(Pengumuman.updated_at.desc(), Pengumuman.id.desc()).limit(DESK_LIST_LIMIT))
    return list(db.session.scalars(query))


def for_desk(user: User, pengumuman_id: int) -> Pengumuman:
    """One pengumuman of the user's desk; another kabupaten's answers as a missing one does."""
    found = db.session.get(Pengumuman, pengumuman_id)
    if found is None or not policy.can_manage_pengumuman(user, found):
        raise NotFound("Pengumuman tidak ditemukan.")
    return found


def _provinsi_kode() -> str | None:
    """The province this deployment serves (KIM_PROVINSI), if its regions are loaded."""
    return db.session.scalar(select(Provinsi.kode).where(Provinsi.kode == current_app.config["KIM_PROVINSI"]))


def _targets(user: User, draft: Draft) -> list[PengumumanTarget]:
    """The draft's targets as rows, each one checked: it exists, and the author may send there."""
    rows = []
    if draft.provinsi:
        provinsi = _provinsi_kode()
        if not policy.may_target(user, "provinsi", provinsi):
            raise Forbidden("Hanya admin provinsi yang dapat mengirim pengumuman ke seluruh provinsi.")
        if provinsi is None:
            raise Invalid("Wilayah provinsi ini belum dimuat (KIM_PROVINSI); pilih kabupaten/kota sasaran.")
        rows.append(PengumumanTarget(tingkat="provinsi", kode=provinsi))
    for tingkat, codes in draft.areas.items():
        model = AREA_MODELS[tingkat]
        for kode in codes:
            area = db.session.get(model, kode) if len(kode) <= 13 else None
            if area is None:
                raise Invalid(f"{TINGKAT_LABELS[tingkat]} dengan kode {kode[:20]} tidak dikenal.")
            if not policy.may_target(user, tingkat, area.kode):
                raise Forbidden(f"{TINGKAT_LABELS[tingkat]} {area.nama} berada di luar wilayah Anda; "
                                "pengumuman hanya dapat dikirim ke wilayah kabupaten/kota Anda sendiri.")
            rows.append(PengumumanTarget(tingkat=tingkat, kode=area.kode))
    for kim_id in draft.kim_ids:
        group = db.session.get(KimGroup, kim_id)
        if group is None:
            raise Invalid(f"KIM dengan nomor {kim_id} tidak dikenal.")
        if not policy.may_target(user, "kim", group.desa_kode):
            raise Forbidden(f"{group.nama} berada di luar wilayah Anda; pengumuman hanya dapat dikirim ke KIM di "
                            "kabupaten/kota Anda sendiri.")
        rows.append(PengumumanTarget(tingkat="kim", kim_id=group.id))
    return rows


def _check_expiry(expires_at: datetime | None, now: datetime) -> None:
    if expires_at is not None and expires_at <= now:
        raise ExpiryPassed("Tanggal kedaluwarsa sudah lewat. Pilih hari ini atau tanggal sesudahnya, "
                           "atau kosongkan bila pengumuman berlaku tanpa batas.")


def save(user: User, draft: Draft, pengumuman: Pengumuman | None = None, publish: bool = False,
         uploads=()) -> Pengumuman:
    """A new pengumuman, or a draf rewritten, with the attachments uploaded with the form; published at once when
    `publish`. Checked whole — the attachments too — before a row is touched."""
    if not policy.can_write_pengumuman(user):
        raise Forbidden("Hanya moderator dan admin provinsi yang menulis pengumuman.")
    if pengumuman is not None and pengumuman.status != "draf":
        raise Invalid("Pengumuman yang sudah terbit tidak dapat diubah. Tarik lalu buat yang baru bila perlu.")
    now = utcnow()
    targets = _targets(user, draft)
    _check_expiry(draft.expires_at, now)
    if publish:
        problems = forms.missing(draft)
        if problems:
            raise Invalid(" ".join(problems))
    elif not draft.judul:
        raise Invalid("Isi judul pengumuman, juga untuk draf.")
    checked = attachments.check(list(uploads), already=len(pengumuman.lampiran) if pengumuman else 0)
    if pengumuman is None:
        pengumuman = Pengumuman(author_id=user.id, kabupaten_kode=None if policy.sees_every_kabupaten(user)
                                else user.kabupaten_kode, status="draf", created_at=now)
        db.session.add(pengumuman)
    pengumuman.jenis = draft.jenis
    pengumuman.judul = draft.judul
    pengumuman.isi = draft.isi
    pengumuman.rincian = draft.rincian or None
    pengumuman.expires_at = draft.expires_at
    pengumuman.targets = targets
    attachments.attach(pengumuman, checked)
    pengumuman.updated_at = now
    if publish:
        pengumuman.status = "terbit"
        pengumuman.published_at = now
    db.session.flush()
    return pengumuman


def draft_of(pengumuman: Pengumuman) -> Draft:
    """A stored pengumuman as the form shows it again."""
    draft = Draft(jenis=pengumuman.jenis, judul=pengumuman.judul, isi=pengumuman.isi,
                  rincian=dict(pengumuman.rincian or {}))
    for spec in pengumuman.spec.fields:
        value = draft.rincian.get(spec.name) or ""
        if value and spec.input == "datetime-local":
            value = wita_input(datetime.fromisoformat(value))
        draft.typed[spec.name] = value
    for target in pengumuman.targets:
        if target.tingkat == "provinsi":
            draft.provinsi = True
        elif target.tingkat == "kim":
            draft.kim_ids.append(target.kim_id)
        else:
            draft.areas.setdefault(target.tingkat, []).append(target.kode)
    if pengumuman.expires_at is not None:
        draft.expires_at = pengumuman.expires_at
        draft.expires_day = expiry_day(pengumuman.expires_at).isoformat()
    return draft


def wita_input(moment: datetime) -> str:
    return moment.astimezone(WITA).strftime("%Y-%m-%dT%H:%M")


def wita_text(iso: str | None) -> str:
    """A moment kept in rincian (ISO 8601, UTC) as the pages show it, in WITA."""
    return format_wita(datetime.fromisoformat(iso)) if iso else ""


def expiry_day(expires_at: datetime) -> date:
    """The day the desk typed: an expiry is stored as the midnight after it (forms.end_of_day_wita)."""
    return (expires_at.astimezone(WITA) - timedelta(days=1)).date()


def publish(user: User, pengumuman: Pengumuman) -> None:
    if pengumuman.status != "draf":
        raise Invalid("Pengumuman ini sudah terbit atau sudah ditarik.")
    save(user, draft_of(pengumuman), pengumuman, publish=True)


def withdraw(user: User, pengumuman: Pengumuman) -> None:
    """Withdrawn: phones remove it at their next pull (the pull lists it as gone)."""
    if pengumuman.status != "terbit":
        raise Invalid("Hanya pengumuman yang terbit yang dapat ditarik.")
    pengumuman.status = "ditarik"
    pengumuman.updated_at = utcnow()
    db.session.flush()


# --- Who it reaches -------------------------------------------------------------------------------------------------

def _target_codes(pengumuman_id: int, tingkat: str):
    return select(PengumumanTarget.kode).where(
        PengumumanTarget.pengumuman_id == pengumuman_id, PengumumanTarget.tingkat == tingkat
    )


def targets_kim(pengumuman: Pengumuman) -> Select:
    """A select of the ids of the KIM groups this pengumuman reaches: those named, and those whose seat (their desa)
    lies in a targeted desa, kecamatan, kabupaten or the province. Coverage and the standing count from it."""
    pid = pengumuman.id
    named = select(PengumumanTarget.kim_id).where(
        PengumumanTarget.pengumuman_id == pid, PengumumanTarget.tingkat == "kim"
    )
    return (
        select(KimGroup.id)
        .join(Desa, Desa.kode == KimGroup.desa_kode)
        .join(Kecamatan, Kecamatan.kode == Desa.kecamatan_kode)
        .join(Kabupaten, Kabupaten.kode == Kecamatan.kabupaten_kode)
        .where(or_(
            KimGroup.id.in_(named),
            KimGroup.desa_kode.in_(_target_codes(pid, "desa")),
            Desa.kecamatan_kode.in_(_target_codes(pid, "kecamatan")),
            Kecamatan.kabupaten_kode.in_(_target_codes(pid, "kabupaten")),
            Kabupaten.provinsi_kode.in_(_target_codes(pid, "provinsi")),
        ))
    )


def _place(desa_kode: str) -> dict[str, str]:
    """A desa's code and the codes of the areas that contain it: its code's dotted prefixes
    (53 → 53.04 → 53.04.05 → 53.04.05.2006)."""
    kecamatan = desa_kode.rsplit(".", 1)[0]
    kabupaten = kecamatan.rsplit(".", 1)[0]
    return {"desa": desa_kode, "kecamatan": kecamatan, "kabupaten": kabupaten, "provinsi": kabupaten[:2]}


def _covering(place: dict, kim_ids) -> Select:
    t = PengumumanTarget
    return select(t.pengumuman_id).where(or_(
        t.kim_id.in_(kim_ids),
        *(and_(t.tingkat == tingkat, t.kode == kode) for tingkat, kode in place.items()),
    ))


def reaching(desa_kode: str, kim_ids) -> Select:
    """The ids of the pengumuman whose targets cover a place: this desa — and so its kecamatan, kabupaten and province
    (`_place`) — or one of the KIM groups `kim_ids` names (a list, or a select of ids). The mirror of `targets_kim`,
    read from the targets' indexes (tingkat, kode) and (kim_id). A member's pull asks it for their KIM group (with its
    values bound, `_member_pull`), the portal's desa page for the desa."""
    return _covering(_place(desa_kode), kim_ids)


def _reaching(kim: KimGroup) -> Select:
    return reaching(kim.desa_kode, [kim.id])


def reached(kim: KimGroup | None, pengumuman_id: int) -> bool:
    """Whether this pengumuman was published to this KIM group: what a member may report having spread. Withdrawn or
    expired since counts too — a report written offline before the withdrawal is still a true report."""
    if kim is None:
        return False
    return db.session.scalar(select(Pengumuman.id).where(
        Pengumuman.id == pengumuman_id, Pengumuman.published_at.is_not(None),
        Pengumuman.id.in_(_reaching(kim)))) is not None


def _is_live(pengumuman: Pengumuman, now: datetime) -> bool:
    return pengumuman.status == "terbit" and not pengumuman.is_expired(now)


@functools.cache
def _member_pull(since: bool) -> Select:
    """The pengumuman part of a member's pull, built once per shape with its values bound (a pull is among the
    commonest requests; building the expression cost more than running it). Without `since`: every live one
    targeted at the member's KIM group. With it, in the same query: those that changed since (live, `_is_live`), and
    those withdrawn or expired since (gone)."""
    targeted = Pengumuman.id.in_(
        _covering({name: bindparam(name) for name in ("desa", "kecamatan", "kabupaten", "provinsi")},
                  [bindparam("kim_id")]))
    now = bindparam("now")
    live = and_(Pengumuman.status == "terbit", or_(Pengumuman.expires_at.is_(None), Pengumuman.expires_at > now))
    query = select(Pengumuman).where(targeted)
    if since:
        moment = bindparam("since")
        query = query.where(Pengumuman.published_at.is_not(None), or_(
            and_(live, Pengumuman.updated_at >= moment),
            and_(Pengumuman.status == "ditarik", Pengumuman.updated_at >= moment),
            and_(Pengumuman.status == "terbit", Pengumuman.expires_at >= moment, Pengumuman.expires_at <= now),
        ))
    else:
        query = query.where(live)
    return query.order_by(Pengumuman.updated_at, Pengumuman.id)


def for_member(user: User, since: datetime | None, now: datetime) -> tuple[list[Pengumuman], list[int]]:
    """For a member's pull: the published, unexpired pengumuman that target their KIM group and changed since
    `since` (all of them without it), and the ids of those withdrawn or expired since then (the phone deletes
    them)."""
    kim = user.kim
    if kim is None:
        return [], []
    params = {**_place(kim.desa_kode), "kim_id": kim.id, "now": now}
    if since is not None:
        params["since"] = since
    found = list(db.session.scalars(_member_pull(since is not None), params))
    changed = [pengumuman for pengumuman in found if _is_live(pengumuman, now)]
    gone = sorted(pengumuman.id for pengumuman in found if not _is_live(pengumuman, now))
    return changed, gone


def public(pengumuman_id: int) -> Pengumuman:
    """A published, unexpired pengumuman for its public page; anything else is not found."""
    found = db.session.get(Pengumuman, pengumuman_id)
    if found is None or found.status != "terbit" or found.is_expired(utcnow()):
        raise NotFound("Pengumuman ini tidak ada, sudah ditarik, atau sudah berakhir.")
    return found


def lampiran_for(user: User, pengumuman_id: int, lampiran_id: int) -> Lampiran:
    """An attachment, for whoever may read its pengumuman: anyone once it is published (and not expired), the desk
    that manages it before. Anything else answers as a missing one does."""
    found = db.session.get(Lampiran, lampiran_id)
    if found is None or found.pengumuman_id != pengumuman_id:
        raise NotFound("Lampiran tidak ditemukan.")
    owner = found.pengumuman
    readable = owner.status == "terbit" and not owner.is_expired(utcnow())
    if not readable and not (user.is_authenticated and policy.can_manage_pengumuman(user, owner)):
        raise NotFound("Lampiran tidak ditemukan.")
    return found


# --- How the desk names things -------------------------------------------------------------------------------------

def target_label(target: PengumumanTarget) -> str:
    if target.tingkat == "provinsi":
        return "Seluruh provinsi"
    if target.tingkat == "kim":
        return target.kim.nama if target.kim else f"KIM {target.kim_id}"
    area = db.session.get(AREA_MODELS[target.tingkat], target.kode)
    name = area.nama if area else target.kode
    return {"kecamatan": f"Kec. {name}", "desa": f"Desa {name}"}.get(target.tingkat, name)


def target_summary(pengumuman: Pengumuman) -> str:
    labels = [target_label(target) for target in pengumuman.targets]
    if len(labels) > 3:
        return f"{', '.join(labels[:3])} dan {len(labels) - 3} lainnya"
    return ", ".join(labels) or "Belum ada sasaran"


def expiry_text(pengumuman: Pengumuman) -> str:
    if pengumuman.expires_at is None:
        return "Tanpa batas"
    day = expiry_day(pengumuman.expires_at)
    return f"s.d. {day.day} {BULAN[day.month - 1]} {day.year}"


def choices(user: User) -> dict:
    """What the desk's form offers as targets: only what the author may target."""
    kabupaten = select(Kabupaten).order_by(Kabupaten.kode)
    kecamatan = select(Kecamatan).order_by(Kecamatan.kode)
    desa = select(Desa).options(selectinload(Desa.kecamatan)).order_by(Desa.kode)
    groups = select(KimGroup).options(selectinload(KimGroup.desa)).order_by(KimGroup.nama)
    if not policy.sees_every_kabupaten(user):
        code = user.kabupaten_kode or ""
        kabupaten = kabupaten.where(Kabupaten.kode == code)
        kecamatan = kecamatan.where(Kecamatan.kabupaten_kode == code)
        desa = desa.where(Desa.kode.startswith(code + "."))
        groups = groups.where(KimGroup.desa_kode.startswith(code + "."))
    return {
        "provinsi": policy.may_target(user, "provinsi", _provinsi_kode()),
        "kabupaten": list(db.session.scalars(kabupaten)),
        "kecamatan": list(db.session.scalars(kecamatan)),
        "desa": list(db.session.scalars(desa)),
        "kim": list(db.session.scalars(groups)),
    }
