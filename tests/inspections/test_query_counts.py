"""Inspection list pages make the same number of queries however many rows they show."""
from sqlalchemy import select

from trainer.extensions import db
from trainer.inspections import services
from trainer.inspections.models import InspectionReport

from tests.factories import loan, report_content


def queries_for(client, count_queries, url) -> int:
    with count_queries() as queries:
        response = client.get(url)
        assert response.status_code == 200, url
    return len(queries)


def add_rows(bank, n: int) -> None:
    for _ in range(n):
        extra = loan(bank.officer)
        services.file_report(bank.officer, extra, report_content(), submit=True)
        services.file_report(bank.officer, bank.loan, report_content(kind="irregular"))  # one regular a month
    db.session.commit()


PAGES = {
    "officer": ["/inspections/", "/inspections/loans", "/inspections/overdue", "/inspections/loans/{loan}"],
    "supervisor": ["/inspections/review", "/inspections/loans", "/inspections/overdue", "/inspections/loans/{loan}",
                   "/inspections/reports/{report}/review", "/inspections/reports/{report}"],
    "hr": ["/inspections/loans", "/inspections/overdue"],
}


def test_list_pages_do_not_grow_with_rows(app, bank, client, login, count_queries):
    add_rows(bank, 2)
    report_id = db.session.scalars(select(InspectionReport.id).where(InspectionReport.status == "submitted")).first()
    people = {"officer": bank.officer.email, "supervisor": bank.supervisor.email, "hr": bank.hr.email}
    values = {"loan": bank.loan.id, "report": report_id}
    for who, urls in PAGES.items():
        login(people[who])
        few = {url: queries_for(client, count_queries, url.format(**values)) for url in urls}
        add_rows(bank, 6)
        many = {url: queries_for(client, count_queries, url.format(**values)) for url in urls}
        assert few == many, who
        assert max(many.values()) <= 14, many
        client.post("/logout")
