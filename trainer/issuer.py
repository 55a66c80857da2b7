"""The bank's identity as the issuer of qualifications: on certificates,
PDFs, Open Badges and emails. Configured with TRAINER_BANK_* settings."""
from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import current_app

from trainer.certification.pdf import Issuer

LOGO_TYPES = {"image/png", "image/jpeg", "image/svg+xml"}


def issuer() -> Issuer:
    config = current_app.config
    return Issuer(name=config["BANK_NAME"], address=config["BANK_ADDRESS"],
                  contact_email=config["BANK_CONTACT_EMAIL"], logo_path=config["BANK_LOGO_PATH"])


def logo_file() -> tuple[Path, str] | None:
    """The configured logo file and its media type, if there is one that can be served."""
    raw = current_app.config.get("BANK_LOGO_PATH") or ""
    if not raw:
        return None
    path = Path(raw)
    media_type = mimetypes.guess_type(path.name)[0]
    if media_type not in LOGO_TYPES or not path.is_file():
        return None
    return path, media_type


def mail_context() -> dict[str, str]:
    """What every email template may say about the sender: the bank's name, contact and address."""
    bank = issuer()
    return {"bank_name": bank.name, "bank_contact_email": bank.contact_email, "bank_address": bank.address}
