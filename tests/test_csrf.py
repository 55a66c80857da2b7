"""With CSRF protection on (as in production), a form without its token changes nothing."""
import re

from sqlalchemy import select

from trainer.people.models import User
from trainer.extensions import db

from tests import factories


def token(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def test_posts_without_a_token_are_refused(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        person = factories.user()
        email = person.email
    refused = client.post("/login", data={"login": email, "password": factories.PASSWORD})
    assert refused.status_code == 400 and "expired" in refused.get_data(as_text=True)
    login_page = client.get("/login").get_data(as_text=True)
    accepted = client.post("/login", data={"login": email, "password": factories.PASSWORD,
                                           "csrf_token": token(login_page)})
    assert accepted.status_code == 302
    change = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "a-new-secret-9", "confirm": "a-new-secret-9"})
    assert change.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(User.session_version).where(User.email == email)) == 2


def test_api_style_requests_get_json_errors(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/language", data={"locale": "en"}, headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.json["error"] == "csrf"
