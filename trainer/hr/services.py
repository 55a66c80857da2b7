"""What HR and supervisors read about people: lists with training progress."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from trainer.people.models import User
from trainer.content import services as content_services
from trainer.pagination import Page, paginate
from trainer.security import scope_people


@dataclass
class PersonRow:
    user: User
    modules_done: int
    modules_total: int

    @property
    def percent(self) -> int:
        return int(100 * self.modules_done / self.modules_total) if self.modules_total else 0


def people_page(viewer: User, *, q: str = "", department_id: int | None = None, page: int = 1) -> tuple[Page, list[PersonRow]]:
    """People the viewer may see, with training progress: a constant number of queries per page."""
    query = scope_people(select(User).where(User.active), viewer).order_by(User.full_name)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.full_name).like(like), func.lower(User.employee_no).like(like)))
    if department_id:
        query = query.where(User.department_id == department_id)
    result = paginate(query, page)
    total = len(content_services.active_modules())
    counts = content_services.completed_counts([u.id for u in result.items])
    return result, [PersonRow(u, counts.get(u.id, 0), total) for u in result.items]
