"""What every change to a survey's structure shares: only consultation managers make one,
each is written to the survey's change log (which also tells respondents' pages to load the
structure afresh), and some are refused once people have answered.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import F

from consultation.surveys.models import Response, Survey, SurveyChangeLog
from talklondon.permissions import can_manage_consultations

LOCKED = (
    "People have already answered this survey, so {what} would {why}. "
    "You can still correct wording, or add new questions and options."
)


def manager_required(user) -> None:
    if not can_manage_consultations(user):
        raise PermissionDenied("Only consultation managers can change surveys.")


def survey_has_responses(survey: Survey) -> bool:
    """Whether anyone has started or submitted a response (drafts hold answers too)."""
    return Response.objects.filter(survey=survey).exists()


def change_log(survey: Survey, user, description: str, before: str = "", after: str = "") -> None:
    # Every change goes through here: a new structure version makes respondents' pages
    # load the structure afresh instead of reusing their copy.
    Survey.objects.filter(pk=survey.pk).update(structure_version=F("structure_version") + 1)
    SurveyChangeLog.objects.create(
        survey=survey,
        changed_by=user,
        had_responses=survey_has_responses(survey),
        description=description[:300],
        before=before,
        after=after,
    )


def fields_change(instance, fields: dict) -> tuple[str, str]:
    """Set the fields, returning what changed as "before" and "after" text."""
    before, after = [], []
    for name, value in fields.items():
        old = getattr(instance, name)
        if old != value:
            before.append(f"{name}: {old}")
            after.append(f"{name}: {value}")
            setattr(instance, name, value)
    return "\n".join(before), "\n".join(after)
