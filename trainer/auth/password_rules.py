"""Which password logs a person in: a local one (hashed here), the bank's directory's (LDAP / Active
Directory, trainer.auth.directory), or none when local passwords are off and the person signs on
through the identity provider (trainer.sso). One set of rules for the login form, set-password links
and invitations."""
from __future__ import annotations

from flask import current_app

from trainer.people.models import Role, User
def oidc_enabled() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))


def ldap_enabled() -> bool:
    return bool(current_app.config.get("LDAP_URL"))


def local_passwords_on() -> bool:
    return bool(current_app.config.get("LOCAL_PASSWORDS", True))


def uses_directory(user: User) -> bool:
    """Whether this person's password is checked by the LDAP / AD directory instead of a local hash."""
    if not ldap_enabled():
        return False
    return current_app.config.get("LDAP_USERS") == "all" or bool(user.directory_login)


def is_break_glass_admin(user: User) -> bool:
    """An administrator listed in TRAINER_LOCAL_PASSWORD_ADMINS keeps a local password when they are off,
    for when the identity provider is down (and for the first administrator, `trainer create-admin`)."""
    listed = current_app.config.get("LOCAL_PASSWORD_ADMINS", ())
    return user.employee_no.strip().lower() in listed and user.has_role(Role.ADMIN)


def password_login_allowed(user: User | None) -> bool:
    """Whether a password may log this person in (an unknown login gets the same answer as a
    person without the right, so the form does not tell which accounts exist)."""
    if local_passwords_on():
        return True
    if user is None:
        return ldap_enabled()
    return uses_directory(user) or is_break_glass_admin(user)


def check_directory_password(user: User, password: str) -> bool:
    from trainer.auth import directory  # ldap3 is imported only where a directory is used

    return directory.check_password(user, password)
