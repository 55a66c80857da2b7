"""HR creates and follows a batch through the pages; staff may not."""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest

from trainer.people.models import Role
from trainer.batches.models import TrainingBatch, TrainingBatchMember
from trainer.certification.services import today
from trainer.extensions import db
from sqlalchemy import func, select

from tests import factories


@pytest.fixture
def people(app):
    with app.app_context():
        factories.load_content()
        dept = factories.department()
        hr = factories.user(Role.HR)
        staff = [factories.user(dept=dept) for _ in range(4)]
        listed = factories.user(employee_no="E8801")
        return {"hr": hr.email, "staff": staff[0].email, "ids": [p.id for p in staff[:2]], "dept": dept.id,
                "listed": listed.full_name, "names": [p.full_name for p in staff]}


def form(people, **extra):
    with db.session.no_autoflush:
        start = today()
    data = {"name": "Autumn inspectors", "qualification": "inspector", "starts_on": start.isoformat(),
            "due_on": (start + timedelta(days=30)).isoformat(), "people": people["ids"],
            "department": str(people["dept"]), "file": (BytesIO(b"employee_no\nE8801\n"), "people.csv")}
    data.update(extra)
    return data


def test_hr_creates_a_batch_of_five_and_sees_it(app, client, login, people):
    login(people["hr"])
    assert client.get("/batches/new").status_code == 200
    with app.app_context():
        response = client.post("/batches/new", data=form(people))
    assert response.status_code == 302, response.data[:2000]
    page = client.get(response.location)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "5 members" in text and people["listed"] in text and all(name in text for name in people["names"])
    assert "Not started" in text
    with app.app_context():
        batch = db.session.scalar(select(TrainingBatch))
        assert db.session.scalar(select(func.count()).select_from(TrainingBatchMember)) == 5
    export = client.get(f"/batches/{batch.id}.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert export.data.decode("utf-8-sig").splitlines()[0].startswith("employee_no,full_name")  # BOM: spreadsheets read accents
    assert len(export.get_data(as_text=True).splitlines()) == 6
    assert "Autumn inspectors" in client.get("/batches/").get_data(as_text=True)


def test_bad_csv_rejects_the_whole_batch_with_line_numbers(app, client, login, people):
    login(people["hr"])
    with app.app_context():
        data = form(people, file=(BytesIO(b"employee_no\nE8801\nNOPE\n"), "people.csv"))
        response = client.post("/batches/new", data=data)
    assert response.status_code == 422
    assert "Line 3: unknown employee_no 'NOPE'" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TrainingBatch)) == 0


def test_a_batch_without_people_is_refused_and_nothing_of_it_is_kept(app, client, login, people):
    """The batch is made before its members are picked; the refusal of an empty list takes it back."""
    login(people["hr"])
    with app.app_context():
        data = {**form(people, department="", file=None), "people": []}
        response = client.post("/batches/new", data=data)
    assert response.status_code == 422
    assert "Add at least one person." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TrainingBatch)) == 0


def test_bad_dates_are_form_errors(app, client, login, people):
    login(people["hr"])
    with app.app_context():
        start = today()
        response = client.post("/batches/new", data=form(people, due_on=start.isoformat(), file=None))
    assert response.status_code == 422
    assert "The due date must be after the start date." in response.get_data(as_text=True)


def test_staff_may_not_see_batches(client, login, people):
    login(people["staff"])
    assert client.get("/batches/").status_code == 403
    assert client.get("/batches/new").status_code == 403
