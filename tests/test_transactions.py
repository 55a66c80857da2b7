"""One unit of work per request: what a view changed is committed once when it returns, and nothing is kept
when it raises, when a refusal escapes, or when it re-renders a refused form (trainer/transactions.py).
The routes here are made for the test; they change a department the way a feature's service would."""
import pytest
from sqlalchemy import select
from wtforms import Form, StringField

from trainer.people.models import Department
from trainer.extensions import db
from trainer.refusals import Refusal, attach
from trainer.transactions import unit_of_work


def _add(code: str) -> None:
    db.session.add(Department(code=code, name=code))
    db.session.flush()


@pytest.fixture
def routes(app):
    """Routes that add a department named after the path, then end in the way the path says."""

    @app.post("/t/returns/<code>")
    def returns(code):
        _add(code)
        return "ok"

    @app.post("/t/raises/<code>")
    def raises(code):
        _add(code)
        raise RuntimeError("a bug after the change")

    @app.post("/t/refuses/<code>")
    def refuses(code):
        _add(code)
        raise Refusal("No.", "no")

    @app.post("/t/refuses-keeping/<code>")
    def refuses_keeping(code):
        _add(code)
        raise Refusal("Closed, and no.", "closed", status=409, keeps_changes=True)

    @app.post("/t/re-renders/<code>")
    def re_renders(code):
        form = type("F", (Form,), {"name": StringField()})()
        _add(code)
        attach(form, Refusal("No.", fields={"name": "Not that name"}))
        return "form: " + ", ".join(form.name.errors), 422

    @app.post("/t/twice/<code>")
    def twice(code):
        _add(code)
        _add(code)  # the unique code fails on the second flush
        return "never"

    @app.post("/t/fails-at-commit/<code>")
    def fails_at_commit(code):
        _add(code)
        db.session.add(Department(code=code, name="same code, left for the commit"))
        return "the commit fails"

    return app


def _codes(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(Department.code)))


def test_a_view_that_returns_is_committed_once(routes, client):
    assert client.post("/t/returns/kept").status_code == 200
    assert _codes(routes) == {"kept"}


def test_an_error_after_a_change_keeps_nothing(routes, client):
    routes.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, not the test's exception
    assert client.post("/t/raises/lost").status_code == 500
    assert _codes(routes) == set()


def test_a_refusal_keeps_nothing_unless_it_says_so(routes, client):
    refused = client.post("/t/refuses/lost", headers={"Accept": "application/json"})
    assert (refused.status_code, refused.json["error"]) == (422, "no")
    kept = client.post("/t/refuses-keeping/kept", headers={"Accept": "application/json"})
    assert (kept.status_code, kept.json["error"]) == (409, "closed")
    assert _codes(routes) == {"kept"}


def test_a_re_rendered_refused_form_keeps_nothing(routes, client):
    response = client.post("/t/re-renders/lost")
    assert (response.status_code, response.text) == (422, "form: Not that name")
    assert _codes(routes) == set()


@pytest.mark.parametrize("path", ["/t/twice/dup", "/t/fails-at-commit/dup"])
def test_a_failed_flush_or_commit_is_an_error_page_and_the_next_request_works(routes, client, path):
    """On PostgreSQL a failed flush leaves the session unusable until it is rolled back; the error page itself
    must not trip over it (PendingRollbackError), and the next request starts clean."""
    routes.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.post(path)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert client.post("/t/returns/after").status_code == 200
    assert _codes(routes) == {"after"}


def test_a_command_commits_its_block_or_nothing(ctx):
    with unit_of_work():
        _add("kept")
    with pytest.raises(ValueError), unit_of_work():
        _add("lost")
        raise ValueError("the command failed")
    db.session.rollback()
    assert set(db.session.scalars(select(Department.code))) == {"kept"}


def test_a_savepoint_taken_before_any_write_stays_inside_the_transaction(ctx):
    """On SQLite a savepoint opened outside a transaction would start one, and its release would commit:
    the step would survive the request's rollback."""
    with db.session.begin_nested():
        _add("in-savepoint")
    _add("after")
    db.session.rollback()
    assert set(db.session.scalars(select(Department.code))) == set()


def test_actions_outside_the_database_follow_the_outermost_outcome(ctx):
    """A file removed with its row goes only once the deletion is committed; a file written for a row that is
    not kept goes when the transaction ends without committing; a released savepoint decides nothing."""
    from trainer.transactions import after_commit, after_rollback

    done: list[str] = []
    after_commit(lambda: done.append("committed 1"))
    after_rollback(lambda: done.append("rolled back 1"))
    with db.session.begin_nested():
        _add("a")
    assert done == []  # the savepoint's release is not the commit
    db.session.commit()
    after_commit(lambda: done.append("committed 2"))
    after_rollback(lambda: done.append("rolled back 2"))
    _add("b")
    db.session.rollback()
    db.session.commit()  # nothing left over runs now
    assert done == ["committed 1", "rolled back 2"]


@pytest.fixture
def read_only_routes(app):
    from trainer.transactions import read_only

    @app.get("/t/reads")
    @read_only
    def reads():
        names = db.session.scalars(select(Department.code).order_by(Department.code)).all()
        mode = db.session.connection().connection.dbapi_connection.autocommit \
            if db.engine.dialect.name == "postgresql" else None
        return {"codes": names, "autocommit": mode}

    @app.get("/t/reads-then-writes/<code>")
    @read_only
    def reads_then_writes(code):
        _add(code)
        return "written"

    return app


def test_a_read_only_view_reads_without_a_transaction_on_postgresql(read_only_routes, routes, client):
    with read_only_routes.app_context():
        _add("R1")
        db.session.commit()
    answer = client.get("/t/reads").get_json()
    assert answer["codes"] == ["R1"]
    # PostgreSQL: the driver in autocommit (no BEGIN, no COMMIT round trip); SQLite: not asked.
    assert answer["autocommit"] is (True if db_is_postgresql(read_only_routes) else None)
    assert client.post("/t/returns/W1").status_code == 200  # the next request has its transaction again
    with read_only_routes.app_context():
        assert db.session.scalar(select(Department.code).where(Department.code == "W1")) == "W1"


def test_a_read_only_view_that_writes_is_refused_and_writes_nothing(read_only_routes, client):
    from trainer.transactions import WriteInReadOnlyView

    read_only_routes.config["PROPAGATE_EXCEPTIONS"] = True  # the error itself, not its 500 page
    with pytest.raises(WriteInReadOnlyView):
        client.get("/t/reads-then-writes/X1")
    with read_only_routes.app_context():
        assert db.session.scalar(select(Department.code).where(Department.code == "X1")) is None


def db_is_postgresql(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


@pytest.fixture
def one_write_routes(app):
    from trainer.transactions import one_write, transaction_from_here

    @app.post("/t/one-write/<code>")
    @one_write
    def writes_once(code):
        db.session.scalars(select(Department.code)).all()  # reads first, as the autosave does
        _add(code)
        mode = db.session.connection().connection.dbapi_connection.autocommit \
            if db.engine.dialect.name == "postgresql" else None
        return {"autocommit": mode}

    @app.post("/t/one-write-twice/<code>")
    @one_write
    def writes_twice(code):
        _add(code)
        _add(code + "-again")
        return "written twice"

    @app.post("/t/one-write-then-a-transaction/<code>/<outcome>")
    @one_write
    def then_a_transaction(code, outcome):
        db.session.scalars(select(Department.code)).all()
        transaction_from_here()
        _add(code)
        _add(code + "-2")
        if outcome == "refuse":
            raise Refusal("No.", "no")
        return "both"

    return app


def test_a_one_write_view_writes_without_a_transaction_on_postgresql(one_write_routes, client):
    answer = client.post("/t/one-write/O1").get_json()
    assert answer["autocommit"] is (True if db_is_postgresql(one_write_routes) else None)
    with one_write_routes.app_context():
        assert db.session.scalar(select(Department.code).where(Department.code == "O1")) == "O1"


def test_a_second_write_in_a_one_write_view_is_refused(one_write_routes, client):
    """A programming error, caught on either database: on PostgreSQL the first write has committed by then."""
    from trainer.transactions import SecondWriteInOneWriteView

    one_write_routes.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(SecondWriteInOneWriteView):
        client.post("/t/one-write-twice/O2")
    with one_write_routes.app_context():
        assert db.session.scalar(select(Department.code).where(Department.code == "O2-again")) is None


def test_after_transaction_from_here_the_writes_stand_or_fall_together(one_write_routes, client):
    assert client.post("/t/one-write-then-a-transaction/T1/return").status_code == 200
    client.post("/t/one-write-then-a-transaction/T2/refuse")
    with one_write_routes.app_context():
        kept = set(db.session.scalars(select(Department.code).where(Department.code.like("T%"))))
    assert kept == {"T1", "T1-2"}
