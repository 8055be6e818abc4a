"""Survey free text held to the comment rules: scanned for plates, email addresses and phone
numbers, and withheld from analysis pages, anonymised exports and quotes until an analyst has
reviewed it.

The scanners are the comment hold rules' (consultation.services.rules), so a survey answer and a
comment are judged alike. An answer's flags are set when it is written (`answer_flags_set`);
`WITHHELD` is what people see in its place.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consultation.services.rules import text_hold_reasons
from consultation.surveys.models import Answer
from talklondon.models import User
from talklondon.permissions import can_view_results

# The hold rules that mean "this may be someone's personal data".
PERSONAL_DATA_REASONS = ("vehicle_registration", "email", "phone")
WITHHELD = "[Withheld until reviewed: may contain personal information]"


def text_flags(*texts: str) -> str:
    """The personal-data hold reasons found in any of `texts`, comma-separated, stable order."""
    found: list[str] = []
    for text in texts:
        if text:
            found += [r for r in text_hold_reasons(text) if r in PERSONAL_DATA_REASONS]
    return ",".join(code for code in PERSONAL_DATA_REASONS if code in found)


def answer_flags_set(answer: Answer) -> Answer:
    """Scan an answer's free text (before it is saved) and flag it; a new text needs a new
    review."""
    answer.held_for = text_flags(answer.text, answer.detail)
    answer.reviewed_at = None
    answer.reviewed_by = None
    return answer


def withheld_q(prefix: str = "") -> Q:
    """Answers whose text is withheld (for querysets: exclude or annotate them)."""
    return ~Q(**{f"{prefix}held_for": ""}) & Q(**{f"{prefix}reviewed_at__isnull": True})


# SQL for the export's COPY path: the text as an anonymised export may show it.
def shown_sql(column: str) -> str:
    """SQL (one %s parameter: WITHHELD) for `a.<column>` as an anonymised export may show it."""
    return (
        f"(CASE WHEN a.held_for <> '' AND a.reviewed_at IS NULL AND a.{column} <> '' "
        f"THEN %s ELSE a.{column} END)"
    )


def text_shown(text: str, *, held_for: str, reviewed: bool) -> str:
    return WITHHELD if text and held_for and not reviewed else text


@transaction.atomic
def answer_review(*, actor: User, answer: Answer, text: str | None = None) -> Answer:
    """An analyst has read a withheld answer: release it as it is, or with the personal data
    edited out (`text`). An edit that still holds personal data is refused."""
    if not can_view_results(actor):
        raise PermissionDenied("Only analysts can review answers.")
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    if text is not None:
        text = text.replace("\r\n", "\n").strip()
        if not text:
            raise ValidationError("Enter the answer without the personal information.")
        if text_flags(text):
            raise ValidationError(
                "The edited answer still contains personal information (a number plate, an "
                "email address or a phone number). Take it out."
            )
        answer.text = text
    answer.reviewed_at = timezone.now()
    answer.reviewed_by = actor
    answer.save(update_fields=["text", "reviewed_at", "reviewed_by"])
    return answer
