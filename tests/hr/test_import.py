"""Staff import: all or nothing, line-numbered errors, idempotent."""
import pytest
from sqlalchemy import func, select

from trainer.people.models import Role, User
from trainer.extensions import db
from trainer.csv_import import ImportRejected
from trainer.hr.staff_import import import_staff

from tests import factories

HEADER = "employee_no,full_name,email,department_code,roles,active\n"


@pytest.fixture
def depts(ctx):
    return factories.department("CR-MAD"), factories.department("CR-SEV")


def people_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def errors_of(data: str) -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        import_staff(data.encode("utf-8"))
    return [str(e) for e in caught.value.errors]


def test_import_creates_people_and_reimport_changes_nothing(depts):
    data = (HEADER + "E1,Ana Uno,ana@bank.example.com,CR-MAD,staff,yes\n"
            "E2,Bruno Dos,bruno@bank.example.com,cr-sev,staff|supervisor,\n").encode()
    first = import_staff(data)
    assert first.created == ["E1", "E2"] and people_count() == 2
    bruno = db.session.scalar(select(User).where(User.employee_no == "E2"))
    assert bruno.roles == {Role.STAFF, Role.SUPERVISOR} and bruno.department.code == "CR-SEV"
    assert bruno.password_hash == ""  # cannot log in until a password is set
    second = import_staff(data)
    assert (second.created, second.updated, second.unchanged) == ([], [], 2)


def test_reimport_updates_matched_people(depts):
    import_staff((HEADER + "E1,Ana Uno,ana@bank.example.com,CR-MAD,staff,yes\n").encode())
    result = import_staff((HEADER + "E1,Ana Uno Pérez,ana@bank.example.com,CR-SEV,staff,no\n").encode())
    assert result.updated == ["E1"]
    ana = db.session.scalar(select(User).where(User.employee_no == "E1"))
    assert (ana.full_name, ana.department.code, ana.active) == ("Ana Uno Pérez", "CR-SEV", False)


def test_every_bad_row_is_reported_and_nothing_is_written(depts):
    data = (HEADER
            + "E1,Ana Uno,ana@bank.example.com,CR-MAD,staff,yes\n"      # line 2: fine
            + ",Sin Numero,x@bank.example.com,CR-MAD,,\n"               # line 3
            + "E3,Carla,not-an-email,CR-MAD,,\n"                 # line 4
            + "E4,Dario,dario@bank.example.com,NOPE,,\n"                # line 5
            + "E1,Ana Otra,ana2@bank.example.com,CR-MAD,,\n"            # line 6: duplicate number
            + "E6,Eva,eva@bank.example.com,CR-MAD,wizard,\n"            # line 7
            + "E7,Fede,fede@bank.example.com,CR-MAD,admin,\n"           # line 8
            + "E8,Gala,gala@bank.example.com,CR-MAD,staff,maybe\n"      # line 9
            + "E9,Hugo,hugo@bank.example.com,CR-MAD,staff,yes,extra\n")  # line 10
    found = errors_of(data)
    assert [e.split(":")[0] for e in found] == [f"line {n}" for n in range(3, 11)]
    assert "employee_no is empty" in found[0]
    assert "'not-an-email' is not a valid address" in found[1]
    assert "unknown department_code 'NOPE'" in found[2]
    assert "already appears on line 2" in found[3]
    assert "unknown role 'wizard'" in found[4]
    assert "granted on the admin pages" in found[5]
    assert "should be yes or no" in found[6]
    assert "more values than columns" in found[7]
    assert people_count() == 0


def test_email_of_another_existing_person_is_refused(depts):
    factories.user(dept=depts[0], employee_no="X9")
    taken = db.session.scalar(select(User.email))
    assert f"belongs to employee X9" in errors_of(HEADER + f"E1,Ana,{taken},CR-MAD,,\n")[0]


def test_header_problems_and_empty_files(depts):
    assert "missing column(s): email" in errors_of("employee_no,full_name,department_code\nE1,A,CR-MAD\n")[0]
    assert "unknown column(s): salary" in errors_of(HEADER.strip() + ",salary\n")[0]
    assert "empty" in errors_of("")[0]
    assert "no people" in errors_of(HEADER)[0]


def test_semicolon_files_from_spreadsheets_and_bom(depts):
    data = "\ufeffemployee_no;full_name;email;department_code\nE1;Ana;ana@bank.example.com;CR-MAD\n".encode()
    assert import_staff(data).created == ["E1"]


def test_non_utf8_file_is_refused_clearly(depts):
    with pytest.raises(ImportRejected) as caught:
        import_staff((HEADER + "E1,Peña,p@bank.example.com,CR-MAD,,\n").encode("latin-1"))
    assert "not UTF-8" in str(caught.value.errors[0])


def test_hr_and_admin_roles_survive_reimport(depts):
    import_staff((HEADER + "E1,Ana,ana@bank.example.com,CR-MAD,staff,\n").encode())
    ana = db.session.scalar(select(User).where(User.employee_no == "E1"))
    ana.set_roles({Role.STAFF, Role.HR})
    db.session.commit()
    import_staff((HEADER + "E1,Ana,ana@bank.example.com,CR-MAD,staff|supervisor,\n").encode())
    db.session.expire_all()
    assert db.session.get(User, ana.id).roles == {Role.STAFF, Role.HR, Role.SUPERVISOR}


def test_upload_page_reports_lines_and_changes_nothing(app, client):
    with app.app_context():
        factories.department("CR-MAD")
        hr = factories.user(Role.HR)
        email = hr.email
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    bad = (HEADER + "E1,Ana,ana@bank.example.com,CR-MAD,,\nE2,Bea,bad,CR-MAD,,\n").encode()
    from io import BytesIO
    response = client.post("/people/import", data={"file": (BytesIO(bad), "staff.csv")})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "E2" not in page or "bad" in page
    assert "3" in page and "is not a valid address" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
    good = (HEADER + "E1,Ana,ana@bank.example.com,CR-MAD,,\n").encode()
    response = client.post("/people/import", data={"file": (BytesIO(good), "staff.csv")})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 2
    assert client.post("/people/import", data={}).status_code == 422


def test_cli_import_prints_file_and_line(app, runner, tmp_path):
    with app.app_context():
        factories.department("CR-MAD")
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "E1,Ana,ana@bank.example.com,CR-MAD,,\nE2,Bea,bea@bank.example.com,XX,,\n", encoding="utf-8")
    result = runner.invoke(args=["trainer", "import-staff", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: unknown department_code 'XX'" in result.output
