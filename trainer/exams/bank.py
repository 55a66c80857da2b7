"""Reads `question_bank/*.yaml` into validated question sources.

Every problem is reported as `file:line: message`; nothing is loaded when
any file is invalid. Cross-checks: modules exist, tags are known, ids are
unique across the bank, every exam blueprint can be drawn, every question
can be drawn by some exam, and the option lengths give no answer away;
`area_coverage_issues` checks (with the inspection policy) that every exam
covers all eight areas.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from trainer.certification.definitions import DEFINITIONS_FILE, LEVELS, LOCALES, ExamBlueprint, Qualification
from trainer.exams.drawing import Candidate, rule_pool
from trainer.sourcefiles import LineDict, SourceInvalid, SourceIssue, display_path, parse_yaml, read_text

TAGS_FILE = "tags.yaml"
KINDS = ("single", "multiple", "true_false")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_OPTIONS, MAX_OPTIONS = 3, 6
TRUE_FALSE_LABELS = {"true": {"es": "Verdadero", "en": "True"}, "false": {"es": "Falso", "en": "False"}}


@dataclass
class QuestionSource:
    qid: str
    module: str
    level: str
    tags: list[str]
    difficulty: int
    kind: str
    body: dict  # scenario, text, options [{id, es, en, correct}], explanation
    path: str
    line: int

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def load_bank(bank_dir: Path, module_slugs: set[str], qualifications: dict[str, Qualification]) -> list[QuestionSource]:
    issues: list[SourceIssue] = []
    tags = _load_tags(bank_dir, module_slugs, issues)
    questions: list[QuestionSource] = []
    seen: dict[str, QuestionSource] = {}
    files = sorted(p for p in bank_dir.glob("*.yaml") if p.name not in {DEFINITIONS_FILE, TAGS_FILE})
    for path in files:
        for question in _load_file(path, bank_dir, module_slugs, tags, issues):
            if question.qid in seen:
                first = seen[question.qid]
                issues.append(SourceIssue(question.path, question.line,
                                          f"duplicate id '{question.qid}' (first at {first.path}:{first.line})"))
                continue
            seen[question.qid] = question
            questions.append(question)
    if not issues:
        _check_blueprints(bank_dir, qualifications, questions, tags, issues)
        _check_drawable(bank_dir, qualifications, questions, issues)
        _check_length_cues(bank_dir, questions, issues)
    if issues:
        raise SourceInvalid(issues)
    return questions


def _load_tags(bank_dir: Path, module_slugs: set[str], issues: list[SourceIssue]) -> dict[str, str]:
    path = bank_dir / TAGS_FILE
    shown = display_path(path, bank_dir)
    if not path.is_file():
        issues.append(SourceIssue(shown, 1, "file missing"))
        return {}
    text, issue = read_text(path, shown)
    data, issue = (None, issue) if issue else parse_yaml(text, shown)
    if issue:
        issues.append(issue)
        return {}
    tags = data.get("tags") if isinstance(data, LineDict) else None
    if not isinstance(tags, LineDict):
        issues.append(SourceIssue(shown, 1, "expected a 'tags' mapping of tag: module"))
        return {}
    for tag, module in tags.items():
        if module not in module_slugs:
            issues.append(SourceIssue(shown, tags.line_of(tag), f"tag '{tag}' names unknown module '{module}'"))
    return dict(tags)


def _load_file(path: Path, root: Path, module_slugs: set[str], tags: dict[str, str],
               issues: list[SourceIssue]) -> list[QuestionSource]:
    shown = display_path(path, root)
    text, issue = read_text(path, shown)
    data, issue = (None, issue) if issue else parse_yaml(text, shown)
    if issue:
        issues.append(issue)
        return []
    if not isinstance(data, LineDict) or not isinstance(data.get("questions"), list):
        issues.append(SourceIssue(shown, 1, "expected 'module' and a list of 'questions'"))
        return []
    module = data.get("module")
    if module not in module_slugs:
        issues.append(SourceIssue(shown, data.line_of("module"), f"unknown module '{module}'"))
        return []
    result = []
    for raw in data["questions"]:
        if not isinstance(raw, LineDict):
            issues.append(SourceIssue(shown, data.line_of("questions"), "each question must be a mapping"))
            continue
        question = _check_question(raw, module, shown, tags, issues)
        if question is not None:
            result.append(question)
    return result


def _check_question(raw: LineDict, module: str, shown: str, tags: dict[str, str],
                    issues: list[SourceIssue]) -> QuestionSource | None:
    start = len(issues)

    def problem(key: str | None, message: str) -> None:
        issues.append(SourceIssue(shown, raw.line_of(key) if key else raw.line, message))

    qid = raw.get("id")
    if not isinstance(qid, str) or not ID_RE.match(qid):
        problem("id", "'id' must be lowercase letters, digits and '-'")
        qid = "?"
    label = f"question '{qid}'"
    if raw.get("level") not in LEVELS:
        problem("level", f"{label}: 'level' must be one of: {', '.join(LEVELS)}")
    kind = raw.get("type")
    if kind not in KINDS:
        problem("type", f"{label}: 'type' must be one of: {', '.join(KINDS)}")
    difficulty = raw.get("difficulty")
    if not isinstance(difficulty, int) or isinstance(difficulty, bool) or not 1 <= difficulty <= 3:
        problem("difficulty", f"{label}: 'difficulty' must be 1, 2 or 3")
    question_tags = raw.get("tags") or []
    if not isinstance(question_tags, list) or not question_tags:
        problem("tags", f"{label}: 'tags' must be a non-empty list")
        question_tags = []
    for tag in question_tags:
        if tag not in tags:
            problem("tags", f"{label}: unknown tag '{tag}' (see tags.yaml)")
    body = {
        "scenario": _texts(raw, "scenario", label, problem, required=False),
        "text": _texts(raw, "text", label, problem),
        "explanation": _texts(raw, "explanation", label, problem),
        "options": _options(raw, kind, label, problem),
        "kind": kind,  # kept with the text: grading a past attempt needs the kind it was shown as
    }
    if len(issues) > start:
        return None
    return QuestionSource(qid, module, raw["level"], list(question_tags), difficulty, kind, body, shown, raw.line)


def _texts(raw: LineDict, key: str, label: str, problem, required: bool = True) -> dict | None:
    value = raw.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        problem(key if key in raw else None, f"{label}: '{key}' needs text in es and en")
        return None
    missing = [loc for loc in LOCALES if not isinstance(value.get(loc), str) or not value[loc].strip()]
    if missing:
        problem(key, f"{label}: '{key}' is missing language(s): {', '.join(missing)}")
        return None
    return {loc: value[loc].strip() for loc in LOCALES}


def _options(raw: LineDict, kind: str, label: str, problem) -> list[dict]:
    if kind == "true_false":
        if "options" in raw:
            problem("options", f"{label}: a true_false question has no options; use 'answer: true|false'")
        answer = raw.get("answer")
        if not isinstance(answer, bool):
            problem("answer" if "answer" in raw else None, f"{label}: true_false needs 'answer: true' or 'answer: false'")
            return []
        return [{"id": key, **TRUE_FALSE_LABELS[key], "correct": answer == (key == "true")} for key in ("true", "false")]
    if "answer" in raw:
        problem("answer", f"{label}: 'answer' is only for true_false; mark options with 'correct: true'")
    options = raw.get("options")
    if not isinstance(options, list) or not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        problem("options" if "options" in raw else None, f"{label}: needs {MIN_OPTIONS} to {MAX_OPTIONS} options")
        return []
    result, ids = [], set()
    for option in options:
        line_key = "options"
        if not isinstance(option, LineDict) or not isinstance(option.get("id"), str):
            problem(line_key, f"{label}: each option needs an 'id'")
            continue
        if option["id"] in ids:
            problem(line_key, f"{label}: option id '{option['id']}' is used twice")
        ids.add(option["id"])
        missing = [loc for loc in LOCALES if not isinstance(option.get(loc), str) or not option[loc].strip()]
        if missing:
            problem(line_key, f"{label}: option '{option['id']}' is missing language(s): {', '.join(missing)}")
            continue
        correct = option.get("correct", False)
        if not isinstance(correct, bool):
            problem(line_key, f"{label}: option '{option['id']}': 'correct' must be true or false")
        result.append({"id": option["id"], "es": option["es"].strip(), "en": option["en"].strip(), "correct": correct is True})
    right = sum(1 for o in result if o["correct"])
    if kind == "single" and right != 1:
        problem("options", f"{label}: a single-choice question needs exactly one correct option (has {right})")
    if kind == "multiple" and right < 1:
        problem("options", f"{label}: no correct option")
    if kind == "multiple" and right == len(result):
        problem("options", f"{label}: every option is correct; keep at least one wrong option")
    return result


def _check_blueprints(bank_dir: Path, qualifications: dict[str, Qualification], questions: list[QuestionSource],
                      tags: dict[str, str], issues: list[SourceIssue]) -> None:
    """Each draw rule must find enough questions, for its count and for each `min_per_tag`."""
    shown = display_path(bank_dir / DEFINITIONS_FILE, bank_dir)
    candidates = candidates_of(questions)
    for qualification in qualifications.values():
        exam = qualification.exam
        if exam is None:
            continue
        for rule in exam.draw:
            label = f"{qualification.code}: draws {rule.count} from '{rule.module}'"
            if rule.module not in {q.module for q in questions}:
                issues.append(SourceIssue(shown, rule.line, f"{qualification.code}: no questions for module '{rule.module}'"))
                continue
            pool = rule_pool(rule, exam.levels, candidates)
            if len(pool) < rule.count:
                issues.append(SourceIssue(shown, rule.line, f"{label} but the bank has only {len(pool)} such questions"))
            for tag, need in rule.min_per_tag:
                if tags.get(tag) != rule.module:
                    issues.append(SourceIssue(shown, rule.line, f"{label}: min_per_tag names '{tag}', "
                                              f"which is not a tag of that module in tags.yaml"))
                    continue
                have = sum(1 for i in pool if tag in candidates[i].tags)
                if have < need:
                    issues.append(SourceIssue(shown, rule.line, f"{label}: needs at least {need} tagged '{tag}' "
                                              f"but the bank has only {have} such questions"))


def candidates_of(questions: list[QuestionSource]) -> list[Candidate[QuestionSource]]:
    return [Candidate(q.module, q.level, tuple(q.tags), q) for q in questions]


def _check_drawable(bank_dir: Path, qualifications: dict[str, Qualification], questions: list[QuestionSource],
                    issues: list[SourceIssue]) -> None:
    """A question no blueprint can draw is dead weight that looks like coverage."""
    candidates = candidates_of(questions)
    drawable: set[int] = set()
    for qualification in qualifications.values():
        if qualification.exam is not None:
            for rule in qualification.exam.draw:
                drawable.update(rule_pool(rule, qualification.exam.levels, candidates))
    for i, question in enumerate(questions):
        if i not in drawable:
            issues.append(SourceIssue(question.path, question.line, f"question '{question.qid}' can never be drawn: "
                                      f"no exam in {DEFINITIONS_FILE} draws {question.level}-level questions "
                                      f"from '{question.module}' with its tags"))


# --- coverage of the inspection areas ------------------------------------------
# Every exam covers all eight areas of a report. An area is covered for sure when
# some rule guarantees a question tagged with it: a `min_per_tag` entry, or a rule
# that draws only that tag. Area codes come from policies/inspection.yaml
# (`fund_use`), tags from tags.yaml (`fund-use`).

def area_tag(area_code: str) -> str:
    return area_code.replace("_", "-")


def guaranteed_tags(exam: ExamBlueprint) -> set[str]:
    """The tags every draw of this exam is sure to include."""
    tags: set[str] = set()
    for rule in exam.draw:
        tags.update(tag for tag, need in rule.min_per_tag if need > 0)
        if len(rule.tags) == 1:
            tags.add(rule.tags[0])
    return tags


def uncovered_areas(qualifications: dict[str, Qualification], area_codes: Sequence[str]) -> dict[str, list[str]]:
    """Per qualification with an exam, the areas (tags) some of its draws could miss."""
    return {code: [area_tag(a) for a in area_codes if area_tag(a) not in guaranteed_tags(q.exam)]
            for code, q in qualifications.items() if q.exam is not None}


def area_coverage_issues(bank_dir: Path, qualifications: dict[str, Qualification],
                         area_codes: Sequence[str]) -> list[SourceIssue]:
    shown = display_path(bank_dir / DEFINITIONS_FILE, bank_dir)
    return [SourceIssue(shown, qualifications[code].line,
                        f"{code}: the exam does not cover every inspection area: no rule guarantees a question "
                        f"tagged {', '.join(repr(t) for t in missing)} (add them to a rule's min_per_tag)")
            for code, missing in uncovered_areas(qualifications, area_codes).items() if missing]


# --- answer-length cues -------------------------------------------------------
# A test-wise candidate who picks "the longest option" (or the second-longest,
# or the shortest) without reading should score what chance gives. With ~90
# single-choice questions the share of keys at one length rank varies by about
# 4.5 points from chance (binomial SD at p = 0.25), so a margin of 15 points is
# about three SDs: random variation stays under it, a systematic cue does not.
# Below MIN_CUE_SAMPLE questions the share is too noisy to judge.
LENGTH_CUE_MARGIN = 15  # percentage points above chance
MIN_CUE_SAMPLE = 30
CUE_RANKS = (("longest", 0), ("second-longest", 1), ("shortest", -1))


@dataclass
class LengthCues:
    locale: str
    questions: int
    share: dict[str, float]   # rank name -> % of keys at that length rank
    chance: dict[str, float]  # rank name -> % expected by chance, given each question's option count

    @property
    def excess(self) -> dict[str, float]:
        return {rank: self.share[rank] - self.chance[rank] for rank in self.share}

    @property
    def too_strong(self) -> list[str]:
        if self.questions < MIN_CUE_SAMPLE:
            return []
        return [rank for rank, over in self.excess.items() if over > LENGTH_CUE_MARGIN]

    def __str__(self) -> str:
        parts = ", ".join(f"{rank} {self.share[rank]:.0f}% (chance {self.chance[rank]:.0f}%)" for rank in self.share)
        return f"{self.locale}: key is the {parts} over {self.questions} single-choice questions"


def length_cues(questions: list[QuestionSource]) -> list[LengthCues]:
    """Where the correct option of each single-choice question ranks by length, per language.
    Options of equal length share the ranks they tie for."""
    single = [q for q in questions if q.kind == "single"]
    result = []
    for locale in LOCALES:
        share = dict.fromkeys((name for name, _ in CUE_RANKS), 0.0)
        chance = dict(share)
        for question in single:
            options = question.body["options"]
            lengths = sorted((len(o[locale]) for o in options), reverse=True)
            key = len(next(o for o in options if o["correct"])[locale])
            tied = [rank for rank, length in enumerate(lengths) if length == key]
            for name, position in CUE_RANKS:
                rank = position % len(options)
                share[name] += (rank in tied) / len(tied)
                chance[name] += 1 / len(options)
        n = len(single) or 1
        result.append(LengthCues(locale, len(single), {k: 100 * v / n for k, v in share.items()},
                                 {k: 100 * v / n for k, v in chance.items()}))
    return result


def _check_length_cues(bank_dir: Path, questions: list[QuestionSource], issues: list[SourceIssue]) -> None:
    shown = display_path(bank_dir, bank_dir)
    for cues in length_cues(questions):
        for rank in cues.too_strong:
            issues.append(SourceIssue(shown, 0, (
                f"answer-length cue in '{cues.locale}': the correct option is the {rank} one in "
                f"{cues.share[rank]:.0f}% of single-choice questions against {cues.chance[rank]:.0f}% by chance "
                f"(limit: chance + {LENGTH_CUE_MARGIN} points); vary which option is longest")))
