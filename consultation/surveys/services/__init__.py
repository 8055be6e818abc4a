"""Every write to surveys goes through these services; they check permission again."""

from consultation.surveys.services.builder import (
    option_create,
    option_delete,
    option_move,
    option_update,
    question_create,
    question_delete,
    question_move,
    question_update,
    section_create,
    section_delete,
    section_move,
    section_update,
    survey_create,
    survey_publish,
    survey_update,
)
from consultation.surveys.services.conditions import condition_clear, condition_set
from consultation.surveys.services.responses import (
    scan_check,
    survey_changes_discard,
    survey_response_enter,
    survey_response_start,
    survey_response_submit,
    survey_section_save,
)
from consultation.surveys.services.survey_changes import survey_has_responses

__all__ = [
    "condition_clear",
    "condition_set",
    "option_create",
    "option_delete",
    "option_move",
    "option_update",
    "question_create",
    "question_delete",
    "question_move",
    "question_update",
    "scan_check",
    "section_create",
    "section_delete",
    "section_move",
    "section_update",
    "survey_changes_discard",
    "survey_create",
    "survey_has_responses",
    "survey_publish",
    "survey_response_enter",
    "survey_response_start",
    "survey_response_submit",
    "survey_section_save",
    "survey_update",
]
