"""Checking the text of a statement (the same for residents and staff)."""

from django.core.exceptions import ValidationError

from consultation.statements.models.statements import MAX_STATEMENT_LENGTH


def statement_text_clean(text: str) -> str:
    """One line of plain text, 140 characters at most; returned with spaces tidied."""
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError({"text": "Enter your statement."}, code="empty")
    if len(text) > MAX_STATEMENT_LENGTH:
        raise ValidationError(
            {
                "text": f"Your statement must be {MAX_STATEMENT_LENGTH} characters or fewer; "
                f"it is {len(text)}."
            },
            code="too_long",
        )
    return text
