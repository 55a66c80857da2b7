"""Administering people and departments through the pages."""
import pytest
from sqlalchemy import select

from trainer.people.models import Department, Role, User
from trainer.extensions import db

from tests import factories


@pytest.fixture
def admin(app, client):
    with app.app_context():
        dept = factories.department("HQ")
        person = factories.user(Role.ADMIN, dept=dept)
        ids = (person.id, dept.id)
    client.post("/login", data={"login": person_email(app, ids[0]), "password": factories.PASSWORD})
    return ids


def person_email(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).email


def form(**overrides):
    data = {"employee_no": "N100", "full_name": "Nueva Persona", "email": "nueva@bank.example.com",
            "department_id": "1", "roles": ["staff", "supervisor"], "active": "y"}
    data.update(overrides)
    return data


def test_create_user_with_temporary_password(app, client, admin):
    response = client.post("/admin/users/new", data=form(department_id=str(admin[1]), password="temporary-123"))
    assert response.status_code == 302
    with app.app_context():
        person = db.session.scalar(select(User).where(User.employee_no == "N100"))
        assert person.roles == {Role.STAFF, Role.SUPERVISOR} and person.must_change_password


def test_duplicate_employee_number_rerenders_with_the_message(app, client, admin):
    client.post("/admin/users/new", data=form(department_id=str(admin[1])))
    again = client.post("/admin/users/new", data=form(department_id=str(admin[1]), email="other@bank.example.com"))
    assert again.status_code == 422
    assert "N100" in again.get_data(as_text=True)  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "other@bank.example.com")) is None


def test_admin_cannot_lock_themselves_out(app, client, admin):
    user_id, dept_id = admin
    with app.app_context():
        me = db.session.get(User, user_id)
        data = form(employee_no=me.employee_no, full_name=me.full_name, email=me.email,
                    department_id=str(dept_id), roles=["staff"])
    response = client.post(f"/admin/users/{user_id}", data=data)
    assert response.status_code == 422
    with app.app_context():
        assert Role.ADMIN in db.session.get(User, user_id).roles


def test_deactivating_someone_ends_their_sessions(app, client, admin):
    with app.app_context():
        person = factories.user(dept=db.session.get(Department, admin[1]))
        person_id, email, number = person.id, person.email, person.employee_no
    their_client = app.test_client()
    their_client.post("/login", data={"login": email, "password": factories.PASSWORD})
    assert their_client.get("/dashboard").status_code == 200
    data = form(employee_no=number, full_name="Person", email=email, department_id=str(admin[1]), roles=["staff"])
    data.pop("active")
    assert client.post(f"/admin/users/{person_id}", data=data).status_code == 302
    assert their_client.get("/dashboard").status_code == 302
    with app.app_context():
        assert db.session.get(User, person_id) is not None  # kept, never deleted


def test_department_with_active_people_cannot_be_deactivated(app, client, admin):
    response = client.post(f"/admin/departments/{admin[1]}", data={"code": "HQ", "name": "Head office"})
    assert response.status_code == 422
    assert "active people" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Department, admin[1]).active


def test_new_department_and_duplicate_code(app, client, admin):
    assert client.post("/admin/departments/new", data={"code": "CR-NEW", "name": "Nuevo", "active": "y"}).status_code == 302
    assert client.post("/admin/departments/new", data={"code": "cr-new", "name": "Otro", "active": "y"}).status_code == 422


def test_reset_password_sets_a_temporary_one(app, client, admin):
    with app.app_context():
        person = factories.user()
        person_id, email = person.id, person.email
    client.post(f"/admin/users/{person_id}/password", data={"password": "temporary-456"})
    fresh = app.test_client()
    response = fresh.post("/login", data={"login": email, "password": "temporary-456"})
    assert response.location.endswith("/account/password")


def test_content_page_loads_content_and_reports_it(app, client, admin):
    response = client.post("/admin/content")
    assert response.status_code == 200
    assert "7" in response.get_data(as_text=True)
    with app.app_context():
        from trainer.content.services import active_modules
        assert len(active_modules()) == 7
