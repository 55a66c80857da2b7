"""UTCDateTime: every stored moment comes back aware and in UTC, on SQLite and PostgreSQL."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text
from sqlalchemy.exc import StatementError

from trainer.people.models import User
from trainer.dbtypes import UTCDateTime
from trainer.exams.models import ExamAttempt
from trainer.extensions import db

from tests import factories

MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture
def probe(ctx):
    table = Table("utc_probe", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime()))
    table.create(db.engine)
    yield table
    db.session.rollback()
    table.drop(db.engine)


def test_a_moment_in_any_zone_comes_back_as_the_same_moment_in_utc(probe):
    moment = datetime(2026, 3, 29, 3, 30, tzinfo=MADRID)  # the hour after the spring change
    if db.engine.dialect.name == "postgresql":  # the session's zone must not leak into the result
        db.session.execute(text("SET TIME ZONE 'America/Mexico_City'"))
    db.session.execute(insert(probe).values(id=1, at=moment))
    back = db.session.scalar(select(probe.c.at).where(probe.c.id == 1))
    assert back == moment and back.tzinfo is timezone.utc and back.utcoffset() == timedelta(0)
    # Comparisons bind through the type too: later than one minute before, in another zone.
    earlier = (moment - timedelta(minutes=1)).astimezone(ZoneInfo("America/Mexico_City"))
    assert db.session.scalar(select(probe.c.id).where(probe.c.at > earlier)) == 1


def test_sqlite_stores_the_utc_wall_time(probe):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("text storage is SQLite's")
    db.session.execute(insert(probe).values(id=1, at=datetime(2026, 7, 1, 12, 0, tzinfo=MADRID)))
    assert db.session.scalar(text("SELECT at FROM utc_probe")).startswith("2026-07-01 10:00:00")


def test_a_naive_datetime_is_refused(probe):
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.execute(insert(probe).values(id=1, at=datetime(2026, 3, 2, 9, 0)))
    db.session.rollback()
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.execute(select(probe.c.id).where(probe.c.at > datetime(2026, 3, 2, 9, 0)))


def test_model_columns_read_back_aware(ctx):
    person = factories.user()
    db.session.expire_all()
    created = db.session.get(User, person.id).created_at
    assert created.tzinfo is timezone.utc
    assert isinstance(ExamAttempt.__table__.c.deadline_at.type, UTCDateTime)


def test_the_ddl_is_that_of_a_timezone_aware_datetime(ctx):
    from sqlalchemy import DateTime

    dialect = db.engine.dialect
    assert UTCDateTime().compile(dialect=dialect) == DateTime(timezone=True).compile(dialect=dialect)


def test_every_datetime_column_is_utc():
    import trainer.models  # noqa: F401 - every table
    from sqlalchemy import DateTime

    plain = [f"{t.name}.{c.name}" for t in db.metadata.tables.values() for c in t.columns
             if isinstance(c.type, DateTime)]
    assert plain == [], "use trainer.dbtypes.UTCDateTime() for moments in time"
