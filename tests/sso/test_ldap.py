"""Password checks against a real OpenLDAP (Debian's slapd), started by the tests."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from trainer.people.models import User
from trainer.extensions import db

from tests import factories
from tests.nodes import free_port

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
FIXTURE = Path(__file__).parent / "fixtures" / "directory.ldif"
BASE = "dc=bank,dc=example"
SERVICE_DN, SERVICE_PASSWORD = f"cn=service,{BASE}", "service-secret"


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    """slapd on a free port with its own configuration, database and the LDIF fixture."""
    if not Path(SLAPD).exists():
        pytest.skip("Debian's slapd is not installed (apt-get install -y slapd ldap-utils; .ci/run does it)")
    root = tmp_path_factory.mktemp("slapd")
    (root / "db").mkdir()
    conf = root / "slapd.conf"
    conf.write_text(f"""
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {root}/slapd.pid
database mdb
maxsize 10485760
suffix "{BASE}"
rootdn "{SERVICE_DN}"
rootpw {SERVICE_PASSWORD}
directory {root}/db
access to attrs=userPassword by anonymous auth by * none
access to * by * read
""")
    subprocess.run([SLAPADD, "-f", str(conf), "-l", str(FIXTURE)], check=True, capture_output=True)
    port = free_port()
    url = f"ldap://127.0.0.1:{port}"
    log = root / "slapd.log"
    with log.open("wb") as output:
        process = subprocess.Popen([SLAPD, "-f", str(conf), "-h", url + "/", "-d", "0"],
                                   stdout=subprocess.DEVNULL, stderr=output)
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"slapd did not start: {log.read_text()[-2000:]}")
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(params=["template", "search"])
def sso_settings(request, directory):
    if request.param == "template":
        return {"LDAP_URL": directory, "LDAP_BIND_DN_TEMPLATE": f"uid={{employee_no}},ou=people,{BASE}"}
    return {"LDAP_URL": directory, "LDAP_SEARCH_BASE": f"ou=people,{BASE}",
            "LDAP_SEARCH_FILTER": "(mail={email})", "LDAP_BIND_USER": SERVICE_DN,
            "LDAP_BIND_PASSWORD": SERVICE_PASSWORD}


def _directory_person(employee_no="E00501", email="directory.person@bank.example.com", **kwargs) -> User:
    person = factories.user(employee_no=employee_no, **kwargs)  # a local password too: it must not count
    person.email = email
    person.directory_login = True
    db.session.commit()
    return person


def test_a_directory_user_logs_in_with_the_directory_password_not_the_local_one(client, ctx):
    person = _directory_person()
    assert client.post("/login", data={"login": person.email, "password": factories.PASSWORD}).status_code == 422
    answer = client.post("/login", data={"login": "e00501", "password": "directory-pass-1"})
    assert answer.status_code == 302 and answer.location.endswith("/dashboard")
    assert person.full_name.encode() in client.get("/dashboard").data


def test_wrong_and_empty_directory_passwords_are_refused_and_throttled(client, ctx):
    person = _directory_person()
    assert client.post("/login", data={"login": person.email, "password": "other-pass-22"}).status_code == 422
    from trainer.auth import directory as ldap

    assert ldap.check_password(person, "") is False  # never an anonymous bind
    for _ in range(ctx.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"login": person.email, "password": "wrong-password"})
    locked = client.post("/login", data={"login": person.email, "password": "directory-pass-1"})
    assert locked.status_code == 422 and b"Too many failed attempts" in locked.data


def test_people_not_marked_keep_their_local_password_unless_all_are_directory_users(app, client, ctx):
    person = factories.user(employee_no="E00502")
    person.email = "other.person@bank.example.com"
    db.session.commit()
    assert client.post("/login", data={"login": person.email, "password": factories.PASSWORD}).status_code == 302
    client.post("/logout")
    app.config["LDAP_USERS"] = "all"
    assert client.post("/login", data={"login": person.email, "password": factories.PASSWORD}).status_code == 422
    assert client.post("/login", data={"login": person.email, "password": "other-pass-22"}).status_code == 302


def test_a_filter_value_cannot_widen_the_search(ctx):
    from trainer.auth import directory as ldap

    person = factories.user(employee_no="E00599")
    person.email = "*)(mail=*"
    if ctx.config["LDAP_SEARCH_BASE"]:
        assert ldap.entry_dn(person) is None
    assert ldap.check_password(person, "directory-pass-1") is False


def test_an_unreachable_directory_refuses_without_an_error(app, client, ctx):
    person = _directory_person()
    app.config["LDAP_URL"] = f"ldap://127.0.0.1:{free_port()}"
    answer = client.post("/login", data={"login": person.email, "password": "directory-pass-1"})
    assert answer.status_code == 422


def test_the_directory_login_command_marks_people(runner, ctx):
    person = factories.user(employee_no="E00777")
    result = runner.invoke(args=["trainer", "directory-login", "e00777"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(User, person.id).directory_login is True
    assert runner.invoke(args=["trainer", "directory-login", "--off", "E00777"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(User, person.id).directory_login is False
    unknown = runner.invoke(args=["trainer", "directory-login", "E00777", "NOPE"])
    assert unknown.exit_code != 0 and "NOPE" in unknown.output
