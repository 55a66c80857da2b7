"""Certificates: the holder's pages, PDF, public verification and Open Badges."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file, url_for
from flask_babel import force_locale, format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from trainer.people.models import User
from trainer.certification import badges, services, standing
from trainer.certification.definitions import Qualification
from trainer.certification.models import Certificate, CertificateStatus
from trainer.certification.pdf import CertificateSheet, certificate_pdf
from trainer.certification.pdf_signing import sign_pdf
from trainer.issuer import issuer, logo_file
from trainer.extensions import db
from trainer.security import can_view_person, roles_required

bp = Blueprint("certification", __name__)

# A renewal is issued before the current certificate ends and starts the day after it.
UPCOMING = standing.UPCOMING
IN_FORCE = (services.ACTIVE, services.EXPIRING, UPCOMING)
STATE_LABELS = standing.STATE_LABELS
PUBLIC_HEADERS = {"X-Robots-Tag": "noindex", "Cache-Control": "no-store"}
JSON_LD = "application/ld+json"


@dataclass(frozen=True)
class Shown:
    """A certificate with what the pages say about it today."""

    cert: Certificate
    title: str
    state: str

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def number(self) -> str:
        return _number(self.cert)

    @property
    def in_force(self) -> bool:
        return self.state in IN_FORCE


@bp.get("/certificates")
@roles_required()
def mine():
    day = services.today()
    shown = [_shown(cert, day) for cert in services.certificates_of(current_user.id)]
    return render_template("certification/mine.html", shown=shown)


@bp.get("/certificates/<int:certificate_id>")
@roles_required()
def certificate(certificate_id: int):
    cert, holder = _viewable(certificate_id)
    return render_template("certification/certificate.html", item=_shown(cert), holder=holder,
                           verify_url=url_for(".verify", verify_code=cert.verify_code, _external=True),
                           badge_url=url_for(".badge_assertion", verify_code=cert.verify_code, _external=True),
                           bank=issuer(), logo_url=_logo_url())


@bp.get("/certificates/<int:certificate_id>.pdf")
@roles_required()
def certificate_file(certificate_id: int):
    cert, holder = _viewable(certificate_id)
    item = _shown(cert)
    sheet = CertificateSheet(
        number=item.number, holder=holder.full_name, employee_no=holder.employee_no,
        department=holder.department.name, qualification=item.title,
        valid_from=format_date(cert.valid_from, "long"), valid_until=format_date(cert.expires_on, "long"),
        granted_on=format_date(cert.granted_at, "long"),
        verify_url=url_for(".verify", verify_code=cert.verify_code, _external=True), issuer=issuer(),
        ended_label=None if item.in_force else item.state_label, stated_on=format_date(services.today(), "long"),
    )
    filename = f"certificate-{cert.qualification}-{item.number}.pdf"
    signed = sign_pdf(certificate_pdf(sheet), reason=f"{item.title} {item.number}")
    return Response(signed, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.get("/verify/<verify_code>")
def verify(verify_code: str):
    cert = services.certificate_by_code(verify_code)
    if cert is None:
        page = render_template("errors/error.html", code=404, message=_("There is no certificate with this code."))
        return page, 404, PUBLIC_HEADERS
    holder = db.session.get(User, cert.user_id)
    day = services.today()
    page = render_template("certification/verify.html", item=_shown(cert, day), holder=holder, today=day,
                           bank=issuer(), logo_url=_logo_url())
    return page, PUBLIC_HEADERS


@bp.get("/badges/assertions/<verify_code>.json")
def badge_assertion(verify_code: str):
    cert = services.certificate_by_code(verify_code)
    if cert is None:
        return _json({"error": "not_found"}, 404)
    assertion_url = url_for(".badge_assertion", verify_code=verify_code, _external=True)
    if cert.status is not CertificateStatus.ACTIVE:
        return _json(badges.revoked_assertion(assertion_url=assertion_url, reason=_revocation_reason(cert)), 410)
    holder = db.session.get(User, cert.user_id)
    # The badge class in the holder's language, so a backpack shows it as they read the site.
    return _json(badges.assertion(
        cert, holder.email, assertion_url=assertion_url,
        badge_url=url_for(".badge_class", qualification=cert.qualification, _external=True,
                          **_lang_argument(holder.locale)),
        tz_name=current_app.config["BABEL_DEFAULT_TIMEZONE"],
    ))


@bp.get("/badges/<qualification>.json")
def badge_class(qualification: str):
    definition = services.definitions().get(qualification)
    if definition is None:
        return _json({"error": "not_found"}, 404)
    # ?lang= (the holder's language, from their assertion); without it, the bank's language.
    language = _language(request.args.get("lang"))
    with force_locale(language):
        return _json(badges.badge_class(
            definition, language,
            badge_url=url_for(".badge_class", qualification=qualification, _external=True,
                              **_lang_argument(language)),
            image_url=url_for("static", filename="badge.svg", _external=True),
            issuer_url=url_for(".badge_issuer", _external=True), criteria=_criteria(definition),
        ))


@bp.get("/badges/issuer.json")
def badge_issuer():
    bank = issuer()
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _json(badges.issuer(name=bank.name, issuer_url=url_for(".badge_issuer", _external=True),
                                   site_url=url_for("web.index", _external=True), email=bank.contact_email,
                                   image_url=_logo_url() or "",
                                   description=_("Post-loan inspection training and qualification")))


@bp.get("/badges/issuer-logo")
def issuer_logo():
    """The bank's logo (TRAINER_BANK_LOGO), for certificate pages and the Open Badges issuer."""
    found = logo_file()
    if found is None:
        abort(404)
    path, media_type = found
    response = send_file(path, mimetype=media_type, max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --- helpers ------------------------------------------------------------------

def _language(choice: str | None) -> str:
    """A language the site speaks, else the bank's."""
    config = current_app.config
    return choice if choice in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def _lang_argument(choice: str | None) -> dict[str, str]:
    """`?lang=` for a language other than the bank's (whose badge class keeps its plain address)."""
    language = _language(choice)
    return {} if language == current_app.config["BABEL_DEFAULT_LOCALE"] else {"lang": language}


def _logo_url() -> str | None:
    return url_for(".issuer_logo", _external=True) if logo_file() else None


def _viewable(certificate_id: int) -> tuple[Certificate, User]:
    cert = db.get_or_404(Certificate, certificate_id)
    holder = db.session.get(User, cert.user_id)
    if not can_view_person(current_user, holder):
        abort(403)
    return cert, holder


def _shown(cert: Certificate, day: date | None = None) -> Shown:
    day = day or services.today()
    definition = services.definitions().get(cert.qualification)
    window = definition.renewal_window_days if definition else 0
    state = services.state_on(cert, day, window)
    if state == services.NONE:  # state_on says "none" before valid_from: a renewal not started yet
        state = UPCOMING
    # A qualification dropped from the definitions still names its old certificates.
    title = definition.title(str(get_locale())) if definition else cert.qualification
    return Shown(cert, title, state)


def _number(cert: Certificate) -> str:
    return f"{cert.id:06d}"


def _revocation_reason(cert: Certificate) -> str:
    """A generic text, in the bank's language: the assertion is public, and the
    reason for ending a certificate is an internal (often disciplinary) note.

    Open Badges 2.0 knows only revocation; a suspended certificate never
    becomes valid again (a new one is issued), so its badge is revoked too.
    """
    state = services.SUSPENDED if cert.status is CertificateStatus.SUSPENDED else services.REVOKED
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(STATE_LABELS[state])


def _criteria(definition: Qualification) -> str:
    return _("Complete the training modules for this qualification and pass its exam. "
             "The qualification is valid for %(months)d months and is renewed by passing the exam again.",
             months=definition.validity_months)


def _json(document: dict, status: int = 200) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False), status=status, mimetype=JSON_LD)
    response.headers["Access-Control-Allow-Origin"] = "*"  # badge verifiers fetch from other sites
    response.headers["Cache-Control"] = "no-store"  # a revocation must show at once
    return response
