from consultation.models.comments import (
    Comment,
    CommentLike,
    CommentReport,
    CommentVersion,
    NotificationSent,
)
from consultation.models.consultations import Consultation
from consultation.models.moderation import ModerationAction, ParticipantBlock
from consultation.models.pages import Attachment, ProposalPage, ProposalPageVersion

__all__ = [
    "Attachment",
    "Comment",
    "CommentLike",
    "CommentReport",
    "CommentVersion",
    "Consultation",
    "ModerationAction",
    "NotificationSent",
    "ParticipantBlock",
    "ProposalPage",
    "ProposalPageVersion",
]
