"""People and departments, and signing a test browser in as one of them."""
from __future__ import annotations

import itertools

from trainer.people.models import Department, Role, User
from trainer.auth.services import set_password
from trainer.extensions import db

PASSWORD = "correct-horse-1"
_seq = itertools.count(1)


def department(code: str | None = None, name: str | None = None, active: bool = True) -> Department:
    n = next(_seq)
    dept = Department(code=code or f"D{n:03d}", name=name or f"Department {n}", active=active)
    db.session.add(dept)
    db.session.commit()
    return dept


def user(*roles: Role | str, dept: Department | None = None, password: str | None = PASSWORD,
         active: bool = True, locale: str | None = None, employee_no: str | None = None) -> User:
    n = next(_seq)
    dept = dept or department()
    person = User(employee_no=employee_no or f"E{n:05d}", email=f"person{n}@bank.example.com",
                  full_name=f"Person {n}", department_id=dept.id, active=active, locale=locale)
    person.set_roles({Role(r) for r in roles} | {Role.STAFF})
    if password:
        set_password(person, password)
    db.session.add(person)
    db.session.commit()
    return person


def sign_in(client, user_or_login, password: str = PASSWORD):
    """Log `client` in (a person, or their email or employee number); the login must succeed."""
    login_name = getattr(user_or_login, "email", user_or_login)
    response = client.post("/login", data={"login": login_name, "password": password})
    assert response.status_code == 302, response.data[:500]
    return response
