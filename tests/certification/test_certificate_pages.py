"""Certificate pages for holders, the PDF, and the public verification page."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from trainer.people.models import Role, User
from trainer.certification import pdf
from trainer.extensions import db

from tests import factories
from tests.factories import sign_in


def pdf_text(data: bytes) -> str:
    """The text a reader of the PDF sees (through the fonts' Unicode maps)."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def people(app):
    with app.app_context():
        home = factories.department(name="Habilitación y Riesgos")
        other = factories.department()
        holder = factories.user(dept=home)
        holder.full_name = "Sofía Núñez"
        db.session.commit()
        made = {
            "holder": holder, "colleague": factories.user(dept=home),
            "supervisor": factories.user(Role.SUPERVISOR, dept=home),
            "other_supervisor": factories.user(Role.SUPERVISOR, dept=other),
            "hr": factories.user(Role.HR, dept=other), "admin": factories.user(Role.ADMIN, dept=other),
        }
        cert = factories.certificate(holder)
        return {"emails": {name: p.email for name, p in made.items()}, "holder_id": holder.id,
                "employee_no": holder.employee_no, "cert_id": cert.id, "code": cert.verify_code}



def test_holder_sees_their_certificate(client, people):
    sign_in(client, people["emails"]["holder"])
    page = client.get(f"/certificates/{people['cert_id']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for expected in ("Sofía Núñez", people["employee_no"], "Habilitación y Riesgos", "Post-loan inspector",
                     "Valid", f"http://localhost/verify/{people['code']}", 'media="print"'):
        assert expected in text
    assert "<script>" not in text  # no inline scripts: the CSP forbids them


def test_certificate_page_speaks_the_page_language(client, people):
    sign_in(client, people["emails"]["holder"])
    client.post("/language", data={"locale": "es"})
    text = client.get(f"/certificates/{people['cert_id']}").get_data(as_text=True)
    assert "Inspector/a post-préstamo" in text and "Post-loan inspector" not in text


def test_my_certificates_lists_newest_first_with_state_words(client, people, app):
    with app.app_context():
        holder = db.session.get(User, people["holder_id"])
        renewal = factories.certificate(holder, starts_in=301, ends_in=665)
        renewal_id = renewal.id
    sign_in(client, people["emails"]["holder"])
    text = client.get("/certificates").get_data(as_text=True)
    assert text.index(f"/certificates/{renewal_id}") < text.index(f"/certificates/{people['cert_id']}")
    assert "Not yet valid" in text and "Valid" in text
    assert f"/certificates/{people['cert_id']}.pdf" in text


def test_my_certificates_shows_only_mine(client, people):
    sign_in(client, people["emails"]["colleague"])
    text = client.get("/certificates").get_data(as_text=True)
    assert f"/certificates/{people['cert_id']}" not in text
    assert "You hold no certificates yet" in text


def test_my_certificates_needs_a_login(client, people):
    response = client.get("/certificates")
    assert response.status_code == 302 and "/login" in response.location


def test_my_certificates_makes_the_same_queries_for_any_number(client, people, app, count_queries):
    sign_in(client, people["emails"]["holder"])
    with count_queries() as few:
        assert client.get("/certificates").status_code == 200
    with app.app_context():
        holder = db.session.get(User, people["holder_id"])
        for n in range(4):
            factories.certificate(holder, starts_in=-800 + n * 100, ends_in=-750 + n * 100)
    with count_queries() as many:
        assert client.get("/certificates").status_code == 200
    assert len(many) == len(few)


@pytest.mark.parametrize("viewer, allowed", [
    ("holder", True), ("colleague", False), ("supervisor", True), ("other_supervisor", False),
    ("hr", True), ("admin", True),
])
def test_who_may_see_a_certificate_and_its_pdf(client, people, viewer, allowed):
    sign_in(client, people["emails"][viewer])
    page = client.get(f"/certificates/{people['cert_id']}")
    pdf = client.get(f"/certificates/{people['cert_id']}.pdf")
    assert (page.status_code, pdf.status_code) == ((200, 200) if allowed else (403, 403))


def test_unknown_certificate_is_404(client, people):
    sign_in(client, people["emails"]["hr"])
    assert client.get("/certificates/999999").status_code == 404
    assert client.get("/certificates/999999.pdf").status_code == 404


@pytest.mark.parametrize("language, title", [("en", "Post-loan inspector"), ("es", "Inspector/a post-préstamo")])
def test_pdf_is_one_a4_landscape_page_with_accents(client, people, language, title):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    sign_in(client, people["emails"]["holder"])
    response = client.get(f"/certificates/{people['cert_id']}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="certificate-inspector-%06d.pdf"' % (
        people["cert_id"])
    data = response.get_data()
    assert data.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    assert b"/MediaBox [0 0 841.89 595.28]" in data  # A4, landscape
    text = pdf_text(data)
    for expected in ("Sofía Núñez", "Habilitación y Riesgos", title, f"/verify/{people['code']}", "Demo Bank"):
        assert expected in text
    assert "SUSPENDED" not in text and "SUSPENDIDO" not in text
    # A static page claims no current state: it points to the verification page instead.
    assert "Status" not in text and "Estado" not in text
    assert b"/Subtype /Image" in data  # the QR code of the verification address


def test_pdf_of_an_ended_certificate_says_so_across_the_page(client, people, app):
    with app.app_context():
        factories.end_certificate(db.session.get(User, people["holder_id"]), "suspended", "Missed warning signals")
    sign_in(client, people["emails"]["holder"])
    text = pdf_text(client.get(f"/certificates/{people['cert_id']}.pdf").get_data())
    assert "SUSPENDED" in text
    assert "Missed warning signals" not in text


def test_pdf_embeds_a_unicode_font_and_prints_any_name_as_written(client, people, app):
    name = "Łucja Dvořák-Çelik 王芳 Nguyễn"
    with app.app_context():
        db.session.get(User, people["holder_id"]).full_name = name
        db.session.commit()
    sign_in(client, people["emails"]["holder"])
    response = client.get(f"/certificates/{people['cert_id']}.pdf")
    assert response.status_code == 200
    data = response.get_data()
    assert b"/FontFile2" in data  # embedded, not a core font
    assert name in pdf_text(data).replace("\n", " ")


def test_the_large_cjk_font_is_embedded_only_for_a_name_that_needs_it(client, people, app):
    def fonts_embedded(name):
        with app.app_context():
            db.session.get(User, people["holder_id"]).full_name = name
            db.session.commit()
        data = client.get(f"/certificates/{people['cert_id']}.pdf").get_data()
        assert name in pdf_text(data).replace("\n", " ")
        return data.count(b"/FontFile2")

    sign_in(client, people["emails"]["holder"])
    latin = fonts_embedded("Łucja Dvořák-Çelik")
    assert latin <= 2  # DejaVu Sans, regular and bold
    if any(path.exists() for path in pdf.CJK_FALLBACK_CANDIDATES):
        assert fonts_embedded("王芳") > latin


def test_pdf_carries_the_configured_bank_identity(client, people, app):
    app.config.update(BANK_NAME="Banco Ejemplar, S.A.", BANK_ADDRESS="Calle Mayor 1, Madrid",
                      BANK_CONTACT_EMAIL="formacion@ejemplar.example")
    sign_in(client, people["emails"]["holder"])
    text = pdf_text(client.get(f"/certificates/{people['cert_id']}.pdf").get_data())
    for expected in ("Banco Ejemplar, S.A.", "Calle Mayor 1, Madrid", "formacion@ejemplar.example"):
        assert expected in text


# --- public verification --------------------------------------------------------

@pytest.mark.parametrize("state, starts_in, ends_in, wording", [
    ("active", -10, 300, "Valid certificate"),
    ("expiring", -300, 10, "Valid certificate"),
    ("upcoming", 5, 370, "Not yet valid"),
    ("expired", -400, -1, "Not valid: this certificate has expired"),
    ("suspended", -10, 300, "Not valid: this certificate has been suspended"),
    ("revoked", -10, 300, "Not valid: this certificate has been revoked"),
])
def test_verify_page_says_plainly_whether_it_is_valid(client, app, state, starts_in, ends_in, wording):
    with app.app_context():
        holder = factories.user()
        holder.full_name = "Sofía Núñez"
        cert = factories.certificate(holder, starts_in=starts_in, ends_in=ends_in)
        if state in ("suspended", "revoked"):
            factories.end_certificate(holder, state, "Falsified a report")
        code, email, number = cert.verify_code, holder.email, holder.employee_no
    response = client.get(f"/verify/{code}")  # nobody signed in
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert wording in text and "Sofía Núñez" in text and "Post-loan inspector" in text
    assert ("Not valid" in text) == (state in ("expired", "suspended", "revoked"))
    assert email not in text and number not in text
    assert "Falsified a report" not in text
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_code_reveals_nothing(client, people):
    response = client.get("/verify/not-a-real-code")
    text = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "There is no certificate with this code." in text and "Sofía" not in text
    assert response.headers["X-Robots-Tag"] == "noindex"
