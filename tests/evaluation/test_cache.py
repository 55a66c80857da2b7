"""A closed quarter's numbers are computed once and kept while their inputs do not change;
any change to them shows in the next evaluation; the quarter under way is always computed."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from trainer.people.models import Role
from trainer.evaluation import cache
from trainer.evaluation.quarters import Quarter
from trainer.evaluation.services import evaluate
from trainer.extensions import db
from trainer.inspections.models import InspectionReport, Loan, RaisedSignal, ReportStatus
from trainer.timeutil import utcnow

from tests import factories
from tests.factories import entry, loan, local, report, reverse, review, signals

Q1 = Quarter(2025, 1)
LATER = date(2025, 6, 1)  # Q1 is closed and all its deadlines have passed


@pytest.fixture
def bank(ctx):
    home, other = factories.department("HOME"), factories.department("OTHER")
    people = {
        "home": home, "other": other,
        "officer": factories.user(dept=home), "colleague": factories.user(dept=home),
        "supervisor": factories.user(Role.SUPERVISOR, dept=home), "hr": factories.user(Role.HR, dept=other),
        "outsider": factories.user(dept=other),
    }
    people["loan"] = loan(people["officer"], date(2024, 11, 1))
    people["other_loan"] = loan(people["colleague"], date(2024, 10, 1))
    people["report"] = report(people["loan"], date(2025, 1, 10), local(date(2025, 1, 12)), ReportStatus.REVIEWED)
    review(people["report"], people["supervisor"], 80)
    signals(people["report"], True, None)
    report(people["loan"], date(2025, 2, 10), local(date(2025, 2, 11)), ReportStatus.SUBMITTED)
    people["entry"] = entry(people["officer"], 10, local(date(2025, 2, 1)))
    entry(people["outsider"], 5, local(date(2025, 3, 1)))
    db.session.commit()
    return people


def summary(evaluation) -> dict:
    """Everything the page shows that comes from the kept numbers."""
    return {
        "people": {row.user_id: (row.numbers, row.result.total, row.severe_sanction) for row in evaluation.people},
        "departments": {d.code: (d.raw, d.result.total) for d in evaluation.departments},
        "overall": evaluation.overall.raw if evaluation.overall else None,
    }


def hr_view(bank, **kwargs):
    return evaluate(bank["hr"], Q1, now=local(LATER), **kwargs)


def fresh(bank, **kwargs):
    """The same evaluation computed from scratch."""
    cache.clear()
    return hr_view(bank, **kwargs)


def test_a_closed_quarter_is_computed_once(bank, count_queries):
    first = summary(hr_view(bank))
    assert cache.computed_quarters() == 1
    with count_queries() as statements:
        again = summary(hr_view(bank))
    assert again == first and cache.computed_quarters() == 1
    kept = len(statements)
    for _ in range(20):  # more people and activity: the second call still reads only the fingerprint and who is who
        person = factories.user(dept=bank["home"], password=None)
        entry(person, 3, local(date(2025, 3, 2)))
        report(loan(person, date(2024, 12, 1)), date(2025, 2, 3), local(date(2025, 2, 4)), ReportStatus.SUBMITTED)
    db.session.commit()
    hr_view(bank)
    assert cache.computed_quarters() == 2
    with count_queries() as statements:
        hr_view(bank)
    assert cache.computed_quarters() == 2 and len(statements) == kept <= 4
    with count_queries() as statements:
        fresh(bank)
    assert len(statements) > kept + 4  # the computation itself: the aggregate queries


def test_six_quarters_of_history_are_kept_too(bank):
    hr_view(bank, history=6)
    assert cache.computed_quarters() == 6
    hr_view(bank, history=6)
    hr_view(bank)  # Q1 alone: already kept
    assert cache.computed_quarters() == 6


def test_the_quarter_under_way_is_always_computed(bank):
    during = local(date(2025, 3, 20))
    evaluate(bank["hr"], Q1, now=during)
    evaluate(bank["hr"], Q1, now=during)
    assert cache.computed_quarters() == 2


def _late_report(bank):
    report(bank["other_loan"], date(2025, 3, 28), local(date(2025, 4, 3)), ReportStatus.SUBMITTED,
           author=bank["colleague"])


def _review(bank):
    waiting = db.session.scalar(db.select(InspectionReport).where(InspectionReport.status == ReportStatus.SUBMITTED))
    review(waiting, bank["supervisor"], 40)
    waiting.status = ReportStatus.REVIEWED
    db.session.flush()
    _bump(waiting.id)


def _bump(report_id: int) -> None:
    """What every inspection service does with a report it writes (or whose review or signals it writes)."""
    db.session.execute(update(InspectionReport).where(InspectionReport.id == report_id)
                       .values(revision=InspectionReport.revision + 1, updated_at=utcnow()))


def _judge_signal(bank):
    db.session.execute(update(RaisedSignal).where(RaisedSignal.confirmed.is_(None)).values(confirmed=False))
    _bump(bank["report"].id)


def _entry_in_quarter(bank):
    entry(bank["colleague"], -10, local(date(2025, 1, 20)), severity="severe")


def _reversal_after_the_quarter(bank):
    reverse(bank["entry"], local(date(2025, 5, 2)))


def _loan_closed(bank):
    db.session.execute(update(Loan).where(Loan.id == bank["loan"].id).values(active=False))


def _loan_reassigned(bank):
    db.session.execute(update(Loan).where(Loan.id == bank["loan"].id).values(officer_id=bank["colleague"].id))


def _loan_start_moved(bank):
    db.session.execute(update(Loan).where(Loan.id == bank["loan"].id).values(start_date=date(2025, 1, 15)))


def _report_returned(bank):
    db.session.execute(update(InspectionReport).where(InspectionReport.id == bank["report"].id)
                       .values(status=ReportStatus.RETURNED))
    _bump(bank["report"].id)


def _report_moved_out_of_the_quarter(bank):
    db.session.execute(update(InspectionReport).where(InspectionReport.id == bank["report"].id)
                       .values(inspection_date=date(2025, 4, 2)))


def _person_left(bank):
    bank["officer"].active = False


def _person_moved(bank):
    bank["colleague"].department_id = bank["other"].id


def _report_by_someone_new(bank):
    newcomer = factories.user(dept=bank["other"], password=None)
    report(loan(newcomer, date(2024, 6, 1)), date(2025, 2, 20), local(date(2025, 2, 21)), ReportStatus.SUBMITTED)


CHANGES = [_late_report, _review, _judge_signal, _entry_in_quarter, _reversal_after_the_quarter, _loan_closed,
           _loan_reassigned, _loan_start_moved, _report_returned, _report_moved_out_of_the_quarter,
           _person_left, _person_moved, _report_by_someone_new]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_a_change_to_a_closed_quarter_shows_in_the_next_evaluation(bank, change):
    before = summary(hr_view(bank))
    change(bank)
    db.session.commit()
    after = summary(hr_view(bank))
    assert after != before  # each change moves some number of Q1
    assert after == summary(fresh(bank))  # and what is shown is what a computation from scratch gives


def test_the_viewers_scope_applies_to_kept_numbers(bank):
    everyone = hr_view(bank)
    assert {row.user_id for row in everyone.people} >= {bank["officer"].id, bank["outsider"].id}
    computed = cache.computed_quarters()
    home = evaluate(bank["supervisor"], Q1, now=local(LATER))
    mine = evaluate(bank["officer"], Q1, now=local(LATER))
    assert cache.computed_quarters() == computed  # the same kept numbers, filtered
    assert {row.user_id for row in home.people} == {bank["officer"].id, bank["colleague"].id}
    assert [d.code for d in home.departments] == ["HOME"]
    assert [row.user_id for row in mine.people] == [bank["officer"].id]
    cache.clear()
    assert summary(evaluate(bank["supervisor"], Q1, now=local(LATER))) == summary(home)


def test_a_quarter_whose_deadline_has_not_passed_is_kept_but_scored_as_of_now(bank):
    early = local(Q1.end + timedelta(days=2))  # closed, but March's reports are still on time until April 5
    waiting = summary(evaluate(bank["hr"], Q1, now=early))
    later = summary(evaluate(bank["hr"], Q1, now=local(LATER)))
    assert cache.computed_quarters() == 1  # the numbers are the same; only what is due changed
    assert waiting["people"][bank["officer"].id][1] != later["people"][bank["officer"].id][1]
