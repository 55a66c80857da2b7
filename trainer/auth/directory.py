"""Password checks against the bank's LDAP / Active Directory (ldap3).

The person's entry is named by TRAINER_LDAP_BIND_DN_TEMPLATE (e.g.
`uid={employee_no},ou=people,dc=bank,dc=example`, or `{email}` for an AD
userPrincipalName), or found under TRAINER_LDAP_SEARCH_BASE with
TRAINER_LDAP_SEARCH_FILTER (bound as TRAINER_LDAP_BIND_USER, or anonymously);
then the password is checked by binding as that entry. Values are escaped
for DNs and filters. An empty password is never sent (LDAP would take it as
an anonymous bind and "succeed").
"""
from __future__ import annotations

from flask import current_app
from ldap3 import NONE, SUBTREE, Connection, Server
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from trainer.people.models import User
def _server() -> Server:
    cfg = current_app.config
    return Server(cfg["LDAP_URL"], get_info=NONE, connect_timeout=cfg["LDAP_TIMEOUT_SECONDS"])


def _fields(user: User, escape) -> dict[str, str]:
    return {"employee_no": escape(user.employee_no), "email": escape(user.email)}


def entry_dn(user: User) -> str | None:
    """The DN of this person's directory entry, or None when the directory has no (single) entry."""
    cfg = current_app.config
    if cfg["LDAP_BIND_DN_TEMPLATE"]:
        return cfg["LDAP_BIND_DN_TEMPLATE"].format(**_fields(user, escape_rdn))
    search_filter = cfg["LDAP_SEARCH_FILTER"].format(**_fields(user, escape_filter_chars))
    conn = Connection(_server(), user=cfg["LDAP_BIND_USER"] or None, password=cfg["LDAP_BIND_PASSWORD"] or None,
                      receive_timeout=cfg["LDAP_TIMEOUT_SECONDS"], read_only=True)
    try:
        if not conn.bind():
            raise LDAPException(f"the service account cannot bind: {conn.result.get('description')}")
        conn.search(cfg["LDAP_SEARCH_BASE"], search_filter, search_scope=SUBTREE, attributes=["1.1"], size_limit=2)
        entries = [e for e in conn.response or () if e.get("type") == "searchResEntry"]
    finally:
        _close(conn)
    return entries[0]["dn"] if len(entries) == 1 else None


def check_password(user: User, password: str) -> bool:
    """Whether the directory accepts this password for this person. A directory that cannot be
    reached refuses (and is logged): it never falls back to a local password."""
    if not password:
        return False
    try:
        dn = entry_dn(user)
        if dn is None:
            return False
        conn = Connection(_server(), user=dn, password=password, read_only=True,
                          receive_timeout=current_app.config["LDAP_TIMEOUT_SECONDS"])
        try:
            return bool(conn.bind())
        finally:
            _close(conn)
    except LDAPException as error:
        current_app.logger.error("LDAP check for user %s failed: %s", user.id, error)
        return False


def _close(conn: Connection) -> None:
    conn.unbind()
    if conn.socket is not None:  # ldap3 leaves the socket of a failed connect open
        conn.socket.close()
