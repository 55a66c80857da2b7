"""The ledger pages and `flask trainer verify-ledger`, over HTTP and the CLI."""
from sqlalchemy import func, select, text

from trainer.people.models import Role
from trainer.extensions import db
from trainer.ledger import services as ledger
from trainer.ledger.models import LedgerEntry

from tests import factories
from tests.ledger.test_chain import raw
from tests.ledger.conftest import snapshot


def entry_count() -> int:
    db.session.commit()  # what this test wrote through the services, as a request would; then read afresh
    return db.session.scalar(select(func.count()).select_from(LedgerEntry))


def form(person, category="outstanding_inspection", points="5", reason="Clear, complete report", **extra):
    return {"person_id": str(person.id), "category": category, "points": points, "reason": reason, **extra}


def test_staff_cannot_log(org, client, login):
    login(org.officer)
    assert client.get("/ledger/new").status_code == 403
    assert client.post("/ledger/new", data=form(org.outsider)).status_code == 403
    assert entry_count() == 0


def test_each_role_reads_its_own_scope(org, client, login):
    ledger.log_entry(org.supervisor, org.officer, "outstanding_inspection", 5, "Home department reward")
    ledger.log_entry(org.hr, org.outsider, "late_inspection", 2, "Other department sanction")
    colleague = factories.user(dept=org.home)
    for person, sees, misses in ((org.officer, "Home department reward", "Other department sanction"),
                                 (org.supervisor, "Home department reward", "Other department sanction"),
                                 (colleague, None, "Home department reward")):
        login(person)
        page = client.get("/ledger/").get_data(as_text=True)
        if sees:
            assert sees in page
        assert misses not in page
        client.post("/logout")
    login(org.hr)
    page = client.get("/ledger/").get_data(as_text=True)
    assert "Home department reward" in page and "Other department sanction" in page
    page = client.get(f"/ledger/?department={org.other.id}").get_data(as_text=True)
    assert "Home department reward" not in page and "Other department sanction" in page
    page = client.get(f"/ledger/?person={org.officer.id}").get_data(as_text=True)
    assert "Home department reward" in page and "Other department sanction" not in page


def test_a_supervisor_logs_for_their_department(org, client, login):
    login(org.supervisor)
    page = client.get("/ledger/new").get_data(as_text=True)
    assert org.officer.full_name in page and org.outsider.full_name not in page
    assert "Loss caused (15–50 points; suspends the qualification)" in page
    response = client.post("/ledger/new", data=form(org.officer))
    assert response.status_code == 302
    entry = db.session.scalars(select(LedgerEntry)).one()
    assert response.location.endswith(f"/ledger/{entry.id}")
    assert (entry.person_id, entry.points, entry.logged_by_id) == (org.officer.id, 5, org.supervisor.id)
    page = client.get(response.location).get_data(as_text=True)
    assert "Entry 1 recorded for" in page and "Outstanding inspection quality" in page


def test_a_supervisor_of_another_department_is_refused(org, client, login):
    login(org.supervisor)
    before = snapshot()
    response = client.post("/ledger/new", data=form(org.outsider))
    assert response.status_code == 422
    assert "only for people of your own department" in response.get_data(as_text=True)
    assert snapshot() == before


def test_bad_input_re_renders_with_the_reason(org, client, login):
    login(org.supervisor)
    cases = [(form(org.officer, points="40"), "must be a whole number from 2 to 10"),
             (form(org.officer, reason="   "), "Give a written reason."),
             (form(org.officer, points="many"), "Not a valid integer value"),
             (form(org.officer, category="bonus"), "Choose a category from the catalogue."),
             (form(org.officer, inspection_id="424242"), "There is no inspection number 424242."),
             ({}, "Choose a person.")]
    for data, message in cases:
        response = client.post("/ledger/new", data=data)
        assert response.status_code == 422, message
        assert message in response.get_data(as_text=True), message
    assert entry_count() == 0


def test_an_unqualified_supervisor_is_told_why(org, client, login):
    newcomer = factories.user(Role.SUPERVISOR, dept=org.home)
    login(newcomer)
    assert "pass the supervisor exam" in client.get("/ledger/new").get_data(as_text=True)
    response = client.post("/ledger/new", data=form(org.officer))
    assert response.status_code == 422 and "pass the supervisor exam" in response.get_data(as_text=True)
    assert entry_count() == 0


def test_a_severe_sanction_over_http_says_the_qualification_is_suspended(org, client, login):
    factories.certificate(org.officer)
    login(org.supervisor)
    response = client.post("/ledger/new", data=form(org.officer, category="loss_caused", points="20"),
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "qualification is suspended until they read the modules again" in page
    assert "This sanction suspended the person" in page


def test_reversal_pages_and_their_refusals(org, client, login):
    entry = ledger.log_entry(org.hr, org.outsider, "late_inspection", 2, "Late March report")
    db.session.commit()
    entry_id = entry.id
    login(org.supervisor)
    assert client.get(f"/ledger/{entry_id}").status_code == 403
    assert client.post(f"/ledger/{entry_id}/reverse", data={"reason": "Wrong"}).status_code == 403
    client.post("/logout")
    login(org.hr)
    assert client.post(f"/ledger/{entry_id}/reverse", data={"reason": " "}).status_code == 422
    response = client.post(f"/ledger/{entry_id}/reverse", data={"reason": "The report was on time"})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Reverses entry 1" in page and "Entry 2 reverses entry 1." in page
    assert "Reversed by entry 2" in client.get(f"/ledger/{entry_id}").get_data(as_text=True)
    again = client.post(f"/ledger/{entry_id}/reverse", data={"reason": "Once more"})
    assert again.status_code == 422 and "already been reversed" in again.get_data(as_text=True)
    assert entry_count() == 2


def test_the_list_makes_the_same_queries_for_3_or_30_entries(org, client, login, count_queries):
    def queries_for_page() -> int:
        with count_queries() as queries:
            assert client.get("/ledger/").status_code == 200
        return len(queries)

    login(org.hr)
    for i in range(3):
        ledger.log_entry(org.hr, factories.user(dept=org.home), "late_inspection", 1, f"Late {i}")
    few = queries_for_page()
    entries = [ledger.log_entry(org.supervisor, factories.user(dept=org.home), "loss_avoided", 10, f"Saved {i}")
               for i in range(27)]
    for entry in entries[:5]:
        ledger.reverse_entry(org.hr, entry, "Duplicate")
    assert queries_for_page() == few <= 10


def test_verify_ledger_command(org, runner):
    for i in range(3):
        ledger.log_entry(org.hr, org.officer, "outstanding_inspection", 3, f"Report {i}")
    result = runner.invoke(args=["trainer", "verify-ledger"])
    assert result.exit_code == 0 and "Ledger intact: 3 entries" in result.output
    raw("UPDATE ledger_entries SET reason = 'nothing' WHERE seq = 2")
    result = runner.invoke(args=["trainer", "verify-ledger"])
    assert result.exit_code == 1
    assert "Ledger broken at entry 2: entry 2 was altered" in result.output
