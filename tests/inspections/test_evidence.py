"""Evidence files on a report: accepted by content, within the size limit, stored outside static
under a random name with their SHA-256, served as downloads only to those who may see the report."""
import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from trainer.extensions import db
from trainer.inspections import evidence, review, services
from trainer.inspections.models import RaisedSignal, ReportAttachment
from trainer.inspections.review import ReviewInput
from trainer.inspections.services import InspectionError

from tests.factories import report_content

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
MARKS = {"coverage": 3, "timeliness": 4, "signal_accuracy": 2, "analysis_quality": 1}


def draft(bank):
    report = services.file_report(bank.officer, bank.loan, report_content())
    db.session.commit()
    return report


def refused(code, *args):
    with pytest.raises(InspectionError) as caught:
        evidence.add(*args)
    assert caught.value.code == code, caught.value.message
    db.session.rollback()
    return caught.value


def test_accepted_files_are_stored_outside_static_under_random_names(app, bank):
    report = draft(bank)
    rows = [evidence.add(bank.officer, report.id, name, data)
            for name, data in (("acta.pdf", PDF), ("../../etc/foto almacén.png", PNG), ("x.jpeg", JPEG))]
    assert [r.content_type for r in rows] == ["application/pdf", "image/png", "image/jpeg"]
    assert [r.filename for r in rows] == ["acta.pdf", "foto almacén.png", "x.jpeg"]
    for row, data in zip(rows, (PDF, PNG, JPEG)):
        path = evidence.path_of(row)
        assert path.read_bytes() == data and row.sha256 == hashlib.sha256(data).hexdigest() and row.size == len(data)
        assert "acta" not in row.stored_name and "foto" not in row.stored_name
        assert Path(app.static_folder) not in path.parents


def test_content_decides_the_type_and_the_limit_comes_from_config(app, bank):
    report = draft(bank)
    assert "PDF, PNG and JPEG" in refused("invalid", bank.officer, report.id, "photo.png", b"<html><script>").message
    refused("invalid", bank.officer, report.id, "renamed.pdf", b"MZ\x90\x00 an executable")
    refused("invalid", bank.officer, report.id, "empty.pdf", b"")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    assert "too large" in refused("invalid", bank.officer, report.id, "big.pdf", PDF + b"0" * 1024).message
    assert db.session.scalars(select(ReportAttachment)).all() == []


def test_only_the_author_adds_and_only_while_the_report_is_editable(bank):
    report = draft(bank)
    assert refused("not_author", bank.colleague, report.id, "a.pdf", PDF).forbidden
    services.submit_report(bank.officer, report.id, report.revision)
    refused("not_editable", bank.officer, report.id, "a.pdf", PDF)


def test_a_file_in_a_returned_version_stays_a_later_one_may_be_removed(bank):
    report = services.file_report(bank.officer, bank.loan, report_content(), submit=False)
    first = evidence.add(bank.officer, report.id, "acta.pdf", PDF)
    db.session.expire_all()
    services.submit_report(bank.officer, report.id, db.session.get(type(report), report.id).revision)
    confirmations = {s.id: True for s in db.session.scalars(select(RaisedSignal).where(RaisedSignal.report_id == report.id))}
    review.review_report(bank.supervisor, report.id, ReviewInput("returned", "Thin.", MARKS, confirmations,
                                                                 return_reasons="Add photographs."))
    second = evidence.add(bank.officer, report.id, "roof.png", PNG)
    db.session.commit()  # as the requests that made all this do; the refusals below roll back only themselves
    with pytest.raises(InspectionError) as kept:
        evidence.remove(bank.officer, first.id)
    assert kept.value.code == "kept"
    db.session.rollback()
    with pytest.raises(InspectionError):
        evidence.remove(bank.colleague, second.id)
    db.session.rollback()
    path = evidence.path_of(second)
    evidence.remove(bank.officer, second.id)
    db.session.commit()
    assert not path.exists() and [a.id for a in evidence.attachments_of(report.id)] == [first.id]


def test_files_on_disk_follow_the_transaction_that_adds_or_removes_their_row(bank):
    """A file written for a row that is not kept is removed; a removed row's file goes only once the removal is
    committed, so a request that fails after removing it leaves the file its row still names."""
    report = draft(bank)
    dropped = evidence.add(bank.officer, report.id, "acta.pdf", PDF)
    dropped_path = evidence.path_of(dropped)
    assert dropped_path.exists()
    db.session.rollback()
    assert not dropped_path.exists()

    kept = evidence.add(bank.officer, report.id, "acta.pdf", PDF)
    db.session.commit()
    kept_id, kept_path = kept.id, evidence.path_of(kept)
    evidence.remove(bank.officer, kept_id)
    assert kept_path.exists()  # not committed yet
    db.session.rollback()
    assert kept_path.exists() and [a.id for a in evidence.attachments_of(report.id)] == [kept_id]
    evidence.remove(bank.officer, kept_id)
    db.session.commit()
    assert not kept_path.exists() and evidence.attachments_of(report.id) == []


def test_upload_and_download_through_the_pages(bank, client, login):
    report = draft(bank)
    login(bank.officer.email)
    edit = client.get(f"/inspections/reports/{report.id}/edit")
    assert 'enctype="multipart/form-data"' in edit.text
    sent = client.post(f"/inspections/reports/{report.id}/evidence",
                       data={"file": (io.BytesIO(PDF), "acta <b>1.pdf")}, content_type="multipart/form-data")
    assert sent.status_code == 302
    bad = client.post(f"/inspections/reports/{report.id}/evidence",
                      data={"file": (io.BytesIO(b"GIF89a..."), "x.pdf")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "PDF, PNG and JPEG" in bad.text
    row = db.session.scalars(select(ReportAttachment)).one()
    page = client.get(f"/inspections/reports/{report.id}")
    assert "acta &lt;b&gt;1.pdf" in page.text and f"/inspections/evidence/{row.id}" in page.text

    download = client.get(f"/inspections/evidence/{row.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"] == "application/pdf"
    client.post("/logout")

    login(bank.supervisor.email)  # supervisors of the department see the report, and so its files
    assert client.get(f"/inspections/evidence/{row.id}").status_code == 200
    assert client.post(f"/inspections/evidence/{row.id}/delete").status_code == 403
    client.post("/logout")
    login(bank.colleague.email)  # a colleague does not see someone else's report
    assert client.get(f"/inspections/evidence/{row.id}").status_code == 403
    client.post("/logout")
    login(bank.outsider.email)
    assert client.get(f"/inspections/evidence/{row.id}").status_code == 403
    client.post("/logout")

    login(bank.officer.email)
    assert client.post(f"/inspections/evidence/{row.id}/delete").status_code == 302
    assert db.session.scalars(select(ReportAttachment)).all() == []


def test_an_upload_over_the_request_limit_is_a_413_page(app, bank, client, login):
    report = draft(bank)
    app.config["MAX_CONTENT_LENGTH"] = 2048
    login(bank.officer.email)
    response = client.post(f"/inspections/reports/{report.id}/evidence",
                           data={"file": (io.BytesIO(PDF + b"0" * 4096), "big.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 413
    assert db.session.scalars(select(ReportAttachment)).all() == []
