"""Opinion groups and common ground from agree/disagree/pass votes, computed as Pol.is does.

Pure: numpy, scipy and scikit-learn, no Django, so it can be tested and benchmarked alone.

The steps follow Pol.is's math (polismath.math.conversation, pca, clusters, repness):

1. The person x statement matrix: agree 1, disagree -1, pass or unseen empty. People who voted
   on fewer than `min_votes` statements are left out of the groups (they still count in the
   overall totals).
2. PCA with missing values handled as Pol.is does: each empty cell takes its statement's mean,
   so the centred matrix is zero there and stays sparse; two components; each person is then
   projected from the statements they did vote on and pushed out by sqrt(statements / votes),
   so that people who voted on little are not all piled up in the middle.
3. Clustering in two stages, like Pol.is: up to 100 fine "base" clusters of the projected
   people, then k-means of those (weighted by their sizes) into k = 2..5 opinion groups,
   keeping the k with the best silhouette score.
4. For each group, its representative statements: where its agree (or disagree) rate differs
   most from everyone else's (Pol.is's "repness": a ratio of smoothed rates, kept only when a
   two-proportion z-test says the difference is real).
5. Common ground: statements that a majority of every group agreed with, ranked by Pol.is's
   group-aware consensus (the product over groups of each group's smoothed agree rate).

Every random step uses `random_state`, so the same votes always give the same groups.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy import sparse

AGREE = 1
DISAGREE = -1
PASS = 0


@dataclass(frozen=True)
class Params:
    min_votes: int = 7
    k_min: int = 2
    k_max: int = 5
    base_clusters: int = 100
    representatives: int = 5
    # A statement is representative only when the z-test passes this (Pol.is uses 90%).
    z_threshold: float = 1.2816
    random_state: int = 0
    # Silhouette is measured on at most this many people (sampled with random_state).
    silhouette_sample: int = 5000


@dataclass(frozen=True)
class Counts:
    agree: int = 0
    disagree: int = 0
    passed: int = 0

    @property
    def total(self) -> int:
        return self.agree + self.disagree + self.passed

    def as_list(self) -> list[int]:
        return [self.agree, self.disagree, self.passed]


@dataclass(frozen=True)
class Representative:
    statement: int  # position in `statement_ids`
    direction: str  # "agree" or "disagree"
    share_in: float  # the group's share of its voters on the statement who went this way
    share_out: float  # the same share among everyone else in a group
    ratio: float
    z: float


@dataclass(frozen=True)
class Group:
    size: int
    representatives: tuple[Representative, ...]


@dataclass
class Outcome:
    """Everything one computation produced, and the numbers behind it."""

    voter_ids: list
    statement_ids: list
    params: Params
    votes_total: int
    voters_total: int
    voters_included: int
    k: int
    silhouettes: dict[int, float]
    groups: list[Group]
    # voter id -> group index, for those included.
    assignments: dict
    overall: list[Counts]  # per statement, every voter
    by_group: list[list[Counts]]  # [group][statement], voters in that group
    # Positions in statement_ids, best first, with each group's agree share.
    common_ground: list[int]
    consensus: list[float] = field(default_factory=list)  # per statement


def _matrix(voters, statements, values, n_voters: int, n_statements: int):
    """Sparse agree/disagree matrix (passes left empty) and per-cell vote codes."""
    # scipy loads here, not at import: it costs every web worker about 60 MB and only the
    # opinion-groups task builds the matrix.
    from scipy import sparse

    values = np.asarray(values, dtype=np.int8)
    voters = np.asarray(voters, dtype=np.int64)
    statements = np.asarray(statements, dtype=np.int64)
    cast = values != PASS
    matrix = sparse.csr_matrix(
        (values[cast].astype(np.float64), (voters[cast], statements[cast])),
        shape=(n_voters, n_statements),
    )
    matrix.sum_duplicates()
    return matrix


def _counts(voters, statements, values, mask_voters, n_statements: int) -> np.ndarray:
    """[statement, (agree, disagree, pass)] counts over the voters selected by mask_voters."""
    keep = mask_voters[voters]
    out = np.zeros((n_statements, 3), dtype=np.int64)
    for column, code in enumerate((AGREE, DISAGREE, PASS)):
        chosen = keep & (values == code)
        out[:, column] = np.bincount(statements[chosen], minlength=n_statements)
    return out


def project(matrix: sparse.csr_matrix, random_state: int) -> np.ndarray:
    """Two-component PCA of the vote matrix with Pol.is's handling of missing votes.

    Returns one (x, y) point per row. Rows with no votes sit at the centre.
    """
    n_rows, n_cols = matrix.shape
    if n_rows == 0 or n_cols == 0 or matrix.nnz == 0:
        return np.zeros((n_rows, 2))
    seen = matrix.getnnz(axis=0)
    means = np.divide(
        np.asarray(matrix.sum(axis=0)).ravel(), seen, out=np.zeros(n_cols), where=seen > 0
    )
    # Centred, with every empty cell at its column mean (so zero after centring).
    centred = matrix.tocoo(copy=True)
    centred.data = centred.data - means[centred.col]
    centred = centred.tocsr()
    n_components = min(2, n_rows, n_cols)
    if n_rows * n_cols <= 2_000_000:
        _, _, vt = np.linalg.svd(centred.toarray(), full_matrices=False)
        components = vt[:n_components]
    else:
        from sklearn.utils.extmath import randomized_svd

        _, _, components = randomized_svd(
            centred, n_components=n_components, n_iter=7, random_state=random_state
        )
    # A fixed sign for each component, so results do not flip between runs.
    for row in components:
        pivot = np.argmax(np.abs(row))
        if row[pivot] < 0:
            row *= -1
    points = np.asarray(centred @ components.T)
    if n_components < 2:
        points = np.hstack([points, np.zeros((n_rows, 2 - n_components))])
    votes_per_row = np.maximum(matrix.getnnz(axis=1), 1)
    return points * np.sqrt(n_cols / votes_per_row)[:, None]


def cluster(points: np.ndarray, params: Params) -> tuple[np.ndarray, dict[int, float]]:
    """Group labels for each point and the silhouette score of each k tried.

    One group (label 0 for everyone) when the points cannot be split.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n = len(points)
    if n == 0:
        return np.zeros(0, dtype=np.int64), {}
    rounded = np.round(points, 9)
    distinct = np.unique(rounded, axis=0)
    if len(distinct) < params.k_min or n <= params.k_min:
        return np.zeros(n, dtype=np.int64), {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        n_base = min(params.base_clusters, len(distinct))
        base = KMeans(n_clusters=n_base, n_init=1, random_state=params.random_state).fit(points)
        centres = base.cluster_centers_
        weights = np.bincount(base.labels_, minlength=n_base).astype(float)
        rng = np.random.default_rng(params.random_state)
        sample = (
            rng.choice(n, size=params.silhouette_sample, replace=False)
            if n > params.silhouette_sample
            else np.arange(n)
        )
        best_labels, silhouettes = None, {}
        best_score = -math.inf
        for k in range(params.k_min, min(params.k_max, n_base) + 1):
            grouping = KMeans(n_clusters=k, n_init=10, random_state=params.random_state).fit(
                centres, sample_weight=weights
            )
            labels = grouping.labels_[base.labels_]
            found = len(np.unique(labels[sample]))
            if found < 2 or found >= len(sample):
                continue
            score = float(silhouette_score(points[sample], labels[sample]))
            silhouettes[k] = round(score, 6)
            if score > best_score + 1e-9:
                best_score, best_labels = score, labels
    if best_labels is None:
        return np.zeros(n, dtype=np.int64), silhouettes
    return _ordered(best_labels), silhouettes


def _ordered(labels: np.ndarray) -> np.ndarray:
    """Relabel groups largest first (ties by first member), so group A is always the largest."""
    uniques, first, sizes = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(uniques)), key=lambda i: (-sizes[i], first[i]))
    mapping = np.empty(uniques.max() + 1, dtype=np.int64)
    for new, old in enumerate(order):
        mapping[uniques[old]] = new
    return mapping[labels]


def _z_two_proportions(s1, n1, s2, n2) -> np.ndarray:
    p1 = (s1 + 1) / (n1 + 2)
    p2 = (s2 + 1) / (n2 + 2)
    pooled = (s1 + s2 + 1) / (n1 + n2 + 2)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / (n1 + 1) + 1 / (n2 + 1)))
    return np.divide(p1 - p2, spread, out=np.zeros_like(p1), where=spread > 0)


def representatives(group_counts: np.ndarray, params: Params) -> list[list[Representative]]:
    """For each group, the statements on which it differs most from the other groups.

    group_counts is [group, statement, (agree, disagree, pass)].
    """
    totals = group_counts.sum(axis=0)
    out = []
    for g in range(group_counts.shape[0]):
        inside = group_counts[g].astype(float)
        outside = (totals - group_counts[g]).astype(float)
        n_in = inside.sum(axis=1)
        n_out = outside.sum(axis=1)
        found = []
        for column, direction in ((0, "agree"), (1, "disagree")):
            p_in = (inside[:, column] + 1) / (n_in + 2)
            p_out = (outside[:, column] + 1) / (n_out + 2)
            ratio = p_in / p_out
            z = _z_two_proportions(inside[:, column], n_in, outside[:, column], n_out)
            for s in np.flatnonzero((z > params.z_threshold) & (p_in > 0.5) & (n_in > 0)):
                share_in = inside[s, column] / n_in[s]
                share_out = outside[s, column] / n_out[s] if n_out[s] else 0.0
                found.append(
                    (
                        ratio[s] * p_in[s],
                        Representative(
                            statement=int(s),
                            direction=direction,
                            share_in=round(float(share_in), 4),
                            share_out=round(float(share_out), 4),
                            ratio=round(float(ratio[s]), 4),
                            z=round(float(z[s]), 4),
                        ),
                    )
                )
        found.sort(key=lambda item: (-item[0], item[1].statement))
        chosen, seen = [], set()
        for _, rep in found:
            if rep.statement not in seen:
                chosen.append(rep)
                seen.add(rep.statement)
            if len(chosen) == params.representatives:
                break
        out.append(chosen)
    return out


def common_ground(group_counts: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Statements a majority of every group agreed with, best first; and every consensus score.

    A group that has not voted on a statement does not agree with it.
    """
    agree = group_counts[:, :, 0].astype(float)
    voted = group_counts.sum(axis=2).astype(float)
    consensus = np.prod((agree + 1) / (voted + 2), axis=0)
    share = np.divide(agree, voted, out=np.zeros_like(agree), where=voted > 0)
    majority = np.all(share > 0.5, axis=0) if len(group_counts) else np.zeros(0, dtype=bool)
    chosen = np.flatnonzero(majority)
    order = sorted(chosen.tolist(), key=lambda s: (-consensus[s], s))
    return order, consensus


def compute(
    votes: list[tuple] | np.ndarray,
    *,
    statement_ids: list | None = None,
    params: Params | None = None,
) -> Outcome:
    """Opinion groups from (voter id, statement id, value) triples, value 1, -1 or 0 (pass).

    `statement_ids` fixes the statements (and their order) even if some have no votes yet.
    Each voter has at most one vote per statement (the database makes sure of it).
    """
    params = params or Params()
    rows = np.asarray(votes, dtype=object).reshape(-1, 3) if len(votes) else np.empty((0, 3))
    voter_ids = list(dict.fromkeys(rows[:, 0].tolist()))
    if statement_ids is None:
        statement_ids = list(dict.fromkeys(rows[:, 1].tolist()))
    voter_index = {v: i for i, v in enumerate(voter_ids)}
    statement_index = {s: i for i, s in enumerate(statement_ids)}
    known = np.array([s in statement_index for s in rows[:, 1]], dtype=bool)
    rows = rows[known]
    voters = np.fromiter((voter_index[v] for v in rows[:, 0]), dtype=np.int64, count=len(rows))
    statements = np.fromiter(
        (statement_index[s] for s in rows[:, 1]), dtype=np.int64, count=len(rows)
    )
    values = rows[:, 2].astype(np.int8)
    return compute_indexed(
        voters,
        statements,
        values,
        voter_ids=voter_ids,
        statement_ids=list(statement_ids),
        params=params,
    )


def compute_indexed(
    voters: np.ndarray,
    statements: np.ndarray,
    values: np.ndarray,
    *,
    voter_ids: list,
    statement_ids: list,
    params: Params | None = None,
) -> Outcome:
    """As `compute`, from votes already given as row and column positions (the fast path)."""
    params = params or Params()
    voters = np.asarray(voters, dtype=np.int64)
    statements = np.asarray(statements, dtype=np.int64)
    values = np.asarray(values, dtype=np.int8)
    if len(values) and not np.isin(values, (AGREE, DISAGREE, PASS)).all():
        raise ValueError("Votes must be 1 (agree), -1 (disagree) or 0 (pass).")
    n_voters, n_statements = len(voter_ids), len(statement_ids)
    everyone = np.ones(n_voters, dtype=bool)
    overall = _counts(voters, statements, values, everyone, n_statements)

    votes_per_voter = np.bincount(voters, minlength=n_voters)
    enough = min(params.min_votes, max(n_statements, 1))
    included = votes_per_voter >= enough
    included_rows = np.flatnonzero(included)
    matrix = _matrix(voters, statements, values, n_voters, n_statements)[included_rows]
    points = project(matrix, params.random_state)
    labels, silhouettes = cluster(points, params)
    k = int(labels.max()) + 1 if len(labels) else 0

    group_of = np.full(n_voters, -1, dtype=np.int64)
    group_of[included_rows] = labels
    group_counts = np.zeros((k, n_statements, 3), dtype=np.int64)
    for g in range(k):
        group_counts[g] = _counts(voters, statements, values, group_of == g, n_statements)
    reps = representatives(group_counts, params) if k > 1 else [[] for _ in range(k)]
    ground, consensus = common_ground(group_counts) if k else ([], np.zeros(n_statements))
    sizes = np.bincount(labels, minlength=k) if k else []

    return Outcome(
        voter_ids=voter_ids,
        statement_ids=statement_ids,
        params=params,
        votes_total=int(len(values)),
        voters_total=n_voters,
        voters_included=int(included.sum()),
        k=k,
        silhouettes=silhouettes,
        groups=[Group(size=int(sizes[g]), representatives=tuple(reps[g])) for g in range(k)],
        assignments={voter_ids[i]: int(group_of[i]) for i in included_rows},
        overall=[Counts(*map(int, row)) for row in overall],
        by_group=[[Counts(*map(int, row)) for row in group_counts[g]] for g in range(k)],
        common_ground=ground,
        consensus=[round(float(c), 6) for c in consensus],
    )
