"""Item analysis against examples worked by hand.

The main example: 5 people × 4 questions (versions 1–4), 1 = right.

          Q1 Q2 Q3 Q4  total  score
    P1     1  1  1  1    4     100
    P2     1  1  1  0    3      75
    P3     1  1  0  0    2      50
    P4     1  0  1  0    2      50
    P5     0  0  0  1    1      25

Totals: mean 2.4, deviations 1.6 .6 -.4 -.4 -1.4, squares sum 5.2, sample variance 5.2/4 = 1.3.
Scores are totals × 25: mean 60, median 50, variance 1.3 × 625 = 812.5, SD √812.5 ≈ 28.504.
Item sample variances p(1-p)·5/4: Q1 .16·1.25 = .2, Q2-Q4 .24·1.25 = .3; sum 1.1.
KR-20 = 4/3 · (1 − 1.1/1.3) = 4/3 · 2/13 = 8/39 ≈ 0.2051.  SEM = √812.5 · √(31/39).

Q1: item 1 1 1 1 0, rest (total − item) 3 2 1 1 1 (mean 1.6).
    Σ dev·dev = .2·1.4 + .2·.4 + .2·(−.6)·2 + (−.8)(−.6) = .6 → cov .15; var rest 3.2/4 = .8.
    r = .15 / √(.2·.8) = .375. Sorted item 0 1 1 1 1 vs sorted rest 1 1 1 2 3 gives the
    same Σ = .6, so efficiency = 100%.
Q2: item 1 1 1 0 0, rest 3 2 1 2 1 (mean 1.8). Σ = .48+.08−.32−.12+.48 = .6 → cov .15;
    var rest 2.8/4 = .7; r = .15/√.21 ≈ .3273. Sorted: 0 0 1 1 1 vs 1 1 2 2 3 → Σ 1.6, max cov .4,
    efficiency 100·.15/.4 = 37.5%.
Q3: item 1 1 0 1 0, rest 3 2 2 1 1: same sums as Q2 → r ≈ .3273, efficiency 37.5%.
Q4: item 1 0 0 0 1, rest 3 3 2 2 0 (mean 2). Σ = .6 − .4 + 0 + 0 − 1.2 = −1 → cov −.25;
    var rest 6/4 = 1.5; r = −.25/√.45 ≈ −.3727 (negative: check the key).
    Sorted 0 0 0 1 1 vs 0 2 2 3 3 → Σ = .8+.6+.6 = 2 → max cov .5; efficiency −50%.
Groups: 27% of 5 rounds to 1: upper = P1, lower = P5.
"""
import math

import pytest

from trainer.exams import statistics as st

MATRIX = [[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 1]]
OPTIONS = {"options": [{"id": "a", "correct": True}, {"id": "b", "correct": False}, {"id": "c", "correct": False}]}


def sittings(matrix, skipped=()):
    """Right answers choose "a", wrong ones "b"; (person, question) in `skipped` are left unanswered."""
    return [st.Sitting(person, 100 * sum(row) // len(row), tuple(
        st.Response(version, bool(right), ("a",) if right else (() if (person, version) in skipped else ("b",)))
        for version, right in enumerate(row, start=1)))
        for person, row in enumerate(matrix, start=1)]


def by_version(items):
    return {i.version_id: i for i in items}


def test_test_statistics_match_the_hand_computation():
    summary = st.summarise(sittings(MATRIX))
    assert summary.attempts == 5
    assert summary.mean == pytest.approx(60)
    assert summary.median == pytest.approx(50)
    assert summary.sd == pytest.approx(math.sqrt(812.5))
    assert summary.kr20 == pytest.approx(8 / 39)
    assert summary.sem == pytest.approx(math.sqrt(812.5) * math.sqrt(31 / 39))
    assert st.kr20(MATRIX) == pytest.approx(8 / 39)


def test_item_statistics_match_the_hand_computation():
    items = by_version(st.item_stats(sittings(MATRIX), {v: OPTIONS for v in range(1, 5)}))
    assert [items[v].facility for v in range(1, 5)] == pytest.approx([80, 60, 60, 40])
    assert [items[v].sd for v in range(1, 5)] == pytest.approx([math.sqrt(.2)] + [math.sqrt(.3)] * 3)
    assert [items[v].discrimination for v in range(1, 5)] == pytest.approx(
        [.375, .15 / math.sqrt(.21), .15 / math.sqrt(.21), -.25 / math.sqrt(.45)])
    assert [items[v].efficiency for v in range(1, 5)] == pytest.approx([100, 37.5, 37.5, -50])
    assert all(items[v].seen == 5 for v in range(1, 5))
    assert items[4].flags == (st.FLAG_NEGATIVE,)
    assert items[1].flags == items[2].flags == ()


def test_distractors_count_everyone_and_the_upper_and_lower_groups():
    # P4 leaves Q4 unanswered. Q4: "a" by P1 (upper) and P5 (lower), "b" by P2 and P3.
    q4 = by_version(st.item_stats(sittings(MATRIX, skipped={(4, 4)}), {4: OPTIONS}))[4]
    assert [(o.option_id, o.correct, o.chosen, o.upper, o.lower) for o in q4.options] == [
        ("a", True, 2, 1, 1), ("b", False, 2, 0, 0), ("c", False, 0, 0, 0)]
    assert (q4.unanswered, q4.upper_seen, q4.lower_seen) == (1, 1, 1)
    # Q1: only P5 (the lower group) got it wrong.
    q1 = by_version(st.item_stats(sittings(MATRIX), {1: OPTIONS}))[1]
    assert [(o.chosen, o.upper, o.lower) for o in q1.options] == [(4, 1, 0), (1, 0, 1), (0, 0, 0)]


def test_groups_are_27_percent_of_the_attempts():
    many = sittings([[1] * (i % 5) + [0] * (4 - i % 5) for i in range(20)])
    upper, lower = st.groups(many)
    assert len(upper) == len(lower) == 5  # 27% of 20 = 5.4
    assert min(s.score for s in many if s.attempt_id in upper) >= max(s.score for s in many if s.attempt_id in lower)


def test_score_distribution_in_ten_point_bins():
    bins = st.distribution([100, 75, 50, 50, 25, 0, 9, 10])
    assert bins[0] == (0, 9, 2) and bins[1] == (10, 19, 1) and bins[2] == (20, 29, 1)
    assert bins[5] == (50, 59, 2) and bins[7] == (70, 79, 1) and bins[9] == (90, 100, 1)
    assert sum(n for _a, _b, n in bins) == 8 and len(bins) == 10


@pytest.mark.parametrize("facility, discrimination, expected", [
    (19.9, .5, (st.FLAG_TOO_HARD,)), (20, .5, ()), (90, .5, ()), (90.1, .5, (st.FLAG_TOO_EASY,)),
    (50, .19, (st.FLAG_WEAK,)), (50, .2, ()), (50, -.01, (st.FLAG_NEGATIVE,)), (50, None, ()),
    (10, -.3, (st.FLAG_TOO_HARD, st.FLAG_NEGATIVE)),
])
def test_flags_use_the_thresholds(facility, discrimination, expected):
    assert st.flags(facility, discrimination) == expected


def test_one_attempt_has_no_spread():
    summary = st.summarise(sittings([[1, 1, 0, 0]]))
    assert (summary.attempts, summary.mean, summary.median) == (1, 50, 50)
    assert summary.sd is summary.kr20 is summary.sem is None
    item = st.item_stats(sittings([[1, 1, 0, 0]]))[0]
    assert item.facility == 100 and item.sd is item.discrimination is item.efficiency is None
    assert st.groups(sittings([[1, 1, 0, 0]])) == (set(), set())


def test_everyone_with_the_same_answers_leaves_reliability_and_discrimination_undefined():
    same = sittings([[1, 1, 0, 0]] * 3)
    summary = st.summarise(same)
    assert summary.sd == 0 and summary.kr20 is None and summary.sem is None
    assert all(i.discrimination is None and i.efficiency is None for i in st.item_stats(same))


def test_no_attempts():
    report = st.analyse([], {})
    assert report.summary == st.Summary(0, None, None, None, None, None)
    assert report.items == [] and sum(n for _a, _b, n in report.distribution) == 0
