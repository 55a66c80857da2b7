"""A real OpenID Connect provider (oidc-provider-mock) on 127.0.0.1 and an app that uses it."""
from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import werkzeug.serving


class Provider:
    def __init__(self, url: str):
        self.url = url

    def set_person(self, sub: str, **claims) -> None:
        """What the provider says about `sub` (in the ID token and userinfo)."""
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=10)
        assert response.status_code == 204, response.text

    def sign_on(self, client, sub: str, *, start: str = "/login/sso"):
        """Follow the whole redirect dance: app → provider (the person picks `sub`) → app's callback.
        Returns the app's answer to the callback."""
        to_provider = client.get(start)
        assert to_provider.status_code == 302, to_provider.data[:300]
        assert to_provider.location.startswith(self.url), to_provider.location
        answer = requests.post(to_provider.location, data={"sub": sub}, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text[:300]
        back = urlsplit(answer.headers["Location"])
        return client.get(f"{back.path}?{back.query}")


def authorization_params(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.fixture(scope="session")
def oidc_provider():
    import oidc_provider_mock

    server = werkzeug.serving.make_server(
        "127.0.0.1", 0, oidc_provider_mock.app(require_nonce=True), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield Provider(f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(5)


@pytest.fixture
def sso_settings(oidc_provider):
    return {"OIDC_ISSUER": oidc_provider.url, "OIDC_CLIENT_ID": "trainer-tests",
            "OIDC_CLIENT_SECRET": "client-secret", "OIDC_EMPLOYEE_NO_CLAIM": "employee_number"}


@pytest.fixture
def app_settings(sso_settings):
    """The shared app fixture, with single sign-on settings on top."""
    return sso_settings
