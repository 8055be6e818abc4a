"""Heavy free-text analysis in the background: campaign groups (MinHash) and theme suggestions
(TF-IDF and NMF) for one open question.

An analyst asks (`text_analysis_request`); a Celery task runs it (`text_analysis_run`), moving
the run's progress as it goes; the pages read the stored result. Asking again while a run waits
or runs joins that run. The result holds answer ids, sizes and terms, never answer text, and a
failure is recorded with a safe message, never the text that caused it.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from consultation.analysis.models import TextAnalysis
from consultation.analysis.permissions import can_analyse_text
from talklondon.models import User
from talklondon.outbox import outbox_enqueue

logger = logging.getLogger(__name__)

RUN_TASK = "consultation.analysis.tasks.text_analysis_run"
STALE_RUNNING = TextAnalysis.STALE_AFTER
ABANDONED_MESSAGE = "It stopped without finishing (the computer running it may have restarted)."
FAILED_MESSAGE = (
    "The analysis stopped with an error ({error}). Try again; if it fails again, tell the "
    "service team the question number."
)
Kind = TextAnalysis.Kind
State = TextAnalysis.State


def text_analysis_request(*, actor: User, question, kind: str) -> TextAnalysis:
    """Ask for campaign groups or theme suggestions for `question`, computed by a Celery task.

    Returns the run waiting or running for the same question and kind if there is one, rather
    than start another.
    """
    if not can_analyse_text(actor):
        raise PermissionDenied("You cannot analyse free text.")
    if kind not in Kind.values:
        raise ValidationError({"kind": "Choose campaign groups or theme suggestions."})
    with transaction.atomic():
        live = (
            TextAnalysis.objects.select_for_update()
            .filter(question=question, kind=kind, state__in=TextAnalysis.LIVE_STATES)
            .first()
        )
        if live is not None and not live.is_stale:
            return live
        if live is not None:
            live.state = State.FAILED
            live.error = ABANDONED_MESSAGE
            live.finished_at = timezone.now()
            live.save(update_fields=["state", "error", "finished_at"])
        try:
            # A savepoint: two analysts asking at once meet the one-live-run constraint, and
            # the second joins the first's run.
            with transaction.atomic():
                run = TextAnalysis.objects.create(question=question, kind=kind, requested_by=actor)
        except IntegrityError:
            return TextAnalysis.objects.get(
                question=question, kind=kind, state__in=TextAnalysis.LIVE_STATES
            )
        outbox_enqueue(task_name=RUN_TASK, kwargs={"analysis_id": run.pk})
    logger.info("Text analysis %s (%s) of question %s requested by user %s",
                run.pk, kind, question.pk, actor.pk)  # fmt: skip
    return run


def _claim(analysis_id: int) -> TextAnalysis | None:
    """Mark a waiting run as running, once (tasks are delivered at least once)."""
    with transaction.atomic():
        run = (
            TextAnalysis.objects.select_for_update()
            .select_related("question", "requested_by")
            .filter(pk=analysis_id)
            .first()
        )
        if run is None:
            return None
        stale = run.state == State.RUNNING and run.is_stale
        if run.state != State.QUEUED and not stale:
            return None
        run.state = State.RUNNING
        run.started_at = timezone.now()
        run.progress = 0
        run.stage = "Reading the answers"
        run.save(update_fields=["state", "started_at", "progress", "stage"])
        return run


def _reporter(run: TextAnalysis, stage: str, start: int, end: int):
    """A progress callback mapping (done, total) onto `start`..`end` percent of the run, written
    only when the whole percentage moves (one UPDATE per step, not per answer)."""
    last = [-1]

    def report(done: int, total: int) -> None:
        percent = start + (end - start) * done // total if total else end
        if percent != last[0]:
            last[0] = percent
            TextAnalysis.objects.filter(pk=run.pk, state=State.RUNNING).update(
                progress=min(percent, 100), stage=stage
            )

    return report


def _campaigns(run: TextAnalysis, texts) -> dict:
    from consultation.analysis.text.campaigns import campaign_groups

    groups = campaign_groups(
        texts, on_progress=_reporter(run, "Comparing answers", start=5, end=95)
    )
    return {
        "groups": [{"ids": list(group.item_ids), "size": group.size} for group in groups],
        "grouped": sum(group.size for group in groups),
    }


def _suggestions(run: TextAnalysis, texts) -> dict:
    from consultation.analysis.selectors import SUGGESTION_SAMPLE
    from consultation.analysis.text.themes import suggest_themes

    # Up to SUGGESTION_SAMPLE answers spread evenly over all of them: NMF's time grows with
    # the answers, and a few thousand find the same themes.
    step = max(1, len(texts) // SUGGESTION_SAMPLE)
    sample = texts[::step]
    suggestions = suggest_themes(
        sample,
        n_themes=6,
        random_state=0,
        on_progress=_reporter(run, "Finding themes", start=5, end=95),
    )
    return {
        "suggestions": [
            {
                "label": s.label,
                "terms": list(s.terms),
                "size": s.size,
                "quote_ids": [item_id for item_id, _ in s.quotes],
            }
            for s in suggestions
        ],
        "sampled": len(sample),
    }


COMPUTE = {Kind.CAMPAIGNS: _campaigns, Kind.SUGGESTIONS: _suggestions}


def text_analysis_run(*, analysis_id: int) -> TextAnalysis | None:
    """Compute a requested run (the Celery task's body). Idempotent: a run that is already
    running, done or failed is left alone, and None returned."""
    from consultation.analysis.selectors import question_texts
    from consultation.analysis.text_selectors import texts_now

    run = _claim(analysis_id)
    if run is None:
        return None
    try:
        if not can_analyse_text(run.requested_by):
            raise PermissionDenied("The person who asked no longer analyses free text.")
        # The digest first: an answer arriving while the texts are read is then reported as
        # "since", never silently missing.
        now = texts_now(run.question)
        texts = question_texts(run.question)
        result = COMPUTE[run.kind](run, texts)
    except Exception as exc:
        # Only the error's type: its message may quote an answer, and this one is shown on a
        # page and kept.
        error = "no longer permitted" if isinstance(exc, PermissionDenied) else type(exc).__name__
        logger.error("Text analysis %s failed: %s", run.pk, type(exc).__name__)
        TextAnalysis.objects.filter(pk=run.pk).update(
            state=State.FAILED,
            stage="",
            error=FAILED_MESSAGE.format(error=error)[:300],
            finished_at=timezone.now(),
        )
        return None
    run.state = State.DONE
    run.progress = 100
    run.stage = ""
    run.answers_counted = len(texts)
    run.fingerprint = now.fingerprint
    run.last_answer_id = now.last_id
    run.result = result
    run.finished_at = timezone.now()
    run.error = ""
    run.save(
        update_fields=[
            "state", "progress", "stage", "answers_counted", "fingerprint",
            "last_answer_id", "result",
            "finished_at", "error",
        ]
    )  # fmt: skip
    logger.info("Text analysis %s done: %s answers in %.1f s",
                run.pk, run.answers_counted, run.duration_seconds or 0)  # fmt: skip
    return run
