"""A retry draws questions whose answers were not just shown; HR's extra attempt and
cooldown reset, through the one eligibility rule."""
import json
import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from trainer.audit_log.models import AuditEvent
from trainer.certification import services as certification
from trainer.certification.definitions import DrawRule, ExamBlueprint
from trainer.exams import services as exams
from trainer.exams.drawing import Candidate, draw
from trainer.exams.models import AllowanceKind, ExamAllowance
from trainer.extensions import db

from tests import factories
from tests.factories import sit

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def question_ids(attempt) -> set[int]:
    return {item.question_version.question_id for item in exams.items_of(attempt)}


# --- a retry avoids what the last result showed ---------------------------------

def test_a_retry_does_not_repeat_the_questions_whose_answers_were_shown(person):
    failed = sit(person, "inspector", NOW, right=5)  # review: wrong_answers, so 15 answers shown
    shown = exams.shown_in_last_attempt(person.id, "inspector")
    items = exams.items_of(failed)
    assert len(shown) == 15 and shown == {i.question_version.question_id for i in items if not i.correct}
    for seed in range(5):
        retry = exams.start_attempt(person, "inspector", now=NOW + timedelta(minutes=20 + seed),
                                    rng=random.Random(seed))
        assert not question_ids(retry) & shown, seed
        db.session.delete(retry)
        db.session.commit()


def test_the_policy_is_a_setting_of_each_exam_on_by_default(tmp_path):
    from trainer.certification.definitions import load_qualifications
    from trainer.sourcefiles import SourceInvalid

    from tests.exams.test_bank import QUALIFICATIONS

    (tmp_path / "qualifications.yaml").write_text(QUALIFICATIONS, encoding="utf-8")
    assert load_qualifications(tmp_path)["inspector"].exam.fresh_retry is True
    (tmp_path / "qualifications.yaml").write_text(QUALIFICATIONS + "      fresh_retry: false\n", encoding="utf-8")
    assert load_qualifications(tmp_path)["inspector"].exam.fresh_retry is False
    (tmp_path / "qualifications.yaml").write_text(QUALIFICATIONS + "      fresh_retry: sometimes\n", encoding="utf-8")
    with pytest.raises(SourceInvalid) as caught:
        load_qualifications(tmp_path)
    assert "qualifications.yaml:10: 'fresh_retry' must be true or false" in str(caught.value)


def test_a_score_only_result_shows_no_answer_so_nothing_is_avoided(person):
    attempt = sit(person, "inspector", NOW, right=0)
    attempt.review_policy = "score_only"
    db.session.commit()
    assert exams.shown_in_last_attempt(person.id, "inspector") == set()


def blueprint(count: int) -> ExamBlueprint:
    return ExamBlueprint(draw=(DrawRule("m", count),), levels=("inspector",), pass_mark=50, time_limit_minutes=10,
                         attempts_per_window=3, attempt_window_days=30, cooldown_minutes=0, overdue="autosubmit",
                         grace_minutes=0, review="all_answers")


def test_draw_leaves_out_the_avoided_while_the_rest_of_the_pool_suffices():
    candidates = [Candidate("m", "inspector", (), n) for n in range(10)]
    for seed in range(20):
        assert not set(draw(blueprint(4), candidates, random.Random(seed), avoid={0, 1, 2, 3, 4, 5})) & set(range(6))


def test_draw_falls_back_to_the_whole_pool_when_the_rest_is_too_small():
    """Six of ten avoided and five wanted: the four fresh ones cannot fill the rule, so the rule
    draws from its whole pool (an attempt is never refused for want of fresh questions)."""
    candidates = [Candidate("m", "inspector", (), n) for n in range(10)]
    drawn = draw(blueprint(5), candidates, random.Random(3), avoid={0, 1, 2, 3, 4, 5})
    assert len(drawn) == 5 and len(set(drawn)) == 5


# --- HR levers -------------------------------------------------------------------

@pytest.fixture
def hr(ctx):
    from trainer.people.models import Role
    return factories.user(Role.HR)


def test_an_extra_attempt_lets_a_person_start_after_the_limit_and_is_used_once(person, hr):
    for n in range(3):
        sit(person, "inspector", NOW + timedelta(hours=n), right=0)
    later = NOW + timedelta(hours=5)
    assert not exams.eligibility(person, "inspector", later).can_start
    exams.grant_extra_attempt(person, "inspector", "System outage during the second attempt", hr, now=later)
    check = exams.eligibility(person, "inspector", later)
    assert check.can_start and check.attempts_left == 1 and check.extra_attempts == 1
    attempt = sit(person, "inspector", later, right=0)
    allowance = db.session.scalar(select(ExamAllowance))
    assert allowance.used_by_attempt_id == attempt.id
    after = exams.eligibility(person, "inspector", later + timedelta(hours=1))
    assert not after.can_start and after.attempts_left == 0 and after.next_attempt_from is not None


def test_an_extra_attempt_is_not_used_while_the_normal_limit_allows(person, hr):
    exams.grant_extra_attempt(person, "inspector", "Granted in advance", hr, now=NOW)
    assert exams.eligibility(person, "inspector", NOW).attempts_left == 4
    sit(person, "inspector", NOW, right=0)
    assert db.session.scalar(select(ExamAllowance.used_by_attempt_id)) is None


def test_a_cooldown_reset_waives_the_wait_after_the_last_failure_only(person, hr):
    sit(person, "inspector", NOW, right=0)
    soon = NOW + timedelta(minutes=2)
    assert exams.eligibility(person, "inspector", soon).cooldown_until is not None
    exams.reset_cooldown(person, "inspector", "Fire alarm interrupted the attempt", hr, now=soon)
    check = exams.eligibility(person, "inspector", soon)
    assert check.can_start and check.cooldown_waived
    sit(person, "inspector", soon + timedelta(minutes=1), right=0)  # fails again: a new cooldown applies
    assert exams.eligibility(person, "inspector", soon + timedelta(minutes=2)).cooldown_until is not None


def test_levers_need_a_reason_an_exam_another_person_and_a_cooldown_to_reset(person, hr):
    with pytest.raises(exams.ExamError) as refused:
        exams.grant_extra_attempt(person, "inspector", "  ", hr, now=NOW)
    assert refused.value.code == "reason_required"
    with pytest.raises(exams.ExamError) as refused:
        exams.grant_extra_attempt(hr, "inspector", "For myself", hr, now=NOW)
    assert refused.value.code == "self"
    with pytest.raises(exams.ExamError) as refused:
        exams.grant_extra_attempt(person, "nonexistent", "Why", hr, now=NOW)
    assert refused.value.code == "no_exam"
    with pytest.raises(exams.ExamError) as refused:
        exams.reset_cooldown(person, "inspector", "Nothing to wait for", hr, now=NOW)
    assert refused.value.code == "no_cooldown"
    assert db.session.scalar(select(ExamAllowance)) is None


def test_each_lever_is_in_the_audit_trail_with_who_and_why(person, hr):
    sit(person, "inspector", NOW, right=0)
    exams.reset_cooldown(person, "inspector", "Power cut", hr, now=NOW + timedelta(minutes=1))
    exams.grant_extra_attempt(person, "inspector", "Sick during the attempt", hr, now=NOW + timedelta(minutes=2))
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.kind.like("exam.%")).order_by(AuditEvent.id)).all()
    assert [e.kind for e in events] == ["exam.cooldown_reset", "exam.extra_attempt"]
    assert all(e.actor_id == hr.id and e.person_id == person.id for e in events)
    assert [json.loads(e.after)["reason"] for e in events] == ["Power cut", "Sick during the attempt"]
    assert {a.kind for a in exams.allowances_of(person.id)} == {AllowanceKind.EXTRA_ATTEMPT, AllowanceKind.COOLDOWN_RESET}
