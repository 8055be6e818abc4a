"""Reads for the analysis pages."""

from django.db.models import Count

from consultation.analysis.models import ExportRecord, Theme


def identified_exports():
    """Every identified export ever requested, newest first, with who asked (the DPO's page)."""
    return (
        ExportRecord.objects.filter(identified=True)
        .select_related("requested_by")
        .order_by("-requested_at", "-pk")
    )


def export_list_for_requester(*, user, limit: int = 100):
    """The person's own exports, newest first ("My exports")."""
    return ExportRecord.objects.filter(requested_by=user).order_by("-requested_at", "-pk")[:limit]


def export_get_for_requester(*, user, export_id: int) -> ExportRecord | None:
    """One of the person's own exports, or None (so that others' exports are a plain 404)."""
    return ExportRecord.objects.filter(pk=export_id, requested_by=user).first()


def theme_counts(*, dataset_key: str, question_key: str) -> list[tuple[Theme, int]]:
    """Each theme of a question's codebook with how many items people tagged with it."""
    themes = (
        Theme.objects.filter(dataset_key=dataset_key, question_key=str(question_key))
        .annotate(tag_count=Count("tags"))
        .order_by("-tag_count", "name")
    )
    return [(theme, theme.tag_count) for theme in themes]


def consultations_with_surveys():
    """Consultations, newest first, with their surveys prefetched (the analysis landing page)."""
    from django.db.models import Prefetch

    from consultation.models import Consultation
    from consultation.surveys.models import Survey

    return Consultation.objects.prefetch_related(
        Prefetch("surveys", queryset=Survey.objects.order_by("pk"))
    ).order_by("-opens_at")


def text_answer_counts(survey, structure) -> dict[int, int]:
    """How many non-empty answers in submitted responses each open question of the survey has
    (the "text-counts" kind of staff figures, registered in apps.py)."""
    from consultation.surveys.models import Answer, Response
    from consultation.surveys.selectors import survey_structure

    if structure is None:
        structure = survey_structure(survey)
    return dict(
        Answer.objects.filter(
            question__in=_open_questions(structure), response__status=Response.Status.SUBMITTED
        )
        .exclude(text="")
        .order_by()
        .values("question_id")
        .annotate(n=Count("pk"))
        .values_list("question_id", "n")
    )


def _open_questions(structure) -> list:
    from consultation.surveys.models import Question

    return [
        q
        for q in structure.questions
        if q.type in (Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT)
    ]


def text_questions(structure, numbers: dict[int, int], *, fingerprint) -> tuple[list[dict], object]:
    """A survey's open (free-text) questions with how many submitted answers each has (kept
    under the survey's figures fingerprint, like the dashboard's other counts), and what the
    counts count (FiguresAsOf)."""
    from consultation.surveys.selectors import figures_cached

    counts, as_of = figures_cached(
        "text-counts", fingerprint, survey=structure.survey, structure=structure
    )
    rows = [
        {"question": q, "number": numbers.get(q.pk), "answers": counts.get(q.pk, 0)}
        for q in _open_questions(structure)
    ]
    return rows, as_of


# --- Free text ------------------------------------------------------------------------------

TEXT_DATASET = "survey-answers"
SUGGESTION_SAMPLE = 5000


def text_question_get(question_id: int):
    """An open (short or long text) survey question with its survey, or None."""
    from consultation.surveys.models import Question

    return (
        Question.objects.select_related("section__survey__consultation")
        .filter(pk=question_id, type__in=[Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT])
        .first()
    )


def text_answers(question):
    """The non-empty answers to an open question in submitted responses, oldest first, with
    their response and theme tags loaded (two queries per page, however many tags)."""
    from django.db.models import Prefetch

    from consultation.analysis.models import ThemeTag
    from consultation.surveys.models import Answer, Response

    return (
        Answer.objects.filter(question=question, response__status=Response.Status.SUBMITTED)
        .exclude(text="")
        .select_related("response")
        .prefetch_related(Prefetch("theme_tags", queryset=ThemeTag.objects.select_related("theme")))
        .order_by("pk")
    )


def question_themes(question) -> list[tuple[Theme, int]]:
    return theme_counts(dataset_key=TEXT_DATASET, question_key=str(question.pk))


def question_texts(question) -> list[tuple[int, str]]:
    """(answer id, text) for theme suggestions and campaign groups: answers withheld because
    they may hold personal data stay out until an analyst has reviewed them, so they are never
    quoted."""
    from consultation.surveys.free_text import withheld_q

    return list(
        text_answers(question)
        .prefetch_related(None)
        .exclude(withheld_q())
        .values_list("pk", "text")
    )


def campaigns_for_question(question, *, run=None):
    """The campaign groups of the latest finished run (None if there is none yet).

    Never computed here: MinHash over every answer runs in a Celery task
    (services/text_analysis.py), and pages read what it stored.
    """
    from consultation.analysis.models import TextAnalysis
    from consultation.analysis.text_selectors import stored_groups, text_analysis_latest_done

    if run is None:
        run = text_analysis_latest_done(question, TextAnalysis.Kind.CAMPAIGNS)
    return stored_groups(run)


def suggestions_for_question(question, *, run=None):
    """Candidate themes of the latest finished run, with their quotes read from the answers
    (one query), or [] if there is no run yet. Never computed here (see above)."""
    from consultation.analysis.models import TextAnalysis
    from consultation.analysis.text.themes import ThemeSuggestion
    from consultation.analysis.text_selectors import answer_texts_shown, text_analysis_latest_done
    from consultation.surveys.free_text import WITHHELD

    if run is None:
        run = text_analysis_latest_done(question, TextAnalysis.Kind.SUGGESTIONS)
    if run is None:
        return []
    stored = run.result.get("suggestions", [])
    texts = answer_texts_shown(pk for item in stored for pk in item["quote_ids"])
    return [
        ThemeSuggestion(
            label=item["label"],
            terms=tuple(item["terms"]),
            size=item["size"],
            # An answer withheld or erased since the run is not quoted.
            quotes=tuple(
                (pk, texts[pk]) for pk in item["quote_ids"] if texts.get(pk, WITHHELD) != WITHHELD
            ),
        )
        for item in stored
    ]


# --- Objects by id, for the routes that take one ---------------------------------------------


def theme_for_staff(*, theme_id: int) -> Theme | None:
    """A free-text theme (Analysts, by the staff guard, may reach every one)."""
    return Theme.objects.filter(pk=theme_id, dataset_key=TEXT_DATASET).first()


def results_consultation_get(*, slug: str, user):
    """The consultation whose results this person may see: published ones for everyone,
    unpublished ones as a preview for those who may preview (can_see_results)."""
    from consultation.analysis.permissions import can_see_results
    from consultation.models import Consultation

    consultation = Consultation.objects.filter(slug=slug).first()
    if consultation is None or not can_see_results(user, consultation):
        return None
    return consultation


def results_release_for_staff(*, consultation, version: int):
    """A version (draft or published) of a consultation's results, for its managers' pages."""
    from consultation.analysis.models import ResultsRelease

    return ResultsRelease.objects.filter(consultation=consultation, version=version).first()


def results_survey_get(*, consultation, survey_id: int):
    from consultation.surveys.models import Survey

    return Survey.objects.filter(pk=survey_id, consultation=consultation).first()
