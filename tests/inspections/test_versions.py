"""A returned report keeps the version that was returned; the author and supervisors see the
versions and a field-by-field diff against what followed, with typed text never becoming markup."""
from sqlalchemy import select

from trainer.extensions import db
from trainer.inspections import review, services, versions
from trainer.inspections.models import InspectionReport, RaisedSignal, ReportVersion
from trainer.inspections.review import ReviewInput

from tests.factories import report_content

MARKS = {"coverage": 3, "timeliness": 4, "signal_accuracy": 2, "analysis_quality": 1}


def confirm_all(report_id):
    return {s.id: True for s in db.session.scalars(select(RaisedSignal).where(RaisedSignal.report_id == report_id))}


def return_it(bank, report_id, reasons="Describe the warehouse."):
    review.review_report(bank.supervisor, report_id, ReviewInput("returned", "Thin on collateral.", MARKS,
                                                                 confirm_all(report_id), return_reasons=reasons))
    db.session.expire_all()
    return db.session.get(InspectionReport, report_id)


def resubmit(bank, report, **areas):
    content = report_content()
    for code, finding in areas.items():
        content.areas[code].finding = finding
    services.submit_report(bank.officer, report.id, report.revision, content)
    db.session.expire_all()
    return db.session.get(InspectionReport, report.id)


def test_returning_keeps_a_numbered_snapshot_that_later_edits_do_not_touch(bank):
    report = services.file_report(bank.officer, bank.loan, report_content(), submit=True)
    returned = return_it(bank, report.id)
    [first] = versions.versions_of(report.id)
    assert first.number == 1
    snap = first.snapshot
    assert snap["conclusion"] == "Loan performing; keep monitoring the guarantor."
    assert {a["area"]: a["finding"] for a in snap["areas"]}["collateral"] == "Checked collateral"
    assert snap["signals"] == [{"signal": "guarantor_weakened", "severity": "medium",
                                "note": "Guarantor sold two properties", "confirmed": True}]
    assert snap["review"]["scores"] == MARKS and snap["review"]["return_reasons"] == "Describe the warehouse."

    again = resubmit(bank, returned, collateral="Warehouse inspected: roof repaired.")
    db.session.expire_all()
    assert {a["area"]: a["finding"] for a in db.session.get(ReportVersion, first.id).snapshot["areas"]}[
        "collateral"] == "Checked collateral", "the kept version does not follow the report"
    return_it(bank, again.id, "Now the guarantor.")
    assert [v.number for v in versions.versions_of(report.id)] == [1, 2]


def test_accepting_keeps_no_version(bank):
    report = services.file_report(bank.officer, bank.loan, report_content(), submit=True)
    review.review_report(bank.supervisor, report.id, ReviewInput("accepted", "Fine.", MARKS, confirm_all(report.id)))
    assert versions.versions_of(report.id) == []


def test_the_word_diff_marks_removed_and_added_words():
    segments = versions.text_segments("The roof leaks badly.", "The roof was repaired.")
    assert [(s.op, s.text) for s in segments] == [("equal", "The roof "), ("removed", "leaks badly."),
                                                  ("added", "was repaired.")]


def test_the_supervisor_and_the_author_see_the_diff_escaped(bank, client, login):
    report = services.file_report(bank.officer, bank.loan, report_content(), submit=True)
    returned = return_it(bank, report.id)
    # The author corrects the collateral finding, typing markup into it.
    resubmit(bank, returned, collateral="<script>alert(1)</script> Roof repaired")
    db.session.commit()
    login(bank.supervisor.email)
    form = client.get(f"/inspections/reports/{report.id}/review")
    assert form.status_code == 200 and f"/inspections/reports/{report.id}/versions/1" in form.text
    page = client.get(f"/inspections/reports/{report.id}/versions/1")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Roof repaired" in page.text and "<script>alert(1)" not in page.text
    assert "Collateral (mortgage / pledge) · Finding" in page.text and "Checked collateral" in page.text
    assert "Describe the warehouse." in page.text and "1 field changed." in page.text
    listing = client.get(f"/inspections/reports/{report.id}/versions")
    assert listing.status_code == 200 and "Describe the warehouse." in listing.text
    client.post("/logout")

    login(bank.officer.email)
    assert client.get(f"/inspections/reports/{report.id}/versions/1").status_code == 200
    assert "1 earlier version" in client.get(f"/inspections/reports/{report.id}").text
    assert client.get(f"/inspections/reports/{report.id}/versions/2").status_code == 404
    client.post("/logout")
    login(bank.colleague.email)  # staff who did not write it may not see it
    assert client.get(f"/inspections/reports/{report.id}/versions").status_code == 403
    assert client.get(f"/inspections/reports/{report.id}/versions/1").status_code == 403


def test_a_long_text_is_diffed_word_by_word_on_the_page(bank, client, login):
    content = report_content()
    content.conclusion = "Loan performing. " * 6 + "Keep monitoring the guarantor closely."
    report = services.file_report(bank.officer, bank.loan, content, submit=True)
    returned = return_it(bank, report.id)
    content.conclusion = "Loan performing. " * 6 + "Ask the guarantor for <b>new</b> accounts."
    services.submit_report(bank.officer, returned.id, returned.revision, content)
    db.session.commit()
    login(bank.supervisor.email)
    page = client.get(f"/inspections/reports/{report.id}/versions/1")
    assert '<del class="bg-danger-subtle">Keep monitoring </del>' in page.text
    assert "&lt;b&gt;new&lt;/b&gt;" in page.text and "<b>new</b>" not in page.text
