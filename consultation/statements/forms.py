"""Forms of the statements pages: they check the shape of input; services check the rest."""

from django import forms

from consultation.statements.models.statements import MAX_STATEMENT_LENGTH
from talklondon.date_input import GovukDateTimeField
from talklondon.house_rules import HOUSE_RULE_CHOICES

STATEMENT_HINT = (
    f"One clear point, in {MAX_STATEMENT_LENGTH} characters or fewer, that other people can agree "
    "or disagree with. Do not include personal information such as number plates, email "
    "addresses or phone numbers."
)


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        choices=[("agree", "Agree"), ("disagree", "Disagree"), ("pass", "Pass / unsure")],
        error_messages={"required": "Choose agree, disagree or pass."},
    )
    # Where to go next: the next statement, or back to the list of one's own votes.
    then = forms.ChoiceField(choices=[("next", "next"), ("mine", "mine")], required=False)


class StatementForm(forms.Form):
    text = forms.CharField(
        label="Your statement",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_STATEMENT_LENGTH,
        strip=True,
        help_text=STATEMENT_HINT,
        error_messages={
            "required": "Enter your statement.",
            "max_length": f"Your statement must be {MAX_STATEMENT_LENGTH} characters or fewer.",
        },
    )


class ActivityForm(forms.Form):
    introduction = forms.CharField(
        label="Introduction",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="What people are asked to react to, in a sentence or two.",
        error_messages={"required": "Enter what people are asked to react to."},
    )
    opens_at = GovukDateTimeField(label="Opens", help_text="For example, 11 2 2026")
    closes_at = GovukDateTimeField(label="Closes", help_text="For example, 8 4 2026")

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "The closing time must be after the opening time.")
        return cleaned


class RejectStatementForm(forms.Form):
    reason_code = forms.ChoiceField(
        label="Which house rule does it break?",
        choices=HOUSE_RULE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the house rule the statement breaks."},
    )
