"""Each component's arithmetic on small hand-built data, through the real queries."""
from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from trainer.people.models import Role
from trainer.evaluation import scoring
from trainer.evaluation.quarters import Quarter
from trainer.evaluation.services import evaluate
from trainer.extensions import db
from trainer.inspections.models import ReportKind, ReportStatus

from tests import factories
from tests.factories import certificate, entry, loan, local, report, reverse, review, signals

Q1 = Quarter(2025, 1)
LATER = date(2025, 6, 1)  # every deadline of Q1 has passed


@pytest.fixture
def people(ctx):
    home, other = factories.department("HOME"), factories.department("OTHER")
    return {
        "home": home, "other": other,
        "officer": factories.user(dept=home), "colleague": factories.user(dept=home),
        "supervisor": factories.user(Role.SUPERVISOR, dept=home), "hr": factories.user(Role.HR, dept=other),
        "outsider": factories.user(dept=other),
    }


def row_of(evaluation, person):
    return next(r for r in evaluation.people if r.user_id == person.id)


def hr_view(people, on: date = LATER, quarter: Quarter = Q1, **kwargs):
    return evaluate(people["hr"], quarter, standing=True, now=local(on), **kwargs)


def test_inspections_on_time_count_each_loan_and_month_once(people):
    officer = people["officer"]
    a = loan(officer, date(2024, 11, 1))
    b = loan(officer, date(2025, 1, 20))  # started in January: owes nothing for it, only from February
    closed = loan(officer, date(2024, 1, 1), active=False)
    report(a, date(2025, 1, 15), local(date(2025, 2, 3)))
    report(a, date(2025, 1, 20), local(date(2025, 2, 4)))  # a second one for January counts once
    report(a, date(2025, 2, 10), local(date(2025, 3, 6), 0, 30))  # the 6th, local time: late
    report(b, date(2025, 2, 20), local(date(2025, 3, 5), 23, 30))  # the 5th, late evening: on time
    report(a, date(2025, 3, 10), local(date(2025, 3, 11)), kind=ReportKind.IRREGULAR)  # not the monthly one
    report(b, date(2025, 3, 15))  # a draft
    report(a, date(2025, 3, 25), local(date(2025, 4, 2)), ReportStatus.RETURNED)  # filed in time, then returned
    report(closed, date(2025, 1, 10), local(date(2025, 1, 11)))
    db.session.commit()

    row = row_of(hr_view(people), officer)
    assert [(m.loans, m.on_time) for m in row.raw.months] == [(1, 1), (2, 1), (2, 1)]
    assert (row.raw.due, row.raw.on_time) == (5, 3)
    assert row.result.components[scoring.ON_TIME].score == 60


def test_a_month_before_its_deadline_counts_only_what_is_done(people):
    officer = people["officer"]
    a, b = loan(officer, date(2024, 11, 1)), loan(officer, date(2024, 11, 1))
    report(a, date(2025, 1, 15), local(date(2025, 2, 3)))
    report(a, date(2025, 3, 25), local(date(2025, 4, 2)))
    db.session.commit()

    # On 3 April March's deadline (the 5th) has not passed: b's missing March inspection is not late yet.
    row = row_of(hr_view(people, on=date(2025, 4, 3)), officer)
    assert [(m.due, m.on_time, m.deadline_passed) for m in row.raw.months] == [(2, 1, True), (2, 0, True), (1, 1, False)]
    assert row.result.components[scoring.ON_TIME].score == Fraction(100 * 2, 5)
    row = row_of(hr_view(people, on=date(2025, 4, 6)), officer)
    assert (row.raw.due, row.raw.on_time) == (6, 2)


def test_quality_is_the_mean_of_the_latest_accepted_reviews(people):
    officer, supervisor = people["officer"], people["supervisor"]
    on = loan(officer, date(2024, 11, 1))
    resubmitted = report(on, date(2025, 1, 10), local(date(2025, 1, 11)), ReportStatus.REVIEWED)
    review(resubmitted, supervisor, 40, accepted=False, at=local(date(2025, 1, 12)))
    review(resubmitted, supervisor, 80, at=local(date(2025, 1, 20)))
    review(report(on, date(2025, 2, 10), local(date(2025, 2, 11)), ReportStatus.REVIEWED), supervisor, 90)
    returned = report(on, date(2025, 3, 10), local(date(2025, 3, 11)), ReportStatus.RETURNED)
    review(returned, supervisor, 60, accepted=False)  # latest review returned it: not counted
    review(report(on, date(2025, 4, 10), local(date(2025, 4, 11)), ReportStatus.REVIEWED), supervisor, 10)  # Q2
    db.session.commit()

    row = row_of(hr_view(people), officer)
    assert (row.raw.reports_scored, row.raw.quality_sum) == (2, 170)
    assert row.result.components[scoring.QUALITY].score == 85


def test_warning_signals_count_the_judged_ones_in_reviewed_reports(people):
    officer = people["officer"]
    on = loan(officer, date(2024, 11, 1))
    signals(report(on, date(2025, 1, 10), local(date(2025, 1, 11)), ReportStatus.REVIEWED), True, False, None)
    signals(report(on, date(2025, 2, 10), local(date(2025, 2, 11)), ReportStatus.REVIEWED), True)
    signals(report(on, date(2025, 3, 10), local(date(2025, 3, 11)), ReportStatus.SUBMITTED), True)  # not reviewed yet
    db.session.commit()

    row = row_of(hr_view(people), officer)
    assert (row.raw.signals_raised, row.raw.signals_judged, row.raw.signals_confirmed) == (4, 3, 2)
    assert row.result.components[scoring.SIGNALS].score == Fraction(200, 3)
    assert row.result.components[scoring.SIGNALS].shown == scoring.one_decimal(Fraction(200, 3)) == scoring.Decimal("66.7")


def test_ledger_points_are_net_clamped_and_mapped(people):
    officer, colleague = people["officer"], people["colleague"]
    entry(officer, 10, local(date(2025, 1, 5)))
    entry(officer, -5, local(date(2025, 2, 5)))
    mistake = entry(officer, -30, local(date(2025, 3, 5)), severity="severe")
    reverse(mistake, local(date(2025, 3, 6)))
    entry(officer, 40, local(date(2024, 12, 31), 23, 30))  # the last evening of Q4, local time
    entry(colleague, 80, local(date(2025, 1, 1), 0, 30))  # the first minutes of Q1, local time
    db.session.commit()

    evaluation = hr_view(people)
    officer_row, colleague_row = row_of(evaluation, officer), row_of(evaluation, colleague)
    assert officer_row.raw.ledger_points == 5
    assert officer_row.result.components[scoring.LEDGER].score == 55  # 100 × (5 + 50) / 100
    assert colleague_row.raw.ledger_points == 80
    assert colleague_row.result.components[scoring.LEDGER].score == 100  # clamped at +50
    assert not officer_row.severe_sanction


def test_weights_are_renormalised_over_the_applicable_components(people):
    officer = people["officer"]
    a = loan(officer, date(2024, 11, 1))
    report(a, date(2025, 1, 15), local(date(2025, 2, 3)))
    report(a, date(2025, 3, 15), local(date(2025, 4, 3)))
    entry(officer, 5, local(date(2025, 2, 1)))
    db.session.commit()

    result = row_of(hr_view(people), officer).result
    on_time, ledger = result.components[scoring.ON_TIME], result.components[scoring.LEDGER]
    assert (on_time.score, ledger.score) == (Fraction(200, 3), 55)
    assert not result.components[scoring.QUALITY].applicable and not result.components[scoring.SIGNALS].applicable
    # (66.67 × 35 + 55 × 20) / 55 = 62.42…
    assert result.applicable_weight == 55 and result.share(on_time) == Fraction(35, 55)
    assert result.total_shown == scoring.Decimal("62.4")
    assert result.band.name == "adequate"
    assert [c.code for c in result.left_out] == [scoring.QUALITY, scoring.SIGNALS]


def test_only_ledger_entries_still_make_a_score(people):
    colleague = people["colleague"]
    entry(colleague, -20, local(date(2025, 2, 1)))
    db.session.commit()

    row = row_of(hr_view(people), colleague)
    assert row.raw.due == 0 and row.result.total == 30 and row.result.band.name == "needs_improvement"


def test_who_is_evaluated(people):
    officer, colleague, outsider = people["officer"], people["colleague"], people["outsider"]
    loan(officer, date(2025, 2, 28))  # in charge of a loan that owes its first inspection in March
    loan(colleague, date(2025, 4, 1))  # started after the quarter
    author = factories.user(dept=people["home"])
    report(loan(colleague, date(2025, 4, 1)), date(2025, 2, 1), author=author)  # a draft dated in the quarter
    entry(outsider, 3, local(date(2025, 3, 1)))
    gone = factories.user(dept=people["home"], active=False)
    entry(gone, 3, local(date(2025, 3, 1)))
    not_staff = factories.user(Role.HR, dept=people["home"])
    not_staff.set_roles({Role.HR})
    entry(not_staff, 3, local(date(2025, 3, 1)))
    db.session.commit()

    assert {r.user_id for r in hr_view(people).people} == {officer.id, author.id, outsider.id}


def certified_high_scorer(people):
    officer, supervisor = people["officer"], people["supervisor"]
    on = loan(officer, date(2024, 11, 1))
    for month in (1, 2, 3):
        done = report(on, date(2025, month, 10), local(date(2025, month, 12)), ReportStatus.REVIEWED)
        review(done, supervisor, 90)
        signals(done, True)
    entry(officer, 30, local(date(2025, 2, 1)))
    db.session.commit()
    return officer


def test_promotion_needs_the_score_a_valid_qualification_and_no_severe_sanction(people):
    officer = certified_high_scorer(people)
    row = row_of(hr_view(people), officer)
    assert row.result.total_shown == scoring.Decimal("93.0") and row.result.band.name == "outstanding"
    assert not row.promotion.eligible
    assert [c.code for c in row.promotion.failed] == [scoring.QUALIFICATION_CHECK]
    assert row.qualification_state == "none"

    certificate(officer, date(2024, 6, 1), date(2025, 5, 31))
    db.session.commit()
    row = row_of(hr_view(people), officer)
    assert row.promotion.eligible and row.qualified and row.qualification_state == "active"
    assert [c.code for c in row.promotion.checks] == [scoring.SCORE_CHECK, scoring.QUALIFICATION_CHECK,
                                                      scoring.SANCTION_CHECK]


def test_a_qualification_expired_by_the_quarters_end_does_not_count(people):
    officer = certified_high_scorer(people)
    certificate(officer, date(2024, 3, 1), date(2025, 3, 30))
    db.session.commit()
    row = row_of(hr_view(people), officer)
    assert (row.qualified, row.qualification_state, row.promotion.eligible) == (False, "expired", False)


def test_a_severe_sanction_blocks_promotion_unless_reversed(people):
    officer = certified_high_scorer(people)
    certificate(officer, date(2024, 6, 1), date(2026, 5, 31))
    severe = entry(officer, -1, local(date(2025, 3, 1)), severity="severe")
    db.session.commit()
    row = row_of(hr_view(people), officer)
    assert row.severe_sanction and not row.promotion.eligible
    assert [c.code for c in row.promotion.failed] == [scoring.SANCTION_CHECK]

    reverse(severe, local(date(2025, 4, 20)))  # reversed after the quarter: it was a mistake all along
    db.session.commit()
    row = row_of(hr_view(people), officer)
    assert not row.severe_sanction and row.promotion.eligible


def test_a_low_total_is_not_indicated(people):
    colleague = people["colleague"]
    certificate(colleague, date(2024, 6, 1), date(2026, 5, 31))
    entry(colleague, 10, local(date(2025, 2, 1)))
    db.session.commit()
    row = row_of(hr_view(people), colleague)
    assert row.result.total == 60 and [c.code for c in row.promotion.failed] == [scoring.SCORE_CHECK]


def test_departments_add_up_their_people(people):
    officer, colleague, outsider, supervisor = people["officer"], people["colleague"], people["outsider"], people["supervisor"]
    mine, theirs = loan(officer, date(2024, 11, 1)), loan(colleague, date(2024, 11, 1))
    review(report(mine, date(2025, 1, 10), local(date(2025, 1, 12)), ReportStatus.REVIEWED), supervisor, 100)
    for month in (1, 2, 3):  # on time every month, each scored 60
        review(report(theirs, date(2025, month, 10), local(date(2025, month, 12)), ReportStatus.REVIEWED), supervisor, 60)
    entry(officer, 20, local(date(2025, 2, 1)))
    entry(outsider, -50, local(date(2025, 2, 1)))
    db.session.commit()

    evaluation = hr_view(people)
    home = next(d for d in evaluation.departments if d.code == "HOME")
    assert home.raw.people == 2
    assert (home.raw.due, home.raw.on_time) == (6, 4)
    # the mean over the department's reports (400 / 4), not the mean of the people's means (80)
    assert home.result.components[scoring.QUALITY].score == 70
    assert home.raw.ledger_mean == 10 and home.result.components[scoring.LEDGER].score == 60
    other = next(d for d in evaluation.departments if d.code == "OTHER")
    assert other.raw.people == 1 and other.result.total == 0
    assert evaluation.overall.raw.people == 3 and evaluation.overall.raw.ledger_points == -30


def test_each_viewer_sees_their_own_scope(people):
    officer, colleague, outsider = people["officer"], people["colleague"], people["outsider"]
    for person in (officer, colleague, outsider):
        entry(person, 1, local(date(2025, 2, 1)))
    db.session.commit()

    def seen(viewer):
        evaluation = evaluate(viewer, Q1, standing=True, now=local(LATER))
        return {r.user_id for r in evaluation.people}, {d.code for d in evaluation.departments}

    assert seen(officer) == ({officer.id}, {"HOME"})
    assert seen(people["supervisor"]) == ({officer.id, colleague.id}, {"HOME"})
    assert seen(people["hr"]) == ({officer.id, colleague.id, outsider.id}, {"HOME", "OTHER"})
    assert seen(factories.user(Role.ADMIN, dept=people["home"]))[0] == {officer.id, colleague.id, outsider.id}
    only_other = evaluate(people["hr"], Q1, department_id=people["other"].id, now=local(LATER))
    assert {r.user_id for r in only_other.people} == {outsider.id}


def test_history_gives_department_totals_per_quarter(people):
    officer = people["officer"]
    entry(officer, 10, local(date(2024, 11, 1)))  # Q4 2024: 60
    entry(officer, -10, local(date(2025, 2, 1)))  # Q1 2025: 40
    db.session.commit()

    evaluation = hr_view(people, history=3)
    assert evaluation.history.quarters == [Quarter(2024, 3), Quarter(2024, 4), Q1]
    [(latest, rows)] = evaluation.history.departments
    assert latest.code == "HOME"
    assert [row.result.total if row else None for row in rows] == [None, 60, 40]
    assert [row.result.total if row else None for row in evaluation.history.overall] == [None, 60, 40]


def test_qualification_states_follow_the_certification_rules(people):
    """The set-based reading agrees with `standing` and `is_qualified`, person by person."""
    from datetime import timedelta

    from trainer.certification import services as certification
    from trainer.certification.models import CertificateStatus
    from trainer.evaluation import queries

    day, home = date(2025, 3, 31), people["home"]
    cases = {}

    def person(label, *certificates):
        someone = factories.user(dept=home, password=None)
        for spec in certificates:
            certificate(someone, *spec[:2], **spec[2] if len(spec) > 2 else {})
        cases[label] = someone

    person("none")
    person("active", (date(2024, 6, 1), date(2025, 12, 31)))
    person("expiring", (date(2024, 6, 1), day + timedelta(days=30)))
    person("expired", (date(2024, 3, 1), day - timedelta(days=1)))
    person("suspended before", (date(2024, 6, 1), date(2025, 12, 31),
                                {"status": CertificateStatus.SUSPENDED, "ended_at": local(date(2025, 3, 2))}))
    person("suspended after", (date(2024, 6, 1), date(2025, 12, 31),
                               {"status": CertificateStatus.SUSPENDED, "ended_at": local(date(2025, 4, 2))}))
    person("revoked", (date(2024, 6, 1), date(2025, 12, 31),
                       {"status": CertificateStatus.REVOKED, "ended_at": local(date(2025, 1, 2))}))
    person("renewed early", (date(2024, 5, 1), date(2025, 4, 30)), (date(2025, 5, 1), date(2026, 4, 30)))
    person("reinstated", (date(2024, 1, 1), date(2024, 12, 31),
                          {"status": CertificateStatus.SUSPENDED, "ended_at": local(date(2024, 6, 1))}),
           (date(2024, 7, 1), date(2025, 6, 30)))
    person("supervisor without inspector", (date(2024, 6, 1), date(2025, 12, 31), {"code": "supervisor"}))
    person("supervisor", (date(2024, 6, 1), date(2025, 12, 31), {"code": "supervisor"}),
           (date(2024, 6, 1), date(2025, 12, 31)))
    db.session.commit()

    ids = [p.id for p in cases.values()]
    for code in ("inspector", "supervisor"):
        states, qualified = queries.qualifications(ids, code, day)
        for label, someone in cases.items():
            expected = certification.standing(someone.id, code, day)
            assert states.get(someone.id, certification.NONE) == expected.state, (label, code)
            assert (someone.id in qualified) == certification.is_qualified(someone, code, day), (label, code)
    states, qualified = queries.qualifications(ids, "inspector", day)
    assert [label for label, p in cases.items() if p.id in qualified] == [
        "active", "expiring", "suspended after", "renewed early", "reinstated", "supervisor"]
