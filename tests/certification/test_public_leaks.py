"""What anyone without a login can read about a certificate: whether it is valid,
suspended, revoked or expired, and never why, nor who ended it."""
from __future__ import annotations

import pytest

from trainer.people.models import Role
from trainer.certification import services
from trainer.certification.models import Certificate
from trainer.extensions import db
from trainer.ledger import services as ledger

from tests import factories
from tests.test_routes import ACCESS, PUBLIC

REASON = "Kx7 falsified the Quimera Holdings collateral report"
ACTOR_NAME = "Hortensia Vigilante-Brandt"


def public_addresses(app, values: dict) -> list[str]:
    """Every GET route declared public in tests/test_routes.py, filled in for one certificate."""
    addresses = []
    for rule in app.url_map.iter_rules():
        if ACCESS.get(rule.endpoint) == PUBLIC and "GET" in rule.methods:
            missing = set(rule.arguments) - set(values)
            assert not missing, f"{rule.endpoint}: say how to fill {missing} for this test"
            addresses.append(app.url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments}))
    return addresses


def ended_by_hand(how: str) -> Certificate:
    actor = factories.user(Role.HR)
    actor.full_name = ACTOR_NAME
    holder = factories.user()
    cert = factories.certificate(holder)
    end = services.suspend if how == "suspended" else services.revoke
    end(holder, "inspector", actor, REASON)
    db.session.commit()
    return cert


def suspended_by_a_severe_sanction(how: str) -> Certificate:
    """The ledger writes the sanction's reason into the suspension's."""
    hr = factories.user(Role.HR)
    hr.full_name = ACTOR_NAME
    holder = factories.user()
    cert = factories.certificate(holder)
    ledger.log_entry(hr, holder, "rule_violation", 20, REASON)
    db.session.commit()
    return cert


@pytest.mark.parametrize("how, ended", [("suspended", ended_by_hand), ("revoked", ended_by_hand),
                                        ("suspended", suspended_by_a_severe_sanction)],
                         ids=["suspended", "revoked", "suspended by a sanction"])
@pytest.mark.parametrize("locale", ["en", "es"])
def test_public_pages_say_the_state_and_nothing_more(app, how, ended, locale):
    with app.app_context():
        cert = ended(how)
        values = {"verify_code": cert.verify_code, "qualification": "inspector", "filename": "badge.svg",
                  "token": "not-a-token"}
        addresses = public_addresses(app, values)
    client = app.test_client()  # a visitor: no login
    seen = []
    for address in addresses:
        response = client.get(address, headers={"Accept-Language": locale})
        assert response.status_code < 500, address
        body = response.get_data(as_text=True)
        assert REASON not in body and "Kx7" not in body and "Quimera" not in body, address
        assert ACTOR_NAME not in body and "Vigilante" not in body, address
        seen.append(address)
    paths = {address.removeprefix("http://localhost") for address in seen}
    assert {f"/verify/{cert.verify_code}", f"/badges/assertions/{cert.verify_code}.json"} <= paths

    page = client.get(f"/verify/{cert.verify_code}", headers={"Accept-Language": locale}).get_data(as_text=True)
    expected = {("en", "suspended"): "this certificate has been suspended",
                ("en", "revoked"): "this certificate has been revoked"}.get((locale, how))
    if expected:
        assert expected in page
    assertion = client.get(f"/badges/assertions/{cert.verify_code}.json").get_json(force=True)
    assert assertion["revoked"] is True
    assert assertion["revocationReason"] == {"suspended": "Suspendido", "revoked": "Revocado"}[how]
