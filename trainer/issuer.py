"""The bank's identity as the issuer of qualifications: on certificates,
PDFs, Open Badges and emails. Configured with TRAINER_BANK_* settings."""
from __future__ import annotations

from flask import current_app

from trainer.certification.pdf import Issuer


def issuer() -> Issuer:
    config = current_app.config
    return Issuer(name=config["BANK_NAME"], address=config["BANK_ADDRESS"],
                  contact_email=config["BANK_CONTACT_EMAIL"], logo_path=config["BANK_LOGO_PATH"])
