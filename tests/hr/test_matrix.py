"""The certification matrix: states, filters in SQL, counts, exports, access and query counts."""
import csv
import io
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from trainer.people.models import Role, User
from trainer.certification import services as certification
from trainer.certification.models import Certificate, CertificateStatus
from trainer.extensions import db
from trainer.hr import matrix
from trainer.timeutil import utcnow

from tests import factories
from tests.factories import sign_in

ACTIVE, SUSPENDED, REVOKED = CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED, CertificateStatus.REVOKED


def certificate(user_id: int, expires_in: int, status: CertificateStatus = ACTIVE, code: str = "inspector",
                lasted: int = 365, ended_at: datetime | None = None) -> Certificate:
    """A certificate ending `expires_in` days from today (negative: in the past).
    Suspended and revoked ones end yesterday unless `ended_at` says otherwise."""
    if status is not ACTIVE and ended_at is None:
        ended_at = utcnow() - timedelta(days=1)
    return factories.certificate(user_id, code=code, status=status, starts_in=expires_in - lasted, ends_in=expires_in,
                                 ended_at=ended_at)


def next_local_midnight(app) -> datetime:
    zone = ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(certification.today() + timedelta(days=1), time.min, tzinfo=zone).astimezone(timezone.utc)


def person(name: str, dept, *roles: Role, login: bool = False) -> User:
    user = factories.user(*roles, dept=dept, password=factories.PASSWORD if login else None)
    user.full_name = name
    db.session.commit()
    return user


ROW = re.compile(r'<tr>\s*<td><a href="/people/\d+">([^<]+)</a></td>(.*?)</tr>', re.S)
CELL = re.compile(r'data-qualification="([^"]+)" data-state="([^"]+)"')


def matrix_rows(html: str) -> dict[str, dict[str, str]]:
    """name -> {qualification: state}, as the page shows them."""
    return {name: dict(CELL.findall(cells)) for name, cells in ROW.findall(html)}


@pytest.fixture
def bank(app):
    """One person per state (and per edge of the rule) in department A, two in B, and HR in A.

    Inspector renewal window: 60 days. Dates sit on the rule's edges, so the
    SQL filter and `state_on` have to agree exactly.
    """
    with app.app_context():
        a, b = factories.department("A-DEPT", "Alpha"), factories.department("B-DEPT", "Beta")
        hr = person("HR Reader", a, Role.HR, login=True)
        people = {name: person(name, a) for name in (
            "Ana None", "Bea Active", "Cai Expiring", "Dan Expired", "Eva Suspended", "Fer Revoked",
            "Gil Edge Today", "Hal Edge Window", "Ivo Edge Active", "Jon Renewed", "Pia Future",
            "Ned Ended Tonight", "Oli Ends Tomorrow", "Rai Ended Expired")}
        ids = {name: p.id for name, p in people.items()}
        midnight = next_local_midnight(app)
        certificate(ids["Bea Active"], 200)
        certificate(ids["Cai Expiring"], 10)
        certificate(ids["Dan Expired"], -400, REVOKED)  # older: the latest one decides
        certificate(ids["Dan Expired"], -1)
        certificate(ids["Eva Suspended"], 200, SUSPENDED)
        certificate(ids["Fer Revoked"], 200, REVOKED)
        certificate(ids["Gil Edge Today"], 0)  # last valid day: expiring, not expired
        certificate(ids["Hal Edge Window"], 60)  # first day of the renewal window
        certificate(ids["Ivo Edge Active"], 61)
        certificate(ids["Jon Renewed"], 10)
        certificate(ids["Jon Renewed"], 375, lasted=364)  # an early renewal: starts after the current one ends
        certificate(ids["Pia Future"], 366)  # starts tomorrow
        certificate(ids["Ned Ended Tonight"], 200, SUSPENDED, ended_at=midnight - timedelta(minutes=1))
        certificate(ids["Oli Ends Tomorrow"], 200, SUSPENDED, ended_at=midnight + timedelta(minutes=1))
        certificate(ids["Rai Ended Expired"], -5, SUSPENDED, ended_at=utcnow() - timedelta(days=30))
        certificate(ids["Bea Active"], 200, code="supervisor")
        other = {name: person(name, b).id for name in ("Kim Beta Active", "Lou Beta None")}
        certificate(other["Kim Beta Active"], 100)
        return {"hr": hr.email, "a": a.id, "b": b.id, **ids, **other}


EXPECTED_INSPECTOR = {
    "Ana None": "none", "Bea Active": "active", "Cai Expiring": "expiring", "Dan Expired": "expired",
    "Eva Suspended": "suspended", "Fer Revoked": "revoked", "Gil Edge Today": "expiring",
    "Hal Edge Window": "expiring", "Ivo Edge Active": "active", "Jon Renewed": "expiring", "Pia Future": "none",
    "Ned Ended Tonight": "suspended", "Oli Ends Tomorrow": "active", "Rai Ended Expired": "suspended",
    "Kim Beta Active": "active", "Lou Beta None": "none", "HR Reader": "none",
}


def test_matrix_shows_each_persons_state(client, bank):
    sign_in(client, bank["hr"])
    response = client.get("/people/matrix")
    assert response.status_code == 200
    rows = matrix_rows(response.get_data(as_text=True))
    assert {name: states["inspector"] for name, states in rows.items()} == EXPECTED_INSPECTOR
    assert rows["Bea Active"]["supervisor"] == "active" and rows["Ana None"]["supervisor"] == "none"
    assert list(rows) == sorted(rows)  # ordered by name
    html = response.get_data(as_text=True)
    assert ">Expiring soon</span>" in html and ">Not qualified</span>" in html  # the state is written, not only coloured


@pytest.mark.parametrize("state", matrix.STATES)
def test_state_filter_in_sql_agrees_with_the_rule(client, bank, state):
    sign_in(client, bank["hr"])
    rows = matrix_rows(client.get(f"/people/matrix?qualification=inspector&state={state}").get_data(as_text=True))
    assert set(rows) == {name for name, s in EXPECTED_INSPECTOR.items() if s == state}


def test_state_filter_without_qualification_matches_any(client, bank):
    sign_in(client, bank["hr"])
    rows = matrix_rows(client.get("/people/matrix?state=active").get_data(as_text=True))
    # Bea is active in both; nobody else holds the supervisor qualification.
    assert set(rows) == {n for n, s in EXPECTED_INSPECTOR.items() if s == "active"}
    everyone_lacks_something = matrix_rows(client.get("/people/matrix?state=none").get_data(as_text=True))
    assert "Bea Active" not in everyone_lacks_something and "Ivo Edge Active" in everyone_lacks_something


def test_department_and_search_filters(client, bank):
    sign_in(client, bank["hr"])
    rows = matrix_rows(client.get(f"/people/matrix?department={bank['b']}").get_data(as_text=True))
    assert set(rows) == {"Kim Beta Active", "Lou Beta None"}
    assert set(matrix_rows(client.get("/people/matrix?q=edge").get_data(as_text=True))) == {
        "Gil Edge Today", "Hal Edge Window", "Ivo Edge Active"}
    with client.application.app_context():
        number = db.session.get(User, bank["Cai Expiring"]).employee_no
    assert set(matrix_rows(client.get(f"/people/matrix?q={number}").get_data(as_text=True))) == {"Cai Expiring"}


def test_expiring_within_n_days(client, bank):
    sign_in(client, bank["hr"])

    def within(days: int, extra: str = "") -> set[str]:
        return set(matrix_rows(client.get(f"/people/matrix?within={days}{extra}").get_data(as_text=True)))

    assert within(1) == {"Gil Edge Today"}
    assert within(10) == {"Gil Edge Today", "Cai Expiring", "Jon Renewed"}  # Jon's renewal has not started yet
    assert within(61) == {"Gil Edge Today", "Cai Expiring", "Jon Renewed", "Hal Edge Window", "Ivo Edge Active"}
    # Suspended, revoked, expired and not yet started certificates are not "expiring".
    assert within(365) == {"Gil Edge Today", "Cai Expiring", "Jon Renewed", "Hal Edge Window", "Ivo Edge Active",
                           "Kim Beta Active", "Bea Active", "Oli Ends Tomorrow"}
    assert within(365, f"&department={bank['b']}") == {"Kim Beta Active"}
    assert within(365, "&qualification=supervisor") == {"Bea Active"}


@pytest.mark.parametrize("bad", ["0", "366", "-3", "soon"])
def test_invalid_within_is_a_message_not_an_error(client, bank, bad):
    sign_in(client, bank["hr"])
    response = client.get(f"/people/matrix?within={bad}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Some filters are not valid" in html
    assert len(matrix_rows(html)) == len(EXPECTED_INSPECTOR)  # the other filters still work
    assert client.get(f"/people/matrix.csv?within={bad}").status_code == 422


def test_unknown_state_or_qualification_is_rejected(client, bank):
    sign_in(client, bank["hr"])
    assert client.get("/people/matrix?state=excellent").status_code == 422
    assert client.get("/people/matrix?qualification=pilot&state=active").status_code == 422


def test_pagination_is_correct_when_filtering_by_state(client, app):
    with app.app_context():
        dept = factories.department()
        hr = person("HR Reader", dept, Role.HR, login=True).email
        for n in range(60):
            certificate(person(f"Active {n:02d}", dept).id, 200)
            person(f"Without {n:02d}", dept)
    sign_in(client, hr)
    first = client.get("/people/matrix?qualification=inspector&state=active")
    html = first.get_data(as_text=True)
    rows = matrix_rows(html)
    assert len(rows) == 50 and all(states["inspector"] == "active" for states in rows.values())
    assert "60 people" in html
    assert "state=active" in re.search(r'href="([^"]*page=2[^"]*)"', html).group(1).replace("&amp;", "&")
    second = matrix_rows(client.get("/people/matrix?qualification=inspector&state=active&page=2").get_data(as_text=True))
    assert len(second) == 10 and not set(second) & set(rows)
    assert set(rows) | set(second) == {f"Active {n:02d}" for n in range(60)}


def test_counts_per_department_qualification_and_state(ctx, bank):
    hr = db.session.scalar(db.select(User).where(User.email == bank["hr"]))
    counts = {d.code: d for d in matrix.department_counts(hr, matrix.MatrixFilter())}
    assert set(counts) == {"A-DEPT", "B-DEPT"}
    alpha, beta = counts["A-DEPT"], counts["B-DEPT"]
    assert [alpha.get("inspector", s) for s in matrix.STATES] == [3, 4, 1, 3, 1, 3]  # HR Reader holds none
    assert (alpha.get("supervisor", "active"), alpha.get("supervisor", "none")) == (1, 14)
    assert (beta.get("inspector", "active"), beta.get("inspector", "none"), beta.get("supervisor", "none")) == (1, 1, 2)
    # For the filtered population only.
    expiring = {d.code: d for d in matrix.department_counts(hr, matrix.MatrixFilter(state="expiring"))}
    assert set(expiring) == {"A-DEPT"} and expiring["A-DEPT"].get("inspector", "expiring") == 4
    assert expiring["A-DEPT"].get("supervisor", "none") == 4


def test_counts_are_shown_above_the_table(client, bank):
    sign_in(client, bank["hr"])
    html = client.get(f"/people/matrix?department={bank['b']}").get_data(as_text=True)
    counts = html[html.index('id="counts-h"'):html.index('id="people-h"')]
    assert "Beta (B-DEPT)" in counts and "Alpha" not in counts


def _injection_people(app):
    with app.app_context():
        dept = factories.department()
        hr = person("HR Reader", dept, Role.HR, login=True).email
        for name in ("=HYPERLINK(\"http://x\")", "+1 Plus", "-2 Minus", "@SUM(A1)", "Zoë Ñandú, \"Quoted\""):
            certificate(person(name, dept).id, 100)
        for n in range(55):  # more than a page: exports hold every row
            person(f"Plain {n:02d}", dept)
    return hr


def bank_today(app) -> date:
    with app.app_context():
        return certification.today()


def test_csv_export_has_every_row_and_is_safe_to_open(client, app):
    sign_in(client, _injection_people(app))
    response = client.get("/people/matrix.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    today = bank_today(app).isoformat()
    assert f'filename="certification-matrix-{today}.csv"' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header == ["employee_no", "full_name", "department", "inspector_state", "inspector_valid_from",
                      "inspector_expires_on", "supervisor_state", "supervisor_valid_from", "supervisor_expires_on"]
    assert len(body) == 61
    names = {row[1]: row for row in body}
    assert {"'=HYPERLINK(\"http://x\")", "'+1 Plus", "'-2 Minus", "'@SUM(A1)", "Zoë Ñandú, \"Quoted\""} <= set(names)
    quoted = names["Zoë Ñandú, \"Quoted\""]
    expires = (bank_today(app) + timedelta(days=100)).isoformat()
    assert quoted[3:6] == ["active", (date.fromisoformat(expires) - timedelta(days=365)).isoformat(), expires]
    assert quoted[6:] == ["none", "", ""]


def test_csv_export_applies_the_filters(client, bank):
    sign_in(client, bank["hr"])
    body = list(csv.reader(io.StringIO(client.get("/people/matrix.csv?qualification=inspector&state=expiring")
                                       .data.decode("utf-8-sig"))))[1:]
    assert sorted(row[1] for row in body) == ["Cai Expiring", "Gil Edge Today", "Hal Edge Window", "Jon Renewed"]


def test_xlsx_export(client, app):
    sign_in(client, _injection_people(app))
    response = client.get("/people/matrix.xlsx?state=active")
    assert response.status_code == 200
    assert ".xlsx" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]][:4] == ["employee_no", "full_name", "department", "inspector_state"]
    assert all(c.font.b for c in rows[0])
    body = [[c.value for c in row] for row in rows[1:]]
    assert len(body) == 5
    assert {row[1] for row in body} >= {"'=HYPERLINK(\"http://x\")", "'+1 Plus", "'-2 Minus", "'@SUM(A1)"}
    assert all(cell.data_type != "f" for row in rows for cell in row)
    expires = bank_today(app) + timedelta(days=100)
    assert isinstance(body[0][5], datetime) and body[0][5].date() == expires
    assert body[0][6:] == ["none", None, None]


@pytest.fixture
def departments(app):
    with app.app_context():
        home, other = factories.department(), factories.department()
        logins = {role: person(f"The {role.value}", home, role, login=True).email
                  for role in (Role.STAFF, Role.SUPERVISOR, Role.HR, Role.ADMIN)}
        person("Home Colleague", home)
        stranger = person("Other Stranger", other)
        return {"logins": logins, "other": other.id, "stranger": stranger.id}


@pytest.mark.parametrize("url", ["/people/matrix", "/people/matrix.csv", "/people/matrix.xlsx"])
def test_staff_may_not_see_the_matrix(client, departments, url):
    sign_in(client, departments["logins"][Role.STAFF])
    assert client.get(url).status_code == 403


def test_supervisor_sees_only_their_department(client, departments):
    sign_in(client, departments["logins"][Role.SUPERVISOR])
    rows = matrix_rows(client.get("/people/matrix").get_data(as_text=True))
    assert "Home Colleague" in rows and "Other Stranger" not in rows
    exported = client.get("/people/matrix.csv").data.decode("utf-8-sig")
    assert "Home Colleague" in exported and "Other Stranger" not in exported
    # Asking for another department does not widen the view.
    sneaky = client.get(f"/people/matrix?department={departments['other']}")
    assert sneaky.status_code == 422 and "Other Stranger" not in sneaky.get_data(as_text=True)
    assert "Other Stranger" not in client.get(f"/people/matrix.csv?department={departments['other']}").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.HR, Role.ADMIN])
def test_hr_and_admin_see_everyone(client, departments, role):
    sign_in(client, departments["logins"][role])
    rows = matrix_rows(client.get("/people/matrix").get_data(as_text=True))
    assert {"Home Colleague", "Other Stranger"} <= set(rows)
    only_other = matrix_rows(client.get(f"/people/matrix?department={departments['other']}").get_data(as_text=True))
    assert set(only_other) == {"Other Stranger"}


def test_query_count_does_not_grow_with_people(app, client, count_queries):
    with app.app_context():
        dept = factories.department()
        hr = person("HR Reader", dept, Role.HR, login=True).email

    def add_people(n: int) -> None:
        with app.app_context():
            for i in range(n):
                user_id = person(f"Someone {i}", dept).id
                certificate(user_id, 100)
                certificate(user_id, 30, SUSPENDED, code="supervisor")

    def queries(url: str) -> int:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    urls = ["/people/matrix", "/people/matrix?qualification=inspector&state=active&within=200",
            "/people/matrix?page=2", "/people/matrix.csv", "/people/matrix.xlsx?state=suspended"]
    sign_in(client, hr)
    add_people(5)
    few = [queries(url) for url in urls]
    add_people(55)
    many = [queries(url) for url in urls]
    assert few == many
    assert max(many) <= 10


def test_export_links_carry_only_the_applied_filters(client, bank):
    sign_in(client, bank["hr"])
    html = client.get("/people/matrix?state=expiring&within=0&page=1").get_data(as_text=True)
    link = re.search(r'href="(/people/matrix\.csv[^"]*)"', html).group(1).replace("&amp;", "&")
    assert link == "/people/matrix.csv?state=expiring"
    assert client.get(link).status_code == 200
