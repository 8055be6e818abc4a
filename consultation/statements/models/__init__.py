from consultation.statements.models.activity import StatementsActivity
from consultation.statements.models.results import OpinionResult
from consultation.statements.models.statements import Statement, StatementVote

__all__ = ["OpinionResult", "Statement", "StatementVote", "StatementsActivity"]
