"""Drawing an exam's questions from a blueprint, as a pure function.

The same code draws a real attempt (exams.services, from the database) and
checks the bank (exams.bank, from the YAML files), so what `check-content`
says can be drawn is exactly what an attempt will draw.

A rule takes `count` questions of one module; its `min_per_tag` entries are
met first (scarcest tag first, and a question carrying several required tags
counts for each), then the rest of the count is filled at random from the
rule's whole pool.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Collection, Generic, Sequence, TypeVar

from trainer.certification.definitions import DrawRule, ExamBlueprint

T = TypeVar("T")


@dataclass(frozen=True)
class Candidate(Generic[T]):
    module: str
    level: str
    tags: tuple[str, ...]
    item: T


class PoolTooSmall(Exception):
    def __init__(self, rule: DrawRule):
        self.rule = rule
        super().__init__(rule.module)


def rule_pool(rule: DrawRule, levels: Sequence[str], candidates: Sequence[Candidate[T]]) -> list[int]:
    """Indexes of the candidates a rule may draw from."""
    return [i for i, c in enumerate(candidates) if c.module == rule.module and c.level in levels
            and (not rule.tags or set(rule.tags) & set(c.tags))]


def draw(exam: ExamBlueprint, candidates: Sequence[Candidate[T]], rng: random.Random,
         avoid: Collection[int] = ()) -> list[T]:
    """The items of one attempt, rule by rule; a question is never drawn twice.

    `avoid` (candidate indexes: the questions whose answers a retry's previous result
    showed) is left out of each rule's pool while the rest can still meet the rule's
    count and minimums; a rule whose rest cannot falls back to its whole pool, so an
    attempt is never refused for want of fresh questions."""
    taken: set[int] = set()
    drawn: list[T] = []
    for rule in exam.draw:
        pool = [i for i in rule_pool(rule, exam.levels, candidates) if i not in taken]
        fresh = [i for i in pool if i not in avoid]
        try:
            chosen = _pick(rule, fresh, candidates, rng) if len(fresh) < len(pool) else None
        except PoolTooSmall:
            chosen = None
        if chosen is None:
            chosen = _pick(rule, pool, candidates, rng)
        taken.update(chosen)
        drawn += [candidates[i].item for i in chosen]
    return drawn


def _pick(rule: DrawRule, pool: list[int], candidates: Sequence[Candidate], rng: random.Random) -> list[int]:
    def with_tag(tag: str, among: list[int]) -> list[int]:
        return [i for i in among if tag in candidates[i].tags]

    chosen: list[int] = []
    for tag, need in sorted(rule.min_per_tag, key=lambda entry: len(with_tag(entry[0], pool))):
        missing = need - len(with_tag(tag, chosen))
        if missing <= 0:
            continue
        extra = with_tag(tag, [i for i in pool if i not in chosen])
        if len(extra) < missing:
            raise PoolTooSmall(rule)
        chosen += rng.sample(extra, missing)
    rest = [i for i in pool if i not in chosen]
    if len(rest) < rule.count - len(chosen):
        raise PoolTooSmall(rule)
    return chosen + rng.sample(rest, rule.count - len(chosen))
