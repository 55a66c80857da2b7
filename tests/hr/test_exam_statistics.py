"""The exam statistics page: who may see it, the figures it shows, its CSV, and its query count."""
import csv
import io
import re
from datetime import timedelta

import pytest

from trainer.people.models import Role
from trainer.exams import statistics
from trainer.timeutil import utcnow

from tests import factories
from tests.factories import read_modules, sit
from tests.hr.test_matrix import sign_in

URL = "/people/exams/inspector/statistics"


def candidates(app, scores: list[int | None], when=None) -> None:
    """One person per entry sits the inspector exam, getting the first `right` questions right."""
    with app.app_context():
        dept = factories.department()
        for right in scores:
            person = factories.user(dept=dept, password=None)
            read_modules(person, "inspector")
            sit(person, "inspector", when or utcnow(), right=right)


@pytest.fixture
def viewers(app):
    with app.app_context():
        factories.load_content()
        dept = factories.department()
        return {role: factories.user(role, dept=dept).email for role in (Role.STAFF, Role.SUPERVISOR, Role.HR, Role.ADMIN)}


def stat(html: str, name: str) -> str:
    return re.search(rf'<td class="text-end" data-stat="{name}">\s*(.*?)\s*</td>', html, re.S).group(1)


@pytest.mark.parametrize("role", [Role.HR, Role.ADMIN])
def test_hr_and_admin_see_the_figures(app, client, viewers, role):
    candidates(app, [None, 0])  # 100% and 0%
    sign_in(client, viewers[role])
    response = client.get(URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert stat(html, "attempts") == "2"
    assert stat(html, "mean") == "50.0" and stat(html, "median") == "50.0"
    assert stat(html, "sd") == f"{(2 * 50 ** 2) ** .5:.1f}"  # 70.7: sample SD of 0 and 100
    assert "<svg" in html and "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    rows = re.findall(r'<tr data-qid="([^"]+)" data-version="(\d+)">', html)
    assert rows and all(version == "1" for _qid, version in rows)
    # The draw differs per person: a question both saw was right for one and wrong for the other.
    seen_facility = re.findall(r'<td class="text-end">(\d+)</td>\s*<td class="text-end" data-stat="facility">\s*([^<\s]+)', html)
    assert len(seen_facility) == len(rows)
    assert all(facility == "50.0" if seen == "2" else facility in ("0.0", "100.0") for seen, facility in seen_facility)
    assert "<details" in html and 'id="distribution"' in html


def test_spanish_viewer_reads_spanish(app, client, viewers):
    candidates(app, [None])
    with app.app_context():
        from trainer.people.models import User
        from trainer.extensions import db
        user = db.session.query(User).filter_by(email=viewers[Role.HR]).one()
        user.locale = "es"
        db.session.commit()
    sign_in(client, viewers[Role.HR])
    html = client.get(URL).get_data(as_text=True)
    assert "Distribución de las puntuaciones" in html and "Índice de facilidad" in html
    assert "—" in html  # one attempt: no spread, so no SD


@pytest.mark.parametrize("role", [Role.STAFF, Role.SUPERVISOR])
def test_staff_and_supervisors_are_refused(client, viewers, role):
    sign_in(client, viewers[role])
    assert client.get(URL).status_code == 403
    assert client.get(URL.replace("statistics", "statistics.csv")).status_code == 403


def test_unknown_qualification_is_not_found(client, viewers):
    sign_in(client, viewers[Role.HR])
    assert client.get("/people/exams/astronaut/statistics").status_code == 404
    assert client.get("/people/exams/astronaut/statistics.csv").status_code == 404


def test_no_attempts_shows_dashes(client, viewers):
    sign_in(client, viewers[Role.HR])
    html = client.get(URL).get_data(as_text=True)
    assert stat(html, "attempts") == "0" and "—" in stat(html, "mean")


def test_date_range_and_bad_dates(app, client, viewers):
    candidates(app, [None], when=utcnow() - timedelta(days=40))
    candidates(app, [0])
    sign_in(client, viewers[Role.HR])
    since = (utcnow() - timedelta(days=10)).date().isoformat()
    assert stat(client.get(f"{URL}?since={since}").get_data(as_text=True), "attempts") == "1"
    response = client.get(f"{URL}?since=2025-05-01&until=2025-04-01")
    assert response.status_code == 422 and stat(response.get_data(as_text=True), "attempts") == "2"
    assert client.get(f"{URL}?since=not-a-date").status_code == 422
    assert client.get(URL.replace("statistics", "statistics.csv") + "?since=nope").status_code == 422


def test_csv_export_of_the_question_table(app, client, viewers):
    candidates(app, [None, 0])
    sign_in(client, viewers[Role.HR])
    response = client.get(URL.replace("statistics", "statistics.csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:2] == ["Question", "Version"] and len(rows) > 1
    assert {row[4] for row in rows[1:] if row[3] == "2"} <= {"50.0"}
    assert {row[4] for row in rows[1:]} <= {"0.0", "50.0", "100.0"}


def test_menu_link_leads_to_the_page(client, viewers):
    sign_in(client, viewers[Role.HR])
    assert "/people/exams/statistics" in client.get("/people/matrix").get_data(as_text=True)
    response = client.get("/people/exams/statistics")
    assert response.status_code == 302 and response.location.endswith("/statistics")


def test_query_count_does_not_grow_with_attempts(app, client, viewers, count_queries):
    sign_in(client, viewers[Role.HR])

    def queries(url: str) -> int:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    urls = [URL, URL.replace("statistics", "statistics.csv")]
    candidates(app, [None, 2])
    few = [queries(url) for url in urls]
    candidates(app, [0, 5, 10, 3])
    many = [queries(url) for url in urls]
    assert few == many


def test_flag_thresholds_are_named():
    assert (statistics.TOO_HARD_BELOW, statistics.TOO_EASY_ABOVE, statistics.WEAK_DISCRIMINATION_BELOW) == (20, 90, .2)
