"""Control characters and over-deep JSON are refused before any view, the same on both databases."""
import pytest

from trainer.api.scopes import Scope
from trainer.api.services import issue_token
from trainer.people.models import Role
from trainer.extensions import db

from tests import factories


@pytest.mark.parametrize("value", ["a\x00b", "\x1b[31m", "bell\x07"])
def test_a_form_value_with_a_control_character_is_a_clear_400(client, ctx, value):
    response = client.post("/login", data={"login": value, "password": "x"})
    assert response.status_code == 400
    assert "contains a control character" in response.get_data(as_text=True)
    assert "login" in response.get_data(as_text=True)


def test_tabs_and_line_breaks_are_ordinary_text(client, ctx):
    response = client.post("/login", data={"login": "someone@bank.example", "password": "line\r\none\ttab"})
    assert response.status_code == 422  # the login form again, with its own message
    assert "control character" not in response.get_data(as_text=True)


def test_query_values_and_json_strings_are_checked_too(client, ctx):
    admin = factories.user(Role.ADMIN)
    _, token = issue_token("guard", admin, scopes=tuple(Scope))
    db.session.commit()
    assert client.get("/login?next=%00").status_code == 400
    response = client.post("/api/v1/inspections", json={"loan": "L\x00"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.is_json and response.headers["Cache-Control"] == "no-store"
    assert "loan" in response.json["message"]


def test_json_nested_too_deeply_is_a_4xx_json_answer(client, ctx):
    admin = factories.user(Role.ADMIN)
    _, token = issue_token("guard", admin, scopes=tuple(Scope))
    db.session.commit()
    for body in ("[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000):
        response = client.post("/api/v1/inspections", data=body, content_type="application/json",
                               headers={"Authorization": f"Bearer {token}"})
        assert 400 <= response.status_code < 500, response.status_code
        assert response.is_json
