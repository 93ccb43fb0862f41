"""What the item core announces, for the domains that react to items without the core knowing them (moderators'
e-mail, notifications to members). Sent inside the request's transaction, at the moment the move is made; a receiver
that must act only once the change is committed (a mail) keeps a note and acts after the commit.

- `moved(item, move=Move, event=ItemEvent)`: every move of MOVES, the item's creation (`kirim`) included.
- `entered_queue(item)`: the item has just become something moderators must decide: it reached `menunggu` by a move
  that enters the queue with all its photos in, or its last missing photo arrived or was withdrawn. One event, raised
  in one place (kim_app/items/services.py) — whatever statement made the change.
"""
from blinker import Namespace

_signals = Namespace()

moved = _signals.signal("item-moved")
entered_queue = _signals.signal("item-entered-queue")
