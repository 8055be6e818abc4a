"""Reads for stored free-text analysis runs (campaign groups, theme suggestions).

The pages never compute: they read the latest finished run, the run in progress if any, and
count the answers that arrived after the run's newest one (a range on the primary key). A
constant number of queries, none of them scanning every answer, however many answers or groups
there are.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, Max

from consultation.analysis.models import TextAnalysis


@dataclass(frozen=True)
class TextsNow:
    """The answers an analysis would read now: how many, and a digest of their state."""

    count: int
    last_id: int | None
    fingerprint: str


@dataclass(frozen=True)
class StoredGroup:
    """A campaign group as stored: answer ids in input order (the first is the example)."""

    item_ids: tuple[int, ...]

    @property
    def size(self) -> int:
        return len(self.item_ids)


@dataclass(frozen=True)
class TextAnalysisOverview:
    """What a page says about one kind of analysis of one question."""

    done: TextAnalysis | None  # the latest finished run, with its result
    live: TextAnalysis | None  # queued or running, without its result
    failed: TextAnalysis | None  # the latest attempt, if it failed after `done`
    answers_since: int  # answers submitted (or changed and submitted again) after `done` read


def texts_now(question) -> TextsNow:
    """One aggregate over the answers `question_texts` reads; the digest changes whenever one is
    added, removed, edited or released by a review."""
    from consultation.analysis.selectors import text_answers
    from consultation.surveys.free_text import withheld_q

    stats = (
        text_answers(question)
        .prefetch_related(None)
        .select_related(None)
        .exclude(withheld_q())
        .order_by()
        .aggregate(
            n=Count("pk"),
            last=Max("pk"),
            edited=Max("response__updated_at"),
            reviewed=Max("reviewed_at"),
        )
    )
    edited = stats["edited"].timestamp() if stats["edited"] else 0
    reviewed = stats["reviewed"].timestamp() if stats["reviewed"] else 0
    return TextsNow(
        count=stats["n"],
        last_id=stats["last"],
        fingerprint=f"{stats['n']}:{stats['last']}:{edited}:{reviewed}",
    )


def answers_since(question, last_answer_id: int | None) -> int:
    """Answers an analysis would read now that are newer than `last_answer_id`. A submitted
    change writes new answer rows, so it counts too; one query over the newer rows only."""
    from consultation.analysis.selectors import text_answers
    from consultation.surveys.free_text import withheld_q

    answers = text_answers(question).prefetch_related(None).select_related(None)
    if last_answer_id is not None:
        answers = answers.filter(pk__gt=last_answer_id)
    return answers.exclude(withheld_q()).order_by().count()


def text_analysis_latest_done(question, kind: str) -> TextAnalysis | None:
    return (
        TextAnalysis.objects.filter(question=question, kind=kind, state=TextAnalysis.State.DONE)
        .order_by("-finished_at", "-pk")
        .first()
    )


def text_analysis_latest_attempt(question, kind: str) -> TextAnalysis | None:
    """The newest run that is not done (waiting, running or failed), without its result."""
    return (
        TextAnalysis.objects.filter(question=question, kind=kind)
        .exclude(state=TextAnalysis.State.DONE)
        .defer("result")
        .order_by("-requested_at", "-pk")
        .first()
    )


def text_analysis_overview(question, kind: str) -> TextAnalysisOverview:
    """Three queries at most: the latest finished run, the latest other attempt, and (after a
    finished run) the answers since."""
    done = text_analysis_latest_done(question, kind)
    attempt = text_analysis_latest_attempt(question, kind)
    live = attempt if attempt is not None and attempt.is_live else None
    failed = None
    if (
        attempt is not None
        and attempt.state == TextAnalysis.State.FAILED
        and (done is None or attempt.requested_at > done.requested_at)
    ):
        failed = attempt
    since = answers_since(question, done.last_answer_id) if done is not None else 0
    return TextAnalysisOverview(done=done, live=live, failed=failed, answers_since=since)


def stored_groups(run: TextAnalysis | None) -> list[StoredGroup] | None:
    """A campaign run's groups, largest first (None without a run)."""
    if run is None:
        return None
    return [StoredGroup(item_ids=tuple(group["ids"])) for group in run.result.get("groups", [])]


def answer_texts_shown(ids) -> dict[int, str]:
    """Answers' texts by id as analysis pages may show them: withheld ones replaced (an answer
    can be withheld after the run that grouped or quoted it), erased ones absent. One query."""
    from consultation.surveys.free_text import WITHHELD, withheld_q
    from consultation.surveys.models import Answer

    ids = list(ids)
    if not ids:
        return {}
    rows = (
        Answer.objects.filter(pk__in=ids)
        .annotate(withheld=ExpressionWrapper(withheld_q(), output_field=BooleanField()))
        .values_list("pk", "text", "withheld")
    )
    return {pk: WITHHELD if withheld else text for pk, text, withheld in rows}
