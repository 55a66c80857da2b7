"""A Merkle tree over the ledger, as Certificate Transparency builds its logs
(RFC 6962 §2.1, restated in RFC 9162 §2.1).

Leaves are `SHA-256(0x00 || data)`, interior nodes `SHA-256(0x01 || left || right)`,
and a tree of n leaves splits at the largest power of two below n. That
shape lets anyone holding an old tree head check that the current log
extends it (a consistency proof) and that one entry is in the log (an
inclusion proof), with log2(n) hashes and without the database.

`Frontier` keeps the roots of the perfect subtrees that make up the tree (at
most log2(n) hashes), so the tree head after new entries costs time in the
number of new entries only: checkpoints store it, and verification resumes
from it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def inclusion_proof(index: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf `index` (0-based)."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaves)}")
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return inclusion_proof(index, leaves[:k]) + [root(leaves[k:])]
    return inclusion_proof(index - k, leaves[k:]) + [root(leaves[:k])]


def consistency_proof(old_size: int, leaves: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): shows the tree of the first `old_size` leaves is a prefix of this one."""
    if not 0 < old_size <= len(leaves):
        raise ValueError(f"no consistency proof from {old_size} to {len(leaves)}")
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return _subproof(m, leaves[:k], complete) + [root(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [root(leaves[:k])]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(old_size: int, new_size: int, proof: list[bytes], old_root: bytes, new_root: bytes) -> bool:
    """RFC 9162 §2.1.4.2."""
    if old_size == new_size:
        return not proof and old_root == new_root
    if not 0 < old_size < new_size or not proof:
        return False
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the proof's implied first node
        proof = [old_root, *proof]
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


@dataclass
class Frontier:
    """The roots of the perfect subtrees of a tree of `size` leaves, largest first."""

    size: int = 0
    nodes: list[bytes] = field(default_factory=list)

    def append(self, leaf: bytes) -> None:
        carry, n = leaf, self.size
        while n & 1:  # like adding one to a binary counter: equal-sized subtrees merge
            carry = node_hash(self.nodes.pop(), carry)
            n >>= 1
        self.nodes.append(carry)
        self.size += 1

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        value = self.nodes[-1]
        for node in reversed(self.nodes[:-1]):
            value = node_hash(node, value)
        return value

    def to_hex(self) -> list[str]:
        return [node.hex() for node in self.nodes]

    @classmethod
    def from_hex(cls, size: int, nodes: list[str]) -> Frontier:
        frontier = cls(size, [bytes.fromhex(node) for node in nodes])
        if len(frontier.nodes) != bin(size).count("1"):
            raise ValueError(f"a frontier of {size} leaves has {bin(size).count('1')} nodes, not {len(nodes)}")
        return frontier


class Tree:
    """All the perfect subtrees of a list of leaves, so that many proofs cost
    log2(n) each instead of n: the audit pack proves every entry of a quarter.
    (In an RFC 6962 tree every perfect subtree starts at a multiple of its size.)"""

    def __init__(self, leaves: list[bytes]):
        self.size = len(leaves)
        self.levels = [list(leaves)]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])

    def _root(self, start: int, n: int) -> bytes:
        if n & (n - 1) == 0:
            level = n.bit_length() - 1
            return self.levels[level][start >> level]
        k = _split(n)
        return node_hash(self._root(start, k), self._root(start + k, n - k))

    def root(self) -> bytes:
        return self._root(0, self.size) if self.size else EMPTY_ROOT

    def inclusion_proof(self, index: int) -> list[bytes]:
        if not 0 <= index < self.size:
            raise ValueError(f"leaf {index} is not in a tree of {self.size}")
        path, start, n = [], 0, self.size
        while n > 1:
            k = _split(n)
            if index - start < k:
                path.append(self._root(start + k, n - k))
                n = k
            else:
                path.append(self._root(start, k))
                start, n = start + k, n - k
        return path[::-1]
