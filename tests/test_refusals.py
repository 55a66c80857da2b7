"""One shape for "a rule said no": every feature's refusal is a `Refusal` with a code, a message, the fields
it is about and an HTTP status, and one that no view catches is answered the same way everywhere."""
import pytest
from sqlalchemy import func, select
from wtforms import Form, StringField

from trainer.admin.services import AdminRuleError, LastAdminError
from trainer.people.models import Department
from trainer.auth.services import PasswordPolicyError
from trainer.batches.services import BatchError
from trainer.certification.lifts import AlreadyDecided
from trainer.certification.services import LifecycleError
from trainer.escalations.services import EscalationError
from trainer.exams.services import ExamError
from trainer.extensions import db
from trainer.inspections.gate import GateRefused
from trainer.inspections.services import InspectionError
from trainer.ledger.services import LedgerError
from trainer.meetings.services import MeetingError
from trainer.refusals import Refusal, attach


@pytest.mark.parametrize("refusal, code, status, fields", [
    (InspectionError("invalid", "Describe the finding", {"area_1": "required"}), "invalid", 422, {"area_1": "required"}),
    (InspectionError("stale", "Someone saved first"), "stale", 409, {}),
    (InspectionError("not_author", "Not yours", forbidden=True), "not_author", 403, {}),
    (GateRefused("expired", "Your qualification expired", "Renew it", field="inspection_date"), "expired", 403,
     {"inspection_date": "Your qualification expired"}),
    (LifecycleError("a reason is required"), "lifecycle", 422, {}),
    (AlreadyDecided("decided"), "already_decided", 409, {}),
    (EscalationError("closed", "Already closed"), "closed", 409, {}),
    (EscalationError("not_recipient", "Not for you", forbidden=True), "not_recipient", 403, {}),
    (EscalationError("date", "In the future", field="action_on"), "date", 422, {"action_on": "In the future"}),
    (AdminRuleError("roles", "Pick a role"), "admin_rule", 422, {"roles": "Pick a role"}),
    (LastAdminError(), "admin_rule", 422, {"active": "at least one active administrator must remain"}),
    (PasswordPolicyError("too_short"), "too_short", 422, {"password": "too_short"}),
    (LedgerError("self", "Not about yourself"), "self", 422, {}),
    (MeetingError("attendees", "Nobody attended", {"attendees": "Choose someone"}), "attendees", 422,
     {"attendees": "Choose someone"}),
    (BatchError("Due before start"), "batch", 422, {}),
    (ExamError("cooldown", until="tomorrow"), "cooldown", 422, {}),
])
def test_every_features_refusal_has_one_shape(ctx, refusal, code, status, fields):
    assert isinstance(refusal, Refusal)
    assert (refusal.code, refusal.status, refusal.fields) == (code, status, fields)
    assert refusal.forbidden is (status == 403)
    assert refusal.as_json()["error"] in (code, "not_qualified")


@pytest.fixture
def refusing_app(app):
    """A route that writes a row and then meets a rule that says no, uncaught."""
    def refuse():
        db.session.add(Department(code="GONE", name="Never kept"))
        db.session.flush()
        raise InspectionError("stale", "Someone saved the report first", {"revision": "out of date"})

    app.add_url_rule("/api/v1/test-refusal", "test_refusal_api", refuse, methods=["GET"])
    app.add_url_rule("/test-refusal", "test_refusal_page", refuse, methods=["GET"])
    return app


def test_an_uncaught_refusal_is_json_for_systems_and_nothing_of_it_is_kept(refusing_app, client):
    answer = client.get("/api/v1/test-refusal")

    assert answer.status_code == 409
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.json == {"error": "stale", "message": "Someone saved the report first",
                           "fields": {"revision": "out of date"}}
    with refusing_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Department).where(Department.code == "GONE")) == 0


def test_an_uncaught_refusal_is_the_error_page_for_people(refusing_app, client):
    page = client.get("/test-refusal")

    assert page.status_code == 409
    assert b"Someone saved the report first" in page.data and b"Traceback" not in page.data


class _Form(Form):
    name = StringField()


def test_attach_puts_each_message_beside_its_field_and_the_rest_above(ctx):
    form = _Form()
    attach(form, Refusal("Check the form", fields={"name": "Too long", "nowhere": "Unknown column"}))
    assert form.name.errors == ["Too long"] and form.form_errors == ["Unknown column"]

    general = _Form()
    attach(general, Refusal("The report was submitted meanwhile"), message_above=True)
    assert general.form_errors == ["The report was submitted meanwhile"] and not general.name.errors
