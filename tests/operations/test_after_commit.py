"""What a request does outside the database (deleting a file, handing a delivery to the queue) happens once its
change is committed, and never for a change that was undone — whether the whole transaction or only the savepoint
that made it was rolled back."""
from __future__ import annotations

from sqlalchemy import text

from kim_app.database import after_commit
from kim_app.extensions import db


def test_actions_follow_the_fate_of_the_work_that_registered_them(app):
    done = []
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        after_commit(lambda: done.append("before the savepoints"))
        try:
            with db.session.begin_nested():
                after_commit(lambda: done.append("in a refused savepoint"))
                raise ValueError("refused")
        except ValueError:
            pass
        with db.session.begin_nested():
            after_commit(lambda: done.append("in a released savepoint"))
        assert done == []
        db.session.commit()
        assert done == ["before the savepoints", "in a released savepoint"]


def test_a_rollback_of_the_whole_transaction_forgets_every_action(app):
    done = []
    with app.app_context():
        after_commit(lambda: done.append("before any statement"))
        db.session.execute(text("SELECT 1"))
        with db.session.begin_nested():
            after_commit(lambda: done.append("in a released savepoint"))
        db.session.rollback()
        db.session.execute(text("SELECT 1"))
        db.session.commit()
        assert done == []
