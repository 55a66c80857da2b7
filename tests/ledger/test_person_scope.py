"""An id in the address or a form never reveals the name of someone the viewer may not see,
and no id, however odd, is a 500."""
import pytest

from trainer.extensions import db
from trainer.ledger import services as ledger
from trainer.ledger.models import LedgerEntry

from tests import factories

SECRET_NAME = "Zenobia Outlander-Quist"
HUGE = "9" * 25


@pytest.fixture
def named(org):
    org.outsider.full_name = SECRET_NAME
    db.session.commit()
    ledger.log_entry(org.hr, org.outsider, "late_inspection", 2, "Other department's sanction")
    db.session.commit()
    return org


def test_a_supervisor_cannot_read_another_departments_name_through_the_filter(named, client, login):
    login(named.supervisor)
    response = client.get(f"/ledger/?person={named.outsider.id}")
    assert response.status_code == 404
    assert SECRET_NAME not in response.get_data(as_text=True)
    own = client.get(f"/ledger/?person={named.officer.id}")
    assert own.status_code == 200 and f"Showing the entries of {named.officer.full_name}." in own.get_data(as_text=True)


def test_staff_see_only_their_own_name_through_the_filter(named, client, login):
    colleague = factories.user(dept=named.home)
    login(named.officer)
    for other in (named.outsider, colleague, named.supervisor):
        response = client.get(f"/ledger/?person={other.id}")
        assert response.status_code == 404 and other.full_name not in response.get_data(as_text=True)
    assert client.get(f"/ledger/?person={named.officer.id}").status_code == 200


def test_hr_and_admin_filter_on_anyone(named, client, login):
    for viewer in (named.hr, named.admin):
        login(viewer)
        page = client.get(f"/ledger/?person={named.outsider.id}").get_data(as_text=True)
        assert f"Showing the entries of {SECRET_NAME}." in page and "Other department&#39;s sanction" in page
        client.post("/logout")


@pytest.mark.parametrize("query, status", [
    ("person=abc", 200),  # not a number: no filter
    ("person=", 200),
    (f"person={HUGE}", 404),
    ("person=2147483648", 404),
    ("person=-3", 404),
    ("person=0", 404),
    ("person=987654", 404),  # nobody
    (f"department={HUGE}", 404),  # a supervisor's department filter is ignored: always their own
    ("department=abc", 200),
    (f"page={HUGE}", 200),
])
def test_odd_ids_in_the_address_are_never_a_500(named, client, login, query, status):
    for viewer in (named.hr, named.supervisor):
        login(viewer)
        response = client.get(f"/ledger/?{query}")
        expected = 200 if viewer is named.supervisor and query.startswith("department") else status
        assert response.status_code == expected, (viewer.full_name, query)
        client.post("/logout")


def test_odd_ids_in_paths_and_forms_are_never_a_500(named, client, login):
    login(named.hr)
    assert client.get(f"/ledger/{HUGE}").status_code == 404
    assert client.post(f"/ledger/{HUGE}/reverse", data={"reason": "x"}).status_code == 404
    base = {"category": "outstanding_inspection", "points": "5", "reason": "Good work"}
    for person_id in (HUGE, "-4", "0", "abc"):
        response = client.post("/ledger/new", data={**base, "person_id": person_id})
        assert response.status_code == 422, person_id
    response = client.post("/ledger/new", data={**base, "person_id": str(named.officer.id), "inspection_id": HUGE})
    assert response.status_code == 422 and f"There is no inspection number {HUGE}." in response.get_data(as_text=True)
    assert db.session.query(LedgerEntry).count() == 1


def test_the_new_entry_form_lists_only_people_the_viewer_may_see(named, client, login):
    login(named.supervisor)
    for address in ("/ledger/new", f"/ledger/new?person={named.outsider.id}"):
        page = client.get(address).get_data(as_text=True)
        assert SECRET_NAME not in page and named.officer.full_name in page
    response = client.post("/ledger/new", data={"person_id": str(named.outsider.id), "category": "late_inspection",
                                                "points": "2", "reason": "Late"})
    assert response.status_code == 422 and SECRET_NAME not in response.get_data(as_text=True)


def test_an_entry_of_another_department_reveals_nothing(named, client, login):
    entry_id = db.session.query(LedgerEntry.id).filter_by(person_id=named.outsider.id).scalar()
    login(named.supervisor)
    for response in (client.get(f"/ledger/{entry_id}"),
                     client.post(f"/ledger/{entry_id}/reverse", data={"reason": "Wrong"})):
        assert response.status_code == 403 and SECRET_NAME not in response.get_data(as_text=True)
