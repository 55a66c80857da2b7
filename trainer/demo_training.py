"""Demo data for training batches run to their assessment, exam statistics, a credit
staff meeting and a suspension lift waiting for its second approver.

Everything goes through the real services (reading rule, exam draw and grading,
batch results, meetings, lifts); randomness is seeded, so two seeds of an empty
database give the same data. Idempotent: each part is skipped once it exists.
"""
from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from trainer.people.models import Department, Role, User
from trainer.extensions import db

# A closed batch of five new staff: four pass, one fails three times and may not inspect.
AUTUMN_BATCH = "Nuevas incorporaciones — otoño"
TRAINEES = [
    # employee_no, name, email, department, ability (share of answers right), passes
    ("E4001", "Marta Iglesias", "marta.iglesias@demo.bank", "CR-MAD", 0.9, True),
    ("E4002", "Jorge Benítez", "jorge.benitez@demo.bank", "CR-MAD", 0.8, True),
    ("E4003", "Nuria Campos", "nuria.campos@demo.bank", "CR-SEV", 0.85, True),
    ("E4004", "Raúl Ortega", "raul.ortega@demo.bank", "CR-SEV", 0.45, False),
    ("E4005", "Inés Lozano", "ines.lozano@demo.bank", "CR-VAL", 0.75, True),
]
TRAINEE_PASSWORD = "demo-officer-pass"
# Staff who qualified earlier in the year (no login), most after a second round: their attempts give
# the item analysis something to measure.
SPRING = [
    ("E5001", "Álvaro Moreno", "CR-MAD", 0.7), ("E5002", "Beatriz Sanz", "CR-MAD", 0.55),
    ("E5003", "Carlos Prieto", "CR-SEV", 0.6), ("E5004", "Diana Herrera", "CR-SEV", 0.85),
    ("E5005", "Eduardo Vidal", "CR-VAL", 0.5),
]
# The spring person whose suspension HR asked to lift; another HR person or an admin must approve.
LIFT_PERSON = "E5004"


def seed_training(today: date) -> None:
    people = {u.employee_no: u for u in db.session.scalars(select(User))}
    if "E4001" not in people:
        _seed_people(people)
        _seed_spring(people, today)
        _seed_autumn_batch(people, today)
    _seed_meeting(people, today)
    _seed_lift(people, today)


def _seed_people(people: dict[str, User]) -> None:
    from trainer.auth.services import set_password

    departments = {d.code: d for d in db.session.scalars(select(Department))}
    for number, name, email, dept, _ability, _passes in TRAINEES:
        user = User(employee_no=number, full_name=name, email=email, department_id=departments[dept].id,
                    active=True, locale="es")
        user.set_roles({Role.STAFF})
        set_password(user, TRAINEE_PASSWORD)
        db.session.add(user)
        people[number] = user
    for number, name, dept, _ability in SPRING:
        user = User(employee_no=number, full_name=name, email=f"{number.lower()}@demo.bank",
                    department_id=departments[dept].id, active=True, locale="es")
        user.set_roles({Role.STAFF})
        db.session.add(user)  # no password: these accounts only carry history
        people[number] = user
    db.session.flush()  # their ids, for the batch and the exams


def _read_modules(person: User, start: datetime) -> None:
    from trainer.content.services import active_modules
    from trainer.content.reading import read_through

    at = start
    for module in active_modules():
        if "inspector" in module.qualifications:
            at = read_through(person, module, start=at).completed_at + timedelta(minutes=3)


def _ease(qid: str) -> float:
    """A fixed ease per question (−0.3 … +0.15), so some questions come out hard and some easy."""
    return int(hashlib.sha256(qid.encode()).hexdigest()[:4], 16) / 0xFFFF * 0.45 - 0.3


def _sit(person: User, at: datetime, rng: random.Random, ability: float, outcome: str | None = None) -> bool:
    """One attempt: answers drawn from the person's ability and the question's ease; `outcome`
    "pass" answers everything right, "fail" keeps the score below any pass mark."""
    from trainer.exams import answering
    from trainer.exams import services as exams
    from trainer.exams.grading import correct_option_ids
    from trainer.exams.models import Question, QuestionVersion

    attempt = exams.start_attempt(person, "inspector", now=at, rng=rng)
    items = exams.items_of(attempt)
    qids = dict(db.session.execute(select(QuestionVersion.id, Question.qid).join(
        Question, Question.id == QuestionVersion.question_id).where(
        QuestionVersion.id.in_([i.question_version_id for i in items]))).all())
    answers, right = {}, 0
    for item in items:
        correct = sorted(correct_option_ids(item.question_version.body))
        wrong = [o for o in item.option_order if o not in correct]
        chance = min(0.98, max(0.02, ability + _ease(qids[item.question_version_id])))
        good = outcome == "pass" or (outcome != "fail" or right < len(items) // 2) and rng.random() < chance
        if good:
            right += 1
        # Wrong answers favour the first distractor, as real ones do.
        answers[item.position] = correct if good or not wrong else [wrong[0] if rng.random() < 0.6 else rng.choice(wrong)]
    answering.save_answers(person, attempt.id, answers, now=at + timedelta(minutes=12))
    return bool(exams.submit(person, attempt.id, now=at + timedelta(minutes=20)).passed)


def _until_passed(person: User, first: datetime, rng: random.Random, ability: float, passes: bool) -> None:
    """Up to three attempts an hour apart (the cooldown is shorter), better prepared each time;
    the third passes or fails as `passes` says."""
    for n in range(3):
        outcome = ("pass" if passes else "fail") if n == 2 else ("fail" if not passes else None)
        if _sit(person, first + timedelta(hours=n), rng, ability - 0.15 * (2 - n), outcome):
            return


def _seed_spring(people: dict[str, User], today: date) -> None:
    """Two rounds a month apart: the first less prepared, the second ending in a pass."""
    start = datetime.combine(today - timedelta(days=110), time(8), tzinfo=timezone.utc)
    for n, (number, _name, _dept, ability) in enumerate(SPRING):
        person, rng = people[number], random.Random(f"demo-exam:{number}")
        _read_modules(person, start + timedelta(days=n))
        first = start + timedelta(days=n + 1, hours=1)
        for k in range(3):
            if _sit(person, first + timedelta(hours=k), rng, ability - 0.2):
                break
        else:
            _until_passed(person, first + timedelta(days=40), rng, ability, True)


def _seed_autumn_batch(people: dict[str, User], today: date) -> None:
    from trainer.batches import services as batches
    from trainer.batches.models import TrainingBatch

    if db.session.scalar(select(TrainingBatch.id).where(TrainingBatch.name == AUTUMN_BATCH)) is not None:
        return
    starts_on, due_on = today - timedelta(days=40), today - timedelta(days=12)
    hr = people["H0001"]
    batch = batches.create_batch(hr, AUTUMN_BATCH, "inspector", starts_on, due_on, today=starts_on)
    batches.add_members(batch, hr, [people[t[0]].id for t in TRAINEES])
    reading = datetime.combine(starts_on + timedelta(days=2), time(8), tzinfo=timezone.utc)
    for n, (number, _name, _email, _dept, ability, passes) in enumerate(TRAINEES):
        _read_modules(people[number], reading + timedelta(hours=2 * n))
    exam_day = datetime.combine(due_on - timedelta(days=5), time(8), tzinfo=timezone.utc)
    for n, (number, _name, _email, _dept, ability, passes) in enumerate(TRAINEES):
        _until_passed(people[number], exam_day + timedelta(hours=4 * n), random.Random(f"demo-exam:{number}"),
                      ability, passes)


def _seed_meeting(people: dict[str, User], today: date) -> None:
    """The Madrid credit staff's monthly meeting: one signal confirmed, one dismissed."""
    from trainer.inspections.models import InspectionReport, Loan, RaisedSignal
    from trainer.inspections.services import AreaEntry, ReportContent, file_report
    from trainer.meetings.models import CreditMeeting
    from trainer.meetings.services import MeetingInput, record_meeting

    if db.session.scalar(select(CreditMeeting.id).limit(1)) is not None:
        return
    loans = {loan.loan_no: loan for loan in db.session.scalars(select(Loan).where(Loan.loan_no.like("MAD-%")))}
    if "MAD-2025-0103" not in loans:
        return
    from trainer.demo_operations import FINDINGS

    officer = people["E1002"]
    content = ReportContent(
        kind="irregular", inspection_date=today - timedelta(days=1),
        trigger="El garante anunció la venta de dos naves industriales.",
        conclusion="Préstamo al corriente; conviene confirmar la solvencia del garante tras la venta.",
        areas={code: AreaEntry(finding=text, rating="normal") for code, text in FINDINGS.items()},
        signals={"guarantor_weakened": "El garante vende dos naves que respaldaban su patrimonio."})
    irregular = file_report(officer, loans["MAD-2025-0103"], content, submit=True)
    signals = list(db.session.execute(
        select(RaisedSignal.id, RaisedSignal.signal, InspectionReport.id)
        .join(InspectionReport, InspectionReport.id == RaisedSignal.report_id)
        .where(InspectionReport.department_id == officer.department_id)))
    decisions = {}
    for signal_id, code, report_id in signals:
        if code == "liquidity_strain":
            decisions[signal_id] = ("confirmed", "Dos proveedores confirman retrasos de 30 días; se vigila la tesorería.")
        elif report_id == irregular.id:
            decisions[signal_id] = ("dismissed", "La venta se destina a reducir deuda: la capacidad del garante no empeora.")
    record_meeting(people["S0001"], officer.department_id, MeetingInput(
        held_on=today, attendee_ids=[people[n].id for n in ("S0001", "E1001", "E1002", "E4001", "E4002")],
        loan_ids=[loans[n].id for n in sorted(loans)],
        decisions=decisions,
        analysis=("Textiles Norte: cobros más lentos y pagos a proveedores con retraso; garantía de existencias "
                  "suficiente, pero la tesorería exige seguimiento quincenal.\n"
                  "Logística Centro: el garante vende activos para reducir deuda; capacidad de garantía estable.\n"
                  "Cerámicas del Tajo, Panificadora Sol, Huertas de Aranjuez: sin novedades que amenacen el reembolso.")))


def _seed_lift(people: dict[str, User], today: date) -> None:
    """A suspension pending an investigation, cleared: HR has asked to lift it; an administrator approves."""
    from trainer.certification import lifts
    from trainer.certification import services as certification
    from trainer.certification.models import SuspensionLift

    if db.session.scalar(select(SuspensionLift.id).limit(1)) is not None:
        return
    person = people.get(LIFT_PERSON)
    if person is None or not certification.is_qualified(person, "inspector"):
        return
    certification.suspend(person, "inspector", people["A0001"],
                          "Posible omisión de una señal de alerta en el préstamo SEV-2025-0201; se abre investigación.")
    lifts.request_lift(person, "inspector", people["H0001"],
                       "La investigación concluye que la señal se comunicó a tiempo por teléfono al supervisor; "
                       "consta en el acta del departamento.")
