"""The OpenID Connect client (Authlib): discovery, authorization code with PKCE,
state and nonce, ID token validation.

The provider is found by discovery at TRAINER_OIDC_ISSUER/.well-known/openid-configuration;
its `issuer` must be exactly the configured one, and so must the ID token's `iss`.
"""
from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

CLIENT_NAME = "sso"


class SignOnFailed(Exception):
    """The provider's answer cannot be trusted or used (state, code, token, issuer)."""


def init_app(app: Flask) -> None:
    if not app.config.get("OIDC_ISSUER"):
        return
    issuer = app.config["OIDC_ISSUER"]
    # One registry per app: tests build several apps in one process, each with its own provider.
    oauth = OAuth(app)
    app.extensions["trainer_oidc"] = oauth.register(
        CLIENT_NAME,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"] or None,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["OIDC_SCOPES"], "code_challenge_method": "S256", "timeout": 10},
    )


def client():
    return current_app.extensions["trainer_oidc"]


def redirect_to_provider(callback_url: str):
    """Send the browser to the provider; Authlib keeps state, nonce and the PKCE verifier in the
    session (a signed cookie, so the callback may reach any node)."""
    try:
        _check_issuer()
        return client().authorize_redirect(callback_url)
    except SignOnFailed:
        raise
    except Exception as error:  # the provider cannot be reached or its discovery document is unusable
        raise SignOnFailed(f"provider unavailable: {error}") from error


def claims_from_callback() -> dict:
    """Check the callback (state), exchange the code (with the PKCE verifier) and validate the
    ID token: signature, issuer, audience, expiry and nonce. Returns its claims."""
    from authlib.integrations.base_client.errors import OAuthError

    try:
        token = client().authorize_access_token(
            claims_options={"iss": {"essential": True, "values": [current_app.config["OIDC_ISSUER"]]}})
    except OAuthError as error:
        raise SignOnFailed(f"{error.error}: {error.description}") from error
    except Exception as error:  # network, malformed or badly signed token, wrong issuer or nonce
        raise SignOnFailed(f"{type(error).__name__}: {error}") from error
    claims = token.get("userinfo")
    if not claims:
        raise SignOnFailed("the provider returned no ID token")
    return dict(claims)


def _check_issuer() -> None:
    metadata = client().load_server_metadata()
    if metadata.get("issuer", "").rstrip("/") != current_app.config["OIDC_ISSUER"]:
        raise SignOnFailed(f"the provider calls itself {metadata.get('issuer')!r}, not TRAINER_OIDC_ISSUER")
