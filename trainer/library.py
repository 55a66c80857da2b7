"""Everything the repository defines for the app — modules, qualification
definitions and the question bank — validated together and loaded in one
transaction: `flask trainer check-content` / `sync-content` and the admin
"Load content" button all come through here."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from trainer import policies
from trainer.people.models import User
from trainer.audit_log import services as audit_trail
from trainer.certification.definitions import Qualification, load_qualifications
from trainer.content.loader import ModuleSource, load_modules
from trainer.content.services import SyncReport, sync_modules
from trainer.exams.bank import QuestionSource, area_coverage_issues, load_bank
from trainer.exams.services import BankReport, sync_questions
from trainer.extensions import db
from trainer.sourcefiles import SourceInvalid


@dataclass
class Sources:
    qualifications: dict[str, Qualification]
    modules: list[ModuleSource]
    questions: list[QuestionSource]


def read_all(content_dir: Path | None = None, bank_dir: Path | None = None) -> Sources:
    """Validate every file; raise SourceInvalid listing every problem found."""
    content_dir = content_dir or current_app.config["CONTENT_DIR"]
    bank_dir = bank_dir or current_app.config["QUESTION_BANK_DIR"]
    qualifications = load_qualifications(bank_dir)
    issues = []
    modules: list[ModuleSource] = []
    try:
        modules = load_modules(content_dir, set(qualifications))
    except SourceInvalid as error:
        issues += error.issues
    slugs = {m.slug for m in modules} or {p.name for p in content_dir.iterdir() if p.is_dir()}
    questions: list[QuestionSource] = []
    try:
        questions = load_bank(bank_dir, slugs, qualifications)
    except SourceInvalid as error:
        issues += error.issues
    issues += _policy_issues(current_app.config["POLICIES_DIR"], set(qualifications))
    if questions:
        issues += area_coverage_issues(bank_dir, qualifications, inspection_areas())
    issues += _reading_time_issues(modules)
    if issues:
        raise SourceInvalid(issues)
    return Sources(qualifications, modules, questions)


def inspection_areas(policies_dir: Path | None = None) -> tuple[str, ...]:
    """The areas every report covers (policies/inspection.yaml); none if that file is invalid,
    which its own check reports."""
    from trainer.inspections.policy import load_inspection_policy

    try:
        return load_inspection_policy(policies_dir or current_app.config["POLICIES_DIR"]).area_codes
    except SourceInvalid:
        return ()


def _reading_time_issues(modules: list[ModuleSource]) -> list:
    from trainer.content.policy import load_reading_policy, reading_time_issues

    try:
        policy = load_reading_policy(current_app.config["POLICIES_DIR"])
    except SourceInvalid:
        return []  # reported by _policy_issues
    return reading_time_issues(modules, policy)


def _policy_issues(policies_dir: Path, qualification_codes: set[str]) -> list:
    """Every file in policies/ is read by its own feature's loader; collect their complaints."""
    from trainer.content.policy import load_reading_policy
    from trainer.inspections.policy import load_inspection_policy, load_rubric
    from trainer.ledger.catalogue import load_catalogue

    from trainer.escalations.policy import load_escalation_policy

    issues = []
    for load in (load_inspection_policy, load_rubric, load_reading_policy, load_escalation_policy):
        try:
            load(policies_dir)
        except SourceInvalid as error:
            issues += error.issues
    from trainer.evaluation.policy import load_policy as load_evaluation_policy

    for load in (load_catalogue, load_evaluation_policy):
        try:
            issues += load(policies_dir).check_against(qualification_codes)
        except SourceInvalid as error:
            issues += error.issues
    return issues


def sync_all(sources: Sources, actor: User | None = None) -> tuple[SyncReport, BankReport]:
    """Load modules and questions in the caller's transaction (one: the caller commits it, or nothing is
    loaded); a change is recorded in the audit trail."""
    modules = sync_modules(sources.modules)
    db.session.flush()
    questions = sync_questions(sources.questions)
    if modules.changed or questions.added or questions.new_version or questions.retired:
        audit_trail.record("content.loaded", "content", actor=actor, after={
            "modules_added": modules.added, "modules_new_version": modules.new_version,
            "modules_text_changed": modules.text_changed, "modules_retired": modules.retired,
            "questions_added": questions.added, "questions_new_version": questions.new_version,
            "questions_retired": questions.retired})
    policies.clear()  # definitions may have changed
    return modules, questions
