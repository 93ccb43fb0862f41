"""The statuses of an item and the one table of the moves between them.

Every change of an item's status — the member sending it, a moderator's verdict, the member's revision, a complaint's
follow-up — is a row of MOVES and is applied by `kim_app.items.services.move`, nowhere else. A move says which
statuses it leaves, which it reaches, who makes it, what the actor must write (a reason, a unit, a response), what it
means for a complaint's own lifecycle (`aduan_status`), and how the history names it in words. Whether a move puts the
item into the moderators' queue follows from the table too (`enters_queue`).

A complaint has two statuses side by side: the item's status (the moderation queue: menunggu → disetujui …) and its
public lifecycle (diterima → diverifikasi → diteruskan …). Verifying a complaint *is* approving it in the queue, so
the two never disagree; the later steps move only the lifecycle.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    MENUNGGU = "menunggu"
    DISETUJUI = "disetujui"
    DITOLAK = "ditolak"
    PERLU_REVISI = "perlu_revisi"
    # A report (a dissemination): recorded as sent, never moderated, never public.
    TERCATAT = "tercatat"


STATUS_LABELS = {
    Status.MENUNGGU: "Menunggu moderasi",
    Status.DISETUJUI: "Disetujui",
    Status.DITOLAK: "Ditolak",
    Status.PERLU_REVISI: "Perlu revisi",
    Status.TERCATAT: "Tercatat",
}


class AduanStatus(StrEnum):
    """Where a complaint stands, as the complainant reads it at /aduan/<kode>."""

    DITERIMA = "diterima"
    DIVERIFIKASI = "diverifikasi"
    DITERUSKAN = "diteruskan"
    DITINDAKLANJUTI = "ditindaklanjuti"
    SELESAI = "selesai"
    DITOLAK = "ditolak"


ADUAN_STATUS_LABELS = {
    AduanStatus.DITERIMA: "Diterima, menunggu verifikasi",
    AduanStatus.DIVERIFIKASI: "Diverifikasi",
    AduanStatus.DITERUSKAN: "Diteruskan ke OPD",
    AduanStatus.DITINDAKLANJUTI: "Ditindaklanjuti",
    AduanStatus.SELESAI: "Selesai",
    AduanStatus.DITOLAK: "Ditolak",
}


class PhotoState(StrEnum):
    MENUNGGU = "menunggu"  # bytes still to arrive
    SIAP = "siap"  # verified and processed: served and counted as complete
    GAGAL = "gagal"  # refused; `error` says why


class Actor(StrEnum):
    ANGGOTA = "anggota"
    MODERATOR = "moderator"


@dataclass(frozen=True)
class Move:
    action: str
    label: str  # the history in words, for member and moderator alike
    by: Actor
    # The statuses the move may start from; None stands for "the item does not exist yet" (it is being sent).
    leaves: tuple[Status | None, ...]
    # The status the move reaches; None: the status stays as it was (an edit, a complaint's follow-up).
    reaches: Status | None = None
    # What the actor must write, and the message when it is missing: "note" (a reason or a request), "opd" (the unit
    # a complaint goes to) or "tanggapan" (the unit's official response).
    needs: str | None = None
    needs_message: str | None = None
    # The complaint's own lifecycle: (the aduan_status it leaves, the one it reaches); for complaints only.
    aduan: tuple[AduanStatus | None, AduanStatus] | None = None
    # The kinds this move applies to (None: every kind), and how its history reads for a complaint (a kind with a
    # tracked lifecycle) when different.
    kinds: tuple[str, ...] | None = None
    label_tracked: str | None = None

    @property
    def enters_queue(self) -> bool:
        """The item reaches the moderators' queue by this move (once all its photos are in)."""
        return self.reaches is Status.MENUNGGU and Status.MENUNGGU not in self.leaves

    def applies_to(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds

    def label_for(self, tracked: bool) -> str:
        return self.label_tracked if tracked and self.label_tracked else self.label


_ANY = tuple(Status)

MOVES: dict[str, Move] = {
    move.action: move
    for move in (
        Move("kirim", "Dikirim", Actor.ANGGOTA, leaves=(None,), reaches=Status.MENUNGGU,
             aduan=(None, AduanStatus.DITERIMA)),
        # A report the Dinas counts, not a piece of news it checks: recorded as it comes, outside the queue.
        Move("lapor", "Dilaporkan", Actor.ANGGOTA, leaves=(None,), reaches=Status.TERCATAT, kinds=("diseminasi",)),
        Move("setujui", "Disetujui", Actor.MODERATOR, leaves=(Status.MENUNGGU,), reaches=Status.DISETUJUI,
             aduan=(AduanStatus.DITERIMA, AduanStatus.DIVERIFIKASI), label_tracked="Diverifikasi"),
        Move("tolak", "Ditolak", Actor.MODERATOR, leaves=(Status.MENUNGGU,), reaches=Status.DITOLAK,
             needs="note", needs_message="Tulis alasan penolakan.",
             aduan=(AduanStatus.DITERIMA, AduanStatus.DITOLAK)),
        Move("revisi", "Diminta revisi", Actor.MODERATOR, leaves=(Status.MENUNGGU,), reaches=Status.PERLU_REVISI,
             needs="note", needs_message="Tulis catatan apa yang perlu diperbaiki."),
        Move("kirim_revisi", "Perbaikan dikirim", Actor.ANGGOTA, leaves=(Status.PERLU_REVISI,),
             reaches=Status.MENUNGGU),
        Move("sunting", "Disunting moderator", Actor.MODERATOR, leaves=(Status.MENUNGGU,)),
        Move("hapus_foto", "Foto dihapus", Actor.ANGGOTA, leaves=_ANY),
        Move("teruskan", "Diteruskan ke OPD", Actor.MODERATOR, leaves=(Status.DISETUJUI,), needs="opd",
             needs_message="Tulis OPD (unit) tujuan aduan.",
             aduan=(AduanStatus.DIVERIFIKASI, AduanStatus.DITERUSKAN), kinds=("aduan",)),
        Move("tindaklanjuti", "Ditindaklanjuti", Actor.MODERATOR, leaves=(Status.DISETUJUI,), needs="tanggapan",
             needs_message="Tulis tanggapan resmi OPD.",
             aduan=(AduanStatus.DITERUSKAN, AduanStatus.DITINDAKLANJUTI), kinds=("aduan",)),
        Move("selesai", "Selesai", Actor.MODERATOR, leaves=(Status.DISETUJUI,),
             aduan=(AduanStatus.DITINDAKLANJUTI, AduanStatus.SELESAI), kinds=("aduan",)),
    )
}

def first_move(kind: str) -> Move:
    """The move that records a new item of this kind: one that leaves "nothing yet" (None). A move naming the kind
    wins over the move for every kind (`lapor` for a dissemination, `kirim` for the rest)."""
    found = [move for move in MOVES.values() if move.leaves == (None,) and move.applies_to(kind)]
    return min(found, key=lambda move: move.kinds is None)


# The moves a moderator decides in the queue, in the order the desk offers them.
VERDICTS = ("setujui", "tolak", "revisi")
# A complaint's follow-up after verification, in order.
FOLLOW_UP = ("teruskan", "tindaklanjuti", "selesai")

# A complaint's approval is its verification: for a kind with a tracked lifecycle, the status a move reaches reads as
# that move does ("Diverifikasi", not "Disetujui").
TRACKED_STATUS_LABELS = {move.reaches: move.label_tracked for move in MOVES.values()
                         if move.label_tracked and move.reaches}


def status_label(status: str | None, tracked: bool = False) -> str:
    """A status in words, for people; the code itself only for a value no label names."""
    return (tracked and TRACKED_STATUS_LABELS.get(status)) or STATUS_LABELS.get(status) or str(status)


def sql_in(values) -> str:
    """`('a', 'b')` for a CHECK constraint: the database refuses what the enums do not name."""
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"
