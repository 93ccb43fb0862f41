"""`flask kim …`: the operator's commands. Each one calls a service; nothing here holds a rule of its own."""
from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import Blueprint, current_app

from kim_app.accounts.services import create_user, find_user, set_password
from kim_app.backup import create_backup, restore_backup
from kim_app.demo import DEMO_PASSWORD, seed_demo
from kim_app.errors import NotFound, ProblemError
from kim_app.extensions import db
from kim_app.items import counts as kept_counts
from kim_app.media.storage import LocalStorage, S3Storage, StorageUnavailable, move_to_bucket
from kim_app.notifications.queue import queue
from kim_app.publish import cache as portal_cache
from kim_app.wilayah import services as wilayah
from kim_app.wilayah.services import ensure_kim_group

bp = Blueprint("kim", __name__, cli_group="kim")


def _fail(error: ProblemError):
    db.session.rollback()
    raise click.ClickException(error.detail)


@bp.cli.command("import-wilayah")
@click.argument("source")
@click.option("--provinsi", help="Only this province (two digits, e.g. 53) from a national folder.")
def import_wilayah_command(source: str, provinsi: str | None):
    """Load Kemendagri region codes from a folder of CSV files, or a province code such as 53."""
    shared = Path(current_app.root_path).parent.parent / "shared" / "data" / "wilayah"
    try:
        folder, code = wilayah.resolve_source(source, shared_dir=shared)
        counts = wilayah.import_wilayah(folder, provinsi or code)
        portal_cache.bump()  # the portal names the regions
        db.session.commit()
    except ProblemError as error:
        _fail(error)
    click.echo(
        "Wilayah dimuat: {provinsi} provinsi, {kabupaten} kabupaten/kota, {kecamatan} kecamatan, "
        "{desa} desa/kelurahan.".format(**counts)
    )


@bp.cli.command("create-kim")
@click.argument("nama")
@click.argument("desa_kode")
@click.option("--kecamatan", is_flag=True, help="A KIM formed at the kecamatan: its members file items into every "
              "desa of the desa's kecamatan (otherwise into its own desa only).")
def create_kim_command(nama: str, desa_kode: str, kecamatan: bool):
    """Register a KIM group in a desa (by Kemendagri code)."""
    try:
        group = ensure_kim_group(nama, desa_kode, "kecamatan" if kecamatan else "desa")
        db.session.commit()
    except ProblemError as error:
        _fail(error)
    click.echo(f"KIM {group.nama} (id {group.id}) di desa {group.desa.nama}.")


@bp.cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["anggota", "moderator", "admin"]), required=True)
@click.option("--nama", required=True, help="Full name shown in the app.")
@click.option("--kabupaten", "kabupaten_kode", help="Kabupaten/kota code for a moderator, e.g. 53.04.")
@click.option("--kim", "kim_id", type=int, help="KIM group id for an anggota.")
@click.option("--ketua", is_flag=True, help="The anggota is ketua of their KIM: manages its members under /kim.")
@click.password_option(help="At least 8 characters; asked for when not given.")
def create_user_command(username, role, nama, kabupaten_kode, kim_id, ketua, password):
    """Create an account."""
    try:
        user = create_user(
            username, password, role, nama, kabupaten_kode=kabupaten_kode, kim_id=kim_id, ketua=ketua
        )
        db.session.commit()
    except ProblemError as error:
        _fail(error)
    click.echo(f"Akun {user.username} ({user.role_label}) dibuat.")


@bp.cli.command("set-password")
@click.argument("username")
@click.password_option(help="At least 8 characters; asked for when not given.")
def set_password_command(username, password):
    """Set an account's password (a member who forgot theirs); every session of the account ends."""
    user = find_user(username)
    if user is None:
        _fail(NotFound(f"Akun {username!r} tidak ada."))
    try:
        set_password(user, password)
        db.session.commit()
    except ProblemError as error:
        _fail(error)
    click.echo(f"Kata sandi {user.username} diganti; semua sesinya berakhir.")


@bp.cli.command("seed-demo")
@click.option("--no-news", is_flag=True, help="Accounts only, no example news.")
def seed_demo_command(no_news: bool):
    """Demo wilayah, KIM Kabuna and accounts (refused when KIM_ENV=production)."""
    try:
        accounts = seed_demo(with_news=not no_news)
        db.session.commit()
    except ProblemError as error:
        _fail(error)
    click.echo(f"Akun demo (kata sandi untuk semua: {DEMO_PASSWORD}):")
    for username, description in accounts:
        click.echo(f"  {username:<10} {description}")


@bp.cli.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path):
    """Write the database and the media to one archive (.tar.gz)."""
    counts = create_backup(target)
    click.echo(f"Cadangan ditulis ke {target}: {counts.get('submission', 0)} kiriman, {sum(counts.values())} baris.")


@bp.cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(source: Path):
    """Load an archive made by `flask kim backup` into this (migrated, empty) instance."""
    try:
        counts = restore_backup(source)
        db.session.commit()
    except ProblemError as error:
        _fail(error)
    click.echo(f"Cadangan dipulihkan: {counts.get('submission', 0)} kiriman, {sum(counts.values())} baris.")


@bp.cli.command("recount")
def recount_command():
    """Rebuild the counts kept as items change (queue, portal) from the items themselves; safe to repeat."""
    wrong = kept_counts.recount()
    db.session.commit()
    if not wrong:
        click.echo("Hitungan tersimpan sudah sesuai dengan data; tidak ada yang diubah.")
        return
    click.echo(f"Hitungan tersimpan dibangun ulang: {len(wrong)} baris berbeda dari data, kini sesuai.")
    for found in wrong[:20]:
        click.echo(f"  {found.table} {'/'.join(map(str, found.key))}: {found.kept} → {found.counted}")


@bp.cli.command("media-to-s3")
@click.option("--delete-local", is_flag=True, help="Remove each file from MEDIA_ROOT once the bucket holds it.")
def media_to_s3_command(delete_local: bool):
    """Copy the media under MEDIA_ROOT into the bucket (S3_*), keys unchanged; then set MEDIA_STORAGE=s3."""
    try:
        bucket = S3Storage.from_config(current_app.config)
        bucket.check()
        moved = move_to_bucket(LocalStorage(current_app.config["MEDIA_ROOT"]), bucket, delete_source=delete_local)
    except StorageUnavailable as error:
        raise click.ClickException(f"Media tidak dapat dipindah: {error}") from None
    click.echo(
        f"Media ke bucket {bucket.bucket}: {moved.copied} berkas disalin ({moved.bytes_copied} byte), "
        f"{moved.already_there} sudah ada, {moved.deleted} berkas lokal dihapus."
    )


@bp.cli.command("worker")
@click.option("--threads", default=2, show_default=True, help="Deliveries sent at the same time.")
def worker_command(threads: int):
    """Send the queued e-mails and pushes until stopped (SIGTERM or Ctrl+C)."""
    # The worker's log is its only report of what it sent and what failed (the admin's page shows the failures).
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("huey").setLevel(logging.WARNING)  # a line per task and per minute's sweep: ours say more
    click.echo(f"Pengirim pesan berjalan ({threads} utas, antrean {queue().url.split('://')[0]}).")
    queue().run_worker(threads)
