"""The last active administrator cannot be deactivated or lose the role, by any path."""
from io import BytesIO

import pytest
from sqlalchemy import select

from trainer.admin import services
from trainer.people.models import Role, User
from trainer.extensions import db
from trainer.csv_import import ImportRejected
from trainer.hr.staff_import import import_staff

from tests import factories

HEADER = "employee_no,full_name,email,department_code,roles,active\n"


def data_for(user: User, **changes) -> services.UserData:
    fields = dict(employee_no=user.employee_no, full_name=user.full_name, email=user.email,
                  department_id=user.department_id, roles=set(user.roles), active=user.active)
    fields.update(changes)
    return services.UserData(**fields)


def test_two_admins_cannot_deactivate_each_other(ctx):
    first, second = factories.user(Role.ADMIN), factories.user(Role.ADMIN)
    services.update_user(second, first, data_for(first, active=False))
    db.session.commit()  # the first admin's request
    # `second` still acts from a page opened before: the rule counts what is in the database.
    with pytest.raises(services.LastAdminError) as refused:
        services.update_user(first, second, data_for(second, active=False, full_name="Renamed Meanwhile"))
    assert refused.value.field == "active"
    # The refused change is undone at once: the form re-rendered beside the person shows them as stored.
    assert second.active and second.full_name != "Renamed Meanwhile"
    db.session.rollback()
    assert db.session.get(User, second.id).active


def test_the_last_admin_role_cannot_be_removed_by_another(ctx):
    first, second = factories.user(Role.ADMIN), factories.user(Role.ADMIN)
    services.update_user(second, first, data_for(first, roles={Role.STAFF}))
    db.session.commit()
    with pytest.raises(services.LastAdminError) as refused:
        services.update_user(first, second, data_for(second, roles={Role.STAFF, Role.HR}))
    assert refused.value.field == "roles"
    assert Role.ADMIN in second.roles
    db.session.rollback()
    assert Role.ADMIN in db.session.get(User, second.id).roles


def test_an_admin_may_be_deactivated_while_another_remains(ctx):
    first, second = factories.user(Role.ADMIN), factories.user(Role.ADMIN)
    services.update_user(first, second, data_for(second, active=False))
    assert not db.session.get(User, second.id).active


def test_staff_import_cannot_deactivate_the_last_admin(ctx):
    dept = factories.department("CR-MAD")
    admin = factories.user(Role.ADMIN, dept=dept, employee_no="A1")
    with pytest.raises(ImportRejected) as rejected:
        import_staff((HEADER + "E1,Ana,ana@bank.example.com,CR-MAD,staff,yes\n"
                      + f"A1,{admin.full_name},{admin.email},CR-MAD,,no\n").encode())
    assert [str(e) for e in rejected.value.errors] == ["line 3: at least one active administrator must remain"]
    db.session.expire_all()
    assert db.session.get(User, admin.id).active
    assert db.session.scalar(select(User).where(User.employee_no == "E1")) is None  # all or nothing


def test_staff_import_may_deactivate_an_admin_while_another_remains(ctx):
    dept = factories.department("CR-MAD")
    factories.user(Role.ADMIN, dept=dept)
    leaving = factories.user(Role.ADMIN, dept=dept, employee_no="A2")
    import_staff((HEADER + f"A2,{leaving.full_name},{leaving.email},CR-MAD,,no\n").encode())
    db.session.expire_all()
    assert not db.session.get(User, leaving.id).active


def test_upload_page_reports_the_last_admin_line(app, client):
    with app.app_context():
        dept = factories.department("CR-MAD")
        admin = factories.user(Role.ADMIN, dept=dept, employee_no="A1")
        hr = factories.user(Role.HR, dept=dept)
        row, hr_email, admin_id = f"A1,{admin.full_name},{admin.email},CR-MAD,,no\n", hr.email, admin.id
    client.post("/login", data={"login": hr_email, "password": factories.PASSWORD})
    response = client.post("/people/import", data={"file": (BytesIO((HEADER + row).encode()), "staff.csv")})
    assert response.status_code == 422
    assert "at least one active administrator must remain" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin_id).active

