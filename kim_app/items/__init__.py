"""The item core: the item a member sends (berita, aduan, foto …), its revisions, photos and audit log
(models.py), the registry of kinds (kinds.py), the one table of status moves (statuses.py), the moves themselves and
the events they raise (services.py, events.py). Every other domain uses it; it uses none of them."""
