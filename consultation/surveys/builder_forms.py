"""Builder forms that edit a question together with its options."""

from django import forms

from consultation.surveys.forms import QuestionForm
from consultation.surveys.models import Question

Type = Question.Type


class QuestionWithOptionsForm(QuestionForm):
    """The question and, for choice, ranking and matrix questions, its options, one a line.

    A line is an option: type a new line to add one, move a line to reorder, delete a line to
    remove one. Works the same with or without JavaScript."""

    options = forms.CharField(
        label="Options (one a line)",
        help_text=(
            "For single choice, multiple choice and ranking questions the options, for a matrix "
            "the statements, in the order people will see them. Delete a line to remove an "
            "option. Other types of question ignore this."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "true"}),
    )
    other = forms.CharField(
        label="“Other, please specify” option (optional, single choice only)",
        help_text="For example: Something else (please tell us what). It is shown last.",
        required=False,
        max_length=300,
    )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("type")
        lines = [line.strip() for line in cleaned.get("options", "").splitlines() if line.strip()]
        cleaned["option_labels"] = lines
        if kind in Question.OPTION_TYPES:
            fewest = 1 if kind == Type.MATRIX else 2
            if len(lines) + bool(cleaned.get("other")) < fewest:
                self.add_error(
                    "options",
                    "Enter at least one statement"
                    if kind == Type.MATRIX
                    else "Enter at least two options, one a line",
                )
        return cleaned
