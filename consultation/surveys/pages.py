"""The pages of a survey a person sees, in order, given their answers so far.

One place for the order of pages: the respondent's pages, the response service (which moves
the resume point on) and the staff preview all ask here, so a condition on a section sends
everyone to the same next page.
"""

from __future__ import annotations

from consultation.surveys.answers import Structure, visibility
from consultation.surveys.models import Section


def visible_sections(structure: Structure, answers: dict) -> list[Section]:
    """The sections these answers show, in survey order (conditions may hide some)."""
    shown, _ = visibility(structure, answers)
    return [s for s in structure.sections if s.pk in shown]


def section_after(structure: Structure, answers: dict, section: Section) -> Section | None:
    """The page after `section` for these answers; None when it is the last one shown (then
    "check your answers" comes next) or when these answers hide `section` itself."""
    sections = visible_sections(structure, answers)
    index = next((i for i, s in enumerate(sections) if s.pk == section.pk), None)
    if index is None or index + 1 >= len(sections):
        return None
    return sections[index + 1]


def progress_count(structure: Structure, answers: dict) -> int:
    """Sections shown so far, plus those that may still be shown once a question is answered."""
    shown, _ = visibility(structure, answers)
    count = 0
    for section in structure.sections:
        condition = structure.section_conditions.get(section.pk)
        if section.pk in shown or (condition and not answers.get(condition.depends_on_id)):
            count += 1
    return count
