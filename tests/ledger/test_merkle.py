"""The ledger's Merkle tree against Certificate Transparency's published test
vectors (the 8-leaf tree used by RFC 6962 implementations), and proofs for
every leaf and every pair of sizes in larger trees."""
from __future__ import annotations

import pytest

from trainer.ledger import merkle

DATA = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                    "606162636465666768696a6b6c6d6e6f")]
LEAVES = [merkle.leaf_hash(d) for d in DATA]
ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]
INCLUSION = [  # (leaf index, tree size, path)
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]


@pytest.mark.parametrize("size", range(9))
def test_tree_heads_match_the_reference(size):
    assert merkle.root(LEAVES[:size]) == ROOTS[size]
    frontier = merkle.Frontier()
    for leaf in LEAVES[:size]:
        frontier.append(leaf)
    assert frontier.root() == ROOTS[size]


@pytest.mark.parametrize("index, size, path", INCLUSION)
def test_inclusion_proofs_match_the_reference(index, size, path):
    proof = merkle.inclusion_proof(index, LEAVES[:size])
    assert [p.hex() for p in proof] == path
    assert merkle.verify_inclusion(index, size, LEAVES[index], proof, ROOTS[size])
    assert not merkle.verify_inclusion(index, size, LEAVES[index], proof, ROOTS[size - 1])
    assert not merkle.verify_inclusion(index, size, LEAVES[(index + 1) % size], proof, ROOTS[size])


@pytest.mark.parametrize("old, new, path", CONSISTENCY)
def test_consistency_proofs_match_the_reference(old, new, path):
    proof = merkle.consistency_proof(old, LEAVES[:new])
    assert [p.hex() for p in proof] == path
    assert merkle.verify_consistency(old, new, proof, ROOTS[old], ROOTS[new])
    if old < new:
        forged = bytes([ROOTS[old][0] ^ 1]) + ROOTS[old][1:]
        assert not merkle.verify_consistency(old, new, proof, forged, ROOTS[new])


def test_every_proof_in_larger_trees_verifies_and_a_changed_leaf_fails():
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(37)]
    roots = [merkle.root(leaves[:n]) for n in range(len(leaves) + 1)]
    for n in range(1, len(leaves) + 1):
        for i in range(n):
            proof = merkle.inclusion_proof(i, leaves[:n])
            assert merkle.verify_inclusion(i, n, leaves[i], proof, roots[n])
            assert not merkle.verify_inclusion(i, n, merkle.leaf_hash(b"forged"), proof, roots[n])
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(m, leaves[:n])
            assert merkle.verify_consistency(m, n, proof, roots[m], roots[n])
            if m < n:  # a rewritten history (another leaf at m-1) cannot be shown consistent
                rewritten = leaves[:m - 1] + [merkle.leaf_hash(b"rewritten")]
                assert not merkle.verify_consistency(m, n, proof, merkle.root(rewritten), roots[n])


def test_a_frontier_round_trips_and_refuses_a_wrong_shape():
    frontier = merkle.Frontier()
    for leaf in LEAVES[:7]:
        frontier.append(leaf)
    again = merkle.Frontier.from_hex(7, frontier.to_hex())
    again.append(LEAVES[7])
    assert again.root() == ROOTS[8]
    with pytest.raises(ValueError):
        merkle.Frontier.from_hex(8, frontier.to_hex())


def test_the_precomputed_tree_gives_the_same_proofs_and_root():
    for n in (1, 2, 3, 7, 8, 9, 37):
        leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
        tree = merkle.Tree(leaves)
        assert tree.root() == merkle.root(leaves)
        for i in range(n):
            assert tree.inclusion_proof(i) == merkle.inclusion_proof(i, leaves)
    assert merkle.Tree(LEAVES).inclusion_proof(5) == [bytes.fromhex(h) for h in INCLUSION[1][2]]
