"""Walk every registered route as every role and as a visitor.

A new route must be added to ACCESS, so nobody can add a page without
saying who may see it. Any 500 fails; so does access a role should not have.
"""
from datetime import timedelta

import pytest

from trainer.api.services import issue_token
from trainer.batches.services import add_members, create_batch
from trainer.certification.services import today
from trainer.auth.models import Role
from trainer.extensions import db
from trainer.inspections.evidence import add as add_evidence
from trainer.inspections.services import file_report
from trainer.ledger.services import log_entry

from trainer.exams.services import start_attempt

from tests import factories
from tests.certification.test_certificate_pages import make_certificate
from tests.exams.helpers import read_modules
from tests.inspections.helpers import full_content, loan

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


@pytest.fixture
def world(app):
    with app.app_context():
        factories.load_content()
        home, other = factories.department(), factories.department()
        people = {role: factories.user(role, dept=home) for role in ROLES if role}
        stranger = factories.user(dept=other)
        read_modules(stranger, "inspector")
        strangers_attempt = start_attempt(stranger, "inspector")
        strangers_certificate = make_certificate(stranger)
        token, _ = issue_token("Loan servicing", people[Role.ADMIN])
        strangers_entry = log_entry(people[Role.HR], stranger, "outstanding_inspection", 5, "Thorough report")
        strangers_loan = loan(other, stranger)
        strangers_draft = file_report(stranger, strangers_loan, full_content(kind="irregular"))
        strangers_attachment = add_evidence(stranger, strangers_draft.id, "acta.pdf", b"%PDF-1.4 evidence")
        strangers_report = file_report(stranger, strangers_loan, full_content(), submit=True)
        strangers_batch = create_batch(people[Role.HR], "Cohort", "inspector", today(), today() + timedelta(days=30))
        add_members(strangers_batch, people[Role.HR], [stranger.id])
        from sqlalchemy import select

        from trainer.escalations.models import Escalation
        from trainer.notifications.models import Notification

        escalated = file_report(stranger, strangers_loan, full_content(kind="irregular", signals={"fund_diversion": "x"}),
                                submit=True)
        strangers_escalation = db.session.scalar(select(Escalation.id).where(Escalation.report_id == escalated.id))
        strangers_notification = db.session.scalar(select(Notification.id).where(Notification.user_id == stranger.id))
        from trainer.meetings.services import MeetingInput, record_meeting

        strangers_meeting = record_meeting(people[Role.ADMIN], other.id, MeetingInput(
            held_on=today(), analysis="Reviewed the book", attendee_ids=[stranger.id], loan_ids=[strangers_loan.id]))
        db.session.commit()
        return {
            "logins": {role: p.email for role, p in people.items()},
            "values": {"user_id": stranger.id, "department_id": other.id, "slug": "inspection-areas",
                       "position": 1, "filename": "app.css", "employee_no": stranger.employee_no,
                       "token_id": token.id, "attempt_id": strangers_attempt.id,
                       "code": "inspector", "certificate_id": strangers_certificate.id,
                       "verify_code": strangers_certificate.verify_code, "qualification": "inspector",
                       "entry_id": strangers_entry.id, "loan_id": strangers_loan.id,
                       "report_id": strangers_report.id, "number": 1,
                       "attachment_id": strangers_attachment.id, "delegation_id": 999999, "batch_id": strangers_batch.id,
                       "meeting_id": strangers_meeting.id, "lift_id": 999999, "token": "not-a-token",
                       "escalation_id": strangers_escalation, "notification_id": strangers_notification},
        }


def requests_for(app, values):
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint == "auth.logout")
    for rule in rules:
        url = app.url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_every_route_is_declared(app):
    assert {rule.endpoint for rule in app.url_map.iter_rules()} == set(ACCESS)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_every_route_as_every_role(app, world, role):
    client = app.test_client()
    if role:
        client.post("/login", data={"login": world["logins"][role], "password": factories.PASSWORD})
    for endpoint, method, url in requests_for(app, world["values"]):
        response = client.open(url, method=method, data={})
        where = f"{method} {url} as {role.value if role else 'anonymous'}"
        assert response.status_code < 500, f"{where}: {response.status_code}"
        rule = ACCESS[endpoint]
        if rule == PUBLIC:
            continue
        if rule == TOKEN:
            assert response.status_code == 401, where
            continue
        if role is None:
            assert response.status_code == 302 and "/login" in response.location, where
        elif rule == ANY or role in rule:
            assert response.status_code != 403, where
        else:
            assert response.status_code == 403, where
