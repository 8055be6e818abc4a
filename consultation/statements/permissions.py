"""Who may do what with statements: predicates used by views, services and templates alike."""

from consultation.services.comments import BLOCKED_MESSAGE, is_blocked
from consultation.statements.models import StatementsActivity
from talklondon.permissions import can_manage_consultations, can_moderate, participation_problem


def voting_problem(user, activity: StatementsActivity) -> str | None:
    """Why this person cannot vote or add statements now, in words we can show; None if they can."""
    status = activity.status
    if status == StatementsActivity.Status.UPCOMING:
        return f"Voting on statements opens on {activity.opens_at:%-d %B %Y}."
    if status == StatementsActivity.Status.CLOSED:
        return "Voting on statements has closed. The results stay here to read."
    problem = participation_problem(user)
    if problem is None and is_blocked(user):
        return BLOCKED_MESSAGE
    return problem


def can_vote(user, activity: StatementsActivity) -> bool:
    return voting_problem(user, activity) is None


def can_manage_statements(user) -> bool:
    """Set up the activity and its dates, seed statements, add common ground to the results."""
    return can_manage_consultations(user)


def can_moderate_statements(user) -> bool:
    return can_moderate(user)


def can_see_statement_workspace(user) -> bool:
    """The staff pages of a statements activity: managers, moderators and analysts."""
    from talklondon.permissions import can_view_results

    return can_manage_statements(user) or can_moderate_statements(user) or can_view_results(user)


def can_export_vote_matrix(user) -> bool:
    from talklondon.permissions import can_export_anonymised

    return can_export_anonymised(user)
