"""Nobody writes a ledger entry about themselves, and a severe sanction and its
reversal always take two people: at the service, for every role, and on the pages."""
from datetime import date, datetime, timezone

import pytest

from trainer.extensions import db
from trainer.ledger import services as ledger
from trainer.ledger.catalogue import Catalogue
from trainer.ledger.chain import append
from trainer.ledger.models import LedgerEntry
from trainer.ledger.services import LedgerError

from tests.ledger.conftest import snapshot

ROLES = ("supervisor", "hr", "admin")
REWARD = ("loss_avoided", 20, "Saved the bank a fortune")
SANCTION = ("late_inspection", 3, "March report late")


def colleague_of(org, role: str):
    """Someone allowed to log entries about the person in `role`."""
    return org.admin if role == "hr" else org.hr


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("what", [REWARD, SANCTION], ids=["reward", "sanction"])
def test_nobody_logs_an_entry_about_themselves(org, role, what):
    actor = getattr(org, role)
    before = snapshot()
    with pytest.raises(LedgerError) as refused:
        ledger.log_entry(actor, actor, *what)
    assert refused.value.code == "self"
    assert str(refused.value) == "You cannot log a reward or sanction for yourself."
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("what", [REWARD, SANCTION], ids=["reward", "sanction"])
def test_nobody_reverses_an_entry_about_themselves(org, role, what):
    actor = getattr(org, role)
    entry = ledger.log_entry(colleague_of(org, role), actor, *what)
    assert ledger.reversal_refusal(actor, entry).code == "self"
    before = snapshot()
    with pytest.raises(LedgerError) as refused:
        ledger.reverse_entry(actor, db.session.get(LedgerEntry, entry.id), "Not fair")
    assert refused.value.code == "self"
    assert str(refused.value) == "You cannot reverse an entry about yourself."
    assert snapshot() == before


@pytest.mark.parametrize("category", ["rule_violation", "loss_caused"])
@pytest.mark.parametrize("role", ROLES)
def test_who_logged_a_severe_sanction_cannot_reverse_it(org, role, category):
    actor = getattr(org, role)
    low = ledger.catalogue().categories[category].points_min
    entry = ledger.log_entry(actor, org.officer, category, low, "Disbursed before the collateral was registered")
    assert ledger.reversal_refusal(actor, entry).code == "four_eyes"
    before = snapshot()
    with pytest.raises(LedgerError) as refused:
        ledger.reverse_entry(actor, db.session.get(LedgerEntry, entry.id), "I changed my mind")
    assert refused.value.code == "four_eyes" and "someone else must reverse it" in str(refused.value)
    assert snapshot() == before
    second = org.admin if actor is org.hr else org.hr
    assert ledger.reversal_refusal(second, entry) is None
    assert ledger.reverse_entry(second, db.session.get(LedgerEntry, entry.id), "Committee overruled").points == low


def test_lesser_entries_may_be_corrected_by_whoever_logged_them(org):
    for category, points in (("missed_warning_signal", 10), ("late_inspection", 2), ("loss_avoided", 10)):
        entry = ledger.log_entry(org.supervisor, org.officer, category, points, "Typed the wrong loan")
        assert ledger.reverse_entry(org.supervisor, entry, "My mistake").reverses_id == entry.id


def test_severe_means_the_top_severity_or_one_that_suspends(org):
    catalogue = ledger.catalogue()
    assert catalogue.is_severe("sanction", "severe") and not catalogue.is_severe("sanction", "major")
    assert not catalogue.is_severe("reward", "severe") and not catalogue.is_severe("reversal", "severe")
    stricter = Catalogue(catalogue.categories, ("major", "severe"), "inspector")
    assert stricter.is_severe("sanction", "major") and not stricter.is_severe("sanction", "minor")


def test_entries_about_oneself_written_before_the_rule_do_not_count(org):
    """Rows already in the chain from before: the evaluation leaves them out."""
    moment = datetime(2026, 5, 4, 9, tzinfo=timezone.utc)

    def write(person, logged_by, points, kind="reward", reverses=None):
        entry = append({"person_id": person.id, "department_id": person.department_id, "category": "loss_avoided",
                        "kind": kind, "severity": "major", "points": points, "reason": "Old row",
                        "logged_by_id": logged_by.id if logged_by else None, "inspection_id": None,
                        "reverses_id": reverses, "created_at": moment})
        db.session.commit()
        return entry

    write(org.hr, org.hr, 30)  # a reward HR gave themselves
    sanction = write(org.admin, org.hr, -10, kind="sanction")
    write(org.admin, org.admin, 10, kind="reversal", reverses=sanction.id)  # admin cancelling their own sanction
    write(org.officer, None, 5)  # the system logs about people too: that counts
    quarter = (date(2026, 4, 1), date(2026, 6, 30))
    assert ledger.points_by_person(*quarter) == {org.admin.id: -10, org.officer.id: 5}


# --- on the pages -------------------------------------------------------------------

def test_hr_cannot_pick_or_post_themselves_on_the_form(org, client, login):
    login(org.hr)
    page = client.get("/ledger/new").get_data(as_text=True)
    assert f"({org.officer.employee_no})" in page and f"({org.hr.employee_no})" not in page
    response = client.post("/ledger/new", data={"person_id": str(org.hr.id), "category": "loss_avoided",
                                                "points": "20", "reason": "Me"})
    assert response.status_code == 422
    assert "You cannot log a reward or sanction for yourself." in response.get_data(as_text=True)
    assert db.session.query(LedgerEntry).count() == 0


@pytest.mark.parametrize("role", ROLES)
def test_reversing_an_entry_about_oneself_is_explained_on_the_page(org, client, login, role):
    actor = getattr(org, role)
    entry_id = ledger.log_entry(colleague_of(org, role), actor, *SANCTION).id
    db.session.commit()
    login(actor)
    assert "You cannot reverse an entry about yourself." in client.get(f"/ledger/{entry_id}").get_data(as_text=True)
    before = snapshot()
    response = client.post(f"/ledger/{entry_id}/reverse", data={"reason": "Unfair"})
    assert response.status_code == 422
    assert "You cannot reverse an entry about yourself." in response.get_data(as_text=True)
    assert snapshot() == before


def test_the_second_pair_of_eyes_over_http(org, client, login):
    login(org.hr)
    response = client.post("/ledger/new", data={"person_id": str(org.officer.id), "category": "loss_caused",
                                                "points": "20", "reason": "Ignored the guarantor's insolvency"})
    entry_id = db.session.query(LedgerEntry.id).scalar()
    assert response.status_code == 302
    assert "someone else must reverse it" in client.get(f"/ledger/{entry_id}").get_data(as_text=True)
    response = client.post(f"/ledger/{entry_id}/reverse", data={"reason": "Second thoughts"})
    assert response.status_code == 422 and "someone else must reverse it" in response.get_data(as_text=True)
    client.post("/logout")
    login(org.admin)
    assert "someone else must reverse it" not in client.get(f"/ledger/{entry_id}").get_data(as_text=True)
    assert client.post(f"/ledger/{entry_id}/reverse", data={"reason": "Committee overruled"}).status_code == 302
    assert db.session.query(LedgerEntry).count() == 2


def test_refusals_read_in_spanish(org, client, login):
    org.hr.locale = "es"
    db.session.commit()
    entry_id = ledger.log_entry(org.admin, org.hr, *SANCTION).id
    db.session.commit()
    login(org.hr)
    response = client.post(f"/ledger/{entry_id}/reverse", data={"reason": "Injusto"})
    assert response.status_code == 422 and "le concierne a usted mismo" in response.get_data(as_text=True)


