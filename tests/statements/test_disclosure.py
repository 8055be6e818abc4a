"""Disclosure control of the published opinion groups: no shown count is small, whatever the votes."""

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from consultation.statements.disclosure import SUPPRESSED, disclosed
from consultation.statements.opinion import Params, compute
from consultation.statements.services.results import _payload
from talklondon.disclosure import THRESHOLD


def _result(votes, n_statements):
    outcome = compute(votes, statement_ids=list(range(n_statements)), params=Params(min_votes=2))
    return SimpleNamespace(
        payload=_payload(outcome, {s: f"Statement {s}" for s in range(n_statements)}),
        voters_total=outcome.voters_total,
        voters_included=outcome.voters_included,
        votes_total=outcome.votes_total,
        computed_at=None,
        params={"min_votes": 2},
    ), outcome


def _shown_counts(public):
    for group in public.groups:
        yield group.size
    for statement in public.statements:
        yield from statement.overall
        for cells in statement.by_group:
            yield from cells
        if statement.ungrouped is not None:
            yield from statement.ungrouped


@settings(max_examples=40, deadline=None)
@given(
    n_statements=st.integers(1, 6),
    rows=st.lists(st.lists(st.sampled_from([1, -1, 0, None]), min_size=6, max_size=6), max_size=60),
)
def test_no_published_count_is_under_the_threshold(n_statements, rows):
    votes = [
        (v, s, value)
        for v, row in enumerate(rows)
        for s, value in enumerate(row[:n_statements])
        if value is not None
    ]
    result, outcome = _result(votes, n_statements)
    public = disclosed(result)
    for shown in _shown_counts(public):
        assert shown == SUPPRESSED or int(shown) >= THRESHOLD
    for group, raw in zip(public.groups, outcome.groups, strict=True):
        if raw.size < THRESHOLD:
            assert not group.described and not group.sentences
    # A hidden overall count cannot be rebuilt from the group counts shown beside it.
    for statement in public.statements:
        for column in range(3):
            line = [cells[column] for cells in statement.by_group]
            if statement.ungrouped is not None:
                line.append(statement.ungrouped[column])
            hidden = [cell for cell in [*line, statement.overall[column]] if cell == SUPPRESSED]
            assert len(hidden) != 1
