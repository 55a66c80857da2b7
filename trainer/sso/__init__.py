"""Single sign-on: OpenID Connect login (Authlib). The password rules it turns on (local passwords
off, LDAP / Active Directory checks with ldap3) live with the login: trainer.auth.password_rules.

Both routes end in the same session start as a password login
(trainer.auth.views.start_session), so sessions, the saved language and the
temporary-password rule do not drift apart. Nothing here is kept per process
that matters: the OpenID state, nonce and PKCE verifier travel in the signed
session cookie, so the callback may land on any app node.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from trainer.sso import oidc
    from trainer.sso.views import bp

    oidc.init_app(app)
    app.register_blueprint(bp)
