"""The overdue view: loans whose monthly regular inspection is missing, per department and officer."""
from datetime import date, datetime, timedelta, timezone

from trainer.people.models import Role
from trainer.extensions import db
from trainer.inspections import review, services
from trainer.inspections.overdue import Month, overdue

from tests import factories
from tests.factories import loan, report_content, today


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


def file(author, on_loan, day: date, submitted_on: date | None, kind: str = "regular"):
    if submitted_on is None:  # a draft written on the inspection day (the filing window counts from then)
        return services.file_report(author, on_loan, report_content(day, kind=kind, signals={}), now=noon(day))
    return services.file_report(author, on_loan, report_content(day, kind=kind, signals={}), submit=True, now=noon(submitted_on))


def listed(groups) -> dict[tuple[str, str], list[str]]:
    return {(g.department, g.officer): [m.loan.loan_no for m in g.loans] for g in groups}


def test_month_arithmetic():
    month = Month.of(date(2024, 1, 31))
    assert (month.first, month.last, month.deadline) == (date(2024, 1, 1), date(2024, 1, 31), date(2024, 2, 5))
    assert month.previous() == Month(date(2023, 12, 1))
    assert Month.of(date(2024, 2, 10)).last == date(2024, 2, 29)


def test_overdue_and_not_yet_done_per_officer(bank):
    this_month = Month.of(today()).previous()  # a finished month, so every date in it can be inspected
    asked_on = this_month.last
    last_month = this_month.previous()
    on_time, late = date(this_month.first.year, this_month.first.month, 3), date(this_month.first.year, this_month.first.month, 10)
    a, b, c, d = (loan(bank.officer, loan_no=f"A-{n}") for n in "ABCD")
    returned = loan(bank.colleague, loan_no="C-H")
    young = loan(bank.colleague, loan_no="C-E")
    young.start_date = last_month.first + timedelta(days=9)
    closed = loan(bank.officer, loan_no="A-F", active=False)
    db.session.commit()
    file(bank.officer, a, last_month.first + timedelta(days=14), on_time)
    file(bank.officer, a, this_month.first + timedelta(days=2), this_month.first + timedelta(days=2))
    file(bank.officer, b, last_month.last, late)
    file(bank.officer, c, last_month.first, on_time, kind="irregular")
    file(bank.officer, d, last_month.first, None)
    sent_back = file(bank.colleague, returned, last_month.first, on_time)
    review.review_report(bank.supervisor, sent_back.id, review.ReviewInput(
        "returned", "Redo", {"coverage": 1, "timeliness": 1, "signal_accuracy": 1, "analysis_quality": 1}, {}, "More detail"))

    view = overdue(bank.officer, today=asked_on)
    assert view.last_month == last_month and view.last_month_late
    assert listed(view.last_month_missing) == {
        ("CR-MAD", bank.officer.full_name): ["A-B", "A-C", "A-D", "P-001"],
    }
    assert listed(view.this_month_missing) == {
        ("CR-MAD", bank.officer.full_name): ["A-B", "A-C", "A-D", "P-001"],
        ("CR-MAD", bank.colleague.full_name): ["C-E", "C-H"],
    }
    assert closed.loan_no not in str(listed(view.this_month_missing))
    hr_view = overdue(factories.user(Role.HR, dept=bank.other), today=asked_on)
    assert ("CR-SEV", bank.outsider.full_name) in listed(hr_view.this_month_missing)
    assert ("CR-SEV", bank.outsider.full_name) not in listed(view.this_month_missing)


def test_before_the_fifth_last_month_is_still_due_not_overdue(bank):
    this_month = Month.of(today()).previous()
    asked_on = this_month.first + timedelta(days=2)
    view = overdue(bank.officer, today=asked_on)
    assert not view.last_month_late
    assert listed(view.last_month_missing) == {("CR-MAD", bank.officer.full_name): ["P-001"]}
    file(bank.officer, bank.loan, this_month.previous().last, asked_on)
    assert overdue(bank.officer, today=asked_on).last_month_missing == []


def test_months_before_the_go_live_date_owe_nothing(bank, app):
    """Imported loans that started years ago do not owe inspections from before the bank used trainer."""
    this_month = Month.of(today())
    last_month = this_month.previous()
    old = loan(bank.officer, loan_no="G-OLD")
    old.start_date = date(2019, 5, 1)
    db.session.commit()
    assert listed(overdue(bank.hr).last_month_missing) and listed(overdue(bank.hr).this_month_missing)

    app.config["GO_LIVE_DATE"] = this_month.first + timedelta(days=3)  # mid-month: the first owed month is the next
    view = overdue(bank.hr)
    assert view.last_month_missing == [] and view.this_month_missing == []

    app.config["GO_LIVE_DATE"] = last_month.first  # on the 1st: that month owes already
    view = overdue(bank.hr)
    assert "G-OLD" in sum(listed(view.last_month_missing).values(), [])


def test_the_evaluation_counts_owed_months_by_the_same_rule(ctx):
    from sqlalchemy import false

    from trainer.inspections.models import Loan
    from trainer.inspections.overdue import owes, owes_sql

    ctx.config["GO_LIVE_DATE"] = date(2026, 3, 15)
    assert not owes(date(2020, 1, 1), date(2026, 3, 1)) and owes(date(2020, 1, 1), date(2026, 4, 1))
    assert owes_sql(Loan.start_date, date(2026, 3, 1)).compare(false())
    assert not owes_sql(Loan.start_date, date(2026, 4, 1)).compare(false())
