"""Walk every registered route as every role and as a visitor.

A new route must be added to ACCESS, so nobody can add a page without
saying who may see it. Each role's login is checked (the session is that
person's and the dashboard names them); then every role allowed on a route
must get its page (200, or the answer ANSWERS declares: a redirect to a known
place, the form's 422 for an empty post), every other role 403 and a visitor
the login page. Any 500 fails.
"""
from datetime import timedelta

import pytest
from sqlalchemy import select

from trainer.api.services import issue_token
from trainer.people.models import Role
from trainer.batches.services import add_members, create_batch
from trainer.certification.lifts import request_lift
from trainer.certification.services import suspend, today
from trainer.escalations.models import Escalation
from trainer.exams.services import start_attempt
from trainer.extensions import db
from trainer.inspections.evidence import add as add_evidence
from trainer.inspections.models import Review, ReviewDecision
from trainer.inspections.services import file_report
from trainer.inspections.versions import record_returned
from trainer.ledger.services import log_entry
from trainer.meetings.services import MeetingInput, record_meeting
from trainer.notifications.models import Notification
from trainer.timeutil import utcnow

from tests import factories
from tests.factories import loan, read_modules, report_content

PUBLIC = "public"
ANY = "any signed-in person"
TOKEN = "API token holders"  # a login session is no credential: everyone here gets 401 without a token
ACCESS = {
    "static": PUBLIC,
    "bootstrap.static": PUBLIC,  # Bootstrap-Flask's bundled CSS and JS
    "web.index": PUBLIC,
    "web.health": PUBLIC,
    "web.set_language": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": ANY,
    "auth.change_password": ANY,
    "account.forgot_password": PUBLIC,
    "sso.start": PUBLIC,  # single sign-on (404 unless TRAINER_OIDC_ISSUER is set)
    "sso.callback": PUBLIC,
    "account.accept_invitation": PUBLIC,
    "account.reset_password": PUBLIC,
    "account.invite_person": {Role.HR, Role.ADMIN},
    "account.invite_uninvited": {Role.HR, Role.ADMIN},
    "web.dashboard": ANY,
    "content.index": ANY,
    "content.module": ANY,
    "content.read": ANY,
    "content.complete": ANY,
    "exams.index": ANY,
    "exams.start": ANY,
    "exams.attempt": ANY,  # someone else's attempt is a 404, never shown
    "exams.save": ANY,
    "exams.submit": ANY,
    "exams.result": ANY,
    "certification.mine": ANY,
    "certification.certificate": {Role.HR, Role.ADMIN},  # a certificate of a person of another department
    "certification.certificate_file": {Role.HR, Role.ADMIN},
    "certification.verify": PUBLIC,
    "certification.badge_assertion": PUBLIC,
    "certification.badge_class": PUBLIC,
    "certification.badge_issuer": PUBLIC,
    "certification.issuer_logo": PUBLIC,
    "hr.people": {Role.HR, Role.ADMIN, Role.SUPERVISOR},
    "hr.person": {Role.HR, Role.ADMIN},  # for a person of another department
    "hr.import_people": {Role.HR, Role.ADMIN},
    "hr.certification_matrix": {Role.HR, Role.ADMIN, Role.SUPERVISOR},
    "hr.matrix_csv": {Role.HR, Role.ADMIN, Role.SUPERVISOR},
    "hr.matrix_xlsx": {Role.HR, Role.ADMIN, Role.SUPERVISOR},
    "hr.suspend_qualification": {Role.HR, Role.ADMIN},
    "hr.revoke_qualification": {Role.HR, Role.ADMIN},
    "hr.grant_accommodation": {Role.HR, Role.ADMIN},
    "hr.grant_exam_lever": {Role.HR, Role.ADMIN},
    "hr.exam_statistics_index": {Role.HR, Role.ADMIN},
    "hr.exam_statistics": {Role.HR, Role.ADMIN},
    "hr.exam_statistics_csv": {Role.HR, Role.ADMIN},
    "admin.users": {Role.ADMIN},
    "admin.new_user": {Role.ADMIN},
    "admin.edit_user": {Role.ADMIN},
    "admin.reset_password": {Role.ADMIN},
    "admin.departments": {Role.ADMIN},
    "admin.edit_department": {Role.ADMIN},
    "admin.content": {Role.ADMIN},
    "api.health": PUBLIC,
    "api.openapi_document": PUBLIC,
    "api.eligibility": TOKEN,
    "api.eligibility_batch": TOKEN,
    "api_admin.tokens": {Role.ADMIN},
    "api_admin.new_token": {Role.ADMIN},
    "api_admin.revoke_token": {Role.ADMIN},
    "evaluation.index": ANY,  # staff see themselves
    "evaluation.chart_svg": {Role.SUPERVISOR, Role.HR, Role.ADMIN},
    "evaluation.export_csv": {Role.SUPERVISOR, Role.HR, Role.ADMIN},
    "evaluation.export_xlsx": {Role.SUPERVISOR, Role.HR, Role.ADMIN},
    "audit_log.index": {Role.HR, Role.ADMIN},
    "audit_log.export": {Role.HR, Role.ADMIN},
    "ledger.index": ANY,
    "ledger.new": {Role.SUPERVISOR, Role.HR, Role.ADMIN},
    "ledger.entry": {Role.HR, Role.ADMIN},  # an entry of a person of another department
    "ledger.reverse": {Role.HR, Role.ADMIN},
    "inspections.mine": ANY,
    "inspections.loan_list": ANY,
    "inspections.loan": {Role.HR, Role.ADMIN},  # a loan of another department
    "inspections.import_loans": {Role.HR, Role.ADMIN},
    "inspections.new_report": set(),  # only staff of the loan's department file on it
    "inspections.edit_report": set(),  # only the author edits
    "inspections.report": {Role.HR, Role.ADMIN},  # a report of another department
    "inspections.overdue_loans": ANY,
    "inspections.queue": {Role.SUPERVISOR},
    "inspections.review_report": set(),  # a report of another department: no supervisor here reviews it
    "inspections.report_versions": {Role.HR, Role.ADMIN},  # those who may see the report
    "inspections.version_diff": {Role.HR, Role.ADMIN},
    "inspections.add_evidence": set(),  # only the author adds files
    "inspections.evidence_file": {Role.HR, Role.ADMIN},  # those who may see the report
    "inspections.remove_evidence": set(),  # only the author removes files
    "inspections.delegate_reviews": {Role.SUPERVISOR},
    "inspections.cancel_delegation": set(),  # only the supervisor who delegated
    "api.create_inspection": TOKEN,
    "batches.index": {Role.HR, Role.ADMIN},
    "batches.new": {Role.HR, Role.ADMIN},
    "batches.batch": {Role.HR, Role.ADMIN},
    "batches.add_members": {Role.HR, Role.ADMIN},
    "batches.export_csv": {Role.HR, Role.ADMIN},
    "escalations.index": {Role.SUPERVISOR, Role.HR, Role.ADMIN},  # and risk management (TRAINER_RISK_RECIPIENTS)
    "escalations.escalation": {Role.HR, Role.ADMIN},  # an escalation of another department
    "escalations.acknowledge": set(),  # only its recipients: that department's supervisors, risk management
    "escalations.follow_up": set(),
    "notifications.index": ANY,
    "notifications.read": ANY,  # someone else's notification is left as it is
    "notifications.read_all": ANY,
    "meetings.index": {Role.SUPERVISOR, Role.HR, Role.ADMIN},
    "meetings.new": {Role.SUPERVISOR, Role.ADMIN},
    "meetings.meeting": {Role.HR, Role.ADMIN},  # a meeting of another department
    "hr.request_lift": {Role.HR, Role.ADMIN},
    "hr.decide_lift": {Role.HR, Role.ADMIN},
}
ROLES = [None, Role.STAFF, Role.SUPERVISOR, Role.HR, Role.ADMIN]
SIGNED_IN = "signed in"  # in ANSWERS: every role but a visitor

# What someone allowed on a route gets from the empty request this test sends, when it is not a
# 200 page: a status, or the path a redirect (302) leads to, formatted with the world's values.
# A dict gives it by role (None is a visitor, on public routes; SIGNED_IN every role).
# TOKEN routes answer 401 to everyone, and set() routes 403 (see ACCESS).
ANSWERS = {
    ("web.index", "GET"): {None: "/login", SIGNED_IN: "/dashboard"},
    ("web.set_language", "POST"): "/",
    ("auth.login", "GET"): {None: 200, SIGNED_IN: "/dashboard"},
    ("auth.login", "POST"): {None: 422, SIGNED_IN: "/dashboard"},  # a visitor's empty form is refused
    ("auth.logout", "POST"): "/login",
    ("account.accept_invitation", "GET"): 404,  # a link whose token is not one
    ("account.accept_invitation", "POST"): 404,
    ("account.reset_password", "GET"): 404,
    ("account.reset_password", "POST"): 404,
    ("account.invite_person", "POST"): {Role.HR: "/people/{user_id}", Role.ADMIN: "/admin/users/{user_id}"},
    ("account.invite_uninvited", "POST"): "/people/import",
    ("sso.start", "GET"): 404,  # no TRAINER_OIDC_ISSUER in the tests
    ("sso.callback", "GET"): 404,
    ("content.module", "GET"): "/modules/{slug}/1",  # a module opens at its first section
    ("exams.start", "POST"): "/exams/attempts/{attempt_id}",  # the attempt already under way
    ("exams.save", "POST"): "/exams/attempts/{attempt_id}",
    ("exams.submit", "POST"): "/exams/attempts/{attempt_id}/result",
    ("certification.issuer_logo", "GET"): 404,  # no TRAINER_BANK_LOGO in the tests
    ("hr.exam_statistics_index", "GET"): "/people/exams/{code}/statistics",
    ("admin.reset_password", "POST"): "/admin/users/{user_id}",
    ("admin.edit_department", "POST"): "/admin/departments",
    ("api.eligibility", "GET"): 401,
    ("api.eligibility_batch", "POST"): 401,
    ("api.create_inspection", "POST"): 401,
    ("api_admin.revoke_token", "POST"): "/admin/api-tokens/",
    ("batches.add_members", "POST"): "/batches/{batch_id}",
    ("notifications.read", "POST"): "/notifications/",
    ("notifications.read_all", "POST"): "/notifications/",
}
# Forms whose empty post is refused with the form and its errors (422): the form was reached.
EMPTY_FORM_REFUSED = {
    "auth.change_password", "account.forgot_password", "content.complete", "hr.import_people",
    "hr.suspend_qualification", "hr.revoke_qualification", "hr.grant_accommodation", "hr.grant_exam_lever",
    "hr.request_lift", "admin.new_user", "admin.edit_user", "api_admin.new_token", "ledger.new", "ledger.reverse",
    "inspections.import_loans", "inspections.delegate_reviews", "batches.new", "meetings.new", "hr.decide_lift",
}  # hr.decide_lift: the request exists (else 404); an empty decision is refused
ANSWERS.update({(endpoint, "POST"): 422 for endpoint in EMPTY_FORM_REFUSED})
# Values for one endpoint's URL, where the world's shared ones do not fit it.
VALUES_FOR = {"bootstrap.static": {"filename": "css/bootstrap.min.css"}}


@pytest.fixture
def world(app):
    with app.app_context():
        factories.load_content()
        home, other = factories.department(), factories.department()
        people = {role: factories.user(role, dept=home) for role in ROLES if role}
        own_attempts = {}
        for role, person in people.items():  # each signed-in person has an exam under way, to open as their own
            read_modules(person, "inspector")
            own_attempts[role] = start_attempt(person, "inspector").id
        stranger = factories.user(dept=other)
        read_modules(stranger, "inspector")
        strangers_attempt = start_attempt(stranger, "inspector")
        strangers_certificate = factories.certificate(stranger)
        token, _ = issue_token("Loan servicing", people[Role.ADMIN])
        strangers_entry = log_entry(people[Role.HR], stranger, "outstanding_inspection", 5, "Thorough report")
        strangers_loan = loan(stranger)
        strangers_draft = file_report(stranger, strangers_loan, report_content(kind="irregular"))
        strangers_attachment = add_evidence(stranger, strangers_draft.id, "acta.pdf", b"%PDF-1.4 evidence")
        strangers_report = file_report(stranger, strangers_loan, report_content(), submit=True)
        strangers_version = returned_version(strangers_report, factories.user(Role.SUPERVISOR, dept=other))
        strangers_batch = create_batch(people[Role.HR], "Cohort", "inspector", today(), today() + timedelta(days=30))
        add_members(strangers_batch, people[Role.HR], [stranger.id])
        escalated = file_report(stranger, strangers_loan, report_content(kind="irregular", signals={"fund_diversion": "x"}),
                                submit=True)
        strangers_escalation = db.session.scalar(select(Escalation.id).where(Escalation.report_id == escalated.id))
        strangers_notification = db.session.scalar(select(Notification.id).where(Notification.user_id == stranger.id))
        strangers_meeting = record_meeting(people[Role.ADMIN], other.id, MeetingInput(
            held_on=today(), analysis="Reviewed the book", attendee_ids=[stranger.id], loan_ids=[strangers_loan.id]))
        factories.certificate(stranger, code="supervisor")  # suspended, for a lift to decide on
        suspend(stranger, "supervisor", people[Role.HR], "missed warning signal")
        strangers_lift = request_lift(stranger, "supervisor", factories.user(Role.HR, dept=other), "Retrained")
        db.session.commit()
        return {
            "people": {role: (p.id, p.full_name, p.email) for role, p in people.items()},
            "own": {role: {"attempt_id": attempt_id} for role, attempt_id in own_attempts.items()},
            "values": {"user_id": stranger.id, "department_id": other.id, "slug": "inspection-areas",
                       "position": 1, "filename": "app.css", "employee_no": stranger.employee_no,
                       "token_id": token.id, "attempt_id": strangers_attempt.id,
                       "code": "inspector", "certificate_id": strangers_certificate.id,
                       "verify_code": strangers_certificate.verify_code, "qualification": "inspector",
                       "entry_id": strangers_entry.id, "loan_id": strangers_loan.id,
                       "report_id": strangers_report.id, "number": strangers_version.number,
                       "attachment_id": strangers_attachment.id, "delegation_id": 999999, "batch_id": strangers_batch.id,
                       "meeting_id": strangers_meeting.id, "lift_id": strangers_lift.id, "token": "not-a-token",
                       "escalation_id": strangers_escalation, "notification_id": strangers_notification},
        }


def returned_version(report, supervisor):
    """Version 1 of `report`, as if `supervisor` had returned it (the review rules are tests/inspections')."""
    returned = Review(report_id=report.id, reviewer_id=supervisor.id, decision=ReviewDecision.RETURNED,
                      opinion="Thin on collateral.", return_reasons="Describe the warehouse.", scores={},
                      quality_score=0, created_at=utcnow())
    db.session.add(returned)
    version = record_returned(report, returned)
    db.session.commit()
    return version


def requests_for(app, values):
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint == "auth.logout")
    for rule in rules:
        given = {**values, **VALUES_FOR.get(rule.endpoint, {})}
        url = app.url_for(rule.endpoint, **{arg: given[arg] for arg in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def allowed(endpoint: str, role: Role | None) -> bool:
    rule = ACCESS[endpoint]
    if rule in (PUBLIC, TOKEN):
        return True
    return role is not None and (rule == ANY or role in rule)


def expected_answer(endpoint: str, method: str, role: Role | None, values: dict) -> tuple[int, str | None]:
    """The status (and for a redirect, the path) someone allowed gets."""
    answer = ANSWERS.get((endpoint, method), 200)
    if isinstance(answer, dict):
        answer = answer[role] if role in answer else answer[SIGNED_IN]
    if isinstance(answer, str):
        return 302, answer.format(**values)
    return answer, None


def signed_in_as(client, role, world) -> None:
    """Log in as `role`'s person and show that it worked: the session is theirs and the dashboard greets them."""
    user_id, full_name, email = world["people"][role]
    response = client.post("/login", data={"login": email, "password": factories.PASSWORD})
    assert (response.status_code, response.location) == (302, "/dashboard"), response.data[:300]
    with client.session_transaction() as session:
        assert session["_user_id"].split(":")[0] == str(user_id)
    page = client.get("/dashboard")
    assert page.status_code == 200 and full_name in page.get_data(as_text=True)


def test_every_route_is_declared(app):
    assert {rule.endpoint for rule in app.url_map.iter_rules()} == set(ACCESS)
    assert {endpoint for endpoint, _method in ANSWERS} <= set(ACCESS)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_every_route_as_every_role(app, world, role):
    client = app.test_client()
    values = dict(world["values"])
    if role:
        signed_in_as(client, role, world)
        values.update(world["own"][role])
    for endpoint, method, url in requests_for(app, values):
        response = client.open(url, method=method, data={})
        got = (response.status_code, response.location)
        where = f"{method} {url} as {role.value if role else 'anonymous'}: {got}"
        assert response.status_code < 500, where
        if ACCESS[endpoint] == TOKEN:
            assert response.status_code == 401, where  # a session is no credential
        elif allowed(endpoint, role):
            status, path = expected_answer(endpoint, method, role, {**values, **VALUES_FOR.get(endpoint, {})})
            assert response.status_code == status, where
            if path is not None:
                assert response.location == path, where
        elif role is None:
            assert response.status_code == 302 and response.location.startswith("/login?next="), where
        else:
            assert response.status_code == 403, where
