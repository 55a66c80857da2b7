"""Keyset-free, bounded pagination: a page never loads more than `per_page` rows."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from trainer.extensions import db

PER_PAGE = 50


@dataclass
class Page:
    items: list[Any]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(query: Select, number: int, per_page: int = PER_PAGE, rows: bool = False) -> Page:
    """One page of `query`: its first column's values (ORM objects for `select(Model)`),
    or with `rows` whole rows (for a select of columns, which builds no objects)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    number = min(max(number, 1), max(1, -(-total // per_page)))
    page = query.limit(per_page).offset((number - 1) * per_page)
    items = list(db.session.execute(page)) if rows else list(db.session.scalars(page))
    return Page(items, number, per_page, total)
