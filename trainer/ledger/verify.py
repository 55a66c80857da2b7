"""Verifying the ledger, and signing a checkpoint of it.

One walk in sequence order (a batch at a time, constant memory) checks, for
every entry: the sequence has no gap, the content matches its hash, the hash
chain links, a reversal names the entry it reverses by that entry's hash,
and the Merkle tree built from the entries reproduces the root of every
checkpoint it passes. Entries newer than the latest checkpoint are not yet
vouched for by any tree head, so each of them must carry a valid signature
of the ledger key: a row written around the application does not.

Then the checkpoints that cover more entries than the ledger holds say what
happened: everything deleted, the tail truncated, or an older backup
restored. Checkpoint files given by an auditor count like stored ones, and
a stored checkpoint whose signature fails is itself reported as altered.

By default the walk resumes from the latest stored checkpoint (cost in the
new entries only) once that checkpoint's last entry is found unchanged, and
checks against that checkpoint alone; `full=True`, or any checkpoint file,
walks from the first entry against every checkpoint.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from trainer.audit_log import services as audit_trail
from trainer.extensions import db
from trainer import signing
from trainer.ledger import checkpoints
from trainer.ledger.chain import GENESIS, HASHED, check_head, check_row
from trainer.ledger.merkle import Frontier, leaf_hash
from trainer.ledger.models import LedgerCheckpoint, LedgerEntry

VERIFY_BATCH = 2000


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int  # entries found intact before the first problem (all of them when ok)
    first_bad_seq: int | None
    problem: str
    size: int = 0  # entries walked
    head: str = GENESIS  # hash of the last entry walked
    root: str = ""  # Merkle root of the entries walked
    frontier: list[str] = field(default_factory=list, compare=False)
    against: tuple[str, ...] = ()  # the checkpoints checked, described
    resumed_from: str = ""  # the checkpoint an incremental walk started at
    audit_size: int = 0  # the audit trail as verified: what a new checkpoint may sign
    audit_head: str = GENESIS
    latest: checkpoints.TreeHead | None = field(default=None, compare=False)  # the newest stored checkpoint


class _Broken(Exception):
    def __init__(self, checked: int, seq: int | None, problem: str):
        self.checked, self.seq, self.problem = checked, seq, problem


def verify_ledger(files: list[checkpoints.TreeHead] = (), full: bool = False,
                  batch: int = VERIFY_BATCH) -> VerifyResult:
    public = signing.signer().public
    incremental = not full and not files
    if incremental:  # the newest checkpoint vouches for the older ones it extends
        heads = [head for head in (checkpoints.latest(),) if head is not None]
    else:
        heads = checkpoints.stored()
    walker, trail = _Walker(batch), None
    try:
        for head in heads:
            if not head.signed_by(public):
                raise _Broken(0, None, f"{head.source} was altered: its signature does not verify")
        for head in files:
            if not head.signed_by(public):
                raise _Broken(0, None, f"checkpoint file {head.source} is not signed with this ledger's key")
        signed = sorted([*heads, *files], key=lambda h: h.size)
        if heads and incremental:
            walker.resume_from(heads[-1])
        walker.walk(signed, public)
        _check_coverage(walker, signed)
        problem = check_head(walker.size, walker.prev)
        if problem is not None:
            raise _Broken(*problem)
        trail = _check_trail(signed, resume=bool(walker.resumed))
    except _Broken as broken:
        return walker.result(broken.checked, broken.seq, broken.problem, trail, heads)
    return walker.result(walker.size, None, "", trail, heads)


def _check_trail(heads: list[checkpoints.TreeHead], resume: bool) -> audit_trail.TrailCheck:
    """The audit trail against the checkpoint that recorded the most of it."""
    newest = max(heads, key=lambda h: h.audit_size, default=None)
    check = audit_trail.verify_trail(newest.audit_size if newest else 0, newest.audit_head if newest else None,
                                     resume=resume)
    if not check.ok:
        raise _Broken(0, None, f"audit trail: {check.problem}")
    return check


def checkpoint_now() -> LedgerCheckpoint:
    """Verify the ledger and the audit trail and sign exactly what was verified.
    Never signs a ledger that does not verify. The caller commits."""
    result = verify_ledger()
    if not result.ok:
        raise CheckpointRefused(result.problem)
    return checkpoints.write(result.size, result.root, result.head, result.frontier,
                             result.audit_size, result.audit_head)


@dataclass(frozen=True)
class IntegrityStatus:
    """What HR and admin see: whether the ledger verifies now, and against which checkpoint."""

    checked: bool  # False: no checkpoint yet, so nothing cheap to check against
    ok: bool
    problem: str
    size: int
    last_checkpoint: checkpoints.TreeHead | None

    @property
    def checkpoint_at(self) -> datetime | None:
        return datetime.fromisoformat(self.last_checkpoint.created_at) if self.last_checkpoint else None


def integrity_status() -> IntegrityStatus:
    """The incremental check from the last checkpoint (cost in the entries since).
    Without a checkpoint it says so rather than walk the whole ledger on a page view."""
    if checkpoints.latest() is None:
        return IntegrityStatus(False, True, "", 0, None)
    result = verify_ledger()
    return IntegrityStatus(True, result.ok, result.problem, result.size, result.latest)


class CheckpointRefused(RuntimeError):
    """The ledger does not verify: no checkpoint may vouch for it."""


class _Walker:
    def __init__(self, batch: int):
        self.batch = batch
        self.frontier = Frontier()
        self.prev = GENESIS
        self.resumed = ""
        self.checked_against: list[str] = []

    @property
    def size(self) -> int:
        return self.frontier.size

    def result(self, checked: int, bad_seq: int | None, problem: str, trail: audit_trail.TrailCheck | None,
               heads: list[checkpoints.TreeHead]) -> VerifyResult:
        return VerifyResult(not problem, checked, bad_seq, problem, self.size, self.prev, self.frontier.root().hex(),
                            self.frontier.to_hex(), tuple(self.checked_against), self.resumed,
                            trail.size if trail else 0, trail.head if trail else GENESIS,
                            max(heads, key=lambda h: h.size, default=None))

    def resume_from(self, head: checkpoints.TreeHead) -> None:
        """Start after a checkpoint, once its last entry is found as it was signed."""
        if head.size == 0:
            return
        last = db.session.execute(select(LedgerEntry.seq, LedgerEntry.hash).where(LedgerEntry.seq == head.size)).first()
        if last is None or last.hash != head.head_hash:
            return  # something changed under the checkpoint: walk everything to say what
        self.frontier = Frontier.from_hex(head.size, list(head.frontier))
        self.prev, self.resumed = head.head_hash, head.describe()
        self.checked_against.append(head.describe())

    def walk(self, heads: list[checkpoints.TreeHead], public) -> None:
        pending = [h for h in heads if h.size > self.size]
        newest_signed = max((h.size for h in heads), default=0)
        columns = [getattr(LedgerEntry, name) for name in HASHED] + [
            LedgerEntry.hash, LedgerEntry.signature, LedgerEntry.reverses_id]
        last_seen = self.size
        while True:
            rows = db.session.execute(select(*columns).where(LedgerEntry.seq > last_seen)
                                      .order_by(LedgerEntry.seq).limit(self.batch)).mappings().all()
            reversed_hashes = self._reversed_hashes(rows)
            for row in rows:
                self._check(row, public, newest_signed, reversed_hashes)
                while pending and pending[0].size == self.size:
                    self._compare(pending.pop(0))
            if len(rows) < self.batch:
                return
            last_seen = rows[-1]["seq"]

    def _check(self, row, public, newest_signed: int, reversed_hashes: dict[int, str]) -> None:
        expected = self.size + 1
        problem = check_row(row, expected, self.prev)
        if problem is not None:
            bad_seq, message = problem
            raise _Broken(max(0, min(self.size, bad_seq - 1)), bad_seq, message)
        seq = row["seq"]
        if row["reverses_id"] is not None and reversed_hashes.get(row["reverses_id"]) != row["reverses_hash"]:
            raise _Broken(self.size, seq, f"entry {seq} reverses an entry whose row was moved or replaced: "
                                          f"the row it points to is not the entry it reversed")
        if seq > newest_signed and not signing.verify(public, signing.ENTRY_CONTEXT,
                                                      signing.entry_message(seq, row["hash"]), row["signature"]):
            raise _Broken(self.size, seq, f"entry {seq} is not signed with the ledger key: it was altered and "
                                          f"its hash recomputed, or written outside the application (forged)")
        self.frontier.append(leaf_hash(bytes.fromhex(row["hash"])))
        self.prev = row["hash"]

    def _compare(self, head: checkpoints.TreeHead) -> None:
        self.checked_against.append(head.describe())
        if self.frontier.root().hex() != head.root or self.prev != head.head_hash:
            raise _Broken(0, None, f"history was rewritten: the first {head.size} entries do not match "
                                   f"{head.describe()}")

    @staticmethod
    def _reversed_hashes(rows) -> dict[int, str]:
        targets = {row["reverses_id"] for row in rows if row["reverses_id"] is not None}
        if not targets:
            return {}
        return dict(db.session.execute(select(LedgerEntry.id, LedgerEntry.hash).where(LedgerEntry.id.in_(targets))).all())


def _check_coverage(walker: _Walker, heads: list[checkpoints.TreeHead]) -> None:
    """Checkpoints beyond the end of the ledger: entries they covered are gone."""
    beyond = [h for h in heads if h.size > walker.size]
    if not beyond:
        return
    head = max(beyond, key=lambda h: h.size)
    walker.checked_against.append(head.describe())
    if walker.size == 0:
        raise _Broken(0, 1, f"the ledger is empty, but {head.describe()} covers {head.size} entries: "
                            f"every entry was deleted")
    missing = (f"entry {head.size} is" if head.size == walker.size + 1
               else f"entries {walker.size + 1} to {head.size} are")
    raise _Broken(walker.size, walker.size + 1,
                  f"{missing} missing: the ledger ends at {walker.size} but "
                  f"{head.describe()} covers {head.size} (truncated, or restored from an older backup)")
