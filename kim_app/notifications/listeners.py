"""What the member hears of their items: a push when a moderator decides on one, and when a complaint they recorded
moves on. Listens to the item core's moves (kim_app/items/events.py) and queues the push in the same transaction."""
from __future__ import annotations

from kim_app.items import events
from kim_app.items.statuses import ADUAN_STATUS_LABELS, VERDICTS, Move
from kim_app.notifications import messages
from kim_app.notifications import services as notifications


def _on_moved(item, move: Move, event) -> None:
    if move.aduan is not None and move.aduan[0] is not None and item.spec.tracked:
        # A complaint's lifecycle moved (verified, refused, forwarded, answered, closed): said as the complaint's own
        # status, with the tracking code the member gives the citizen.
        notifications.push_to_account(
            item.author_id,
            **messages.aduan_status(item.client_uuid, item.tracking_code, ADUAN_STATUS_LABELS[move.aduan[1]]),
        )
    elif move.action in VERDICTS:
        notifications.push_to_account(item.author_id, **messages.verdict(item.client_uuid, item.spec.label,
                                                                         str(move.reaches)))


def init_app(app) -> None:
    events.moved.connect(_on_moved)
