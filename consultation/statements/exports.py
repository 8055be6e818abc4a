"""The pseudonymous vote matrix for staff: one row per voter, one column per statement.

Voters are shown as pseudonyms that are stable within one file and unlinkable across files
(the analysis exports' Pseudonymiser); the group is from the latest computation.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from consultation.analysis.exports.pseudonyms import Pseudonymiser
from consultation.statements.disclosure import group_label
from consultation.statements.models import OpinionResult, Statement, StatementVote
from talklondon.spreadsheet_safety import formula_guarded


def _line(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def vote_matrix_lines(activity) -> Iterator[str]:
    """CSV lines: agree 1, disagree -1, pass 0, not voted empty. Streams from the database."""
    statements = list(
        Statement.objects.filter(activity=activity, status=Statement.Status.PUBLISHED)
        .order_by("published_at", "id")
        .values_list("id", "text")
    )
    column = {sid: i for i, (sid, _) in enumerate(statements)}
    latest = (
        OpinionResult.objects.filter(activity=activity).only("assignments", "computed_at").first()
    )
    groups = latest.assignments if latest else {}
    pseudonym = Pseudonymiser()
    yield "\ufeff" + _line(
        [
            "voter",
            "opinion_group",
            *[formula_guarded(f"S{sid}: {text}") for sid, text in statements],
        ]
    )
    votes = (
        StatementVote.objects.filter(activity=activity, statement_id__in=list(column))
        .order_by("voter_id")
        .values_list("voter_id", "statement_id", "choice")
        .iterator(chunk_size=5000)
    )
    current, row = None, None
    for voter_id, statement_id, choice in votes:
        if voter_id != current:
            if row is not None:
                yield _line(row)
            current = voter_id
            group = groups.get(str(voter_id))
            row = [
                pseudonym(voter_id),
                group_label(group) if group is not None else "",
                *[""] * len(statements),
            ]
        row[2 + column[statement_id]] = str(choice)
    if row is not None:
        yield _line(row)
