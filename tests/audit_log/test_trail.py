"""The audit trail: recorded with the change, chained and signed, covered by
checkpoints, append-only, and readable by HR and admin only."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests import factories
from tests.concurrency import run_concurrently
from tests.ledger.test_chain import raw
from trainer.audit_log import services as trail
from trainer.audit_log.models import AuditEvent
from trainer.people.models import Role
from trainer.extensions import db
from trainer.ledger.verify import checkpoint_now, verify_ledger


@pytest.fixture
def people(ctx):
    return factories.user(Role.HR), factories.user(), factories.user(Role.ADMIN)


def test_events_chain_and_verify(people):
    hr, person, _ = people
    first = trail.record("role.granted", f"user:{person.id}", actor=hr, person=person,
                         before={"roles": ["staff"]}, after={"roles": ["staff", "supervisor"]})
    second = trail.record("account.deactivated", f"user:{person.id}", actor=hr, person=person,
                          before={"active": True}, after={"active": False})
    db.session.commit()
    assert (first.seq, second.seq, second.prev_hash) == (1, 2, first.hash)
    assert first.after == '{"roles":["staff","supervisor"]}'
    assert trail.verify_trail().ok


def test_a_refused_change_leaves_no_event(people):
    hr, person, _ = people
    trail.record("role.granted", f"user:{person.id}", actor=hr, person=person)
    db.session.rollback()  # the change it belonged to failed
    assert db.session.scalar(select(AuditEvent.id)) is None


def test_tampering_is_found_against_the_checkpoint(people):
    hr, person, _ = people
    for n in range(3):
        trail.record("password.reset", f"user:{person.id}", actor=hr, person=person, after={"n": n})
    db.session.commit()
    checkpoint_now()
    db.session.commit()
    raw("DELETE FROM audit_events WHERE seq = 3")
    raw("UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_events WHERE seq = 2)")
    result = verify_ledger()
    assert not result.ok and "audit trail: audit events 3 to 3 are missing" in result.problem


def test_an_edited_event_is_found(people):
    hr, person, _ = people
    trail.record("token.issued", "token:1", actor=hr, after={"scopes": ["eligibility:read"]})
    db.session.commit()
    raw("UPDATE audit_events SET after = '{\"scopes\":[\"inspections:write\"]}' WHERE seq = 1")
    assert trail.verify_trail().problem == "audit event 1 was altered"


def test_the_database_refuses_to_change_events(people):
    hr, person, _ = people
    trail.record("token.issued", "token:1", actor=hr)
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_events"))
        db.session.flush()
    db.session.rollback()


def test_concurrent_writers_never_fork_the_trail(app, people):
    hr_id = people[0].id
    db.session.commit()

    def write():
        from trainer.people.models import User
        trail.record("import.staff", "import", actor=db.session.get(User, hr_id))
        db.session.commit()

    results, errors = run_concurrently(app, 8, write)
    assert errors == []
    db.session.rollback()
    assert [s for (s,) in db.session.execute(select(AuditEvent.seq).order_by(AuditEvent.seq))] == list(range(1, 9))
    assert trail.verify_trail().ok


def test_hr_filters_and_exports_staff_are_refused(people, client, login):
    hr, person, admin = people
    trail.record("roles.changed", f"user:{person.id}", actor=admin, person=person, after={"roles": ["supervisor"]})
    trail.record("department.edited", "=HYPERLINK(1)", actor=admin, after={"name": "HQ"})
    db.session.commit()
    login(hr)
    page = client.get(f"/audit/?person={person.employee_no}").get_data(as_text=True)
    assert "Roles changed<br>" in page and "department.edited<br>" not in page  # rows: the kind by name
    assert "Nobody has this employee number." in client.get("/audit/?person=NOPE").get_data(as_text=True)
    assert client.get("/audit/?since=not-a-date&kind=bogus").status_code == 200  # the form's errors, not a 500
    csv_text = client.get("/audit/export.csv").get_data(as_text=True)
    assert "roles.changed" in csv_text and ",'=HYPERLINK(1)," in csv_text  # never run as a formula
    client.post("/logout")
    login(person)
    assert client.get("/audit/").status_code == 403


def test_a_content_load_is_recorded_with_what_changed(people, runner):
    from trainer.people.models import User  # noqa: F401 - the admin who loads
    from trainer.library import read_all, sync_all

    _, _, admin = people
    sync_all(read_all(), actor=admin)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "content.loaded")).all()
    assert event.actor_id == admin.id and '"modules_added":["' in event.after
    sync_all(read_all(), actor=admin)  # nothing changed: nothing recorded
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "content.loaded")).all()) == 1


def test_hr_actions_are_recorded_and_never_about_oneself(people):
    from trainer.certification import services as certification
    from trainer.exams import services as exams

    hr, person, _ = people
    exams.grant_accommodation(person, 25, "Dyslexia assessment on file", hr)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "accommodation.granted")).all()
    assert (event.actor_id, event.person_id) == (hr.id, person.id) and '"extra_percent":25' in event.after
    with pytest.raises(exams.ExamError):
        exams.grant_accommodation(hr, 50, "For myself", hr)
    with pytest.raises(certification.LifecycleError, match="own qualification"):
        certification.suspend(hr, "inspector", hr, "Myself")


def test_a_loan_import_is_recorded(people):
    from trainer.inspections.loans import import_loans

    hr, person, _ = people
    data = (f"loan_no,borrower,department_code,officer_employee_no,amount,loan_type,guarantor,collateral,start_date\n"
            f"L-1,Acme,{person.department.code},{person.employee_no},1000.00,working_capital,,,2026-01-05\n").encode()
    import_loans(data, actor=hr)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "import.loans")).all()
    assert event.actor_id == hr.id and '"created":["L-1"]' in event.after


def test_account_role_token_department_and_import_changes_are_recorded(people, client, login):
    """Through the admin pages, as an administrator works."""
    hr, person, admin = people
    login(admin)
    form = {"employee_no": person.employee_no, "full_name": person.full_name, "email": person.email,
            "department_id": person.department_id, "roles": ["staff", "supervisor"], "active": ""}
    assert client.post(f"/admin/users/{person.id}", data=form).status_code in (200, 302)
    assert client.post(f"/admin/users/{person.id}/password", data={"password": "temporary-pass-123",
                                                                  "confirm": "temporary-pass-123"}).status_code < 500
    assert client.post("/admin/api-tokens/new", data={"name": "HR system", "scopes": ["eligibility:read"]}
                       ).status_code < 500
    assert client.post("/admin/departments/new", data={"code": "NEWD", "name": "New department", "active": "y"}
                       ).status_code < 500
    db.session.expire_all()
    kinds = {e.kind: e for e in db.session.scalars(select(AuditEvent))}
    assert kinds["roles.changed"].after == '{"roles":["staff","supervisor"]}'
    assert kinds["roles.changed"].actor_id == admin.id and kinds["roles.changed"].person_id == person.id
    assert kinds["account.deactivated"].before == '{"active":true}'
    assert "password.reset" in kinds and "temporary-pass-123" not in kinds["password.reset"].after
    assert '"scopes":"eligibility:read"' in kinds["token.issued"].after
    assert kinds["department.created"].after == '{"active":true,"code":"NEWD","name":"New department"}'
    assert trail.verify_trail().ok
