"""Exam statistics (item analysis), as in Moodle's quiz statistics report.

Everything but `load` is a pure function over plain data, so the figures can
be checked against examples worked by hand. Items are dichotomous: a question
scores 1 only when the answer is exactly right (see exams.grading).

Attempts draw different questions from the bank, so per question we use the
attempts that saw that version; its "rest of the test" is the attempt's
number correct minus this item. The test's KR-20 treats the positions in an
attempt as its items (the shuffled draw makes every position a random item),
which is what Moodle does for random questions. Variances are sample
variances (n − 1), as in Moodle; for correlations and KR-20 the choice cancels.
"""
from __future__ import annotations

import math
import statistics as stats
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from trainer.exams.models import AttemptItem, AttemptStatus, ExamAttempt, Question, QuestionVersion
from trainer.extensions import db

TOO_HARD_BELOW = 20.0  # facility, percent
TOO_EASY_ABOVE = 90.0
WEAK_DISCRIMINATION_BELOW = 0.2
GROUP_FRACTION = 0.27  # upper and lower groups for the distractor analysis (Kelley)
BIN_WIDTH = 10  # score distribution, in percentage points

FLAG_TOO_HARD, FLAG_TOO_EASY, FLAG_WEAK, FLAG_NEGATIVE = "too_hard", "too_easy", "weak", "negative"


# --- plain data ------------------------------------------------------------------

@dataclass(frozen=True)
class Response:
    """One question in one graded attempt."""
    version_id: int
    correct: bool
    selected: tuple[str, ...] = ()  # option ids; empty: unanswered


@dataclass(frozen=True)
class Sitting:
    """One graded attempt: its recorded score (percent) and its responses."""
    attempt_id: int
    score: int
    responses: tuple[Response, ...]

    @property
    def correct_count(self) -> int:
        return sum(r.correct for r in self.responses)


@dataclass(frozen=True)
class VersionInfo:
    version_id: int
    qid: str
    version: int
    body: dict


@dataclass(frozen=True)
class Summary:
    attempts: int
    mean: float | None
    median: float | None
    sd: float | None
    kr20: float | None
    sem: float | None


@dataclass(frozen=True)
class OptionCount:
    option_id: str
    correct: bool
    chosen: int
    upper: int
    lower: int


@dataclass(frozen=True)
class ItemStats:
    version_id: int
    seen: int
    facility: float | None  # percent correct
    sd: float | None
    discrimination: float | None  # point-biserial with the rest of the test, -1..1
    efficiency: float | None  # percent, Moodle's discriminative efficiency
    flags: tuple[str, ...]
    options: tuple[OptionCount, ...] = ()
    unanswered: int = 0
    upper_seen: int = 0
    lower_seen: int = 0


@dataclass
class Report:
    summary: Summary
    items: list[ItemStats]
    distribution: list[tuple[int, int, int]]  # (from, to, attempts)
    versions: dict[int, VersionInfo] = field(default_factory=dict)


# --- the numbers -----------------------------------------------------------------

def _sd(values: list[float]) -> float | None:
    return stats.stdev(values) if len(values) > 1 else None


def _covariance(xs: list[float], ys: list[float]) -> float:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (len(xs) - 1)


def point_biserial(item: list[int], rest: list[int]) -> float | None:
    """Pearson correlation of the 0/1 item score with the rest score; None if either does not vary."""
    if len(item) < 2:
        return None
    vi, vr = _covariance(item, item), _covariance(rest, rest)
    if vi == 0 or vr == 0:
        return None
    return _covariance(item, rest) / math.sqrt(vi * vr)


def discriminative_efficiency(item: list[int], rest: list[int]) -> float | None:
    """Moodle's definition: 100 × cov(item, rest) / the largest covariance those same
    values could have, reached when both are sorted the same way. None when that maximum is 0."""
    if len(item) < 2:
        return None
    most = _covariance(sorted(item), sorted(rest))
    if most == 0:
        return None
    return 100 * _covariance(item, rest) / most


def kr20(matrix: list[list[int]]) -> float | None:
    """Kuder-Richardson 20 of a people × items 0/1 matrix (rows of equal length).
    None with fewer than two people or items, or when the totals do not vary."""
    if len(matrix) < 2 or len(matrix[0]) < 2:
        return None
    k = len(matrix[0])
    totals = [sum(row) for row in matrix]
    total_variance = _covariance(totals, totals)
    if total_variance == 0:
        return None
    item_variance = sum(_covariance(column, column) for column in map(list, zip(*matrix)))
    return k / (k - 1) * (1 - item_variance / total_variance)


def flags(facility: float | None, discrimination: float | None) -> tuple[str, ...]:
    found = []
    if facility is not None and facility < TOO_HARD_BELOW:
        found.append(FLAG_TOO_HARD)
    if facility is not None and facility > TOO_EASY_ABOVE:
        found.append(FLAG_TOO_EASY)
    if discrimination is not None and discrimination < 0:
        found.append(FLAG_NEGATIVE)
    elif discrimination is not None and discrimination < WEAK_DISCRIMINATION_BELOW:
        found.append(FLAG_WEAK)
    return tuple(found)


def summarise(sittings: list[Sitting]) -> Summary:
    scores = [float(s.score) for s in sittings]
    if not scores:
        return Summary(0, None, None, None, None, None)
    sd = _sd(scores)
    # KR-20 needs one item count: use the attempts with the usual number of questions.
    lengths = [len(s.responses) for s in sittings]
    usual = max(set(lengths), key=lambda n: (lengths.count(n), n))
    reliability = kr20([[int(r.correct) for r in s.responses] for s in sittings if len(s.responses) == usual])
    sem = sd * math.sqrt(1 - reliability) if sd is not None and reliability is not None and reliability <= 1 else None
    return Summary(len(scores), stats.fmean(scores), stats.median(scores), sd, reliability, sem)


def distribution(scores: list[int]) -> list[tuple[int, int, int]]:
    """Attempts per 10-point bin: 0–9, 10–19, …, 90–100 (a full score joins the last bin)."""
    counts = [0] * (100 // BIN_WIDTH)
    for score in scores:
        counts[min(int(score) // BIN_WIDTH, len(counts) - 1)] += 1
    return [(i * BIN_WIDTH, i * BIN_WIDTH + BIN_WIDTH - 1 + (i == len(counts) - 1), n) for i, n in enumerate(counts)]


def groups(sittings: list[Sitting]) -> tuple[set[int], set[int]]:
    """Attempt ids of the upper and lower 27% by score (ties broken by attempt id, so it repeats).
    Empty with fewer than two attempts: one person is no comparison."""
    if len(sittings) < 2:
        return set(), set()
    size = max(1, int(GROUP_FRACTION * len(sittings) + 0.5))
    ranked = sorted(sittings, key=lambda s: (s.score, s.attempt_id))
    return {s.attempt_id for s in ranked[-size:]}, {s.attempt_id for s in ranked[:size]}


def item_stats(sittings: list[Sitting], bodies: dict[int, dict] | None = None) -> list[ItemStats]:
    """Per question version, over the attempts that saw it. `bodies` (version id → body)
    give the options for the distractor analysis."""
    bodies = bodies or {}
    upper, lower = groups(sittings)
    seen: dict[int, list[tuple[Sitting, Response]]] = {}
    for sitting in sittings:
        for response in sitting.responses:
            seen.setdefault(response.version_id, []).append((sitting, response))
    result = []
    for version_id, pairs in seen.items():
        item = [int(r.correct) for _s, r in pairs]
        rest = [s.correct_count - int(r.correct) for s, r in pairs]
        facility = 100 * sum(item) / len(item)
        discrimination = point_biserial(item, rest)
        options = tuple(
            OptionCount(option["id"], bool(option["correct"]),
                        sum(option["id"] in r.selected for _s, r in pairs),
                        sum(option["id"] in r.selected for s, r in pairs if s.attempt_id in upper),
                        sum(option["id"] in r.selected for s, r in pairs if s.attempt_id in lower))
            for option in bodies.get(version_id, {}).get("options", []))
        result.append(ItemStats(
            version_id, len(pairs), facility, _sd(item), discrimination, discriminative_efficiency(item, rest),
            flags(facility, discrimination), options, sum(not r.selected for _s, r in pairs),
            sum(s.attempt_id in upper for s, _r in pairs), sum(s.attempt_id in lower for s, _r in pairs)))
    return result


def analyse(sittings: list[Sitting], versions: dict[int, VersionInfo]) -> Report:
    items = item_stats(sittings, {v: info.body for v, info in versions.items()})
    items.sort(key=lambda i: (versions[i.version_id].qid, versions[i.version_id].version)
               if i.version_id in versions else ("", i.version_id))
    return Report(summarise(sittings), items, distribution([s.score for s in sittings]), versions)


# --- loading ---------------------------------------------------------------------

def load(qualification: str, start: datetime | None = None, end: datetime | None = None) -> Report:
    """The graded attempts at `qualification` submitted in [start, end), in three queries
    whatever their number: attempts, their items, and the question versions seen."""
    graded = select(ExamAttempt.id).where(
        ExamAttempt.qualification == qualification, ExamAttempt.status == AttemptStatus.SUBMITTED,
        ExamAttempt.score.is_not(None))
    if start is not None:
        graded = graded.where(ExamAttempt.submitted_at >= start)
    if end is not None:
        graded = graded.where(ExamAttempt.submitted_at < end)
    scores = dict(db.session.execute(
        select(ExamAttempt.id, ExamAttempt.score).where(ExamAttempt.id.in_(graded)).order_by(ExamAttempt.id)).all())
    responses: dict[int, list[Response]] = {attempt_id: [] for attempt_id in scores}
    for attempt_id, version_id, correct, selected in db.session.execute(
            select(AttemptItem.attempt_id, AttemptItem.question_version_id, AttemptItem.correct, AttemptItem.selected)
            .where(AttemptItem.attempt_id.in_(graded)).order_by(AttemptItem.attempt_id, AttemptItem.position)):
        if attempt_id in responses:  # an attempt graded between the two reads waits for the next page view
            responses[attempt_id].append(Response(version_id, bool(correct), tuple(selected or ())))
    versions = {row.id: VersionInfo(row.id, row.qid, row.version, row.body) for row in db.session.execute(
        select(QuestionVersion.id, QuestionVersion.version, QuestionVersion.body, Question.qid)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.id.in_(select(AttemptItem.question_version_id).where(AttemptItem.attempt_id.in_(graded)))))}
    sittings = [Sitting(attempt_id, score, tuple(responses[attempt_id])) for attempt_id, score in scores.items()]
    return analyse(sittings, versions)
