"""A request that only read ends with COMMIT (web/read_only.py); one that changed anything
without committing still has it thrown away."""

from __future__ import annotations

from sqlalchemy import select, text

from tests.factories import make_member
from web import read_only
from web.models import Member


def _name(app, db, member_id):
    with app.app_context():
        db.session.remove()
        return db.session.scalar(select(Member.stored_name).where(Member.id == member_id))


def test_a_change_left_pending_is_not_committed(app, db):
    member_id = make_member(db, display_name="Kept Name").id
    db.session.remove()
    with app.test_request_context():
        db.session.get(Member, member_id).display_name = "Pending Name"
        read_only.end_request()
        db.session.remove()
    assert _name(app, db, member_id) == "Kept Name"


def test_a_change_flushed_but_not_committed_is_not_committed(app, db):
    member_id = make_member(db, display_name="Kept Name").id
    db.session.remove()
    with app.test_request_context():
        db.session.get(Member, member_id).display_name = "Flushed Name"
        db.session.flush()
        read_only.end_request()
        db.session.remove()
    assert _name(app, db, member_id) == "Kept Name"
    with app.test_request_context():
        db.session.execute(text("UPDATE member SET display_name = 'Written Name' WHERE id = :id"), {"id": member_id})
        read_only.end_request()
        db.session.remove()
    assert _name(app, db, member_id) == "Kept Name"


def test_a_request_that_only_read_ends_its_transaction(app, db):
    member_id = make_member(db).id
    db.session.remove()
    with app.test_request_context():
        assert db.session.get(Member, member_id) is not None
        assert db.session().in_transaction()
        read_only.end_request()
        assert not db.session().in_transaction()
        db.session.remove()
