"""Bench data: departments, people with reading progress, and the real modules."""
from __future__ import annotations

import random

from sqlalchemy import insert

from trainer import create_app
from trainer.people.models import Department, Role, User, UserRole
from trainer.auth.services import hash_password
from trainer.content.models import ModuleCompletion, ReadingProgress
from trainer.library import read_all, sync_all
from trainer.extensions import db

PASSWORD = "bench-password-1"


def seed(database_url: str, people: int) -> tuple[str, str]:
    """Fill an empty database; returns the HR reader's login and password."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    rng = random.Random(7)
    with app.app_context():
        db.drop_all()
        db.create_all()
        sync_all(read_all())
        from trainer.content.services import active_modules

        modules = active_modules()
        departments = [Department(code=f"D{i:03d}", name=f"Department {i}", active=True) for i in range(max(1, people // 100))]
        db.session.add_all(departments)
        db.session.flush()
        password_hash = hash_password(PASSWORD)
        users = [{"employee_no": f"B{i:06d}", "email": f"b{i}@bench.example.com", "full_name": f"Bench Person {i:06d}",
                  "department_id": departments[i % len(departments)].id, "password_hash": password_hash,
                  "must_change_password": False, "session_version": 1, "active": True} for i in range(people)]
        db.session.execute(insert(User), users)
        ids = db.session.scalars(db.select(User.id).order_by(User.id)).all()
        db.session.execute(insert(UserRole), [{"user_id": i, "role": Role.STAFF} for i in ids])
        db.session.execute(insert(UserRole), [{"user_id": ids[0], "role": Role.HR}])
        progress, completions = [], []
        for user_id in ids:
            for module in rng.sample(modules, rng.randint(0, len(modules))):
                progress.append({"user_id": user_id, "module_id": module.id, "version": module.version,
                                 "furthest_section": module.section_count})
                completions.append({"user_id": user_id, "module_id": module.id, "version": module.version})
        if progress:
            db.session.execute(insert(ReadingProgress), progress)
            db.session.execute(insert(ModuleCompletion), completions)
        db.session.commit()
        return users[0]["email"], PASSWORD
