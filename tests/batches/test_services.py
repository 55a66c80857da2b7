"""The batch rules: dates, membership, results from the attempts sat in the window, and the gate."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from trainer.people.models import Role
from trainer.batches import services
from trainer.certification import services as certification
from trainer.extensions import db
from trainer.csv_import import ImportRejected

from tests import factories
from tests.batches.helpers import DUE, START, at, batch_of
from tests.factories import read_modules, sit


@pytest.fixture
def hr(ctx):
    factories.load_content()
    return factories.user(Role.HR)


def test_dates_and_default_modules(hr):
    with pytest.raises(services.BatchError, match="after the start"):
        services.create_batch(hr, "B", "inspector", START, START, today=START)
    with pytest.raises(services.BatchError, match="before today"):
        services.create_batch(hr, "B", "inspector", START - timedelta(days=1), DUE, today=START)
    with pytest.raises(services.BatchError, match="Unknown qualification"):
        services.create_batch(hr, "B", "pilot", START, DUE, today=START)
    with pytest.raises(services.BatchError, match="name"):
        services.create_batch(hr, "  ", "inspector", START, DUE, today=START)
    batch = services.create_batch(hr, "B", "supervisor", START, DUE, today=START)
    assert batch.module_ids == sorted(m.id for m in services.qualification_modules("supervisor"))
    assert batch.module_ids and all("supervisor" in m.qualifications for m in services.qualification_modules("supervisor"))


def test_members_are_active_staff_once(hr):
    dept = factories.department()
    a, b = factories.user(dept=dept), factories.user(dept=dept)
    gone = factories.user(dept=dept, active=False)
    batch = services.create_batch(hr, "B", "inspector", START, DUE, today=START)
    with pytest.raises(services.BatchError, match="active staff"):
        services.add_members(batch, hr, [a.id, gone.id])
    assert services.add_members(batch, hr, [a.id, a.id]).added == 1
    added = services.add_members(batch, hr, services.department_people(hr, dept.id))
    assert (added.added, added.already) == (1, 1)
    assert {r.person.id for r in services.results(batch, START)} == {a.id, b.id}


def test_csv_of_employee_numbers_is_all_or_nothing_with_line_numbers(hr):
    a = factories.user(employee_no="E7001")
    factories.user(employee_no="E7002", active=False)
    data = "employee_no;note\nE7001;x\n\nnobody;y\ne7001;dup\nE7002;z\n".encode()
    with pytest.raises(ImportRejected) as rejected:
        services.people_from_csv(hr, data)
    assert [(e.line, str(e.message)) for e in rejected.value.errors] == [
        (4, "unknown employee_no 'nobody'"),
        (5, "employee_no 'e7001' already appears on line 2"),
        (6, "employee E7002 is not active staff"),
    ]
    with pytest.raises(ImportRejected, match="missing column"):
        services.people_from_csv(hr, b"number\nE7001\n")
    with pytest.raises(ImportRejected, match="UTF-8"):
        services.people_from_csv(hr, "employee_no\nÑ\n".encode("latin-1"))
    assert services.people_from_csv(hr, "\ufeffEmployee_No\ne7001\n".encode()) == [a.id]


def test_results_come_from_attempts_in_the_window(hr):
    passer, trier, thrice, early, idle = (factories.user() for _ in range(5))
    for person in (passer, trier, thrice, early):
        read_modules(person, "inspector")
    sit(early, "inspector", at(START - timedelta(days=1)), right=0)  # before the window: does not count
    batch = batch_of(hr, [passer, trier, thrice, early, idle])
    sit(passer, "inspector", at(START + timedelta(days=1)), right=0)
    sit(passer, "inspector", at(START + timedelta(days=1), 11))
    sit(trier, "inspector", at(START + timedelta(days=2)), right=0)
    for hour in (9, 11, 13):
        sit(thrice, "inspector", at(START + timedelta(days=3), hour), right=0)

    during = {r.person.id: r for r in services.results(batch, DUE)}
    assert (during[passer.id].result, during[passer.id].attempts, during[passer.id].best_score) == ("passed", 2, 100)
    assert during[trier.id].result == "in_progress"
    assert (during[thrice.id].result, during[thrice.id].attempts) == ("failed", 3)  # attempts used up
    assert (during[early.id].result, during[early.id].attempts) == ("in_progress", 0)  # modules read only
    assert during[idle.id].result == "not_started"
    modules = len(services.qualification_modules("inspector"))
    assert (during[passer.id].modules_done, during[idle.id].modules_done) == (modules, 0)
    assert not any(r.overdue for r in during.values())

    after = {r.person.id: r for r in services.results(batch, DUE + timedelta(days=1))}
    assert after[trier.id].result == "failed"  # a failed attempt and the window closed
    assert {pid for pid, r in after.items() if r.overdue} == {trier.id, thrice.id, early.id, idle.id}


def test_may_not_act_list_agrees_with_the_gate(hr):
    holder, failer, idle = factories.user(), factories.user(), factories.user()
    read_modules(holder, "inspector")
    sit(holder, "inspector", at(START - timedelta(days=3)))  # qualified before the batch
    read_modules(failer, "inspector")
    batch = batch_of(hr, [holder, failer, idle])
    sit(failer, "inspector", at(START + timedelta(days=1)), right=0)
    day = DUE + timedelta(days=2)

    member_results = services.results(batch, day)
    blocked = {r.person.id for r in services.may_not_act(batch, member_results, day)}

    assert blocked == {failer.id, idle.id}  # the holder is overdue but still qualified
    for r in member_results:
        flagged = r.result == "failed" or r.overdue
        assert (r.person.id in blocked) == (flagged and not certification.is_qualified(r.person.id, "inspector", day))


def test_recertification_picker_finds_certificates_expiring_before_a_date(hr):
    soon, later, never = factories.user(), factories.user(), factories.user()
    for person in (soon, later):
        read_modules(person, "inspector")
    sit(soon, "inspector", at(date(2024, 6, 1)))
    sit(later, "inspector", at(date(2024, 9, 1)))
    found = services.expiring_people(hr, "inspector", date(2025, 7, 1), today=date(2025, 5, 5))
    assert found == [soon.id]


def test_results_take_a_constant_number_of_queries(hr, count_queries):
    def queries_for(size: int) -> int:
        people = [factories.user() for _ in range(size)]
        read_modules(people[0], "inspector")
        sit(people[0], "inspector", at(START + timedelta(days=1)), right=0)
        batch = batch_of(hr, people, starts_on=START, due_on=DUE)
        db.session.expire_all()
        batch = db.session.get(type(batch), batch.id)
        with count_queries() as queries:
            member_results = services.results(batch, DUE + timedelta(days=1))
            services.may_not_act(batch, member_results, DUE + timedelta(days=1))
            services.to_csv(member_results)
        assert len(member_results) == size
        return len(queries)

    assert queries_for(3) == queries_for(30)
