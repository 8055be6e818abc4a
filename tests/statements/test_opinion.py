"""The maths of opinion groups, on small hand-made matrices (no database)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from consultation.statements.opinion import Params, compute

A, D, P = 1, -1, 0


def votes_from(matrix: list[list]) -> list[tuple]:
    """Rows are voters, columns statements; None means not seen."""
    return [
        (v, s, value)
        for v, row in enumerate(matrix)
        for s, value in enumerate(row)
        if value is not None
    ]


# Two camps of six: they disagree on statements 2-5 and all agree on statements 0 and 1.
CAMP_ONE = [A, A, A, A, D, D]
CAMP_TWO = [A, A, D, D, A, A]
TWO_CAMPS = [CAMP_ONE] * 6 + [CAMP_TWO] * 6
PARAMS = Params(min_votes=3)


def test_two_camps_are_found_as_two_groups():
    outcome = compute(votes_from(TWO_CAMPS), statement_ids=list(range(6)), params=PARAMS)
    assert outcome.k == 2
    assert sorted(g.size for g in outcome.groups) == [6, 6]
    first = {outcome.assignments[v] for v in range(6)}
    second = {outcome.assignments[v] for v in range(6, 12)}
    assert len(first) == 1 and len(second) == 1 and first != second


def test_common_ground_is_what_every_group_agrees_with():
    outcome = compute(votes_from(TWO_CAMPS), statement_ids=list(range(6)), params=PARAMS)
    assert sorted(outcome.common_ground) == [0, 1]


def test_representative_statements_are_where_a_group_differs():
    outcome = compute(votes_from(TWO_CAMPS), statement_ids=list(range(6)), params=PARAMS)
    group_of_camp_one = outcome.assignments[0]
    reps = outcome.groups[group_of_camp_one].representatives
    picked = {(r.statement, r.direction) for r in reps}
    # Camp one agrees with 2 and 3 and disagrees with 4 and 5, unlike camp two.
    assert picked <= {(2, "agree"), (3, "agree"), (4, "disagree"), (5, "disagree")}
    assert len(picked) >= 2
    assert all(r.share_in == 1.0 and r.share_out == 0.0 for r in reps)
    # Statements everyone agrees with never describe one group.
    assert not picked & {(0, "agree"), (1, "agree")}


def test_counts_overall_and_by_group():
    matrix = [*TWO_CAMPS, [P, None, None, None, None, None]]
    outcome = compute(votes_from(matrix), statement_ids=list(range(6)), params=PARAMS)
    assert outcome.overall[0].as_list() == [12, 0, 1]
    assert outcome.overall[2].as_list() == [6, 6, 0]
    in_groups = [outcome.by_group[g][2].as_list() for g in range(2)]
    assert sorted(in_groups) == [[0, 6, 0], [6, 0, 0]]


def test_people_with_too_few_votes_are_left_out_of_the_groups():
    matrix = [*TWO_CAMPS, [A, D, None, None, None, None]]
    outcome = compute(votes_from(matrix), statement_ids=list(range(6)), params=PARAMS)
    assert outcome.voters_total == 13
    assert outcome.voters_included == 12
    assert 12 not in outcome.assignments
    # ...but still count overall.
    assert outcome.overall[1].as_list() == [12, 1, 0]


def test_a_missing_vote_does_not_pull_a_person_to_the_other_camp():
    # A camp-one member who has not seen statements 4 and 5 still lands with camp one: the
    # empty cells take the column mean (Pol.is), they are not read as "disagree".
    partial = [A, A, A, A, None, None]
    matrix = [*TWO_CAMPS, partial]
    outcome = compute(votes_from(matrix), statement_ids=list(range(6)), params=PARAMS)
    assert outcome.assignments[12] == outcome.assignments[0]


def test_same_votes_give_the_same_groups():
    rng = np.random.default_rng(7)
    matrix = [[int(rng.choice([A, D, P])) for _ in range(12)] for _ in range(80)]
    first = compute(votes_from(matrix), params=PARAMS)
    again = compute(votes_from(matrix), params=PARAMS)
    assert first.assignments == again.assignments
    assert first.silhouettes == again.silhouettes


def test_k_is_chosen_between_two_and_five_by_silhouette():
    camps = [
        [A, A, A, D, D, D, D, D, D],
        [D, D, D, A, A, A, D, D, D],
        [D, D, D, D, D, D, A, A, A],
    ]
    matrix = [camp for camp in camps for _ in range(10)]
    outcome = compute(votes_from(matrix), params=PARAMS)
    assert set(outcome.silhouettes) <= {2, 3, 4, 5}
    assert outcome.k == 3
    assert max(outcome.silhouettes, key=outcome.silhouettes.get) == 3


def test_groups_are_numbered_largest_first():
    matrix = [CAMP_ONE] * 4 + [CAMP_TWO] * 9
    outcome = compute(votes_from(matrix), params=PARAMS)
    assert [g.size for g in outcome.groups] == [9, 4]
    assert outcome.assignments[12] == 0


def test_everyone_passing_gives_one_group_and_no_common_ground():
    matrix = [[P] * 5 for _ in range(20)]
    outcome = compute(votes_from(matrix), params=PARAMS)
    assert outcome.k == 1
    assert outcome.groups[0].size == 20
    assert outcome.common_ground == []


def test_no_votes_at_all():
    outcome = compute([], statement_ids=[10, 11])
    assert outcome.k == 0
    assert outcome.voters_total == 0
    assert [c.as_list() for c in outcome.overall] == [[0, 0, 0], [0, 0, 0]]


def test_unknown_vote_values_are_refused():
    import pytest

    with pytest.raises(ValueError):
        compute([(1, 1, 2)])


vote = st.sampled_from([A, D, P, None])


@settings(max_examples=60, deadline=None)
@given(
    matrix=st.integers(1, 25).flatmap(
        lambda cols: st.lists(st.lists(vote, min_size=cols, max_size=cols), min_size=0, max_size=30)
    ),
    min_votes=st.integers(1, 8),
)
def test_never_fails_on_sparse_or_degenerate_votes(matrix, min_votes):
    n_cols = len(matrix[0]) if matrix else 1
    outcome = compute(
        votes_from(matrix),
        statement_ids=list(range(n_cols)),
        params=Params(min_votes=min_votes, base_clusters=20),
    )
    assert outcome.k == len(outcome.groups)
    assert sum(g.size for g in outcome.groups) == outcome.voters_included
    assert len(outcome.assignments) == outcome.voters_included
    assert all(0 <= g < max(outcome.k, 1) for g in outcome.assignments.values())
    assert set(outcome.common_ground) <= set(range(n_cols))
    assert outcome.k <= 5


def test_one_voter_and_one_statement():
    for matrix in ([[A]], [[A], [D]], [[A, D, P]], [[A]] * 40):
        outcome = compute(votes_from(matrix), params=Params(min_votes=1))
        assert outcome.voters_included == len(matrix)
        assert outcome.k in (0, 1, 2)
