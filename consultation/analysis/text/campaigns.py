"""Group near-identical answers (organised campaigns, copy-and-paste, duplicates).

MinHash signatures of word shingles, candidate pairs from locality-sensitive hashing (banded
below the threshold so that few true pairs are missed), then
groups by union-find over pairs whose estimated similarity reaches the threshold. Every answer
stays in the data: groups are shown and counted, never used to drop anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

_WORD = re.compile(r"\w+", re.UNICODE)
# How many answers between two progress reports: often enough for a moving bar, rarely enough
# that reporting (a database write in the task) costs nothing next to the hashing.
PROGRESS_EVERY = 500

# Called with (answers done, answers in all).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CampaignGroup:
    """Answers that are near-identical to one another; `example` is the first one's text."""

    item_ids: tuple[int, ...]
    example: str

    @property
    def size(self) -> int:
        return len(self.item_ids)


def shingles(text: str, size: int = 3) -> set[str]:
    """Overlapping `size`-word sequences of the normalised text (whole text if shorter)."""
    words = _WORD.findall(text.casefold())
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def _minhash(tokens: set[str], num_perm: int, seed: int) -> MinHash:
    signature = MinHash(num_perm=num_perm, seed=seed)
    for token in sorted(tokens):
        signature.update(token.encode("utf-8"))
    return signature


def campaign_groups(
    items: Iterable[tuple[int, str]],
    *,
    threshold: float = 0.8,
    shingle_size: int = 3,
    num_perm: int = 128,
    seed: int = 1,
    min_size: int = 2,
    on_progress: Progress | None = None,
    progress_every: int | None = None,
) -> list[CampaignGroup]:
    """Groups of at least `min_size` answers whose shingle sets are about `threshold` similar.

    Largest group first; item ids inside a group keep their input order. Answers in no group are
    simply not listed here (they are still individual answers). `on_progress(done, total)` is
    called every `progress_every` (PROGRESS_EVERY) answers and once at the end.
    """
    if on_progress is not None and not isinstance(items, Sized):
        items = list(items)
    total = len(items) if isinstance(items, Sized) else 0
    progress_every = progress_every or PROGRESS_EVERY
    # A lower banding threshold than the one we verify against: LSH then misses (almost) no
    # true pair, and the exact signature comparison below decides.
    lsh = MinHashLSH(threshold=max(0.3, threshold - 0.2), num_perm=num_perm)
    signatures: dict[int, MinHash] = {}
    texts: dict[int, str] = {}
    order: list[int] = []
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            # Keep the earlier item as the root, so groups are deterministic.
            first, second = sorted((root_a, root_b), key=order_index.__getitem__)
            parent[second] = first

    order_index: dict[int, int] = {}
    for done, (item_id, text) in enumerate(items, start=1):
        if on_progress is not None and done % progress_every == 0:
            on_progress(done, total)
        tokens = shingles(text or "", shingle_size)
        if not tokens or item_id in signatures:
            continue
        signature = _minhash(tokens, num_perm, seed)
        order_index[item_id] = len(order)
        order.append(item_id)
        parent[item_id] = item_id
        texts[item_id] = text
        for other in lsh.query(signature):
            if signature.jaccard(signatures[other]) >= threshold:
                union(item_id, other)
        lsh.insert(item_id, signature)
        signatures[item_id] = signature

    if on_progress is not None:
        on_progress(total, total)
    members: dict[int, list[int]] = {}
    for item_id in order:
        members.setdefault(find(item_id), []).append(item_id)
    groups = [
        CampaignGroup(item_ids=tuple(ids), example=texts[ids[0]])
        for ids in members.values()
        if len(ids) >= min_size
    ]
    groups.sort(key=lambda g: (-g.size, order_index[g.item_ids[0]]))
    return groups
