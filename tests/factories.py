"""Small builders for test data, going through the real models and services."""
from __future__ import annotations

import itertools

from trainer.auth.models import Department, Role, User
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


_sources = {}


def load_content():
    """Load the real modules and question bank (parsed once per test run: the files do not change)."""
    from flask import current_app

    from trainer.library import read_all, sync_all

    key = (str(current_app.config["CONTENT_DIR"]), str(current_app.config["QUESTION_BANK_DIR"]))
    if key not in _sources:
        _sources[key] = read_all()
    return sync_all(_sources[key])
