"""Telling people things when they are not looking: Web Push to members' phones and e-mail, every message carried
by a durable job queue. The rest of the app calls `kim_app.notifications.services` (push_to_account, email); the
design — why a delivery row, a claim and a lease besides the queue library — is told in queue.py.
"""
