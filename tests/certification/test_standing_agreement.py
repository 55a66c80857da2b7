"""Every path that asks "qualified as X on day D?" gives the same answer, for generated histories.

Hypothesis builds a person's certificate history through the real lifecycle
services (first grants, renewals — early ones included —, expiry by the
passing of time, suspensions, revocations, reinstatements; for the supervisor
qualification and its inspector prerequisite), then on each day of a range
compares: `is_qualified`, the gate (`refusal` and `require_inspector`), the
eligibility API's service, the HR matrix's SQL state filter, and the
evaluation's bulk query; and checks them against an oracle written here from
the certificate rows and the rule in trainer/certification/standing.py.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from trainer.api import services as api
from trainer.people.models import Role
from trainer.certification import services as certification
from trainer.certification.models import Certificate
from trainer.evaluation import queries
from trainer.extensions import db
from trainer.hr import matrix
from trainer.inspections import gate
from trainer.inspections.policy import inspection_policy

from tests import factories

CODES = ("inspector", "supervisor")
# (qualification, what happens, day relative to today). Grants a year and more ago let
# certificates expire inside the checked range; several passes give renewals and reinstatements.
EVENT = st.tuples(st.sampled_from(CODES), st.sampled_from(["pass", "pass", "suspend", "revoke"]),
                  st.integers(min_value=-400, max_value=-330) | st.integers(min_value=-60, max_value=0))


def local_noon(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(zone))


def oracle_valid(rows: list[Certificate], code: str, day: date, zone: str) -> bool:
    """The rule restated from the rows, independently of the code under test: the latest
    certificate started by `day` covers it and had not ended by the end of that bank day."""
    started = [c for c in rows if c.qualification == code and c.valid_from <= day]
    if not started:
        return False
    cert = max(started, key=lambda c: (c.valid_from, c.id))
    ended = cert.ended_at is not None and cert.ended_at.astimezone(ZoneInfo(zone)).date() <= day
    return day <= cert.expires_on and not ended


def oracle_qualified(rows: list[Certificate], code: str, day: date, zone: str) -> bool:
    return oracle_valid(rows, code, day, zone) and (code != "supervisor" or oracle_qualified(rows, "inspector", day, zone))


def days_to_check(rows: list[Certificate], today: date, window: int, rng: random.Random) -> list[date]:
    """Today, the filing window's edges and every edge of every certificate, a sample if many."""
    edges = {today, today + timedelta(days=1), today - timedelta(days=window), today - timedelta(days=window + 1),
             today - timedelta(days=rng.randint(1, window - 1))}
    for cert in rows:
        for day in (cert.valid_from, cert.expires_on):
            edges |= {day - timedelta(days=1), day, day + timedelta(days=1)}
        edges.add(cert.expires_on - timedelta(days=60))  # the inspector's renewal window opens
        if cert.ended_at is not None:
            ended = certification.today(cert.ended_at)
            edges |= {ended - timedelta(days=1), ended}
    # Days the gate may accept matter most: keep those, and a sample of the older edges.
    recent = sorted(d for d in edges if d >= today - timedelta(days=window + 1))
    older = sorted(d for d in edges if d < today - timedelta(days=window + 1))
    return recent[:12] + sorted(rng.sample(older, min(len(older), 4)))


@pytest.fixture
def world(ctx):
    home = factories.department("AGREE")
    return {"home": home, "hr": factories.user(Role.HR, dept=home, password=None)}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(events=st.lists(EVENT, min_size=1, max_size=7), active=st.sampled_from([True, True, True, False]), rng=st.randoms())
def test_every_path_agrees_on_every_day(world, events, active, rng):
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    today = certification.today()
    person = factories.user(dept=world["home"], password=None)
    hr = world["hr"]
    for code, what, offset in sorted(events, key=lambda e: e[2]):
        moment = local_noon(today + timedelta(days=offset), zone)
        try:
            if what == "pass":
                certification.grant_for_pass(person, code, None, now=moment)
            else:
                getattr(certification, what)(person, code, hr, "audit finding", now=moment)
        except certification.LifecycleError:
            db.session.rollback()  # nothing live to end: that history simply has no such event
            continue
        db.session.commit()
    person.active = active
    db.session.commit()
    db.session.expire_all()

    rows = list(db.session.scalars(select(Certificate).where(Certificate.user_id == person.id)))
    window = inspection_policy().max_days_back
    for day in days_to_check(rows, today, window, rng):
        for code in CODES:
            where = (code, day.isoformat(), [(c.qualification, c.status.value, c.valid_from.isoformat(),
                                              c.expires_on.isoformat(), c.ended_at) for c in rows])
            state = certification.standing(person.id, code, day).state
            qualified = certification.is_qualified(person, code, day)
            assert qualified == oracle_qualified(rows, code, day, zone), where
            assert (state in ("active", "expiring")) == oracle_valid(rows, code, day, zone), where

            # The evaluation's bulk query.
            states, bulk_qualified = queries.qualifications([person.id], code, day)
            assert states[person.id] == state and (person.id in bulk_qualified) == qualified, where

            # The HR matrix's SQL filter puts the person under exactly the state the page shows.
            if active:
                found = db.session.scalars(matrix._filtered(
                    select(matrix.User.id), hr,
                    matrix.MatrixFilter(q=person.employee_no, qualification=code, state=state), day)).all()
                assert person.id in found, where

            # The gate, for an act dated `day` recorded today, and the eligibility API.
            may_act = (active and today - timedelta(days=window) <= day <= today and qualified
                       and certification.is_qualified(person, code, today))
            assert (gate.refusal(person, code, day, today) is None) == may_act, where
            if code == "inspector":
                try:
                    gate.require_inspector(person, day)
                    refused = False
                except gate.GateRefused:
                    refused = True
                assert refused == (not may_act), where
            answer = api.eligibility(person.employee_no, code, day)["qualifications"][code]
            assert (answer["eligible"], answer["qualified"], answer["state"]) == (may_act, qualified, state), where
            assert (answer["reason"] is None) == may_act, where


def test_states_are_derived_from_one_rule_table(ctx):
    """A spot check of the ordered rules on the edges, in Python and in SQL, without any history."""
    from trainer.certification import standing

    person = factories.user(password=None)
    today = certification.today()
    cert = factories.certificate(person, today - timedelta(days=10), today + timedelta(days=5))
    for day, expected in ((today - timedelta(days=11), "none"), (today - timedelta(days=10), "expiring"),
                          (today + timedelta(days=5), "expiring"), (today + timedelta(days=6), "expired")):
        alias, on = standing.in_force_join(matrix.User.id, "inspector", day)
        sql_state = db.session.scalar(select(standing.state_sql(alias, day, 60)).select_from(matrix.User)
                                      .outerjoin(alias, on).where(matrix.User.id == person.id))
        assert standing.state_on(cert if day >= cert.valid_from else None, day, 60) == sql_state == expected
