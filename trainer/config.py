"""Configuration read from the environment.

Every setting has a safe default for a developer's machine; production mode
(`TRAINER_ENV=production`) refuses to start without a real secret key.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-not-secret"


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _env_count(name: str, default: int) -> int:
    """A number of proxies: a whole number, 0 or more."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ConfigurationError(f"{name} must be a whole number of proxies (0 or more), not {raw!r}")
    return int(raw)


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def sqlite_synchronous() -> str:
    """TRAINER_SQLITE_SYNCHRONOUS: NORMAL (default) or FULL; anything else is refused."""
    value = (os.environ.get("TRAINER_SQLITE_SYNCHRONOUS") or "NORMAL").strip().upper()
    if value not in {"NORMAL", "FULL"}:
        raise ConfigurationError(f"TRAINER_SQLITE_SYNCHRONOUS must be NORMAL or FULL, not {value!r}")
    return value


def _env_date(name: str):
    """An ISO date (YYYY-MM-DD) or None; anything else stops the app with the setting's name."""
    from datetime import date

    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a date as YYYY-MM-DD, not {raw!r}") from None


def from_environment() -> dict:
    """Build the config mapping from `TRAINER_*` variables."""
    env = os.environ.get("TRAINER_ENV", "development")
    instance = Path(os.environ.get("TRAINER_INSTANCE_DIR", PROJECT_ROOT / "instance"))
    trusted_proxies = _env_count("TRAINER_TRUSTED_PROXIES", 0)
    return {
        "TRAINER_ENV": env,
        "SECRET_KEY": os.environ.get("TRAINER_SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "TRAINER_DATABASE_URL", f"sqlite:///{instance / 'trainer.sqlite3'}"
        ),
        "CONTENT_DIR": Path(os.environ.get("TRAINER_CONTENT_DIR", PROJECT_ROOT / "content")),
        "QUESTION_BANK_DIR": Path(
            os.environ.get("TRAINER_QUESTION_BANK_DIR", PROJECT_ROOT / "question_bank")
        ),
        "POLICIES_DIR": Path(os.environ.get("TRAINER_POLICIES_DIR", PROJECT_ROOT / "policies")),
        # Evidence files of inspection reports (never under static/); unset: uploads/ in the instance directory.
        "UPLOADS_DIR": Path(os.environ["TRAINER_UPLOADS_DIR"]) if os.environ.get("TRAINER_UPLOADS_DIR") else None,
        "BABEL_DEFAULT_LOCALE": "es",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TRAINER_TIMEZONE", "Europe/Madrid"),
        "LANGUAGES": ("es", "en"),
        # Bootstrap-Flask serves the Bootstrap it bundles; the CSP allows no CDN.
        "BOOTSTRAP_SERVE_LOCAL": True,
        # Werkzeug's default (scrypt) is right for production; tests lower it.
        "PASSWORD_HASH_METHOD": os.environ.get("TRAINER_PASSWORD_HASH_METHOD", "scrypt"),
        "LOGIN_MAX_FAILURES": _env_int("TRAINER_LOGIN_MAX_FAILURES", 5),
        "LOGIN_IP_MAX_FAILURES": _env_int("TRAINER_LOGIN_IP_MAX_FAILURES", 30),
        "LOGIN_LOCKOUT_SECONDS": _env_int("TRAINER_LOGIN_LOCKOUT_SECONDS", 15 * 60),
        "MAX_CONTENT_LENGTH": _env_int("TRAINER_MAX_UPLOAD_BYTES", 5 * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # How many proxies in front set X-Forwarded-For / -Proto / -Host (0: trust none).
        # Without it, behind a TLS proxy every visitor has the proxy's address.
        "PROXY_FIX_X_FOR": _env_count("TRAINER_PROXY_FIX_X_FOR", trusted_proxies),
        "PROXY_FIX_X_PROTO": _env_count("TRAINER_PROXY_FIX_X_PROTO", trusted_proxies),
        "PROXY_FIX_X_HOST": _env_count("TRAINER_PROXY_FIX_X_HOST", trusted_proxies),
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead: long exams must not lose it
        "SMTP_HOST": os.environ.get("TRAINER_SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": _env_int("TRAINER_SMTP_PORT", 25),
        "SMTP_USER": os.environ.get("TRAINER_SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("TRAINER_SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _env_bool("TRAINER_SMTP_STARTTLS", False),
        "MAIL_FROM": os.environ.get("TRAINER_MAIL_FROM", "trainer@localhost"),
        "PUBLIC_BASE_URL": os.environ.get("TRAINER_PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # One-time set-password links: how long an invitation and a reset link work.
        "INVITATION_TOKEN_HOURS": _env_int("TRAINER_INVITATION_TOKEN_HOURS", 72),
        "RESET_TOKEN_HOURS": _env_int("TRAINER_RESET_TOKEN_HOURS", 2),
        # "Forgot password" requests per address asked about, and per client address, per lockout period.
        "RESET_MAX_REQUESTS": _env_int("TRAINER_RESET_MAX_REQUESTS", 3),
        "RESET_IP_MAX_REQUESTS": _env_int("TRAINER_RESET_IP_MAX_REQUESTS", 20),
        # The outbox (trainer/notifications/outbox.py): tries per message before giving up, first retry delay.
        "OUTBOX_MAX_ATTEMPTS": _env_int("TRAINER_OUTBOX_MAX_ATTEMPTS", 8),
        "OUTBOX_RETRY_SECONDS": _env_int("TRAINER_OUTBOX_RETRY_SECONDS", 60),
        # Risk management: who else is told at once of a high-severity warning signal (comma-separated emails).
        "RISK_RECIPIENTS": [a.strip() for a in (os.environ.get("TRAINER_RISK_RECIPIENTS") or "").split(",") if a.strip()],
        # The bank that issues the qualifications (certificates, PDFs, badges, emails).
        "BANK_NAME": os.environ.get("TRAINER_BANK_NAME", "Demo Bank"),
        "BANK_ADDRESS": os.environ.get("TRAINER_BANK_ADDRESS", ""),
        "BANK_CONTACT_EMAIL": os.environ.get("TRAINER_BANK_CONTACT_EMAIL", ""),
        "BANK_LOGO_PATH": os.environ.get("TRAINER_BANK_LOGO", ""),  # a PNG or JPEG file
        # Ed25519 key that signs ledger entries and checkpoints: PEM text, or a file. Never in the database.
        "LEDGER_SIGNING_KEY": os.environ.get("TRAINER_LEDGER_SIGNING_KEY", ""),
        "LEDGER_SIGNING_KEY_FILE": os.environ.get("TRAINER_LEDGER_SIGNING_KEY_FILE", ""),
        "INSTANCE_DIR": instance,
        # The day the bank started filing inspections here: no month before it owes one.
        "GO_LIVE_DATE": _env_date("TRAINER_GO_LIVE_DATE"),
        # The bank's key and X.509 certificate that sign certificate PDFs (PAdES).
        "PDF_SIGNING_KEY_FILE": os.environ.get("TRAINER_PDF_SIGNING_KEY_FILE", ""),
        "PDF_SIGNING_CERT_FILE": os.environ.get("TRAINER_PDF_SIGNING_CERT_FILE", ""),
        **_single_sign_on_settings(),
    }


def _env_secret(name: str) -> str:
    """A secret given as NAME, or read from the file named by NAME_FILE (trailing newline dropped)."""
    path = (os.environ.get(f"{name}_FILE") or "").strip()
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as error:
            raise ConfigurationError(f"{name}_FILE={path!r} cannot be read: {error.strerror}") from None
    return os.environ.get(name, "")


def _single_sign_on_settings() -> dict:
    """OpenID Connect, LDAP / Active Directory and local passwords (see trainer/sso/)."""
    ldap_users = (os.environ.get("TRAINER_LDAP_USERS") or "marked").strip().lower()
    if ldap_users not in {"marked", "all"}:
        raise ConfigurationError(f"TRAINER_LDAP_USERS must be 'marked' or 'all', not {ldap_users!r}")
    return {
        "OIDC_ISSUER": (os.environ.get("TRAINER_OIDC_ISSUER") or "").strip().rstrip("/"),
        "OIDC_CLIENT_ID": (os.environ.get("TRAINER_OIDC_CLIENT_ID") or "").strip(),
        "OIDC_CLIENT_SECRET": _env_secret("TRAINER_OIDC_CLIENT_SECRET"),
        "OIDC_SCOPES": os.environ.get("TRAINER_OIDC_SCOPES") or "openid email profile",
        "OIDC_EMPLOYEE_NO_CLAIM": (os.environ.get("TRAINER_OIDC_EMPLOYEE_NO_CLAIM") or "").strip(),
        "OIDC_CREATE_PEOPLE": _env_bool("TRAINER_OIDC_CREATE_PEOPLE", False),
        "OIDC_NEW_PEOPLE_DEPARTMENT": (os.environ.get("TRAINER_OIDC_NEW_PEOPLE_DEPARTMENT") or "").strip(),
        "LDAP_URL": (os.environ.get("TRAINER_LDAP_URL") or "").strip(),
        "LDAP_BIND_DN_TEMPLATE": (os.environ.get("TRAINER_LDAP_BIND_DN_TEMPLATE") or "").strip(),
        "LDAP_SEARCH_BASE": (os.environ.get("TRAINER_LDAP_SEARCH_BASE") or "").strip(),
        "LDAP_SEARCH_FILTER": (os.environ.get("TRAINER_LDAP_SEARCH_FILTER") or "(mail={email})").strip(),
        "LDAP_BIND_USER": (os.environ.get("TRAINER_LDAP_BIND_USER") or "").strip(),
        "LDAP_BIND_PASSWORD": _env_secret("TRAINER_LDAP_BIND_PASSWORD"),
        "LDAP_USERS": ldap_users,
        "LDAP_TIMEOUT_SECONDS": _env_int("TRAINER_LDAP_TIMEOUT_SECONDS", 5),
        "LOCAL_PASSWORDS": _env_bool("TRAINER_LOCAL_PASSWORDS", True),
        "LOCAL_PASSWORD_ADMINS": tuple(
            part.strip().lower() for part in (os.environ.get("TRAINER_LOCAL_PASSWORD_ADMINS") or "").split(",")
            if part.strip()),
    }


class ConfigurationError(RuntimeError):
    """A setting that makes the app unsafe or unable to start; the message says which and how to fix it."""


def check_production_safety(config: dict) -> None:
    """Refuse to run in production with a guessable secret key."""
    check_single_sign_on(config)
    if config.get("TRAINER_ENV") != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(key) < 32:
        raise ConfigurationError(
            "TRAINER_ENV=production needs TRAINER_SECRET_KEY set to a random value "
            "of at least 32 characters (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)."
        )
    if not (config.get("LEDGER_SIGNING_KEY") or config.get("LEDGER_SIGNING_KEY_FILE")):
        raise ConfigurationError(
            "TRAINER_ENV=production needs the ledger signing key outside the database: set "
            "TRAINER_LEDGER_SIGNING_KEY_FILE to a key file (create one with `trainer ledger-keygen FILE`).")
    if not (config.get("PDF_SIGNING_KEY_FILE") and config.get("PDF_SIGNING_CERT_FILE")):
        raise ConfigurationError(
            "TRAINER_ENV=production needs TRAINER_PDF_SIGNING_KEY_FILE and TRAINER_PDF_SIGNING_CERT_FILE: the "
            "bank's key and X.509 certificate that sign certificate PDFs (see docs/deployment.md).")


def check_single_sign_on(config: dict) -> None:
    """Settings that only make sense together (in every mode: a half-configured sign-on locks people out)."""
    if config.get("OIDC_ISSUER") and not config.get("OIDC_CLIENT_ID"):
        raise ConfigurationError("TRAINER_OIDC_ISSUER is set but TRAINER_OIDC_CLIENT_ID is not: set both "
                                 "(and TRAINER_OIDC_CLIENT_SECRET or TRAINER_OIDC_CLIENT_SECRET_FILE).")
    if config.get("LDAP_URL") and not (config.get("LDAP_BIND_DN_TEMPLATE") or config.get("LDAP_SEARCH_BASE")):
        raise ConfigurationError("TRAINER_LDAP_URL needs TRAINER_LDAP_BIND_DN_TEMPLATE or TRAINER_LDAP_SEARCH_BASE "
                                 "(with TRAINER_LDAP_SEARCH_FILTER) to find a person's entry.")
    if config.get("LOCAL_PASSWORDS", True) is False and not (config.get("OIDC_ISSUER") or config.get("LDAP_URL")):
        raise ConfigurationError("TRAINER_LOCAL_PASSWORDS=off needs single sign-on: set TRAINER_OIDC_ISSUER "
                                 "or TRAINER_LDAP_URL, or nobody could log in.")
    if config.get("OIDC_CREATE_PEOPLE") and not config.get("OIDC_NEW_PEOPLE_DEPARTMENT"):
        raise ConfigurationError("TRAINER_OIDC_CREATE_PEOPLE=on needs TRAINER_OIDC_NEW_PEOPLE_DEPARTMENT: the "
                                 "code of the department new people join.")
