from consultation.surveys.models.responses import Answer, AnswerChoice, Response, ResponseVersion
from consultation.surveys.models.structure import (
    SCALE_CHOICES,
    Condition,
    Option,
    Question,
    ScalePoint,
    Section,
    Survey,
    SurveyChangeLog,
)

__all__ = [
    "SCALE_CHOICES",
    "Answer",
    "AnswerChoice",
    "Condition",
    "Option",
    "Question",
    "Response",
    "ResponseVersion",
    "ScalePoint",
    "Section",
    "Survey",
    "SurveyChangeLog",
]
