"""Answers not yet submitted, kept in one row per response (`Response.draft_answers`).

While a person works through the pages, each page's answers are validated by the survey's own
rules (`services.responses._validate`) and merged into this one JSON value; the normalised
`Answer` rows are written once, on submit, in one transaction. A submitted response's
changes wait here too until the person submits them, so the submitted (and exported) answers
are never half-changed.

Everything that reads or writes `draft_answers` goes through these functions, so that the
personal-data inventory, the data export and erasure have one place to look.
"""

from __future__ import annotations

import re

from django.db.models import Q

from consultation.surveys.models import Response

QUESTION_KEY_RE = re.compile(r"[0-9]{1,12}")


def draft_answers_decode(raw) -> dict[int, dict] | None:
    """The stored value as {question id: answer value}; None when nothing is pending.

    Keys that are not question ids and values that are not answer dicts are dropped: the
    services validate every value again before it is stored as an answer.
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        return {}
    decoded = {}
    for key, value in raw.items():
        wanted = isinstance(key, str) and QUESTION_KEY_RE.fullmatch(key)
        if wanted and isinstance(value, dict) and value:
            decoded[int(key)] = value
    return decoded


def draft_answers_encode(answers: dict[int, dict | None]) -> dict[str, dict]:
    """The JSON to store for these answers (unanswered questions are left out)."""
    return {str(qid): value for qid, value in sorted(answers.items()) if value}


def draft_answers_pending(response: Response) -> dict[int, dict] | None:
    """The response's answers not yet submitted, or None when the Answer rows are current."""
    return draft_answers_decode(response.draft_answers)


def draft_answers_saved_q() -> Q:
    """Drafts whose answers so far are kept in their row (not in Answer rows): every draft
    except those started before drafts were kept in one row."""
    return Q(status=Response.Status.DRAFT, draft_answers__isnull=False)


def draft_answers_of_draft(status: str, raw) -> dict[int, dict] | None:
    """A draft's saved answers from its `status` and raw `draft_answers` (as read with
    `values_list`); None for a submitted response, whose pending changes are not its answers
    until submitted, and for a draft whose answers are in Answer rows."""
    return draft_answers_decode(raw) if status == Response.Status.DRAFT else None


def draft_answers_has_changes(response: Response) -> bool:
    """Whether a submitted response has changes the person has not submitted yet."""
    return response.is_submitted and response.draft_answers is not None


def draft_answers_discard_fields() -> dict:
    """The column values that forget pending answers (for `QuerySet.update`)."""
    return {"draft_answers": None}
